"""Shortest paths over arrays: many origins at once, compiled, with cutoffs.

Array in, array out (the Pandana shape): points are snapped to their ``k`` nearest graph nodes with a
KD-tree in UTM 49N and an access time; a field is the minimum over those candidates.

Two compiled methods: scipy's multi-source Dijkstra (fields from a few origins to every node, with a
cutoff) and a contraction hierarchy (``network.routing.ch``, numba) for many-to-many matrices on large graphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from network._errors import NetworkError
from network.model.area import area_type_codes, per_area
from network.model.graph import ModeGraph, StateParams
from network.model.types import FloatArray, IntArray
from network.routing.ch import graph_hierarchy, many_to_many
from network.routing.dijkstra import csr_times_between

Method = Literal["auto", "ch", "dijkstra"]
K_CANDIDATES = 3
CH_MIN_SOURCES = 100
"""``method="auto"`` builds a contraction hierarchy for a matrix with at least CH_MIN_SOURCES distinct
sources and no cutoff (or uses one the graph already has). Measured on the 268,837-node benchmark graph
(``benchmarks/RESULTS.md``): a build takes 4.1-5.1 s across runs, as long as 100-120 Dijkstra runs
(41-42 ms each), after which a 300 × 300 matrix takes 0.013 s. On the 1,165-node embedded car graph the break-even is lower
(300 sources: 0.017 s by hierarchy, 0.033 s by Dijkstra); 100 is kept for both. With a cutoff, Dijkstra
only explores within it and stays the choice."""
MAX_SNAP_M = 25_000.0
"""A point farther than this from every road node is outside the network's reach (an error)."""


@dataclass(frozen=True)
class Snap:
    """Candidate nodes per point and the time to reach each (s) from the point (``access_s``) and from
    each to the point (``egress_s``). ``terminal_s`` is the car terminal time per point (parking and
    walking, by area type; zero for transit), included in both."""

    nodes: IntArray  # (m, k)
    access_s: FloatArray  # (m, k)
    egress_s: FloatArray  # (m, k)
    terminal_s: FloatArray  # (m,)


def _part(fraction: FloatArray, time_s: FloatArray) -> FloatArray:
    """``fraction`` of an arc's time; zero at its end node even where the arc is one-way (``inf``)."""
    return np.multiply(fraction, time_s, out=np.zeros(np.broadcast(fraction, time_s).shape), where=fraction > 0)


K_STATIONS = 2
"""Transit points also connect directly to their ``K_STATIONS`` nearest stations (a walk or a feeder bus)."""


def snap_points(
    graph: ModeGraph, x_m: FloatArray, y_m: FloatArray, params: StateParams, *, k: int = K_CANDIDATES, max_snap_m: float | None = MAX_SNAP_M
) -> Snap:
    """Connect points to the network, as a strategic model's zone connectors do.

    - car: the ``k`` nearest connected road nodes, over local streets at the point's area-type connector
      speed (``connector_<type>_kph``, crow-fly x ``access_detour``), plus a terminal time per trip end
      (``car_terminal_<type>_min``: parking and walking);
    - transit: the ``k`` nearest road nodes and the ``K_STATIONS`` nearest stations; walking (up to the
      walk limit) or else a feeder bus at the connector speed x ``bus_feeder_speed_factor``; boarding a
      feeder bus at the start costs ``bus_feeder_wait_min``.

    Raises ``NetworkError`` when a point is farther than ``max_snap_m`` from every node (``None``: no limit,
    for grid cells, which then carry a long access time).
    """
    v = params.values()
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    m = len(x)
    tree = graph.road_tree
    ids = graph.road_ids
    k = min(k, len(ids))
    d, idx = tree.query(np.column_stack([x, y]), k=k)
    d = np.asarray(d, dtype=float).reshape(m, k)
    nodes = ids[np.asarray(idx, dtype=np.int64).reshape(m, k)]
    if max_snap_m is not None and m and float(d[:, 0].max()) > max_snap_m:
        worst = int(np.argmax(d[:, 0]))
        raise NetworkError(
            f"point ({x[worst]:.0f}, {y[worst]:.0f}) m is {d[worst, 0] / 1000:.1f} km from the nearest road node (limit {max_snap_m / 1000:.0f} km)"
        )
    area = area_type_codes(x, y)
    connector_ms = per_area(v, "connector", "_kph")[area] / 3.6
    detour = v["access_detour"]
    # the nearest road itself: its two end nodes, reached along the road at the road's own speed
    rs = graph.road_samples
    d_edge, js = rs.tree.query(np.column_stack([x, y]))
    d_edge = np.asarray(d_edge, dtype=float).reshape(m)
    js = np.asarray(js, dtype=np.int64).reshape(m)
    ends = np.column_stack([rs.u[js], rs.v[js]]) if len(rs.u) else np.zeros((m, 0), dtype=np.int64)
    f = rs.frac[js][:, None] if len(rs.u) else np.zeros((m, 1))
    along_in = np.column_stack([_part(f[:, 0], rs.time_vu_s[js]), _part(1 - f[:, 0], rs.time_uv_s[js])]) if len(rs.u) else ends * 0.0
    along_out = np.column_stack([_part(f[:, 0], rs.time_uv_s[js]), _part(1 - f[:, 0], rs.time_vu_s[js])]) if len(rs.u) else ends * 0.0
    nodes = np.concatenate([nodes, ends], axis=1)
    d_all = np.concatenate([d, np.repeat(d_edge[:, None], ends.shape[1], axis=1)], axis=1)
    zero = np.zeros_like(d)
    in_s = np.concatenate([zero, np.nan_to_num(along_in, nan=np.inf)], axis=1)
    out_s = np.concatenate([zero, np.nan_to_num(along_out, nan=np.inf)], axis=1)
    if graph.mode == "car":
        terminal = per_area(v, "car_terminal", "_min")[area] * 60.0
        conn = d_all * detour / connector_ms[:, None] + terminal[:, None]
        return Snap(nodes=nodes, access_s=conn + in_s, egress_s=conn + out_s, terminal_s=terminal)
    walk_ms = v["walk_speed_kph"] / 3.6
    walk_max = params.walk_limit_m if params.walk_limit_m is not None else v["walk_max_m"]
    bus_ms = connector_ms * v["bus_feeder_speed_factor"]
    bus_wait = v["bus_feeder_wait_min"] * 60.0

    def leg(dist: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        walk = dist * detour <= walk_max
        ride = dist * detour / bus_ms[:, None]
        return np.where(walk, dist * detour / walk_ms, ride).astype(float), walk

    t_road, _ = leg(d_all)
    access = t_road + bus_wait + in_s  # on the road layer = on a feeder bus
    egress = t_road + out_s
    st_tree = graph.station_tree
    if st_tree is not None:
        ks = min(K_STATIONS, len(graph.station_nodes))
        ds, jst = st_tree.query(np.column_stack([x, y]), k=ks)
        ds = np.asarray(ds, dtype=float).reshape(m, ks)
        t_st, walk_st = leg(ds)
        t_st = np.where(walk_st, t_st, t_st + bus_wait)
        nodes = np.concatenate([nodes, graph.station_nodes[np.asarray(jst, dtype=np.int64).reshape(m, ks)]], axis=1)
        access = np.concatenate([access, t_st], axis=1)
        egress = np.concatenate([egress, t_st], axis=1)
    return Snap(nodes=nodes, access_s=access, egress_s=egress, terminal_s=np.zeros(m))


def node_times_s(graph: ModeGraph, sources: IntArray, *, limit_s: float = np.inf) -> FloatArray:
    """Travel time (s) from each source node to every node; ``inf`` beyond ``limit_s``.

    Returns shape (len(sources), n_nodes). One compiled multi-source call.
    """
    if len(sources) == 0:
        return np.zeros((0, graph.n_nodes))
    out = dijkstra(graph.csr, directed=True, indices=np.asarray(sources, dtype=np.int64), limit=limit_s)
    return np.atleast_2d(np.asarray(out, dtype=float))


def fields_from_points(graph: ModeGraph, origins: Snap, *, limit_s: float = np.inf) -> FloatArray:
    """Node time fields (s) from each origin point: min over its candidates of access + path.

    Returns shape (n_origins, n_nodes).
    """
    uniq = np.unique(origins.nodes.ravel())
    return fields_from_rows(node_times_s(graph, uniq, limit_s=limit_s), uniq, origins, limit_s=limit_s)


def fields_from_rows(rows: FloatArray, row_nodes: IntArray, origins: Snap, *, limit_s: float = np.inf) -> FloatArray:
    """Point fields from node rows already computed: ``rows[i]`` holds the times from node ``row_nodes[i]``
    (sorted, covering every candidate of ``origins``). Returns shape (n_origins, n_nodes)."""
    m, k = origins.nodes.shape
    idx = np.searchsorted(row_nodes, origins.nodes.ravel())
    per = rows[idx].reshape(m, k, rows.shape[1]) + origins.access_s[:, :, None]
    out = per.min(axis=1)
    out[out > limit_s] = np.inf
    return out


def times_to_points(node_field: FloatArray, targets: Snap) -> FloatArray:
    """Times (s) at target points from node fields: min over candidates of field + egress.

    node_field: (n_origins, n_nodes). Returns (n_origins, n_targets).
    """
    vals = node_field[:, targets.nodes] + targets.egress_s[None, :, :]
    return vals.min(axis=2)


def use_hierarchy(graph: ModeGraph, n_sources: int, method: Method = "auto", *, limit_s: float = np.inf) -> bool:
    """Whether ``times_between`` answers through a contraction hierarchy (see ``CH_MIN_SOURCES``)."""
    if method not in ("auto", "ch", "dijkstra"):
        raise ValueError(f"method {method!r}: expected 'auto', 'ch' or 'dijkstra'")
    if method != "auto":
        return method == "ch"
    return graph.has_hierarchy or (n_sources >= CH_MIN_SOURCES and not np.isfinite(limit_s))


def times_between(
    graph: ModeGraph,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    limit_s: float = np.inf,
    method: Method = "auto",
    workers: int = 1,
) -> FloatArray:
    """Travel times (s) from each source node to each target node; ``inf`` when unreachable or beyond ``limit_s``.

    Returns shape (len(sources), len(targets)). ``method``: "dijkstra" (scipy, chunks of sources over
    ``workers`` processes, ``network.routing.dijkstra.csr_times_between``),
    "ch" (contraction hierarchy, built once per graph and kept; no cutoff during the search, ``limit_s``
    applied after) or "auto" (see ``CH_MIN_SOURCES``).
    Both are exact; they may differ in the last bits (sums in another order, ~1e-9 s).
    """
    src = np.asarray(sources, dtype=np.int64).ravel()
    tgt = np.asarray(targets, dtype=np.int64).ravel()
    uniq, inv = np.unique(src, return_inverse=True)
    if use_hierarchy(graph, len(uniq), method, limit_s=limit_s):
        rows = many_to_many(graph_hierarchy(graph), uniq, tgt)
    else:
        rows = csr_times_between(graph.csr, uniq, tgt, limit_s=limit_s, workers=workers)
    out = rows if len(uniq) == len(src) and np.array_equal(uniq, src) else rows[inv]  # no copy when already unique, sorted
    out[out > limit_s] = np.inf
    return out


def point_matrix(
    graph: ModeGraph, origins: Snap, targets: Snap, *, limit_s: float = np.inf, method: Method = "auto", chunk: int = 2048
) -> FloatArray:
    """Times (s) between snapped points: min over candidate pairs of access + path + egress.

    Same values as ``times_to_points(fields_from_points(graph, origins), targets)`` without fields over
    every node. Returns shape (n_origins, n_targets).
    """
    src, s_inv = np.unique(origins.nodes.ravel(), return_inverse=True)
    tgt, t_inv = np.unique(targets.nodes.ravel(), return_inverse=True)
    nodes = times_between(graph, src, tgt, method=method)
    si = s_inv.reshape(origins.nodes.shape)
    ti = t_inv.reshape(targets.nodes.shape)
    out = np.full((len(si), len(ti)), np.inf)
    for r in range(0, len(si), chunk):
        block = out[r : r + chunk]
        for a in range(origins.nodes.shape[1]):
            for b in range(targets.nodes.shape[1]):
                cand = (
                    origins.access_s[r : r + chunk, a, None] + nodes[np.ix_(si[r : r + chunk, a], ti[:, b])] + targets.egress_s[None, :, b]
                )
                np.minimum(block, cand, out=block)
    out[out > limit_s] = np.inf
    return out


def path_nodes(predecessors: IntArray, source: int, target: int) -> list[int]:
    """Node sequence from ``source`` to ``target`` given a scipy predecessor row."""
    path = [target]
    node = target
    while node != source:
        node = int(predecessors[node])
        if node < 0:
            raise NetworkError(f"node {target} is not reachable from node {source}")
        path.append(node)
    return path[::-1]
