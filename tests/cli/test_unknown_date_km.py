"""The km of unknown opening date: the year warnings count the base road skeleton (3,579.6 km), the timeline
each year's whole network (3,592.2 km in 2015: 潭州大道长沙段, a catalogue road before its upgrade, is of
unknown date too). Two figures, each labelled with what it counts."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from network.cli.analysis import _print_network_changes
from network.run.timeline import UNKNOWN_DATE_KIND
from network.scenario.dated import BASE_SKELETON_COUNT, unknown_date_km, year_outside_data
from network.scenario.resolve import base_network, resolve_state
from network.scenario.schema import Scenario


def test_the_warning_counts_the_base_skeleton_and_says_so() -> None:
    roads, _ = base_network("embedded")
    (line,) = year_outside_data(2015, roads)
    km = re.match(r"2015: ([\d,.]+) of", line)
    assert km is not None and float(km.group(1).replace(",", "")) == unknown_date_km(roads)
    assert BASE_SKELETON_COUNT in line and "base road skeleton" in line


def test_the_timeline_counts_the_year_network_and_says_so(surveyed: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    year_state = resolve_state(surveyed.model_copy(update={"year": 2015}))
    base_km = unknown_date_km(base_network("embedded")[0])
    year_km = unknown_date_km(year_state.roads)
    assert year_km != base_km  # the two figures differ: each must say what it counts
    changes = pd.DataFrame([{"year": 2015, "date": "", "kind": UNKNOWN_DATE_KIND, "id": "", "name": f"{year_km:.1f}"}])
    _print_network_changes(SimpleNamespace(unknown_km={2015: year_km}, changes=changes))  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "that year's whole network" in out and "the year warnings count the base road skeleton only" in out, out
    assert f"unknown opening date: {year_km:,.1f} km of the year's network" in out, out
