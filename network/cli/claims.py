"""``run_scenario.py claims``: parses the options of :func:`network.run.claims.claims` and prints each verdict."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from network import OSM_ATTRIBUTION
from network.cli.commands import command, output_dir_help
from network.paths import DATA_DIR, OBSERVED_DIR, SCENARIO_DIR, output_dir

if TYPE_CHECKING:
    from network.analysis.claims import Claim


@command("claims", "Audit official half-hour-circle claims (data/claims.csv) against each claim's year")
def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py claims``."""
    parser.add_argument("--claims", type=Path, default=DATA_DIR / "claims.csv", help="claims file (default: data/claims.csv)")
    parser.add_argument("--scenario-dir", type=Path, default=SCENARIO_DIR, help="where year-<Y>.yaml scenarios live")
    parser.add_argument(
        "--observed", type=Path, default=OBSERVED_DIR, help="observed journey times (a CSV or a folder; default data/observed/) for the independence check"
    )
    parser.add_argument("--output-dir", type=Path, default=output_dir(), help=output_dir_help())
    parser.add_argument("--only", nargs="*", default=None, metavar="ID", help="audit only these claim ids")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``claims``; returns the exit code."""
    from network.analysis import definitions as D  # lazy: only the command that runs it loads it
    from network.analysis.claims import load_claims, verdict_label  # lazy: only the command that runs it loads it
    from network.run.claims import claims  # lazy: only the command that runs it loads it

    if args.only:
        ids = [c.id for c in load_claims(args.claims)]
        unknown = sorted(set(args.only) - set(ids))
        if unknown:
            print(f"error: unknown claim id(s) {unknown}; the file has {ids}")
            return 2
    res = claims(
        args.claims,
        only=args.only,
        scenario_dir=args.scenario_dir,
        observed=args.observed,
        output_dir=args.output_dir,
        progress=None if getattr(args, "quiet", False) else _print_progress(),
    )
    print(f"== claims audit  [tier {res.tier}; {res.snapshot}]  ({D.POTENTIAL_BASIS})")
    for r in res.table.to_dict(orient="records"):
        print(f"\n{r['id']} ({r['date']}, {r['who']}): {r['wording_zh']}")
        print(
            f"  read as {r['definition']}/{r['measure']} ≤ {float(r['threshold_minutes']):g} min, {r['mode']}, {r['period']}, {r['scenario']}"
        )
        print(f"  verdict: {verdict_label({str(k): v for k, v in r.items()})}")
        print(f"  figures: {r['figures']}")
        print(f"  to change: {r['to_change']}")
        if r["calibration_note"]:
            print(f"  calibration: {r['calibration_note']}")
    print(f"\nwrote {res.csv_path} and {res.report_path}\n{OSM_ATTRIBUTION}")
    return 0


def _print_progress() -> Callable[[int, int, Claim], None]:
    """A line on stderr per claim as the audit reaches it, with the seconds since the audit began."""
    start = time.monotonic()

    def show(i: int, n: int, c: Claim) -> None:
        elapsed_s = time.monotonic() - start
        print(f"[{i}/{n}] {c.id}: {c.definition}, year {c.year}, {c.period}  ({elapsed_s:.0f} s)", file=sys.stderr, flush=True)

    return show
