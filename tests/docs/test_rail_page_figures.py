"""A journey time docs/rail.md quotes comes with the command that measures it, and the run still gives it:
the page said 88.5 min for 2015 五一广场 → 株洲 while the tool gave 90.3."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from network.cli.main import main

PAGE = Path(__file__).resolve().parents[2] / "docs" / "rail.md"
QUOTED = re.compile(r"\((\d+(?:\.\d)?) min:\s+`run_scenario\.py (route [^`]+)`", flags=re.S)


def test_rail_page_quotes_its_route_figures_with_their_command() -> None:
    assert QUOTED.findall(PAGE.read_text(encoding="utf-8")), "docs/rail.md: no '(N min: `run_scenario.py route ...`' figure"


@pytest.mark.parametrize("minutes,command", QUOTED.findall(PAGE.read_text(encoding="utf-8")))
def test_rail_page_route_figure_is_what_the_run_gives(minutes: str, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(shlex.split(" ".join(command.split()))) == 0
    first = capsys.readouterr().out.splitlines()[0]
    got = re.match(r"\w+(?: \(\w+\))?: ([\d.]+) min", first)
    assert got is not None, first
    assert got.group(1) == minutes, f"docs/rail.md quotes {minutes} min for `{command}`; the run gives {first}"
