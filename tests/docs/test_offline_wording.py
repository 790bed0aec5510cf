"""README and the docs front page do not claim the whole tool is offline (review item 5e): the numbers are
computed offline, but the default HTML map loads Leaflet and its tiles from the web; ``--offline`` writes a
self-contained map."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("page", ["README.md", "docs/index.md"])
def test_the_offline_claim_names_the_map(page: str) -> None:
    head = " ".join((ROOT / page).read_text(encoding="utf-8").split("\n\n", 3)[:3])
    assert "fully offline" not in head
    assert "--offline" in head and "Leaflet" in head
