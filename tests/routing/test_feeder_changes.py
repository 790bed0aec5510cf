"""A feeder bus changes line on a long ride (network/routing/graphs.py ``feeder_change_share``): each metre
of the road layer carries its share of a change of bus line (a wait and a transfer penalty per
``bus_line_length_m``), so a long trip rides rail where there is rail, and a short one is barely changed."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

import network.routing.graphs as graphs
from network.model.graph import NetworkState
from network.model.parameters import DEFAULTS
from network.routing.engine import node_costs_s
from network.routing.graphs import ModeGraph, build_transit_graph
from network.routing.route import route
from network.scenario.edits import add_road
from network.scenario.resolve import resolve_state
from network.scenario.schema import parse_scenario

ZHUZHOU_WEST = (113.0628, 27.7939)
XIANGTAN_NORTH = (112.9371, 27.9683)
CS_A, CS_B = (112.9700, 28.2000), (113.0100, 28.1700)
"""Two points in central 长沙, 8-9 km of bus apart (less than one line's length)."""


@pytest.fixture(scope="module")
def off_peak() -> NetworkState:
    return resolve_state(parse_scenario("name: surveyed-off-peak\nperiod: off_peak\n", file="<test>"))


@pytest.fixture(scope="module")
def graphs_with_and_without(off_peak: NetworkState) -> Iterator[tuple[ModeGraph, ModeGraph]]:
    """The transit graph, and the same graph built without line changes (a bus rides any distance on one wait)."""
    with_changes = build_transit_graph(off_peak)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(graphs, "feeder_change_share", lambda length_m, values: np.zeros(len(length_m)))
        without = build_transit_graph(off_peak)
    yield with_changes, without


def test_each_feeder_road_edge_carries_its_share_of_a_line_change(graphs_with_and_without: tuple[ModeGraph, ModeGraph]) -> None:
    g, g0 = graphs_with_and_without
    road = np.array([str(k).startswith("road:") for k in g.edge_kind])
    share = g.edge_length_m[road] / DEFAULTS["bus_line_length_m"]
    wait_s = DEFAULTS["bus_feeder_wait_min"] * 60.0
    assert np.allclose(g.clock_s[road] - g0.clock_s[road], share * wait_s)
    gen_s = wait_s * DEFAULTS["wait_weight"] + DEFAULTS["transfer_penalty_min"] * 60.0
    assert np.allclose(g.csr.data[road] - g0.csr.data[road], share * gen_s)
    rail = ~road & np.array([str(k) != "feeder" for k in g.edge_kind])  # "feeder": a station's bus connector, also charged
    assert np.array_equal(g.clock_s[rail], g0.clock_s[rail]) and np.array_equal(g.csr.data[rail], g0.csr.data[rail])


def test_zhuzhou_west_to_xiangtan_north_off_peak_rides_rail(
    off_peak: NetworkState, graphs_with_and_without: tuple[ModeGraph, ModeGraph]
) -> None:
    """Without line changes the trip was 30+ km of feeder bus on arterials; with them it rides HSR via 长沙南."""
    g, g0 = graphs_with_and_without
    before = route(off_peak, ZHUZHOU_WEST, XIANGTAN_NORTH, "transit", graphs={"transit": g0})
    assert not before.lines and sum(leg.km for leg in before.legs if leg.kind == "feeder") > 30.0
    after = route(off_peak, ZHUZHOU_WEST, XIANGTAN_NORTH, "transit", graphs={"transit": g})
    assert any(line.startswith("HSR") for line in after.lines), [(leg.kind, leg.label) for leg in after.legs]
    assert sum(leg.km for leg in after.legs if leg.kind == "feeder") < 1.0
    assert after.minutes < before.minutes


def test_a_bus_trip_within_one_line_is_barely_changed(off_peak: NetworkState, graphs_with_and_without: tuple[ModeGraph, ModeGraph]) -> None:
    """8-9 km of bus in central 长沙: the same path, slower by its expected share of a change (under 10 %)."""
    g, g0 = graphs_with_and_without
    before = route(off_peak, CS_A, CS_B, "transit", graphs={"transit": g0})
    after = route(off_peak, CS_A, CS_B, "transit", graphs={"transit": g})
    road_km = sum(leg.km for leg in after.legs if leg.kind == "feeder" and "local streets" not in leg.label)
    assert not after.lines and 0.0 < road_km * 1000.0 < DEFAULTS["bus_line_length_m"]
    expected_min = road_km * 1000.0 / DEFAULTS["bus_line_length_m"] * DEFAULTS["bus_feeder_wait_min"]
    assert after.minutes - before.minutes == pytest.approx(expected_min, abs=0.05)
    assert after.minutes - before.minutes < 0.1 * before.minutes


def test_longer_bus_lines_never_raise_a_transit_cost(off_peak: NetworkState) -> None:
    """Fewer changes per km (longer lines) never make a trip costlier: generalized cost only falls."""
    short = build_transit_graph(off_peak.with_params(overrides=(("bus_line_length_m", 10000.0),)))
    long = build_transit_graph(off_peak.with_params(overrides=(("bus_line_length_m", 25000.0),)))
    src = np.arange(0, short.n_road, 131)
    gen_short, gen_long = node_costs_s(short, src).gen_s, node_costs_s(long, src).gen_s
    assert (gen_long <= gen_short + 1e-6).all() and (gen_long < gen_short - 1.0).any()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.lists(
        st.tuples(st.floats(min_value=112.8, max_value=113.2), st.floats(min_value=27.8, max_value=28.3)), min_size=2, max_size=3
    ),
    speed=st.floats(min_value=20, max_value=80),
)
def test_adding_a_road_never_raises_a_cost_on_the_feeder_bus_layer(
    off_peak: NetworkState, path: list[tuple[float, float]], speed: float
) -> None:
    """Line changes are charged per edge: a new road (a new feeder-bus edge) can only lower a cost between
    road nodes. (Station connectors are left out: a station beyond walking distance joins its nearest road
    nodes, which a new road can change, on main as before this rule.)"""
    before = build_transit_graph(off_peak)
    roads = add_road(off_peak.roads, path, name="test road", speed_kph=speed)
    after = build_transit_graph(NetworkState(roads=roads, rail=off_peak.rail, params=off_peak.params))
    n0, n1 = before.n_road, after.n_road
    src = np.arange(0, n0, 211)
    t0 = dijkstra(before.csr[:n0, :n0], indices=src)
    t1 = dijkstra(after.csr[:n1, :n1], indices=src)[:, :n0]
    assert (t1 <= t0 + 1e-6).all()
