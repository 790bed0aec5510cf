"""Project types and what each does to a network state (always on a copy, never in place)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from network.model.graph import RoadNetwork
from network.model.speeds import DETOUR_FACTOR, Period
from network.paths import CRS_METRIC, CRS_WGS84
from network.sources.classify import nearest_on_polyline

SNAP_TO_NODE_M = 500.0
"""A new road's inner vertex within this distance of an existing node joins that node (a junction)."""
SNAP_ENDS_M = 3000.0
"""A new road's end joins the nearest node within this distance (roads end at other roads)."""

_TO_M = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)


def add_road(
    roads: RoadNetwork,
    path_lonlat: list[tuple[float, float]],
    *,
    name: str,
    speed_kph: float | dict[str, float] | None,
    highway: str = "urban_express",
    snap_m: float = SNAP_TO_NODE_M,
    snap_ends_m: float = SNAP_ENDS_M,
    length_m: float | None = None,
    signals: float = 0.0,
    ref: str = "",
) -> RoadNetwork:
    """Return a copy of ``roads`` with a new two-way road along ``path_lonlat``.

    Its two ends join the nearest existing node within ``snap_ends_m`` (the gap is added to the road);
    inner vertices join a node within ``snap_m`` (a junction); otherwise a new node is made (a road
    that joins nothing is disconnected from the network). With ``length_m`` (a published length) the
    segments are scaled to sum to it, else each is its straight length x the class detour factor.
    ``signals`` (signalised junctions on the whole road) are spread over its segments by length.
    """
    nodes = roads.nodes
    lon = np.array([p[0] for p in path_lonlat], dtype=float)
    lat = np.array([p[1] for p in path_lonlat], dtype=float)
    x, y = _TO_M.transform(lon, lat)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    tree = cKDTree(nodes[["x", "y"]].to_numpy())
    d, idx = tree.query(np.column_stack([x, y]))
    next_id = int(nodes["node_id"].max()) + 1
    ids: list[int] = []
    new_rows = []
    for k in range(len(x)):
        limit = snap_ends_m if k in (0, len(x) - 1) else snap_m
        if d[k] <= limit:
            ids.append(int(idx[k]))
        else:
            ids.append(next_id)
            new_rows.append({"node_id": next_id, "lon": lon[k], "lat": lat[k], "x": x[k], "y": y[k]})
            next_id += 1
    nodes2 = pd.concat([nodes, pd.DataFrame(new_rows)], ignore_index=True) if new_rows else nodes
    nx_ = nodes2["x"].to_numpy()
    ny_ = nodes2["y"].to_numpy()
    u = np.array(ids[:-1])
    v = np.array(ids[1:])
    keep = u != v
    u, v = u[keep], v[keep]
    straight = np.hypot(nx_[u] - nx_[v], ny_[u] - ny_[v])
    if length_m is not None and straight.sum() > 0:
        length = straight * (float(length_m) / float(straight.sum()))
    else:
        length = straight * DETOUR_FACTOR.get(highway, 1.1)
    share = length / length.sum() if length.sum() > 0 else np.zeros(len(length))
    if speed_kph is None:  # the class speeds apply (NaN = no per-edge speed)
        per_period = {"am_peak": np.nan, "off_peak": np.nan}
    elif isinstance(speed_kph, dict):
        per_period = speed_kph
    else:
        per_period = {"am_peak": float(speed_kph), "off_peak": float(speed_kph)}
    new_edges = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "length_m": length,
            "highway": highway,
            "name": name,
            "ref": ref,
            "oneway": False,
            "speed_am_peak_kph": float(per_period["am_peak"]),
            "speed_off_peak_kph": float(per_period["off_peak"]),
            "signals": float(signals) * share,
        }
    )
    edges = _with_signals(_with_period_speeds(roads.edges))
    return RoadNetwork(nodes=nodes2, edges=pd.concat([edges, new_edges], ignore_index=True), tier=roads.tier, snapshot=roads.snapshot)


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


def _with_signals(edges: pd.DataFrame) -> pd.DataFrame:
    return edges if "signals" in edges.columns else edges.assign(signals=0.0)


def _with_period_speeds(edges: pd.DataFrame) -> pd.DataFrame:
    for col in ("speed_am_peak_kph", "speed_off_peak_kph"):
        if col not in edges.columns:
            edges = edges.assign(**{col: np.nan})
    return edges


def _current_speed_kph(edges: pd.DataFrame, period: Period) -> np.ndarray:
    from network.model.speeds import CLASS_SPEEDS_KPH

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

    An upgrade never slows an edge: where the matched path runs on a faster road (e.g. an expressway
    segment the corridor shares), that edge keeps its class and speed (``never_slower=False`` sets the
    values as given, used for a corridor's 'before' state). On the embedded tier a class change also
    rescales the straight-segment detour factor (an upgraded corridor is straightened). ``signals``
    (the road's signalised junctions) are spread over the edges by length; an upgrade that gives a new
    class and no count removes them (a 快速化 upgrade grade-separates its junctions).
    """
    from network.model.speeds import CLASS_SPEEDS_KPH, PERIODS

    edges = _with_period_speeds(roads.edges.copy())
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
        want_am = (speeds_kph or {}).get("am_peak", CLASS_SPEEDS_KPH[highway]["am_peak"])
        faster_now = (_current_speed_kph(sub, "am_peak") > float(want_am)) & never_slower
        new_class = np.where(faster_now, sub["highway"].to_numpy(), highway)
        if roads.tier == "embedded":
            old_f = np.array([DETOUR_FACTOR[str(c)] for c in sub["highway"]])
            new_f = np.array([DETOUR_FACTOR[str(c)] for c in new_class])
            edges.loc[rows, "length_m"] = sub["length_m"].to_numpy(dtype=float) * new_f / old_f
        edges.loc[rows, "highway"] = new_class
    for period, values in target.items():
        edges.loc[rows, f"speed_{period}_kph"] = values
    if signals is not None or (highway is not None and never_slower):
        edges = _with_signals(edges)
        lengths = edges.loc[rows, "length_m"].to_numpy(dtype=float)
        total = float(lengths.sum())
        edges.loc[rows, "signals"] = float(signals or 0.0) * lengths / total if total > 0 else 0.0
    return RoadNetwork(nodes=roads.nodes, edges=edges, tier=roads.tier, snapshot=roads.snapshot)


def close_road(roads: RoadNetwork, edge_index: np.ndarray) -> RoadNetwork:
    edges = roads.edges.drop(roads.edges.index[edge_index]).reset_index(drop=True)
    return RoadNetwork(nodes=roads.nodes, edges=edges, tier=roads.tier, snapshot=roads.snapshot)
