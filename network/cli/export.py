"""The ``export`` subcommand: take a scenario's results to other tools (GIS layers, OMX skims)."""

from __future__ import annotations

import argparse
from pathlib import Path

from network import OSM_ATTRIBUTION
from network.cli.commands import command
from network.paths import output_dir


def _grid_km(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = 0.0
    if not 1.0 <= v <= 50.0:
        raise argparse.ArgumentTypeError(f"expected block size in km between 1 and 50, got {text!r}")
    return v


@command("export", "write a scenario's services (GTFS), layers (GeoPackage, GeoParquet) and skims (OMX) to outputs/<scenario>/")
def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py export``."""
    parser.add_argument("scenario", nargs="?", default="surveyed", help="scenario name or file (default: surveyed)")
    parser.add_argument("--gtfs", action="store_true", help="the scenario's services as a frequency-based GTFS feed: gtfs.zip")
    parser.add_argument("--gpkg", action="store_true", help="one GeoPackage with every layer: <scenario>.gpkg")
    parser.add_argument("--parquet", action="store_true", help="the same layers as GeoParquet files in layers/")
    parser.add_argument("--skims", action="store_true", help="OMX travel-time matrices by mode and period: skims.omx")
    parser.add_argument(
        "--points",
        default="zones",
        help="skim between: zones (default), grid (population-weighted blocks of --grid-km), or a CSV of id,lon,lat",
    )
    parser.add_argument("--grid-km", type=_grid_km, default=5.0, help="block size for --points grid (default 5 km)")
    parser.add_argument("--period", action="append", choices=["am_peak", "off_peak"], help="skim this period (repeatable; default: both)")
    parser.add_argument("--output-dir", type=Path, default=output_dir(), help="default: outputs/")
    parser.epilog = "Example: run_scenario.py export year-2023 --gpkg --skims"
    parser.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Run ``export``; returns the exit code (2 when nothing is asked for)."""
    from network.run.export import Exports, PointsChoice, export  # lazy: only the command that runs it loads it

    points: PointsChoice = args.points if args.points in ("zones", "grid") else Path(args.points)
    exports = Exports(
        gtfs=args.gtfs, gpkg=args.gpkg, parquet=args.parquet, skims=args.skims, points=points, grid_km=args.grid_km, periods=args.period
    )
    if not exports.any:
        print("run_scenario.py export: nothing to write; give --gtfs, --gpkg, --parquet and/or --skims")
        return 2
    result = export(args.scenario, exports, output_dir=args.output_dir)
    print(f"== {result.scenario}: export")
    for name, n in result.layer_rows.items():
        print(f"  layer {name:14s} {n:7,d} rows")
    if result.skims:
        print(f"  skims: {', '.join(result.skims)}")
    for p in result.files:
        print(f"wrote {p}")
    for note in result.notes:
        print(f"note: {note}")
    print(OSM_ATTRIBUTION)
    return 0
