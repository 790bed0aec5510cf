"""Leave-one-source-out scoring (network/analysis/loso.py) and the measure cache calibration relies on."""

from __future__ import annotations

import numpy as np
import pytest

from network.analysis.calibrate import fit_parameters, model_minutes_cached, with_overrides
from network.analysis.loso import leave_one_source_out
from network.analysis.observed import ObservedRow, build_states, load_observed, measure
from network.model.parameters import PARAMETERS, transit_only
from network.paths import OBSERVED_DIR
from network.routing.graphs import build_car_graph

IDS = ("ic-cs-zzn-typical", "ic-cs-xt-typical", "ic-cs-frn-allstop", "ic-cs-zs")


@pytest.fixture(scope="module")
def rows() -> list[ObservedRow]:
    by_id = {r.id: r for r in load_observed(OBSERVED_DIR)}
    return [by_id[i] for i in IDS]


def test_rows_of_one_source_are_left_out_together(rows: list[ObservedRow]) -> None:
    """ic-cs-zzn-typical and ic-cs-xt-typical come from the same page: one fold; the fit of that fold sees
    neither, and each left-out row is predicted with the fold's re-fitted value."""
    states = build_states(rows)
    names = ["line_speed_intercity_kph"]
    res = leave_one_source_out(rows, states, names, grid_points=5, refine_points=3, max_rounds=2)
    t = res.rows.set_index("id")
    assert t.loc["ic-cs-zzn-typical", "fold"] == t.loc["ic-cs-xt-typical", "fold"] != t.loc["ic-cs-zs", "fold"]
    assert len(res.folds) == 3 and res.folds["refit"].all()
    fold = res.folds.set_index("fold").loc[t.loc["ic-cs-zzn-typical", "fold"]]
    rest = [r for r in rows if r.id in ("ic-cs-frn-allstop", "ic-cs-zs")]
    again = fit_parameters(states, rest, names, start=res.centre, coarse=False, grid_points=5, refine_points=3, max_rounds=2)
    assert fold["line_speed_intercity_kph"] == pytest.approx(again.values["line_speed_intercity_kph"], abs=1e-3)
    moved = with_overrides(states, again.values)
    row = rows[0]
    assert t.loc[row.id, "loso_min"] == pytest.approx(measure(moved[(row.year, row.period)], row, explain=False).minutes, abs=0.01)
    # in sample: the values fitted on all four rows
    centre_states = with_overrides(states, res.centre)
    assert t.loc[row.id, "in_sample_min"] == pytest.approx(measure(centre_states[(row.year, row.period)], row, explain=False).minutes, abs=0.01)
    strata = res.strata_loso.set_index("group")
    assert strata.loc["all", "n"] == 4 and int(strata.loc["all", "within_25"]) == int(t["within_25_loso"].sum())


def test_without_fitted_parameters_out_of_sample_equals_in_sample(rows: list[ObservedRow]) -> None:
    res = leave_one_source_out(rows, build_states(rows), [])
    assert (res.rows["loso_min"] == res.rows["in_sample_min"]).all() and not res.folds["refit"].any()


def test_only_scored_rows_are_scored_and_fitted() -> None:
    all_rows = load_observed(OBSERVED_DIR)
    claim = next(r for r in all_rows if r.use == "claim" and r.mode == "intercity")
    keep = [claim, *[r for r in all_rows if r.id in IDS[:2]]]
    res = leave_one_source_out(keep, build_states(keep), [])
    assert claim.id not in set(res.rows["id"])


def test_transit_only_parameters_never_change_the_car_graph() -> None:
    """The cache routes a car row once whatever the transit-only parameters: this is what makes it exact."""
    rows = [r for r in load_observed(OBSERVED_DIR) if r.id == "hbkjy-zz"]
    state = build_states(rows)[(rows[0].year, rows[0].period)]
    names = [n for n in PARAMETERS if transit_only(n)]
    assert {"dwell_intercity_s", "transfer_min_national_rail_s", "line_speed_intercity_kph"} <= set(names)
    extreme = tuple((n, PARAMETERS[n].high) for n in names)
    a, b = build_car_graph(state), build_car_graph(state.with_params(overrides=extreme))
    assert np.array_equal(a.csr.data, b.csr.data) and np.array_equal(a.csr.indices, b.csr.indices)
    cache: dict = {}
    low = {n: PARAMETERS[n].low for n in names}
    m1 = model_minutes_cached(rows, {(rows[0].year, rows[0].period): state}, low, cache)
    assert len(cache) == 1
    m2 = model_minutes_cached(rows, {(rows[0].year, rows[0].period): state}, {n: PARAMETERS[n].high for n in names}, cache)
    assert len(cache) == 1 and m1 == m2
