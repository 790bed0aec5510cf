"""Incremental re-evaluation: after an edit, recompute only the origins whose results can change.

A base solve runs the compiled multi-source Dijkstra once per origin and keeps, besides the times,
which arcs (CSR entries) each origin's shortest-path tree uses on its way to the targets. Then, for
an edit of the same graph (same nodes; arcs removed, slowed, sped up or added):

- removing or slowing an arc can only change the origins whose tree uses it on a path to a target
  (otherwise those tree paths survive unchanged and nothing got shorter);
- speeding up or adding an arc ``u → v`` with new time ``w`` can only change origin ``o`` when
  ``t[o, u] + w < t[o, v]`` (otherwise the old times stay a feasible potential, hence exact). This
  test needs the full node fields of the base solve (``keep_fields=True``).

Every other origin keeps its base row, bit for bit; the affected ones are recomputed with the same
compiled routine on the edited arrays. Edits are array operations on the CSR (no graph objects).
Leave-one-out over projects and attribution are the main users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix

from network.model.types import FloatArray, IntArray
from network.routing.ch import build, many_to_many
from network.routing.csr import arc_keys, canonical, fastest_arcs_csr
from network.routing.dijkstra import CHUNK_ORIGINS, Blocks, solve_blocks
from network.routing.engine import CH_MIN_SOURCES


@dataclass(frozen=True)
class TreeSolve:
    """Times from ``sources`` and the tree arcs each source uses to reach its ``targets``.

    times_s: (n_sources, n_targets), or (n_sources, n_nodes) when ``targets`` is None; ``inf``
    beyond ``limit_s``.
    usage: (n_sources, nnz) boolean CSC matrix: entry (i, e) is set when CSR arc ``e`` lies on the
    shortest-path tree of source ``i`` on the way to one of its targets (or any node).
    fields_s: (n_sources, n_nodes) full node times, only with ``keep_fields=True``.
    """

    csr: csr_matrix
    sources: IntArray
    targets: IntArray | None
    limit_s: float
    times_s: FloatArray
    usage: csc_matrix
    fields_s: FloatArray | None = None
    clock_s: FloatArray | None = None
    """With ``clock_s`` given to :func:`solve` (``csr.data`` a generalized cost): the clock seconds along
    the trees, same shape as ``times_s`` (which then holds generalized seconds)."""

    @property
    def n_sources(self) -> int:
        """Number of origins solved."""
        return len(self.sources)


def arc_ids(csr: csr_matrix, tails: npt.ArrayLike, heads: npt.ArrayLike) -> IntArray:
    """CSR entry index of each arc ``tail → head``; ``-1`` where there is no such arc."""
    t = np.asarray(tails, dtype=np.int64)
    h = np.asarray(heads, dtype=np.int64)
    keys = arc_keys(csr)
    want = t * csr.shape[0] + h
    pos = np.searchsorted(keys, want)
    pos_c = np.minimum(pos, len(keys) - 1)
    found = (pos < len(keys)) & (keys[pos_c] == want)
    return np.where(found, pos_c, -1).astype(np.int64)


def solve(
    csr: csr_matrix,
    sources: npt.ArrayLike,
    *,
    targets: npt.ArrayLike | None = None,
    limit_s: float = np.inf,
    keep_fields: bool = False,
    chunk: int = CHUNK_ORIGINS,
    workers: int = 1,
    clock_s: FloatArray | None = None,
) -> TreeSolve:
    """Base solve: times from ``sources`` (to ``targets``, or to every node) and their tree arcs.

    ``workers`` > 1 splits the origins over that many forked processes (same results). ``clock_s`` (per
    entry of ``csr``, which must then be canonical): ``csr.data`` is the generalized cost paths are
    chosen by, and the solve also keeps the clock seconds along the trees (``TreeSolve.clock_s``).
    """
    if clock_s is not None and not csr.has_canonical_format:
        raise ValueError("solve with clock_s needs a canonical csr (its entries in the order of clock_s)")
    csr = canonical(csr)
    src = np.asarray(sources, dtype=np.int64)
    tgt = None if targets is None else np.asarray(targets, dtype=np.int64)
    n = csr.shape[0]
    keys = arc_keys(csr)
    width = n if tgt is None else len(tgt)
    times = np.empty((len(src), width))
    fields = (times if tgt is None else np.empty((len(src), n))) if keep_fields else None
    clock = None if clock_s is None else np.empty((len(src), width))
    rows_all: list[IntArray] = []
    arcs_all: list[IntArray] = []
    blocks = solve_blocks(csr, keys, src, limit_s, tgt, Blocks(chunk, workers, usage=True, full=keep_fields), clock_s=clock_s)
    for start, t, d, r, a, c in blocks:
        times[start : start + len(t)] = t
        if fields is not None and tgt is not None:
            fields[start : start + len(t)] = d
        if clock is not None:
            clock[start : start + len(t)] = c
        rows_all.append(r)
        arcs_all.append(a)
    rows = np.concatenate(rows_all) if rows_all else np.zeros(0, np.int64)
    arcs = np.concatenate(arcs_all) if arcs_all else np.zeros(0, np.int64)
    usage = coo_matrix((np.ones(len(rows), dtype=bool), (rows, arcs)), shape=(len(src), csr.nnz)).tocsc()
    return TreeSolve(csr=csr, sources=src, targets=tgt, limit_s=limit_s, times_s=times, usage=usage, fields_s=fields, clock_s=clock)


# ---------------------------------------------------------------------------------------------
# edits on arrays


def without_arcs(csr: csr_matrix, arcs: npt.ArrayLike) -> csr_matrix:
    """A copy of ``csr`` without the given CSR entries (same nodes)."""
    ids = np.asarray(arcs, dtype=np.int64)
    ids = ids[ids >= 0]
    keep = np.ones(csr.nnz, dtype=bool)
    keep[ids] = False
    n = csr.shape[0]
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(tails[keep], minlength=n))]).astype(np.int64)
    return csr_matrix((csr.data[keep], csr.indices[keep], indptr), shape=csr.shape)


def with_arc_times(csr: csr_matrix, arcs: npt.ArrayLike, times_s: npt.ArrayLike) -> csr_matrix:
    """A copy of ``csr`` with new times on existing arcs (e.g. a speed change)."""
    data = csr.data.copy()
    data[np.asarray(arcs, dtype=np.int64)] = np.maximum(np.asarray(times_s, dtype=float), 1e-6)
    return csr_matrix((data, csr.indices, csr.indptr), shape=csr.shape)


def with_new_arcs(csr: csr_matrix, tails: npt.ArrayLike, heads: npt.ArrayLike, times_s: npt.ArrayLike) -> csr_matrix:
    """A copy of ``csr`` with arcs added between existing nodes (a parallel arc keeps the faster time)."""
    coo = csr.tocoo()
    t = np.concatenate([coo.row, np.asarray(tails, dtype=np.int64)])
    h = np.concatenate([coo.col, np.asarray(heads, dtype=np.int64)])
    w = np.concatenate([coo.data, np.maximum(np.asarray(times_s, dtype=float), 1e-6)])
    out, _ = fastest_arcs_csr(csr.shape[0], t, h, w)
    return out


# ---------------------------------------------------------------------------------------------
# which origins can change


def origins_using(base: TreeSolve, arcs: npt.ArrayLike) -> IntArray:
    """Rows (source indices) whose tree uses any of ``arcs``: all a removal or slow-down can change."""
    ids = np.asarray(arcs, dtype=np.int64)
    ids = ids[ids >= 0]
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    return np.unique(base.usage[:, ids].tocoo().row).astype(np.int64)


def origins_improved_by(base: TreeSolve, tails: npt.ArrayLike, heads: npt.ArrayLike, times_s: npt.ArrayLike) -> IntArray:
    """Rows for which a faster/new arc ``tail → head`` (time ``times_s``) beats the head's current time."""
    if base.fields_s is None:
        raise ValueError("origins_improved_by needs the base node fields: solve(..., keep_fields=True)")
    t = np.asarray(tails, dtype=np.int64)
    h = np.asarray(heads, dtype=np.int64)
    w = np.maximum(np.asarray(times_s, dtype=float), 1e-6)
    if not len(t):
        return np.zeros(0, dtype=np.int64)
    via = base.fields_s[:, t] + w[None, :]
    better = (via < base.fields_s[:, h]) & (via <= base.limit_s)
    return np.nonzero(better.any(axis=1))[0].astype(np.int64)


def recompute(
    base: TreeSolve, csr: csr_matrix, rows: npt.ArrayLike, *, chunk: int = CHUNK_ORIGINS, workers: int = 1, method: str = "auto"
) -> FloatArray:
    """Times on the edited ``csr``: base rows copied, ``rows`` recomputed (same shape as ``base.times_s``).

    With targets and no cutoff, many rows (``network.routing.engine.CH_MIN_SOURCES``) are cheaper through a
    contraction hierarchy of the edited graph than row by row ("auto"; or "ch", "dijkstra").
    """
    out = base.times_s.copy()
    r = np.asarray(rows, dtype=np.int64)
    src = base.sources[r]
    many = len(r) >= CH_MIN_SOURCES and not np.isfinite(base.limit_s)
    if base.targets is not None and len(r) and (method == "ch" or (method == "auto" and many)):
        t = many_to_many(build(csr), src, base.targets)
        t[t > base.limit_s] = np.inf
        out[r] = t
        return out
    blocks = solve_blocks(
        csr, np.zeros(0, np.int64), src, base.limit_s, base.targets, Blocks(chunk, workers)
    )
    for start, t, *_ in blocks:
        out[r[start : start + len(t)]] = t
    return out


def recompute_costs(
    base: TreeSolve, csr: csr_matrix, clock_s: FloatArray, rows: npt.ArrayLike, *, chunk: int = CHUNK_ORIGINS, workers: int = 1
) -> tuple[FloatArray, FloatArray]:
    """:func:`recompute` for a generalized graph (``base`` solved with ``clock_s``): the costs and the clock
    seconds along the new trees on the edited (canonical) ``csr`` with its clock seconds ``clock_s``; base
    rows copied, ``rows`` recomputed by Dijkstra (a hierarchy cannot give the clock times)."""
    if base.clock_s is None:
        raise ValueError("recompute_costs needs a base solved with clock_s")
    gen = base.times_s.copy()
    clock = base.clock_s.copy()
    r = np.asarray(rows, dtype=np.int64)
    blocks = solve_blocks(
        csr, np.zeros(0, np.int64), base.sources[r], base.limit_s, base.targets, Blocks(chunk, workers), clock_s=clock_s
    )
    for start, t, _, _, _, c in blocks:
        gen[r[start : start + len(t)]] = t
        clock[r[start : start + len(t)]] = c
    return gen, clock


@dataclass(frozen=True)
class Edit:
    """One scenario's change to the base arrays (same nodes).

    remove: CSR arc ids to delete. retime / retime_s: existing arcs given new times. add_tails /
    add_heads / add_s: new arcs between existing nodes.
    """

    remove: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    retime: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    retime_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    add_tails: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    add_heads: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    add_s: FloatArray = field(default_factory=lambda: np.zeros(0))


def diff(base: csr_matrix, new: csr_matrix) -> Edit:
    """The ``Edit`` that turns ``base`` into ``new`` (two canonical CSR graphs on the same nodes)."""
    if base.shape != new.shape:
        raise ValueError(f"graphs on different nodes ({base.shape[0]} and {new.shape[0]}): no incremental edit")
    base, new = canonical(base), canonical(new)
    kb, kn = arc_keys(base), arc_keys(new)
    in_new = np.isin(kb, kn, assume_unique=True)
    in_base = np.isin(kn, kb, assume_unique=True)
    removed = np.nonzero(~in_new)[0]
    both_b = np.nonzero(in_new)[0]
    both_n = np.nonzero(in_base)[0]  # same arcs, same (sorted) order in both graphs
    changed = new.data[both_n] != base.data[both_b]
    added = np.nonzero(~in_base)[0]
    n = base.shape[0]
    return Edit(
        remove=removed.astype(np.int64),
        retime=both_b[changed].astype(np.int64),
        retime_s=new.data[both_n][changed].astype(float),
        add_tails=(kn[added] // n).astype(np.int64),
        add_heads=(kn[added] % n).astype(np.int64),
        add_s=new.data[added].astype(float),
    )


def apply_edit(csr: csr_matrix, edit: Edit) -> csr_matrix:
    """The edited arrays: retimes and removals (arc ids of the base), then additions."""
    out = csr
    if len(edit.retime):
        out = with_arc_times(out, edit.retime, edit.retime_s)
    if len(edit.remove):
        out = without_arcs(out, edit.remove)
    if len(edit.add_tails):
        out = with_new_arcs(out, edit.add_tails, edit.add_heads, edit.add_s)
    return out


def affected_origins(base: TreeSolve, edit: Edit) -> IntArray:
    """Every row whose times ``edit`` can change (a superset; exact rows are recomputed)."""
    old = base.csr.data
    slower = edit.retime[np.asarray(edit.retime_s) > old[edit.retime]] if len(edit.retime) else edit.retime
    faster = edit.retime[np.asarray(edit.retime_s) < old[edit.retime]] if len(edit.retime) else edit.retime
    parts = [origins_using(base, np.concatenate([edit.remove, slower]))]
    if len(faster) or len(edit.add_tails):
        tails = np.repeat(np.arange(base.csr.shape[0], dtype=np.int64), np.diff(base.csr.indptr))
        new_s = np.asarray(edit.retime_s)[np.asarray(edit.retime_s) < old[edit.retime]] if len(edit.retime) else np.zeros(0)
        parts.append(
            origins_improved_by(
                base,
                np.concatenate([tails[faster], edit.add_tails]),
                np.concatenate([base.csr.indices[faster].astype(np.int64), edit.add_heads]),
                np.concatenate([new_s, edit.add_s]),
            )
        )
    return np.unique(np.concatenate(parts)).astype(np.int64)


def evaluate_edit(base: TreeSolve, edit: Edit, *, workers: int = 1, method: str = "auto") -> tuple[FloatArray, IntArray]:
    """Times after ``edit`` (what a full recomputation gives) and the rows recomputed."""
    rows = affected_origins(base, edit)
    if not len(rows):
        return base.times_s.copy(), rows
    return recompute(base, apply_edit(base.csr, edit), rows, workers=workers, method=method), rows


def leave_one_out(
    base: TreeSolve, removals: Sequence[npt.ArrayLike], *, workers: int = 1, method: str = "auto"
) -> list[tuple[FloatArray, IntArray]]:
    """For each set of arcs (a project, a corridor), times without it and the rows that were recomputed."""
    return [evaluate_edit(base, Edit(remove=np.asarray(r, dtype=np.int64)), workers=workers, method=method) for r in removals]
