"""``run_scenario.py calibrate``: parses the options of :func:`network.run.calibrate.calibrate` and prints its tables."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from network import OSM_ATTRIBUTION
from network.cli.commands import command
from network.cli.observed import add_observed_csv_option, parameter_names
from network.paths import output_dir

if TYPE_CHECKING:
    import pandas as pd

EXIT_OK = 0


def _show(title: str, df: pd.DataFrame) -> None:
    print(f"\n{title}")
    print(df.to_string(index=False) if len(df) else "  (none)")


def run_calibrate(args: argparse.Namespace) -> int:
    """Run ``calibrate``: check the table; fit (with --fit); leave-one-out; sensitivity (with --sensitivity); print."""
    from network.analysis.calibrate import SENSITIVITY_SHARE  # lazy: only the command that runs it loads it
    from network.run.calibrate import calibrate  # lazy: only the command that runs it loads it

    res = calibrate(
        args.csv,
        fit=args.fit,
        with_sensitivity=args.sensitivity,
        fit_parameters=args.fit_parameters,
        sensitivity_parameters=args.sensitivity_parameters,
        output_dir=args.out,
    )
    names = res.fitted
    print(
        f"calibration on {len(res.a_rows)} scored reliability-A rows of {res.csv_path} ({res.rows - len(res.a_rows)} other rows"
        " (B, claims, model inputs, excluded) reported, never fitted)"
    )
    print(f"fitted parameters: {', '.join(names) if names else 'none (no parameter has fitted=True in network/model/parameters.py)'}")
    if res.fit is not None:
        f = res.fit
        print(f"fit: objective {f.start_objective:.4f} -> {f.objective:.4f} ({f.evaluations} evaluations, {f.rounds} rounds)")
    elif args.fit:
        print("fit: nothing to fit")
    table = res.parameters
    shown = table[table["parameter"].isin(names)] if names else table
    _show(
        "parameters (value in use; fitted ones only when any)" if names else "parameters (current values)", shown.drop(columns=["source"])
    )
    _show("leave-one-out by A row (refit without the row, then predict it)", res.loo_rows)
    _show("leave-one-out by fitted parameter", res.loo_parameters)
    if res.sensitivity is not None and res.sensitivity_ranges is not None:
        sens = res.sensitivity
        moved = sens[sens["max_abs_change"] > 0].sort_values("max_abs_change", ascending=False)
        _show(
            f"sensitivity: largest changes of the headline figures at ±{SENSITIVITY_SHARE:.0%} (all rows in sensitivity.csv)",
            moved.head(25),
        )
        _show("headline figures with their ±10% single-parameter range", res.sensitivity_ranges)
    out = res.output_dir
    print(f"\nwrote {out}/ ({', '.join(sorted(p.name for p in out.iterdir() if p.suffix in ('.csv', '.json')))}) in {res.seconds:.0f} s")
    print(OSM_ATTRIBUTION)
    return EXIT_OK


@command("calibrate", "calibration: parameter table, fit on reliability-A rows (--fit), leave-one-out, ±10% sensitivity (--sensitivity)")
def configure_calibrate(parser: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py calibrate``."""
    parser.add_argument("--fit", action="store_true", help="fit the fitted=True parameters (or --fit-parameters) on reliability-A rows")
    parser.add_argument("--sensitivity", action="store_true", help="±10%% sensitivity of the headline figures to every parameter")
    parser.add_argument(
        "--fit-parameters", type=parameter_names, default=None, metavar="A,B", help="parameters to fit instead of those with fitted=True"
    )
    parser.add_argument(
        "--sensitivity-parameters", type=parameter_names, default=None, metavar="A,B", help="only these parameters in the sensitivity table"
    )
    add_observed_csv_option(parser)
    parser.add_argument(
        "--out", type=Path, default=output_dir() / "calibration", metavar="DIR", help="output folder (default outputs/calibration)"
    )
    parser.set_defaults(run=run_calibrate)
