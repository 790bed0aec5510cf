"""Calibration machinery: parameter checks, a bounded fit on reliability-A rows, leave-one-out, sensitivity.

Rules (issue 11, "calibrate, don't curve-fit"):

- only parameters of ``network.model.parameters.PARAMETER_TABLE`` are ever changed, each inside its
  allowed range, and the same value is used in every year and period;
- only the parameters marked ``fitted=True`` in that table are fitted (or an explicit list), and only
  on reliability-A rows (timetables, timed trips); B rows are claims and are never fitted;
- the objective is the sum over A rows of ``ln(model / observed)²`` (a row without a model value
  costs ``MISSING_ROW_PENALTY``), minimised by a bounded coordinate search (``coordinate_search``);
- every run is a state with overrides (``NetworkState.with_params(overrides=...)``) on the already
  resolved networks: only the mode graphs are rebuilt.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from network.analysis.metrics import centre_minutes
from network.analysis.observed import ObservedRow, StateKey, build_states, fit_stats, measure
from network.model.graph import NetworkState
from network.model.parameters import DEFAULTS, PARAMETER_TABLE, PARAMETERS, check_parameters, transit_only
from network.model.region import CITIES, Region, load_region
from network.paths import SCENARIO_DIR
from network.scenario.resolve import resolve_state
from network.scenario.schema import load_scenario

MISSING_ROW_PENALTY: Final = math.log(3.0) ** 2
"""Cost of an A row the model cannot measure (as if it were off by a factor of 3)."""
SENSITIVITY_SHARE: Final = 0.10
GRID_POINTS: Final = 9
"""First sweep of a coordinate: this many evenly spaced values across the parameter's whole range."""
REFINE_POINTS: Final = 5
MAX_ROUNDS: Final = 4
IMPROVEMENT_TOL: Final = 1e-6

Overrides = Mapping[str, float]


def fitted_names() -> list[str]:
    """Parameters marked ``fitted=True`` in the parameter table (the ones calibration may choose)."""
    return [p.name for p in PARAMETER_TABLE if p.fitted]


def with_overrides(states: Mapping[StateKey, NetworkState], values: Overrides) -> dict[StateKey, NetworkState]:
    """The same resolved states with physical parameters ``values`` (checked against their ranges)."""
    check_parameters(values, where="calibration values")
    ov = tuple(sorted((k, float(v)) for k, v in values.items()))
    return {k: s.with_params(overrides=ov) for k, s in states.items()}


def model_minutes(rows: Sequence[ObservedRow], states: Mapping[StateKey, NetworkState]) -> list[float | None]:
    """The model's comparable measure (minutes, or None) for each row, in the state of its year and period."""
    return [measure(states[(r.year, r.period)], r, explain=False).minutes for r in rows]


MeasureCache = dict[tuple[str, tuple[tuple[str, float], ...]], float | None]
"""Row measures already computed, by row id and the parameter values the row depends on."""


def _relevant(row: ObservedRow, values: Overrides) -> tuple[tuple[str, float], ...]:
    """The values a row's measure depends on: a car row ignores transit-only parameters."""
    car = row.mode == "car"
    return tuple(sorted((k, round(float(v), 12)) for k, v in values.items() if not (car and transit_only(k))))


def model_minutes_cached(
    rows: Sequence[ObservedRow], states: Mapping[StateKey, NetworkState], values: Overrides, cache: MeasureCache
) -> list[float | None]:
    """``model_minutes`` with parameter ``values``, reusing ``cache``: a car row is routed once whatever the
    transit-only parameters (``network.model.parameters.transit_only``) — what makes a refit per fold affordable."""
    out: list[float | None] = []
    moved: dict[StateKey, NetworkState] | None = None
    for r in rows:
        key = (r.id, _relevant(r, values))
        if key not in cache:
            if moved is None:
                moved = with_overrides(states, values)
            cache[key] = measure(moved[(r.year, r.period)], r, explain=False).minutes
        out.append(cache[key])
    return out


def log_ratio_objective(observed_minutes: Sequence[float], model: Sequence[float | None]) -> float:
    """Sum of squared log ratios ``ln(model / observed)²``; a missing or non-positive model value costs ``MISSING_ROW_PENALTY``."""
    total = 0.0
    for o, m in zip(observed_minutes, model):
        if m is None or not math.isfinite(m) or m <= 0:
            total += MISSING_ROW_PENALTY
        else:
            total += math.log(m / o) ** 2
    return total


@dataclass(frozen=True)
class SearchResult:
    """Outcome of a bounded coordinate search."""

    values: dict[str, float]
    objective: float
    start_objective: float
    evaluations: int
    rounds: int
    trace: tuple[tuple[int, str, float, float], ...] = field(default=())
    """(round, parameter, value chosen, objective after) for every coordinate step."""


def coordinate_search(
    objective: Callable[[dict[str, float]], float],
    bounds: Mapping[str, tuple[float, float]],
    start: Mapping[str, float],
    *,
    grid_points: int = GRID_POINTS,
    refine_points: int = REFINE_POINTS,
    max_rounds: int = MAX_ROUNDS,
    tol: float = IMPROVEMENT_TOL,
    coarse: bool = True,
) -> SearchResult:
    """Minimise ``objective`` over the parameters named in ``bounds`` (in its order) inside them by a bounded coordinate search.

    Round 1 sweeps each parameter in turn over ``grid_points`` evenly spaced values of its whole range
    (the others held); each later round sweeps ``refine_points`` values within one previous step of the
    current value, the step halving each round. A value replaces the current one only when it lowers the
    objective by more than ``tol`` (ties keep the current value, so an insensitive parameter stays where
    it is). Stops after ``max_rounds`` or when a round improves by less than ``tol``. Derivative-free, so
    it copes with the steps a shortest-path model produces when a route switches. ``coarse=False`` skips
    the whole-range sweep: round 1 already sweeps ``refine_points`` values within one grid step of the
    start (a local refit, e.g. leave-one-out from the full fit).

    Parameters
    ----------
    objective : function of a full value mapping (``start`` with changed names), lower is better.
    bounds : (low, high) per parameter to move, in the order they are swept; every value tried lies inside.
    start : the starting values (every name, and any other fixed values the objective needs).

    Returns
    -------
    SearchResult
    """
    names = list(bounds)
    values = {k: float(v) for k, v in start.items()}
    for n in names:
        lo, hi = bounds[n]
        if not lo <= values[n] <= hi:
            raise ValueError(f"start value of {n} = {values[n]} lies outside [{lo}, {hi}]")
    cache: dict[tuple[tuple[str, float], ...], float] = {}

    def f(v: dict[str, float]) -> float:
        key = tuple(sorted((k, round(x, 12)) for k, x in v.items()))
        if key not in cache:
            cache[key] = float(objective(dict(v)))
        return cache[key]

    best = f(values)
    start_obj = best
    steps = {n: (bounds[n][1] - bounds[n][0]) / max(grid_points - 1, 1) for n in names}
    trace: list[tuple[int, str, float, float]] = []
    rounds = 0
    for rnd in range(1, max_rounds + 1):
        rounds = rnd
        before_round = best
        for n in names:
            lo, hi = bounds[n]
            if rnd == 1 and coarse:
                cands = np.linspace(lo, hi, grid_points)
            else:
                cands = np.clip(np.linspace(values[n] - steps[n], values[n] + steps[n], refine_points), lo, hi)
            for c in cands:
                trial = {**values, n: float(c)}
                val = f(trial)
                if val < best - tol:
                    best, values = val, trial
            trace.append((rnd, n, values[n], best))
            if rnd > 1 or not coarse:
                steps[n] /= 2.0
        if rnd > 1 and before_round - best < tol:
            break
    return SearchResult(
        values={n: values[n] for n in names},
        objective=best,
        start_objective=start_obj,
        evaluations=len(cache),
        rounds=rounds,
        trace=tuple(trace),
    )


def fit_parameters(
    states: Mapping[StateKey, NetworkState],
    rows: Sequence[ObservedRow],
    names: Sequence[str],
    *,
    start: Overrides | None = None,
    cache: MeasureCache | None = None,
    **search: Any,
) -> SearchResult:
    """Fit ``names`` on ``rows`` (scored reliability-A rows only) by ``coordinate_search`` inside each range.

    The objective is ``log_ratio_objective`` of the rows' comparable measures in ``states`` with the
    trial values (``model_minutes_cached``; pass one ``cache`` to several fits on the same states to share
    it); ``start`` defaults to the table's values; ``search`` goes to ``coordinate_search``.

    Raises
    ------
    ValueError
        When a row is not a scored A row (B rows, claims and model inputs are never fitted).
    """
    fit_rows = list(rows)
    if any(r.reliability != "A" or not r.scored for r in fit_rows):
        raise ValueError("calibration fits scored reliability-A rows only; B rows, claims and model inputs are reported, never fitted")
    init = {n: float((start or {}).get(n, DEFAULTS[n])) for n in names}
    bounds = {n: (PARAMETERS[n].low, PARAMETERS[n].high) for n in names}

    memo: MeasureCache = cache if cache is not None else {}

    def objective(values: dict[str, float]) -> float:
        return log_ratio_objective([r.minutes for r in fit_rows], model_minutes_cached(fit_rows, states, values, memo))

    return coordinate_search(objective, bounds, init, **search)


@dataclass(frozen=True)
class Calibrator:
    """Observed rows and the resolved states they need, plus the surveyed states for the headline figures."""

    rows: tuple[ObservedRow, ...]
    states: Mapping[StateKey, NetworkState]
    headline_states: Mapping[str, NetworkState]
    """Surveyed scenario by period name ('am_peak', 'off_peak')."""
    region: Region
    cache: MeasureCache = field(default_factory=dict)
    """Row measures computed so far (shared by every fit on these states)."""

    @property
    def a_rows(self) -> list[ObservedRow]:
        """Scored reliability-A rows (the only ones fitted; claims and model inputs never are)."""
        return [r for r in self.rows if r.reliability == "A" and r.scored]

    def objective(self, rows: Sequence[ObservedRow], values: Overrides) -> float:
        """Sum of squared log ratios of ``rows`` with physical parameters ``values``."""
        return log_ratio_objective([r.minutes for r in rows], model_minutes_cached(rows, self.states, values, self.cache))

    def fit(
        self, names: Sequence[str], *, start: Overrides | None = None, rows: Sequence[ObservedRow] | None = None, **search: Any
    ) -> SearchResult:
        """Fit ``names`` on ``rows`` (default: the A rows) from ``start`` (default: the table's values)."""
        return fit_parameters(self.states, list(self.a_rows if rows is None else rows), names, start=start, cache=self.cache, **search)

    def headline(self, values: Overrides) -> dict[str, float]:
        """Headline figures with ``values``: best centre-to-centre minutes (3 pairs, AM peak and off-peak) and the validation's within-25 % share."""
        out: dict[str, float] = {}
        ov = tuple(sorted((k, float(v)) for k, v in values.items()))
        for period, state in self.headline_states.items():
            best = centre_minutes(state.with_params(overrides=ov), self.region)["best"]
            for i, a in enumerate(CITIES):
                for j in range(i + 1, len(CITIES)):
                    out[f"{a}-{CITIES[j]} best {period} (min)"] = round(float(max(best[i, j], best[j, i])), 2)
        scored = [r for r in self.rows if r.scored]
        model = model_minutes(scored, with_overrides(self.states, values))
        share = fit_stats([r.minutes for r in scored], model)["within_25_share"]
        out["validation within 25% (share)"] = round(float(share or 0.0), 4)
        return out


def leave_one_out(cal: Calibrator, names: Sequence[str], centre: Overrides, **search: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refit without each A row and predict it.

    Each refit is local: a coordinate search from ``centre`` (the full fit, or the table's values) without
    the whole-range sweep (``coarse=False``, unless ``search`` says otherwise).

    Returns
    -------
    (rows, parameters):
    rows — per A row: observed, model with ``centre`` values, model when the row was left out of the fit,
    both errors (%), and the parameter that moved most when it was left out (share of its range);
    parameters — per fitted parameter: the centre value, the smallest and largest leave-one-out values,
    the largest move as a share of its range and the row whose removal moved it most, and the LOO and
    in-sample RMS log errors over all A rows.
    """
    a_rows = cal.a_rows
    centre_vals = {n: float(centre.get(n, DEFAULTS[n])) for n in names}
    in_sample = model_minutes_cached(a_rows, cal.states, centre_vals, cal.cache)
    recs: list[dict[str, object]] = []
    loo_vals: dict[str, list[tuple[float, str]]] = {n: [] for n in names}
    loo_logs: list[float] = []
    in_logs: list[float] = []
    for k, row in enumerate(a_rows):
        others = a_rows[:k] + a_rows[k + 1 :]
        if names and others:
            res = cal.fit(names, start=centre_vals, rows=others, **{"coarse": False, **search})
            vals = res.values
        else:
            vals = dict(centre_vals)
        pred = model_minutes_cached([row], cal.states, vals, cal.cache)[0]
        moved, moved_share = "", 0.0
        for n in names:
            loo_vals[n].append((vals[n], row.id))
            p = PARAMETERS[n]
            share = abs(vals[n] - centre_vals[n]) / (p.high - p.low)
            if share > moved_share + 1e-12:
                moved, moved_share = f"{n}: {centre_vals[n]:g} -> {vals[n]:g}", share
        m_in = in_sample[k]
        recs.append(
            {
                "id": row.id,
                "observed_min": row.minutes,
                "model_min": None if m_in is None else round(m_in, 2),
                "loo_model_min": None if pred is None else round(pred, 2),
                "error_pct": None if m_in is None else round(100 * (m_in - row.minutes) / row.minutes, 1),
                "loo_error_pct": None if pred is None else round(100 * (pred - row.minutes) / row.minutes, 1),
                "moved_most": (moved or "none moved") if names else "no fitted parameters: leave-one-out = in-sample",
                "moved_share_of_range": round(moved_share, 4),
            }
        )
        loo_logs.append(math.log(pred / row.minutes) if pred else math.log(3.0))
        in_logs.append(math.log(m_in / row.minutes) if m_in else math.log(3.0))
    rms_loo = math.sqrt(float(np.mean(np.square(loo_logs)))) if loo_logs else math.nan
    rms_in = math.sqrt(float(np.mean(np.square(in_logs)))) if in_logs else math.nan
    prec = []
    for n in names:
        p = PARAMETERS[n]
        vs = loo_vals[n]
        far = max(vs, key=lambda t: abs(t[0] - centre_vals[n])) if vs else (centre_vals[n], "")
        if far[0] == centre_vals[n]:
            far = (far[0], "")  # no fold moved it
        prec.append(
            {
                "parameter": n,
                "value": centre_vals[n],
                "low": p.low,
                "high": p.high,
                "loo_min": min(v for v, _ in vs) if vs else centre_vals[n],
                "loo_max": max(v for v, _ in vs) if vs else centre_vals[n],
                "max_move_share_of_range": round(abs(far[0] - centre_vals[n]) / (p.high - p.low), 4),
                "moved_most_without": far[1],
                "loo_rms_log_error": round(rms_loo, 4),
                "in_sample_rms_log_error": round(rms_in, 4),
            }
        )
    return pd.DataFrame(recs), pd.DataFrame(
        prec,
        columns=[
            "parameter",
            "value",
            "low",
            "high",
            "loo_min",
            "loo_max",
            "max_move_share_of_range",
            "moved_most_without",
            "loo_rms_log_error",
            "in_sample_rms_log_error",
        ],
    )


def sensitivity(
    cal: Calibrator, centre: Overrides, names: Sequence[str] | None = None, *, share: float = SENSITIVITY_SHARE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """±``share`` (default 10 %) sensitivity of the headline figures to each parameter.

    Each parameter in turn is set to its centre value × (1 − share) and × (1 + share), clipped to its
    allowed range (``clipped`` says so), the others held at ``centre`` (or the table's values).

    Returns
    -------
    (table, ranges):
    table — one row per (parameter, figure): base, value at −10 % and at +10 %, and the largest change;
    ranges — per figure: the base value and the lowest and highest value over all single-parameter runs.
    """
    base_vals = {n: float(centre.get(n, DEFAULTS[n])) for n in PARAMETERS}
    fixed = {k: float(v) for k, v in centre.items()}
    base = cal.headline(fixed)
    recs: list[dict[str, object]] = []
    lows = dict(base)
    highs = dict(base)
    for n in names if names is not None else list(PARAMETERS):
        p = PARAMETERS[n]
        c = base_vals[n]
        down, up = min(max(c * (1 - share), p.low), p.high), min(max(c * (1 + share), p.low), p.high)
        clipped = (not math.isclose(down, c * (1 - share))) or (not math.isclose(up, c * (1 + share)))
        res_down = cal.headline({**fixed, n: down}) if down != c else base
        res_up = cal.headline({**fixed, n: up}) if up != c else base
        for fig, b in base.items():
            lo_v, hi_v = res_down[fig], res_up[fig]
            lows[fig] = min(lows[fig], lo_v, hi_v)
            highs[fig] = max(highs[fig], lo_v, hi_v)
            recs.append(
                {
                    "parameter": n,
                    "value": c,
                    "value_minus": round(down, 4),
                    "value_plus": round(up, 4),
                    "clipped": clipped,
                    "figure": fig,
                    "base": b,
                    "at_minus": lo_v,
                    "at_plus": hi_v,
                    "max_abs_change": round(max(abs(lo_v - b), abs(hi_v - b)), 4),
                }
            )
    table = pd.DataFrame(recs)
    ranges = pd.DataFrame([{"figure": f, "base": base[f], "low": lows[f], "high": highs[f]} for f in base])
    return table, ranges


def parameter_table(values: Overrides | None = None) -> pd.DataFrame:
    """The parameter table with the values in use (``values`` overriding the table's) and whether each lies in its range."""
    vals = values or {}
    rows = []
    for p in PARAMETER_TABLE:
        v = float(vals.get(p.name, p.value))
        rows.append(
            {
                "parameter": p.name,
                "table_value": p.value,
                "value": v,
                "low": p.low,
                "high": p.high,
                "unit": p.unit,
                "fitted": p.fitted,
                "in_range": p.low <= v <= p.high,
                "source": p.source,
            }
        )
    return pd.DataFrame(rows)


def surveyed_states() -> dict[str, NetworkState]:
    """The surveyed scenario (``scenarios/surveyed.yaml``) resolved in the AM peak and off-peak."""
    sc = load_scenario(SCENARIO_DIR / "surveyed.yaml")
    return {period: resolve_state(sc.model_copy(update={"period": period})) for period in ("am_peak", "off_peak")}


def build_calibrator(rows: Sequence[ObservedRow], *, region: Region | None = None) -> Calibrator:
    """Resolve every state the rows and the headline figures need, once."""
    return Calibrator(rows=tuple(rows), states=build_states(rows), headline_states=surveyed_states(), region=region or load_region())
