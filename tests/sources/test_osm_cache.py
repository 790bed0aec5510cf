"""The OSM network cache: exact round trip, deterministic scenario metrics, corruption detected and rebuilt.

Runs the real planner (resolve → engine → metrics) on a ``tier: osm`` scenario over the small PBF
network of test_osm_pbf.py (roads linking the three centres).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from network._errors import DataError
from network.run.runner import scenario_metrics
from network.scenario.resolve import base_network
from network.scenario.schema import parse_scenario
from network.sources import osm

from .test_osm_pbf import write_czt_pbf


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[osm.RoadNetwork, Path, Path, Path]]:
    """A fresh build of the test PBF into a temporary cache root, which the planner is told to use."""
    pbf = write_czt_pbf(tmp_path / "czt-test.osm.pbf")
    root = tmp_path / "cache"
    roads, entry = osm.build_osm_network("pbf", path=pbf, options=osm.BuildOptions(cache_dir=root))
    monkeypatch.setenv(osm.CACHE_ENV, str(root))
    base_network.cache_clear()
    yield roads, entry, root, pbf
    base_network.cache_clear()


def _osm_metrics() -> dict[str, Any]:
    base_network.cache_clear()
    metrics, _, state = scenario_metrics(parse_scenario("name: osm-check\ntier: osm\n", file="<test>"))
    assert state.roads.tier == "osm-pbf"
    return metrics


def _assert_same_network(a: osm.RoadNetwork, b: osm.RoadNetwork) -> None:
    pd.testing.assert_frame_equal(a.nodes, b.nodes, check_exact=True)
    pd.testing.assert_frame_equal(a.edges, b.edges, check_exact=True)
    assert (a.tier, a.snapshot) == (b.tier, b.snapshot)


def test_cache_round_trip_is_exact(built: tuple[osm.RoadNetwork, Path, Path, Path]) -> None:
    roads, entry, root, _ = built
    _assert_same_network(osm.read_cache(entry), roads)
    _assert_same_network(osm.load_cached_osm_roads(), roads)  # the newest entry, found through $CZT_CACHE_DIR
    manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"nodes.csv", "edges.csv"} and all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    assert manifest["request"]["source"] == "pbf" and manifest["report"]["nodes"] == len(roads.nodes)


def test_scenario_on_cache_equals_fresh_build(
    built: tuple[osm.RoadNetwork, Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Metrics from the cached network = metrics after an independent fresh build of the same file."""
    _, _, _, pbf = built
    cached = _osm_metrics()
    assert cached["network"]["tier"] == "osm-pbf"
    assert any(r["minutes"] is not None for r in cached["centre_minutes"] if r["mode"] == "car")
    fresh_root = tmp_path / "fresh"
    osm.build_osm_network("pbf", path=pbf, options=osm.BuildOptions(cache_dir=fresh_root, refresh=True))
    monkeypatch.setenv(osm.CACHE_ENV, str(fresh_root))
    assert _osm_metrics() == cached
    # and the car times follow the network: 长沙→株洲 on the test motorway (~45 km at 85 km/h) plus access
    car = {(r["from"], r["to"]): r["minutes"] for r in cached["centre_minutes"] if r["mode"] == "car"}
    assert 30.0 < car[("changsha", "zhuzhou")] < 40.0


def test_truncated_cache_is_detected_and_rebuilt(built: tuple[osm.RoadNetwork, Path, Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    roads, entry, _, _ = built
    edges = entry / "edges.csv"
    edges.write_bytes(edges.read_bytes()[: edges.stat().st_size // 2])
    with pytest.raises(osm.CacheCorrupt, match="checksum mismatch"):
        osm.read_cache(entry)
    with caplog.at_level(logging.WARNING, logger="network.sources.osm"):
        again = osm.load_cached_osm_roads()
    assert "corrupt" in caplog.text and "edges.csv" in caplog.text and "rebuilt" in caplog.text
    _assert_same_network(again, roads)
    _assert_same_network(osm.read_cache(osm.cache_entries()[0]), roads)  # the entry verifies again


def test_edited_cache_is_rebuilt_by_the_build_command(
    built: tuple[osm.RoadNetwork, Path, Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    roads, entry, root, pbf = built
    nodes = entry / "nodes.csv"
    nodes.write_text(nodes.read_text(encoding="utf-8").replace("\n0,", "\n0,1", 1), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="network.sources.osm"):
        again, entry2 = osm.build_osm_network("pbf", path=pbf, options=osm.BuildOptions(cache_dir=root))
    assert "corrupt, rebuilding" in caplog.text and "nodes.csv" in caplog.text
    _assert_same_network(again, roads)
    _assert_same_network(osm.read_cache(entry2), roads)


def test_no_cache_tells_the_user_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"network build --source overpass"):
        osm.load_cached_osm_roads(tmp_path / "empty")


def test_cli_build_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from network.cli.main import main

    pbf = write_czt_pbf(tmp_path / "czt-test.osm.pbf")
    root = tmp_path / "cli-cache"
    assert main(["network", "build", "--source", "pbf", "--path", str(pbf), "--cache-dir", str(root), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["tier"] == "osm-pbf" and rep["nodes"] >= 7 and rep["km_by_class"]["expressway"] > 80
    assert main(["network", "report", "--cache-dir", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["nodes"] for r in listed] == [rep["nodes"]]
    assert main(["network", "build", "--source", "pbf"]) == 2  # --path missing: a usage error
    assert main(["network", "build", "--source", "pbf", "--path", str(tmp_path / "nope.osm.pbf"), "--cache-dir", str(root)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_entry_from_another_pipeline_version_is_rebuilt(
    built: tuple[osm.RoadNetwork, Path, Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    roads, entry, _, _ = built
    manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    (entry / "manifest.json").write_text(json.dumps({**manifest, "format": osm.CACHE_FORMAT - 1}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="network.sources.osm"):
        again = osm.load_cached_osm_roads()
    assert "cache format" in caplog.text and "rebuilt" in caplog.text
    _assert_same_network(again, roads)
