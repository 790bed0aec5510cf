"""The one CSR step: sort arcs, keep the fastest of parallel arcs, build the row pointer.

Every graph in array form goes through :func:`fastest_arcs_csr` (the mode graphs of
``network.routing.graphs``, the edited arrays of ``network.routing.incremental`` and the canonical form
that the contraction hierarchy and the incremental solver read), so they agree on which of two
parallel arcs a path uses: the fastest, as Dijkstra would.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from network.model.types import IntArray


def fastest_arcs_csr(
    n_nodes: int,
    tails: npt.ArrayLike,
    heads: npt.ArrayLike,
    times_s: npt.ArrayLike,
    *attributes: npt.NDArray[np.generic],
    min_time_s: float = 0.0,
) -> tuple[csr_matrix, list[npt.NDArray[np.generic]]]:
    """CSR of ``n_nodes`` × ``n_nodes`` with one arc per (tail, head): the fastest of any parallel arcs.

    Parameters
    ----------
    n_nodes
        Number of nodes (rows and columns).
    tails, heads, times_s
        One entry per arc: its tail node, head node and time (s).
    *attributes
        Per-arc arrays (same length as ``tails``) carried along: returned in CSR order for the kept arcs.
    min_time_s
        Floor applied to the kept times (scipy's sparse storage would drop a zero-time arc).

    Returns
    -------
    tuple
        The CSR matrix (rows sorted, indices sorted within a row) and the attributes in its entry order.
    """
    t = np.asarray(tails, dtype=np.int64)
    h = np.asarray(heads, dtype=np.int64)
    w = np.asarray(times_s, dtype=np.float64)
    order = np.lexsort((w, h, t))
    t, h, w = t[order], h[order], w[order]
    first = np.ones(len(t), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    keep = order[first]
    t, h, w = t[first], h[first], w[first]
    if min_time_s > 0.0:
        w = np.maximum(w, min_time_s)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.add.at(indptr, t + 1, 1)
    csr = csr_matrix((w, h.astype(np.int32), np.cumsum(indptr)), shape=(n_nodes, n_nodes))
    return csr, [np.asarray(a)[keep] for a in attributes]


def canonical(csr: csr_matrix) -> csr_matrix:
    """Canonical CSR (sorted, one entry per arc); parallel arcs keep the fastest, as Dijkstra would.

    Parameters
    ----------
    csr
        A square sparse matrix of arc times (s), possibly with duplicate or unsorted entries.

    Returns
    -------
    csr_matrix
        ``csr`` itself when already canonical, else a canonical copy.
    """
    if csr.has_canonical_format:
        return csr
    coo = csr.tocoo()
    out, _ = fastest_arcs_csr(csr.shape[0], coo.row, coo.col, coo.data)
    return out


def arc_keys(csr: csr_matrix) -> IntArray:
    """One sortable int64 key per CSR entry, ``tail * n + head`` (ascending for canonical CSR)."""
    n = csr.shape[0]
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
    return tails * n + csr.indices.astype(np.int64)
