"""Command line: run scenarios, query routes, validate files. ``run_scenario.py`` calls ``main``.

Every command is an argparse subcommand registered in ``network.cli.commands`` (this module's
``run``, ``route`` and ``validate``; the others in their own modules, imported below so that they
register). ``run_scenario.py <command> --help`` shows a command's options; with no command name,
``run`` is implied (``run_scenario.py scenarios/surveyed.yaml``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from network import OSM_ATTRIBUTION
from network._errors import PlannerError, os_error_message
from network.cli import analysis as _analysis  # noqa: F401  (registers 'compare', 'timeline', 'attribution')
from network.cli import calibrate as _calibrate  # noqa: F401  (registers the 'calibrate' subcommand)
from network.cli import claims as _claims_command  # noqa: F401  (registers the 'claims' subcommand)
from network.cli import export as _export  # noqa: F401  (registers the ``export`` subcommand)
from network.cli import matrix as _matrix  # noqa: F401  (registers the 'matrix' subcommand)
from network.cli import network as _network  # noqa: F401  (registers the 'network' subcommand)
from network.cli import observed as _observed  # noqa: F401  (registers the 'observed' subcommand)
from network.cli import serve as _serve  # noqa: F401  (registers the 'serve' subcommand)
from network.cli.commands import (
    COMMANDS,
    add_output_options,
    add_scenario_options,
    add_when_options,
    build_subcommand_parser,
    chosen_scenario,
    command,
    dispatch,
    output_folders,
    program_name,
)
from network.cli.interrupt import EXIT_INTERRUPTED, interrupted, interrupts_end_cleanly, say_interrupted
from network.formats import number
from network.geo import lonlat_message
from network.paths import CACHE_ENV, SCENARIO_DIR

if TYPE_CHECKING:
    from network.run.batch import BatchOutcome
    from network.run.scenarios import MapOptions

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + 13
"""The reader of stdout went away (``| head -1``): 128 + SIGPIPE, as Unix tools end, with no message."""


def _lonlat(text: str) -> tuple[float, float]:
    try:
        lon_s, lat_s = text.split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'lon,lat' in degrees (WGS-84), got {text!r}") from None
    problem = lonlat_message(lon, lat, repr(text))
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return lon, lat


def _lonlats(text: str) -> list[tuple[float, float]]:
    """``"lon,lat;lon,lat"`` (waypoints of ``route --via``)."""
    return [_lonlat(part.strip()) for part in text.split(";") if part.strip()]


def cmd_run(
    files: list[Path],
    *,
    output_dir: Path,
    maps: MapOptions,
    workers: int = 1,
    scheduler: str | None = None,
    check_reports: tuple[Path, Path] | None = None,
) -> int:
    """Run scenario files (serially, on local processes or on a Dask cluster) and print what each gave.

    A scenario that fails to run fails only itself; the exit code is 1 when any failed or any of
    their ``checks`` failed. ``check_reports`` = (JUnit XML path, Markdown summary path).
    """
    from tqdm import tqdm  # lazy: only the command that runs it loads it

    from network.run.scenarios import run_scenarios  # lazy: only the command that runs it loads it

    start = time.perf_counter()
    where = f"Dask scheduler {scheduler}" if scheduler else (f"{workers} local processes" if workers > 1 else "this process")
    bar = tqdm(total=len(files), desc="scenarios", unit="scenario", disable=True if len(files) < 2 else None, file=sys.stderr)  # None: no bar when stderr is not a terminal
    outcomes = run_scenarios(
        files, output_dir=output_dir, maps=maps, workers=workers, scheduler=scheduler, check_reports=check_reports, on_outcome=lambda _: bar.update()
    )
    bar.close()
    return _print_outcomes(
        outcomes, started=start, where=where, n_files=len(files), check_reports=check_reports, online_map=maps.write and not maps.offline
    )


def _print_outcomes(
    outcomes: list[BatchOutcome],
    *,
    started: float,
    where: str,
    n_files: int,
    check_reports: tuple[Path, Path] | None,
    online_map: bool = False,
) -> int:
    failures: list[str] = []
    check_failures: list[str] = []
    for o in outcomes:
        if o.result is None:
            failures.append(str(o.error))
            print(f"FAILED {o.error}", file=sys.stderr)
            continue
        result = o.result
        net = result.metrics["network"]
        heading = f"{o.scenario}: {o.title}" if o.title.strip() else o.scenario  # a scenario without a title: its name alone
        print(f"\n== {heading}  [tier {net['tier']}; {net['snapshot']}]")
        print(_centre_table(result.metrics["centre_minutes"], result.metrics.get("centre_spread")))
        print(f"half-hour-circle index (best): {result.metrics['half_hour_index']['best']:.4f}")
        for w in result.metrics.get("warnings", []):
            print(f"  warning: {w}")
        extra = [str(p) for p in (result.map_path, getattr(result, "report_path", None)) if p]
        print(f"wrote {result.metrics_path}" + "".join(f" and {p}" for p in extra))
        for c in result.checks:
            status = "ok  " if c.passed else "FAIL"
            print(f"  check {status} {c.description} (value {c.value})")
            if not c.passed:
                check_failures.append(f"{o.scenario}: {c.description} (value {c.value})")
    if online_map and any(o.result is not None for o in outcomes):
        print("maps load Leaflet and the base map tiles from the web; without internet (an intranet) add --offline for a self-contained map")
    print(f"\n{OSM_ATTRIBUTION}")
    print(f"{n_files} scenario(s) on {where} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if check_reports is not None:
        print(f"check reports: {check_reports[0]} and {check_reports[1]}", file=sys.stderr)
    if failures or check_failures:
        print(f"\n{len(failures)} scenario(s) failed to run, {len(check_failures)} check(s) failed:", file=sys.stderr)
        for f in failures + check_failures:
            print(f"  - {f}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of worker processes >= 1, got {text!r}")
    return n


def _spread_text(row: dict[str, object] | None) -> str:
    """`` (min–max)`` of a ``centre_spread`` row, '' without one."""
    if row is None:
        return ""
    return f" ({number(row.get('minutes_min'))}–{number(row.get('minutes_max'))})"


def _centre_table(rows: list[dict[str, object]], spread: list[dict[str, object]] | None = None) -> str:
    """The centre-to-centre minutes, one line per ordered pair; with ``spread`` (metrics ``centre_spread``) each
    cell also shows the range over points within each centre's placement tolerance. Each cell is two
    sub-columns, the minutes right-aligned and the range left-aligned, so the minutes line up whatever the
    range's width (a 2-digit maximum beside a 3-digit one)."""
    ranges = {(str(r["from"]), str(r["to"]), str(r["mode"])): r for r in spread or []}
    modes = ("car", "transit", "best")
    what = "; (min–max) with each centre moved within its placement_m, data/centres.csv" if ranges else ""
    pairs: dict[tuple[str, str], dict[str, object]] = {}
    for r in rows:
        pairs.setdefault((str(r["from"]), str(r["to"])), {})[str(r["mode"])] = r
    cells: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (a, b), by_mode in pairs.items():
        for m in modes:
            row: dict[str, object] = by_mode[m]  # type: ignore[assignment]
            v = row["minutes"]
            text = f"{'—' if v is None else f'{float(v):.1f}'}{'*' if row['within_30'] else ' '}"  # type: ignore[arg-type]
            cells.setdefault((a, b), []).append((text, _spread_text(ranges.get((a, b, m)))))
    all_cells = [c for row_cells in cells.values() for c in row_cells]
    value_w = max([8, *(len(v) for v, _ in all_cells)])
    range_w = max([0, *(len(r) for _, r in all_cells)])
    head = " ".join(f"{m:>{value_w - 1}s} " + " " * range_w for m in modes)
    lines = [f"{'from → to':24s} {head}  (minutes; * = within 30{what})"]
    for (a, b), row_cells in cells.items():
        lines.append((f"{a + ' → ' + b:24s} " + " ".join(v.rjust(value_w) + r.ljust(range_w) for v, r in row_cells)).rstrip())
    return "\n".join(lines)


def cmd_route(args: argparse.Namespace) -> int:
    """Run ``route``: print the fastest path (or a JSON object with ``--json``); returns the exit code."""
    from network.run.route import route_in_scenario  # lazy: only the command that runs it loads it

    args.scenario = chosen_scenario(args)
    if args.via and args.mode not in (None, "car"):
        print(f"{program_name()} route: --via drives a named road through its waypoints; it needs --mode car (got {args.mode})", file=sys.stderr)
        return EXIT_USAGE
    mode = args.mode or ("car" if args.via else "best")  # --via alone: car, the only mode it drives
    found = route_in_scenario(args.scenario, args.from_, args.to, mode, year=args.year, period=args.period, via=args.via)
    r = found.route
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    when = f"year {found.year}" if found.year is not None else "as surveyed"
    print(f"{r.mode}: {r.minutes:.1f} min, {r.km:.1f} km  [scenario {found.scenario}, {when}, {found.period}; tier {r.tier}; {r.snapshot}]")
    for leg in r.legs:
        print(f"  {leg.kind:9s} {leg.minutes:6.1f} min {leg.km:6.1f} km  {leg.label}")
    if r.lines:
        print(f"  lines: {' → '.join(r.lines)}; waits {r.waits_minutes:.1f} min; transfers {r.transfers}")
    for flag in r.flags:
        print(f"  warning: {flag}")
    print(OSM_ATTRIBUTION)
    return EXIT_OK


def cmd_validate(files: list[Path] | list[str]) -> int:
    """Check scenario files or names (and the project's catalogue and rail data they rely on) without running."""
    from network.run.validate import validate_scenarios  # lazy: only the command that runs it loads it

    try:
        checks = validate_scenarios(files)
    except PlannerError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return EXIT_FAILED
    for c in checks:
        if c.ok:
            print(f"ok   {c.file}" + "".join(f"\n     warning: {w}" for w in c.warnings))
        else:
            print(f"FAIL {c.error}", file=sys.stderr)
    return EXIT_FAILED if any(not c.ok for c in checks) else EXIT_OK


@command("run", "run scenario files (the default command): metrics, tables, isochrones, map and report per scenario")
def configure_run(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py run`` (also those of ``run_scenario.py`` with no command)."""
    from network.outputs.maps import BASEMAPS  # lazy: only the command that runs it loads it

    ap.epilog = "Examples: run_scenario.py scenarios/surveyed.yaml | run_scenario.py --all | run_scenario.py run year-2023 --no-map"
    ap.add_argument("scenarios", nargs="*", help="scenario files or names (a name is looked up as ./<name>.yaml, then in scenarios/)")
    ap.add_argument("--all", action="store_true", help="run every scenarios/*.yaml, and the scenarios named beside it too (each file once)")
    add_output_options(ap, maps=True)
    ap.add_argument("--no-map", action="store_true", help="skip the HTML map")
    ap.add_argument(
        "--check",
        action="store_true",
        help="write a JUnit XML report (one test case per check) and a Markdown summary; exit 1 when any check fails",
    )
    ap.add_argument("--junit", type=Path, default=None, help="JUnit XML path for --check (default: <output-dir>/checks.xml)")
    ap.add_argument("--summary", type=Path, default=None, help="Markdown summary path for --check (default: <output-dir>/checks.md)")
    ap.add_argument(
        "--basemap",
        choices=list(BASEMAPS),
        default=None,
        help="map tiles: osm (default), light, tianditu (key in $TIANDITU_KEY), gaode (data shifted to GCJ-02), none",
    )
    ap.add_argument("--offline", action="store_true", help="self-contained map: Leaflet inlined, no tiles, no network request")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="cache root for OSM networks and offline map assets (default: $CZT_CACHE_DIR, else the user cache folder)",
    )
    ap.add_argument("--workers", type=_workers, default=1, metavar="N", help="run scenarios in N local processes (default 1: serial)")
    ap.add_argument(
        "--scheduler", metavar="URL", help="run scenarios on a Dask cluster, e.g. tcp://host:8786 (outputs go to a shared filesystem)"
    )
    ap.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Run ``run``: every scenario file named (or ``--all``); returns the exit code."""
    from network.outputs.maps import basemap_problem  # lazy: only the command that runs it loads it
    from network.run.scenarios import MapOptions, run_files  # lazy: only the command that runs it loads it

    if args.cache_dir is not None:  # through the environment, so local worker processes use it too
        os.environ[CACHE_ENV] = str(args.cache_dir.resolve())
    files = run_files(list(args.scenarios), run_all=args.all, scenario_dir=SCENARIO_DIR)
    problem = basemap_problem(args.basemap or ("none" if args.offline else "osm"), offline=args.offline)
    if problem and not args.no_map:
        print(f"{program_name()}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not files:
        args._parser.print_usage(sys.stderr)
        print(f"{program_name()}: give scenario files or --all", file=sys.stderr)
        return EXIT_USAGE
    args.output_dir, args.map_dir = output_folders(args.output_dir, args.map_dir)
    reports = (args.junit or args.output_dir / "checks.xml", args.summary or args.output_dir / "checks.md") if args.check else None
    return cmd_run(
        files,
        output_dir=args.output_dir,
        maps=MapOptions(write=not args.no_map, basemap=args.basemap, offline=args.offline, map_dir=args.map_dir),
        workers=args.workers,
        scheduler=args.scheduler,
        check_reports=reports,
    )


@command("route", "fastest path between two points (car, transit, the best of both, or rail station to station)")
def configure_route(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py route``."""
    ap.epilog = "Example: run_scenario.py route --scenario surveyed --from 112.97,28.20 --to 113.13,27.83 --mode transit"
    add_scenario_options(ap)
    ap.add_argument("--from", dest="from_", type=_lonlat, required=True, help="lon,lat (WGS-84)")
    ap.add_argument("--to", type=_lonlat, required=True, help="lon,lat (WGS-84)")
    ap.add_argument(
        "--mode",
        choices=["car", "transit", "best", "rail"],
        default=None,
        help="car, transit, best (the faster of both; the default) or rail (station to station inside the rail system between "
        "the stations of the places nearest the points, changes of train included); car when --via is given",
    )
    ap.add_argument(
        "--via",
        type=_lonlats,
        default=None,
        metavar="LON,LAT;LON,LAT",
        help="car only (--mode car is taken when --mode is not given): drive through the road nodes nearest these waypoints in order (a named road end to end, as the "
        "corridor_end_to_end measure does with the waypoints of data/corridors.csv), not the fastest path",
    )
    add_when_options(ap)
    ap.add_argument("--json", action="store_true", help="print a JSON object with a 'minutes' field")
    ap.set_defaults(run=cmd_route)


@command("validate", "check scenario files or names (and the catalogue and rail data they rely on) without running them")
def configure_validate(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py validate``."""
    ap.add_argument("files", nargs="*", metavar="scenario", help="scenario files or names (default: every scenarios/*.yaml)")
    ap.set_defaults(run=lambda args: cmd_validate(args.files or sorted(SCENARIO_DIR.glob("*.yaml"))))


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    ``argv[0]`` names a registered command; anything else runs scenario files (``run`` implied), so
    ``run_scenario.py scenarios/surveyed.yaml --no-map`` and ``run_scenario.py run ...`` are the same.
    Exit codes: 0 done, 1 a failed scenario, check or file (one line names it), 2 usage, 130 Ctrl-C,
    141 stdout closed by its reader (``| head``; no message).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    with interrupts_end_cleanly():
        try:
            code = _dispatch(argv)
            sys.stdout.flush()  # a closed pipe is found here, not at shutdown
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        except PlannerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = EXIT_FAILED
        except BrokenPipeError:
            _stdout_to_devnull()
            return EXIT_BROKEN_PIPE
        except OSError as exc:
            print(f"error: {os_error_message(exc)}", file=sys.stderr)
            code = EXIT_FAILED
    if code == EXIT_INTERRUPTED or interrupted():
        say_interrupted()  # also when a library caught the interrupt and carried on: never a silent exit 0
        return EXIT_INTERRUPTED
    return code


def _stdout_to_devnull() -> None:
    """Point stdout at the null device once its reader is gone, so the interpreter's last flush at shutdown
    does not print "Exception ignored ... BrokenPipeError" (the Python docs' advice on SIGPIPE)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # not a real file (a test's capture): nothing to flush at exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        build_subcommand_parser(configure=()).print_help()
        return EXIT_OK
    if argv and argv[0] == "network":
        # ``network`` has always returned its usage errors as exit code 2 instead of raising SystemExit
        try:
            return dispatch(argv)
        except SystemExit as exc:
            return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    if argv and argv[0] in COMMANDS:
        return dispatch(argv)
    return dispatch(["run", *argv])
