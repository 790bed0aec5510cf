"""Point fields from node rows (``network.routing.engine.fields_from_rows``), taken candidate by candidate, are bit for
bit those of the whole (points x candidates x nodes) stack it replaced: same choice (first candidate on a
tie), same sums, for clock-time (car) and generalized-cost (transit) graphs."""

from __future__ import annotations

import numpy as np
import pytest

from network.analysis.metrics import zone_points
from network.model.graph import NetworkState
from network.model.region import Region
from network.routing.engine import Field, Snap, fields_from_rows, node_costs_s, snap_points
from network.routing.graphs import build_mode_graph


def _reference(rows: Field, row_nodes: np.ndarray, origins: Snap, limit_s: float) -> Field:
    f = rows
    m, k = origins.nodes.shape
    idx = np.searchsorted(row_nodes, origins.nodes.ravel())
    if not f.generalized and not origins.generalized:
        out = (f.clock_s[idx].reshape(m, k, f.clock_s.shape[1]) + origins.access_s[:, :, None]).min(axis=1)
        out[out > limit_s] = np.inf
        return Field(out, out)
    gen = f.gen_s[idx].reshape(m, k, f.gen_s.shape[1]) + origins.access_cost_s[:, :, None]
    pick = gen.argmin(axis=1)[:, None, :]
    gen_best = np.take_along_axis(gen, pick, axis=1)[:, 0, :]
    clock = np.take_along_axis(f.clock_s[idx].reshape(m, k, f.clock_s.shape[1]), pick, axis=1)[:, 0, :]
    clock = clock + np.take_along_axis(origins.access_s, pick[:, 0, :], axis=1)
    clock[~(clock <= limit_s)] = np.inf
    return Field(gen_best, clock)


@pytest.mark.parametrize("limit_s", [np.inf, 1800.0])
@pytest.mark.parametrize("mode", ["car", "transit"])
def test_candidate_by_candidate_equals_the_stack(surveyed_state: NetworkState, region: Region, mode: str, limit_s: float) -> None:
    g = build_mode_graph(surveyed_state, mode)  # type: ignore[arg-type]
    zx, zy = zone_points(region)
    origins = snap_points(g, zx, zy, surveyed_state.params, max_snap_m=None)
    nodes = np.unique(origins.nodes.ravel())
    rows = node_costs_s(g, nodes, limit_s=3 * 3600.0)
    got, want = fields_from_rows(rows, nodes, origins, limit_s=limit_s), _reference(rows, nodes, origins, limit_s)
    assert (got.generalized, origins.nodes.shape[1] > 1) == (want.generalized, True)
    assert np.array_equal(got.gen_s, want.gen_s) and np.array_equal(got.clock_s, want.clock_s)
    assert np.isfinite(got.clock_s).any() and (np.isinf(got.clock_s).any() or not np.isfinite(limit_s))
    if mode == "transit":  # a candidate other than the first is chosen somewhere, with another clock time
        pick_other = want.gen_s < (rows.gen_s[np.searchsorted(nodes, origins.nodes[:, 0])] + origins.access_cost_s[:, 0, None])
        assert pick_other.any()
