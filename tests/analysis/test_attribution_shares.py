"""Attribution shares add up (issue 23 item 3): Shapley shares are order-independent, interactions are shown
apart, the year's dated changes outside the catalogue are an item of their own, and
effects alone + interactions + unexplained = the total change."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pytest

from network.analysis.attribution_shares import DATED, attribution_shares
from network.analysis.compare import resolve_file
from network.analysis.shapley import shapley_shares
from network.model.region import Region

ROOT = Path(__file__).resolve().parents[2]


def _value(coalition: frozenset[Hashable]) -> np.ndarray:
    """Minutes of a toy network: a saves 4, b saves 2, together they save 3 more (a bypass needs both)."""
    saved = 4.0 * ("a" in coalition) + 2.0 * ("b" in coalition) + 3.0 * ({"a", "b"} <= coalition) + 1.0 * ("c" in coalition)
    return np.array([100.0 - saved])


def test_shapley_shares_split_the_interaction_evenly_and_add_up() -> None:
    shares = shapley_shares(["a", "b", "c"], _value)
    assert shares.method == "exact" and shares.orders == 6
    assert shares.shapley["a"][0] == pytest.approx(5.5) and shares.shapley["b"][0] == pytest.approx(3.5)
    assert shares.alone["a"][0] == pytest.approx(4.0) and shares.interaction("a")[0] == pytest.approx(1.5)
    assert sum(s[0] for s in shares.shapley.values()) == pytest.approx(shares.all_items[0]) == pytest.approx(10.0)
    # the same shares whatever order the items are listed in
    again = shapley_shares(["c", "b", "a"], _value)
    assert all(again.shapley[i][0] == pytest.approx(shares.shapley[i][0]) for i in "abc")


def test_sampled_shares_add_up_exactly_and_repeat_with_the_seed() -> None:
    one = shapley_shares(["a", "b", "c"], _value, exact_max_items=1, samples=16)
    two = shapley_shares(["a", "b", "c"], _value, exact_max_items=1, samples=16)
    assert one.method == "sampled" and one.orders == 16 and "16 random orders" in one.about()["how"]
    assert sum(s[0] for s in one.shapley.values()) == pytest.approx(10.0)
    assert {i: float(one.shapley[i][0]) for i in "abc"} == {i: float(two.shapley[i][0]) for i in "abc"}


def _adds_up(summary: dict[str, dict[str, float]]) -> None:
    for mode in ("car", "transit", "best"):
        total = summary["total_change"][mode]
        assert summary["sum_alone"][mode] + summary["interactions"][mode] + summary["unexplained"][mode] == pytest.approx(total, abs=0.03)
        assert summary["sum_of_shares"][mode] + summary["unexplained"][mode] == pytest.approx(total, abs=0.03)


def test_year_2020_against_2018_adds_up_and_names_the_dated_changes(region: Region) -> None:
    r = resolve_file(ROOT / "scenarios/year-2020.yaml")
    ref = resolve_file(ROOT / "scenarios/year-2018.yaml")
    res = attribution_shares(r, ref, region)
    _adds_up(res.summary)
    assert res.summary["total_change"]["best"] > 1.0  # 2020 is faster than 2018 between the centres
    assert abs(res.summary["unexplained"]["best"]) < 0.01  # 2018's network is all inside 2020's
    dated = res.table[res.table["item"] == "dated"]
    assert len(dated) == 1 and "2019" in dated["name_zh"].iloc[0] and "湘府路快速路" in dated["includes"].iloc[0]
    assert set(res.table["project"]) >= {"furong-avenue", "dated"}
    cols = [c for c in res.table.columns if c.endswith("_best_total")]
    assert {"shapley_minutes_best_total", "alone_minutes_best_total", "interaction_minutes_best_total"} <= set(cols)


def test_what_the_reference_has_and_the_scenario_lacks_is_unexplained(tmp_path: Path, region: Region) -> None:
    """2020 without 芙蓉大道 against 2020 with it: no item, the whole change (slower) is unexplained, and said so."""
    f = tmp_path / "no-furong.yaml"
    f.write_text("name: no-furong\nyear: 2020\nexclude: [furong-avenue]\n", encoding="utf-8")
    r = resolve_file(f)
    ref = resolve_file(ROOT / "scenarios/year-2020.yaml")
    res = attribution_shares(r, ref, region)
    _adds_up(res.summary)
    assert len(res.table) == 0  # nothing added: the whole change is what the scenario lacks
    assert res.summary["unexplained"]["best"] == pytest.approx(res.summary["total_change"]["best"]) and res.summary["total_change"]["best"] < -1.0
    assert DATED not in res.shares.items
