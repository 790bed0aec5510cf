"""Registry of argparse subcommands (``run_scenario.py <command> ...``).

A command module registers itself with :func:`command` and is imported by ``network/cli/main.py``;
:func:`network.cli.main.main` dispatches every command through :func:`dispatch` (with no command
name, ``run`` is implied). Each command gets its own ``--help`` and the shared ``-v/--verbose`` and
``--quiet`` options.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from network.paths import OUTPUT_ENV, map_dir, output_dir


@dataclass(frozen=True)
class Command:
    """One subcommand: how to configure its parser and how to run it (returns the exit code)."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str) -> Callable[[Callable[[argparse.ArgumentParser], None]], Callable[[argparse.ArgumentParser], None]]:
    """Register ``configure(parser)`` as subcommand ``name``; the module sets ``parser.set_defaults(run=...)``."""

    def register(configure: Callable[[argparse.ArgumentParser], None]) -> Callable[[argparse.ArgumentParser], None]:
        def run(args: argparse.Namespace) -> int:
            result: int = args.run(args)
            return result

        COMMANDS[name] = Command(name=name, help=help, configure=configure, run=run)
        return configure

    return register


def add_common_options(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """``-v/--verbose`` and ``--quiet``, the same on every command.

    ``nested=True`` for the parsers of a command's own subcommands (``network build``): their
    defaults are suppressed so that ``network -v build`` keeps the ``-v`` given before ``build``.
    """
    default = argparse.SUPPRESS if nested else False
    level = parser.add_mutually_exclusive_group()
    level.add_argument("-v", "--verbose", action="store_true", default=default, help="log progress (INFO)")
    level.add_argument("--quiet", action="store_true", default=default, help="log errors only")


def usage_error(args: argparse.Namespace, message: str) -> NoReturn:
    """Stop with the command's usage and ``message`` (exit code 2), as argparse does for a bad option."""
    parser: argparse.ArgumentParser = args._parser
    parser.error(message)


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (not the stream of the first call),
    so a replaced or closed stderr (tests capturing output, an embedding program) never breaks logging."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(args: argparse.Namespace) -> None:
    """Set the log level from ``--verbose`` / ``--quiet``."""
    if getattr(args, "verbose", False):
        level = logging.INFO
    elif getattr(args, "quiet", False):
        level = logging.ERROR
    else:
        level = logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[_CurrentStderrHandler()], force=True)


def program_name() -> str:
    """How the planner was started: ``czt-planner`` (the installed console command) or ``run_scenario.py``."""
    invoked = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "czt-planner" if invoked == "czt-planner" else "run_scenario.py"


def build_subcommand_parser(prog: str | None = None, *, configure: Collection[str] | None = None) -> argparse.ArgumentParser:
    """A parser with one subparser per registered command (``<prog> <command> --help`` shows its options);
    ``prog`` defaults to :func:`program_name`.

    ``configure``: the commands whose options are added (default: all). A command's options may need its
    stage's constants (map tiles, definitions, OSM filters), so ``main`` configures only the command it
    runs, and none for the top-level ``--help``: a command loads only what it needs.
    """
    prog = prog or program_name()
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Chang-Zhu-Tan half-hour-circle planner. With no command, 'run' is implied: "
        f"{prog} scenarios/surveyed.yaml runs that scenario. '{prog} <command> --help' shows a command's options.",
        epilog=f"Examples: {prog} --all | {prog} route --scenario surveyed --from 112.97,28.20 --to 113.13,27.83 --mode transit "
        f"| {prog} validate scenarios/*.yaml",
    )
    add_common_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for cmd in sorted(COMMANDS.values(), key=lambda c: (c.name != "run", c.name)):
        # argparse %-formats a subcommand's help: a literal % (e.g. "±10%") must be doubled
        p = sub.add_parser(cmd.name, help=cmd.help.replace("%", "%%"), description=cmd.help)
        add_common_options(p)
        if configure is None or cmd.name in configure:
            cmd.configure(p)
        p.set_defaults(_parser=p)
    return parser


def dispatch(argv: list[str]) -> int:
    """Parse ``argv`` (starting with a registered command name) and run the command."""
    parser = build_subcommand_parser(configure=argv[:1])
    args = parser.parse_args(argv)
    configure_logging(args)
    if args.command is None:  # only common options (e.g. "-v"): nothing to run
        parser.print_usage(sys.stderr)
        return 2
    return COMMANDS[args.command].run(args)


def _year(text: str) -> int:
    """A calendar year for ``--year`` (the range scenario files accept)."""
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a year such as 2017") from None
    if not 1990 <= year <= 2060:
        raise argparse.ArgumentTypeError(f"got {year}; expected a year in [1990, 2060]")
    return year


def add_scenario_options(ap: argparse.ArgumentParser) -> None:
    """The scenario of a one-scenario command, as a positional argument (as ``compare`` and ``attribution``
    take it) or ``--scenario``; :func:`chosen_scenario` reads them."""
    ap.add_argument(
        "scenario_positional", nargs="?", default=None, metavar="SCENARIO", help="scenario name or file, the same as --scenario (default: surveyed)"
    )
    ap.add_argument("--scenario", default=None, help="scenario name or file (default: surveyed)")


def chosen_scenario(args: argparse.Namespace) -> str:
    """The scenario of :func:`add_scenario_options`: the positional one or ``--scenario`` (a usage error when
    both are given and differ), else ``surveyed``."""
    positional, option = getattr(args, "scenario_positional", None), args.scenario
    if positional is not None and option is not None and positional != option:
        usage_error(args, f"two scenarios: {positional!r} and --scenario {option!r}; give one")
    return str(positional or option or "surveyed")


def add_when_options(ap: argparse.ArgumentParser) -> None:
    """``--year`` and ``--period``: run a named scenario in another year or period."""
    ap.add_argument("--year", type=_year, default=None, help="the scenario in this year (its catalogue projects follow the year; default: the scenario's own)")
    ap.add_argument("--period", choices=["am_peak", "off_peak"], default=None, help="the scenario in this period (default: the scenario's own)")


def _shown(folder: Path) -> str:
    """A default folder as help shows it: relative to the current folder when inside it (``outputs``, ``maps``)."""
    try:
        return str(folder.relative_to(Path.cwd()))
    except ValueError:
        return str(folder)


def output_dir_help() -> str:
    """The help of every command's ``--output-dir``."""
    return f"folder the outputs go to, one subfolder per scenario (default: {_shown(output_dir())}; ${OUTPUT_ENV} sets it)"


def add_output_options(ap: argparse.ArgumentParser, *, maps: bool = False) -> None:
    """``--output-dir`` (and with ``maps``, ``--map-dir``), with help naming the defaults; :func:`output_folders` reads them."""
    ap.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help=output_dir_help(),
    )
    if maps:
        ap.add_argument(
            "--map-dir",
            type=Path,
            default=None,
            help=f"folder the HTML maps go to (default: <output-dir>/maps when --output-dir is given, else {_shown(map_dir())})",
        )


def output_folders(output: Path | None, maps: Path | None = None) -> tuple[Path, Path]:
    """The output and map folders of ``--output-dir`` and ``--map-dir``: the maps go to ``<output-dir>/maps``
    when only ``--output-dir`` is given (a run into a new folder keeps its maps there, never over ./maps);
    otherwise the defaults (``network.paths.output_dir()`` and ``map_dir()``, read when called)."""
    if maps is None:
        maps = output / "maps" if output is not None else map_dir()
    return (output if output is not None else output_dir()), maps
