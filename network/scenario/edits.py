"""Project types and what each does to a network state (always on a copy, never in place)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from network.model.graph import RoadNetwork
from network.model.speeds import DETOUR_FACTOR, Period
from network.paths import CRS_METRIC, CRS_WGS84

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
    speed_kph: float | dict[str, float],
    highway: str = "urban_express",
    snap_m: float = SNAP_TO_NODE_M,
    snap_ends_m: float = SNAP_ENDS_M,
) -> RoadNetwork:
    """Return a copy of ``roads`` with a new two-way road along ``path_lonlat``.

    Its two ends join the nearest existing node within ``snap_ends_m`` (the gap is added to the road);
    inner vertices join a node within ``snap_m`` (a junction); otherwise a new node is made (a road
    that joins nothing is disconnected from the network).
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
    length = np.hypot(nx_[u] - nx_[v], ny_[u] - ny_[v]) * DETOUR_FACTOR.get(highway, 1.1)
    per_period = speed_kph if isinstance(speed_kph, dict) else {"am_peak": float(speed_kph), "off_peak": float(speed_kph)}
    new_edges = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "length_m": length,
            "highway": highway,
            "name": name,
            "ref": "",
            "oneway": False,
            "speed_am_peak_kph": float(per_period["am_peak"]),
            "speed_off_peak_kph": float(per_period["off_peak"]),
        }
    )
    edges = _with_period_speeds(roads.edges)
    return RoadNetwork(nodes=nodes2, edges=pd.concat([edges, new_edges], ignore_index=True), tier=roads.tier, snapshot=roads.snapshot)


CORRIDOR_SNAP_M = 5000.0
"""A corridor waypoint must lie within this distance of a network node."""


def corridor_edge_index(roads: RoadNetwork, path_lonlat: list[tuple[float, float]], *, snap_m: float = CORRIDOR_SNAP_M) -> np.ndarray:
    """Edges along a corridor: the network's shortest path (by length) through the nodes nearest the waypoints.

    Returns positional indices into ``roads.edges``; empty when no waypoint is near the network.
    Selecting by path rather than by buffer keeps crossing roads out and follows the real alignment
    even where the waypoints are approximate. (On OSM tiers a name/ref filter can narrow it further.)
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    nodes = roads.nodes
    e = roads.edges
    lon = np.array([p[0] for p in path_lonlat], dtype=float)
    lat = np.array([p[1] for p in path_lonlat], dtype=float)
    x, y = _TO_M.transform(lon, lat)
    tree = cKDTree(nodes[["x", "y"]].to_numpy())
    d, idx = tree.query(np.column_stack([x, y]))
    wp = [int(i) for i, dist in zip(idx, d) if dist <= snap_m]
    if len(wp) < 2:
        return np.array([], dtype=np.int64)
    n = len(nodes)
    u = e["u"].to_numpy(dtype=np.int64)
    v = e["v"].to_numpy(dtype=np.int64)
    length = e["length_m"].to_numpy(dtype=float)
    pos = np.arange(len(e))
    g = csr_matrix((np.r_[length, length], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    # map (a, b) -> shortest edge position between them
    order = np.argsort(length, kind="stable")
    lookup: dict[tuple[int, int], int] = {}
    for k in order[::-1]:
        lookup[(int(u[k]), int(v[k]))] = int(pos[k])
        lookup[(int(v[k]), int(u[k]))] = int(pos[k])
    chosen: list[int] = []
    for a, b in zip(wp[:-1], wp[1:]):
        if a == b:
            continue
        _, pred = dijkstra(g, indices=a, return_predecessors=True)
        node = b
        while node != a:
            p = int(pred[node])
            if p < 0:
                break
            chosen.append(lookup[(p, node)])
            node = p
    return np.unique(np.array(chosen, dtype=np.int64))


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
    roads: RoadNetwork, edge_index: np.ndarray, *, highway: str | None, speeds_kph: dict[str, float] | None, never_slower: bool = True
) -> RoadNetwork:
    """Copy of ``roads`` with the given edges upgraded to ``highway`` and/or per-period speeds.

    An upgrade never slows an edge: where the matched path runs on a faster road (e.g. an expressway
    segment the corridor shares), that edge keeps its class and speed (``never_slower=False`` sets the
    values as given, used for a corridor's 'before' state). On the embedded tier a class change also
    rescales the straight-segment detour factor (an upgraded corridor is straightened).
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
    return RoadNetwork(nodes=roads.nodes, edges=edges, tier=roads.tier, snapshot=roads.snapshot)


def close_road(roads: RoadNetwork, edge_index: np.ndarray) -> RoadNetwork:
    edges = roads.edges.drop(roads.edges.index[edge_index]).reset_index(drop=True)
    return RoadNetwork(nodes=roads.nodes, edges=edges, tier=roads.tier, snapshot=roads.snapshot)
