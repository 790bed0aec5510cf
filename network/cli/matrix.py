"""The ``matrix`` subcommand: an origin-destination travel-time matrix for one scenario."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from network import OSM_ATTRIBUTION
from network.analysis.od_matrix import MAX_POINTS, load_points, od_minutes, zone_centroids
from network.cli.commands import add_when_options, command, scenario_when, usage_error
from network.model.region import load_region
from network.outputs.files import atomic_write_text, dumps_metrics
from network.outputs.od_table import MATRIX_FORMATS, write_matrix
from network.paths import output_dir
from network.scenario.resolve import resolve_state
from network.scenario.schema import find_scenario_file, load_scenario


@command("matrix", "travel times between every pair of points (the zones, or your own CSV of id,lon,lat) for one scenario")
def configure_matrix(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py matrix``."""
    ap.epilog = "Example: run_scenario.py matrix --scenario year-2023 --points taz.csv --mode best"
    ap.add_argument("--scenario", default="surveyed", help="scenario name or file (default: surveyed)")
    add_when_options(ap)
    ap.add_argument(
        "--points", type=Path, default=None, help=f"CSV with columns id, lon, lat (WGS-84; at most {MAX_POINTS:,} rows); default: the zones"
    )
    ap.add_argument(
        "--mode",
        choices=["car", "transit", "best", "all"],
        action="append",
        default=None,
        help="which matrices to write; repeat for several (--mode car --mode transit); default: all three",
    )
    ap.add_argument(
        "--engine",
        choices=["auto", "ch", "dijkstra"],
        default="auto",
        help="ch: contraction hierarchy (fast for many points on large graphs); dijkstra; auto picks (default)",
    )
    ap.add_argument(
        "--format",
        dest="fmt",
        choices=list(MATRIX_FORMATS),
        default="long",
        help="long: CSV from_id,to_id,mode,minutes (default); wide: CSV with one row per origin and mode, one column per "
        "destination; parquet: the long table as Apache Parquet (compressed; pandas, R arrow, QGIS, DuckDB read it)",
    )
    ap.add_argument(
        "--no-bom",
        action="store_true",
        help="write CSVs without the UTF-8 byte-order mark (by default they start with one, so Excel, also on Chinese "
        "Windows, reads Chinese ids as UTF-8 instead of GBK)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output path (default: outputs/<scenario>/od_matrix.csv, od_matrix_wide.csv or od_matrix.parquet for the zones; "
        "with --points the points file's name is added, e.g. od_matrix_taz.csv, so matrices of other points do not overwrite it); "
        "a .json sidecar goes beside it",
    )
    ap.set_defaults(run=run_matrix)


DEFAULT_NAMES = {"long": "od_matrix.csv", "wide": "od_matrix_wide.csv", "parquet": "od_matrix.parquet"}


def default_name(fmt: str, points: Path | None, *, year: int | None = None, period: str | None = None) -> str:
    """The output file name: ``od_matrix.csv`` (etc.) for the zones, with the points file's stem for your
    own points and ``--year`` / ``--period`` when given (``od_matrix_taz_2017_off_peak.csv``), so a matrix of
    other points or of another year never overwrites another."""
    name = DEFAULT_NAMES[fmt]
    stem, dot, ext = name.partition(".")
    parts = [stem] + ([points.stem] if points is not None else []) + ([str(year)] if year is not None else []) + ([period] if period else [])
    return f"{'_'.join(parts)}{dot}{ext}"


COLUMNS = {
    "long": {
        "from_id": "origin point id",
        "to_id": "destination point id",
        "mode": "car, transit or best",
        "minutes": "door to door; empty = unreachable",
    },
    "wide": {
        "from_id": "origin point id",
        "mode": "car, transit or best",
        "<to_id>": "one column per destination point id: minutes door to door; empty = unreachable",
    },
    "parquet": {
        "from_id": "origin point id (string)",
        "to_id": "destination point id (string)",
        "mode": "car, transit or best (dictionary-encoded string)",
        "minutes": "door to door (float64); null = unreachable",
    },
}


class _Bars:
    """tqdm bars on stderr, one per stage ('car hierarchy', 'car rows', ...), fed by ``od_minutes``'s progress."""

    def __init__(self) -> None:
        self.bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        unit = "node" if stage.endswith("hierarchy") else "origin"
        desc = f"{stage.split()[0]}: {'contraction hierarchy' if unit == 'node' else 'matrix rows'}"
        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, mininterval=0.2, leave=True)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def run_matrix(args: argparse.Namespace) -> int:
    """Run ``matrix``: the matrix in the chosen format and its JSON sidecar; returns the exit code."""
    if args.out is not None and (args.out.is_dir() or args.out.suffix.lower() == ".json"):
        usage_error(
            args,
            f"--out {args.out}: expected a {'Parquet' if args.fmt == 'parquet' else 'CSV'} file path (its .json sidecar is written beside it)",
        )
    if args.out is not None and (args.out.suffix.lower() == ".parquet") != (args.fmt == "parquet"):
        usage_error(
            args, f"--out {args.out}: a {'.parquet' if args.fmt == 'parquet' else '.csv'} path is expected with --format {args.fmt}"
        )
    path = find_scenario_file(args.scenario)
    scenario = scenario_when(load_scenario(path), args)
    points = load_points(args.points) if args.points is not None else zone_centroids(load_region())
    state = resolve_state(scenario, file=str(path))
    t0 = time.perf_counter()
    bars = _Bars()
    try:
        minutes, info = od_minutes(state, points, method=args.engine, progress=bars)
    finally:
        bars.close()
    seconds = time.perf_counter() - t0
    chosen = args.mode or ["all"]
    modes = ["car", "transit", "best"] if "all" in chosen else list(dict.fromkeys(chosen))
    out = args.out or output_dir() / scenario.name / default_name(args.fmt, args.points, year=args.year, period=args.period)
    provenance = {"tier": state.roads.tier, "snapshot": state.roads.snapshot, "attribution": OSM_ATTRIBUTION, "scenario": scenario.name}
    print(f"writing {out} ({args.fmt})...", file=sys.stderr)
    write_matrix(out, points, minutes, modes, fmt=args.fmt, bom=not args.no_bom, metadata=provenance)
    meta = {
        "scenario": scenario.name,
        "year": state.year,
        "period": state.params.period,
        "definition": f"door to door between the points, by mode, {state.params.period.replace('_', '-')}; "
        "car: fastest path; transit: path of least generalized cost, reported in clock minutes",
        "network": {"tier": state.roads.tier, "snapshot": state.roads.snapshot},
        "attribution": OSM_ATTRIBUTION,
        "points": {"source": points.source, "count": len(points)},
        "modes": modes,
        "format": args.fmt,
        "encoding": None if args.fmt == "parquet" else ("UTF-8" if args.no_bom else "UTF-8 with byte-order mark (opens in Excel)"),
        "columns": COLUMNS[args.fmt],
        "engines": info,
        "seconds": round(seconds, 3),
    }
    atomic_write_text(out.with_suffix(".json"), dumps_metrics(meta))
    when = f"year {state.year}" if state.year is not None else "as surveyed"
    print(
        f"== {scenario.name} ({when}, {state.params.period}): {len(points)} × {len(points)} points, modes {', '.join(modes)}"
        f"  [tier {state.roads.tier}; {state.roads.snapshot}]"
    )
    for mode in ("car", "transit"):
        print(f"  {mode:8s} {info[mode]['engine']} on {info[mode]['graph_nodes']:,} nodes: {info[mode]['seconds']:.2f} s")
    print(f"wrote {out} and {out.with_suffix('.json')}")
    print(OSM_ATTRIBUTION)
    return 0
