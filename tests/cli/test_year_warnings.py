"""A year the data does not reach runs, with a warning on stderr saying what is assumed (planner review,
finding 12: ``year: 2050`` and ``route --year 1990`` ran silently)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from network.cli.main import main
from network.scenario.dated import dated_span

A, B = "112.97,28.20", "113.13,27.83"


def test_a_year_before_the_catalogue_warns_and_still_runs(capsys: pytest.CaptureFixture[str]) -> None:
    first, _ = dated_span()
    assert main(["route", "--from", A, "--to", B, "--mode", "car", "--year", "1990"]) == 0
    err = capsys.readouterr().err
    assert f"1990: earlier than the catalogue's first project ({first}); " in err and "km of roads have unknown opening dates and are present in every year" in err, err


def test_a_year_after_the_last_dated_one_warns_in_run_and_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, last = dated_span()
    f = tmp_path / "far-future.yaml"
    f.write_text("name: far-future\nyear: 2050\n", encoding="utf-8")
    assert main(["run", str(f), "--no-map", "--output-dir", str(tmp_path / "out")]) == 0
    said = f"2050: no catalogue project or dated road is dated after {last}; the network is the {last} one"
    assert said in capsys.readouterr().err
    assert said in json.loads((tmp_path / "out/far-future/metrics.json").read_text(encoding="utf-8"))["warnings"]


def test_a_year_inside_the_data_says_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    first, last = dated_span()
    assert first < 2023 < last
    assert main(["route", "--from", A, "--to", B, "--mode", "car", "--year", "2023"]) == 0
    err = capsys.readouterr().err
    assert "dated after" not in err and "earlier than the catalogue" not in err, err
