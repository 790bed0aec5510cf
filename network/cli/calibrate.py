"""``run_scenario.py calibrate``: parameter table, fit on reliability-A rows, leave-one-out, sensitivity (issue 11)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from network import OSM_ATTRIBUTION
from network.analysis.calibrate import (
    MISSING_ROW_PENALTY,
    SENSITIVITY_SHARE,
    build_calibrator,
    fitted_names,
    leave_one_out,
    parameter_table,
    sensitivity,
)
from network.analysis.observed import load_observed
from network.cli.commands import command
from network.cli.observed import add_observed_csv_option, default_observed_csv
from network.model.parameters import DEFAULTS, PARAMETERS, check_parameters
from network.outputs.files import atomic_write_text, dumps_metrics, write_table
from network.paths import output_dir

EXIT_OK = 0

DEFINITIONS = {
    "fit": "bounded coordinate search inside each parameter's allowed range minimising sum over reliability-A rows of ln(model/observed)^2 "
    f"(a row without a model value costs {MISSING_ROW_PENALTY:.3f}); B rows are never fitted",
    "leave_one_out": "for each A row: refit the fitted parameters without it (from the centre values) and predict it; "
    "moved_most = the parameter that moved most as a share of its range",
    "sensitivity": f"each parameter alone at its value x (1 -/+ {SENSITIVITY_SHARE:.0%}), clipped to its allowed range, the others held; "
    "figures: best centre-to-centre minutes (slower direction) in the surveyed scenario, AM peak and off-peak, and the validation's share within 25%",
}


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in PARAMETERS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown parameter(s) {unknown}; expected names from network/model/parameters.py, e.g. {sorted(PARAMETERS)[:3]}"
        )
    return names


def _show(title: str, df: pd.DataFrame) -> None:
    print(f"\n{title}")
    print(df.to_string(index=False) if len(df) else "  (none)")


def run_calibrate(args: argparse.Namespace) -> int:
    """Check the table; fit (with --fit); leave-one-out; sensitivity (with --sensitivity); write outputs/calibration/."""
    started = time.perf_counter()
    check_parameters(DEFAULTS, where="network/model/parameters.py")
    csv_path: Path = args.csv if args.csv is not None else default_observed_csv()
    rows = load_observed(csv_path)
    cal = build_calibrator(rows)
    names = args.fit_parameters if args.fit_parameters is not None else fitted_names()
    out: Path = args.out
    centre: dict[str, float] = {}
    summary: dict[str, object] = {
        "definition": "calibration of the physical parameters against reliability-A observed journey times; see 'definitions'",
        "observed_csv": str(csv_path),
        "network": {"tier": next(iter(cal.states.values())).roads.tier, "snapshot": next(iter(cal.states.values())).roads.snapshot},
        "attribution": OSM_ATTRIBUTION,
        "definitions": DEFINITIONS,
        "a_rows": [r.id for r in cal.a_rows],
        "fitted_parameters": list(names),
    }
    print(
        f"calibration on {len(cal.a_rows)} scored reliability-A rows of {csv_path} ({len(rows) - len(cal.a_rows)} other rows"
        " (B, claims, model inputs, excluded) reported, never fitted)"
    )
    print(f"fitted parameters: {', '.join(names) if names else 'none (no parameter has fitted=True in network/model/parameters.py)'}")
    if args.fit and names:
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
        print(f"fit: objective {res.start_objective:.4f} -> {res.objective:.4f} ({res.evaluations} evaluations, {res.rounds} rounds)")
    elif args.fit:
        print("fit: nothing to fit")
    table = parameter_table(centre)
    write_table(table, out / "parameters.csv")
    shown = table[table["parameter"].isin(names)] if names else table
    _show(
        "parameters (value in use; fitted ones only when any)" if names else "parameters (current values)", shown.drop(columns=["source"])
    )
    loo_rows, loo_params = leave_one_out(cal, names, centre)
    write_table(loo_rows, out / "loo_rows.csv")
    write_table(loo_params, out / "loo_parameters.csv")
    _show("leave-one-out by A row (refit without the row, then predict it)", loo_rows)
    _show("leave-one-out by fitted parameter", loo_params)
    if args.sensitivity:
        sens, ranges = sensitivity(cal, centre, args.sensitivity_parameters)
        write_table(sens, out / "sensitivity.csv")
        write_table(ranges, out / "sensitivity_ranges.csv")
        moved = sens[sens["max_abs_change"] > 0].sort_values("max_abs_change", ascending=False)
        _show(
            f"sensitivity: largest changes of the headline figures at ±{SENSITIVITY_SHARE:.0%} (all rows in sensitivity.csv)",
            moved.head(25),
        )
        _show("headline figures with their ±10% single-parameter range", ranges)
        summary["sensitivity_ranges"] = ranges.to_dict(orient="records")
        summary["parameters_without_effect"] = sorted(set(sens["parameter"]) - set(moved["parameter"]))
    summary["leave_one_out"] = loo_params.to_dict(orient="records")
    atomic_write_text(out / "summary.json", dumps_metrics(summary))
    print(
        f"\nwrote {out}/ ({', '.join(sorted(p.name for p in out.iterdir() if p.suffix in ('.csv', '.json')))}) in {time.perf_counter() - started:.0f} s"
    )
    print(OSM_ATTRIBUTION)
    return EXIT_OK


@command("calibrate", "calibration: parameter table, fit on reliability-A rows (--fit), leave-one-out, ±10% sensitivity (--sensitivity)")
def configure_calibrate(parser: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py calibrate``."""
    parser.add_argument("--fit", action="store_true", help="fit the fitted=True parameters (or --fit-parameters) on reliability-A rows")
    parser.add_argument("--sensitivity", action="store_true", help="±10%% sensitivity of the headline figures to every parameter")
    parser.add_argument(
        "--fit-parameters", type=_names, default=None, metavar="A,B", help="parameters to fit instead of those with fitted=True"
    )
    parser.add_argument(
        "--sensitivity-parameters", type=_names, default=None, metavar="A,B", help="only these parameters in the sensitivity table"
    )
    add_observed_csv_option(parser)
    parser.add_argument(
        "--out", type=Path, default=output_dir() / "calibration", metavar="DIR", help="output folder (default outputs/calibration)"
    )
    parser.set_defaults(run=run_calibrate)
