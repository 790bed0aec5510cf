"""Registry of argparse subcommands (``run_scenario.py <command> ...``).

A command module registers itself with :func:`command`; :func:`network.cli.main.main` dispatches
to a registered command before falling back to the older hand-dispatched commands, which move onto
this registry one by one. Each command gets its own ``--help`` and the shared ``-v/--verbose`` and
``--quiet`` options.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from network.paths import SCENARIO_DIR


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


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """``-v/--verbose`` and ``--quiet``, the same on every command."""
    level = parser.add_mutually_exclusive_group()
    level.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO)")
    level.add_argument("--quiet", action="store_true", help="log errors only")


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


def build_subcommand_parser(prog: str = "run_scenario.py") -> argparse.ArgumentParser:
    """A parser with one subparser per registered command."""
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        add_common_options(p)
        cmd.configure(p)
    return parser


def dispatch(argv: list[str]) -> int:
    """Parse ``argv`` (starting with a registered command name) and run the command."""
    args = build_subcommand_parser().parse_args(argv)
    configure_logging(args)
    return COMMANDS[args.command].run(args)


def scenario_path(name_or_path: str) -> Path:
    """A scenario given by file path (``.yaml``/``.yml`` or an existing file) or by name in ``scenarios/``."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    return SCENARIO_DIR / f"{name_or_path}.yaml"
