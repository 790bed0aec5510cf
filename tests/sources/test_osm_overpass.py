"""Tier 2 end to end: osmnx downloads from a real HTTP server on 127.0.0.1 that speaks Overpass JSON.

No download function is replaced: osmnx is pointed at the local server through its settings
(``overpass_url``; rate-limit check off; a temporary response cache), and the server records what it
was asked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import osmnx as ox
import pytest

from network.sources import osm

XT = (112.9260, 27.8570)  # 湘潭 centre (data/centres.csv): the grid lies inside its 6 km urban core
STEP = 0.005  # ~500 m


def overpass_document() -> dict[str, Any]:
    """A 3 × 3 street grid at 湘潭: rows are a two-way primary, a one-way secondary and a oneway=-1 tertiary;
    columns are two-way residential streets. Node 5 (the centre) is signalised."""
    elements: list[dict[str, Any]] = []
    for r in range(3):
        for c in range(3):
            nid = 1 + 3 * r + c
            node: dict[str, Any] = {"type": "node", "id": nid, "lat": XT[1] + r * STEP, "lon": XT[0] + c * STEP}
            if nid == 5:
                node["tags"] = {"highway": "traffic_signals"}
            elements.append(node)
    ways = [
        (100, [1, 2, 3], {"highway": "primary", "name": "建设北路", "maxspeed": "20"}),
        (101, [4, 5, 6], {"highway": "secondary", "name": "单行路", "oneway": "yes"}),
        (102, [7, 8, 9], {"highway": "tertiary", "name": "反向路", "oneway": "-1"}),
        (103, [1, 4, 7], {"highway": "residential", "name": "一横街"}),
        (104, [2, 5, 8], {"highway": "residential", "name": "二横街"}),
        (105, [3, 6, 9], {"highway": "residential", "name": "三横街"}),
    ]
    elements += [{"type": "way", "id": wid, "nodes": nodes, "tags": tags} for wid, nodes, tags in ways]
    return {"version": 0.6, "generator": "test server", "osm3s": {"timestamp_osm_base": "2026-11-01T00:00:00Z"}, "elements": elements}


class _Server:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        doc = json.dumps(overpass_document()).encode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                outer.requests.append(("POST", self.path, parse_qs(body)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(doc)))
                self.end_headers()
                self.wfile.write(doc)

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append(("GET", self.path, {}))
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def overpass(tmp_path: Path) -> Iterator[_Server]:
    old = {k: getattr(ox.settings, k) for k in ("overpass_url", "overpass_rate_limit", "cache_folder", "use_cache")}
    ox.settings.overpass_rate_limit = False
    ox.settings.cache_folder = str(tmp_path / "osmnx-http")
    ox.settings.use_cache = True
    try:
        with _Server() as server:
            ox.settings.overpass_url = server.url
            yield server
    finally:
        for k, v in old.items():
            setattr(ox.settings, k, v)


def _area() -> Any:
    return osm.bbox_polygon(XT[0] - 0.002, XT[1] - 0.002, XT[0] + 2 * STEP + 0.002, XT[1] + 2 * STEP + 0.002)


def _node(roads: osm.RoadNetwork, osm_id: int) -> int:
    r, c = divmod(osm_id - 1, 3)
    lon, lat = XT[0] + c * STEP, XT[1] + r * STEP
    d = (roads.nodes["lon"] - lon) ** 2 + (roads.nodes["lat"] - lat) ** 2
    return int(roads.nodes["node_id"].iloc[int(d.to_numpy().argmin())])


def test_overpass_end_to_end(overpass: _Server, tmp_path: Path) -> None:
    roads, entry = osm.build_osm_network("overpass", polygon=_area(), options=osm.BuildOptions(cache_dir=tmp_path / "cache", snapshot_date="2026-11-01"))

    # osmnx asked the local server, with our drive filter and the study-area polygon
    posts = [r for r in overpass.requests if r[0] == "POST"]
    assert posts and all(p[1] == "/api/interpreter" for p in posts)
    query = posts[0][2]["data"][0]
    assert '["highway"~"^(motorway|motorway_link|trunk|' in query and '["access"!~"^(no|private)$"]' in query
    assert "(poly:'" in query and "out;" in query

    assert roads.tier == "osm-overpass"
    port = overpass.httpd.server_address[1]
    assert roads.snapshot == f"OpenStreetMap via Overpass API (127.0.0.1:{port}), downloaded 2026-11-01"
    assert len(roads.nodes) == 9
    e = roads.edges.set_index(["u", "v"])
    n = {i: _node(roads, i) for i in range(1, 10)}
    # one-way rows in their direction of travel; oneway=-1 reversed; two-way roads one row each
    assert e.loc[(n[4], n[5]), "oneway"] and e.loc[(n[5], n[6]), "oneway"]
    assert (n[5], n[4]) not in e.index
    assert e.loc[(n[9], n[8]), "oneway"] and e.loc[(n[8], n[7]), "oneway"]
    assert (n[7], n[8]) not in e.index
    assert not roads.edges.loc[roads.edges["name"] == "建设北路", "oneway"].any()
    # classes in 湘潭's urban core; the tagged limit caps the primary at 0.9 × 20 km/h
    cls = roads.edges.groupby("name")["highway"].first().to_dict()
    assert cls == {
        "建设北路": "urban_arterial",
        "单行路": "urban_minor",
        "反向路": "urban_minor",
        "一横街": "urban_minor",
        "二横街": "urban_minor",
        "三横街": "urban_minor",
    }
    assert list(roads.edges.loc[roads.edges["name"] == "建设北路", "speed_kph"]) == [pytest.approx(18.0)] * 2
    # 12 road edges: 2 primary (tagged maxspeed) + 2 secondary + 2 tertiary (one-way) + 6 residential
    rep = osm.network_report(roads)
    assert rep["edges"] == 12 and rep["oneway_edges"] == 4
    assert rep["share_edges_speed_tagged"] == pytest.approx(2 / 12, abs=1e-4)
    # the signal at node 5 (from the Overpass node tags): passed by 4→5 (one-way) and by one direction
    # of each residential street through 5 (two-way rows carry the mean of both directions)
    sig = roads.edges.set_index(["u", "v"])["signals_tagged"]
    assert sig[(n[4], n[5])] == 1.0 and sig[(n[5], n[6])] == 0.0
    assert sig[(min(n[2], n[5]), max(n[2], n[5]))] == 0.5 and rep["signals_passed"] == 2.0
    # urban minor-road speeds include average signal delay: none is added per junction there
    assert (roads.edges.loc[roads.edges["highway"] == "urban_minor", "signals"] == 0).all()
    assert json.loads((entry / "manifest.json").read_text(encoding="utf-8"))["report"] == rep

    # the same request again comes from our cache: the server is not asked again
    before = len(overpass.requests)
    again, entry2 = osm.build_osm_network("overpass", polygon=_area(), options=osm.BuildOptions(cache_dir=tmp_path / "cache", snapshot_date="2026-11-01"))
    assert len(overpass.requests) == before and entry2 == entry
    assert again.edges.equals(roads.edges) and again.nodes.equals(roads.nodes)


def test_overpass_url_option_overrides_settings(overpass: _Server, tmp_path: Path) -> None:
    """--overpass-url points osmnx at another server for one build and leaves the settings as they were."""
    ox.settings.overpass_url = "http://127.0.0.1:9/not-listening"
    roads, _ = osm.build_osm_network("overpass", polygon=_area(), options=osm.BuildOptions(overpass_url=overpass.url, cache_dir=tmp_path / "cache"))
    assert len(roads.nodes) == 9 and any(r[0] == "POST" for r in overpass.requests)
    assert ox.settings.overpass_url == "http://127.0.0.1:9/not-listening"
