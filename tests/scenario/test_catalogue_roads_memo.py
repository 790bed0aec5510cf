"""The catalogue's road projects applied to a tier's roads are memoised (``resolve.catalogue_roads``): a state
built through the memo is the state built with it emptied, for scenarios that differ in year, active set and
ad-hoc edits (what workbench edits change), warnings included."""

from __future__ import annotations

import pandas as pd
import pytest

from network.model.graph import NetworkState
from network.scenario import resolve
from network.scenario.schema import parse_scenario
from tests.conftest import ROOT

ROAD = "add:\n  - {type: new_road, name: direct, path: [[112.98, 28.19], [113.13, 27.84]], speed_kph: 100}\n"
CASES = [
    "name: a\nbase: surveyed\n",
    "name: b\nbase: surveyed\n" + ROAD,
    "name: c\nbase: surveyed\nexclude: [furong-avenue, west-ring-line]\n" + ROAD,
    "name: d\nyear: 2015\n",
    "name: e\nyear: 2030\nremove_lines: [IC-ZZ]\n",
]


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
    resolve._CATALOGUE_ROADS.clear()
    warm = {k: _state(CASES[k]) for k in order}  # hits: consecutive cases share year and active set
    assert resolve._CATALOGUE_ROADS.hits > 0
    for k in order:
        resolve._CATALOGUE_ROADS.clear()
        _same(warm[k], _state(CASES[k]))
    assert len({len(s.roads.edges) for s in warm.values()}) > 1  # the cases build different networks
