"""Attribution notes and warnings follow the numbers (network/analysis/compare.py ``centre_unchanged_items``,
``no_effect_warning``, ``superseding_services``): an item is noted as changing no centre-to-centre time only
when every column of its row is ~0; 'probably not connected' is said only of road items; a timetable change
overtaken by a later one says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from network.analysis.compare import centre_unchanged_items, no_effect_warning, superseding_services
from network.cli.main import main
from network.scenario.catalogue import load_catalogue


def _row(project: str, loo: float, aoi: float, transit: float = 0.0, changes: bool = True) -> dict[str, object]:
    return {
        "item": "edit",
        "project": project,
        "loo_minutes_best_total": loo,
        "aoi_minutes_best_total": aoi,
        "loo_minutes_transit_total": transit,
        "aoi_minutes_transit_total": transit,
        "loo_index_best": 0.0,
        "changes_any_time": changes,
    }


def test_an_item_saving_minutes_alone_is_not_noted_as_changing_nothing() -> None:
    # measured (attribution of two IC-ZZ frequency edits, 6 and 5 min): the 6-minute one saves 0.0 at the
    # margin but 12.0 alone; the old note called it a change of no centre-to-centre time
    table = pd.DataFrame(
        [_row("iczz-5", 1.0, 13.0, 2.0), _row("iczz-6", 0.0, 12.0), _row("quiet", 0.0, 0.0), _row("nothing", 0.0, 0.0, changes=False)]
    )
    assert centre_unchanged_items(table) == ["quiet"]
    # a share (order-independent) or a transit column away from zero is a change too
    shares = pd.DataFrame([{"item": "edit", "project": "quiet", "shapley_minutes_best_total": 0.0, "alone_minutes_transit_total": 6.77}])
    assert centre_unchanged_items(table, shares) == []
    transit_only = pd.DataFrame([_row("express", 0.0, 0.0, transit=6.77)])
    assert centre_unchanged_items(transit_only) == []


def test_not_connected_is_said_of_road_items_only() -> None:
    assert "probably not connected" in no_effect_warning("edit", "a road", "new_road", [])
    assert "probably not connected" in no_effect_warning("project", "p", "road_upgrade", [])
    service = no_effect_warning("project", "czt-intercity-frequency", "rail_service", ["czt-intercity-frequency-2022"])
    assert "not connected" not in service and "superseded by the later czt-intercity-frequency-2022" in service
    assert "not connected" not in no_effect_warning("edit", "IC-ZZ", "adjust_frequency", [])


def test_a_timetable_change_is_superseded_by_a_later_one_on_its_lines() -> None:
    cat = load_catalogue()
    active = {"czt-intercity-frequency", "czt-intercity-frequency-2020", "czt-intercity-frequency-2022"}
    assert superseding_services("czt-intercity-frequency", active, cat) == ["czt-intercity-frequency-2022"]
    assert superseding_services("czt-intercity-frequency-2020", active, cat) == ["czt-intercity-frequency", "czt-intercity-frequency-2022"]
    assert superseding_services("czt-intercity-frequency-2022", active, cat) == []
    assert superseding_services("czt-intercity-frequency", {"czt-intercity-frequency"}, cat) == []


@pytest.mark.slow
def test_attribution_prints_no_false_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "iczz.yaml"
    scenario.write_text(
        "name: iczz-twice\nbase: surveyed\nadd:\n"
        "  - {type: adjust_frequency, name: iczz-6, line: IC-ZZ, headway_min: {am_peak: 6}}\n"
        "  - {type: adjust_frequency, name: iczz-5, line: IC-ZZ, headway_min: {am_peak: 5}}\n",
        encoding="utf-8",
    )
    assert main(["attribution", str(scenario), "--output-dir", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "iczz-6" in out and "no centre-to-centre time" not in out
