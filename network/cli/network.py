"""``run_scenario.py network …``: build the full OpenStreetMap road network (tiers 2 and 3), list the cache.

Examples::

    run_scenario.py network build --source overpass
    run_scenario.py network build --source pbf --path hunan-latest.osm.pbf
    run_scenario.py network report
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from network import OSM_ATTRIBUTION
from network.cli.commands import add_common_options, command

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@command("network", "full OpenStreetMap road networks (tiers 2 and 3): build, list the cache, match stations")
def configure_network(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py network build|stations|report``."""
    from network.sources.osm import CONSOLIDATE_TOLERANCE_M, ROAD_FILTERS  # lazy: only the command that runs it loads it

    sub = ap.add_subparsers(dest="network_command", metavar="<build|stations|report>", required=True)
    b = sub.add_parser("build", help="download (Overpass) or read (local .osm.pbf) the study area's road network and cache it")
    b.add_argument("--source", choices=["overpass", "pbf"], required=True)
    b.add_argument("--path", type=Path, help="local .osm.pbf, .osm or Overpass .geojson file (--source pbf)")
    b.add_argument("--overpass-url", help="Overpass API endpoint (default: osmnx's, https://overpass-api.de/api)")
    b.add_argument(
        "--filter", dest="road_filter", choices=sorted(ROAD_FILTERS), default="drive", help="road classes to keep (default: drive)"
    )
    b.add_argument(
        "--pipeline",
        choices=["arrays", "osmnx"],
        default=None,
        help="cleaning: arrays (linear, any size; default for --source pbf) or osmnx (default for --source overpass)",
    )
    b.add_argument("--tolerance-m", type=float, default=CONSOLIDATE_TOLERANCE_M, help="intersection consolidation tolerance in metres")
    b.add_argument("--bbox", help="west,south,east,north (WGS-84) instead of the study area from data/zones.geojson")
    b.add_argument("--cache-dir", type=Path, help="cache root (default: $CZT_CACHE_DIR, else the user cache folder, e.g. ~/.cache/czt-planner)")
    b.add_argument("--max-age-days", type=int, default=30, help="reuse an Overpass download younger than this (default 30)")
    b.add_argument("--refresh", action="store_true", help="rebuild even if a valid cache entry exists")
    b.add_argument("--json", action="store_true", help="print the network report as JSON")
    st = sub.add_parser("stations", help="match OSM railway station points (GeoJSON export) to the curated rail stations")
    st.add_argument("--path", type=Path, required=True, help="GeoJSON of OSM railway=station points (properties name, station)")
    st.add_argument("--csv", type=Path, help="write the match table here")
    r = sub.add_parser("report", help="print the report of every cached OSM network, newest first")
    r.add_argument("--cache-dir", type=Path)
    r.add_argument("--json", action="store_true")
    for nested, run in ((b, run_build), (st, run_stations), (r, run_report)):
        add_common_options(nested, nested=True)
        nested.set_defaults(run=run)  # a PlannerError is reported by network.cli.main.main (exit 1)


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--bbox: expected 'west,south,east,north' in degrees, got {text!r}") from None
    if not (w < e and s < n):
        raise argparse.ArgumentTypeError(f"--bbox: expected west < east and south < north, got {text!r}")
    return w, s, e, n


def _print_report(report: dict[str, Any]) -> None:
    print(f"tier {report.get('tier')}; {report.get('snapshot')}")
    print(f"  nodes {report.get('nodes')}, edges {report.get('edges')} ({report.get('oneway_edges')} one-way), {report.get('km')} km")
    for cls, km in (report.get("km_by_class") or {}).items():
        print(f"  {cls:16s} {km:10.1f} km")
    share = float(report.get("share_edges_speed_tagged", 0.0))
    print(f"  edges with a tagged maxspeed: {share:.1%}; signals passed (summed over edges): {report.get('signals_passed')}")


def _print_coverage(coverage: Any) -> None:
    from network.model.region import CITY_ZH  # lazy: only the command that runs it loads it

    cores = ", ".join(f"{CITY_ZH.get(c, c)} {share:.0%}" for c, share in coverage.core_share.items())
    print(
        f"  covers {coverage.study_area_share:.0%} of the study area's {coverage.cells:,} 1-km cells "
        f"({coverage.population_share:.0%} of its population); urban cores: {cores}"
    )


def run_report(args: argparse.Namespace) -> int:
    """Run ``network report``: every cached OSM network, newest first."""
    from network.run.network import network_reports  # lazy: only the command that runs it loads it

    reports = network_reports(args.cache_dir)
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not reports:
        print("no cached OSM network; build one with: run_scenario.py network build --source overpass")
    for rep in reports:
        print(rep["entry"])
        _print_report(rep)
    return EXIT_OK


def run_stations(args: argparse.Namespace) -> int:
    """Run ``network stations``: match OSM station points to the curated rail stations."""
    from network.run.network import match_stations  # lazy: only the command that runs it loads it

    if not args.path.exists():
        print(f"error: {args.path}: file does not exist", file=sys.stderr)
        return EXIT_FAILED
    m = match_stations(args.path)
    print(m.groupby(["kind", "method"]).size().rename("stations").to_string())
    print("unmatched:", ", ".join(m.loc[m["method"] == "none", "name_zh"]) or "none")
    if args.csv:
        m.to_csv(args.csv, index=False)
        print(f"wrote {args.csv}")
    return EXIT_OK


def run_build(args: argparse.Namespace) -> int:
    """Run ``network build``: download or read the study area's roads, simplify, cache, report."""
    from network.run.network import NetworkBuildOptions, build_network  # lazy: only the command that runs it loads it

    if args.source == "pbf" and args.path is None:
        print("run_scenario.py network build: --source pbf needs --path FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        bbox = _bbox(args.bbox) if args.bbox else None
    except argparse.ArgumentTypeError as exc:
        print(f"run_scenario.py network build: {exc}", file=sys.stderr)
        return EXIT_USAGE
    options = NetworkBuildOptions(
        overpass_url=args.overpass_url,
        road_filter=args.road_filter,
        tolerance_m=args.tolerance_m,
        pipeline=args.pipeline,
        max_age_days=args.max_age_days,
        refresh=args.refresh,
        cache_dir=args.cache_dir,
    )
    res = build_network(args.source, path=args.path, bbox=bbox, options=options)
    report = res.report
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_report(report)
        _print_coverage(res.coverage)
        print(f"cached in {res.cache_entry} ({report['seconds']} s); scenarios with 'tier: osm' now use it")
        print(OSM_ATTRIBUTION)
    for w in res.coverage.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK
