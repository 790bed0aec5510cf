"""metrics.json's ``network.calibration`` says what ``observed`` says (review item 5d): it called the embedded
tier 'validated' while car door-to-door times run slow. The words are checked against the fit statistics
docs/validation.md carries from the last ``observed`` run (tools/readme_tables.py keeps them current)."""

from __future__ import annotations

import re
from pathlib import Path

from network.run.runner import calibration_status

ROOT = Path(__file__).resolve().parents[2]


def _strata() -> dict[str, list[str]]:
    text = (ROOT / "docs/validation.md").read_text(encoding="utf-8")
    block = text.split("<!-- table:validation-strata -->", 1)[1].split("<!-- /table -->", 1)[0]
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in block.splitlines() if ln.startswith("| ") and "---" not in ln]
    return {r[0]: r for r in rows[1:]}


def test_the_embedded_status_says_what_observed_says() -> None:
    status = calibration_status("embedded")
    assert not status.startswith("validated"), status
    assert "run_scenario.py observed" in status and "docs/validation.md" in status
    assert "transit within 25 % on most rows" in status and "car door to door runs slow" in status
    strata = _strata()
    # columns: group, rows, within TAG, within 25 %, MAPE %, bias %, slope, changes
    within_25 = re.search(r"\((\d+) %\)", strata["transit (all measures)"][3])
    assert within_25 is not None and int(within_25.group(1)) > 50, "transit within 25 % on most rows"
    assert float(strata["car × door_to_door"][5]) > 25.0, "car door to door runs slow (bias % above +25)"


def test_other_tiers_stay_uncalibrated() -> None:
    assert calibration_status("osm").startswith("uncalibrated")
