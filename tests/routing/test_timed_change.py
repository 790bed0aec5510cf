"""A change of train reached by a frequent line waits like a first boarding: the traveller times their
departure (network/routing/graphs.py ``timed_feed``, ``timed_change_s``; docs/rail.md)."""

from __future__ import annotations

import numpy as np
import pytest

from network.model.graph import NetworkState
from network.routing.graphs import build_mode_graph, initial_wait_s, timed_change_s, timed_feed, transfer_change_s
from network.routing.route import route
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario

WUYI, ZHUZHOU = (112.9708, 28.1988), (113.1450, 27.8330)  # 五一广场 (M2 from 2014) -> 株洲 centre
ZHUZHOU_WEST, XIANGTAN_NORTH = (113.0628, 27.7939), (112.9371, 27.9683)  # the HSR stations


@pytest.fixture(scope="module")
def state_2015(surveyed: Scenario) -> NetworkState:
    return resolve_state(surveyed.model_copy(update={"year": 2015}))


def test_the_2015_trip_takes_line_2_when_it_is_faster(state_2015: NetworkState) -> None:
    r = route(state_2015, WUYI, ZHUZHOU, "transit")
    # before: 97.3 min by feeder bus to 长沙 (Line 2 then a change cost a 45-min wait, 112 min)
    assert r.lines == ["M2", "CR-CZ"]
    without = NetworkState(state_2015.roads, state_2015.rail.without_lines(["M2"]), state_2015.params, year=state_2015.year)
    other = route(without, WUYI, ZHUZHOU, "transit")
    assert "M2" not in other.lines and r.minutes < other.minutes
    # the change at 长沙 waits what boarding CR-CZ from the street waits
    v = state_2015.params.values()
    hw = _headway_s(state_2015, "CR-CZ")
    wait = [leg for leg in r.legs if leg.kind == "wait" and "CR-CZ" in leg.label]
    assert len(wait) == 1
    assert wait[0].minutes * 60.0 == pytest.approx(timed_change_s("conventional", v) + float(initial_wait_s(hw, v)), abs=1.0)
    assert wait[0].minutes * 60.0 < transfer_change_s("conventional", v) + hw / 2.0


def _headway_s(state: NetworkState, line: str) -> float:
    from network.model.rail import line_segments

    seg = line_segments(state.rail, state.params.period, state.params.values())
    return float(seg.loc[seg["line_id"] == line, "headway_s"].iloc[0])


@pytest.mark.parametrize("year", [2015, 2020])
def test_no_change_from_a_frequent_line_waits_longer_than_a_first_boarding(surveyed: Scenario, year: int) -> None:
    state = resolve_state(surveyed.model_copy(update={"year": year}))
    g = build_mode_graph(state, "transit")
    v = state.params.values()
    kinds = dict(zip(state.rail.lines["line_id"], state.rail.lines["kind"]))
    coo = g.csr.tocoo()
    clock = g.clock_s
    label = np.asarray(g.node_label, dtype=str)
    checked = 0
    for k in range(len(coo.row)):
        kind = str(g.edge_kind[k])
        if not kind.startswith("board:") or not label[coo.row[k]].endswith("(interchange, timed)"):
            continue
        line = kind.split(":", 1)[1]
        first = float(initial_wait_s(_headway_s(state, line), v))
        assert clock[k] - timed_change_s(kinds[line], v) <= first + 1e-6, (line, label[coo.row[k]])
        checked += 1
    assert checked > 0
    # only a frequent line's arrivals reach a timed change
    timed_from = {str(label[r]).split(":")[0] for r, c in zip(coo.row, coo.col) if label[c].endswith("(interchange, timed)") and ":arr" in label[r]}
    assert timed_from and all(timed_feed(_headway_s(state, line), v) for line in timed_from)


def test_a_change_after_an_infrequent_train_still_waits_half_the_headway(surveyed: Scenario) -> None:
    state = resolve_state(surveyed.model_copy(update={"year": 2015, "period": "off_peak"}))
    legs = route(state, ZHUZHOU_WEST, XIANGTAN_NORTH, "rail").legs
    # HSR-WG -> HSR-HKW at 长沙南: no riding a metro one stop and back to time the change
    assert [leg.label for leg in legs if leg.kind == "ride"] == ["HSR-WG", "HSR-HKW"]
    change = [leg for leg in legs if leg.kind == "wait"][1]
    v = state.params.values()
    assert change.minutes * 60.0 == pytest.approx(transfer_change_s("hsr", v) + _headway_s(state, "HSR-HKW") / 2.0)
