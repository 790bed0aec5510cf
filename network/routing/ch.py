"""Contraction hierarchies: exact many-to-many travel times, compiled with numba.

A contraction hierarchy (Geisberger et al. 2008) orders the nodes by importance and "contracts" them
one by one: removing node ``v`` adds a shortcut ``u → x`` (time ``w(u,v) + w(v,x)``) for each pair of
remaining neighbours whose shortest path ran through ``v`` (a local "witness" search proves the
others unneeded). Every shortest path then exists as an up-then-down path in the hierarchy, so a
query only searches *upward* from both ends, touching hundreds of nodes instead of the whole graph.

Many-to-many matrices use buckets (Knopp et al. 2007): one backward upward search per target drops
``(target, time)`` into a bucket at each node it settles; one forward upward search per source scans
the buckets of the nodes it settles. Both searches use stall-on-demand. Pandana and OSRM also answer
with contraction hierarchies (Pandana one query per pair, OSRM's table service with buckets); here it
is written with numba, so the planner needs no compiled extension of its own.

Witness searches are bounded (settled-node limits): a bound only ever adds a shortcut that was not
needed, never drops one that was, so query results are exact (up to the order of float additions,
~1e-9 s). Build once per network state (a scenario edit changes the graph: rebuild), query many times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.sparse import csr_matrix

from network.model.types import FloatArray, IntArray
from network.routing.csr import canonical
from network.routing.graphs import ModeGraph

WITNESS_SETTLE_LIMIT = 1000
"""Settled-node bound of the witness searches that decide which shortcuts to add (priorities are
estimated with witnesses of at most two arcs). Measured on the 268,837-node benchmark graph: 1000 and
200 give the same hierarchy (793,324 shortcuts) in 4.1-5.4 s across runs; 20 adds 7 % more shortcuts and
builds in 12.2 s."""


# ------------------------------------------------------------------------------------------------
# an indexed binary min-heap over node ids (decrease-key; at most one entry per node)


@njit(cache=True)
def _sift_up(hk: FloatArray, hv: IntArray, pos: IntArray, i: int) -> None:
    key = hk[i]
    val = hv[i]
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        pos[hv[i]] = i
        i = p
    hk[i] = key
    hv[i] = val
    pos[val] = i


@njit(cache=True)
def _sift_down(hk: FloatArray, hv: IntArray, pos: IntArray, i: int, size: int) -> None:
    key = hk[i]
    val = hv[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if hk[c] >= key:
            break
        hk[i] = hk[c]
        hv[i] = hv[c]
        pos[hv[i]] = i
        i = c
    hk[i] = key
    hv[i] = val
    pos[val] = i


@njit(cache=True)
def _heap_set(hk: FloatArray, hv: IntArray, pos: IntArray, size: int, node: int, key: float) -> int:
    """Insert ``node`` or change its key (either direction); returns the new size."""
    i = pos[node]
    if i < 0:
        hk[size] = key
        hv[size] = node
        pos[node] = size
        _sift_up(hk, hv, pos, size)
        return size + 1
    old = hk[i]
    hk[i] = key
    if key < old:
        _sift_up(hk, hv, pos, i)
    else:
        _sift_down(hk, hv, pos, i, size)
    return size


@njit(cache=True)
def _heap_pop(hk: FloatArray, hv: IntArray, pos: IntArray, size: int) -> tuple[float, int, int]:
    key = hk[0]
    node = hv[0]
    pos[node] = -1
    size -= 1
    if size > 0:
        hk[0] = hk[size]
        hv[0] = hv[size]
        pos[hv[0]] = 0
        _sift_down(hk, hv, pos, 0, size)
    return key, node, size


@njit(cache=True)
def _heap_clear(hv: IntArray, pos: IntArray, size: int) -> None:
    for i in range(size):
        pos[hv[i]] = -1


# ------------------------------------------------------------------------------------------------
# building: the remaining graph as per-node arc blocks (contiguous, with slack; a full block moves to the
# end of the pool with twice the room), one set for out-arcs and one for in-arcs


@njit(cache=True)
def _grow_i(a: IntArray, cap: int) -> IntArray:
    b = np.empty(cap, a.dtype)
    b[: len(a)] = a
    return b


@njit(cache=True)
def _grow_f(a: FloatArray, cap: int) -> FloatArray:
    b = np.empty(cap, a.dtype)
    b[: len(a)] = a
    return b


@njit(cache=True)
def _block_add(
    start: IntArray, length: IntArray, room: IntArray, to: IntArray, wt: FloatArray, top: int, a: int, b: int, w: float
) -> tuple[IntArray, FloatArray, int]:
    """Append arc ``(b, w)`` to node ``a``'s block; returns the (maybe reallocated) pool and its new top."""
    if length[a] == room[a]:
        new_room = max(4, 2 * room[a])
        if top + new_room > len(to):
            size = max(2 * len(to), top + new_room)
            to = _grow_i(to, size)
            wt = _grow_f(wt, size)
        s0 = start[a]
        for i in range(length[a]):
            to[top + i] = to[s0 + i]
            wt[top + i] = wt[s0 + i]
        start[a] = top
        room[a] = new_room
        top += new_room
    i = start[a] + length[a]
    to[i] = b
    wt[i] = w
    length[a] += 1
    return to, wt, top


@njit(cache=True)
def _block_find(start: IntArray, length: IntArray, to: IntArray, a: int, b: int) -> int:
    for i in range(start[a], start[a] + length[a]):
        if to[i] == b:
            return i
    return -1


@njit(cache=True)
def _block_remove(start: IntArray, length: IntArray, to: IntArray, wt: FloatArray, a: int, b: int) -> None:
    i = _block_find(start, length, to, a, b)
    if i >= 0:
        last = start[a] + length[a] - 1
        to[i] = to[last]
        wt[i] = wt[last]
        length[a] -= 1


@njit(cache=True)
def _witness(
    u: int,
    skip: int,
    max_s: float,
    settle_limit: int,
    ost: IntArray,
    oln: IntArray,
    oto: IntArray,
    ow: FloatArray,
    dist: FloatArray,
    touched: IntArray,
    hk: FloatArray,
    hv: IntArray,
    pos: IntArray,
    mark: IntArray,
    stamp: int,
    n_targets: int,
) -> int:
    """Dijkstra from ``u`` in the remaining graph without ``skip``, up to ``max_s``, ``settle_limit``
    settled nodes, or until the ``n_targets`` nodes with ``mark == stamp`` are settled. Leaves times in
    ``dist``; returns how many entries of ``touched`` the caller must reset to ``inf``."""
    nt = 0
    dist[u] = 0.0
    touched[nt] = u
    nt += 1
    size = _heap_set(hk, hv, pos, 0, u, 0.0)
    settled = 0
    while size > 0:
        d, a, size = _heap_pop(hk, hv, pos, size)
        if d > max_s:
            break
        settled += 1
        if settled > settle_limit:
            break
        if mark[a] == stamp:
            n_targets -= 1
            if n_targets == 0:
                break
        for i in range(ost[a], ost[a] + oln[a]):
            b = oto[i]
            if b == skip:
                continue
            nd = d + ow[i]
            if nd < dist[b]:
                if dist[b] == np.inf:
                    touched[nt] = b
                    nt += 1
                dist[b] = nd
                size = _heap_set(hk, hv, pos, size, b, nd)
    _heap_clear(hv, pos, size)
    return nt


@njit(cache=True)
def _shortcuts(
    v: int,
    settle_limit: int,
    ost: IntArray,
    oln: IntArray,
    oto: IntArray,
    ow: FloatArray,
    ist: IntArray,
    iln: IntArray,
    ito: IntArray,
    iw: FloatArray,
    dist: FloatArray,
    touched: IntArray,
    hk: FloatArray,
    hv: IntArray,
    pos: IntArray,
    mark: IntArray,
    stamps: IntArray,
) -> tuple[IntArray, IntArray, FloatArray, int]:
    """Shortcuts needed to contract ``v``: (tails, heads, times, count)."""
    n_in = iln[v]
    n_out = oln[v]
    cap = max(1, n_in * n_out)
    st = np.empty(cap, np.int64)
    sh = np.empty(cap, np.int64)
    sw = np.empty(cap, np.float64)
    k = 0
    if n_in == 0 or n_out == 0:
        return st, sh, sw, 0
    o0 = ost[v]
    max_out = 0.0
    for f in range(o0, o0 + n_out):
        if ow[f] > max_out:
            max_out = ow[f]
    for e in range(ist[v], ist[v] + n_in):
        u = ito[e]
        w_in = iw[e]
        stamps[0] += 1
        n_targets = 0
        for f in range(o0, o0 + n_out):
            if oto[f] != u:
                mark[oto[f]] = stamps[0]
                n_targets += 1
        if n_targets == 0:
            continue
        nt = _witness(u, v, w_in + max_out, settle_limit, ost, oln, oto, ow, dist, touched, hk, hv, pos, mark, stamps[0], n_targets)
        for f in range(o0, o0 + n_out):
            x = oto[f]
            if x != u:
                via = w_in + ow[f]
                if dist[x] > via:
                    st[k] = u
                    sh[k] = x
                    sw[k] = via
                    k += 1
        for i in range(nt):
            dist[touched[i]] = np.inf
    return st, sh, sw, k


@njit(cache=True)
def _count_shortcuts(
    v: int,
    ost: IntArray,
    oln: IntArray,
    oto: IntArray,
    ow: FloatArray,
    ist: IntArray,
    iln: IntArray,
    ito: IntArray,
    iw: FloatArray,
    dist: FloatArray,
    touched: IntArray,
) -> int:
    """Estimate how many shortcuts contracting ``v`` needs, with witnesses of at most two arcs (no heap).

    Only orders the nodes (the priority); the real contraction runs full, bounded witness searches."""
    k = 0
    o0 = ost[v]
    for e in range(ist[v], ist[v] + iln[v]):
        u = ito[e]
        w_in = iw[e]
        nt = 0
        for f in range(ost[u], ost[u] + oln[u]):
            y = oto[f]
            if y == v:
                continue
            if ow[f] < dist[y]:
                if dist[y] == np.inf:
                    touched[nt] = y
                    nt += 1
                dist[y] = ow[f]
        for j in range(nt):
            y = touched[j]
            dy = dist[y]
            for f in range(ost[y], ost[y] + oln[y]):
                z = oto[f]
                if z == v:
                    continue
                nd = dy + ow[f]
                if nd < dist[z]:
                    if dist[z] == np.inf:
                        touched[nt] = z
                        nt += 1
                    dist[z] = nd
        for f in range(o0, o0 + oln[v]):
            x = oto[f]
            if x != u and dist[x] > w_in + ow[f]:
                k += 1
        for j in range(nt):
            dist[touched[j]] = np.inf
    return k


@njit(cache=True)
def _layout(n: int, tails: IntArray, heads: IntArray, w: FloatArray) -> tuple[IntArray, IntArray, IntArray, IntArray, FloatArray, int]:
    """Blocks of each node's arcs (``heads`` grouped by ``tails``), with slack: start, length, room, pool, pool top."""
    length = np.zeros(n, np.int64)
    for i in range(len(tails)):
        length[tails[i]] += 1
    room = length + 2
    start = np.zeros(n, np.int64)
    for v in range(1, n):
        start[v] = start[v - 1] + room[v - 1]
    top = start[n - 1] + room[n - 1] if n else 0
    to = np.empty(2 * top + 16, np.int64)
    wt = np.empty(2 * top + 16, np.float64)
    fill = np.zeros(n, np.int64)
    for i in range(len(tails)):
        a = tails[i]
        to[start[a] + fill[a]] = heads[i]
        wt[start[a] + fill[a]] = w[i]
        fill[a] += 1
    return start, length, room, to, wt, top


@njit(cache=True, nogil=True)
def _build(
    n: int, src0: IntArray, dst0: IntArray, w0: FloatArray, contract_limit: int, progress: IntArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray, IntArray, IntArray, FloatArray, int]:
    """Contract every node (no self-loops, no parallel arcs in the input).

    ``progress[0]`` counts the nodes contracted so far (runs without the GIL: another thread can read it).

    Returns rank, the upward arcs (tail, head, time) and the backward upward arcs (at, from, time) as
    recorded when their lower end was contracted, and the number of shortcuts added.
    """
    ost, oln, oroom, oto, ow, otop = _layout(n, src0, dst0, w0)
    ist, iln, iroom, ito, iw, itop = _layout(n, dst0, src0, w0)
    m = len(src0)
    up_t = np.empty(2 * m + 16, np.int64)
    up_h = np.empty(2 * m + 16, np.int64)
    up_w = np.empty(2 * m + 16, np.float64)
    dn_a = np.empty(2 * m + 16, np.int64)
    dn_f = np.empty(2 * m + 16, np.int64)
    dn_w = np.empty(2 * m + 16, np.float64)
    n_up = 0
    n_dn = 0
    added = 0

    deleted = np.zeros(n, np.int64)
    dist = np.full(n, np.inf)
    touched = np.empty(n, np.int64)
    hk = np.empty(n, np.float64)
    hv = np.empty(n, np.int64)
    pos = np.full(n, -1, np.int64)
    mark = np.full(n, -1, np.int64)
    stamps = np.zeros(1, np.int64)
    # the node-order queue (its own heap): priority = edge difference + contracted neighbours
    qk = np.empty(n, np.float64)
    qv = np.empty(n, np.int64)
    qpos = np.full(n, -1, np.int64)
    qsize = 0
    for v in range(n):
        k = _count_shortcuts(v, ost, oln, oto, ow, ist, iln, ito, iw, dist, touched)
        qsize = _heap_set(qk, qv, qpos, qsize, v, float(k - oln[v] - iln[v]))
    rank = np.full(n, -1, np.int64)
    seen = np.full(n, -1, np.int64)
    order = 0
    while qsize > 0:
        _, v, qsize = _heap_pop(qk, qv, qpos, qsize)
        st, sh, sw, k = _shortcuts(v, contract_limit, ost, oln, oto, ow, ist, iln, ito, iw, dist, touched, hk, hv, pos, mark, stamps)
        prio = float(k - oln[v] - iln[v] + deleted[v])
        if qsize > 0 and prio > qk[0]:
            qsize = _heap_set(qk, qv, qpos, qsize, v, prio)  # lazy update: not the least important any more
            continue
        rank[v] = order
        order += 1
        progress[0] = order
        # v's remaining arcs all lead to nodes contracted later: they are v's upward arcs in the hierarchy
        if n_up + oln[v] > len(up_t):
            c = 2 * len(up_t) + oln[v]
            up_t, up_h, up_w = _grow_i(up_t, c), _grow_i(up_h, c), _grow_f(up_w, c)
        if n_dn + iln[v] > len(dn_a):
            c = 2 * len(dn_a) + iln[v]
            dn_a, dn_f, dn_w = _grow_i(dn_a, c), _grow_i(dn_f, c), _grow_f(dn_w, c)
        for f in range(ost[v], ost[v] + oln[v]):
            up_t[n_up] = v
            up_h[n_up] = oto[f]
            up_w[n_up] = ow[f]
            n_up += 1
            _block_remove(ist, iln, ito, iw, oto[f], v)
        for e in range(ist[v], ist[v] + iln[v]):
            dn_a[n_dn] = v
            dn_f[n_dn] = ito[e]
            dn_w[n_dn] = iw[e]
            n_dn += 1
            _block_remove(ost, oln, oto, ow, ito[e], v)
        for j in range(k):
            a = st[j]
            b = sh[j]
            i = _block_find(ost, oln, oto, a, b)
            if i >= 0:
                if sw[j] < ow[i]:
                    ow[i] = sw[j]
                    iw[_block_find(ist, iln, ito, b, a)] = sw[j]
                continue
            oto, ow, otop = _block_add(ost, oln, oroom, oto, ow, otop, a, b, sw[j])
            ito, iw, itop = _block_add(ist, iln, iroom, ito, iw, itop, b, a, sw[j])
            added += 1
        # neighbours: one more contracted neighbour each, and a fresh priority
        for side in range(2):
            lo = ost[v] if side == 0 else ist[v]
            hi = lo + (oln[v] if side == 0 else iln[v])
            for f in range(lo, hi):
                x = oto[f] if side == 0 else ito[f]
                if seen[x] != v:
                    seen[x] = v
                    deleted[x] += 1
                    kx = _count_shortcuts(x, ost, oln, oto, ow, ist, iln, ito, iw, dist, touched)
                    qsize = _heap_set(qk, qv, qpos, qsize, x, float(kx - oln[x] - iln[x] + deleted[x]))
    return rank, up_t[:n_up], up_h[:n_up], up_w[:n_up], dn_a[:n_dn], dn_f[:n_dn], dn_w[:n_dn], added


# ------------------------------------------------------------------------------------------------
# querying


@njit(cache=True)
def _upward(
    s: int,
    ptr: IntArray,
    dst: IntArray,
    w: FloatArray,
    optr: IntArray,
    odst: IntArray,
    ow: FloatArray,
    dist: FloatArray,
    touched: IntArray,
    hk: FloatArray,
    hv: IntArray,
    pos: IntArray,
    out_node: IntArray,
    out_s: FloatArray,
) -> int:
    """Upward search from ``s`` in (ptr, dst, w) with stall-on-demand over the opposite upward
    graph (optr, odst, ow). Writes settled, unstalled nodes and their times to out_*; returns the count."""
    nt = 0
    dist[s] = 0.0
    touched[nt] = s
    nt += 1
    size = _heap_set(hk, hv, pos, 0, s, 0.0)
    k = 0
    while size > 0:
        d, a, size = _heap_pop(hk, hv, pos, size)
        stalled = False
        for e in range(optr[a], optr[a + 1]):
            if dist[odst[e]] + ow[e] < d:
                stalled = True
                break
        if stalled:
            continue
        out_node[k] = a
        out_s[k] = d
        k += 1
        for e in range(ptr[a], ptr[a + 1]):
            b = dst[e]
            nd = d + w[e]
            if nd < dist[b]:
                if dist[b] == np.inf:
                    touched[nt] = b
                    nt += 1
                dist[b] = nd
                size = _heap_set(hk, hv, pos, size, b, nd)
    for i in range(nt):
        dist[touched[i]] = np.inf
    return k


@njit(cache=True)
def _many_to_many(
    n: int,
    up_ptr: IntArray,
    up_dst: IntArray,
    up_w: FloatArray,
    dn_ptr: IntArray,
    dn_dst: IntArray,
    dn_w: FloatArray,
    sources: IntArray,
    targets: IntArray,
) -> FloatArray:
    dist = np.full(n, np.inf)
    touched = np.empty(n, np.int64)
    hk = np.empty(n, np.float64)
    hv = np.empty(n, np.int64)
    pos = np.full(n, -1, np.int64)
    out_node = np.empty(n, np.int64)
    out_s = np.empty(n, np.float64)
    cap = 1024
    b_node = np.empty(cap, np.int64)
    b_tgt = np.empty(cap, np.int64)
    b_s = np.empty(cap, np.float64)
    nb = 0
    for j in range(len(targets)):
        k = _upward(targets[j], dn_ptr, dn_dst, dn_w, up_ptr, up_dst, up_w, dist, touched, hk, hv, pos, out_node, out_s)
        while nb + k > cap:
            cap *= 2
            b_node = _grow_i(b_node, cap)
            b_tgt = _grow_i(b_tgt, cap)
            b_s = _grow_f(b_s, cap)
        for i in range(k):
            b_node[nb] = out_node[i]
            b_tgt[nb] = j
            b_s[nb] = out_s[i]
            nb += 1
    order = np.argsort(b_node[:nb], kind="mergesort")
    bptr = np.zeros(n + 1, np.int64)
    for i in range(nb):
        bptr[b_node[i] + 1] += 1
    for v in range(n):
        bptr[v + 1] += bptr[v]
    bt = b_tgt[order]
    bs = b_s[order]
    out = np.full((len(sources), len(targets)), np.inf)
    for i in range(len(sources)):
        k = _upward(sources[i], up_ptr, up_dst, up_w, dn_ptr, dn_dst, dn_w, dist, touched, hk, hv, pos, out_node, out_s)
        row = out[i]
        for q in range(k):
            a = out_node[q]
            d = out_s[q]
            for r in range(bptr[a], bptr[a + 1]):
                val = d + bs[r]
                if val < row[bt[r]]:
                    row[bt[r]] = val
    return out


# ------------------------------------------------------------------------------------------------
# the Python face


def _csr_arrays(n: int, tails: IntArray, heads: IntArray, w: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    order = np.lexsort((heads, tails))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, tails + 1, 1)
    return np.cumsum(ptr), heads[order].astype(np.int64), w[order].astype(np.float64)


@dataclass(frozen=True)
class ContractionHierarchy:
    """A contracted graph: node ranks and the two upward graphs (CSR arrays)."""

    n_nodes: int
    rank: IntArray
    up_ptr: IntArray
    """Forward upward graph: arcs ``a → b`` with rank[b] > rank[a] (original arcs and shortcuts)."""
    up_dst: IntArray
    up_w: FloatArray
    dn_ptr: IntArray
    """Backward upward graph: at node ``b``, arcs ``a → b`` with rank[a] > rank[b], stored as ``b ← a``."""
    dn_dst: IntArray
    dn_w: FloatArray
    n_shortcuts: int

    @property
    def n_arcs(self) -> int:
        """Number of upward plus downward arcs (original arcs and shortcuts)."""
        return len(self.up_dst) + len(self.dn_dst)


def build(csr: csr_matrix, *, witness_settle_limit: int = WITNESS_SETTLE_LIMIT, progress: IntArray | None = None) -> ContractionHierarchy:
    """Contract a directed graph given as a CSR matrix of arc times (s); parallel arcs keep the fastest.

    ``progress``: an int64 array whose element 0 counts the nodes contracted so far, for a progress bar
    read by another thread (the contraction runs without the GIL).
    """
    if csr.ndim != 2 or csr.shape[0] != csr.shape[1]:
        raise ValueError(f"expected a square adjacency matrix (nodes × nodes), got shape {csr.shape}")
    n = int(csr.shape[0])
    coo = canonical(csr).tocoo()  # one arc per (tail, head): the fastest
    tails = coo.row.astype(np.int64)
    heads = coo.col.astype(np.int64)
    w = coo.data.astype(np.float64)
    if len(w) and (not np.all(np.isfinite(w)) or float(w.min()) < 0):
        raise ValueError("arc times must be finite and non-negative")
    keep = tails != heads  # a self-loop is never on a shortest path
    counter = progress if progress is not None else np.zeros(1, np.int64)
    rank, up_t, up_h, up_w, dn_a, dn_f, dn_w, added = _build(n, tails[keep], heads[keep], w[keep], witness_settle_limit, counter)
    up_ptr, up_dst, up_wt = _csr_arrays(n, up_t, up_h, up_w)
    dn_ptr, dn_dst, dn_wt = _csr_arrays(n, dn_a, dn_f, dn_w)
    return ContractionHierarchy(n, rank, up_ptr, up_dst, up_wt, dn_ptr, dn_dst, dn_wt, int(added))


def graph_hierarchy(graph: ModeGraph, *, progress: IntArray | None = None) -> ContractionHierarchy:
    """The contraction hierarchy of ``graph``, built on first use and kept with the graph.

    Parameters
    ----------
    graph
        A mode graph; its hierarchy is cached on it (``graph.has_hierarchy`` then says so).
    progress
        Passed to ``build`` when the hierarchy is built now: element 0 counts the contracted nodes.

    Returns
    -------
    ContractionHierarchy
        The same object on every later call for this graph.
    """
    cached: ContractionHierarchy | None = graph.__dict__.get("hierarchy")
    if cached is None:
        cached = build(graph.csr, progress=progress)
        # kept beside the frozen fields, as functools.cached_property would keep it
        graph.__dict__["hierarchy"] = cached
    return cached


def _node_ids(ids: npt.ArrayLike, name: str, n: int) -> IntArray:
    a = np.asarray(ids)
    if a.ndim != 1:
        raise ValueError(f"{name} node ids must be a 1-D sequence, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} node ids must be integers, got {a.dtype}")
    out = a.astype(np.int64)
    if len(out) and (int(out.min()) < 0 or int(out.max()) >= n):
        raise IndexError(f"{name} node ids must lie in [0, {n})")
    return out


def many_to_many(ch: ContractionHierarchy, sources: npt.ArrayLike, targets: npt.ArrayLike) -> FloatArray:
    """Exact shortest travel times (s) from every source node to every target node; ``inf`` if unreachable.

    Returns shape (len(sources), len(targets)).
    """
    src = _node_ids(sources, "source", ch.n_nodes)
    tgt = _node_ids(targets, "target", ch.n_nodes)
    return _many_to_many(ch.n_nodes, ch.up_ptr, ch.up_dst, ch.up_w, ch.dn_ptr, ch.dn_dst, ch.dn_w, src, tgt)
