"""No data file or page points to a folder outside the repository: sources are named by their original
publication (data/SOURCES.md), not by where a maintainer once kept a copy of them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = ("..", "/", "shared")
REFERENCE = ("shared", "/", "reference")
TEXT_SUFFIXES = {".csv", ".md", ".yaml", ".yml", ".json", ".geojson", ".txt", ".html"}


def _files() -> list[Path]:
    out = [p for d in ("data", "docs") for p in sorted((ROOT / d).rglob("*")) if p.is_file() and p.suffix in TEXT_SUFFIXES]
    return out + [ROOT / "README.md", ROOT / "CHANGELOG.md"]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_names_no_folder_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    for needle in ("".join(OUTSIDE), "".join(REFERENCE)):
        lines = [k + 1 for k, line in enumerate(text.splitlines()) if needle in line]
        assert not lines, f"{path.relative_to(ROOT)}: lines {lines} name {needle!r}, a folder outside the repository"
