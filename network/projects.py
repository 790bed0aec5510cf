"""Project types and what each does to a network state (always on a copy, never in place)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from .graph import RoadNetwork
from .paths import CRS_METRIC, CRS_WGS84
from .speeds import DETOUR_FACTOR

SNAP_TO_NODE_M = 500.0
"""A new road's vertex within this distance of an existing node joins that node (a junction)."""

_TO_M = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)


def add_road(
    roads: RoadNetwork,
    path_lonlat: list[tuple[float, float]],
    *,
    name: str,
    speed_kph: float,
    highway: str = "urban_express",
    snap_m: float = SNAP_TO_NODE_M,
) -> RoadNetwork:
    """Return a copy of ``roads`` with a new two-way road along ``path_lonlat``.

    Each vertex joins the nearest existing node when within ``snap_m``; otherwise a new node is made
    (a vertex that joins nothing leaves the road disconnected from the network at that point).
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
        if d[k] <= snap_m:
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
    new_edges = pd.DataFrame(
        {"u": u, "v": v, "length_m": length, "highway": highway, "name": name, "ref": "", "oneway": False, "speed_kph": float(speed_kph)}
    )
    edges = roads.edges
    if "speed_kph" not in edges.columns:
        edges = edges.assign(speed_kph=np.nan)
    return RoadNetwork(nodes=nodes2, edges=pd.concat([edges, new_edges], ignore_index=True), tier=roads.tier, snapshot=roads.snapshot)
