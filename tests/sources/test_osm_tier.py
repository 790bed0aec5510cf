"""Rail and access on the OSM tier: a ``tier: osm`` scenario on a synthetic extract of the three cities.

The extract comes from the benchmark generator (benchmarks/osm_extract.py: city grids with dual
carriageways, expressways with interchanges, rural roads, villages), built with the array pipeline.
Stations are joined to the full OSM road graph (not the skeleton), and every centre pair has a time by
every mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from benchmarks.osm_extract import build_extract, write_pbf
from network.routing.graphs import build_transit_graph
from network.run.runner import scenario_metrics
from network.scenario.resolve import base_network
from network.scenario.schema import parse_scenario
from network.sources import osm

pytestmark = pytest.mark.slow
REGION = (112.84, 27.76, 113.22, 28.26)
"""Generated region: 长沙, 株洲 and 湘潭 with grids at 0.4 × their urban radius."""


@pytest.fixture(scope="module")
def osm_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Any]]:
    tmp = tmp_path_factory.mktemp("osm-tier")
    bld, _ = build_extract(15, 1.0, bbox=REGION, city_extent=0.4)
    pbf = tmp / "three-cities.osm.pbf"
    write_pbf(bld, pbf)
    root = tmp / "cache"
    osm.build_osm_network("pbf", path=pbf, polygon=osm.bbox_polygon(112.85, 27.77, 113.21, 28.25), options=osm.BuildOptions(cache_dir=root))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(osm.CACHE_ENV, str(root))
        base_network.cache_clear()
        metrics, _, state = scenario_metrics(parse_scenario("name: osm-three\ntier: osm\n", file="<test>"))
        yield metrics, state
    base_network.cache_clear()


def test_every_centre_pair_has_a_time_by_every_mode(osm_run: tuple[dict[str, Any], Any]) -> None:
    metrics, state = osm_run
    assert metrics["network"]["tier"] == "osm-pbf" and state.roads.tier == "osm-pbf"
    rows = metrics["centre_minutes"]
    assert {r["mode"] for r in rows} >= {"car", "transit", "best"}
    assert len({(r["from"], r["to"]) for r in rows}) == 6
    for r in rows:
        assert r["minutes"] is not None and np.isfinite(r["minutes"]) and 5.0 < r["minutes"] < 240.0, r
    best = {(r["from"], r["to"]): r["minutes"] for r in rows if r["mode"] == "best"}
    car = {(r["from"], r["to"]): r["minutes"] for r in rows if r["mode"] == "car"}
    transit = {(r["from"], r["to"]): r["minutes"] for r in rows if r["mode"] == "transit"}
    assert all(best[k] == pytest.approx(min(car[k], transit[k]), abs=0.05) for k in best)
    assert "OpenStreetMap" in str(metrics)


def test_stations_join_the_full_osm_road_graph(osm_run: tuple[dict[str, Any], Any]) -> None:
    """Each station links to OSM road nodes; inside the extract's cities stations are reached on foot
    from nearby streets (tens to hundreds of metres), not by a skeleton-sized feeder leg."""
    _, state = osm_run
    g = build_transit_graph(state)
    coo = g.csr.tocoo()
    kinds = g.edge_kind
    access = np.isin(kinds, ["walk", "feeder"])
    from_road = access & (coo.row < g.n_road) & np.isin(coo.col, g.station_nodes)
    linked = set(coo.col[from_road].tolist())
    assert linked == set(g.station_nodes.tolist())  # every station is reachable from the road graph
    walk = (kinds == "walk") & from_road
    assert walk.sum() > 0.5 * from_road.sum()  # most links are walks from nearby OSM streets
    assert np.median(g.edge_length_m[walk]) < 1200.0
