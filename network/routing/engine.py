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
from network.model.graph import ACCESS_DETOUR, ModeGraph, StateParams

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
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
    """Candidate nodes per point and the access time to each (s)."""

    nodes: IntArray  # (m, k)
    access_s: FloatArray  # (m, k)


def access_speed_kph(mode: str, params: StateParams) -> float:
    return params.local_access_speed_kph if mode == "car" else params.feeder_speed_kph


def snap_points(
    graph: ModeGraph, x_m: FloatArray, y_m: FloatArray, params: StateParams, *, k: int = K_CANDIDATES, max_snap_m: float | None = MAX_SNAP_M
) -> Snap:
    """Snap points to their ``k`` nearest road nodes (KD-tree, metric CRS).

    Raises ``NetworkError`` when a point is farther than ``max_snap_m`` from every node (``None``: no limit,
    for grid cells, which then carry a long access time).
    """
    tree = graph.road_tree
    k = min(k, graph.n_road)
    d, idx = tree.query(np.column_stack([x_m, y_m]), k=k)
    d = np.asarray(d, dtype=float).reshape(len(x_m), k)
    idx = np.asarray(idx, dtype=np.int64).reshape(len(x_m), k)
    if max_snap_m is not None and len(x_m) and float(d[:, 0].max()) > max_snap_m:
        worst = int(np.argmax(d[:, 0]))
        raise NetworkError(
            f"point ({x_m[worst]:.0f}, {y_m[worst]:.0f}) m is {d[worst, 0] / 1000:.1f} km from the nearest road node (limit {max_snap_m / 1000:.0f} km)"
        )
    speed_ms = access_speed_kph(graph.mode, params) / 3.6
    return Snap(nodes=idx, access_s=d * ACCESS_DETOUR / speed_ms)


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
    vals = node_field[:, targets.nodes] + targets.access_s[None, :, :]
    return vals.min(axis=2)


def use_hierarchy(graph: ModeGraph, n_sources: int, method: Method = "auto", *, limit_s: float = np.inf) -> bool:
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
    ``workers`` processes, ``network.routing.incremental.times_between``),
    "ch" (contraction hierarchy, built once per graph and kept; no cutoff during the search, ``limit_s``
    applied after) or "auto" (see ``CH_MIN_SOURCES``).
    Both are exact; they may differ in the last bits (sums in another order, ~1e-9 s).
    """
    src = np.asarray(sources, dtype=np.int64).ravel()
    tgt = np.asarray(targets, dtype=np.int64).ravel()
    uniq, inv = np.unique(src, return_inverse=True)
    if use_hierarchy(graph, len(uniq), method, limit_s=limit_s):
        from network.routing.ch import many_to_many

        rows = many_to_many(graph.hierarchy, uniq, tgt)
    else:
        from network.routing.incremental import times_between as dijkstra_matrix

        rows = dijkstra_matrix(graph.csr, uniq, tgt, limit_s=limit_s, workers=workers)
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
                    origins.access_s[r : r + chunk, a, None] + nodes[np.ix_(si[r : r + chunk, a], ti[:, b])] + targets.access_s[None, :, b]
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
