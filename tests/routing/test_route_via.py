"""A named road driven end to end (``route_via``, the ``corridor_end_to_end`` measure): the car route
passes the corridor's waypoints even where a faster road joins its ends, and an observed row is the
corridor whose ends lie within 3 km of its own."""

from __future__ import annotations

import pandas as pd
import pytest
from pyproj import Transformer

from network.analysis.corridors import MATCH_TOLERANCE_M, drive_corridor, matching_corridor, parse_via
from network.model.graph import NetworkState, RoadNetwork, StateParams
from network.model.parameters import DEFAULTS
from network.model.rail import load_rail
from network.paths import CRS_METRIC, CRS_WGS84
from network.routing.route import route

X0, Y0 = 700_000.0, 3_100_000.0
TO_LONLAT = Transformer.from_crs(CRS_METRIC, CRS_WGS84, always_xy=True)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def _state() -> NetworkState:
    """A straight arterial A(0)-M(1)-B(2), 2 x 5 km, and a rural highway bypass A-C(3)-B through a point
    3 km north of M (2 x 5.83 km): faster off-peak (60 km/h) than the arterial (35 km/h)."""
    xy = {0: (0, 0), 1: (5000, 0), 2: (10000, 0), 3: (5000, 3000)}
    nodes = pd.DataFrame({"node_id": list(xy), "x": [X0 + p[0] for p in xy.values()], "y": [Y0 + p[1] for p in xy.values()]})
    lon, lat = TO_LONLAT.transform(nodes["x"], nodes["y"])
    nodes = nodes.assign(lon=lon, lat=lat)
    rows = [
        (0, 1, "urban_arterial", 5000.0),
        (1, 2, "urban_arterial", 5000.0),
        (0, 3, "rural_highway", 5831.0),
        (3, 2, "rural_highway", 5831.0),
    ]
    edges = pd.DataFrame(rows, columns=["u", "v", "highway", "length_m"]).assign(name="", ref="", oneway=False)
    no_terminal = tuple((f"car_terminal_{t}_min", 0.0) for t in ("core", "urban", "suburban", "rural"))
    roads = RoadNetwork(nodes=nodes, edges=edges, tier="test", snapshot="test")
    return NetworkState(roads=roads, rail=load_rail(), params=StateParams(period="off_peak", overrides=no_terminal), year=2020)


def test_the_corridor_is_driven_along_its_waypoints_not_on_the_faster_bypass() -> None:
    state = _state()
    a, m, b = _lonlat(0, 0), _lonlat(5000, 100), _lonlat(10000, 0)
    free = route(state, a, b, "car")
    minutes, along = drive_corridor(state, a, [m], b)
    arterial_min = 10.0 / DEFAULTS["speed_urban_arterial_off_peak_kph"] * 60.0
    bypass_min = 11.662 / DEFAULTS["speed_rural_highway_off_peak_kph"] * 60.0
    assert free.minutes == pytest.approx(bypass_min, rel=0.01)
    assert minutes == pytest.approx(arterial_min, rel=0.01)
    assert along.km == pytest.approx(10.0, rel=0.01)
    # without waypoints the measure is the free route
    assert drive_corridor(state, a, [], b)[0] == pytest.approx(free.minutes, rel=1e-6)


def test_an_observed_row_is_the_corridor_whose_ends_match_either_way() -> None:
    table = pd.DataFrame(
        [
            {"corridor_id": "c", "from_lon": 113.0, "from_lat": 28.0, "to_lon": 113.1, "to_lat": 27.9, "via": "113.05 27.95; 113.07 27.93"},
        ]
    )
    assert matching_corridor((113.0, 28.0), (113.1, 27.9), table) == ("c", [(113.05, 27.95), (113.07, 27.93)])
    assert matching_corridor((113.1, 27.9), (113.0, 28.0), table) == ("c", [(113.07, 27.93), (113.05, 27.95)])
    off = 1.5 * MATCH_TOLERANCE_M / 100_000.0  # about 1.5 tolerances of latitude
    assert matching_corridor((113.0, 28.0 + off), (113.1, 27.9), table) is None


def test_bad_waypoints_are_named() -> None:
    with pytest.raises(Exception, match="expected 'lon lat' pairs"):
        parse_via("113.0,28.0", where="data/corridors.csv:2: field 'via'")
    assert parse_via("") == []
