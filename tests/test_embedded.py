"""The embedded skeleton (network/sources/embedded.py, network/sources/classify.py)."""

from __future__ import annotations

import numpy as np
import shapely

from network.model.graph import NetworkState
from network.model.region import Region
from network.paths import CRS_METRIC
from network.sources.classify import classify_edges
from network.sources.embedded import load_embedded_roads


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
    centres = np.array([[50_000.0, 50_000.0]])
    radius = np.array([5_000.0])
    # one edge along the corridor, one crossing it at right angles, one far away inside a city
    ux = np.array([100.0, -2_000.0, 50_000.0])
    uy = np.array([1_000.0, 10_000.0, 50_000.0])
    vx = np.array([200.0, 2_000.0, 51_000.0])
    vy = np.array([6_000.0, 10_000.0, 50_000.0])
    got = classify_edges(ux, uy, vx, vy, corridors=corridor, centres_xy=centres, urban_radius_m=radius)
    assert got == ["expressway", "rural_highway", "urban_arterial"]


def test_embedded_network_is_wgs84_at_rest(surveyed_state: NetworkState) -> None:
    n = surveyed_state.roads.nodes
    assert n["lon"].between(111.5, 114.5).all() and n["lat"].between(26.8, 29.0).all()
