"""An OSM-tier network built from an extract covering only a corner of the study area (issue 13 point 11).

The build says how much of the study area and of each city's core the extract covers and warns below the
documented thresholds; a scenario on it runs, reports unreachable centre pairs as null with a warning, and
writes strict JSON (no NaN).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.osm_extract import build_extract, write_pbf
from network.cli.main import main
from network.model.graph import NetworkState
from network.model.region import CITIES, Region
from network.scenario.resolve import base_network
from network.sources import osm
from network.sources.osm_coverage import WARN_CORE_SHARE, WARN_STUDY_AREA_SHARE, extract_coverage

CORNER = (112.95, 28.12, 113.10, 28.26)
"""North-east Changsha only: part of 长沙's core, nothing of 株洲 or 湘潭."""


def _strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def corner_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """``network build --source pbf`` of a synthetic corner extract: (cache dir, stdout, stderr)."""
    tmp = tmp_path_factory.mktemp("corner")
    bld, _ = build_extract(15, 1.0, bbox=CORNER, city_extent=0.4)
    pbf = tmp / "corner.osm.pbf"
    write_pbf(bld, pbf)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["network", "build", "--source", "pbf", "--path", str(pbf), "--cache-dir", str(tmp / "cache")])
    assert rc == 0, err.getvalue()
    yield tmp / "cache", out.getvalue(), err.getvalue()


def test_build_reports_coverage_and_warns_below_the_thresholds(corner_cache: tuple[Path, str, str]) -> None:
    _, out, err = corner_cache
    line = next(li for li in out.splitlines() if "of the study area's" in li)
    share = int(line.split("covers ")[1].split("%")[0])
    assert share < WARN_STUDY_AREA_SHARE * 100
    assert "urban cores: 长沙" in line and "株洲 0%" in line and "湘潭" in line
    assert "cached in" in out  # the build finished as usual, with its report
    warnings = [li for li in err.splitlines() if li.startswith("warning:")]
    assert any("of the study area" in w and f"warned below {WARN_STUDY_AREA_SHARE:.0%}" in w for w in warnings), err
    for zh in ("株洲", "湘潭", "长沙"):  # the corner misses most of every core
        assert any(f"of {zh}" in w and f"warned below {WARN_CORE_SHARE:.0%}" in w for w in warnings), (zh, err)
    assert "Traceback" not in err


def test_scenario_on_the_corner_network_reports_unreachable_pairs_as_null(
    corner_cache: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache, _, _ = corner_cache
    monkeypatch.setenv(osm.CACHE_ENV, str(cache))
    base_network.cache_clear()
    try:
        (tmp_path / "corner.yaml").write_text("name: corner\ntier: osm\n", encoding="utf-8")
        rc = main([str(tmp_path / "corner.yaml"), "--offline", "--output-dir", str(tmp_path / "o"), "--map-dir", str(tmp_path / "m")])
    finally:
        base_network.cache_clear()
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Traceback" not in out + err
    metrics = _strict((tmp_path / "o" / "corner" / "metrics.json").read_text(encoding="utf-8"))
    unreachable = [r for r in metrics["centre_minutes"] if r["minutes"] is None]
    assert unreachable, "a corner extract leaves some centre pair without a route"
    assert all(r["within_30"] is False for r in unreachable)
    # each pair without a time is named: no route at all, or a route beyond the search limit (a far centre joins
    # the corner's roads by a long connector since it counts every junction within its shared-road radius)
    notes = [w for w in metrics["warnings"] if w.startswith(("no route on the osm-pbf network", "beyond 180 min, the search limit"))]
    assert notes and all(any(f"{r['from']} →" in n for n in notes) for r in unreachable)
    assert metrics["network"]["coverage"]["study_area_share"] < WARN_STUDY_AREA_SHARE
    assert all(f"warning: {n}" in out for n in notes)  # printed with the run
    assert (tmp_path / "m" / "corner.html").exists() and (tmp_path / "o" / "corner" / "report.html").exists()


def test_coverage_thresholds(surveyed_state: NetworkState, region: Region) -> None:
    """A network with a node at every study-area cell covers everything; without 株洲's core it warns for 株洲 only."""
    g = region.grid
    full = g[["x_m", "y_m"]].rename(columns={"x_m": "x", "y_m": "y"}).reset_index(drop=True)
    roads = dataclasses.replace(surveyed_state.roads, nodes=full, tier="osm-pbf")
    cov = extract_coverage(roads, region)
    assert cov.study_area_share == 1.0 and cov.population_share == 1.0 and cov.warnings == []
    assert set(cov.core_share) == set(CITIES) and min(cov.core_share.values()) == 1.0
    c = region.centres.set_index("city").loc["zhuzhou"]
    far = ((full["x"] - float(c["x_m"])) ** 2 + (full["y"] - float(c["y_m"])) ** 2) ** 0.5 > float(c["urban_radius_km"]) * 1000 + 2500
    cov = extract_coverage(dataclasses.replace(roads, nodes=full[far]), region)
    assert cov.core_share["zhuzhou"] == 0.0 and cov.core_share["changsha"] == 1.0
    assert len(cov.warnings) == 1 and "株洲" in cov.warnings[0]
