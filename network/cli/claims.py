"""``run_scenario.py claims``: the claims audit (each official statement checked against its year's network)."""

from __future__ import annotations

import argparse
from pathlib import Path

from network import OSM_ATTRIBUTION
from network.analysis import definitions as D
from network.analysis.claims import DEFAULT_OBSERVED, MAJORITY, SOME, audit, load_claims, verdict_label
from network.cli.commands import command
from network.model.region import load_region
from network.outputs.claims_report import write_claims_report
from network.outputs.files import write_table
from network.paths import DATA_DIR, SCENARIO_DIR, output_dir

NOTES = (
    D.POTENTIAL_BASIS + ": every figure is a travel time the model computes, not a count of people who commute.",
    "交通圈 = in-vehicle time between central urban areas, off-peak, fastest mode; 通勤圈 = door to door, AM peak, "
    "population-weighted; 生活圈 = off-peak door to door to city-level services (another city's central urban area stands for them).",
    "Central urban areas: GHSL urban centres (contiguous 1 km cells ≥ 1,500/km², ≥ 50,000 people) containing each city's centre, "
    "found on the project's proxy population grid (no 国土空间总体规划 boundary could be sourced as geometry).",
    "中心区 (长株潭区域一体化发展规划纲要 2020): 三市中心城区 + 长沙县全域 + 湘潭县易俗河镇 (data/core_area.csv; 易俗河 as a 5.6 km disc).",
    f"Verdicts: a list of items (corridors, station pairs, area pairs) is supported when all are within the threshold, partly when "
    f"some are; a share is supported from {MAJORITY:.0%}, partly from {SOME:.0%}.",
    "A claim tied to reliability-A rows of the observed journey-time set (the calibration's fit set) is marked not independent: "
    "the model reproduces those figures by construction. B rows are official figures: reported, never fitted.",
)


@command("claims", "Audit official half-hour-circle claims (data/claims.csv) against each claim's year")
def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py claims``."""
    parser.add_argument("--claims", type=Path, default=DATA_DIR / "claims.csv", help="claims file (default: data/claims.csv)")
    parser.add_argument("--scenario-dir", type=Path, default=SCENARIO_DIR, help="where year-<Y>.yaml scenarios live")
    parser.add_argument(
        "--observed", type=Path, default=DEFAULT_OBSERVED, help="observed journey times (a CSV or a folder; default data/observed/) for the independence check"
    )
    parser.add_argument("--output-dir", type=Path, default=output_dir())
    parser.add_argument("--only", nargs="*", default=None, metavar="ID", help="audit only these claim ids")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``claims``; returns the exit code."""
    claims = load_claims(args.claims)
    if args.only:
        unknown = sorted(set(args.only) - {c.id for c in claims})
        if unknown:
            print(f"error: unknown claim id(s) {unknown}; the file has {[c.id for c in claims]}")
            return 2
        claims = [c for c in claims if c.id in set(args.only)]
    region = load_region()
    table, measured = audit(claims, region, scenario_dir=args.scenario_dir, observed_path=args.observed)
    out = args.output_dir / "claims"
    write_table(table, out / "claims_audit.csv", provenance={"attribution": OSM_ATTRIBUTION})
    write_table(measured, out / "claims_measures.csv", provenance={"attribution": OSM_ATTRIBUTION})
    tier = ", ".join(sorted(set(table["tier"]))) if len(table) else ""
    snap = ", ".join(sorted(set(table["snapshot"]))) if len(table) else ""
    report = write_claims_report(
        out / "report.html",
        table,
        title="长株潭半小时圈: claims audit",
        notes=NOTES,
        definitions=measured[measured["headline"].astype(bool)][
            ["definition", "measure", "scenario", "period", "mode", "origin", "destination", "threshold_minutes", "value", "unit"]
        ],
    )
    print(f"== claims audit  [tier {tier}; {snap}]  ({D.POTENTIAL_BASIS})")
    for r in table.to_dict(orient="records"):
        print(f"\n{r['id']} ({r['date']}, {r['who']}): {r['wording_zh']}")
        print(
            f"  read as {r['definition']}/{r['measure']} ≤ {float(r['threshold_minutes']):g} min, {r['mode']}, {r['period']}, {r['scenario']}"
        )
        print(f"  verdict: {verdict_label({str(k): v for k, v in r.items()})}")
        print(f"  figures: {r['figures']}")
        print(f"  to change: {r['to_change']}")
        if r["calibration_note"]:
            print(f"  calibration: {r['calibration_note']}")
    print(f"\nwrote {out / 'claims_audit.csv'} and {report}\n{OSM_ATTRIBUTION}")
    return 0
