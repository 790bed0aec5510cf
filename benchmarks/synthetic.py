"""A seeded synthetic city-region road graph for benchmarks (≥ 250,000 nodes at the default size).

Shape: a jittered lattice (~160 m spacing, like a street grid) over a square region, thinned so the
mean node degree is close to an OSM drive network's (2.6-3.0 two-way neighbours), with a road-class
hierarchy and speeds like the planner's China profile:

- local streets (支路/次干路): most edges, 20-35 km/h;
- arterials (主干路) every 8th row/column: 40-55 km/h;
- expressways (高速/快速路) every 60th row/column plus two diagonals: 80-110 km/h, never thinned;
- three "city centres" where every speed is cut by up to 40 % (congestion), fading out over 8 km.

Edges are two-way (each gives two directed arcs), weights are travel times in seconds. The same
seed gives the same graph on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

SPACING_M = 160.0
DETOUR = 1.15


@dataclass(frozen=True)
class SyntheticGraph:
    """Undirected edge list (u, v, seconds, class) + node coordinates (m), and the directed CSR."""

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    weight_s: npt.NDArray[np.float64]
    length_m: npt.NDArray[np.float64]
    road_class: npt.NDArray[np.str_]
    corridor: npt.NDArray[np.int64]
    """Per undirected edge: id of the expressway/arterial line it lies on (-1 for local streets)."""

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    def csr(self) -> csr_matrix:
        """Directed CSR (both directions of every edge), columns sorted within rows."""
        n = self.n_nodes
        src = np.concatenate([self.u, self.v])
        dst = np.concatenate([self.v, self.u])
        w = np.concatenate([self.weight_s, self.weight_s])
        order = np.lexsort((dst, src))
        src, dst, w = src[order], dst[order], w[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, src + 1, 1)
        return csr_matrix((w, dst.astype(np.int32), np.cumsum(indptr)), shape=(n, n))


def make_city_region(n_side: int = 520, *, seed: int = 7, keep_local: float = 0.72) -> SyntheticGraph:
    """Build the synthetic region: ``n_side`` × ``n_side`` lattice, thinned, largest component kept.

    The default (520² lattice, 72 % of local streets kept) gives ~260,000 nodes in the largest
    connected component and a mean degree of ~2.9.
    """
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    x = jj * SPACING_M + rng.normal(0, SPACING_M * 0.2, ii.size)
    y = ii * SPACING_M + rng.normal(0, SPACING_M * 0.2, ii.size)
    node = ii * n_side + jj

    def line_class(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        express = k % 60 == 30
        arterial = (k % 8 == 4) & ~express
        return express, arterial

    # horizontal edges (i, j) - (i, j+1) lie on row i; vertical (i, j) - (i+1, j) on column j
    h = jj < n_side - 1
    v_ = ii < n_side - 1
    u = np.concatenate([node[h], node[v_]])
    w_ = np.concatenate([node[h] + 1, node[v_] + n_side])
    line = np.concatenate([ii[h], jj[v_]])
    line_id = np.concatenate([ii[h], n_side + jj[v_]])
    ex, ar = line_class(line)
    # two diagonal expressways (staircase: alternate a horizontal and a vertical step)
    diag: list[tuple[int, int]] = []
    for d in range(n_side - 1):
        diag.append((d * n_side + d, d * n_side + d + 1))
        diag.append((d * n_side + d + 1, (d + 1) * n_side + d + 1))
        a = d * n_side + (n_side - 1 - d)
        diag.append((a, a - 1))
        diag.append((a - 1, a - 1 + n_side))
    du = np.array([p[0] for p in diag], dtype=np.int64)
    dv = np.array([p[1] for p in diag], dtype=np.int64)
    u = np.concatenate([u, du])
    w_ = np.concatenate([w_, dv])
    ex = np.concatenate([ex, np.ones(len(du), bool)])
    ar = np.concatenate([ar, np.zeros(len(du), bool)])
    line_id = np.concatenate([line_id, np.where(np.arange(len(du)) % 4 < 2, 2 * n_side, 2 * n_side + 1)])
    # thin local streets (dead ends and missing links), never the main roads
    local = ~(ex | ar)
    keep = ~local | (rng.random(len(u)) < keep_local)
    u, w_, ex, ar, line_id = u[keep], w_[keep], ex[keep], ar[keep], line_id[keep]
    # de-duplicate (diagonals overlap lattice edges): keep the highest class
    a, b = np.minimum(u, w_), np.maximum(u, w_)
    rank = np.where(ex, 0, np.where(ar, 1, 2))
    order = np.lexsort((rank, b, a))
    a, b, rank, line_id = a[order], b[order], rank[order], line_id[order]
    first = np.ones(len(a), bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, rank, line_id = a[first], b[first], rank[first], line_id[first]
    cls = np.array(["expressway", "arterial", "local"])[rank]
    speed = np.where(rank == 0, rng.uniform(80, 110, len(a)), np.where(rank == 1, rng.uniform(40, 55, len(a)), rng.uniform(20, 35, len(a))))
    # congestion around three centres
    centres = np.array([[0.35, 0.70], [0.70, 0.30], [0.25, 0.25]]) * n_side * SPACING_M
    mx = (x[a] + x[b]) / 2
    my = (y[a] + y[b]) / 2
    slow = np.zeros(len(a))
    for cx, cy in centres:
        d = np.hypot(mx - cx, my - cy)
        slow = np.maximum(slow, 0.4 * np.clip(1 - d / 8000.0, 0, 1))
    speed = speed * (1 - slow)
    length = np.hypot(x[a] - x[b], y[a] - y[b]) * DETOUR
    weight = length / (speed / 3.6)
    corridor = np.where(rank < 2, line_id, -1)
    # keep the largest connected component, renumber nodes 0..n-1
    from scipy.sparse.csgraph import connected_components

    n_all = n_side * n_side
    adj = csr_matrix((np.ones(len(a)), (a, b)), shape=(n_all, n_all))
    _, lab = connected_components(adj, directed=False)
    big = np.argmax(np.bincount(lab))
    keep_node = lab == big
    new_id = np.full(n_all, -1, dtype=np.int64)
    new_id[keep_node] = np.arange(int(keep_node.sum()))
    ke = keep_node[a] & keep_node[b]
    return SyntheticGraph(
        x=x[keep_node],
        y=y[keep_node],
        u=new_id[a[ke]],
        v=new_id[b[ke]],
        weight_s=weight[ke],
        length_m=length[ke],
        road_class=cls[ke],
        corridor=corridor[ke],
    )


def describe(g: SyntheticGraph) -> dict[str, float]:
    deg = np.bincount(np.concatenate([g.u, g.v]), minlength=g.n_nodes)
    share = {c: float((g.road_class == c).mean()) for c in ("expressway", "arterial", "local")}
    return {
        "nodes": g.n_nodes,
        "edges_two_way": len(g.u),
        "mean_degree": float(deg.mean()),
        "dead_ends_share": float((deg == 1).mean()),
        "km": float(g.length_m.sum() / 1000),
        **{f"share_{k}": v for k, v in share.items()},
    }


if __name__ == "__main__":
    import time

    t = time.perf_counter()
    g = make_city_region()
    print(describe(g), f"built in {time.perf_counter() - t:.1f} s")
