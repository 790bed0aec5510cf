"""The ``calibrate`` workflow: parameter table, fit on reliability-A rows, leave-one-out, ±10 % sensitivity."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from network import OSM_ATTRIBUTION
from network.analysis.calibrate import (
    MISSING_ROW_PENALTY,
    SENSITIVITY_SHARE,
    SearchResult,
    build_calibrator,
    fitted_names,
    leave_one_out,
    parameter_table,
    sensitivity,
)
from network.analysis.observed import load_observed
from network.model.parameters import DEFAULTS, check_parameters
from network.outputs.files import atomic_write_text, dumps_metrics, write_table
from network.paths import output_dir as default_output_dir
from network.run.observed import default_observed_csv

DEFINITIONS = {
    "fit": "bounded coordinate search inside each parameter's allowed range minimising sum over reliability-A rows of ln(model/observed)^2 "
    f"(a row without a model value costs {MISSING_ROW_PENALTY:.3f}); B rows are never fitted",
    "leave_one_out": "for each A row: refit the fitted parameters without it (from the centre values) and predict it; "
    "moved_most = the parameter that moved most as a share of its range",
    "sensitivity": f"each parameter alone at its value x (1 -/+ {SENSITIVITY_SHARE:.0%}), clipped to its allowed range, the others held; "
    "figures: best centre-to-centre minutes (slower direction) in the surveyed scenario, AM peak and off-peak, and the validation's share within 25%",
}
"""What each part of the calibration computes (written into summary.json)."""


@dataclass(frozen=True)
class CalibrationResult:
    """A calibration run: what was fitted and how (``fit`` None without one), the parameter table in use, the
    leave-one-out tables and, when asked, the sensitivity tables; ``summary`` is ``summary.json``."""

    csv_path: Path
    rows: int
    a_rows: list[str]
    fitted: list[str]
    fit: SearchResult | None
    parameters: pd.DataFrame
    loo_rows: pd.DataFrame
    loo_parameters: pd.DataFrame
    sensitivity: pd.DataFrame | None
    sensitivity_ranges: pd.DataFrame | None
    summary: dict[str, Any]
    output_dir: Path
    seconds: float


def calibrate(
    csv: Path | None = None,
    *,
    fit: bool = False,
    with_sensitivity: bool = False,
    fit_parameters: Sequence[str] | None = None,
    sensitivity_parameters: Sequence[str] | None = None,
    output_dir: Path | None = None,
) -> CalibrationResult:
    """Check the parameter table; fit (``fit``); leave-one-out; sensitivity (``with_sensitivity``); write ``output_dir``.

    Parameters
    ----------
    csv
        Observed journey times (a CSV or a folder of them); default ``data/observed/``.
    fit
        Fit the parameters marked ``fitted=True`` (or ``fit_parameters``) on the scored reliability-A rows.
    with_sensitivity
        Also the ±10 % single-parameter sensitivity of the headline figures.
    fit_parameters, sensitivity_parameters
        Parameter names instead of the marked ones / all of them.
    output_dir
        The output folder (None: ``<network.paths.output_dir()>/calibration``; ``parameters.csv``, ``loo_*.csv``, ``sensitivity*.csv``, ``fit_trace.csv``, ``summary.json``).

    Returns
    -------
    CalibrationResult
        The fit (if any), the parameter, leave-one-out and sensitivity tables, and summary.json's content.
    """
    started = time.perf_counter()
    check_parameters(DEFAULTS, where="network/model/parameters.py")
    csv_path = csv if csv is not None else default_observed_csv()
    rows = load_observed(csv_path)
    cal = build_calibrator(rows)
    names = list(fit_parameters) if fit_parameters is not None else fitted_names()
    out = output_dir if output_dir is not None else default_output_dir() / "calibration"
    centre: dict[str, float] = {}
    first = next(iter(cal.states.values()))
    summary: dict[str, Any] = {
        "definition": "calibration of the physical parameters against reliability-A observed journey times; see 'definitions'",
        "observed_csv": str(csv_path),
        "network": {"tier": first.roads.tier, "snapshot": first.roads.snapshot},
        "attribution": OSM_ATTRIBUTION,
        "definitions": DEFINITIONS,
        "a_rows": [r.id for r in cal.a_rows],
        "fitted_parameters": list(names),
    }
    res = None
    if fit and names:
        res = cal.fit(names)
        centre = dict(res.values)
        summary["fit"] = {
            "values": centre,
            "objective": res.objective,
            "start_objective": res.start_objective,
            "evaluations": res.evaluations,
            "rounds": res.rounds,
        }
        write_table(pd.DataFrame(res.trace, columns=["round", "parameter", "value", "objective"]), out / "fit_trace.csv")
    table = parameter_table(centre)
    write_table(table, out / "parameters.csv")
    loo_rows, loo_params = leave_one_out(cal, names, centre)
    write_table(loo_rows, out / "loo_rows.csv")
    write_table(loo_params, out / "loo_parameters.csv")
    sens = ranges = None
    if with_sensitivity:
        sens, ranges = sensitivity(cal, centre, sensitivity_parameters)
        write_table(sens, out / "sensitivity.csv")
        write_table(ranges, out / "sensitivity_ranges.csv")
        moved = sens[sens["max_abs_change"] > 0]
        summary["sensitivity_ranges"] = ranges.to_dict(orient="records")
        summary["parameters_without_effect"] = sorted(set(sens["parameter"]) - set(moved["parameter"]))
    summary["leave_one_out"] = loo_params.to_dict(orient="records")
    atomic_write_text(out / "summary.json", dumps_metrics(summary))
    return CalibrationResult(
        csv_path=csv_path,
        rows=len(rows),
        a_rows=[r.id for r in cal.a_rows],
        fitted=names,
        fit=res,
        parameters=table,
        loo_rows=loo_rows,
        loo_parameters=loo_params,
        sensitivity=sens,
        sensitivity_ranges=ranges,
        summary=summary,
        output_dir=out,
        seconds=time.perf_counter() - started,
    )
