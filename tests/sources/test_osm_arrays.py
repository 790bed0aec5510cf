"""The array pipeline (network/sources/osm_simplify.py) against osmnx, on real and synthetic OSM.

Tolerances (documented in the README): node and edge counts within 0.5 % of osmnx's, total length
within 0.1 %, and car times between sampled points equal to 1e-6 (relative). On both inputs here the
two pipelines currently agree exactly; the tolerances leave room for the rare cases the module
docstring lists (buffer polygons vs exact distances, duplicate ways).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from benchmarks.osm_extract import build_extract, write_pbf
from network.model.graph import NetworkState
from network.model.rail import load_rail
from network.routing.graphs import build_car_graph
from network.sources import osm
from tests.conftest import FIXTURES

from .test_osm_pbf import write_czt_pbf

FIXTURE = FIXTURES / "osm" / "changsha_northeast_overpass.geojson"  # © OpenStreetMap contributors, ODbL (tests/fixtures/README.md)
COUNT_TOL = 0.005
KM_TOL = 0.001
TIME_RTOL = 1e-6


def _assert_equivalent(a: osm.RoadNetwork, b: osm.RoadNetwork, n_points: int = 40, seed: int = 1) -> None:
    """Counts, length and shortest-path car times between sampled points of ``a`` (snapped in ``b``)."""
    assert abs(len(b.nodes) - len(a.nodes)) <= COUNT_TOL * len(a.nodes)
    assert abs(len(b.edges) - len(a.edges)) <= COUNT_TOL * len(a.edges)
    assert b.edges["length_m"].sum() == pytest.approx(a.edges["length_m"].sum(), rel=KM_TOL)
    assert int(b.edges["oneway"].sum()) == pytest.approx(int(a.edges["oneway"].sum()), rel=COUNT_TOL)
    rail = load_rail()
    ga = build_car_graph(NetworkState(roads=a, rail=rail))
    gb = build_car_graph(NetworkState(roads=b, rail=rail))
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(a.nodes), min(n_points, len(a.nodes)), replace=False)
    snap_m, jdx = cKDTree(b.nodes[["x", "y"]].to_numpy()).query(a.nodes[["x", "y"]].to_numpy()[idx])
    assert snap_m.max() < 1.0  # the same junctions, at the same places
    ta = dijkstra(ga.csr, indices=idx)[:, idx]
    tb = dijkstra(gb.csr, indices=jdx)[:, jdx]
    assert np.array_equal(np.isfinite(ta), np.isfinite(tb))
    f = np.isfinite(ta)
    np.testing.assert_allclose(tb[f], ta[f], rtol=TIME_RTOL, atol=1e-6)


@pytest.mark.parametrize("component", ["strong", pytest.param("all", marks=pytest.mark.slow)])
def test_arrays_match_osmnx_on_the_real_fixture(component: str) -> None:
    path = FIXTURE
    area = osm.study_area_polygon()
    a, stamp_a = osm.network_from_file(path, area, options=osm.BuildOptions(pipeline="osmnx", component=component))  # type: ignore[arg-type]
    b, stamp_b = osm.network_from_file(path, area, options=osm.BuildOptions(pipeline="arrays", component=component))  # type: ignore[arg-type]
    assert stamp_a == stamp_b == "2026-03-03"
    assert len(a.nodes) > 400
    _assert_equivalent(a, b)
    # names (osmnx joins a merged edge's names in set order: compare them as sets), refs, classes
    def parts(col: str, net: osm.RoadNetwork) -> set[frozenset[str]]:
        return {frozenset(str(v).split(";")) for v in net.edges[col]}

    assert parts("name", a) == parts("name", b) and parts("ref", a) == parts("ref", b)
    assert set(a.edges["highway"]) == set(b.edges["highway"])


def test_arrays_match_osmnx_on_the_test_pbf(tmp_path: Path) -> None:
    pbf = write_czt_pbf(tmp_path / "czt-test.osm.pbf")
    area = osm.study_area_polygon()
    a, _ = osm.network_from_file(pbf, area, options=osm.BuildOptions(pipeline="osmnx"))
    b, _ = osm.network_from_file(pbf, area, options=osm.BuildOptions(pipeline="arrays"))
    _assert_equivalent(a, b, n_points=len(a.nodes))
    assert sorted(a.edges["signals"]) == sorted(b.edges["signals"])


@pytest.mark.slow
def test_arrays_match_osmnx_on_a_synthetic_region(tmp_path: Path) -> None:
    """Xiangtan and Zhuzhou from the benchmark generator: dual carriageways, signalised grids,
    expressway interchanges with ramps, roundabouts, winding village lanes."""
    bld, counts = build_extract(15, 1.0, bbox=(112.85, 27.76, 113.20, 27.95), city_extent=0.4)
    assert counts["interchanges"] >= 1 and counts["roundabouts"] >= 1
    pbf = tmp_path / "region.osm.pbf"
    write_pbf(bld, pbf)
    area = osm.bbox_polygon(112.86, 27.77, 113.19, 27.94)  # smaller than the file: clipping matters
    a, _ = osm.network_from_file(pbf, area, options=osm.BuildOptions(pipeline="osmnx"))
    b, _ = osm.network_from_file(pbf, area, options=osm.BuildOptions(pipeline="arrays"))
    assert len(a.nodes) > 1500
    _assert_equivalent(a, b, n_points=60)
    assert a.edges["signals"].sum() == pytest.approx(b.edges["signals"].sum())


def test_clip_keeps_nodes_inside_and_their_neighbours() -> None:
    """osmnx truncate_by_edge semantics: a node outside stays if a neighbour is inside."""
    ways = osm.RawWays(
        node_osm_id=np.arange(1, 5),
        lon=np.array([112.90, 112.95, 113.05, 113.10]),
        lat=np.array([28.0, 28.0, 28.0, 28.0]),
        signal=np.zeros(4, dtype=bool),
        way_ptr=np.array([0, 4]),
        way_node=np.arange(4),
        tags=pd.DataFrame([{"osm_id": "7", "highway": "primary", "name": "", "ref": "", "oneway": "", "maxspeed": "", "junction": ""}]),
        node_tags={},
    )
    g = osm.clip_to_polygon(osm.raw_graph(ways), osm.bbox_polygon(112.93, 27.9, 113.0, 28.1))
    assert sorted(g.node_osm_id.tolist()) == [1, 2, 3]  # 2 inside; 1 and 3 are its neighbours; 4 goes
    assert len(g.u) == 4  # two two-way segments


def test_cli_pipeline_option_is_part_of_the_cache_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from network.cli.main import main

    pbf = write_czt_pbf(tmp_path / "czt-test.osm.pbf")
    root = tmp_path / "cache"
    for pipeline in ("osmnx", "arrays"):
        assert main(["network", "build", "--source", "pbf", "--path", str(pbf), "--pipeline", pipeline, "--cache-dir", str(root), "--json"]) == 0
    capsys.readouterr()
    entries = osm.cache_entries(root)
    assert sorted(osm.read_manifest(e)["request"]["pipeline"] for e in entries) == ["arrays", "osmnx"]
    a, b = (osm.read_cache(e) for e in entries)
    _assert_equivalent(a, b, n_points=len(a.nodes))
    assert main(["network", "build", "--source", "pbf", "--path", str(pbf), "--pipeline", "networkx", "--cache-dir", str(root)]) == 2
