"""Compiled kernels for shortest-path trees (numba), kept apart so importing the routing package loads no numba."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from network.model.types import FloatArray


@njit(cache=True)
def doubling_sums(
    indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64], clock_s: FloatArray, pred: npt.NDArray[np.int32], out: FloatArray
) -> None:  # pragma: no cover - compiled (its results are tested against a numpy reference)
    """Per row: ``out[r, v]`` = the clock seconds of the tree arcs from the source to ``v``, summed by pointer
    doubling: each step adds the (old) sum of a node's ancestor to its own and jumps the ancestor pointer
    twice as far, all nodes at once, until every pointer is past the source. Compiled, row by row, over the
    nodes still climbing only (the same additions in the same order as the vectorised form)."""
    rows, n = pred.shape
    anc = np.empty(n, dtype=np.int64)
    new_acc = np.empty(n)
    new_anc = np.empty(n, dtype=np.int64)
    active = np.empty(n, dtype=np.int64)
    for r in range(rows):
        acc = out[r]
        m = 0
        for c in range(n):
            p = pred[r, c]
            if p >= 0:
                # the arc p -> c: its entry in p's (sorted) slice of the canonical CSR
                lo = indptr[p]
                hi = indptr[p + 1]
                while lo < hi:
                    mid = (lo + hi) // 2
                    if indices[mid] < c:
                        lo = mid + 1
                    else:
                        hi = mid
                acc[c] = clock_s[lo]
                anc[c] = p
                active[m] = c
                m += 1
            else:
                acc[c] = 0.0
                anc[c] = -1
        while m > 0:
            for i in range(m):
                v = active[i]
                a = anc[v]
                new_acc[v] = acc[v] + acc[a]
                new_anc[v] = anc[a]
            k = 0
            for i in range(m):
                v = active[i]
                acc[v] = new_acc[v]
                anc[v] = new_anc[v]
                if new_anc[v] >= 0:
                    active[k] = v
                    k += 1
            m = k
