"""``run_scenario.py observed``: validate the model against published journey times (issue 11)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from network import OSM_ATTRIBUTION
from network._errors import InputError
from network.analysis.observed import (
    DEFINITIONS,
    Validation,
    build_states,
    load_observed,
    state_parameters,
    state_settings,
    validate,
    validation_summary,
)
from network.cli.commands import command
from network.outputs.files import atomic_write_bytes, atomic_write_text, dumps_metrics, table_provenance, write_table
from network.outputs.report import render_validation_page, validation_scatter_png, validation_section_html
from network.paths import OBSERVED_DIR, output_dir

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


def default_observed_csv() -> Path:
    """The project's observed journey times: the folder ``data/observed/`` (every CSV in it).

    Raises
    ------
    InputError
        When the folder is missing (give ``--csv``).
    """
    if not OBSERVED_DIR.is_dir():
        raise InputError(
            str(OBSERVED_DIR), "--csv", "the project's observed journey-time folder is missing; expected --csv PATH (a CSV or a folder of CSVs)"
        )
    return OBSERVED_DIR


def _fmt(v: object, nd: int = 1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{float(v):.{nd}f}"  # type: ignore[arg-type]


def _pct(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{float(v):.0%}"  # type: ignore[arg-type]


def format_validation(v: Validation) -> str:
    """The printed summary: row by row, the strata, the before → after changes."""
    lines = [f"{'id':28s} {'rel':3s} {'observed':>8s} {'model':>7s} {'ratio':>6s}  TAG 25%  km model/published"]
    for r in v.rows.to_dict(orient="records"):
        km = "" if _isnan(r["published_km"]) else f"{_fmt(r['model_km'])}/{_fmt(r['published_km'])}"
        use = str(r.get("use") or "scored")
        lines.append(
            f"{r['id']:28s} {r['reliability']:3s} {_fmt(r['observed_min']):>8s} {_fmt(r['model_min']):>7s} {_fmt(r['ratio'], 2):>6s}  "
            f"{'yes' if r['within_tag'] else 'no ':3s} {'yes' if r['within_25'] else 'no ':3s}  {km}"
            + (f"  [{use}: not scored]" if use != "scored" else "")
            + (f"  ({r['note']})" if r["note"] else "")
        )
    lines.append("")
    lines.append("scored rows only (use = scored):")
    lines.append(f"{'group':34s} {'n':>3s} {'TAG':>9s} {'25%':>9s} {'MAPE%':>6s} {'bias%':>6s} {'slope':>6s} {'signs':>6s} {'≥¼':>5s}")
    for s in v.strata.to_dict(orient="records"):
        lines.append(
            f"{s['group']:34s} {s['n']:3d} {s['within_tag']:3d} {_pct(s['within_tag_share']):>5s} {s['within_25']:3d} "
            f"{_pct(s['within_25_share']):>5s} {_fmt(s['mape_pct']):>6s} {_fmt(s['bias_pct']):>6s} {_fmt(s['slope'], 2):>6s} "
            f"{s['changes_sign_agree']:>3d}/{s['changes']:<2d} {s['changes_quarter']:>2d}/{s['changes']:<2d}"
        )
    if len(v.changes):
        lines.append("")
        lines.append("before → after (minutes): observed change vs model change")
        for c in v.changes.to_dict(orient="records"):
            change = "—" if _isnan(c["model_change_min"]) else f"{float(c['model_change_min']):+.1f}"
            lines.append(
                f"  {c['id']:26s} {c['year_before']}→{c['year']}: observed {c['observed_before_min']:g}→{c['observed_after_min']:g} "
                f"({c['observed_change_min']:+g}); model {_fmt(c['model_before_min'])}→{_fmt(c['model_after_min'])} ({change}); "
                f"sign {'agrees' if c['sign_agrees'] else 'DISAGREES'}, {'≥' if c['change_quarter'] else 'under'} ¼ of the size"
                + ("" if str(c.get("use") or "scored") == "scored" else f" [{c['use']}: not scored]")
                + (f"  [{c['note']}]" if c["note"] else "")
            )
    return "\n".join(lines)


def _isnan(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def run_observed(args: argparse.Namespace) -> int:
    """Validate, write outputs/observed/{validation.csv, strata.csv, changes.csv, summary.json, scatter.png, report.html}, print."""
    csv_path: Path = args.csv if args.csv is not None else default_observed_csv()
    rows = load_observed(csv_path)
    states = build_states(rows)
    v = validate(rows, states)
    first = next(iter(states.values()))
    summary = validation_summary(v, csv_path=str(csv_path), parameters=state_parameters(first), settings=state_settings(first))
    thresholds = {"within_25_share": args.min_within_25, "within_tag_share": args.min_tag}
    failed = []
    for key, limit in thresholds.items():
        value = v.share(key)
        if value is None or value < limit:
            failed.append(f"{key} = {_pct(value)} < {_pct(limit)}")
    summary["thresholds"] = thresholds
    summary["thresholds_failed"] = failed
    out: Path = args.out
    prov = table_provenance(
        tier=v.tier,
        snapshot=v.snapshot,
        definition="each row's own measure (station_to_station, corridor_end_to_end, door_to_door) in the scenario of its year and period; see README 'Validation'",
    )
    write_table(v.rows, out / "validation.csv", provenance=prov)
    write_table(v.strata, out / "strata.csv", provenance=prov)
    write_table(v.changes, out / "changes.csv", provenance=prov)
    atomic_write_text(out / "summary.json", dumps_metrics(summary))
    png = validation_scatter_png(v.rows)
    atomic_write_bytes(out / "scatter.png", png)
    section = validation_section_html(
        rows=v.rows,
        strata=v.strata,
        changes=v.changes,
        tier=v.tier,
        snapshot=v.snapshot,
        scatter_png=png,
        definitions=DEFINITIONS,
        thresholds=thresholds,
    )
    atomic_write_text(out / "report.html", render_validation_page(section))
    if args.json:
        print(dumps_metrics(summary), end="")
    else:
        print(f"observed journey times: {csv_path}  [tier {v.tier}; {v.snapshot}]")
        print(format_validation(v))
        print(f"\nwrote {out / 'validation.csv'}, summary.json, scatter.png, report.html")
        print(OSM_ATTRIBUTION)
    for f in failed:
        print(f"FAIL threshold: {f}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


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
    parser.add_argument("--json", action="store_true", help="print summary.json instead of the tables")
    parser.add_argument("--out", type=Path, default=output_dir() / "observed", metavar="DIR", help="output folder (default outputs/observed)")
    parser.set_defaults(run=run_observed)
