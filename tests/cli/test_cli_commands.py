"""Every command is an argparse subcommand: its own --help, and -v/--verbose and --quiet everywhere."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from network.cli.commands import COMMANDS, build_subcommand_parser, configure_logging
from network.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED = {"run", "route", "validate", "compare", "timeline", "attribution", "matrix", "network", "export"}


def _exit_code(argv: list[str]) -> int:
    """main's exit code, returned or raised (argparse exits on --help; ``network`` returns the code)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_every_documented_command_is_registered() -> None:
    assert DOCUMENTED <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_of_every_command_exits_0_and_shows_its_options(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: run_scenario.py {name} ")
    assert "-v, --verbose" in out and "--quiet" in out
    own = [a for a in build_subcommand_parser()._subparsers._group_actions[0].choices[name]._actions if a.option_strings]  # type: ignore[union-attr]
    for action in own:
        assert action.option_strings[-1] in out


@pytest.mark.parametrize("sub", ["build", "stations", "report"])
def test_network_subcommands_have_help_too(sub: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["network", sub, "--help"]) == 0
    assert f"usage: run_scenario.py network {sub}" in capsys.readouterr().out


def test_validate_help_is_help_not_a_file_name() -> None:
    """Through the real entry point: ``validate --help`` once treated "--help" as a scenario file."""
    p = subprocess.run([sys.executable, str(ROOT / "run_scenario.py"), "validate", "--help"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "usage: run_scenario.py validate" in p.stdout and "FAIL" not in p.stderr


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"\n    {name} " in out


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        (["validate", "--verbose"], logging.INFO),
        (["validate", "-v"], logging.INFO),
        (["route", "--quiet", "--from", "112.97,28.20", "--to", "113.13,27.83"], logging.ERROR),
        (["network", "-v", "report"], logging.INFO),  # given before the nested command, kept
        (["network", "report", "--verbose"], logging.INFO),
        (["run", "--all"], logging.WARNING),
    ],
)
def test_verbose_and_quiet_set_the_log_level(argv: list[str], level: int) -> None:
    args = build_subcommand_parser().parse_args(argv)
    configure_logging(args)
    try:
        assert logging.getLogger().level == level
    finally:
        logging.getLogger().setLevel(logging.WARNING)


def test_the_default_command_is_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No command name: the arguments are the run command's (README: run_scenario.py scenarios/x.yaml)."""
    assert main(["--offline", "--basemap", "osm"]) == 2
    assert "--offline" in capsys.readouterr().err
    assert main(["run", "--offline", "--basemap", "osm"]) == 2
