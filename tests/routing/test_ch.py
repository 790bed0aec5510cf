"""The contraction hierarchy gives the same times as Dijkstra, on random graphs and on the real network."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from network.analysis.metrics import zone_points
from network.model.graph import NetworkState
from network.model.region import Region
from network.routing import ch
from network.routing.engine import (
    fields_from_points,
    node_times_s,
    point_matrix,
    snap_points,
    times_between,
    times_to_points,
    use_hierarchy,
    with_direct_s,
)
from network.routing.graphs import build_mode_graph

TOL_S = 1e-6


def _random_graph(seed: int, n: int, arcs_per_node: float, two_way_share: float) -> csr_matrix:
    """Directed graph with one-way and two-way arcs, parallel arcs, self-loops and unreachable parts."""
    rng = np.random.default_rng(seed)
    m = int(n * arcs_per_node)
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    w = rng.uniform(1.0, 600.0, m).round(1)  # ties on purpose
    back = rng.random(m) < two_way_share
    a, b, w = np.concatenate([a, b[back]]), np.concatenate([b, a[back]]), np.concatenate([w, w[back]])
    return csr_matrix((w, (a, b)), shape=(n, n))  # duplicate (a, b) arcs are summed: still a valid graph


def _same_times(got: np.ndarray, want: np.ndarray) -> None:
    assert np.array_equal(np.isfinite(got), np.isfinite(want)), "reachability differs"
    f = np.isfinite(want)
    assert np.abs(got[f] - want[f]).max(initial=0.0) <= TOL_S


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 80), arcs_per_node=st.floats(0.0, 4.0), two_way=st.floats(0.0, 1.0))
def test_hierarchy_matches_dijkstra_on_random_graphs(seed: int, n: int, arcs_per_node: float, two_way: float) -> None:
    g = _random_graph(seed, n, arcs_per_node, two_way)
    h = ch.build(g)
    everyone = np.arange(n)
    _same_times(ch.many_to_many(h, everyone, everyone), dijkstra(g, directed=True))


def test_hierarchy_matches_dijkstra_on_a_grid_city() -> None:
    """A 60 × 60 street grid with a fast ring road and one-way streets: many shortcuts, deep hierarchy."""
    side = 60
    idx = np.arange(side * side).reshape(side, side)
    rng = np.random.default_rng(5)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    w = rng.uniform(20, 40, len(a))
    ring = np.isin(a, np.concatenate([idx[0], idx[-1], idx[:, 0], idx[:, -1]])) & np.isin(
        b, np.concatenate([idx[0], idx[-1], idx[:, 0], idx[:, -1]])
    )
    w[ring] /= 4
    one_way = rng.random(len(a)) < 0.15
    tails = np.concatenate([a, b[~one_way]])
    heads = np.concatenate([b, a[~one_way]])
    g = csr_matrix((np.concatenate([w, w[~one_way]]), (tails, heads)), shape=(side * side, side * side))
    h = ch.build(g)
    assert h.n_shortcuts > 0
    src = rng.choice(side * side, 150, replace=False)
    tgt = rng.choice(side * side, 200, replace=False)
    _same_times(ch.many_to_many(h, src, tgt), dijkstra(g, directed=True, indices=src)[:, tgt])


def test_hierarchy_refuses_bad_input() -> None:
    g = csr_matrix((np.array([1.0, -2.0]), (np.array([0, 1]), np.array([1, 0]))), shape=(2, 2))
    with pytest.raises(ValueError, match="non-negative"):
        ch.build(g)
    with pytest.raises(ValueError, match="square"):
        ch.build(csr_matrix((np.array([1.0]), (np.array([0]), np.array([3]))), shape=(2, 4)))
    h = ch.build(csr_matrix((np.array([1.0]), (np.array([0]), np.array([1]))), shape=(2, 2)))
    with pytest.raises(IndexError, match=r"\[0, 2\)"):
        ch.many_to_many(h, [0], [2])
    with pytest.raises(TypeError, match="integers"):
        ch.many_to_many(h, [1.7], [0])
    with pytest.raises(ValueError, match="1-D"):
        ch.many_to_many(h, [[0, 1]], [0])


@pytest.mark.parametrize("mode", ["car", "transit"])
def test_zone_matrix_by_hierarchy_equals_the_fields_the_metrics_use(mode: str, surveyed_state: NetworkState, region: Region) -> None:
    g = build_mode_graph(surveyed_state, mode)  # type: ignore[arg-type]
    zx, zy = zone_points(region)
    snap = snap_points(g, zx, zy, surveyed_state.params, max_snap_m=None)
    by_fields = with_direct_s(times_to_points(fields_from_points(g, snap), snap), snap, snap)  # as metrics.evaluate
    assert np.array_equal(point_matrix(g, snap, snap, method="dijkstra"), by_fields)  # same sums, same order: bit for bit
    _same_times(point_matrix(g, snap, snap, method="ch"), by_fields)
    every = np.arange(g.n_nodes)
    if g.generalized:  # transit: paths by generalized cost, clock times along them; never a hierarchy
        assert not use_hierarchy(g, 10_000, "ch")
        _same_times(times_between(g, every, every, method="ch"), node_times_s(g, every))
        return
    _same_times(times_between(g, every, every, method="ch"), dijkstra(g.csr, directed=True))


def test_auto_uses_the_hierarchy_only_where_it_pays(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "car")
    assert not use_hierarchy(g, 99) and use_hierarchy(g, 100)  # a build costs about 100 Dijkstra runs
    assert not use_hierarchy(g, 10_000, limit_s=1800.0)  # with a cutoff, Dijkstra explores only within it
    with pytest.raises(ValueError, match="expected 'auto'"):
        use_hierarchy(g, 1, "fast")  # type: ignore[arg-type]
    times_between(g, [0, 1], [2, 3], method="ch")
    assert g.has_hierarchy and use_hierarchy(g, 1)  # once built, kept with the graph and reused


def test_adding_a_fast_arc_never_slows_a_trip_in_the_hierarchy() -> None:
    g = _random_graph(3, 300, 2.5, 0.7)
    before = ch.many_to_many(ch.build(g), np.arange(300), np.arange(300))
    g2 = g.tolil()
    g2[5, 250] = 1.0
    after = ch.many_to_many(ch.build(g2.tocsr()), np.arange(300), np.arange(300))
    assert np.all(after <= before + TOL_S)
    assert after[5, 250] == 1.0


def test_parallel_arcs_keep_the_fastest_as_dijkstra_does() -> None:
    """A non-canonical CSR with two 0→1 arcs (5 s and 2 s): both the hierarchy and the incremental
    engine's canonical form keep 2 s (summing them, 7 s, was the old incremental behaviour)."""
    from network.routing.csr import canonical

    g = csr_matrix((np.array([5.0, 2.0, 1.0]), np.array([1, 1, 2]), np.array([0, 2, 3, 3])), shape=(3, 3))
    assert not g.has_canonical_format
    want = dijkstra(g, directed=True)
    assert want[0, 1] == 2.0
    _same_times(ch.many_to_many(ch.build(g), [0, 1, 2], [0, 1, 2]), want)
    assert canonical(g)[0, 1] == 2.0 and canonical(g).nnz == 2
