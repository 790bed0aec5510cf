"""`matrix` and `route` take their scenario as `compare` and `attribution` do, positionally, as well as by
--scenario: `matrix surveyed --points …` failed with "unrecognized arguments: surveyed"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from network.cli.main import main

A, B = "112.9708,28.1988", "113.1450,27.8330"


def _points(tmp_path: Path) -> Path:
    p = tmp_path / "pts.csv"
    p.write_text(f"id,lon,lat\na,{A}\nb,{B}\n", encoding="utf-8")
    return p


def test_matrix_takes_the_scenario_positionally(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.csv"
    assert main(["matrix", "year-2015", "--points", str(_points(tmp_path)), "--mode", "car", "--out", str(out)]) == 0
    capsys.readouterr()
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["scenario"] == "year-2015"


def test_route_takes_the_scenario_positionally_the_same_as_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "year-2015", "--from", A, "--to", B, "--mode", "car"]) == 0
    positional = capsys.readouterr().out
    assert main(["route", "--scenario", "year-2015", "--from", A, "--to", B, "--mode", "car"]) == 0
    assert capsys.readouterr().out == positional and "scenario year-2015" in positional


@pytest.mark.parametrize("command", [["route", "--from", A, "--to", B], ["matrix"]])
def test_two_different_scenarios_are_a_usage_error(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command[0], "year-2015", "--scenario", "surveyed", *command[1:]])
    assert exc.value.code == 2
    assert "two scenarios: 'year-2015' and --scenario 'surveyed'; give one" in capsys.readouterr().err
