"""Benchmark harness: our engine vs networkx vs Pandana (vs igraph), same graphs, same run.

    .venv/bin/python benchmarks/run.py --quick      # ~1 min: small synthetic graph, checks the harness
    .venv/bin/python benchmarks/run.py              # full: embedded network + 250k-node synthetic graph

Writes benchmarks/RESULTS.md (and results.json). Needs the ``bench`` extra (pandana, igraph).

Workloads (each on the embedded car graph and on the synthetic city-region graph):
  (a) isochrone set: node times from 3 centres within 60 min (a cutoff: only reach matters).
  (b) zone-to-zone matrix: all times between Z zone nodes (Z = 300; no cutoff).
  (c) a whole scenario evaluation (embedded only): ``network.analysis.metrics.evaluate`` for car + transit,
      i.e. centre fields to 18,948 cells; the other libraries compute the same fields.
  (d) leave-one-out batch: 20 scenarios, each removing one corridor (a stretch of up to 20
      consecutive edges, both directions, of one arterial/expressway line on the synthetic graph;
      one named road of the embedded network), each re-evaluating workload (b) (synthetic) or the
      3-centre fields (embedded).
Times are wall-clock medians of ``--repeats`` runs (1 run for the heavy 250k workloads, see the
table). networkx (the osmnx way: single_source_dijkstra_path_length) is too slow for every origin
on the 250k graph, so it runs on a sample of origins and scenarios and is extrapolated linearly;
so is Pandana's leave-one-out (a full contraction-hierarchy rebuild per scenario). Peak memory is
the peak increase of the process's resident set (sampled every 5 ms) during the workload.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from scipy.sparse import csr_matrix

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from synthetic import describe, make_city_region  # noqa: E402

from network.model.graph import ModeGraph  # noqa: E402
from network.routing import ch  # noqa: E402
from network.routing import incremental as inc  # noqa: E402
from network.routing.engine import node_times_s, times_between, use_hierarchy  # noqa: E402

ISO_LIMIT_S = 3600.0
FIELD_LIMIT_S = 3 * 3600.0
CHUNK = 32
PANDANA_UNREACHABLE = 4.0e6


# ------------------------------------------------------------------------------------------------
# measuring


@dataclass
class Timing:
    seconds: float | None
    runs: int
    peak_mb: float | None
    note: str = ""


@dataclass
class Row:
    graph: str
    workload: str
    results: dict[str, Timing] = field(default_factory=dict)
    check: str = ""


class PeakRSS:
    """Peak resident-set increase of this process while the block runs (covers C/C++ allocations)."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> PeakRSS:
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._t = threading.Thread(target=self._sample, daemon=True)
        self._t.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def mb(self) -> float:
        return (self.peak - self.base) / 2**20


def timed(fn: Callable[[], Any], repeats: int) -> tuple[Timing, Any]:
    """Median wall time of ``repeats`` calls, peak RSS increase of the first; returns the last result."""
    times = []
    peak = None
    out = None
    for k in range(repeats):
        if k == 0:
            with PeakRSS() as m:
                t = time.perf_counter()
                out = fn()
                times.append(time.perf_counter() - t)
            peak = m.mb
        else:
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
    return Timing(statistics.median(times), repeats, peak), out


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Pandana's C++ core prints progress to fd 1: silence it."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# graphs in each library's shape


@dataclass
class BenchGraph:
    name: str
    csr: csr_matrix
    x: np.ndarray
    y: np.ndarray
    centres: np.ndarray
    zones: np.ndarray
    corridors: list[np.ndarray]
    """Arc ids (CSR entries) removed by each leave-one-out scenario."""
    info: dict[str, Any]

    @property
    def n(self) -> int:
        return int(self.csr.shape[0])

    def mode_graph(self) -> ModeGraph:
        empty = np.empty(0, dtype=object)
        return ModeGraph("car", self.csr, self.n, self.x, self.y, empty, empty, empty, np.empty(0), np.empty(0, dtype=np.int64))

    def arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        coo = self.csr.tocoo()
        return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data


def synthetic_graph(n_side: int, n_zones: int, seed: int) -> BenchGraph:
    g = make_city_region(n_side, seed=seed)
    csr = g.csr()
    rng = np.random.default_rng(seed + 1)
    zones = np.sort(rng.choice(g.n_nodes, n_zones, replace=False))
    side = n_side * 160.0
    want = np.array([[0.35, 0.70], [0.70, 0.30], [0.25, 0.25]]) * side
    centres = np.array([int(np.argmin(np.hypot(g.x - cx, g.y - cy))) for cx, cy in want])
    lines = np.unique(g.corridor[g.corridor >= 0])
    corridors = []
    for line in rng.choice(lines, 20, replace=False):
        e = np.nonzero(g.corridor == line)[0]
        k = int(rng.integers(0, max(1, len(e) - 20)))
        e = e[k : k + 20]
        corridors.append(np.concatenate([inc.arc_ids(csr, g.u[e], g.v[e]), inc.arc_ids(csr, g.v[e], g.u[e])]))
    return BenchGraph(f"synthetic {g.n_nodes:,} nodes", csr, g.x, g.y, centres, zones, corridors, describe(g))


def embedded_graph(n_zones: int) -> tuple[BenchGraph, Any, Any]:
    from network.model.graph import build_mode_graph
    from network.model.region import CITIES, load_region
    from network.scenario.resolve import resolve_state
    from network.scenario.schema import load_scenario

    state = resolve_state(load_scenario(ROOT / "scenarios" / "surveyed.yaml"))
    region = load_region()
    g = build_mode_graph(state, "car")
    cx = region.centres.set_index("city").loc[list(CITIES), "x_m"].to_numpy(dtype=float)
    cy = region.centres.set_index("city").loc[list(CITIES), "y_m"].to_numpy(dtype=float)
    centres = np.array([int(np.argmin(np.hypot(g.node_x - a, g.node_y - b))) for a, b in zip(cx, cy)])
    rng = np.random.default_rng(11)
    zones = np.sort(rng.choice(g.n_road, min(n_zones, g.n_road), replace=False))
    labels = np.asarray(g.edge_label).astype(str)
    names, counts = np.unique(labels[(labels != "") & (labels != "nan")], return_counts=True)
    top = names[np.argsort(-counts, kind="stable")][:20]
    corridors = [np.nonzero(labels == nm)[0] for nm in top]
    if len(corridors) < 20:  # unnamed skeleton: 20 random stretches of arcs instead
        corridors += [rng.choice(g.csr.nnz, 20, replace=False) for _ in range(20 - len(corridors))]
    info = {"nodes": g.n_nodes, "arcs": int(g.csr.nnz), "corridors": "20 most frequent road names (or random 20-arc sets)"}
    return BenchGraph("embedded car graph", g.csr, g.node_x, g.node_y, centres, zones, corridors, info), state, region


def to_networkx(csr: csr_matrix) -> Any:
    import networkx as nx

    coo = csr.tocoo()
    G = nx.DiGraph()
    G.add_nodes_from(range(csr.shape[0]))
    G.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()), weight="travel_time")
    return G


def nx_fields(G: Any, sources: np.ndarray, n: int, cutoff: float | None) -> np.ndarray:
    import networkx as nx

    out = np.full((len(sources), n), np.inf)
    for i, s in enumerate(sources):
        d = nx.single_source_dijkstra_path_length(G, int(s), cutoff=cutoff, weight="travel_time")
        out[i, list(d.keys())] = list(d.values())
    return out


def to_pandana(bg: BenchGraph, csr: csr_matrix | None = None) -> Any:
    import pandana
    import pandas as pd

    coo = (csr if csr is not None else bg.csr).tocoo()
    with quiet_stdout():
        return pandana.Network(
            pd.Series(bg.x),
            pd.Series(bg.y),
            pd.Series(coo.row.astype(np.int64)),
            pd.Series(coo.col.astype(np.int64)),
            pd.DataFrame({"t": coo.data}),
            twoway=False,
        )


def pandana_range(net: Any, sources: np.ndarray, n: int, radius: float) -> np.ndarray:
    with quiet_stdout():
        df = net.nodes_in_range(list(map(int, sources)), radius)
    cols = list(df.columns)
    out = np.full((len(sources), n), np.inf)
    row = {int(s): i for i, s in enumerate(sources)}
    r = np.array([row[int(s)] for s in df[cols[0]].to_numpy()])
    out[r, df[cols[1]].to_numpy(dtype=np.int64)] = df[cols[2]].to_numpy(dtype=float)
    return out


def pandana_matrix(net: Any, zones: np.ndarray) -> np.ndarray:
    a = np.repeat(zones, len(zones))
    b = np.tile(zones, len(zones))
    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pandana lists every unconnected pair
        d = np.asarray(net.shortest_path_lengths(a, b), dtype=float)
    d[d >= PANDANA_UNREACHABLE] = np.inf  # Pandana reports no path as 4294967.295
    return d.reshape(len(zones), len(zones))


def to_igraph(csr: csr_matrix) -> Any:
    import igraph as ig

    coo = csr.tocoo()
    g = ig.Graph(n=csr.shape[0], edges=np.column_stack([coo.row, coo.col]).tolist(), directed=True)
    g.es["w"] = coo.data.tolist()
    return g


def engine_matrix(bg: BenchGraph, csr: csr_matrix | None = None, method: str = "dijkstra") -> np.ndarray:
    """The zone matrix as the planner computes it (``network.routing.engine.times_between``) on a fresh graph:
    "auto" builds a contraction hierarchy first where that pays, "dijkstra" runs scipy per chunk of origins."""
    mg = (
        bg.mode_graph()
        if csr is None
        else ModeGraph("car", csr, bg.n, bg.x, bg.y, *([np.empty(0, dtype=object)] * 3), np.empty(0), np.empty(0, dtype=np.int64))
    )
    return times_between(mg, bg.zones, bg.zones, method=method)  # type: ignore[arg-type]


def agree(a: np.ndarray, b: np.ndarray, tol_s: float) -> str:
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb):
        return f"reach differs on {int((fa != fb).sum())} entries"
    diff = float(np.max(np.abs(a[fa] - b[fb]))) if fa.any() else 0.0
    return f"max |Δ| {diff:.3g} s" + ("" if diff <= tol_s else " (!)")


# ------------------------------------------------------------------------------------------------
# workloads


def bench_graph(
    bg: BenchGraph, *, repeats: int, heavy_repeats: int, nx_sample: int, nx_loo_sample: int, pandana_loo_sample: int, igraph: bool
) -> list[Row]:
    rows: list[Row] = []
    n = bg.n
    engine_graph = bg.mode_graph()
    node_times_s(engine_graph, bg.centres[:1])  # warm: imports, allocator

    log(f"{bg.name}: building the other libraries' graphs")
    t_nx, G = timed(lambda: to_networkx(bg.csr), 1)
    t_pd, net = timed(lambda: to_pandana(bg), 1)
    rows.append(
        Row(
            bg.name,
            "graph set-up (networkx DiGraph / Pandana CH precompute)",
            {"networkx": t_nx, "pandana": t_pd},
        )
    )
    ch.build(bg.csr[:2, :2])  # warm: load the compiled functions
    t_ch, hierarchy = timed(lambda: ch.build(bg.csr), heavy_repeats)
    t_ch.note = f"contraction hierarchy ({hierarchy.n_shortcuts:,} shortcuts), used by (b); the Dijkstra workloads need none"
    rows[-1].results["engine"] = t_ch
    ig_graph = None
    if igraph:
        t_ig, ig_graph = timed(lambda: to_igraph(bg.csr), 1)
        rows[-1].results["igraph"] = t_ig

    # (a) isochrones
    log(f"{bg.name}: (a) isochrones")
    r = Row(bg.name, f"(a) 3-centre isochrone set, cutoff {ISO_LIMIT_S / 60:.0f} min")
    r.results["engine"], ours = timed(lambda: node_times_s(engine_graph, bg.centres, limit_s=ISO_LIMIT_S), repeats)
    r.results["networkx"], theirs = timed(lambda: nx_fields(G, bg.centres, n, ISO_LIMIT_S), max(1, min(repeats, 3)))
    r.results["pandana"], pd_iso = timed(lambda: pandana_range(net, bg.centres, n, ISO_LIMIT_S), repeats)
    if ig_graph is not None:
        r.results["igraph"], _ = timed(lambda: ig_graph.distances(source=list(map(int, bg.centres)), weights="w"), repeats)
        r.results["igraph"].note = "no cutoff in igraph"
    inside = (ours <= ISO_LIMIT_S - 1) | (pd_iso <= ISO_LIMIT_S - 1)  # Pandana rounds times: compare away from the cutoff
    r.check = f"nx {agree(ours, theirs, 1e-6)}; pandana {agree(ours[inside], pd_iso[inside], 1.0)}"
    rows.append(r)

    # (b) zone matrix
    z = len(bg.zones)
    log(f"{bg.name}: (b) {z}×{z} zone matrix")
    r = Row(bg.name, f"(b) zone-to-zone matrix {z}×{z}, no cutoff")
    auto_ch = use_hierarchy(engine_graph, z)
    r.results["engine"], ours_m = timed(lambda: engine_matrix(bg, method="auto"), heavy_repeats)
    r.results["engine"].note = (
        "times_between, auto: contraction hierarchy built + queried" if auto_ch else "times_between, auto: Dijkstra (small graph)"
    )
    r.results["engine, queries"], ours_q = timed(lambda: ch.many_to_many(hierarchy, bg.zones, bg.zones), repeats)
    r.results["engine, queries"].note = "contraction hierarchy already built (see set-up)"
    r.results["engine, Dijkstra"], ours_d = timed(lambda: engine_matrix(bg, method="dijkstra"), heavy_repeats)
    r.results["engine, Dijkstra"].note = "scipy multi-source Dijkstra, chunks of 32 origins"
    k = min(nx_sample, z)
    pick = np.sort(np.random.default_rng(3).choice(z, k, replace=False))  # a random sample of origins, not a corner
    t, sample = timed(lambda: nx_fields(G, bg.zones[pick], n, None)[:, bg.zones], 1)
    scale = z / k
    r.results["networkx"] = Timing(t.seconds * scale if t.seconds else None, 1, t.peak_mb, f"{k} origins ×{scale:.0f}" if k < z else "")
    r.results["pandana"], pd_m = timed(lambda: pandana_matrix(net, bg.zones), repeats)
    r.results["pandana"].note = f"queries only; + {t_pd.seconds:.1f} s CH precompute"
    r.results["pandana+precompute"] = Timing(
        (r.results["pandana"].seconds or 0) + (t_pd.seconds or 0), 1, t_pd.peak_mb, "precompute once + queries"
    )
    r.results["engine, 2 processes"], ours_m2 = timed(lambda: inc.times_between(bg.csr, bg.zones, bg.zones, workers=2), heavy_repeats)
    assert np.array_equal(ours_m2, ours_d), "2-process matrix differs from the engine's"
    r.results["engine, 2 processes"].note = "scipy Dijkstra on 2 forked processes"
    if ig_graph is not None:
        zl = list(map(int, bg.zones))
        r.results["igraph"], _ = timed(lambda: ig_graph.distances(source=zl, target=zl, weights="w"), heavy_repeats)
    r.check = f"nx {agree(ours_m[pick], sample, 1e-6)}; CH vs Dijkstra {agree(ours_q, ours_d, 1e-6)}; pandana {agree(ours_m, pd_m, 1.0)}"
    rows.append(r)

    # (d) leave-one-out
    log(f"{bg.name}: (d) leave-one-out, 20 scenarios")
    r = Row(bg.name, f"(d) leave-one-out: 20 corridor removals × matrix {z}×{z}")

    def ours_loo() -> list[tuple[np.ndarray, np.ndarray]]:
        base = inc.solve(bg.csr, bg.zones, targets=bg.zones)
        return inc.leave_one_out(base, bg.corridors)

    def ours_loo2() -> list[tuple[np.ndarray, np.ndarray]]:
        base = inc.solve(bg.csr, bg.zones, targets=bg.zones, workers=2)
        return inc.leave_one_out(base, bg.corridors, workers=2)

    r.results["engine, 2 processes"], loo_out2 = timed(ours_loo2, 1)
    r.results["engine"], loo_out = timed(ours_loo, 1)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(loo_out, loo_out2)), "2-process leave-one-out differs"

    loo = [t for t, _ in loo_out]
    recomputed = sum(len(rw) for _, rw in loo_out)
    r.results["engine"].note = f"incremental: {recomputed} of {20 * z} origin rows recomputed"
    full_each = r.results["engine"].seconds
    if "engine" in rows[-1].results:
        full_each = rows[-1].results["engine"].seconds
        r.results["engine, full recompute"] = Timing(20 * (full_each or 0), 1, None, "derived: 20 times (b) engine")

    s = min(nx_loo_sample, 20)
    kk = min(nx_sample, z)

    def nx_loo() -> list[np.ndarray]:
        out = []
        for arcs in bg.corridors[:s]:
            H = G.copy()
            tails, heads, _ = bg.arcs()
            ids = arcs[arcs >= 0]
            H.remove_edges_from(zip(tails[ids].tolist(), heads[ids].tolist()))
            out.append(nx_fields(H, bg.zones[pick], n, None)[:, bg.zones])
        return out

    t, nx_loo_out = timed(nx_loo, 1)
    r.results["networkx"] = Timing(
        (t.seconds or 0) * (20 / s) * (z / kk), 1, t.peak_mb, f"{s} scenarios × {kk} origins, ×{20 / s * z / kk:.0f}"
    )

    p = min(pandana_loo_sample, 20)

    def pandana_loo() -> list[np.ndarray]:
        return [pandana_matrix(to_pandana(bg, inc.without_arcs(bg.csr, arcs)), bg.zones) for arcs in bg.corridors[:p]]

    t, pd_loo = timed(pandana_loo, 1)
    r.results["pandana"] = Timing(
        (t.seconds or 0) * 20 / p,
        1,
        t.peak_mb,
        f"CH rebuilt per scenario; {p} measured ×{20 / p:.1f}" if p < 20 else "CH rebuilt per scenario",
    )
    checks = [agree(loo[i][pick], nx_loo_out[i], 1e-6) for i in range(s)]
    checks_pd = [agree(loo[i], pd_loo[i], 1.0) for i in range(p)]
    r.check = f"nx {checks[0] if len(set(checks)) == 1 else checks}; pandana {max(checks_pd)}"
    rows.append(r)
    return rows


def bench_evaluation(state: Any, region: Any, *, repeats: int, n_loo: int) -> list[Row]:
    """(c) whole scenario evaluation on the embedded network, three ways; plus LOO of 20 named roads."""
    from network.analysis.metrics import FIELD_LIMIT_S as LIMIT
    from network.analysis.metrics import evaluate
    from network.model.graph import build_mode_graph
    from network.model.graph import to_networkx as state_to_networkx
    from network.model.region import CITIES
    from network.routing.engine import snap_points, times_to_points
    from network.run.runner import scenario_metrics
    from network.scenario.schema import load_scenario

    rows = []
    cx = region.centres.set_index("city").loc[list(CITIES), "x_m"].to_numpy(dtype=float)
    cy = region.centres.set_index("city").loc[list(CITIES), "y_m"].to_numpy(dtype=float)
    gx = region.grid["x_m"].to_numpy(dtype=float)
    gy = region.grid["y_m"].to_numpy(dtype=float)
    evaluate(state, region)

    def other(kind: str) -> dict[str, np.ndarray]:
        out = {}
        for mode in ("car", "transit"):
            g = build_mode_graph(state, mode)  # snapping and cell aggregation are shared code
            origins = snap_points(g, cx, cy, state.params)
            uniq, inv = np.unique(origins.nodes.ravel(), return_inverse=True)
            if kind == "networkx":
                G = state_to_networkx(state, mode)  # type: ignore[arg-type]
                rows_ = nx_fields(G, uniq, g.n_nodes, LIMIT)
            else:
                bg = BenchGraph(mode, g.csr, g.node_x, g.node_y, uniq, uniq, [], {})
                rows_ = pandana_range(to_pandana(bg), uniq, g.n_nodes, LIMIT)
            per = rows_[inv].reshape(3, -1, g.n_nodes) + origins.access_s[:, :, None]
            field_ = per.min(axis=1)
            field_[field_ > LIMIT] = np.inf
            out[mode] = times_to_points(field_, snap_points(g, gx, gy, state.params, max_snap_m=None)) / 60.0
        return out

    r = Row("embedded car + transit", "(c) whole scenario evaluation (fields from 3 centres to 18,948 cells, car + transit)")
    r.results["engine"], ev = timed(lambda: evaluate(state, region), repeats)
    r.results["engine"].note = "network.analysis.metrics.evaluate, warm"
    r.results["networkx"], nxo = timed(lambda: other("networkx"), repeats)
    r.results["networkx"].note = "to_networkx + single_source_dijkstra_path_length"
    r.results["pandana"], pdo = timed(lambda: other("pandana"), repeats)
    r.results["pandana"].note = "CH precompute + nodes_in_range"
    r.check = f"nx {agree(ev.cell_minutes['car'] * 60, nxo['car'] * 60, 1e-6)}; pandana {agree(ev.cell_minutes['car'] * 60, pdo['car'] * 60, 2.0)}"
    rows.append(r)
    sc = load_scenario(ROOT / "scenarios" / "surveyed.yaml")
    scenario_metrics(sc)
    r = Row("embedded car + transit", "(c') scenario metrics incl. resolve, tables, isochrone polygons")
    r.results["engine"], _ = timed(lambda: scenario_metrics(sc), repeats)
    r.results["engine"].note = "network.run.runner.scenario_metrics, warm"
    rows.append(r)

    from network.analysis.compare import attribution, resolve_file

    r2023 = resolve_file(ROOT / "scenarios" / "year-2023.yaml")
    r2018 = resolve_file(ROOT / "scenarios" / "year-2018.yaml")
    r = Row("embedded car + transit", "(f) attribution 2018 → 2023: leave-one-out + add-one-in states")
    r.results["engine"], fast = timed(lambda: attribution(r2023, r2018, region), repeats)
    r.results["engine, full recompute"], full = timed(lambda: attribution(r2023, r2018, region, incremental=False), repeats)
    done, total = fast.origins_recomputed
    r.results["engine"].note = f"incremental: {done} of {total} origin trees recomputed"
    r.results["engine, full recompute"].note = "every state evaluated in full"
    r.check = "tables equal" if fast.table.equals(full.table) else "tables differ (!)"
    rows.append(r)
    return rows


def bench_batch() -> Row:
    """The full ``--all`` batch (no maps), serially and on 2 local processes, as a user runs it."""
    import subprocess
    import tempfile

    r = Row("scenarios/*.yaml", "(e) `run_scenario.py --all --no-map` batch")
    for label, extra in (("engine", []), ("engine, --workers 2", ["--workers", "2"])):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, str(ROOT / "run_scenario.py"), "--all", "--no-map", "--output-dir", tmp, *extra],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            r.results[label] = Timing(time.perf_counter() - t, 1, None, f"exit {proc.returncode}, incl. interpreter start")
    n = len(list((ROOT / "scenarios").glob("*.yaml")))
    r.workload += f" ({n} scenarios)"
    return r


# ------------------------------------------------------------------------------------------------
# report




def fmt_s(t: Timing | None) -> str:
    if t is None or t.seconds is None:
        return "—"
    s = t.seconds
    txt = f"{s:.3f}" if s < 1 else f"{s:.2f}" if s < 100 else f"{s:.0f}"
    return txt + ("*" if "×" in t.note else "")


def ratio(a: Timing | None, b: Timing | None) -> str:
    if a is None or b is None or not a.seconds or not b.seconds:
        return "—"
    return f"{b.seconds / a.seconds:.1f}×"


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import networkx
    import scipy

    vers = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__, "networkx": networkx.__version__}
    for mod in ("pandana", "igraph"):
        with contextlib.suppress(ImportError):
            vers[mod] = __import__(mod).__version__
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "versions": vers,
        "load_avg_at_start": os.getloadavg(),
    }


def write_report(rows: list[Row], meta: dict[str, Any], path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Made by `{meta['command']}` on {meta['date']} (took {meta['took_s']:.0f} s).",
        "",
        f"Machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, {meta['machine']['ram_gib']} GiB RAM, {meta['machine']['os']}; "
        + ", ".join(f"{k} {v}" for k, v in meta["machine"]["versions"].items())
        + f". Load average at start: {', '.join(f'{x:.2f}' for x in meta['machine']['load_avg_at_start'])} "
        "(the machine is shared with other work: absolute times are noisy, ratios from the same run are the point).",
        "",
        "Seconds, wall clock, median of the runs shown; `*` = extrapolated linearly from a sample (see note).",
        "Ratios: how many times longer the other library takes than our engine (> 1× = we are faster).",
        "",
    ]
    for g in meta["graphs"]:
        lines.append(
            f"- **{g['name']}**: " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in g["info"].items())
        )
    lines += [
        "",
        "| graph | workload | engine s | engine queries s | engine 2 proc s | networkx s | Pandana s | Pandana + CH s | igraph s | nx / engine | Pandana / engine | (Pandana+CH) / engine | Pandana / engine queries | nx / engine 2p | runs | engine peak MB | agreement |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        res = r.results
        e = res.get("engine")
        lines.append(
            "| "
            + " | ".join(
                [
                    r.graph,
                    r.workload,
                    fmt_s(e),
                    fmt_s(res.get("engine, queries")),
                    fmt_s(res.get("engine, 2 processes")),
                    fmt_s(res.get("networkx")),
                    fmt_s(res.get("pandana")),
                    fmt_s(res.get("pandana+precompute")),
                    fmt_s(res.get("igraph")),
                    ratio(e, res.get("networkx")),
                    "—" if "engine, queries" in res else ratio(e, res.get("pandana")),  # (b): like with like, in the next columns
                    ratio(e, res.get("pandana+precompute")),
                    ratio(res.get("engine, queries"), res.get("pandana")),
                    ratio(res.get("engine, 2 processes"), res.get("networkx")),
                    str(e.runs) if e else "—",
                    f"{e.peak_mb:.0f}" if e and e.peak_mb is not None else "—",
                    r.check,
                ]
            )
            + " |"
        )
    lines += ["", "Notes per cell:", ""]
    for r in rows:
        for k, t in r.results.items():
            extra = (
                f"{k} {fmt_s(t)} s"
                if k not in ("engine", "engine, queries", "engine, 2 processes", "networkx", "pandana", "pandana+precompute", "igraph")
                else ""
            )
            if t.note or extra:
                peak = f"; peak +{t.peak_mb:.0f} MB" if t.peak_mb is not None else ""
                lines.append(f"- {r.graph} / {r.workload} / {k}: {t.note or extra}{peak}" + (f" ({extra})" if extra and t.note else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small synthetic graph (~15k nodes), 100 zones: checks the harness in ~1 min")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--heavy-repeats", type=int, default=None, help="runs of the 250k matrix workloads (default: 2 full, = --repeats quick)"
    )
    ap.add_argument("--zones", type=int, default=None, help="zones of the matrix (default 300; 100 with --quick)")
    ap.add_argument("--nx-sample", type=int, default=None, help="networkx origins measured on the synthetic graph (default 6)")
    ap.add_argument("--nx-loo-sample", type=int, default=2, help="leave-one-out scenarios measured with networkx")
    ap.add_argument(
        "--pandana-loo-sample", type=int, default=None, help="leave-one-out scenarios measured with Pandana (default 3 full, 20 quick)"
    )
    ap.add_argument("--no-igraph", action="store_true")
    ap.add_argument("--no-batch", action="store_true", help="skip timing the run_scenario.py --all batch")
    ap.add_argument(
        "--out", type=Path, default=None, help="results markdown (default benchmarks/RESULTS.md, or RESULTS-quick.md with --quick)"
    )
    args = ap.parse_args(argv)
    quick = args.quick
    zones = args.zones or (100 if quick else 300)
    heavy = args.heavy_repeats or (args.repeats if quick else 2)
    nx_sample = args.nx_sample or (zones if quick else 6)
    pd_loo = args.pandana_loo_sample or (20 if quick else 3)
    out = args.out or HERE / ("RESULTS-quick.md" if quick else "RESULTS.md")
    command = ".venv/bin/python benchmarks/run.py" + (
        " " + " ".join(argv if argv is not None else sys.argv[1:]) if (argv or sys.argv[1:]) else ""
    )
    start = time.perf_counter()
    meta: dict[str, Any] = {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "graphs": [],
    }
    rows: list[Row] = []

    log("embedded network")
    emb, state, region = embedded_graph(zones)
    meta["graphs"].append({"name": emb.name, "info": emb.info})
    rows += bench_graph(
        emb,
        repeats=args.repeats,
        heavy_repeats=args.repeats,
        nx_sample=zones,
        nx_loo_sample=20,
        pandana_loo_sample=20,
        igraph=not args.no_igraph,
    )
    rows += bench_evaluation(state, region, repeats=args.repeats, n_loo=20)

    log("synthetic graph")
    syn = synthetic_graph(120 if quick else 520, zones, seed=7)
    meta["graphs"].append({"name": syn.name, "info": syn.info})
    rows += bench_graph(
        syn,
        repeats=args.repeats,
        heavy_repeats=heavy,
        nx_sample=nx_sample,
        nx_loo_sample=args.nx_loo_sample,
        pandana_loo_sample=pd_loo,
        igraph=not args.no_igraph,
    )
    if not args.no_batch:
        log("run_scenario.py --all batch")
        rows.append(bench_batch())
    meta["took_s"] = time.perf_counter() - start
    write_report(rows, meta, out)
    out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=1, default=str), encoding="utf-8"
    )
    print(out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
