"""The snapping samples along roads (``network.routing.graphs._road_samples``, array form) are exactly those of
the per-arc form they replaced: the same roads in the same order, the same times each way."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.model.graph import NetworkState
from network.routing.graphs import SAMPLE_SPACING_M, ModeGraph, build_mode_graph
from network.routing.incremental import without_arcs


def _reference(g: ModeGraph) -> tuple[np.ndarray, ...]:
    n = g.n_road
    ok = np.zeros(g.n_nodes, dtype=bool)
    ok[g.road_ids] = True
    coo = g.csr.tocoo()
    keep = (coo.row < n) & (coo.col < n) & ok[coo.row] & ok[coo.col]
    a, b, w = coo.row[keep], coo.col[keep], coo.data[keep]
    fwd = {(int(x), int(y)): float(t) for x, y, t in zip(a, b, w)}
    pairs = sorted({(min(int(x), int(y)), max(int(x), int(y))) for x, y in zip(a, b)})
    u = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.int64)
    t_uv = np.array([fwd.get((int(x), int(y)), np.inf) for x, y in zip(u, v)])
    t_vu = np.array([fwd.get((int(y), int(x)), np.inf) for x, y in zip(u, v)])
    length = np.hypot(g.node_x[v] - g.node_x[u], g.node_y[v] - g.node_y[u])
    count = np.maximum(np.ceil(length / SAMPLE_SPACING_M).astype(np.int64), 1) + 1
    arc = np.repeat(np.arange(len(u)), count)
    start = np.repeat(np.cumsum(count) - count, count)
    frac = (np.arange(len(arc)) - start) / np.repeat(count - 1, count)
    x = g.node_x[u[arc]] + frac * (g.node_x[v[arc]] - g.node_x[u[arc]])
    y = g.node_y[u[arc]] + frac * (g.node_y[v[arc]] - g.node_y[u[arc]])
    return np.column_stack([x, y]), u[arc], v[arc], frac, t_uv[arc], t_vu[arc]


@pytest.mark.parametrize("one_way", [False, True])
@pytest.mark.parametrize("mode", ["car", "transit"])
def test_samples_equal_the_per_arc_form(surveyed_state: NetworkState, mode: str, one_way: bool) -> None:
    g = build_mode_graph(surveyed_state, mode)  # type: ignore[arg-type]
    if one_way:  # every 5th arc taken out: roads one way either way round
        g = replace(g, csr=without_arcs(g.csr, np.arange(0, g.csr.nnz, 5)))
    rs = g.road_samples
    xy, u, v, frac, t_uv, t_vu = _reference(g)
    assert (np.isinf(t_uv).any() and np.isinf(t_vu).any()) == one_way
    assert np.array_equal(rs.tree.data, xy)
    for got, want in ((rs.u, u), (rs.v, v), (rs.frac, frac), (rs.time_uv_s, t_uv), (rs.time_vu_s, t_vu)):
        assert got.dtype == want.dtype and np.array_equal(got, want)
