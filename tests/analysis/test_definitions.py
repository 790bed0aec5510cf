"""Every half-hour-circle definition (network/analysis/definitions.py) on a tiny network with hand-computed answers.

The network: four road nodes on a straight east-west line, 10 km apart, rural highway (60 km/h
off-peak: 10 min an edge). West to east: a Changsha suburb (n3), central Changsha (n0), Xiangtan (n1),
Zhuzhou (n2). One grid cell sits on each node (population 100, 300, 200, 400), so access legs are zero.
Rail: line L1 CS(n0)–XT(n1)–ZZ(n2) at 60 km/h, no dwell or loss (10 min a hop, headway 20 min) and
line L2 XT–TX (6 km north, 6 min, headway 8 min: a 4 min wait on transfer).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import box

from network.analysis import definitions as D
from network.analysis.metrics import evaluate
from network.model.graph import NetworkState, RoadNetwork, StateParams
from network.model.rail import RailNetwork
from network.model.region import Region

X0, Y0 = 700_000.0, 3_100_000.0
TO_LONLAT = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)
NODE_X = {3: X0 - 10_000, 0: X0, 1: X0 + 10_000, 2: X0 + 20_000}
CELLS = [  # node, city, zone, population
    (3, "changsha", "z_cs", 100),
    (0, "changsha", "z_cs", 300),
    (1, "xiangtan", "z_xt", 200),
    (2, "zhuzhou", "z_zz", 400),
]


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(x, y)
    return float(lon), float(lat)


@pytest.fixture(scope="module")
def tiny() -> tuple[NetworkState, Region]:
    ids = [0, 1, 2, 3]
    nodes = pd.DataFrame({"node_id": ids, "x": [NODE_X[i] for i in ids], "y": [Y0] * 4})
    nodes["lon"], nodes["lat"] = zip(*(_lonlat(x, Y0) for x in nodes["x"]))
    edges = pd.DataFrame(
        {
            "u": [3, 0, 1],
            "v": [0, 1, 2],
            "length_m": [10_000.0] * 3,
            "highway": ["rural_highway"] * 3,
            "name": ["", "", ""],
            "ref": ["", "", ""],
        }
    )
    roads = RoadNetwork(nodes=nodes, edges=edges, tier="hand", snapshot="tiny test network")
    lines = pd.DataFrame(
        {
            "line_id": ["L1", "L2"],
            "name_zh": ["一线", "二线"],
            "kind": ["intercity", "intercity"],
            "top_speed_kph": [60.0, 60.0],
            "headway_am_peak_min": [20.0, 8.0],
            "headway_off_peak_min": [20.0, 8.0],
            "track_detour": [1.0, 1.0],
            "opened": ["2000-01-01", "2000-01-01"],
        }
    )
    stops = pd.DataFrame(
        {
            "line_id": ["L1", "L1", "L1", "L2", "L2"],
            "seq": [0, 1, 2, 0, 1],
            "name_zh": ["CS", "XT", "ZZ", "XT", "TX"],
            "x": [X0, X0 + 10_000, X0 + 20_000, X0 + 10_000, X0 + 10_000],
            "y": [Y0, Y0, Y0, Y0, Y0 + 6_000],
        }
    )
    stops["lon"], stops["lat"] = zip(*(_lonlat(x, y) for x, y in zip(stops["x"], stops["y"])))
    # car terminal times depend on the area type of the real population grid at these coordinates: zero
    # them so the hand-computed drives stay exact
    no_terminal = tuple((f"car_terminal_{t}_min", 0.0) for t in ("core", "urban", "suburban", "rural"))
    # trains at constant speed (instant acceleration and braking), no dwell, no platform-to-platform walk
    ideal_trains = (("accel_intercity_mps2", 1e9), ("brake_intercity_mps2", 1e9), ("dwell_intercity_s", 0.0), ("transfer_walk_s", 0.0))
    params = StateParams(period="off_peak", overrides=no_terminal + ideal_trains)
    state = NetworkState(roads=roads, rail=RailNetwork(lines, stops), params=params, year=2020)
    grid = pd.DataFrame(
        {
            "cell_id": range(4),
            "x_m": [NODE_X[n] for n, *_ in CELLS],
            "y_m": [Y0] * 4,
            "zone_id": [z for _, _, z, _ in CELLS],
            "city": [c for _, c, _, _ in CELLS],
            "population": [p for *_, p in CELLS],
        }
    )
    grid["lon"], grid["lat"] = zip(*(_lonlat(x, Y0) for x in grid["x_m"]))
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["z_cs", "z_xt", "z_zz"],
            "name_zh": ["长", "潭", "株"],
            "city": ["changsha", "xiangtan", "zhuzhou"],
            "population_2020": [400, 200, 400],
        },
        geometry=[box(*_lonlat(X0 - 15_000, Y0 - 1_000), *_lonlat(X0 + 5_000, Y0 + 1_000)), box(0, 0, 1, 1), box(1, 1, 2, 2)],
        crs="EPSG:4326",
    )
    centres = pd.DataFrame(
        {
            "city": ["changsha", "zhuzhou", "xiangtan"],
            "name_zh": ["长沙", "株洲", "湘潭"],
            "x_m": [NODE_X[0], NODE_X[2], NODE_X[1]],
            "y_m": [Y0] * 3,
            "reason": ["", "", ""],
        }
    )
    centres["lon"], centres["lat"] = zip(*(_lonlat(x, Y0) for x in centres["x_m"]))
    return state, Region(zones=zones, grid=grid, centres=centres)


AREAS = pd.Series(["", "changsha", "xiangtan", "zhuzhou"])  # n3 is a suburb, outside the central area
STATIONS = pd.DataFrame({"city": ["changsha", "xiangtan", "zhuzhou"], "name_zh": ["CS", "XT", "ZZ"], "kind": ["intercity"] * 3})


def _value(t: pd.DataFrame, **where: object) -> float:
    sel = t
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{len(sel)} rows for {where}"
    return float(sel["value"].iloc[0])


def _ctx(state: NetworkState) -> D.Context:
    return D.Context.of(state, "tiny")


def test_weighted_quantile_is_the_inverse_cdf() -> None:
    v, w = np.array([40.0, 10.0, 30.0, 20.0]), np.array([7.0, 1.0, 1.0, 1.0])
    assert D.weighted_quantile(v, w, 0.10) == 10.0  # 1 of 10 weight units
    assert D.weighted_quantile(v, w, 0.25) == 30.0  # cumulative 1, 2, 3 < 2.5 ... reaches at 30
    assert D.weighted_quantile(v, w, 0.5) == 40.0


def test_every_row_names_definition_period_tier_snapshot_and_basis(tiny: tuple[NetworkState, Region]) -> None:
    state, region = tiny
    t = D.corridor_end_to_end(state, _ctx(state), corridors=_corridors())
    assert set(D.COLUMNS) <= set(t.columns)
    assert (t["definition"] == "corridor_end_to_end").all() and (t["period"] == "off_peak").all()
    assert (t["tier"] == "hand").all() and (t["snapshot"] == "tiny test network").all()
    assert t["basis"].str.contains("not observed commuting").all()


def test_centre_to_centre_is_door_to_door_between_centre_points(tiny: tuple[NetworkState, Region]) -> None:
    state, region = tiny
    t = D.centre_to_centre(evaluate(state, region), _ctx(state))
    assert _value(t, mode="car", origin="changsha", destination="zhuzhou") == pytest.approx(20.0, abs=1e-6)
    assert _value(t, mode="car", origin="xiangtan", destination="zhuzhou") == pytest.approx(10.0, abs=1e-6)
    # best = car here: transit pays 2.5 min station access each end and a 10 min wait
    assert _value(t, mode="best", origin="changsha", destination="xiangtan") == pytest.approx(10.0, abs=1e-6)


def test_urban_area_to_urban_area_weights_cells_by_population(tiny: tuple[NetworkState, Region]) -> None:
    state, region = tiny
    areas = pd.Series(["changsha", "changsha", "xiangtan", "zhuzhou"])  # the suburb inside the area here
    t = D.urban_area_to_urban_area(D.Skims(state), region, _ctx(state), areas=areas, stations=STATIONS)
    # changsha cells: n3 (pop 100, 30 min to zhuzhou) and n0 (pop 300, 20 min): weights 1:3
    assert _value(t, measure="mean", mode="car", origin="changsha", destination="zhuzhou") == pytest.approx(22.5, abs=1e-6)
    assert _value(t, measure="p10", mode="car", origin="changsha", destination="zhuzhou") == pytest.approx(20.0, abs=1e-6)
    assert _value(t, measure="p50", mode="car", origin="changsha", destination="xiangtan") == pytest.approx(10.0, abs=1e-6)
    # rail: CS -> ZZ 20 min in the train; fastest in-vehicle = min(car p10, rail) = 20
    assert _value(t, measure="rail_in_vehicle", origin="changsha", destination="zhuzhou") == pytest.approx(20.0, abs=1e-6)
    assert _value(t, measure="fastest_in_vehicle", origin="changsha", destination="zhuzhou") == pytest.approx(20.0, abs=1e-6)
    assert t.loc[t["measure"] == "fastest_in_vehicle", "headline"].all()


def test_station_to_station_excludes_the_first_wait_but_counts_a_transfer(tiny: tuple[NetworkState, Region]) -> None:
    state, _ = tiny
    t = D.station_to_station(D.Skims(state), _ctx(state), stations=STATIONS)
    assert _value(t, measure="fastest_station_pair", origin="changsha", destination="zhuzhou") == pytest.approx(20.0, abs=1e-6)
    assert _value(t, measure="fastest_station_pair", origin="xiangtan", destination="zhuzhou") == pytest.approx(10.0, abs=1e-6)
    pairs = D.station_to_station(D.Skims(state), _ctx(state), pairs=[("CS", "TX"), ("CS", "nowhere")])
    # 10 min on L1, 4 min wait for L2 (headway 8), 6 min on L2
    assert _value(pairs, origin="CS", destination="TX") == pytest.approx(20.0, abs=1e-6)
    assert np.isinf(_value(pairs, origin="CS", destination="nowhere"))


def _corridors() -> pd.DataFrame:
    a, b = _lonlat(NODE_X[3], Y0), _lonlat(NODE_X[2], Y0)
    return pd.DataFrame(
        [
            {
                "corridor_id": "line",
                "name_zh": "直线路",
                "from_name": "W",
                "from_lon": a[0],
                "from_lat": a[1],
                "to_name": "E",
                "to_lon": b[0],
                "to_lat": b[1],
                "length_km": 30.0,
            }
        ]
    )


def test_corridor_end_to_end_drives_between_the_end_points(tiny: tuple[NetworkState, Region]) -> None:
    state, _ = tiny
    t = D.corridor_end_to_end(state, _ctx(state), corridors=_corridors(), threshold_minutes=30.5)
    assert _value(t, measure="minutes", origin="line") == pytest.approx(30.0, abs=1e-3)
    assert _value(t, measure="route_km", origin="line") == pytest.approx(30.0, abs=1e-3)
    assert bool(t.loc[t["measure"] == "minutes", "within"].iloc[0]) is True  # 30 <= 30.5
    short = D.corridor_end_to_end(state, _ctx(state), corridors=_corridors(), threshold_minutes=29.5)
    assert bool(short.loc[short["measure"] == "minutes", "within"].iloc[0]) is False


def test_accessibility_counts_reach_hansen_and_mean_times(tiny: tuple[NetworkState, Region]) -> None:
    state, region = tiny
    t = D.accessibility(
        D.Skims(state), region, _ctx(state), areas=AREAS, thresholds_minutes=(15.0, 30.0), half_life_minutes=10.0, block_m=1000.0
    )
    car = t[t["mode"] == "car"]
    # changsha residents: n0 (300) reaches xiangtan (200) within 15; n3 (100) nothing -> 150 on average
    assert _value(car, measure="population_within", origin="changsha", threshold_minutes=15.0) == pytest.approx(150.0)
    assert _value(car, measure="population_within", origin="changsha", threshold_minutes=30.0) == pytest.approx(600.0)
    # Hansen, half-life 10: n0 200*.5 + 400*.25 = 200; n3 200*.25 + 400*.125 = 100; (300*200+100*100)/400/600
    assert _value(car, measure="hansen", origin="changsha") == pytest.approx(175.0 / 600.0, abs=1e-4)
    assert _value(car, measure="mean_intercity_minutes", origin="changsha", destination="zhuzhou") == pytest.approx(22.5)
    # within 15 min of xiangtan's central area: n0 (10 min) yes, n3 (20 min) no -> 300/400
    assert _value(car, measure="share_within_other_central_area", origin="changsha", destination="xiangtan", threshold_minutes=15.0) == 0.75


def test_core_area_commute_shares_of_population_weighted_pairs(tiny: tuple[NetworkState, Region]) -> None:
    state, region = tiny
    mask = np.ones(4, dtype=bool)
    t = D.core_area_commute(D.Skims(state), region, _ctx(state), area="test", mask=mask, thresholds_minutes=(15.0, 30.0), block_m=1000.0)
    car = t[t["mode"] == "car"]
    # unordered pairs P_i*P_j: ab 30k (10 min), ac 20k (20), ad 40k (30), bc 60k (10), bd 120k (20), cd 80k (10)
    assert _value(car, measure="share_pairs_within", threshold_minutes=15.0) == pytest.approx(170_000 / 350_000, abs=1e-4)
    assert _value(car, measure="share_intercity_pairs_within", threshold_minutes=15.0) == pytest.approx(140_000 / 320_000, abs=1e-4)
    assert _value(car, measure="share_intercity_pairs_within", threshold_minutes=30.0) == 1.0
    assert _value(car, measure="median_intercity_minutes") == pytest.approx(20.0, abs=1e-6)


def test_central_urban_areas_follow_the_ghsl_rule(tiny: tuple[NetworkState, Region]) -> None:
    _, region = tiny
    # a 2x3 block of dense cells (60,000 people) beside the centre, a diagonal-only neighbour, a far dense town
    cells = [(i, j, 10_000) for i in range(2) for j in range(3)] + [(2, 3, 10_000), (9, 9, 60_000)]
    cells += [(0, 20, 100), (0, 21, 100), (0, 22, 100)]  # the other two cities, too sparse for any urban centre
    grid = pd.DataFrame(
        {
            "x_m": [X0 + 1000 * j for i, j, _ in cells],
            "y_m": [Y0 + 1000 * i for i, j, _ in cells],
            "population": [p for *_, p in cells],
            "city": ["changsha"] * 8 + ["zhuzhou", "xiangtan", "xiangtan"],
            "zone_id": ["z"] * 11,
        }
    )
    centres = region.centres.assign(x_m=[X0 + 1000, X0, X0], y_m=[Y0, Y0, Y0])
    r = Region(zones=region.zones, grid=grid, centres=centres)
    with pytest.raises(Exception, match="no urban centre"):
        D.central_urban_areas(r)
    grid.loc[8:, "population"] = 60_000  # give the other cities an urban centre each
    areas = D.central_urban_areas(Region(zones=region.zones, grid=grid, centres=centres))
    assert list(areas[:6]) == ["changsha"] * 6  # the contiguous block containing the centre
    assert areas[6] == ""  # touches only at a corner: rook contiguity leaves it out
    assert areas[7] == ""  # a dense town elsewhere is not the central urban area


def test_year_change_lines_name_what_changed_and_leave_out_what_did_not() -> None:
    import pandas as pd

    from network.outputs.charts import year_change_lines

    steps = pd.DataFrame(
        [
            {"year": 2020, "series": "a", "item": "furong-avenue", "effect": -3.0},
            {"year": 2020, "series": "b", "item": "furong-avenue", "effect": -1.0},
            {"year": 2020, "series": "a", "item": "dongzhu-road", "effect": 0.0},
            {"year": 2023, "series": "a", "item": "west-ring-line", "effect": 0.0},
            {"year": 2023, "series": "z", "item": "elsewhere", "effect": -9.0},
        ]
    )
    lines = year_change_lines(steps, {"a", "b"}, [2018, 2020, 2023])
    assert lines == ["2020: furong-avenue 4.00", "2023: no change"]
