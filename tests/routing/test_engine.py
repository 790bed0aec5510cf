"""Shortest paths over arrays (network/routing/engine.py) and the planner-facing invariants of the graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.model.graph import NetworkState
from network.model.region import Region
from network.model.road_add import Joining
from network.routing.engine import fields_from_points, node_costs_s, node_times_s, snap_points, times_to_points
from network.routing.graphs import build_mode_graph, to_networkx
from network.scenario.edits import add_road
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario


def test_engine_matches_networkx_dijkstra(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "car")
    G = to_networkx(surveyed_state, "car")
    rng = np.random.default_rng(7)
    for src in rng.choice(g.n_road, size=5, replace=False):
        ours = node_times_s(g, np.array([src]))[0]
        ref = nx.single_source_dijkstra_path_length(G, int(src), weight="travel_time")
        for node, t in ref.items():
            assert abs(ours[node] - t) < 1e-6


def test_cutoff_only_drops_nodes_beyond_it(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "car")
    full = node_times_s(g, np.array([0]))[0]
    cut = node_times_s(g, np.array([0]), limit_s=1800.0)[0]
    assert np.array_equal(np.isfinite(cut), full <= 1800.0)
    assert np.allclose(cut[np.isfinite(cut)], full[np.isfinite(cut)])


lon = st.floats(min_value=112.6, max_value=113.4)
lat = st.floats(min_value=27.6, max_value=28.4)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.tuples(lon, lat), min_size=2, max_size=4), speed=st.floats(min_value=20, max_value=120))
def test_adding_a_road_never_slows_any_car_trip(
    surveyed_state: NetworkState, region: Region, path: list[tuple[float, float]], speed: float
) -> None:
    before = build_mode_graph(surveyed_state, "car")
    roads = add_road(surveyed_state.roads, path, name="test road", speed_kph=speed)
    after_state = NetworkState(roads=roads, rail=surveyed_state.rail, params=surveyed_state.params)
    after = build_mode_graph(after_state, "car")
    sources = np.arange(0, before.n_road, 97)
    t0 = node_times_s(before, sources)[:, : before.n_road]
    t1 = node_times_s(after, sources)[:, : before.n_road]
    assert (t1 <= t0 + 1e-6).all()


def test_removing_the_rail_links_slows_transit_changsha_to_zhuzhou(
    surveyed: Scenario, surveyed_state: NetworkState, region: Region
) -> None:
    # the intercity (all-stop and express) and the conventional trains all serve 长沙 <-> 株洲
    no_ic = resolve_state(surveyed.model_copy(update={"remove_lines": ["IC-T", "IC-ZZ", "IC-XT", "IC-ZZ-EXP", "IC-XT-EXP", "CR-CZ"]}))
    c = region.centres.set_index("city")
    out = {}
    for name, state in (("with", surveyed_state), ("without", no_ic)):
        g = build_mode_graph(state, "transit")
        o = snap_points(g, np.array([c.loc["changsha", "x_m"]]), np.array([c.loc["changsha", "y_m"]]), state.params)
        d = snap_points(g, np.array([c.loc["zhuzhou", "x_m"]]), np.array([c.loc["zhuzhou", "y_m"]]), state.params)
        field = fields_from_points(g, o)
        out[name] = float(times_to_points(field, d)[0, 0])
    assert out["without"] > out["with"] + 60.0


def test_faster_feeder_never_slows_transit(surveyed_state: NetworkState) -> None:
    slow = build_mode_graph(surveyed_state.with_params(overrides=(("bus_feeder_speed_factor", 0.5),)), "transit")
    fast = build_mode_graph(surveyed_state.with_params(overrides=(("bus_feeder_speed_factor", 0.8),)), "transit")
    src = np.arange(0, slow.n_road, 131)
    # paths are chosen by generalized cost: that never rises; the clock time along the chosen path may
    # (a faster bus can beat a train with its waits on cost while taking longer), README "Transit paths"
    assert (node_costs_s(fast, src).gen_s <= node_costs_s(slow, src).gen_s + 1e-6).all()


def test_snapping_uses_each_graphs_own_nodes(surveyed_state: NetworkState) -> None:
    # graphs are built and dropped many times in attribution runs: a point must snap to the nodes of the
    # graph it is given, including nodes a project added
    for _ in range(3):
        build_mode_graph(surveyed_state, "car")  # built and garbage-collected
    # a spur from an existing junction out to new nodes (a road joined to nothing is an island, and
    # points never snap to islands)
    start = surveyed_state.roads.nodes.iloc[0]
    spur = [(float(start["lon"]), float(start["lat"])), (float(start["lon"]) - 0.06, float(start["lat"]) - 0.05)]
    roads = add_road(surveyed_state.roads, spur, name="spur", speed_kph=40, join=Joining(snap_m=0.0))
    g = build_mode_graph(NetworkState(roads=roads, rail=surveyed_state.rail, params=surveyed_state.params), "car")
    new = roads.nodes.iloc[-1]
    snap = snap_points(g, np.array([new["x"]]), np.array([new["y"]]), surveyed_state.params)
    assert int(snap.nodes[0, 0]) == int(new["node_id"])
    assert snap.access_s[0, 0] - snap.terminal_s[0] < 1e-6
