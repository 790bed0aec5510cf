"""Incremental re-evaluation (network/routing/incremental.py) gives exactly a full recomputation's times,
while recomputing only the origins an edit can change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from network.model.graph import NetworkState
from network.model.region import Region
from network.routing import incremental as inc
from network.routing.dijkstra import csr_times_between
from network.routing.graphs import build_mode_graph


def _grid(n_side: int, seed: int) -> csr_matrix:
    """A two-way grid with random times and a few fast diagonals (ties are likely: integer times)."""
    rng = np.random.default_rng(seed)
    node = np.arange(n_side * n_side).reshape(n_side, n_side)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel(), node[:-1, :-1].ravel()[::7]])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel(), node[1:, 1:].ravel()[::7]])
    w = rng.integers(1, 20, len(u)).astype(float)
    src, dst, ww = np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([w, w])
    return csr_matrix((ww, (src, dst)), shape=(n_side**2, n_side**2))


def _full(csr: csr_matrix, base: inc.TreeSolve) -> np.ndarray:
    d = np.atleast_2d(dijkstra(csr, directed=True, indices=base.sources, limit=base.limit_s))
    return d if base.targets is None else d[:, base.targets]


@pytest.mark.parametrize("limit_s", [np.inf, 60.0])
@pytest.mark.parametrize("to_targets", [True, False])
def test_removals_equal_full_recomputation_and_skip_unaffected_origins(limit_s: float, to_targets: bool) -> None:
    csr = _grid(30, seed=1)
    rng = np.random.default_rng(2)
    sources = rng.choice(csr.shape[0], 40, replace=False)
    targets = rng.choice(csr.shape[0], 25, replace=False) if to_targets else None
    base = inc.solve(csr, sources, targets=targets, limit_s=limit_s, chunk=16)
    assert np.array_equal(base.times_s, _full(csr, base))
    skipped = 0
    for _ in range(12):
        arcs = rng.choice(csr.nnz, rng.integers(1, 15), replace=False)
        times, rows = inc.evaluate_edit(base, inc.Edit(remove=arcs))
        assert np.array_equal(times, _full(inc.without_arcs(csr, arcs), base))
        skipped += base.n_sources - len(rows)
    assert skipped > 0, "some origins' trees avoid the removed arcs and are not recomputed"


def test_speedups_slowdowns_and_new_arcs_equal_full_recomputation() -> None:
    csr = _grid(25, seed=3)
    rng = np.random.default_rng(4)
    sources = rng.choice(csr.shape[0], 30, replace=False)
    base = inc.solve(csr, sources, targets=sources, limit_s=120.0, keep_fields=True)
    for _ in range(15):
        arcs = rng.choice(csr.nnz, 8, replace=False)
        new_s = csr.data[arcs] * rng.choice([0.2, 0.5, 1.0, 3.0], len(arcs))
        tails = rng.choice(csr.shape[0], 3)
        heads = rng.choice(csr.shape[0], 3)
        edit = inc.Edit(retime=arcs, retime_s=new_s, add_tails=tails, add_heads=heads, add_s=rng.uniform(1, 10, 3))
        times, rows = inc.evaluate_edit(base, edit)
        assert np.array_equal(times, _full(inc.apply_edit(csr, edit), base))
        assert len(rows) <= base.n_sources


def test_a_speedup_that_beats_no_node_recomputes_nothing() -> None:
    csr = _grid(12, seed=5)
    base = inc.solve(csr, [0, 50, 100], keep_fields=True)
    arc = int(inc.arc_ids(csr, [0], [1])[0])
    same = inc.Edit(retime=np.array([arc]), retime_s=np.array([csr.data[arc]]))
    times, rows = inc.evaluate_edit(base, same)
    assert len(rows) == 0 and np.array_equal(times, base.times_s)


def test_speedup_test_needs_fields() -> None:
    csr = _grid(8, seed=6)
    base = inc.solve(csr, [0, 5])
    with pytest.raises(ValueError, match="keep_fields"):
        inc.origins_improved_by(base, [0], [1], [0.5])


def test_arc_edits_are_array_operations_with_the_same_nodes() -> None:
    csr = _grid(6, seed=7)
    ids = inc.arc_ids(csr, [0, 0, 35], [1, 35, 34])
    assert ids[0] >= 0 and ids[1] == -1 and ids[2] >= 0
    fewer = inc.without_arcs(csr, ids)
    assert fewer.shape == csr.shape and fewer.nnz == csr.nnz - 2
    assert fewer[0, 1] == 0 and fewer[35, 34] == 0 and fewer[1, 0] == csr[1, 0]
    more = inc.with_new_arcs(csr, [0], [35], [1.0])
    assert more.nnz == csr.nnz + 1 and more[0, 35] == 1.0
    slower = inc.with_arc_times(csr, ids[:1], [99.0])
    assert slower[0, 1] == 99.0 and csr[0, 1] != 99.0, "the base arrays are never edited in place"


def test_leave_one_out_on_the_embedded_car_graph_equals_full_recomputation(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "car")
    rng = np.random.default_rng(8)
    sources = rng.choice(g.n_road, 20, replace=False)
    base = inc.solve(g.csr, sources, limit_s=3 * 3600.0)
    labels = g.edge_label
    named = [str(x) for x in np.unique(labels) if str(x) not in ("", "nan")][:10]
    removals = [np.nonzero(labels == name)[0] for name in named] or [rng.choice(g.csr.nnz, 5, replace=False)]
    for arcs, (times, _rows) in zip(removals, inc.leave_one_out(base, removals)):
        assert np.array_equal(times, _full(inc.without_arcs(g.csr, arcs), base))


@pytest.mark.xdist_group("serial")  # forks a process pool (tests/conftest.py)
def test_two_worker_processes_give_the_same_times_trees_and_leave_one_out() -> None:
    csr = _grid(20, seed=9)
    rng = np.random.default_rng(10)
    sources = rng.choice(csr.shape[0], 24, replace=False)
    one = inc.solve(csr, sources, targets=sources, chunk=5)
    two = inc.solve(csr, sources, targets=sources, chunk=5, workers=2)
    assert np.array_equal(one.times_s, two.times_s)
    assert (one.usage != two.usage).nnz == 0
    assert np.array_equal(csr_times_between(csr, sources, sources, chunk=5, workers=2), one.times_s)
    removals = [rng.choice(csr.nnz, 6, replace=False) for _ in range(4)]
    for (a, ra), (b, rb) in zip(inc.leave_one_out(one, removals), inc.leave_one_out(two, removals, workers=2)):
        assert np.array_equal(a, b) and np.array_equal(ra, rb)


def test_diff_gives_the_edit_between_two_graphs_on_the_same_nodes() -> None:
    g = _grid(11, 3)
    rng = np.random.default_rng(2)
    ids = rng.choice(g.nnz, 30, replace=False)
    edited = inc.apply_edit(
        g,
        inc.Edit(
            remove=ids[:10],
            retime=ids[10:30],
            retime_s=g.data[ids[10:30]] * rng.uniform(0.5, 1.5, 20),
            add_tails=np.array([0, 5]),
            add_heads=np.array([120, 60]),
            add_s=np.array([3.0, 4.0]),
        ),
    )
    e = inc.diff(g, edited)
    back = inc.apply_edit(g, e)
    assert (
        np.array_equal(back.indptr, edited.indptr)
        and np.array_equal(back.indices, edited.indices)
        and np.array_equal(back.data, edited.data)
    )
    assert set(e.remove) <= set(ids[:10]) | set(ids[10:30]) and len(e.add_tails) >= 1
    with pytest.raises(ValueError, match="different nodes"):
        inc.diff(g, _grid(12, 3))


@pytest.mark.slow
def test_attribution_from_reused_trees_equals_full_evaluation(region: Region) -> None:
    """Leave-one-out and add-one-in states evaluated incrementally give the very same table, with fewer trees."""
    from network.analysis.compare import attribution
    from network.scenario.resolve import resolve_projects
    from network.scenario.schema import load_scenario

    scen = Path(__file__).resolve().parents[2] / "scenarios"
    r2023 = resolve_projects(load_scenario(scen / "year-2023.yaml"))
    r2018 = resolve_projects(load_scenario(scen / "year-2018.yaml"))
    fast = attribution(r2023, r2018, region)
    full = attribution(r2023, r2018, region, incremental=False)
    pd.testing.assert_frame_equal(fast.table, full.table, check_exact=True)
    done, total = fast.origins_recomputed
    assert full.origins_recomputed == (total, total)
    assert 0 < done < total  # road upgrades and rail frequency changes keep the nodes: only some trees redone


def _assert_same_minutes(a: Any, b: Any) -> None:
    """Two evaluations give the very same centre, cell and zone minutes by every mode."""
    for mode in ("car", "transit", "best"):
        for table in ("centre_minutes", "cell_minutes", "zone_minutes"):
            assert np.array_equal(getattr(a, table)[mode], getattr(b, table)[mode]), (mode, table)


def test_evaluation_reusing_trees_equals_full_evaluation_bit_for_bit(surveyed_state: NetworkState, region: Region) -> None:
    from network.analysis.metrics import evaluate
    from network.scenario.resolve import resolve_state
    from network.scenario.schema import Scenario

    slower = resolve_state(Scenario(name="no-intercity", remove_lines=["IC-T", "IC-ZZ", "IC-XT"]))
    base = evaluate(surveyed_state, region, keep_trees=True)
    again = evaluate(slower, region, reuse=base)
    full = evaluate(slower, region)
    _assert_same_minutes(again, full)
    assert again.recomputed["car"][0] == 0  # the car graph did not change: nothing recomputed


def test_recomputing_rows_through_a_contraction_hierarchy_gives_the_same_times() -> None:
    g = _grid(14, 5)
    rng = np.random.default_rng(4)
    zones = rng.choice(g.shape[0], 40, replace=False)
    base = inc.solve(g, zones, targets=zones)
    cuts = [rng.choice(g.nnz, 12, replace=False) for _ in range(4)]
    by_rows = inc.leave_one_out(base, cuts, method="dijkstra")
    by_ch = inc.leave_one_out(base, cuts, method="ch")
    for (a, rows_a), (b, rows_b) in zip(by_rows, by_ch):
        assert np.array_equal(rows_a, rows_b)
        assert np.array_equal(np.isfinite(a), np.isfinite(b))
        assert np.abs(a[np.isfinite(a)] - b[np.isfinite(b)]).max(initial=0.0) < 1e-9


def test_an_edit_that_moves_the_snapped_origins_still_reuses_trees_bit_for_bit(surveyed_state: NetworkState, region: Region) -> None:
    """A road between existing nodes can change which nodes the zones and centres snap to (a new nearest
    road): the origins both evaluations share keep or recompute their rows, the new ones are solved afresh,
    and the result equals a full evaluation."""
    from network.analysis.metrics import evaluate
    from network.scenario.resolve import resolve_state
    from network.scenario.schema import Scenario

    road = {"type": "new_road", "name": "长沙-株洲 direct", "path": [[112.98, 28.19], [113.13, 27.84]], "speed_kph": 100}
    edited = resolve_state(Scenario.model_validate({"name": "direct", "add": [road]}))
    base = evaluate(surveyed_state, region, keep_trees=True)
    again = evaluate(edited, region, reuse=base)
    full = evaluate(edited, region)
    _assert_same_minutes(again, full)
    assert again.recomputed["car"][0] < full.recomputed["car"][0]  # fewer trees than a full evaluation


@pytest.mark.parametrize("mode", ["car", "transit"])
def test_reused_rows_solve_afresh_the_origins_the_base_did_not(surveyed_state: NetworkState, mode: str) -> None:
    """An origin the base evaluation did not solve (a snap that moved) gets the row a full evaluation gives;
    the others come from the base, nothing recomputed."""
    from network.analysis.metrics import FIELD_LIMIT_S, _reused_rows
    from network.routing.engine import node_costs_s
    from network.routing.graphs import build_mode_graph

    g = build_mode_graph(surveyed_state, mode)  # type: ignore[arg-type]
    nodes = np.arange(0, 400, 7, dtype=np.int64)
    clock = g.clock_s if g.generalized else None
    base = inc.solve(g.csr, nodes[::2], limit_s=g.search_limit_s(FIELD_LIMIT_S), keep_fields=True, clock_s=clock)
    got, _, n_done = _reused_rows(g, nodes, base, clock)
    full = node_costs_s(g, nodes, limit_s=FIELD_LIMIT_S)
    assert np.array_equal(got.gen_s, full.gen_s) and np.array_equal(got.clock_s, full.clock_s)
    assert n_done == len(nodes) - len(nodes[::2])
