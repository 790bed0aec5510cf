"""The OSM pipeline on real tagged OSM: the Overpass export of NE Changsha (tests/fixtures/osm, © OpenStreetMap contributors, ODbL).

Pins what a planner relies on: OSM highway -> our class by urban/rural context, class speeds in the
car graph, one-way roads routable in one direction only, two-way roads in both, and road names kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from network.model.graph import NetworkState, StateParams
from network.model.parameters import DEFAULTS
from network.model.rail import load_rail
from network.model.region import load_centres
from network.model.speeds import CLASS_SPEEDS_KPH, OSM_HIGHWAY_CLASS, ROAD_CLASSES
from network.routing.graphs import build_car_graph, expressway_split, road_edge_times_s
from network.sources import osm
from tests.conftest import FIXTURES

FIXTURE = FIXTURES / "osm" / "changsha_northeast_overpass.geojson"


@pytest.fixture(scope="module")
def fixture_path() -> Path:
    return FIXTURE


@pytest.fixture(scope="module")
def fixture_doc(fixture_path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(fixture_path.read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def roads(fixture_path: Path) -> osm.RoadNetwork:
    """The whole clipped extract (component='all'): the fixture is a clip, so boundary roads dangle."""
    G, stamp = osm.graph_from_file(fixture_path, osm.study_area_polygon())
    assert stamp == "2026-03-03"  # the export's timestamp becomes the snapshot date
    G = osm.simplify_and_consolidate(G, component="all")
    return osm.to_road_network(G, tier="osm-pbf", snapshot=f"fixture {stamp}")


def _drive_ways(doc: dict[str, Any]) -> list[dict[str, str]]:
    return [
        f["properties"]
        for f in doc["features"]
        if f["geometry"]["type"] == "LineString" and f["properties"].get("highway") in OSM_HIGHWAY_CLASS
    ]


def test_only_drive_roads_and_every_class_valid(roads: osm.RoadNetwork) -> None:
    e = roads.edges
    assert set(e["osm_highway"]) <= set(OSM_HIGHWAY_CLASS)  # no footway, service, cycleway, construction …
    assert {"motorway", "trunk", "primary", "residential"} <= set(e["osm_highway"])
    assert set(e["highway"]) <= set(ROAD_CLASSES)
    assert (e["length_m"] > 0).all()
    assert e["u"].max() < len(roads.nodes) and list(roads.nodes["node_id"]) == list(range(len(roads.nodes)))


def test_class_follows_osm_highway_and_urban_context(roads: osm.RoadNetwork) -> None:
    """Each edge's class is OSM_HIGHWAY_CLASS[highway][urban or rural], urban = within the city's radius."""
    centres = load_centres()
    cs = centres.set_index("city").loc["changsha"]
    e = roads.edges
    x = roads.nodes["x"].to_numpy()
    y = roads.nodes["y"].to_numpy()
    mid_d_km = np.hypot((x[e["u"]] + x[e["v"]]) / 2 - cs["x_m"], (y[e["u"]] + y[e["v"]]) / 2 - cs["y_m"]) / 1000.0
    clearly_urban = mid_d_km < cs["urban_radius_km"] - 0.5
    clearly_rural = mid_d_km > cs["urban_radius_km"] + 0.5
    assert clearly_urban.sum() > 50 and clearly_rural.sum() > 50  # the extract straddles the 10 km core radius
    expect_urban = e["osm_highway"].map(lambda h: OSM_HIGHWAY_CLASS[h][0])
    expect_rural = e["osm_highway"].map(lambda h: OSM_HIGHWAY_CLASS[h][1])
    assert (e.loc[clearly_urban, "highway"] == expect_urban[clearly_urban]).all()
    assert (e.loc[clearly_rural, "highway"] == expect_rural[clearly_rural]).all()
    # the 京珠高速 (G4) is an expressway wherever it runs; primary roads change class at the core radius
    assert (e.loc[e["osm_highway"] == "motorway", "highway"] == "expressway").all()
    prim = e["osm_highway"] == "primary"
    assert set(e.loc[prim & clearly_urban, "highway"]) == {"urban_arterial"}
    assert set(e.loc[prim & clearly_rural, "highway"]) == {"rural_highway"}


@pytest.mark.parametrize("period", ["am_peak", "off_peak"])
def test_class_speeds_set_edge_times(roads: osm.RoadNetwork, period: str) -> None:
    """No maxspeed is tagged in the extract, so every edge runs at its class speed (plus no signal delay)."""
    e = roads.edges
    assert e["maxspeed_kph"].isna().all() and e["speed_kph"].isna().all()
    t = road_edge_times_s(roads, None, StateParams(period=period))  # type: ignore[arg-type]
    speed = e["highway"].map(lambda c: CLASS_SPEEDS_KPH[c][period]).to_numpy(dtype=float)
    delay_s = e["signals"].to_numpy() * DEFAULTS[f"signal_delay_{period}_s"]
    np.testing.assert_allclose(t, e["length_m"].to_numpy() / (speed / 3.6) + delay_s)
    # arterial and minor class speeds include average signal delay: no junction delay is added on them
    assert (e.loc[e["highway"].isin(["urban_arterial", "urban_minor"]), "signals"] == 0).all()
    mw = (e["highway"] == "expressway").to_numpy()
    np.testing.assert_allclose(e["length_m"].to_numpy()[mw] / t[mw] * 3.6, CLASS_SPEEDS_KPH["expressway"][period])
    report = osm.network_report(roads)
    assert report["share_edges_speed_tagged"] == 0.0
    assert report["km"] == pytest.approx(sum(report["km_by_class"].values()), abs=0.5)


def test_oneway_roads_route_in_one_direction_only(roads: osm.RoadNetwork, fixture_doc: dict[str, Any]) -> None:
    ways = _drive_ways(fixture_doc)
    always_oneway = {w["name"] for w in ways if "name" in w} - {
        w["name"] for w in ways if "name" in w and w.get("oneway") not in ("yes", "-1")
    }
    never_oneway = {w["name"] for w in ways if "name" in w} - {w["name"] for w in ways if "name" in w and w.get("oneway") in ("yes", "-1")}
    assert "京珠高速" in always_oneway and "双河路" in never_oneway
    e = roads.edges
    single = e["name"].map(lambda n: n != "" and ";" not in n)
    assert e.loc[single & e["name"].isin(always_oneway), "oneway"].all()
    assert not e.loc[single & e["name"].isin(never_oneway), "oneway"].any()
    assert (e.loc[e["osm_highway"] == "motorway", "oneway"]).all()
    # in the car graph a one-way edge u->v has no v->u twin unless another road provides it
    g = build_car_graph(NetworkState(roads=roads, rail=load_rail(), params=StateParams()))
    split = expressway_split(roads, StateParams().values())  # expressway edges run between their layer nodes
    e = e.assign(gu=split.u, gv=split.v)
    pairs = set(zip(e["gu"], e["gv"]))
    one = e[e["oneway"] & ~e.apply(lambda r: (r["gv"], r["gu"]) in pairs, axis=1)]
    assert len(one) > 20
    for r in one.head(50).itertuples():
        assert g.csr[r.gu, r.gv] > 0 and g.csr[r.gv, r.gu] == 0
    two = e[~e["oneway"]].head(50)
    for r in two.itertuples():
        assert g.csr[r.gu, r.gv] > 0 and g.csr[r.gv, r.gu] > 0


def test_names_and_refs_come_from_osm(roads: osm.RoadNetwork, fixture_doc: dict[str, Any]) -> None:
    ways = _drive_ways(fixture_doc)
    osm_names = {w["name"] for w in ways if "name" in w}
    names = {part for n in roads.edges["name"] if n for part in n.split(";")}
    assert names <= osm_names  # nothing invented
    assert {"京珠高速", "万家丽路高架", "东二环", "开元西路", "东升路"} <= names
    refs = {part for r in roads.edges["ref"] if r for part in r.split(";")}
    assert refs <= {w["ref"] for w in ways if "ref" in w} and refs
