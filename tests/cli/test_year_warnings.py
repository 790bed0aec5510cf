"""A year the data does not reach runs, with a warning on stderr saying what is assumed (planner review,
finding 12: ``year: 2050`` and ``route --year 1990`` ran silently); a year before the last dated one says how
much road has no opening date (present in every year)."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from network.analysis.observed import build_states
from network.cli.main import main
from network.scenario import resolve
from network.scenario.dated import dated_span
from network.scenario.resolve import build_state, resolve_projects, summarise_year_warnings, year_ranges
from network.scenario.schema import load_scenario

ROOT = Path(__file__).resolve().parents[2]

A, B = "112.97,28.20", "113.13,27.83"


def test_a_year_before_the_catalogue_warns_and_still_runs(capsys: pytest.CaptureFixture[str]) -> None:
    first, _ = dated_span()
    assert main(["route", "--from", A, "--to", B, "--mode", "car", "--year", "1990"]) == 0
    err = capsys.readouterr().err
    assert (
        f"1990: earlier than the catalogue's first project ({first}); " in err
        and "km of roads have unknown opening dates and are present in every year" in err
    ), err


def test_a_year_after_the_last_dated_one_warns_in_run_and_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, last = dated_span()
    f = tmp_path / "far-future.yaml"
    f.write_text("name: far-future\nyear: 2050\n", encoding="utf-8")
    assert main(["run", str(f), "--no-map", "--output-dir", str(tmp_path / "out")]) == 0
    said = f"2050: no catalogue project or dated road is dated after {last}; the network is the {last} one"
    assert said in capsys.readouterr().err
    assert said in json.loads((tmp_path / "out/far-future/metrics.json").read_text(encoding="utf-8"))["warnings"]


def test_a_year_inside_the_data_says_only_what_is_undated(capsys: pytest.CaptureFixture[str]) -> None:
    first, last = dated_span()
    assert first < 2023 < last
    assert main(["route", "--from", A, "--to", B, "--mode", "car", "--year", "2023"]) == 0
    err = capsys.readouterr().err
    assert "dated after" not in err and "earlier than the catalogue" not in err, err
    assert err.count("km of roads have unknown opening dates and are present in every year") == 1, err


def test_a_past_year_says_how_much_road_is_undated(tmp_path: Path) -> None:
    """Review item 3: a past year's run said nothing of the ~3,600 km present in every year; one line now
    names the km and that a before -> after across them shows no change (stderr and metrics.json)."""
    _, last = dated_span()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, str(ROOT / "run_scenario.py"), "route", "--from", A, "--to", B, "--mode", "car", "--year", "2010"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "unknown opening dates" in ln]
    assert len(lines) == 1, r.stderr
    km = re.search(r"2010: ([\d,.]+) of ([\d,.]+) km of roads have unknown opening dates and are present in every year", lines[0])
    assert km is not None and 1000.0 < float(km.group(1).replace(",", "")) < float(km.group(2).replace(",", "")), lines[0]
    assert "before → after across them shows no change" in lines[0]
    # the last dated year and a scenario without a year say nothing of it
    for extra in (["--year", str(last)], []):
        r = subprocess.run(
            [sys.executable, str(ROOT / "run_scenario.py"), "route", "--from", A, "--to", B, "--mode", "car", *extra],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        assert r.returncode == 0 and "unknown opening dates" not in r.stderr, (extra, r.stderr)


def test_the_undated_line_is_in_metrics_and_said_once_per_scenario(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = tmp_path / "past.yaml"
    f.write_text("name: past\nyear: 2012\n", encoding="utf-8")
    resolved = resolve_projects(load_scenario(f), file=str(f))
    with caplog.at_level(logging.WARNING, logger="network.scenario.resolve"):
        states = [build_state(resolved) for _ in range(3)]  # as attribution builds many states of one scenario
    for state in states:
        assert sum("unknown opening dates" in w for w in state.warnings) == 1, state.warnings
    assert sum("unknown opening dates" in r.getMessage() for r in caplog.records) == 1
    assert main(["run", str(f), "--no-map", "--output-dir", str(tmp_path / "out")]) == 0
    warnings = json.loads((tmp_path / "out/past/metrics.json").read_text(encoding="utf-8"))["warnings"]
    assert sum("2012: " in w and "unknown opening dates" in w and "shows no change" in w for w in warnings) == 1, warnings


def test_observed_says_the_undated_roads_once_listing_the_years(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """observed builds a state per year its rows need: one line per warning listing the years (runs of
    consecutive years as first–last), not one line per year; each state keeps its own year's line."""
    monkeypatch.setattr(resolve, "_YEAR_WARNED", set())
    rows = [SimpleNamespace(year=y, period="off_peak", year_before=None) for y in (2012, 2013, 2014, 2016)]
    with caplog.at_level(logging.WARNING, logger="network.scenario.resolve"):
        states = build_states(rows)  # type: ignore[arg-type]
    lines = [r.getMessage() for r in caplog.records if "unknown opening dates" in r.getMessage()]
    assert len(lines) == 1, lines
    assert ": 2012–2014, 2016: " in lines[0] and "km of roads have unknown opening dates" in lines[0], lines[0]
    for (year, _), state in states.items():
        assert [w for w in state.warnings if "unknown opening dates" in w][0].startswith(f"{year}: ")


def test_year_warnings_are_grouped_by_scenario_and_text() -> None:
    pairs = [("a.yaml", "2010: x"), ("a.yaml", "2011: x"), ("b.yaml", "2012: x"), ("a.yaml", "2009: y"), ("a.yaml", "no year")]
    assert summarise_year_warnings(pairs) == [("a.yaml", "2010–2011: x"), ("b.yaml", "2012: x"), ("a.yaml", "2009: y"), ("a.yaml", "no year")]
    assert year_ranges([2002, 2003, 2005, 2009, 2010, 2011]) == "2002–2003, 2005, 2009–2011"
