"""The compiled clock sums along shortest-path trees (``network.routing.dijkstra.clock_along_tree``) give,
bit for bit, what the vectorised pointer doubling gave: the same additions in the same order."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from network.model.graph import NetworkState
from network.routing.csr import arc_keys, canonical
from network.routing.dijkstra import clock_along_tree
from network.routing.graphs import build_mode_graph


def _reference(csr: csr_matrix, clock_s: np.ndarray, pred: npt.NDArray[np.int32], cost_s: np.ndarray) -> np.ndarray:
    """Pointer doubling over whole arrays (numpy), as the engine summed before it was compiled."""
    pred = np.atleast_2d(pred)
    rows, n = pred.shape
    has = pred >= 0
    acc = np.zeros((rows, n))
    r, c = np.nonzero(has)
    if len(r):
        pos = np.searchsorted(arc_keys(csr), pred[r, c].astype(np.int64) * n + c)
        acc[r, c] = clock_s[pos]
    anc = np.where(has, pred, -1).astype(np.int64)
    row_idx = np.arange(rows)[:, None]
    while (anc >= 0).any():
        up = anc >= 0
        a = np.where(up, anc, 0)
        acc = np.where(up, acc + acc[row_idx, a], acc)
        anc = np.where(up, anc[row_idx, a], -1)
    return np.where(np.isfinite(cost_s), acc, np.inf)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("limit", [np.inf, 40.0])
def test_random_graphs_bit_for_bit(seed: int, limit: float) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    u = rng.integers(0, n, 3000)
    v = rng.integers(0, n, 3000)
    keep = (u != v) & (v < n - 10)  # the last 10 nodes are never reached
    cost = rng.uniform(0.1, 9.0, keep.sum())
    csr = canonical(csr_matrix((cost, (u[keep], v[keep])), shape=(n, n)))
    clock = rng.uniform(0.05, 7.0, csr.nnz) / 3.0  # fractions: sums whose order shows in the last bits
    d, p = dijkstra(csr, directed=True, indices=np.arange(0, n, 7), limit=limit, return_predecessors=True)
    got = clock_along_tree(csr, clock, p, d)
    want = _reference(csr, clock, p, d)
    assert np.isinf(want).any() and np.isfinite(want).any()
    assert np.array_equal(got, want)


def test_the_surveyed_transit_graph_bit_for_bit(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "transit")
    assert g.generalized
    src = np.arange(0, g.n_nodes, max(1, g.n_nodes // 40))
    d, p = dijkstra(g.csr, directed=True, indices=src, limit=g.search_limit_s(3 * 3600.0), return_predecessors=True)
    assert np.array_equal(clock_along_tree(g.csr, g.clock_s, p, d), _reference(g.csr, g.clock_s, p, d))


def test_one_row_and_no_rows() -> None:
    csr = canonical(csr_matrix((np.array([1.0, 2.0]), (np.array([0, 1]), np.array([1, 2]))), shape=(3, 3)))
    d, p = dijkstra(csr, directed=True, indices=0, return_predecessors=True)
    assert clock_along_tree(csr, np.array([0.5, 0.25]), p, d).tolist() == [[0.0, 0.5, 0.75]]
    empty = np.zeros((0, 3))
    assert clock_along_tree(csr, np.array([0.5, 0.25]), empty.astype(np.int32), empty).shape == (0, 3)
