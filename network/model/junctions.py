"""Junctions the skeleton lacks where two of its straight segments cross: an edge split at a point, so
another road can join it there (an expressway interchange, ``data/interchanges.csv``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from network.geo import to_lonlat
from network.model.graph import RoadNetwork

__all__ = ["nearest_edge_of", "split_edge_through"]


def _xy(roads: RoadNetwork, node_id: int) -> tuple[float, float]:
    row = roads.nodes.loc[roads.nodes["node_id"] == node_id].iloc[0]
    return float(row["x"]), float(row["y"])


def _fraction(a: tuple[float, float], b: tuple[float, float], p: tuple[float, float]) -> tuple[float, float]:
    """Where ``p`` projects on segment a-b (share of the way from a, clipped to [0, 1]) and its distance (m)."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    den = dx * dx + dy * dy
    f = 0.0 if den == 0 else min(1.0, max(0.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / den))
    return f, float(np.hypot(ax + f * dx - p[0], ay + f * dy - p[1]))


def nearest_edge_of(roads: RoadNetwork, ref: str, x: float, y: float) -> tuple[int, float, float]:
    """Among the edges whose ``ref`` is ``ref``: the position of the one nearest the metric point (x, y), the
    share of its length at which the point projects on it, and the distance (m). No such edge: (-1, 0, inf)."""
    e = roads.edges
    best = (-1, 0.0, float("inf"))
    for pos in np.flatnonzero(e["ref"].fillna("").astype(str).to_numpy() == ref):
        f, d = _fraction(_xy(roads, int(e["u"].iloc[pos])), _xy(roads, int(e["v"].iloc[pos])), (x, y))
        if d < best[2]:
            best = (int(pos), f, d)
    return best


def split_edge_through(roads: RoadNetwork, pos: int, x: float, y: float, node_id: int | None = None) -> tuple[RoadNetwork, int]:
    """``roads`` with edge ``pos`` replaced by two edges through a node at the projection of (x, y) on it
    (``node_id`` when given, an existing node the edge is made to pass through; else a new node), each with
    its share of the length (and of ``signals`` when the edges carry them). Returns the node id."""
    e = roads.edges
    row = e.iloc[pos]
    u, v = int(row["u"]), int(row["v"])
    f, _ = _fraction(_xy(roads, u), _xy(roads, v), (x, y))
    nodes = roads.nodes
    if node_id is None:
        (ux, uy), (vx, vy) = _xy(roads, u), _xy(roads, v)
        px, py = ux + f * (vx - ux), uy + f * (vy - uy)
        lon, lat = to_lonlat().transform(px, py)
        node_id = int(nodes["node_id"].max()) + 1
        nodes = pd.concat([nodes, pd.DataFrame([{"node_id": node_id, "lon": float(lon), "lat": float(lat), "x": px, "y": py}])], ignore_index=True)
    halves = pd.DataFrame([row, row]).reset_index(drop=True)
    halves["u"] = [u, node_id]
    halves["v"] = [node_id, v]
    halves["length_m"] = [float(row["length_m"]) * f, float(row["length_m"]) * (1.0 - f)]
    if "signals" in halves.columns:
        halves["signals"] = [float(row["signals"]) * f, float(row["signals"]) * (1.0 - f)]
    edges = pd.concat([e.drop(e.index[pos]), halves], ignore_index=True)
    return replace(roads, nodes=nodes, edges=edges), node_id
