"""Out-of-sample scores by leave-one-source-out (LOSO).

The rows of one source (the same page, ``ObservedRow.source_group``) are left out together, the fitted
parameters (``fitted=True`` in ``network.model.parameters``, or an explicit list) are re-fitted on the
scored reliability-A rows of every other source with the calibration's own search
(``network.analysis.calibrate.fit_parameters``), and the left-out rows are then predicted. A source's
rows share their author and method, so leaving one row of a page out while its sister rows stay in the
fit would flatter the model.

Definitions:

- in sample: every scored row predicted with the parameters fitted on **all** scored A rows (a local
  refit from the table's values: ``coarse=False``, the search of ``calibrate``'s leave-one-out);
- out of sample: each scored row predicted with the parameters fitted without its source; a source with
  no A row leaves the fit set unchanged, so its rows' out-of-sample figures equal the in-sample ones
  (B rows are reported, never fitted);
- before → after out of sample: both years predicted with the fold's parameters;
- strata: ``network.analysis.observed.strata_table`` of the in- and out-of-sample figures (within 25 %,
  within TAG 15 % / 1 min, car and transit, mode × measure, signs and the quarter-size rule).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from network.analysis.calibrate import MeasureCache, fit_parameters, with_overrides
from network.analysis.observed import (
    ObservedRow,
    StateKey,
    change_meets_quarter,
    measure,
    sign_agrees,
    strata_table,
    within_share,
    within_tag,
)
from network.model.graph import NetworkState
from network.model.parameters import DEFAULTS, PARAMETERS

LOSO_ROW_COLUMNS: Final = (
    "id",
    "source_group",
    "fold",
    "reliability",
    "mode",
    "measure",
    "observed_min",
    "in_sample_min",
    "loso_min",
    "within_25_in",
    "within_25_loso",
    "within_tag_in",
    "within_tag_loso",
    "observed_change_min",
    "in_sample_change_min",
    "loso_change_min",
    "moved_most",
)


@dataclass(frozen=True)
class LosoResult:
    """Leave-one-source-out scores.

    rows : one row per scored row (``LOSO_ROW_COLUMNS``).
    strata_in, strata_loso : ``strata_table`` of the in-sample and out-of-sample figures.
    folds : one row per source: its rows, its A rows, whether the fit set changed, the fitted values.
    fitted : the parameters re-fitted in each fold.
    centre : the values fitted on all scored A rows (the in-sample parameters).
    seconds : wall-clock time of the whole run.
    """

    rows: pd.DataFrame
    strata_in: pd.DataFrame
    strata_loso: pd.DataFrame
    folds: pd.DataFrame
    fitted: tuple[str, ...]
    centre: dict[str, float]
    seconds: float

    def share(self, key: str, group: str = "all", *, out_of_sample: bool = True) -> float | None:
        """A share (e.g. ``within_25_share``) of ``group`` from the out-of-sample (default) or in-sample strata."""
        st = self.strata_loso if out_of_sample else self.strata_in
        sub = st[st["group"] == group]
        if sub.empty:
            return None
        v = sub.iloc[0][key]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _predict(row: ObservedRow, states: Mapping[StateKey, NetworkState]) -> tuple[float | None, float | None]:
    """(minutes in the row's year, minutes before) — before is None without a before → after pair."""
    after = measure(states[(row.year, row.period)], row, explain=False).minutes
    if row.year_before is None:
        return after, None
    same_year_rail = row.measure == "station_to_station" and row.year_before == row.year
    before = measure(states[(row.year_before, row.period)], row, explain=False, pattern="typical" if same_year_rail else None).minutes
    return after, before


def _change(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _moved(names: Sequence[str], centre: Mapping[str, float], vals: Mapping[str, float]) -> str:
    best, share = "", 0.0
    for n in names:
        p = PARAMETERS[n]
        s = abs(vals[n] - centre[n]) / (p.high - p.low)
        if s > share + 1e-12:
            best, share = f"{n}: {centre[n]:g} -> {vals[n]:g}", s
    return best or "none moved"


def leave_one_source_out(
    rows: Sequence[ObservedRow],
    states: Mapping[StateKey, NetworkState],
    names: Sequence[str],
    *,
    start: Mapping[str, float] | None = None,
    **search: Any,
) -> LosoResult:
    """Score the scored rows out of sample by leaving each source out (see the module's definitions).

    Parameters
    ----------
    rows : observed rows (only ``use = scored`` rows are scored; only scored A rows are fitted).
    states : a resolved state per (year, period) the rows need (``build_states``).
    names : the parameters to re-fit (empty: out of sample = in sample).
    start : where the all-rows fit starts (default: the table's values).
    search : passed to ``coordinate_search`` (default ``coarse=False``: a local refit).

    Returns
    -------
    LosoResult
    """
    started = time.perf_counter()
    opts = {"coarse": False, **search}
    scored = [r for r in rows if r.scored]
    a_rows = [r for r in scored if r.reliability == "A"]
    init = {n: float((start or {}).get(n, DEFAULTS[n])) for n in names}
    centre = dict(init)
    cache: MeasureCache = {}
    if names and a_rows:
        centre = fit_parameters(states, a_rows, names, start=init, cache=cache, **opts).values
    centre_states = with_overrides(states, centre) if names else dict(states)
    groups: dict[str, list[ObservedRow]] = {}
    for r in scored:
        groups.setdefault(r.source_group, []).append(r)
    in_pred = {r.id: _predict(r, centre_states) for r in scored}
    out_pred: dict[str, tuple[float | None, float | None]] = {}
    moved: dict[str, str] = {}
    fold_recs: list[dict[str, object]] = []
    for k, (group, members) in enumerate(groups.items(), start=1):
        left = {r.id for r in members}
        n_a = sum(r.reliability == "A" for r in members)
        t0 = time.perf_counter()
        if names and n_a:
            rest = [r for r in a_rows if r.id not in left]
            vals = fit_parameters(states, rest, names, start=centre, cache=cache, **opts).values if rest else dict(centre)
            fold_states = with_overrides(states, vals)
            for r in members:
                out_pred[r.id] = _predict(r, fold_states)
                moved[r.id] = _moved(names, centre, vals)
        else:
            vals = dict(centre)
            for r in members:
                out_pred[r.id] = in_pred[r.id]
                moved[r.id] = "fit set unchanged (no A row in this source)" if names else "no fitted parameters"
        fold_recs.append(
            {
                "fold": k,
                "source_group": group,
                "rows": len(members),
                "a_rows": n_a,
                "refit": bool(names and n_a),
                "seconds": round(time.perf_counter() - t0, 1),
                **{n: round(vals[n], 4) for n in names},
            }
        )
    fold_of = {r.id: k for k, (_, members) in enumerate(groups.items(), start=1) for r in members}
    recs: list[dict[str, object]] = []
    for r in scored:
        a_in, b_in = in_pred[r.id]
        a_out, b_out = out_pred[r.id]
        obs_change = None if r.minutes_before is None else r.minutes - r.minutes_before
        recs.append(
            {
                "id": r.id,
                "source_group": r.source_group,
                "fold": fold_of[r.id],
                "reliability": r.reliability,
                "mode": r.mode,
                "measure": r.measure,
                "observed_min": r.minutes,
                "in_sample_min": None if a_in is None else round(a_in, 2),
                "loso_min": None if a_out is None else round(a_out, 2),
                "within_25_in": within_share(r.minutes, a_in),
                "within_25_loso": within_share(r.minutes, a_out),
                "within_tag_in": within_tag(r.minutes, a_in),
                "within_tag_loso": within_tag(r.minutes, a_out),
                "observed_change_min": obs_change,
                "in_sample_change_min": _round(_change(a_in, b_in)),
                "loso_change_min": _round(_change(a_out, b_out)),
                "moved_most": moved[r.id],
            }
        )
    table = pd.DataFrame(recs, columns=list(LOSO_ROW_COLUMNS))
    return LosoResult(
        rows=table,
        strata_in=strata_table(_as_validation(table, "in_sample_min", "in_sample_change_min")),
        strata_loso=strata_table(_as_validation(table, "loso_min", "loso_change_min")),
        folds=pd.DataFrame(fold_recs),
        fitted=tuple(names),
        centre={n: float(v) for n, v in centre.items()},
        seconds=round(time.perf_counter() - started, 1),
    )


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _as_validation(table: pd.DataFrame, model_col: str, change_col: str) -> pd.DataFrame:
    """The columns ``strata_table`` reads, with ``model_col`` as the model's minutes."""
    signs: list[bool | None] = []
    quarters: list[bool | None] = []
    for obs, mod in zip(table["observed_change_min"], table[change_col]):
        if obs is None or (isinstance(obs, float) and math.isnan(obs)):
            signs.append(None)
            quarters.append(None)
            continue
        m = None if mod is None or (isinstance(mod, float) and math.isnan(mod)) else float(mod)
        signs.append(sign_agrees(float(obs), m))
        quarters.append(change_meets_quarter(float(obs), m))
    return pd.DataFrame(
        {
            "observed_min": table["observed_min"].astype(float),
            "model_min": table[model_col],
            "reliability": table["reliability"],
            "mode": table["mode"],
            "measure": table["measure"],
            "sign_agrees": pd.Series(signs, dtype=object),
            "change_quarter": pd.Series(quarters, dtype=object),
        }
    )
