"""``compare`` maps (issue 13 points 7-9): offline and basemap options, as for runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from network.cli.main import main

LEAFLET_CDN = ("cdn.jsdelivr", "unpkg.com", "code.jquery", "cdnjs.cloudflare", "bootstrapcdn")


@pytest.fixture(scope="module")
def offline_compare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``compare year-2018 year-2023 --offline``: the map folder (with compare-…html) and outputs."""
    tmp = tmp_path_factory.mktemp("compare")
    rc = main(["compare", "year-2018", "year-2023", "--offline", "--output-dir", str(tmp / "outputs"), "--map-dir", str(tmp / "maps")])
    assert rc == 0
    return tmp


def test_compare_offline_writes_a_self_contained_map(offline_compare: Path) -> None:
    page = (offline_compare / "maps" / "compare-year-2018-vs-year-2023.html").read_text(encoding="utf-8")
    assert not [c for c in LEAFLET_CDN if c in page], "an offline compare map must not link to a CDN"
    assert "tile.openstreetmap.org" not in page
    assert '<meta name="czt-basemap" content="none">' in page
    assert "L.Map" in page or "L.map" in page  # Leaflet itself is inlined
    summary = json.loads((offline_compare / "outputs" / "compare-year-2018-vs-year-2023" / "compare.json").read_text(encoding="utf-8"))
    assert summary["network"]["tier"] == "embedded"


def test_compare_basemap_is_used(tmp_path: Path) -> None:
    rc = main(["compare", "year-2018", "year-2023", "--basemap", "gaode", "--output-dir", str(tmp_path / "o"), "--map-dir", str(tmp_path)])
    assert rc == 0
    page = (tmp_path / "compare-year-2018-vs-year-2023.html").read_text(encoding="utf-8")
    assert '<meta name="czt-basemap" content="gaode">' in page and "autonavi.com" in page


def test_compare_refuses_tiles_on_an_offline_map(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", "year-2018", "year-2023", "--offline", "--basemap", "osm", "--output-dir", str(tmp_path)])
    assert exc.value.code == 2
    assert "offline map cannot load 'osm' tiles" in capsys.readouterr().err
