"""``run_scenario.py observed``: validate the model against published journey times (issue 11)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from network import OSM_ATTRIBUTION
from network.cli.commands import command
from network.formats import is_missing, number, percent
from network.paths import output_dir

if TYPE_CHECKING:
    from network.analysis.loso import LosoResult
    from network.analysis.observed import Validation

EXIT_OK = 0
EXIT_FAILED = 1


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1 (e.g. 0.85), got {text!r}")
    return v


def parameter_names(text: str) -> list[str]:
    """``A,B``: names of the parameter table (``--fit-parameters`` of ``observed --loso`` and ``calibrate``)."""
    from network.model.parameters import PARAMETERS  # lazy: only the command that runs it loads it

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in PARAMETERS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown parameter(s) {unknown}; expected names from network/model/parameters.py, e.g. {sorted(PARAMETERS)[:3]}"
        )
    return names


def format_validation(v: Validation) -> str:
    """The printed summary: row by row, the strata, the before → after changes."""
    lines = [f"{'id':28s} {'rel':3s} {'observed':>8s} {'model':>7s} {'ratio':>6s}  TAG 25%  km model/published"]
    for r in v.rows.to_dict(orient="records"):
        km = "" if is_missing(r["published_km"]) else f"{number(r['model_km'])}/{number(r['published_km'])}"
        use = str(r.get("use") or "scored")
        lines.append(
            f"{r['id']:28s} {r['reliability']:3s} {number(r['observed_min']):>8s} {number(r['model_min']):>7s} {number(r['ratio'], 2):>6s}  "
            f"{'yes' if r['within_tag'] else 'no ':3s} {'yes' if r['within_25'] else 'no ':3s}  {km}"
            + (f"  [{use}: not scored]" if use != "scored" else "")
            + (f"  ({r['note']})" if r["note"] else "")
        )
    lines.append("")
    lines.append("scored rows only (use = scored):")
    lines.append(f"{'group':34s} {'n':>3s} {'TAG':>9s} {'25%':>9s} {'MAPE%':>6s} {'bias%':>6s} {'slope':>6s} {'signs':>6s} {'≥¼':>5s}")
    for s in v.strata.to_dict(orient="records"):
        lines.append(
            f"{s['group']:34s} {s['n']:3d} {s['within_tag']:3d} {percent(s['within_tag_share']):>5s} {s['within_25']:3d} "
            f"{percent(s['within_25_share']):>5s} {number(s['mape_pct']):>6s} {number(s['bias_pct']):>6s} {number(s['slope'], 2):>6s} "
            f"{s['changes_sign_agree']:>3d}/{s['changes']:<2d} {s['changes_quarter']:>2d}/{s['changes']:<2d}"
        )
    if len(v.changes):
        lines.append("")
        lines.append("before → after (minutes): observed change vs model change")
        for c in v.changes.to_dict(orient="records"):
            change = "—" if is_missing(c["model_change_min"]) else f"{float(c['model_change_min']):+.1f}"
            lines.append(
                f"  {c['id']:26s} {c['year_before']}→{c['year']}: observed {c['observed_before_min']:g}→{c['observed_after_min']:g} "
                f"({c['observed_change_min']:+g}); model {number(c['model_before_min'])}→{number(c['model_after_min'])} ({change}); "
                f"sign {'agrees' if c['sign_agrees'] else 'DISAGREES'}, {'≥' if c['change_quarter'] else 'under'} ¼ of the size"
                + ("" if str(c.get("use") or "scored") == "scored" else f" [{c['use']}: not scored]")
                + (f"  [{c['note']}]" if c["note"] else "")
            )
    return "\n".join(lines)


def format_loso(res: LosoResult) -> str:
    """The printed leave-one-source-out section: per row in and out of sample, then both strata side by side."""
    refit = int(res.folds["refit"].sum()) if len(res.folds) else 0
    lines = [
        f"out of sample: leave-one-source-out ({len(res.folds)} sources, {refit} re-fitted; fitted: {', '.join(res.fitted) or 'none'}; {res.seconds:.0f} s)",
        f"{'id':28s} {'rel':3s} {'fold':>4s} {'observed':>8s} {'in':>7s} {'loso':>7s}  25% in/out  TAG in/out",
    ]
    yn = {True: "yes", False: "no"}
    for r in res.rows.to_dict(orient="records"):
        lines.append(
            f"{r['id']:28s} {r['reliability']:3s} {r['fold']:4d} {number(r['observed_min']):>8s} {number(r['in_sample_min']):>7s} "
            f"{number(r['loso_min']):>7s}  {yn[bool(r['within_25_in'])]:>3s}/{yn[bool(r['within_25_loso'])]:<3s}     "
            f"{yn[bool(r['within_tag_in'])]:>3s}/{yn[bool(r['within_tag_loso'])]:<3s}"
        )
    lines.append("")
    lines.append(f"{'group':34s} {'n':>3s} {'25% in':>9s} {'25% out':>9s} {'TAG in':>9s} {'TAG out':>9s} {'signs in/out':>13s} {'≥¼ in/out':>10s}")
    ins = {str(r["group"]): r for r in res.strata_in.to_dict(orient="records")}
    for s in res.strata_loso.to_dict(orient="records"):
        i = ins[str(s["group"])]
        lines.append(
            f"{s['group']:34s} {s['n']:3d} {i['within_25']:3d} {percent(i['within_25_share']):>5s} {s['within_25']:3d} "
            f"{percent(s['within_25_share']):>5s} {i['within_tag']:3d} {percent(i['within_tag_share']):>5s} {s['within_tag']:3d} "
            f"{percent(s['within_tag_share']):>5s} {i['changes_sign_agree']:>5d}/{s['changes_sign_agree']}/{s['changes']:<3d} "
            f"{i['changes_quarter']:>4d}/{s['changes_quarter']}/{s['changes']}"
        )
    return "\n".join(lines)


def run_observed(args: argparse.Namespace) -> int:
    """Run ``observed``: validate, write outputs/observed/ (tables, summary.json, scatter.png, report.html), print."""
    from network.outputs.files import dumps_metrics  # lazy: only the command that runs it loads it
    from network.run.observed import observed  # lazy: only the command that runs it loads it

    res = observed(
        args.csv,
        min_within_25=args.min_within_25,
        min_tag=args.min_tag,
        output_dir=args.out,
        loso=args.loso,
        fit_parameters=args.fit_parameters,
        min_loso_within_25=args.min_loso_within_25,
    )
    v = res.validation
    if args.json:
        print(dumps_metrics(res.summary), end="")
    else:
        print(f"observed journey times: {res.csv_path}  [tier {v.tier}; {v.snapshot}]")
        print(format_validation(v))
        if res.loso is not None:
            print()
            print(format_loso(res.loso))
        print(f"\nwrote {res.output_dir / 'validation.csv'}, summary.json, scatter.png, report.html")
        print(OSM_ATTRIBUTION)
    for f in res.failed:
        print(f"FAIL threshold: {f}", file=sys.stderr)
    return EXIT_FAILED if res.failed else EXIT_OK


def add_observed_csv_option(parser: argparse.ArgumentParser) -> None:
    """``--csv``: the observed journey times (``observed`` and ``calibrate`` read the same file)."""
    parser.add_argument(
        "--csv",
        type=Path,
        default=None,
        help="observed-times CSV, or a folder of them (default: data/observed/, every CSV; rows marked use=claim/model_input/excluded are listed, not scored)",
    )


@command("observed", "validate the model against published journey times (observed-times CSV); exit 1 when a threshold fails")
def configure_observed(parser: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py observed``."""
    add_observed_csv_option(parser)
    parser.add_argument(
        "--min-within-25", type=_share, default=0.85, metavar="SHARE", help="minimum share of rows within 25%% (default 0.85)"
    )
    parser.add_argument(
        "--min-tag", type=_share, default=0.60, metavar="SHARE", help="minimum share within TAG 15%% / 1 min (default 0.60)"
    )
    parser.add_argument(
        "--loso",
        action="store_true",
        help="also score out of sample by leave-one-source-out (re-fits the fitted parameters once per source with A rows; "
        "writes loso_*.csv; minutes, not seconds)",
    )
    parser.add_argument(
        "--fit-parameters",
        type=parameter_names,
        default=None,
        metavar="A,B",
        help="with --loso: parameters to re-fit instead of those with fitted=True in the parameter table",
    )
    parser.add_argument(
        "--min-loso-within-25",
        type=_share,
        default=None,
        metavar="SHARE",
        help="with --loso: minimum out-of-sample share of scored rows within 25%% (default: none)",
    )
    parser.add_argument("--json", action="store_true", help="print summary.json instead of the tables")
    parser.add_argument("--out", type=Path, default=output_dir() / "observed", metavar="DIR", help="output folder (default outputs/observed)")
    parser.set_defaults(run=run_observed)
