"""The embedded skeleton (network/sources/embedded.py, network/sources/classify.py)."""

from __future__ import annotations

import numpy as np
import shapely

from network.model.area import area_type_codes
from network.model.graph import NetworkState
from network.model.region import Region
from network.paths import CRS_METRIC
from network.sources.classify import MIN_BUILT_UP_SHARE, built_up_share, classify_edges
from network.sources.embedded import load_embedded_roads, load_trunk_roads


def test_skeleton_holds_3000_km_inside_study_area(surveyed_state: NetworkState, region: Region) -> None:
    n = surveyed_state.roads.nodes.set_index("node_id")
    e = surveyed_state.roads.edges
    lines = shapely.linestrings(np.stack([n.loc[e["u"], ["x", "y"]].to_numpy(), n.loc[e["v"], ["x", "y"]].to_numpy()], axis=1))
    study = shapely.union_all(region.zones.to_crs(CRS_METRIC).geometry.values)
    inside_km = float(shapely.length(shapely.intersection(lines, study)).sum()) / 1000.0
    assert inside_km >= 3000.0


def test_every_edge_has_a_known_class_and_positive_length() -> None:
    e = load_embedded_roads().edges
    assert set(e["highway"]) == {"expressway", "urban_arterial", "rural_highway"}
    assert (e["length_m"] > 0).all()


def test_rail_has_150_stations(surveyed_state: NetworkState) -> None:
    assert surveyed_state.rail.stops["name_zh"].nunique() >= 150


def test_classifier_corridor_needs_alignment_not_just_proximity() -> None:
    corridor = [np.array([[0.0, 0.0], [0.0, 20_000.0]])]
    # one edge along the corridor, one crossing it at right angles, one far away in built-up area
    ux = np.array([100.0, -2_000.0, 50_000.0])
    uy = np.array([1_000.0, 10_000.0, 50_000.0])
    vx = np.array([200.0, 2_000.0, 51_000.0])
    vy = np.array([6_000.0, 10_000.0, 50_000.0])
    got = classify_edges(ux, uy, vx, vy, corridors=corridor, built_up=np.array([1.0, 0.0, 1.0]))
    assert got == ["expressway", "rural_highway", "urban_arterial"]


def test_built_up_share_measures_length_in_built_up_cells() -> None:
    """A segment half inside a built-up strip (x < 5 km: urban) is half built-up; an edge is an urban
    arterial from half its length on, far from any city centre (area type, not distance, decides)."""

    def code_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.where(x < 5_000.0, 1, 3).astype(np.int64)

    ux = np.array([0.0, 0.0, 6_000.0])
    vx = np.array([10_000.0, 4_000.0, 9_000.0])
    zeros = np.zeros(3)
    share = built_up_share(ux, zeros, vx, zeros, area_code_at=code_at, samples=10)
    assert share.tolist() == [0.5, 1.0, 0.0]
    got = classify_edges(ux, zeros, vx, zeros + 1.0, corridors=[], built_up=share)
    assert got == ["urban_arterial", "urban_arterial", "rural_highway"]


def test_built_up_corridors_between_the_cities_are_arterials() -> None:
    """The shipped skeleton classifies by area type: every non-expressway edge with most of its length
    in core/urban/suburban cells is an urban arterial, the rest rural highways; the built-up belt
    between the cities (暮云-昭山, lat 27.93-28.03 near lon 113.0) has no rural highway."""
    roads = load_embedded_roads()
    n, e = roads.nodes, roads.edges
    x, y = n["x"].to_numpy(), n["y"].to_numpy()
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    share = built_up_share(x[u], y[u], x[v], y[v], area_code_at=area_type_codes)
    # the skeleton's own edges (curated trunk roads carry their own class, and an expressway's end links
    # are its access roads)
    other = (e["highway"].to_numpy() != "expressway") & ~e["ref"].isin(set(load_trunk_roads()["road"])).to_numpy()
    is_arterial = e["highway"].to_numpy() == "urban_arterial"
    assert (is_arterial[other] == (share[other] >= MIN_BUILT_UP_SHARE)).all()
    lon = (n["lon"].to_numpy()[u] + n["lon"].to_numpy()[v]) / 2
    lat = (n["lat"].to_numpy()[u] + n["lat"].to_numpy()[v]) / 2
    belt = other & (abs(lon - 113.0) < 0.03) & (lat > 27.93) & (lat < 28.03)
    assert belt.sum() >= 5 and (e["highway"].to_numpy()[belt] == "urban_arterial").all()


def test_embedded_network_is_wgs84_at_rest(surveyed_state: NetworkState) -> None:
    n = surveyed_state.roads.nodes
    assert n["lon"].between(111.5, 114.5).all() and n["lat"].between(26.8, 29.0).all()
