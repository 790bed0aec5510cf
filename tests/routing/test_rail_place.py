"""Mode ``rail`` starts and ends at the station place of each point (network/routing/route.py
``station_place``, ``rail_place_legs``): the nearest station and every station within a walking change of it.
At 长沙南 the nearest station is the HSR platform; the metro (长沙火车南站) is a walking change away, and a
trip onto the metro walks to it instead of riding an HSR train to 湘潭北 and back to change."""

from __future__ import annotations

import pytest

from network.model.graph import NetworkState
from network.model.rail import RAIL_KINDS
from network.routing.graphs import build_mode_graph, rail_system_edges
from network.routing.route import nearest_stations, rail_line_ids, rail_time, route, station_place

CHANGSHA_SOUTH_HSR = (113.0599, 28.1501)  # nearest station: HSR 长沙南
SHAWAN_PARK = (113.035, 28.16)  # M2, two stops from 长沙火车南站
FURONG_SQUARE = (112.977, 28.196)  # M2 in the centre


def _stations(legs: list) -> list[str]:  # type: ignore[type-arg]
    """The stations a trip boards or leaves at, in order."""
    out = []
    for leg in legs:
        if leg.kind == "wait":
            out.append(leg.label.rsplit(" at ", 1)[1])
        elif leg.kind == "exit":
            out.append(leg.label)
    return out


def test_the_place_of_changsha_south_holds_its_metro_and_maglev(surveyed_state: NetworkState) -> None:
    place = station_place(surveyed_state, CHANGSHA_SOUTH_HSR)
    names = [s.name for s in place]
    assert names[0] == "长沙南" and place[0].walk_s == 0.0
    assert "长沙火车南站" in names
    assert all(s.walk_m <= surveyed_state.params.transfer_walk_m * 2 for s in place)
    assert all(s.walk_s > 0 for s in place[1:])


@pytest.mark.parametrize(
    "ends", [(CHANGSHA_SOUTH_HSR, SHAWAN_PARK), (CHANGSHA_SOUTH_HSR, FURONG_SQUARE), (FURONG_SQUARE, CHANGSHA_SOUTH_HSR)]
)
def test_a_rail_trip_never_rides_out_and_back(surveyed_state: NetworkState, ends: tuple[tuple[float, float], tuple[float, float]]) -> None:
    r = route(surveyed_state, ends[0], ends[1], "rail")
    assert r.lines == ["M2"], r.legs
    stations = _stations(r.legs)
    assert len(stations) == len(set(stations)), stations
    assert r.transfers == 0
    # the walking change at 长沙南 is shown and counted
    walks = [leg for leg in r.legs if leg.kind == "transfer"]
    assert len(walks) == 1 and "长沙火车南站" in walks[0].label and "长沙南" in walks[0].label
    assert r.minutes == pytest.approx(sum(leg.minutes for leg in r.legs))
    assert r.minutes < 35.0, r.minutes  # Line 2 at its published pace (52 min 20 s end to end); out and back via 湘潭北 is far longer
    transit = route(surveyed_state, ends[0], ends[1], "transit")
    assert r.minutes < transit.minutes + 5.0, (r.minutes, transit.minutes)


def test_station_to_station_from_the_hsr_platform_onto_the_metro(surveyed_state: NetworkState) -> None:
    rt = rail_time(surveyed_state, CHANGSHA_SOUTH_HSR, FURONG_SQUARE)
    assert rt.via_route and rt.lines == ["M2"], rt.legs
    assert rt.minutes < 30.0  # the walk to the metro, a wait and Line 2 at its published pace (26.8 measured)


HUNAN_UNIV_TECH_GATE = (113.08, 27.87)  # 株洲: beside the stop 湖南工大正门 of the GTFS bus DIDI-CS-ZZ (route_type 3)
CHANGSHA_SOUTH_MAGLEV = (113.0645, 28.1496)


def test_rail_mode_rides_rail_lines_only_never_a_bus(surveyed_state: NetworkState) -> None:
    """The review's trip: 长沙南 to a point beside a bus stop in 株洲 rode 150 min on 滴滴城际站点巴士 as 'rail'."""
    rail_ids = rail_line_ids(surveyed_state)
    lines = surveyed_state.rail.lines
    buses = set(lines.loc[~lines["kind"].isin(RAIL_KINDS), "line_id"].astype(str))
    assert any(b.startswith("DIDI-CS-ZZ") for b in buses) and not buses & rail_ids  # the state holds the bus: the test can fail
    r = route(surveyed_state, CHANGSHA_SOUTH_MAGLEV, HUNAN_UNIV_TECH_GATE, "rail")
    assert r.lines and set(r.lines) <= rail_ids, r.legs
    assert not any("(GTFS)" in leg.label for leg in r.legs), r.legs
    a, b = nearest_stations(surveyed_state, CHANGSHA_SOUTH_MAGLEV, HUNAN_UNIV_TECH_GATE)
    rail_stops = set(surveyed_state.rail.stops.loc[surveyed_state.rail.stops["line_id"].isin(rail_ids), "name_zh"])
    assert {a, b} <= rail_stops, (a, b)
    rt = rail_time(surveyed_state, CHANGSHA_SOUTH_MAGLEV, HUNAN_UNIV_TECH_GATE)
    assert set(rt.lines) <= rail_ids, rt.lines
    assert r.minutes < 90.0, r.minutes  # metro + intercity (70.9 measured); the bus ride alone was 150 min


def test_the_rail_system_edges_leave_out_every_bus_boarding_and_ride(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "transit")
    assert any(lid.startswith("DIDI-CS-ZZ") for lid in g.non_rail_lines)
    inside = rail_system_edges(g)
    kinds = [str(k) for k in g.edge_kind]
    bus_edges = [k for k, kind in enumerate(kinds) if kind.split(":", 1)[0] in ("board", "ride") and kind.split(":", 1)[1] in g.non_rail_lines]
    rail_rides = [k for k, kind in enumerate(kinds) if kind.startswith("ride:") and kind[5:] not in g.non_rail_lines]
    assert bus_edges and not inside[bus_edges].any()
    assert rail_rides and inside[rail_rides].all()
    assert not inside[[k for k, kind in enumerate(kinds) if kind.startswith("road:") or kind in ("walk", "feeder", "exit")]].any()
