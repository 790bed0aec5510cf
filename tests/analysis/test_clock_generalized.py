"""Compare and attribution report generalized minutes beside clock minutes, and flag where they disagree.

Transit paths are chosen by generalized cost and reported in clock minutes, so removing a line can make
the clock time faster (株洲 -> 长沙: the intercity IC-ZZ is taken for its short waits though the
conventional train is faster by the clock). The generalized minutes never move that way; the note says so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from network.analysis.attribution_shares import attribution_shares
from network.analysis.clock_generalized import NOTE_COLUMN, disagreement_note, signs_disagree, table_notes
from network.analysis.compare import attribution, compare_pairs
from network.analysis.metrics import Evaluation, centre_costs, evaluate
from network.model.graph import NetworkState
from network.model.region import CITIES, Region
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import parse_scenario

INTERCITY = ["IC-T", "IC-XT", "IC-XT-EXP", "IC-ZZ", "IC-ZZ-EXP"]
"""The five 长株潭城际 lines of the surveyed network."""


@pytest.mark.parametrize(
    ("clock", "gen", "disagree"),
    [
        (-7.48, 29.72, True),
        (5.24, -11.86, True),
        (2.0, 3.0, False),
        (-2.0, -3.0, False),
        (0.0, 5.0, False),  # no clock change: no sign to disagree with
        (0.004, -5.0, False),  # within the rounding of the tables
        (0.006, -5.0, True),
        (-5.0, 0.0, False),
        (math.inf, -5.0, False),  # unreachable in one state: no sign
        (-5.0, math.nan, False),
    ],
)
def test_the_flag_appears_exactly_when_the_signs_disagree(clock: float, gen: float, disagree: bool) -> None:
    assert signs_disagree(clock, gen) is disagree
    note = disagreement_note("czt-intercity", clock, gen)
    assert (note is not None) is disagree
    if note is not None:
        assert note.startswith(f"czt-intercity: {clock:+.2f} clock min, {gen:+.2f} generalized min saved: ")
        assert ("faster one by the clock exists" in note) is (clock < 0)
        assert "the mode it takes" not in note


def test_a_best_mode_note_says_the_mode_taken_may_have_changed() -> None:
    """best takes the faster mode by the clock, so its clock and generalized minutes can disagree because the
    mode changed, not only because of a path choice: its note says so (review); transit's does not."""
    best = disagreement_note("zhuzhou->changsha best", -5.25, 11.86, mode="best")
    transit = disagreement_note("zhuzhou->changsha transit", -5.25, 11.86, mode="transit")
    assert best is not None and transit is not None
    assert "the mode it takes (the faster by the clock) may also have changed" in best and "the mode it takes" not in transit


def _eval(transit: list[float], gen: list[float], car: list[float]) -> Evaluation:
    """An evaluation whose six pairs (CITIES order, row by row off the diagonal) take these minutes."""

    def square(v: list[float]) -> np.ndarray:
        m = np.zeros((3, 3))
        m[~np.eye(3, dtype=bool)] = v
        return m

    clock = {"car": square(car), "transit": square(transit)}
    clock["best"] = np.minimum(clock["car"], clock["transit"])
    g = {"car": clock["car"], "transit": square(gen)}
    g["best"] = np.where(clock["car"] <= clock["transit"], g["car"], g["transit"])
    return Evaluation(centre_minutes=clock, cell_minutes={}, graphs={}, zone_minutes={}, centre_generalized_minutes=g)


def test_compare_pairs_flags_exactly_the_pairs_whose_clock_and_generalized_changes_disagree() -> None:
    car = [200.0] * 6
    a = _eval([90, 90, 90, 90, 90, 90], [120, 120, 120, 120, 120, 120], car)
    # pair 0 faster by clock, dearer by cost (flag); 1 both better; 2 both worse; 3 slower by clock, cheaper (flag);
    # 4 unchanged; 5 cheaper at the same clock time (no sign to disagree with)
    b = _eval([85, 80, 95, 95, 90, 90], [130, 110, 125, 110, 120, 100], car)
    pairs = compare_pairs(a, b)
    flagged = pairs[pairs[NOTE_COLUMN].notna()]
    order = [(x, y) for x in CITIES for y in CITIES if x != y]
    assert {(r["from"], r["to"], r["mode"]) for _, r in flagged.iterrows()} == {(*order[i], m) for i in (0, 3) for m in ("transit", "best")}
    row = pairs[(pairs["from"] == order[0][0]) & (pairs["to"] == order[0][1]) & (pairs["mode"] == "transit")].iloc[0]
    assert (row["minutes_saved"], row["generalized_minutes_saved"]) == (5.0, -10.0)
    assert (pairs[pairs["mode"] == "car"]["generalized_minutes_saved"] == pairs[pairs["mode"] == "car"]["minutes_saved"]).all()
    assert len(table_notes(pairs)) == 4


@pytest.fixture(scope="module")
def without_intercity(surveyed_state: NetworkState) -> NetworkState:
    return NetworkState(surveyed_state.roads, surveyed_state.rail.without_lines(INTERCITY), surveyed_state.params)


def test_removing_the_intercity_never_lowers_the_generalized_centre_minutes_though_a_clock_time_falls(
    surveyed_eval: Evaluation, without_intercity: NetworkState, region: Region
) -> None:
    b = evaluate(without_intercity, region)
    gen_a, gen_b = surveyed_eval.centre_generalized_minutes["transit"], b.centre_generalized_minutes["transit"]
    assert (gen_b >= gen_a - 1e-9).all() and (gen_b > gen_a + 1e-6).any()
    assert (gen_a >= surveyed_eval.centre_minutes["transit"] - 1e-9).all()  # weights >= 1: never below the clock
    # the documented consequence: 株洲 -> 长沙 is faster by the clock without the intercity, and flagged
    z, c = CITIES.index("zhuzhou"), CITIES.index("changsha")
    assert b.centre_minutes["transit"][z, c] < surveyed_eval.centre_minutes["transit"][z, c] - 1.0
    pairs = compare_pairs(surveyed_eval, b)
    flagged = pairs[pairs[NOTE_COLUMN].notna()]
    assert ("zhuzhou", "changsha", "transit") in set(zip(flagged["from"], flagged["to"], flagged["mode"]))
    # every flagged row is a clock saving with a generalized loss (the line only ever helped by cost)
    assert (flagged["minutes_saved"] > 0).all() and (flagged["generalized_minutes_saved"] < 0).all()


def test_centre_costs_are_the_evaluations_centre_minutes(surveyed_state: NetworkState, surveyed_eval: Evaluation, region: Region) -> None:
    clock, gen = centre_costs(surveyed_state, region)
    for mode in ("car", "transit", "best"):
        np.testing.assert_allclose(clock[mode], surveyed_eval.centre_minutes[mode], rtol=0, atol=1e-9)
        np.testing.assert_allclose(gen[mode], surveyed_eval.centre_generalized_minutes[mode], rtol=0, atol=1e-9)
    assert np.array_equal(gen["car"], clock["car"])


@pytest.fixture(scope="module")
def no_zz() -> tuple[ResolvedScenario, ResolvedScenario]:
    """The surveyed network without IC-ZZ (a hand-written edit), and the surveyed network."""
    return resolve_projects(parse_scenario("name: no-zz\nremove_lines: [IC-ZZ]\n", file="no-zz")), resolve_projects(
        parse_scenario("name: surveyed\n", file="surveyed")
    )


def test_attribution_reports_generalized_minutes_and_flags_a_line_whose_removal_is_faster_by_the_clock(
    no_zz: tuple[ResolvedScenario, ResolvedScenario], region: Region
) -> None:
    scenario, surveyed = no_zz
    table = attribution(scenario, surveyed, region).table
    assert list(table["project"]) == ["IC-ZZ"]
    row = table.iloc[0]
    # removing IC-ZZ "saves" clock minutes (株洲 <-> 长沙 ride the faster conventional train) and costs generalized ones
    for measure in ("loo", "aoi"):
        for mode in ("transit", "best"):
            assert row[f"{measure}_minutes_{mode}_total"] > 0 > row[f"{measure}_generalized_minutes_{mode}_total"]
    note = str(row[NOTE_COLUMN])
    assert "IC-ZZ (loo, best, six pairs): +" in note and "zhuzhou->changsha" in note and "changsha->xiangtan" not in note
    assert table_notes(table) == [note]
    # the same generalized minutes as the two evaluations differ by
    a, b = evaluate(build_state(surveyed), region), evaluate(build_state(scenario), region)
    want = float((a.centre_generalized_minutes["best"] - b.centre_generalized_minutes["best"]).sum())
    assert row["loo_generalized_minutes_best_total"] == pytest.approx(want, abs=0.01)


def test_shapley_shares_carry_generalized_minutes_and_the_flag(no_zz: tuple[ResolvedScenario, ResolvedScenario], region: Region) -> None:
    scenario, surveyed = no_zz
    shares = attribution_shares(scenario, surveyed, region)
    row = shares.table.iloc[0]
    assert row["shapley_minutes_best_total"] > 0 > row["shapley_generalized_minutes_best_total"]
    assert shares.summary["total_change_generalized"]["best"] == pytest.approx(row["shapley_generalized_minutes_best_total"], abs=0.01)
    assert shares.summary["sum_of_shares_generalized"] == shares.summary["total_change_generalized"]
    assert "IC-ZZ (shapley, best, six pairs)" in row[NOTE_COLUMN]
