"""The roads of a state are memoised in two steps, the catalogue's road projects (``resolve.catalogue_roads``)
and the scenario's own road edits (``resolve.adhoc_roads``), and the car graph by its roads
(``graphs.build_mode_graph``): a state built through the memos is the state built with them emptied, for
scenarios that differ in year, active set, road and rail edits (what workbench edits change), warnings
included; two states that differ only in their rail share their roads and car graph."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from network.model.graph import NetworkState
from network.routing import graphs
from network.scenario import resolve
from network.scenario.schema import parse_scenario
from tests.conftest import ROOT

ROAD = "add:\n  - {type: new_road, name: direct, path: [[112.98, 28.19], [113.13, 27.84]], speed_kph: 100}\n"
CASES = [
    "name: a\nbase: surveyed\n",
    "name: b\nbase: surveyed\n" + ROAD,
    "name: f\nbase: surveyed\nremove_lines: [IC-ZZ]\n" + ROAD,
    "name: c\nbase: surveyed\nexclude: [furong-avenue, west-ring-line]\n" + ROAD,
    "name: d\nyear: 2015\n",
    "name: e\nyear: 2030\nremove_lines: [IC-ZZ]\n",
]


def _clear() -> None:
    for memo in (resolve._CATALOGUE_ROADS, resolve._ADHOC_ROADS, graphs._CAR_GRAPHS, graphs._TRANSIT_GRAPHS):
        memo.clear()


def _state(text: str) -> NetworkState:
    sc = parse_scenario(text, file="<test>")
    return resolve.build_state(resolve.resolve_projects(sc, file="<test>", scenario_dir=ROOT / "scenarios"))


def _same(a: NetworkState, b: NetworkState) -> None:
    pd.testing.assert_frame_equal(a.roads.nodes, b.roads.nodes)
    pd.testing.assert_frame_equal(a.roads.edges, b.roads.edges)
    pd.testing.assert_frame_equal(a.rail.lines, b.rail.lines)
    pd.testing.assert_frame_equal(a.rail.stops, b.rail.stops)
    assert a.warnings == b.warnings and a.projects == b.projects


@pytest.mark.parametrize("order", [list(range(len(CASES))), list(reversed(range(len(CASES))))])
def test_states_through_the_memo_equal_states_without_it(order: list[int]) -> None:
    _clear()
    hits = resolve._CATALOGUE_ROADS.hits, resolve._ADHOC_ROADS.hits
    warm = {k: _state(CASES[k]) for k in order}  # hits: cases share year, active set and road edits
    assert resolve._CATALOGUE_ROADS.hits > hits[0] and resolve._ADHOC_ROADS.hits > hits[1]
    for k in order:
        _clear()
        _same(warm[k], _state(CASES[k]))
    assert len({len(s.roads.edges) for s in warm.values()}) > 1  # the cases build different networks


def test_a_rail_edit_keeps_the_roads_and_the_car_graph() -> None:
    _clear()
    road, road_and_line = _state(CASES[1]), _state(CASES[2])
    assert road_and_line.roads is road.roads and len(road_and_line.rail.lines) < len(road.rail.lines)
    car = graphs.build_mode_graph(road, "car")
    again = graphs.build_mode_graph(road_and_line, "car")
    assert again.csr is car.csr and again.road_samples is car.road_samples  # built once
    car.__dict__["hierarchy"] = object()  # what ch.graph_hierarchy keeps on a graph
    assert car.has_hierarchy and not again.has_hierarchy and not graphs.build_mode_graph(road, "car").has_hierarchy
    _clear()
    fresh = graphs.build_mode_graph(_state(CASES[2]), "car")
    assert fresh is not car
    for a, b in ((car.csr.indptr, fresh.csr.indptr), (car.csr.indices, fresh.csr.indices), (car.csr.data, fresh.csr.data), (car.node_x, fresh.node_x), (car.edge_kind, fresh.edge_kind)):
        assert np.array_equal(a, b)
