"""The transit graph is built once per network state (network/routing/graphs.py ``_TRANSIT_GRAPHS``): the
rail measure (``route --mode rail``, ``rail_time`` of ``observed``'s station-to-station rows) and transit
routes of one state reuse it, with the answers of a fresh build, and it goes when the state goes; so do the
timed lines ``rail_time`` reads (``route._TIMED_LINES``)."""

from __future__ import annotations

import gc
from dataclasses import asdict

import pytest

from network.model.graph import NetworkState
from network.routing import graphs
from network.routing import route as route_mod
from network.routing.route import rail_time, route

CHANGSHA_SOUTH_HSR = (113.0599, 28.1501)
FURONG_SQUARE = (112.977, 28.196)
ZHUZHOU_WEST = (113.0605, 27.8703)


def _answers(state: NetworkState) -> list[object]:
    return [
        route(state, CHANGSHA_SOUTH_HSR, FURONG_SQUARE, "rail").to_dict(),
        route(state, FURONG_SQUARE, ZHUZHOU_WEST, "transit").to_dict(),
        asdict(rail_time(state, CHANGSHA_SOUTH_HSR, FURONG_SQUARE)),
    ]


def test_one_transit_graph_per_state_and_the_answers_of_a_fresh_build(
    surveyed_state: NetworkState, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    real = graphs.build_transit_graph

    def counting(state: NetworkState) -> graphs.ModeGraph:
        built.append(id(state))
        return real(state)

    monkeypatch.setattr(graphs, "build_transit_graph", counting)
    graphs._TRANSIT_GRAPHS.clear()
    warm = [_answers(surveyed_state) for _ in range(2)]
    assert built == [id(surveyed_state)]  # three rail and transit queries, twice: one build
    graphs._TRANSIT_GRAPHS.clear()
    route_mod._TIMED_LINES.clear()
    fresh = _answers(surveyed_state)
    assert len(built) == 2
    assert warm[0] == warm[1] == fresh


def test_the_graph_goes_with_its_state(surveyed_state: NetworkState) -> None:
    other = surveyed_state.with_params()  # an equal state, another object: its own graph
    graphs._TRANSIT_GRAPHS.clear()
    graphs.build_mode_graph(surveyed_state, "transit")
    graphs.build_mode_graph(other, "transit")
    assert len(graphs._TRANSIT_GRAPHS) == 2
    del other
    gc.collect()
    assert len(graphs._TRANSIT_GRAPHS) == 1


def test_a_copy_never_shares_a_search_cache(surveyed_state: NetworkState) -> None:
    a = graphs.build_mode_graph(surveyed_state, "transit")
    b = graphs.build_mode_graph(surveyed_state, "transit")
    assert a is not b and a.csr is b.csr  # the arrays once, the objects (and their lazily built searches) each their own


def test_rail_time_times_the_lines_once_per_state_and_period(surveyed_state: NetworkState, monkeypatch: pytest.MonkeyPatch) -> None:
    timed: list[str] = []
    real = route_mod.line_segments

    def counting(rail, period, values):  # type: ignore[no-untyped-def]
        timed.append(period)
        return real(rail, period, values)

    monkeypatch.setattr(route_mod, "line_segments", counting)
    route_mod._TIMED_LINES.clear()
    ends = [(ZHUZHOU_WEST, CHANGSHA_SOUTH_HSR), (CHANGSHA_SOUTH_HSR, ZHUZHOU_WEST)]
    warm = [asdict(rail_time(surveyed_state, a, b, pattern=p)) for a, b in ends for p in ("typical", "fastest", "typical")]
    assert sorted(timed) == ["am_peak", "off_peak"]  # six figures: each period timed once
    route_mod._TIMED_LINES.clear()
    assert warm == [asdict(rail_time(surveyed_state, a, b, pattern=p)) for a, b in ends for p in ("typical", "fastest", "typical")]
