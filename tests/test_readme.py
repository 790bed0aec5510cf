"""The README's measured figures stay in step with what the tool computes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _surveyed_rows(readme: str) -> dict[tuple[str, str], tuple[float, float, float]]:
    section = readme.split("## What the surveyed network says", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) → (\w+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", section, flags=re.M)
    return {(a, b): (float(c), float(t), float(x)) for a, b, c, t, x in rows}


def test_the_readme_surveyed_table_equals_the_golden_headline_numbers() -> None:
    """A change that moves the surveyed centre-to-centre minutes must refresh the README table
    (`tools/readme_tables.py surveyed` prints it from a run)."""
    rows = _surveyed_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    golden = json.loads((ROOT / "tests/golden/headline_metrics.json").read_text(encoding="utf-8"))["surveyed"]
    assert len(rows) == 6
    for (a, b), (car, transit, best) in rows.items():
        for mode, shown in (("car", car), ("transit", transit), ("best", best)):
            assert shown == pytest.approx(golden[f"{a}->{b}:{mode}"], abs=0.051), f"README {a}→{b} {mode}: {shown}"


def test_the_table_printer_writes_the_rows_the_readme_reads() -> None:
    from tools.readme_tables import PAIRS, surveyed_table

    cm = pd.DataFrame(
        [{"from": a, "to": b, "mode": m, "minutes": 10.0 * (i + 1) + j} for i, (a, b) in enumerate(PAIRS) for j, m in enumerate(("car", "transit", "best"))]
    )
    parsed = _surveyed_rows("## What the surveyed network says\n\n" + surveyed_table(cm) + "\n")
    assert parsed[("changsha", "zhuzhou")] == (10.0, 11.0, 12.0) and len(parsed) == 6
