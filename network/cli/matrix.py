"""The ``matrix`` subcommand: an origin-destination travel-time matrix for one scenario."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from network import OSM_ATTRIBUTION
from network.analysis.od_matrix import MAX_POINTS, load_points, od_minutes, write_long_table, zone_centroids
from network.model.region import load_region
from network.outputs.files import atomic_write_text, dumps_metrics
from network.paths import OUTPUT_DIR
from network.scenario.resolve import resolve_state
from network.scenario.schema import find_scenario_file, load_scenario


def build_matrix_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="run_scenario.py matrix",
        description="Travel times between every pair of points (the zones, or your own CSV of id,lon,lat) for one scenario.",
        epilog="Example: run_scenario.py matrix --scenario year-2023 --points taz.csv --mode best",
    )
    ap.add_argument("--scenario", default="surveyed", help="scenario name or file (default: surveyed)")
    ap.add_argument(
        "--points", type=Path, default=None, help=f"CSV with columns id, lon, lat (WGS-84; at most {MAX_POINTS:,} rows); default: the zones"
    )
    ap.add_argument("--mode", choices=["car", "transit", "best", "all"], default="all", help="which matrices to write (default: all three)")
    ap.add_argument(
        "--engine",
        choices=["auto", "ch", "dijkstra"],
        default="auto",
        help="ch: contraction hierarchy (fast for many points on large graphs); dijkstra; auto picks (default)",
    )
    ap.add_argument(
        "--out", type=Path, default=None, help="CSV path (default: outputs/<scenario>/od_matrix.csv); a .json sidecar goes beside it"
    )
    return ap


def main_matrix(argv: list[str]) -> int:
    ap = build_matrix_parser()
    args = ap.parse_args(argv)
    if args.out is not None and (args.out.is_dir() or args.out.suffix.lower() == ".json"):
        ap.error(f"--out {args.out}: expected a CSV file path (its .json sidecar is written beside it)")
    path = find_scenario_file(args.scenario)
    scenario = load_scenario(path)
    points = load_points(args.points) if args.points is not None else zone_centroids(load_region())
    state = resolve_state(scenario, file=str(path))
    t0 = time.perf_counter()
    minutes, info = od_minutes(state, points, method=args.engine)
    seconds = time.perf_counter() - t0
    modes = ["car", "transit", "best"] if args.mode == "all" else [args.mode]
    out = args.out or OUTPUT_DIR / scenario.name / "od_matrix.csv"
    write_long_table(out, points, minutes, modes)
    meta = {
        "scenario": scenario.name,
        "network": {"tier": state.roads.tier, "snapshot": state.roads.snapshot},
        "attribution": OSM_ATTRIBUTION,
        "points": {"source": points.source, "count": len(points)},
        "modes": modes,
        "columns": {
            "from_id": "origin point id",
            "to_id": "destination point id",
            "mode": "car, transit or best",
            "minutes": "door to door; empty = unreachable",
        },
        "engines": info,
        "seconds": round(seconds, 3),
    }
    atomic_write_text(out.with_suffix(".json"), dumps_metrics(meta))
    print(
        f"== {scenario.name}: {len(points)} × {len(points)} points, modes {', '.join(modes)}  [tier {state.roads.tier}; {state.roads.snapshot}]"
    )
    for mode in ("car", "transit"):
        print(f"  {mode:8s} {info[mode]['engine']} on {info[mode]['graph_nodes']:,} nodes: {info[mode]['seconds']:.2f} s")
    print(f"wrote {out} and {out.with_suffix('.json')}")
    print(OSM_ATTRIBUTION)
    return 0
