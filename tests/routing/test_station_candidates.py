"""Every station within walking reach of a point is a candidate at both trip ends (network/routing/engine.py
``station_candidates``): a metro trip with a short walk at each end is found wherever the point lies."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from network.model.graph import NetworkState
from network.model.parameters import PARAMETERS
from network.routing.engine import snap_points
from network.routing.graphs import build_mode_graph
from network.routing.route import route

_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
FROM_STATION, TO_STATION = "芙蓉广场", "长沙火车南站"  # M2, 12 km apart; HSR 长沙南 and maglev 磁浮高铁 beside the second
WALK_KPH = PARAMETERS["walk_speed_kph"].value
DETOUR = max(PARAMETERS[f"connector_detour_{t}"].value for t in ("core", "urban", "suburban", "rural"))
WALK_MAX_M = PARAMETERS["walk_max_m"].value


def _station_xy(state: NetworkState, name: str) -> tuple[float, float]:
    st = state.rail.station_places()
    row = st[st["name_zh"] == name].iloc[0]
    return float(row["x"]), float(row["y"])


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_M.transform(x, y, direction="INVERSE")
    return float(lon), float(lat)


def _grid(centre: tuple[float, float], step_m: float = 250.0, max_m: float = WALK_MAX_M) -> list[tuple[float, float]]:
    """Points around a station within ``max_m`` of it by street (default: its walking reach)."""
    out = []
    for dx in (-2, -1, 0, 1, 2):
        for dy in (-2, -1, 0, 1, 2):
            x, y = centre[0] + dx * step_m, centre[1] + dy * step_m
            if 100.0 <= np.hypot(dx * step_m, dy * step_m) * DETOUR <= max_m:
                out.append((x, y))
    return out


def _walk_min(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1])) * DETOUR / (WALK_KPH / 3.6) / 60.0


def test_every_station_in_walking_reach_is_a_candidate(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "transit")
    st_xy = np.column_stack([g.node_x[g.station_nodes], g.node_y[g.station_nodes]])
    pts = _grid(_station_xy(surveyed_state, FROM_STATION)) + _grid(_station_xy(surveyed_state, TO_STATION))
    x, y = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    for snap in (snap_points(g, x, y, surveyed_state.params), snap_points(g, x[:1], y[:1], surveyed_state.params)):
        for i in range(len(snap.nodes)):
            d = np.hypot(st_xy[:, 0] - x[i], st_xy[:, 1] - y[i]) * DETOUR
            in_reach = set(g.station_nodes[d <= WALK_MAX_M].tolist())
            assert in_reach <= set(snap.nodes[i].tolist())
            # each reached on foot, in both directions
            for k, node in enumerate(snap.nodes[i]):
                if int(node) in in_reach:
                    assert snap.walked is not None and snap.walked[i, k]


def test_a_metro_trip_is_never_slower_than_walk_ride_walk(surveyed_state: NetworkState) -> None:
    a, b = _station_xy(surveyed_state, FROM_STATION), _station_xy(surveyed_state, TO_STATION)
    # the rail part as the model has it: entering, first wait, rides, leaving (no walk at either end)
    legs = route(surveyed_state, _lonlat(*a), _lonlat(*b), "rail").legs
    rail_min = sum(leg.minutes for leg in legs)
    # generalized: walking x walk_weight, and the first boarding's penalty refunded (engine.snap_points)
    rail_gen = sum(leg.generalized_minutes for leg in legs) - PARAMETERS["transfer_penalty_min"].value
    walk_w = PARAMETERS["walk_weight"].value
    # the whole walking reach at each end: never dearer than walking to the M2 station, riding, walking on
    origins, destinations = _grid(a)[::3], _grid(b)[::3]
    assert len(origins) >= 4 and len(destinations) >= 4
    for o in origins:
        for d in destinations:
            r = route(surveyed_state, _lonlat(*o), _lonlat(*d), "transit")
            walks = _walk_min(o, a) + _walk_min(b, d)
            assert r.generalized_minutes <= walks * walk_w + rail_gen + 0.01, (o, d, r.generalized_minutes, r.lines)
    # a short walk at each end (up to 500 m of streets): by clock too, within 2 min (a path of less
    # generalized cost, e.g. a longer walk to another M2 station and less riding, may be a little slower)
    for o in _grid(a, max_m=500.0):
        for d in _grid(b, max_m=500.0)[::2]:
            r = route(surveyed_state, _lonlat(*o), _lonlat(*d), "transit")
            walks = _walk_min(o, a) + _walk_min(b, d)
            # before: 61.9 min of feeder buses from 112.980,28.200 to 113.063,28.150 (bound about 32)
            assert r.minutes <= walks + rail_min + 2.0, (o, d, r.minutes, walks + rail_min, r.lines)


@pytest.mark.parametrize("bearing_deg", [0.0, 60.0, 135.0, 200.0, 270.0, 315.0])
def test_moving_an_origin_300_m_toward_its_station_never_makes_it_5_min_slower(surveyed_state: NetworkState, bearing_deg: float) -> None:
    a = _station_xy(surveyed_state, FROM_STATION)
    to = _lonlat(*_station_xy(surveyed_state, TO_STATION))
    st = surveyed_state.rail.station_places()
    sx, sy = st["x"].to_numpy(dtype=float), st["y"].to_numpy(dtype=float)
    ux, uy = np.sin(np.radians(bearing_deg)), np.cos(np.radians(bearing_deg))
    for dist_m in (500.0, 800.0, 1100.0, 1400.0):
        x, y = a[0] + ux * dist_m, a[1] + uy * dist_m
        k = int(np.argmin(np.hypot(sx - x, sy - y)))  # the origin's nearest station, of any line
        gap = float(np.hypot(sx[k] - x, sy[k] - y))
        step = min(300.0, gap) / gap
        far = route(surveyed_state, _lonlat(x, y), to, "transit")
        near = route(surveyed_state, _lonlat(x + (sx[k] - x) * step, y + (sy[k] - y) * step), to, "transit")
        # before: 300-500 m nearer 芙蓉广场 could mean 20 min slower (a feeder-bus trip instead of M2)
        assert near.minutes <= far.minutes + 5.0, (bearing_deg, dist_m, str(st["name_zh"].iloc[k]), far.minutes, near.minutes)
