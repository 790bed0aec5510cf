"""Project types and what each does to a network state (always on a copy, never in place).

``add_road`` (a new road along waypoints) lives in ``network.model.road_add``: the embedded source adds
the curated trunk roads with it too. It is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from network.geo import to_metric
from network.model.graph import RoadNetwork
from network.model.road_add import SNAP_ENDS_M, SNAP_TO_NODE_M, add_road, with_period_speeds, with_signals
from network.model.speeds import CLASS_SPEEDS_KPH, DETOUR_FACTOR, PERIODS, Period
from network.sources.classify import nearest_on_polyline

_TO_M = to_metric()

__all__ = [
    "SNAP_ENDS_M",
    "SNAP_TO_NODE_M",
    "add_road",
    "close_refs",
    "close_road",
    "corridor_edge_index",
    "eligible_edges",
    "match_corridor",
    "upgrade_road",
]

CORRIDOR_SNAP_M = 5000.0
"""A corridor waypoint must lie within this distance of a network node."""
CORRIDOR_BUFFER_M = 1500.0
"""A corridor first follows the shortest path between its end waypoints over edges whose ends lie
within this distance of the waypoint polyline (about the accuracy of drawn waypoints)."""


def eligible_edges(roads: RoadNetwork, highway: str | None) -> np.ndarray:
    """Edges a project of class ``highway`` may claim: an expressway project only expressway edges;
    any other project (urban, rural, a 'before' state) never an expressway edge, nor an edge of
    another named road (a ``ref``: a project added as its own road, a curated trunk road)."""
    is_x = roads.edges["highway"].astype(str).to_numpy() == "expressway"
    if highway == "expressway":
        return is_x
    named = roads.edges["ref"].fillna("").astype(str).to_numpy() != ""
    return ~is_x & ~named


@dataclass(frozen=True)
class CorridorMatch:
    """The edges a corridor follows and how well its waypoints fit the network.

    edge_index: positional indices into ``roads.edges``; waypoint_gap_m: distance of each waypoint to
    the nearest eligible node; length_m: the matched path's length (each edge once).
    """

    edge_index: np.ndarray
    waypoint_gap_m: np.ndarray
    length_m: float


def match_corridor(
    roads: RoadNetwork, path_lonlat: list[tuple[float, float]], *, eligible: np.ndarray | None = None, snap_m: float = CORRIDOR_SNAP_M
) -> CorridorMatch:
    """Edges along a corridor: the shortest path (by length) over ``eligible`` edges through the
    eligible nodes nearest the waypoints (waypoints farther than ``snap_m`` are skipped).

    Selecting by path rather than by buffer keeps crossing roads out and follows the real alignment
    even where the waypoints are approximate; restricting to ``eligible`` edges keeps a project off
    other roads (an urban project never runs along an expressway).
    """
    nodes = roads.nodes
    e = roads.edges
    keep = np.ones(len(e), dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    u = e["u"].to_numpy(dtype=np.int64)
    v = e["v"].to_numpy(dtype=np.int64)
    length = e["length_m"].to_numpy(dtype=float)
    pos = np.flatnonzero(keep)
    cand = np.unique(np.r_[u[pos], v[pos]])
    lon = np.array([p[0] for p in path_lonlat], dtype=float)
    lat = np.array([p[1] for p in path_lonlat], dtype=float)
    x, y = _TO_M.transform(lon, lat)
    if len(cand) == 0:
        return CorridorMatch(np.array([], dtype=np.int64), np.full(len(lon), np.inf), 0.0)
    xy = nodes[["x", "y"]].to_numpy()[cand]
    d, j = cKDTree(xy).query(np.column_stack([x, y]))
    wp = [int(cand[i]) for i, dist in zip(j, d) if dist <= snap_m]
    if len(wp) < 2:
        return CorridorMatch(np.array([], dtype=np.int64), np.asarray(d, dtype=float), 0.0)
    n = len(nodes)
    g = csr_matrix((np.r_[length[pos], length[pos]], (np.r_[u[pos], v[pos]], np.r_[v[pos], u[pos]])), shape=(n, n))
    # map (a, b) -> shortest eligible edge position between them
    lookup: dict[tuple[int, int], int] = {}
    for k in pos[np.argsort(length[pos], kind="stable")][::-1]:
        lookup[(int(u[k]), int(v[k]))] = int(k)
        lookup[(int(v[k]), int(u[k]))] = int(k)
    chosen: list[int] = []
    # first: the shortest path between the end waypoints over eligible edges inside the corridor's
    # buffer (a road follows its corridor even where inner waypoints sit beside it)
    near = _within_buffer(nodes[["x", "y"]].to_numpy(), np.column_stack([x, y]), CORRIDOR_BUFFER_M)
    inside = pos[near[u[pos]] & near[v[pos]]]
    if len(inside):
        gb = csr_matrix((np.r_[length[inside], length[inside]], (np.r_[u[inside], v[inside]], np.r_[v[inside], u[inside]])), shape=(n, n))
        chosen = _path_edges(gb, wp[0], wp[-1], lookup)
    if not chosen:
        for a, b in zip(wp[:-1], wp[1:]):
            if a != b:
                chosen += _path_edges(g, a, b, lookup)
    idx = np.unique(np.array(chosen, dtype=np.int64))
    return CorridorMatch(idx, np.asarray(d, dtype=float), float(length[idx].sum()))


def _path_edges(g: csr_matrix, a: int, b: int, lookup: dict[tuple[int, int], int]) -> list[int]:
    """Edge positions on the shortest path a -> b in ``g`` (empty when b is unreachable)."""
    if a == b:
        return []
    _, pred = dijkstra(g, indices=a, return_predecessors=True)
    out: list[int] = []
    node = b
    while node != a:
        p = int(pred[node])
        if p < 0:
            return []
        out.append(lookup[(p, node)])
        node = p
    return out


def _within_buffer(points_xy: np.ndarray, line_xy: np.ndarray, buffer_m: float) -> np.ndarray:
    """Whether each point lies within ``buffer_m`` of the polyline ``line_xy``."""
    if len(line_xy) < 2:
        return np.hypot(*(points_xy - line_xy[0]).T) <= buffer_m
    dist, _ = nearest_on_polyline(points_xy[:, 0], points_xy[:, 1], line_xy)
    return np.asarray(dist <= buffer_m)


def corridor_edge_index(
    roads: RoadNetwork, path_lonlat: list[tuple[float, float]], *, snap_m: float = CORRIDOR_SNAP_M, highway: str | None = None
) -> np.ndarray:
    """Edges along a corridor that a project of class ``highway`` may claim (see ``match_corridor``).

    Returns positional indices into ``roads.edges``; empty when fewer than 2 waypoints are near the network.
    """
    return match_corridor(roads, path_lonlat, eligible=eligible_edges(roads, highway), snap_m=snap_m).edge_index


def close_refs(roads: RoadNetwork, refs: list[str] | set[str] | frozenset[str]) -> RoadNetwork:
    """Copy of ``roads`` without the edges whose ``ref`` is one of ``refs`` (a road not yet open)."""
    if not refs:
        return roads
    gone = roads.edges["ref"].astype(str).isin(list(refs)).to_numpy()
    if not gone.any():
        return roads
    return close_road(roads, np.flatnonzero(gone))


def _current_speed_kph(edges: pd.DataFrame, period: Period) -> np.ndarray:
    speed = np.array([CLASS_SPEEDS_KPH[str(c)][period] for c in edges["highway"]], dtype=np.float64)
    for col in ("speed_kph", f"speed_{period}_kph"):
        if col in edges.columns:
            o = edges[col].to_numpy(dtype=float)
            speed = np.where(np.isfinite(o) & (o > 0), o, speed)
    return speed


def upgrade_road(
    roads: RoadNetwork,
    edge_index: np.ndarray,
    *,
    highway: str | None,
    speeds_kph: dict[str, float] | None,
    never_slower: bool = True,
    signals: float | None = None,
) -> RoadNetwork:
    """Copy of ``roads`` with the given edges upgraded to ``highway`` and/or per-period speeds.

    An upgrade never slows an edge: in each period an edge keeps its current speed where that is faster
    than the upgrade's, and it keeps its class only where it is faster in every period (a faster road
    the corridor shares); ``never_slower=False`` sets the values as given (a corridor's 'before' state). On the embedded tier a class change also
    rescales the straight-segment detour factor (an upgraded corridor is straightened). ``signals``
    (the road's signalised junctions) are spread over the edges by length; an upgrade that gives a new
    class and no count removes them (a 快速化 upgrade grade-separates its junctions).
    """
    edges = with_period_speeds(roads.edges.copy())
    rows = edges.index[edge_index]
    sub = edges.loc[rows]
    target: dict[Period, np.ndarray] = {}
    for period in PERIODS:
        want = (speeds_kph or {}).get(period)
        if want is None and highway is not None:
            want = CLASS_SPEEDS_KPH[highway][period]
        if want is None:
            continue
        current = _current_speed_kph(sub, period)
        keep_current = (current > float(want)) & never_slower
        target[period] = np.where(keep_current, current, float(want))
    if highway is not None:
        # an edge keeps its class only when it is faster than the upgrade in every period (a faster
        # road the corridor shares); judged on one period, an upgrade to urban_express (65/45 km/h)
        # left a rural highway (60/52) in its class although its off-peak speed rose
        faster_now = np.full(len(sub), never_slower)
        for period in PERIODS:
            want = (speeds_kph or {}).get(period, CLASS_SPEEDS_KPH[highway][period])
            faster_now &= _current_speed_kph(sub, period) > float(want)
        new_class = np.where(faster_now, sub["highway"].to_numpy(), highway)
        if roads.tier == "embedded":
            old_f = np.array([DETOUR_FACTOR[str(c)] for c in sub["highway"]])
            new_f = np.array([DETOUR_FACTOR[str(c)] for c in new_class])
            edges.loc[rows, "length_m"] = sub["length_m"].to_numpy(dtype=float) * new_f / old_f
        edges.loc[rows, "highway"] = new_class
    for period, values in target.items():
        edges.loc[rows, f"speed_{period}_kph"] = values
    if signals is not None or (highway is not None and never_slower):
        edges = with_signals(edges)
        lengths = edges.loc[rows, "length_m"].to_numpy(dtype=float)
        total = float(lengths.sum())
        edges.loc[rows, "signals"] = float(signals or 0.0) * lengths / total if total > 0 else 0.0
    return RoadNetwork(nodes=roads.nodes, edges=edges, tier=roads.tier, snapshot=roads.snapshot)


def close_road(roads: RoadNetwork, edge_index: np.ndarray) -> RoadNetwork:
    """A copy of ``roads`` without the edges in ``edge_index`` (a road closed or not yet open)."""
    edges = roads.edges.drop(roads.edges.index[edge_index]).reset_index(drop=True)
    return RoadNetwork(nodes=roads.nodes, edges=edges, tier=roads.tier, snapshot=roads.snapshot)
