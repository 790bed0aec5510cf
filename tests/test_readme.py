"""The measured figures of the README and the docs pages stay in step with what the tool computes.

Tables live between ``<!-- table:NAME -->`` markers and are written by ``tools/readme_tables.py`` from
real runs (or the curated data); these tests compare them with the golden headline numbers and the data.
tests/test_api.py compares the surveyed table with a real run exactly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tools.readme_tables import (
    PAIRS,
    TIMELINE_PAIRS,
    ZH,
    block_tables,
    drifted,
    pages,
    render,
    surveyed_markdown,
    timeline_table,
    update_text,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = json.loads((ROOT / "tests/golden/headline_metrics.json").read_text(encoding="utf-8"))


def _page_texts() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in pages()}


_CELL = r"([\d.]+)(?: \([\d.]+–[\d.]+\))?"
"""A surveyed-table cell: the centre minutes, optionally with the placement range in brackets."""


def _surveyed_rows(table: str) -> dict[tuple[str, str], tuple[float, float, float]]:
    rows = re.findall(rf"^\| (\w+) → (\w+) \| {_CELL} \| {_CELL} \| {_CELL} \|", table, flags=re.M)
    return {(a, b): (float(c), float(t), float(x)) for a, b, c, t, x in rows}


def _surveyed_ranges(table: str) -> list[tuple[float, float, float]]:
    """Every (centre, min, max) cell of a surveyed table that shows a placement range."""
    return [(float(c), float(lo), float(hi)) for c, lo, hi in re.findall(r"\| ([\d.]+) \(([\d.]+)–([\d.]+)\)", table)]


def _tables(name: str) -> list[tuple[str, str]]:
    return [(label, t) for label, text in _page_texts().items() for t in block_tables(text, name)]


def test_the_readme_and_the_docs_show_the_surveyed_table() -> None:
    where = {label for label, _ in _tables("surveyed")}
    assert {"README.md", "docs/results.md"} <= where


def test_every_surveyed_table_equals_the_golden_headline_numbers() -> None:
    """A change that moves the surveyed centre-to-centre minutes must refresh the pages
    (`tools/readme_tables.py surveyed` after `./dev.sh run`)."""
    golden = GOLDEN["surveyed"]
    for label, table in _tables("surveyed"):
        rows = _surveyed_rows(table)
        assert len(rows) == 6, label
        for (a, b), (car, transit, best) in rows.items():
            for mode, shown in (("car", car), ("transit", transit), ("best", best)):
                assert shown == pytest.approx(golden[f"{a}->{b}:{mode}"], abs=0.051), f"{label} {a}→{b} {mode}: {shown}"
        index = float(re.search(r"best mode\): ([\d.]+)\.", table)[1])  # type: ignore[index]
        assert index == pytest.approx(golden["index:best"], abs=0.002), label
        ranges = _surveyed_ranges(table)  # the placement spread beside each figure, the figure inside it
        assert len(ranges) == 18 and all(lo <= c <= hi for c, lo, hi in ranges), label
        assert "placement_m" in table, label


def test_the_timeline_table_equals_the_golden_year_scenarios() -> None:
    (label, table), *more = _tables("timeline")
    assert not more
    years = {int(m[1]): [float(x) for x in m[2].split(" | ")] for m in re.finditer(r"^\| (\d{4}) \| (.*?) \|$", table, flags=re.M)}
    assert sorted(years) == sorted(int(k.split("-")[1]) for k in GOLDEN if k.startswith("year-"))
    for year, cells in years.items():
        g = GOLDEN[f"year-{year}"]
        for (a, b), shown in zip(TIMELINE_PAIRS, cells[:-1], strict=True):
            assert shown == pytest.approx(g[f"{a}->{b}:best"], abs=0.051), f"{label} {year} {ZH[a]}→{ZH[b]}: {shown}"
        assert cells[-1] == pytest.approx(g["index:best"], abs=0.002), f"{label} {year} index"


@pytest.mark.parametrize("name", ["projects", "rail-lines", "stages", "commands"])
def test_the_tables_of_curated_data_equal_the_data(name: str) -> None:
    """The catalogue and the rail lines are listed in the scenario page, the import contract's layers in the
    layout page; a project, line or layer added must be added there (`tools/readme_tables.py <name>`)."""
    table = render(name)
    assert _tables(name), f"no page shows table {name!r}"
    assert drifted(name, table, _page_texts()) == [], f"refresh with tools/readme_tables.py {name}"


def test_the_table_printer_writes_the_rows_the_tests_read() -> None:
    cm = pd.DataFrame(
        [{"from": a, "to": b, "mode": m, "minutes": 10.0 * (i + 1) + j} for i, (a, b) in enumerate(PAIRS) for j, m in enumerate(("car", "transit", "best"))]
    )
    parsed = _surveyed_rows(surveyed_markdown(cm, 0.5))
    assert parsed[("changsha", "zhuzhou")] == (10.0, 11.0, 12.0) and len(parsed) == 6
    spread = cm.rename(columns={"minutes": "minutes_centre"}).assign(
        minutes_min=lambda t: t["minutes_centre"] - 1.0, minutes_max=lambda t: t["minutes_centre"] + 2.5, from_placement_m=300.0
    )
    with_spread = surveyed_markdown(cm, 0.5, spread)
    assert _surveyed_rows(with_spread) == parsed and "| 10.0 (9.0–12.5) | 11.0 (10.0–13.5) | 12.0 (11.0–14.5) |" in with_spread
    assert len(_surveyed_ranges(with_spread)) == 18 and "长沙 300 m" in with_spread
    minutes = pd.DataFrame([{"year": y, "from": a, "to": b, "mode": "best", "minutes": y / 100 + k} for y in (2015, 2030) for k, (a, b) in enumerate(TIMELINE_PAIRS)])
    index = pd.DataFrame([{"year": y, "mode": "best", "half_hour_index": 0.25} for y in (2015, 2030)])
    assert "| 2030 | 20.3 | 21.3 | 22.3 | 23.3 | 24.3 | 25.3 | 0.2500 |" in timeline_table(minutes, index)
    assert len(TIMELINE_PAIRS) == 6  # every direction: none hidden


def test_a_refresh_rewrites_only_a_changed_table_and_keeps_an_unchanged_tables_commit() -> None:
    page = "text\n<!-- table:surveyed -->\n_Measured by `x` at `aaaaaaa` (`outputs/x`)._\n\n| a |\n|---|\n| 1 |\n<!-- /table -->\nmore\n"
    assert update_text(page, "surveyed", "| a |\n|---|\n| 1 |", "bbbbbbb") == page
    new = update_text(page, "surveyed", "| a |\n|---|\n| 2 |", "bbbbbbb")
    assert "| 2 |" in new and "`bbbbbbb`" in new and "aaaaaaa" not in new and new.endswith("<!-- /table -->\nmore\n")
    assert drifted("surveyed", "| a |\n|---|\n| 2 |", {"p.md": page}) == ["p.md"]
    assert drifted("surveyed", "| a |\n|---|\n| 1 |", {"p.md": page}) == []


@pytest.mark.slow
def test_the_validation_tables_equal_a_run_of_observed(tmp_path: Path) -> None:
    """`run_scenario.py observed` on the project's published journey times: the docs' three validation
    tables are that run's (refresh with `tools/readme_tables.py validation validation-strata validation-changes`)."""
    done = subprocess.run([sys.executable, "run_scenario.py", "observed", "--out", str(tmp_path / "observed")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1 = below a threshold, still a complete run
    for name in ("validation", "validation-strata", "validation-changes"):
        assert _tables(name), f"no page shows table {name!r}"
        assert drifted(name, render(name, tmp_path), _page_texts()) == [], f"refresh with tools/readme_tables.py {name}"


def test_the_layout_page_lists_every_module_of_the_tree() -> None:
    """docs/layout.md lists every module of the package (with its docstring's first sentence); a module
    added or moved must refresh it (`tools/readme_tables.py modules`). A reworded docstring alone does not
    fail here (`tools/readme_tables.py --check modules` shows it)."""
    (label, table), *more = _tables("modules")
    assert not more and label == "docs/layout.md"
    listed = set(re.findall(r"`(network/[\w/]+\.py)`", table))
    tree = {p.relative_to(ROOT).as_posix() for p in (ROOT / "network").rglob("*.py") if "__pycache__" not in p.parts}
    assert sorted(tree - listed) == [] and sorted(listed - tree) == [], "refresh with tools/readme_tables.py modules"


def test_the_attribution_shares_table_adds_up_to_the_total_change() -> None:
    """The docs' Shapley table (tools/readme_tables.py attribution-shares, from a run of attribution year-2023
    --against year-2018): its shares sum to what its last line says, and alone + interactions + unexplained = total."""
    (label, table), *more = _tables("attribution-shares")
    assert not more
    rows = [[item, *rest.split(" | ")] for item, rest in re.findall(r"^\| `([^`]+)` \| (.*) \|$", table, flags=re.M)]
    assert rows and any(r[0] == "dated" for r in rows), label
    shares = [float(r[-4]) for r in rows]  # ... share, alone, interaction, share in generalized minutes
    alone = [float(r[-3]) for r in rows]
    interaction = [float(r[-2]) for r in rows]
    m = re.search(r"Total change (-?[\d.]+) min = effects alone (-?[\d.]+) \+ interactions (-?[\d.]+) \+ unexplained (-?[\d.]+) \(the shares sum to (-?[\d.]+);", table)
    assert m, label
    total, sum_alone, interactions, unexplained, sum_shares = (float(x) for x in m.groups())
    assert sum(shares) == pytest.approx(sum_shares, abs=0.01 * len(rows))
    assert sum(alone) == pytest.approx(sum_alone, abs=0.01 * len(rows)) and sum(interaction) == pytest.approx(interactions, abs=0.01 * len(rows))
    assert sum_alone + interactions + unexplained == pytest.approx(total, abs=0.03)
    assert total == pytest.approx(_six_pair_change(), abs=0.05)  # the golden year scenarios, which the runs are checked against


def _six_pair_change() -> float:
    """Best-mode minutes saved 2018 → 2023 summed over the six ordered centre pairs, from the golden numbers."""
    keys = [k for k in GOLDEN["year-2023"] if k.endswith(":best") and "->" in k]
    assert len(keys) == 6
    return sum(GOLDEN["year-2018"][k] - GOLDEN["year-2023"][k] for k in keys)
