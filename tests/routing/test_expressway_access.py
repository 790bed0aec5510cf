"""Expressways are closed toll systems: a car gets on and off through a ramp and a toll station, changes
expressway through a ramp, and drives through an interchange on the main line at no cost."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from network.model.graph import NetworkState, RoadNetwork, StateParams
from network.model.parameters import DEFAULTS, PARAMETERS
from network.model.rail import load_rail
from network.paths import CRS_METRIC, CRS_WGS84, OBSERVED_DIR
from network.routing.engine import snap_points
from network.routing.graphs import build_car_graph
from network.routing.route import route
from network.scenario.resolve import build_state, resolve_projects
from network.scenario.schema import parse_scenario

TO_M = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)
ON_OFF_S = DEFAULTS["expressway_ramp_s"] + DEFAULTS["expressway_toll_s"]


def _toy_roads() -> RoadNetwork:
    """Expressway X along 0-1-2 (1 km edges, east-west), expressway Y from 1 north to 6; local roads
    3-0, 1-4, 2-5 and 6-7 (1 km each), and a slow local way round 3-8-9-5 (7 km) whose middle runs
    parallel to X 300 m south of it."""
    xy = {0: (0, 0), 1: (1000, 0), 2: (2000, 0), 3: (0, -1000), 4: (1000, -1000), 5: (2000, -1000),
          6: (1000, 1000), 7: (1000, 2000), 8: (500, -300), 9: (1500, -300)}  # fmt: skip
    nodes = pd.DataFrame(
        {"node_id": list(xy), "x": [p[0] + 700_000.0 for p in xy.values()], "y": [p[1] + 3_100_000.0 for p in xy.values()]}
    )
    lon, lat = Transformer.from_crs(CRS_METRIC, CRS_WGS84, always_xy=True).transform(nodes["x"], nodes["y"])
    nodes = nodes.assign(lon=lon, lat=lat)
    rows = [(0, 1, "expressway", "X"), (1, 2, "expressway", "X"), (1, 6, "expressway", "Y"),
            (3, 0, "urban_arterial", ""), (1, 4, "urban_arterial", ""), (2, 5, "urban_arterial", ""),
            (6, 7, "urban_arterial", ""), (3, 8, "urban_arterial", ""), (8, 9, "urban_arterial", ""), (9, 5, "urban_arterial", "")]  # fmt: skip
    edges = pd.DataFrame(rows, columns=["u", "v", "highway", "ref"]).assign(length_m=1000.0, name="", oneway=False)
    edges.loc[(edges["u"] == 8) & (edges["v"] == 9), "length_m"] = 5000.0
    return RoadNetwork(nodes=nodes, edges=edges, tier="test", snapshot="test")


def _times_s(roads: RoadNetwork, **overrides: float) -> np.ndarray:
    params = StateParams(period="off_peak", overrides=tuple(overrides.items()))
    n = len(roads.nodes)
    return np.asarray(dijkstra(build_car_graph(NetworkState(roads=roads, rail=load_rail(), params=params)).csr))[:n, :n]


def test_getting_on_and_off_costs_ramps_and_toll_stations_driving_through_is_free() -> None:
    """3 -> 5 gets on X at 0 and off at 2 (through the interchange at 1 at no cost); 3 -> 7 changes
    from X to Y at 1 through one ramp."""
    roads = _toy_roads()
    t = _times_s(roads)
    local_s = 1000.0 / (DEFAULTS["speed_urban_arterial_off_peak_kph"] / 3.6)
    x_s = 1000.0 / (DEFAULTS["speed_expressway_off_peak_kph"] / 3.6)
    assert t[3, 5] == pytest.approx(2 * local_s + 2 * ON_OFF_S + 2 * x_s)
    assert t[3, 7] == pytest.approx(2 * local_s + 2 * ON_OFF_S + 2 * x_s + DEFAULTS["expressway_ramp_s"])


def test_a_curated_piece_of_an_expressway_is_driven_on_without_a_ramp() -> None:
    """A piece of an expressway curated on its own (data/trunk_roads.csv: ``S21-HH``, the 长株高速's north link)
    is the same road as its main line (``S21``): driving from one onto the other through a junction with a third
    expressway costs no ramp, while a different expressway (``S22``) there is a system interchange."""
    roads = _toy_roads()
    local_s = 1000.0 / (DEFAULTS["speed_urban_arterial_off_peak_kph"] / 3.6)
    x_s = 1000.0 / (DEFAULTS["speed_expressway_off_peak_kph"] / 3.6)
    for piece, ramp_s in (("S21-HH", 0.0), ("S22", DEFAULTS["expressway_ramp_s"])):
        refs = roads.edges["ref"].replace({"X": "S21"}).to_numpy(dtype=object)
        refs[(roads.edges["u"] == 1).to_numpy() & (roads.edges["v"] == 2).to_numpy()] = piece
        t = _times_s(RoadNetwork(nodes=roads.nodes, edges=roads.edges.assign(ref=refs), tier="test", snapshot="test"))
        assert t[3, 5] == pytest.approx(2 * local_s + 2 * ON_OFF_S + 2 * x_s + ramp_s), piece
        assert t[3, 7] == pytest.approx(2 * local_s + 2 * ON_OFF_S + 2 * x_s + DEFAULTS["expressway_ramp_s"]), piece


def test_a_point_beside_an_expressway_joins_a_road_not_the_expressway() -> None:
    """A point 50 m from the middle of expressway X (no junction there) is reached from the local road
    300 m away, never from the expressway itself."""
    roads = _toy_roads()
    g = build_car_graph(NetworkState(roads=roads, rail=load_rail(), params=StateParams(period="off_peak")))
    assert set(g.road_ids.tolist()) == {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}  # every node has a road of its own
    x = np.array([700_500.0])
    y = np.array([3_100_000.0 - 50.0])
    snap = snap_points(g, x, y, StateParams(period="off_peak"))
    samples = g.road_samples
    on_x = {(0, 1), (1, 2)}
    assert not any((int(a), int(b)) in on_x for a, b in zip(samples.u, samples.v))
    assert (snap.nodes < g.n_road).all()


@pytest.mark.parametrize(
    ("name", "low_or_high"),
    [("expressway_toll_s", "high"), ("expressway_ramp_s", "high"), ("expressway_toll_s", "low"), ("expressway_ramp_s", "low")],
)
def test_a_longer_toll_or_ramp_delay_never_makes_a_car_trip_faster(name: str, low_or_high: str) -> None:
    """On the 2020 network, every road-node-to-road-node car time is at least as long with the delay at
    the top of its range as with the default, and at most as long with it at the bottom."""
    sc = parse_scenario("name: t\ntitle: t\nbase: surveyed\nyear: 2020\nperiod: off_peak\n", file="<test>")
    state = build_state(resolve_projects(sc, file="<test>"))
    p = PARAMETERS[name]
    n = len(state.roads.nodes)
    sources = np.arange(0, n, 53)
    base = np.asarray(dijkstra(build_car_graph(state).csr, indices=sources))[:, :n]
    value = p.high if low_or_high == "high" else p.low
    other = np.asarray(dijkstra(build_car_graph(state.with_params(overrides=((name, value),))).csr, indices=sources))[:, :n]
    if low_or_high == "high":
        assert (other >= base - 1e-6).all() and (other > base + 1.0).any()
    else:
        assert (other <= base + 1e-6).all() and (other < base - 1.0).any()


def _corridor_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["measure"] == "corridor_end_to_end" and r["minutes_before"]]


def _car_minutes_route(year: int, a: tuple[float, float], b: tuple[float, float]) -> float:
    sc = parse_scenario(f"name: t{year}\ntitle: t\nbase: surveyed\nyear: {year}\nperiod: off_peak\n", file="<test>")
    return route(build_state(resolve_projects(sc, file="<test>")), a, b, "car").minutes


UNDER_A_QUARTER = {
    "dongzhu-road": "since points join every junction within the radius of the shared roads' (engine._node_candidates), "
    "the 2018 trip ends by 1.6 km of local streets from a junction that 洞株路's own nodes had crowded out "
    "(34.7 min, was 36.1): -4.1 min against the published -17, a quarter would be -4.25 (issue 20: connectors)"
}
"""Corridor rows whose model change is known to fall short of a quarter of the published change, and why."""


@pytest.mark.parametrize("row_id", [r["id"] for r in _corridor_rows(OBSERVED_DIR / "journey_times_calibration.csv")])
def test_road_upgrades_change_the_corridor_drive_by_at_least_a_quarter_of_the_published_change(row_id: str) -> None:
    """Each published before->after corridor figure (芙蓉大道 47 -> 25, 洞株路 45 -> 28 min, off-peak):
    the model's whole car trip between the end points, through ``route``, falls by at least a quarter of
    the published fall (the independent checker's test). Before, those trips take the G0401/G4/G60
    expressways, and pay for getting on and off them. Rows in ``UNDER_A_QUARTER`` fall with the published
    sign but by less than a quarter (the test fails once they reach it, to take them off the list)."""
    rows = {r["id"]: r for r in _corridor_rows(OBSERVED_DIR / "journey_times_calibration.csv")}
    assert set(rows) >= {"furong-avenue", "dongzhu-road"}
    r = rows[row_id]
    a = (float(r["from_lon"]), float(r["from_lat"]))
    b = (float(r["to_lon"]), float(r["to_lat"]))
    change = _car_minutes_route(int(r["year"]), a, b) - _car_minutes_route(int(r["year_before"]), a, b)
    published = float(r["minutes"]) - float(r["minutes_before"])
    what = f"{r['id']}: model change {change:+.1f} min against published {published:+.0f}"
    assert change < 0.0, what
    if row_id in UNDER_A_QUARTER:
        assert change > 0.25 * published, f"{what}: now at least a quarter; take it off UNDER_A_QUARTER"
    else:
        assert change <= 0.25 * published, what
