"""tests/conftest.py's scheduling: the costly xdist groups it hands out first are groups of this suite."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import HEAVY_GROUPS_CPU_S, SERIAL_GROUP, group_order_key

ROOT = Path(__file__).resolve().parents[1]


def test_every_heavy_group_is_the_serial_group_or_a_test_module() -> None:
    stale = [name for name in HEAVY_GROUPS_CPU_S if name != SERIAL_GROUP and not (ROOT / name).is_file()]
    assert stale == [], f"tests/conftest.py HEAVY_GROUPS_CPU_S names groups that no longer exist: {stale}"


def test_the_costliest_group_sorts_first_and_unknown_groups_keep_their_order() -> None:
    names = ["tests/unknown_a.py", "tests/analysis/test_claims.py", "tests/unknown_b.py", SERIAL_GROUP]
    ordered = sorted(names, key=group_order_key)
    assert ordered == [SERIAL_GROUP, "tests/analysis/test_claims.py", "tests/unknown_a.py", "tests/unknown_b.py"]
