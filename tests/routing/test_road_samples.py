"""The roads the snapping samples run along (``network.routing.graphs._road_samples``, array form) are exactly
those of the per-arc form they replaced: the same roads in the same order, the same clock times and
generalized costs each way."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.model.graph import NetworkState
from network.routing.graphs import ModeGraph, build_mode_graph
from network.routing.incremental import without_arcs


def _reference(g: ModeGraph) -> tuple[np.ndarray, ...]:
    n = g.n_road
    ok = np.zeros(g.n_nodes, dtype=bool)
    ok[g.road_ids] = True
    coo = g.csr.tocoo()
    keep = (coo.row < n) & (coo.col < n) & ok[coo.row] & ok[coo.col]
    a, b, w, c = coo.row[keep], coo.col[keep], coo.data[keep], g.clock_s[keep]
    fwd = {(int(x), int(y)): float(t) for x, y, t in zip(a, b, c)}
    fwd_gen = {(int(x), int(y)): float(t) for x, y, t in zip(a, b, w)}
    pairs = sorted({(min(int(x), int(y)), max(int(x), int(y))) for x, y in zip(a, b)})
    u = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.int64)
    t_uv = np.array([fwd.get((int(x), int(y)), np.inf) for x, y in zip(u, v)])
    t_vu = np.array([fwd.get((int(y), int(x)), np.inf) for x, y in zip(u, v)])
    g_uv = np.array([fwd_gen.get((int(x), int(y)), np.inf) for x, y in zip(u, v)])
    g_vu = np.array([fwd_gen.get((int(y), int(x)), np.inf) for x, y in zip(u, v)])
    return u, v, t_uv, t_vu, g_uv, g_vu


@pytest.mark.parametrize("one_way", [False, True])
@pytest.mark.parametrize("mode", ["car", "transit"])
def test_samples_equal_the_per_arc_form(surveyed_state: NetworkState, mode: str, one_way: bool) -> None:
    g = build_mode_graph(surveyed_state, mode)  # type: ignore[arg-type]
    if one_way:  # every 5th arc taken out: roads one way either way round
        gone = np.arange(0, g.csr.nnz, 5)
        clock = None if g.edge_clock_s is None else np.delete(g.edge_clock_s, gone)
        g = replace(g, csr=without_arcs(g.csr, gone), edge_clock_s=clock)
    rs = g.road_samples
    u, v, t_uv, t_vu, g_uv, g_vu = _reference(g)
    assert (np.isinf(t_uv).any() and np.isinf(t_vu).any()) == one_way
    first = rs.frac == 0.0  # each road's first sample (the samples along a road follow from its ends, unchanged)
    pairs = (
        (rs.u[first], u),
        (rs.v[first], v),
        (rs.time_uv_s[first], t_uv),
        (rs.time_vu_s[first], t_vu),
        (rs.gen_uv_s[first], g_uv),
        (rs.gen_vu_s[first], g_vu),
    )
    for got, want in pairs:
        assert got.dtype == want.dtype and np.array_equal(got, want)
    # clock times are clock seconds; a transit graph's feeder buses cost more than their clock (line changes)
    finite = np.isfinite(rs.time_uv_s)
    assert mode == "car" or (rs.gen_uv_s[finite] > rs.time_uv_s[finite]).all()
