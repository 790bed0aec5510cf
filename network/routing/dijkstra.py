"""Shortest-path trees by scipy's compiled Dijkstra, a block of origins per call, optionally over forked processes.

The one Dijkstra runner of the package: ``network.routing.engine`` asks it for zone matrices and
``network.routing.incremental`` for base solves with their tree arcs and for recomputed rows.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from network.model.types import FloatArray, IntArray

CHUNK_ORIGINS = 32
"""Origins per compiled call: bounds memory to CHUNK × n_nodes × 12 bytes (times + predecessors)."""


def tree_arcs(keys: IntArray, pred: npt.NDArray[np.int32], targets: IntArray | None) -> tuple[IntArray, IntArray]:
    """(row, arc id) of the tree arcs on paths from each row's source to its targets."""
    c, n = pred.shape
    if targets is None:
        rows, heads = np.nonzero(pred >= 0)
        tails = pred[rows, heads].astype(np.int64)
    else:
        marked = np.zeros((c, n), dtype=bool)
        rows = np.repeat(np.arange(c), len(targets))
        nodes = np.tile(targets, c)
        out_r: list[IntArray] = []
        out_h: list[IntArray] = []
        out_t: list[IntArray] = []
        while len(rows):
            parent = pred[rows, nodes].astype(np.int64)
            ok = (parent >= 0) & ~marked[rows, nodes]
            # two targets whose paths meet reach the same node in the same step: walk on once
            key = np.unique(rows[ok] * n + nodes[ok])
            rows, nodes = key // n, key % n
            parent = pred[rows, nodes].astype(np.int64)
            marked.ravel()[key] = True
            out_r.append(rows)
            out_h.append(nodes)
            out_t.append(parent)
            nodes = parent
        rows = np.concatenate(out_r) if out_r else np.zeros(0, np.int64)
        heads = np.concatenate(out_h) if out_h else np.zeros(0, np.int64)
        tails = np.concatenate(out_t) if out_t else np.zeros(0, np.int64)
    pos = np.searchsorted(keys, tails * n + heads)
    return rows.astype(np.int64), pos.astype(np.int64)


def clock_along_tree(csr: csr_matrix, clock_s: FloatArray, pred: npt.NDArray[np.int32], cost_s: FloatArray) -> FloatArray:
    """Clock seconds from each row's source to every node along its shortest-path tree by ``csr.data``.

    Parameters
    ----------
    csr
        The canonical graph searched (sorted indices, one entry per arc), weights the cost chosen by.
    clock_s
        Clock seconds per CSR entry (same order as ``csr.data``).
    pred
        (rows, n_nodes) predecessors of the search (scipy: ``-9999`` at the source and where unreached).
    cost_s
        (rows, n_nodes) the search's costs: ``inf`` where unreached (or beyond its cutoff).

    Returns
    -------
    (rows, n_nodes) clock seconds, ``inf`` where ``cost_s`` is. Sums up the tree by pointer doubling
    (log2 of the tree's depth steps; :func:`network.routing._tree_kernels.doubling_sums`), so the sum's order differs from a search's.
    """
    pred2 = np.ascontiguousarray(np.atleast_2d(pred), dtype=np.int32)
    rows, n = pred2.shape
    acc = np.zeros((rows, n))
    if rows and n:
        indptr = np.asarray(csr.indptr, dtype=np.int64)
        indices = np.asarray(csr.indices, dtype=np.int64)
        from network.routing._tree_kernels import doubling_sums  # lazy: numba loads only when a tree is summed

        doubling_sums(indptr, indices, np.asarray(clock_s, dtype=np.float64), pred2, acc)
    return np.where(np.isfinite(cost_s), acc, np.inf)



def _run(csr: csr_matrix, sources: IntArray, limit_s: float, *, predecessors: bool) -> tuple[FloatArray, npt.NDArray[np.int32] | None]:
    if predecessors:
        d, p = dijkstra(csr, directed=True, indices=sources, limit=limit_s, return_predecessors=True)
        return np.atleast_2d(d), np.atleast_2d(p)
    return np.atleast_2d(dijkstra(csr, directed=True, indices=sources, limit=limit_s)), None


_SHARED: dict[str, Any] = {}
"""The arrays of a parallel solve, set before the worker processes fork (inherited, never pickled)."""


def _block(start: int, block: IntArray, limit_s: float, targets: IntArray | None, usage: bool, full: bool) -> tuple[Any, ...]:
    """One compiled call for ``block`` (runs in this process or a forked worker): (start, costs at the
    targets, full cost rows or None, tree rows, tree arcs, clock seconds at the targets or None)."""
    csr: csr_matrix = _SHARED["csr"]
    clock: FloatArray | None = _SHARED.get("clock")
    d, pred = _run(csr, block, limit_s, predecessors=usage or clock is not None)
    times = d if targets is None else d[:, targets]
    clock_t = None
    if clock is not None:
        assert pred is not None
        along = clock_along_tree(csr, clock, pred, d)
        clock_t = along if targets is None else along[:, targets]
    if not usage:
        return start, times, None, None, None, clock_t
    assert pred is not None
    r, a = tree_arcs(_SHARED["keys"], pred, targets)
    return start, times, d if full else None, r + start, a, clock_t


@dataclass(frozen=True)
class Blocks:
    """How :func:`solve_blocks` runs: ``chunk`` origins per block over ``workers`` forked processes; ``usage``: also
    count each arc's use by the trees (for ``keys``); ``full``: also return each block's whole time field."""

    chunk: int = CHUNK_ORIGINS
    workers: int = 1
    usage: bool = False
    full: bool = False


def solve_blocks(
    csr: csr_matrix,
    keys: IntArray,
    src: IntArray,
    limit_s: float,
    tgt: IntArray | None,
    blocks: Blocks,
    *,
    clock_s: FloatArray | None = None,
) -> list[tuple[Any, ...]]:
    """Run Dijkstra for ``src`` in blocks (:class:`Blocks`: origins per block, forked processes); one tuple per block.

    ``clock_s`` (per CSR entry): ``csr.data`` is a generalized cost, and each block also returns the clock
    seconds along its shortest-path trees (:func:`clock_along_tree`).
    """
    chunk, workers = blocks.chunk, blocks.workers
    tasks = [(start, src[start : start + chunk], limit_s, tgt, blocks.usage, blocks.full) for start in range(0, len(src), chunk)]
    _SHARED.update(csr=csr, keys=keys, clock=clock_s)
    try:
        if workers <= 1 or len(tasks) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return [_block(*t) for t in tasks]
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx) as pool:
            futures = [pool.submit(_block, *t) for t in tasks]
            return [f.result() for f in futures]
    finally:
        _SHARED.clear()


def csr_times_between(
    csr: csr_matrix,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    limit_s: float = np.inf,
    chunk: int = CHUNK_ORIGINS,
    workers: int = 1,
) -> FloatArray:
    """Times (s) from each source to each target (a zone matrix), memory bounded by ``chunk``."""
    src = np.asarray(sources, dtype=np.int64)
    tgt = np.asarray(targets, dtype=np.int64)
    out = np.empty((len(src), len(tgt)))
    for start, t, *_ in solve_blocks(csr, np.zeros(0, np.int64), src, limit_s, tgt, Blocks(chunk, workers)):
        out[start : start + len(t)] = t
    return out


def csr_costs_between(
    csr: csr_matrix,
    clock_s: FloatArray,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    limit_s: float = np.inf,
    chunk: int = CHUNK_ORIGINS,
    workers: int = 1,
) -> tuple[FloatArray, FloatArray]:
    """Paths chosen by the cost in ``csr.data`` (generalized s): (cost, clock seconds along them) from each
    source to each target, both ``inf`` where the cost exceeds the cutoff ``limit_s`` or is unreachable.

    ``csr`` must be canonical (as every mode graph is); ``clock_s`` holds clock seconds per CSR entry.
    """
    src = np.asarray(sources, dtype=np.int64)
    tgt = np.asarray(targets, dtype=np.int64)
    cost = np.empty((len(src), len(tgt)))
    clock = np.empty((len(src), len(tgt)))
    blocks = solve_blocks(
        csr, np.zeros(0, np.int64), src, limit_s, tgt, Blocks(chunk, workers), clock_s=np.asarray(clock_s, dtype=float)
    )
    for start, t, _, _, _, c in blocks:
        cost[start : start + len(t)] = t
        clock[start : start + len(t)] = c
    return cost, clock
