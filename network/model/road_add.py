"""Add a road along waypoints to a road network (on a copy): used by scenario edits (new roads, roads a
project adds as its own) and by the embedded source (curated trunk roads the skeleton lacks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from network.geo import to_metric
from network.model.graph import RoadNetwork
from network.model.speeds import DETOUR_FACTOR

__all__ = ["EXPRESSWAY_ACCESS_CLASS", "SNAP_ENDS_M", "SNAP_TO_NODE_M", "add_road", "with_period_speeds", "with_signals"]

_TO_M = to_metric()

SNAP_TO_NODE_M = 500.0
"""A new road's inner vertex within this distance of an existing node joins that node (a junction)."""
SNAP_ENDS_M = 3000.0
"""A new road's end joins the nearest node within this distance (roads end at other roads)."""

EXPRESSWAY_ACCESS_CLASS = "rural_highway"
"""Class of the short link from an added expressway's end waypoint to the nearest node: its access road."""


@dataclass(frozen=True)
class Joining:
    """How a new road joins the network (see :func:`add_road`): inner vertices within ``snap_m`` of a node, ends
    within ``snap_ends_m``; with ``ends_at_waypoints`` an end stays at its waypoint, linked to a node."""

    snap_m: float = SNAP_TO_NODE_M
    snap_ends_m: float = SNAP_ENDS_M
    ends_at_waypoints: bool = False


@dataclass(frozen=True)
class Published:
    """What is published about a road: its length (m; None = straight x detour factor) and its signalised junctions."""

    length_m: float | None = None
    signals: float = 0.0


def add_road(
    roads: RoadNetwork,
    path_lonlat: list[tuple[float, float]],
    *,
    name: str,
    speed_kph: float | dict[str, float] | None,
    highway: str = "urban_express",
    published: Published = Published(),
    ref: str = "",
    join: Joining = Joining(),
) -> RoadNetwork:
    """Return a copy of ``roads`` with a new two-way road along ``path_lonlat``.

    Its two ends join the nearest existing node within ``snap_ends_m`` (roads end at other roads);
    inner vertices join a node within ``snap_m`` (a junction); otherwise a new node is made (a road
    that joins nothing is disconnected from the network). With ``length_m`` (a published length) the
    segments are scaled to sum to it, else each is its straight length x the class detour factor.
    ``signals`` (signalised junctions on the whole road) are spread over its segments by length.

    With ``ends_at_waypoints`` (a road with published end points: a project added as its own road, a
    curated trunk road) the road runs exactly from its first to its last waypoint: an end joins a node
    only within ``snap_m``, otherwise it gets its own node at the waypoint, linked to the nearest
    existing node within ``snap_ends_m`` by a short edge of the same road (straight x detour, not part
    of ``length_m``; on an expressway it is the access road, class ``EXPRESSWAY_ACCESS_CLASS``, so the
    end is where a car gets on and off). So the road's published end points lie on it and a trip from
    them can use it. (``snap_m``, ``snap_ends_m``, ``ends_at_waypoints``: :class:`Joining`; ``length_m``,
    ``signals``: :class:`Published`.)
    """
    snap_m, snap_ends_m, ends_at_waypoints = join.snap_m, join.snap_ends_m, join.ends_at_waypoints
    length_m, signals = published.length_m, published.signals
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
    links: list[tuple[int, int]] = []  # (new end node, existing node it is linked to)
    for k in range(len(x)):
        is_end = k in (0, len(x) - 1)
        limit = snap_ends_m if is_end and not ends_at_waypoints else snap_m
        if d[k] <= limit:
            ids.append(int(idx[k]))
        else:
            ids.append(next_id)
            new_rows.append({"node_id": next_id, "lon": lon[k], "lat": lat[k], "x": x[k], "y": y[k]})
            if is_end and ends_at_waypoints and d[k] <= snap_ends_m:
                links.append((next_id, int(idx[k])))
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
    if links:
        lu = np.array([a for a, _ in links], dtype=np.int64)
        lv = np.array([b for _, b in links], dtype=np.int64)
        u, v = np.r_[u, lu], np.r_[v, lv]
        length = np.r_[length, np.hypot(nx_[lu] - nx_[lv], ny_[lu] - ny_[lv]) * DETOUR_FACTOR.get(highway, 1.1)]
        share = np.r_[share, np.zeros(len(links))]
    if speed_kph is None:  # the class speeds apply (NaN = no per-edge speed)
        per_period = {"am_peak": np.nan, "off_peak": np.nan}
    elif isinstance(speed_kph, dict):
        per_period = speed_kph
    else:
        per_period = {"am_peak": float(speed_kph), "off_peak": float(speed_kph)}
    # an expressway's end links (waypoint -> nearest node) are its access roads, through which a car
    # gets on and off it (a toll station, see graph.expressway_split): not part of the closed system
    is_link = np.r_[np.zeros(len(u) - len(links), dtype=bool), np.ones(len(links), dtype=bool)]
    classes = np.where(is_link & (highway == "expressway"), EXPRESSWAY_ACCESS_CLASS, highway)
    new_edges = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "length_m": length,
            "highway": classes,
            "name": name,
            "ref": ref,
            "oneway": False,
            "speed_am_peak_kph": float(per_period["am_peak"]),
            "speed_off_peak_kph": float(per_period["off_peak"]),
            "signals": float(signals) * share,
        }
    )
    edges = with_signals(with_period_speeds(roads.edges))
    return RoadNetwork(nodes=nodes2, edges=pd.concat([edges, new_edges], ignore_index=True), tier=roads.tier, snapshot=roads.snapshot)


def with_signals(edges: pd.DataFrame) -> pd.DataFrame:
    """``edges`` with a ``signals`` column (0 where absent)."""
    return edges if "signals" in edges.columns else edges.assign(signals=0.0)


def with_period_speeds(edges: pd.DataFrame) -> pd.DataFrame:
    """``edges`` with per-period speed columns (NaN = the class speed applies)."""
    for col in ("speed_am_peak_kph", "speed_off_peak_kph"):
        if col not in edges.columns:
            edges = edges.assign(**{col: np.nan})
    return edges
