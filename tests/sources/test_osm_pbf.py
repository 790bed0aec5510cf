"""Tier 3: a local .osm.pbf, written here with pyosmium's writer, read back into the common shape.

The test network links the three city centres (so scenarios can run on it, see test_osm_cache.py):
a motorway 长沙→株洲 (two one-way carriageways), a trunk 长沙→湘潭 with a signalised junction, a primary
湘潭→株洲 tagged maxspeed=50, a residential loop at 长沙 with a oneway=-1 side, and roads the drive
network must leave out (a footway, a private road).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import pytest
from osmium.osm.mutable import Node, Way

from network.model.graph import StateParams
from network.model.parameters import DEFAULTS
from network.model.speeds import CLASS_SPEEDS_KPH
from network.routing.graphs import road_edge_times_s
from network.sources import osm

CHANGSHA = (112.9708, 28.1988)
ZHUZHOU = (113.1450, 27.8330)
XIANGTAN = (112.9260, 27.8570)
LOOP = [(112.9708, 28.2028), (112.9753, 28.2028), (112.9753, 28.1988)]  # P1, P2, P3 (~450 m square)


class _Ids:
    def __init__(self) -> None:
        self.nodes: dict[tuple[float, float], int] = {}
        self.tags: dict[int, dict[str, str]] = {}

    def node(self, lonlat: tuple[float, float]) -> int:
        key = (round(lonlat[0], 7), round(lonlat[1], 7))
        return self.nodes.setdefault(key, len(self.nodes) + 1)


def _line(a: tuple[float, float], b: tuple[float, float], step_deg: float = 0.01) -> list[tuple[float, float]]:
    n = max(2, int(np.ceil(max(abs(b[0] - a[0]), abs(b[1] - a[1])) / step_deg)) + 1)
    return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in np.linspace(0.0, 1.0, n)]


def write_czt_pbf(path: Path) -> Path:
    """Write the small test network as .osm.pbf (or .osm, by suffix) and return the path."""
    ids = _Ids()
    ways: list[tuple[int, list[int], dict[str, str]]] = []

    def way(points: list[tuple[float, float]], **tags: str) -> list[int]:
        refs = [ids.node(p) for p in points]
        ways.append((100 + len(ways), refs, tags))
        return refs

    g4 = _line(CHANGSHA, ZHUZHOU)
    way(g4, highway="motorway", name="京港澳高速", ref="G4", oneway="yes")
    way(g4[::-1], highway="motorway", name="京港澳高速", ref="G4", oneway="yes")
    trunk = way(_line(CHANGSHA, XIANGTAN), highway="trunk", name="测试快速路")
    ids.tags[trunk[len(trunk) // 2]] = {"highway": "traffic_signals"}
    way(_line(XIANGTAN, ZHUZHOU), highway="primary", name="测试主干道", maxspeed="50")
    p1, p2, p3 = LOOP
    way([CHANGSHA, p1], highway="residential", name="环一路")
    way([p1, p2], highway="residential", name="逆行路", oneway="-1")  # traffic runs p2 -> p1
    way([p2, p3], highway="residential", name="环二路")
    way([p3, CHANGSHA], highway="residential", name="环三路")
    # local streets at 湘潭 and 株洲 make the centres real junctions (else osmnx merges the triangle)
    way([XIANGTAN, (XIANGTAN[0], XIANGTAN[1] + 0.004)], highway="residential", name="湘潭街")
    way([ZHUZHOU, (ZHUZHOU[0], ZHUZHOU[1] + 0.004)], highway="residential", name="株洲街")
    way([CHANGSHA, (112.9708, 28.1900)], highway="footway", name="步行道")
    way([p3, (112.9800, 28.1988)], highway="residential", name="私家路", access="private")

    if path.exists():
        path.unlink()
    w = osmium.SimpleWriter(str(path))
    try:
        for (lon, lat), nid in sorted(ids.nodes.items(), key=lambda kv: kv[1]):
            w.add_node(Node(id=nid, location=(lon, lat), tags=ids.tags.get(nid, {}), version=1))
        for wid, refs, tags in ways:
            w.add_way(Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        w.close()
    return path


def _nearest(roads: osm.RoadNetwork, lonlat: tuple[float, float]) -> int:
    d = np.hypot(roads.nodes["lon"] - lonlat[0], roads.nodes["lat"] - lonlat[1])
    return int(roads.nodes["node_id"].iloc[int(np.argmin(d))])


@pytest.fixture(scope="module")
def pbf_roads(tmp_path_factory: pytest.TempPathFactory) -> tuple[osm.RoadNetwork, Path]:
    tmp = tmp_path_factory.mktemp("pbf")
    pbf = write_czt_pbf(tmp / "czt-test.osm.pbf")
    roads, entry = osm.build_osm_network("pbf", path=pbf, options=osm.BuildOptions(cache_dir=tmp / "cache"))
    return roads, entry


def test_pbf_tier_and_snapshot(pbf_roads: tuple[osm.RoadNetwork, Path]) -> None:
    roads, entry = pbf_roads
    assert roads.tier == "osm-pbf"
    assert "czt-test.osm.pbf" in roads.snapshot
    assert (entry / "manifest.json").exists() and entry.parent.name == "osm"


def test_pbf_keeps_drive_roads_only(pbf_roads: tuple[osm.RoadNetwork, Path]) -> None:
    e = pbf_roads[0].edges
    names = set(e["name"])
    assert {"京港澳高速", "测试快速路", "测试主干道", "逆行路"} <= names
    assert "步行道" not in names and "私家路" not in names


def test_pbf_oneway_and_reverse_oneway(pbf_roads: tuple[osm.RoadNetwork, Path]) -> None:
    roads = pbf_roads[0]
    e = roads.edges
    cs, zz = _nearest(roads, CHANGSHA), _nearest(roads, ZHUZHOU)
    g4 = e[e["name"] == "京港澳高速"]
    assert g4["oneway"].all() and len(g4) == 2  # one row per carriageway
    assert {(int(r.u), int(r.v)) for r in g4.itertuples()} == {(cs, zz), (zz, cs)}
    assert (g4["highway"] == "expressway").all() and (g4["ref"] == "G4").all()
    back = e[e["name"] == "逆行路"]
    p1, p2 = _nearest(roads, LOOP[0]), _nearest(roads, LOOP[1])
    assert len(back) == 1 and bool(back["oneway"].iloc[0])
    assert (int(back["u"].iloc[0]), int(back["v"].iloc[0])) == (p2, p1)  # oneway=-1: against the drawing order
    assert not e.loc[e["name"] == "测试快速路", "oneway"].any()


def test_pbf_speed_profile(pbf_roads: tuple[osm.RoadNetwork, Path]) -> None:
    """Tagged maxspeed caps the speed (0.9 × limit, below the class speed); signals add delay on a trunk."""
    roads = pbf_roads[0]
    e = roads.edges
    prim = e[e["name"] == "测试主干道"]
    assert set(prim["highway"]) == {"rural_highway"}
    assert (prim["maxspeed_kph"] == 50).all()
    assert np.allclose(prim["speed_kph"], 50 * osm.OPERATING_SHARE_OF_LIMIT)
    trunk = e[e["name"] == "测试快速路"]
    assert set(trunk["highway"]) == {"rural_highway"} and int(trunk["signals"].sum()) == 1
    delay_s = DEFAULTS["signal_delay_am_peak_s"]
    t = pd.Series(road_edge_times_s(roads, None, StateParams(period="am_peak")), index=e.index)
    tr = trunk.index[0]
    assert t[tr] == pytest.approx(e.at[tr, "length_m"] / (CLASS_SPEEDS_KPH["rural_highway"]["am_peak"] / 3.6) + delay_s)
    pr = prim.index[0]
    assert t[pr] == pytest.approx(e.at[pr, "length_m"] / (45.0 / 3.6))
    rep = osm.network_report(roads)
    assert rep["share_edges_speed_tagged"] == pytest.approx(len(prim) / len(e), abs=1e-4)
    assert rep["signals_passed"] == 1.0  # the one signal, passed in each direction of the two-way trunk


def test_pbf_lengths_follow_the_roads(pbf_roads: tuple[osm.RoadNetwork, Path]) -> None:
    """Edge lengths are the road geometry's (great-circle ≈ UTM), not inflated by the skeleton's detour factor."""
    roads = pbf_roads[0]
    g4 = roads.edges[roads.edges["name"] == "京港澳高速"]
    n = roads.nodes.set_index("node_id")
    u, v = int(g4["u"].iloc[0]), int(g4["v"].iloc[0])
    straight = float(np.hypot(n.at[u, "x"] - n.at[v, "x"], n.at[u, "y"] - n.at[v, "y"]))
    assert 40_000 < straight < 50_000
    assert g4["length_m"].iloc[0] == pytest.approx(straight, rel=0.005)
