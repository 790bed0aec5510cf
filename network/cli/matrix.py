"""The ``matrix`` subcommand: parses the options of :func:`network.run.matrix.matrix` and prints what it wrote."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from network import OSM_ATTRIBUTION
from network.cli.commands import add_scenario_options, add_when_options, chosen_scenario, command, usage_error
from network.paths import output_dir

if TYPE_CHECKING:
    from network.run.matrix import FarPolicy


@command("matrix", "travel times between every pair of points (the zones, or your own CSV of id,lon,lat) for one scenario")
def configure_matrix(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py matrix``."""
    from network.analysis.od_matrix import MAX_POINTS  # lazy: only the command that runs it loads it
    from network.outputs.od_table import MATRIX_FORMATS  # lazy: only the command that runs it loads it

    ap.epilog = "Example: run_scenario.py matrix --scenario year-2023 --points taz.csv --mode best"
    add_scenario_options(ap)
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
        "--far-points",
        choices=["refuse", "keep", "drop"],
        default="refuse",
        help="points farther than 25 km from the network: refuse (default: one error naming every such point), "
        "keep (their times include the long access leg; listed under far_points in the .json) or drop (left out; "
        "listed under dropped_points in the .json)",
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


class _Bars:
    """tqdm bars on stderr, one per stage ('car hierarchy', 'car rows', ...), fed by ``od_minutes``'s progress;
    none when stderr is not a terminal (a log file, a pipe: tqdm's ``disable=None``)."""

    def __init__(self, announce: str = "") -> None:
        self.bars: dict[str, Any] = {}
        self.announce = announce
        """Printed before the first bar: the engines only start once the scenario and the points are accepted."""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.announce:
            print(self.announce, file=sys.stderr)
            self.announce = ""
        unit = "node" if stage.endswith("hierarchy") else "origin"
        desc = f"{stage.split()[0]}: {'contraction hierarchy' if unit == 'node' else 'matrix rows'}"
        bar = self.bars.get(stage)
        if bar is None:
            from tqdm import tqdm  # lazy: only the command that runs it loads it

            bar = self.bars[stage] = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, mininterval=0.2, leave=True, disable=None)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


FAR_POLICY: dict[str, FarPolicy] = {"refuse": "refused", "keep": "kept", "drop": "dropped"}
"""--far-points value -> the matrix workflow's policy."""


def run_matrix(args: argparse.Namespace) -> int:
    """Run ``matrix``: the matrix in the chosen format and its JSON sidecar; returns the exit code."""
    from network.run.matrix import MatrixFile, MatrixPoints, default_name, matrix  # lazy: only the command that runs it loads it
    from network.scenario.schema import find_scenario_file, load_scenario  # lazy: only the command that runs it loads it

    args.scenario = chosen_scenario(args)
    if args.out is not None and (args.out.is_dir() or args.out.suffix.lower() == ".json"):
        usage_error(
            args,
            f"--out {args.out}: expected a {'Parquet' if args.fmt == 'parquet' else 'CSV'} file path (its .json sidecar is written beside it)",
        )
    if args.out is not None and (args.out.suffix.lower() == ".parquet") != (args.fmt == "parquet"):
        usage_error(
            args, f"--out {args.out}: a {'.parquet' if args.fmt == 'parquet' else '.csv'} path is expected with --format {args.fmt}"
        )
    chosen = args.mode or ["all"]
    modes = ["car", "transit", "best"] if "all" in chosen else list(dict.fromkeys(chosen))
    out = args.out or output_dir() / load_scenario(find_scenario_file(args.scenario)).name / default_name(
        args.fmt, args.points, year=args.year, period=args.period
    )
    bars = _Bars(announce=f"writing {out} ({args.fmt})...")
    try:
        res = matrix(
            args.scenario,
            points=MatrixPoints(args.points, FAR_POLICY[args.far_points]),
            modes=modes,
            method=args.engine,
            year=args.year,
            period=args.period,
            output=MatrixFile(fmt=args.fmt, bom=not args.no_bom, path=out),
            progress=bars,
        )
    finally:
        bars.close()
    for key, did in (
        ("far_points", "kept {n} point(s) beyond reach of the network (long access legs)"),
        ("dropped_points", "left out {n} point(s) beyond reach of the network"),
    ):
        if res.meta[key]:
            named = ", ".join(f"{p['id']!r} ({p['km_from_network']:.1f} km)" for p in res.meta[key])
            print(f"warning: {did.format(n=len(res.meta[key]))}: {named}", file=sys.stderr)
    when = f"year {res.year}" if res.year is not None else "as surveyed"
    print(
        f"== {res.scenario} ({when}, {res.period}): {res.points} × {res.points} points, modes {', '.join(res.modes)}"
        f"  [tier {res.tier}; {res.snapshot}]"
    )
    info = res.meta["engines"]
    for mode in ("car", "transit"):
        print(f"  {mode:8s} {info[mode]['engine']} on {info[mode]['graph_nodes']:,} nodes: {info[mode]['seconds']:.2f} s")
    print(f"wrote {res.path} and {res.sidecar_path}")
    print(OSM_ATTRIBUTION)
    return 0
