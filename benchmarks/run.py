"""Benchmark harness: our engine vs networkx vs Pandana (vs igraph), same graphs, same run.

    .venv/bin/python benchmarks/run.py --quick      # ~1 min: small synthetic graph, checks the harness
    .venv/bin/python benchmarks/run.py              # full: embedded network + 250k-node synthetic graph
    .venv/bin/python benchmarks/run.py --smoke --out /tmp/x.md   # seconds: every workload once on a tiny
                                                    # graph, to prove the harness runs (the test suite does this)

Writes benchmarks/RESULTS.md (and RESULTS.json), naming the commit and package version measured.
Needs the ``bench`` extra (pandana, igraph; the ``dev`` extra includes them).

Workloads (each on the embedded car graph and on the synthetic city-region graph):
  (a) isochrone set: node times from 3 centres within 60 min (a cutoff: only reach matters).
  (b) zone-to-zone matrix: all times between Z zone nodes (Z = 300; 100 with --quick; no cutoff):
      engine build + queries against Pandana precompute + queries, and queries against queries.
  (c) a whole scenario evaluation (embedded only): ``network.analysis.metrics.evaluate`` for car + transit,
      i.e. centre fields to 18,948 cells; networkx and Pandana are given their graphs once (built
      outside the timed part, as a user would) and compute the same fields.
  (d) leave-one-out, full recompute: per scenario (a corridor removed: up to 20 consecutive edges of an
      arterial/expressway line on the synthetic graph, one named road of the embedded network), each
      library recomputes (b) on the edited network; the same sample of scenarios for every library,
      seconds per scenario (networkx: on a sample of origins, labelled).
  (d') the engine's incremental re-evaluation of all 20 scenarios (only the origins a removal can
      change), against 20 × the measured full recompute: an algorithm difference, shown on its own.
  (e) the ``run_scenario.py --all --no-map`` batch, serial and with ``--workers N`` (full mode only).
Every row's libraries run side by side, alternating, ``--repeats`` rounds (default 3): median and min
are reported, with the 1-minute load average before each run (the machine is shared). A figure scaled
up from a sample is marked ``*`` and its note gives the sample size. Peak memory is the peak increase of
the process's resident set (sampled every 5 ms) during the first run.
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

from provenance import code_provenance, provenance_line  # noqa: E402
from synthetic import describe, make_city_region  # noqa: E402

from network.routing import ch  # noqa: E402
from network.routing import incremental as inc  # noqa: E402
from network.routing.dijkstra import csr_times_between  # noqa: E402
from network.routing.engine import node_times_s, times_between, use_hierarchy  # noqa: E402
from network.routing.graphs import ModeGraph  # noqa: E402

ISO_LIMIT_S = 3600.0
FIELD_LIMIT_S = 3 * 3600.0
CHUNK = 32
PANDANA_UNREACHABLE = 4.0e6


# ------------------------------------------------------------------------------------------------
# measuring


@dataclass
class Timing:
    seconds: float | None
    """Median of the runs."""
    runs: int
    peak_mb: float | None
    note: str = ""
    min_s: float | None = None
    load_avg: list[float] = field(default_factory=list)
    """1-minute load average before each run (the machine is shared)."""
    extrapolated: bool = False
    """True when ``seconds`` is scaled up from a measured sample (the note says the sample size)."""


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


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[Timing, Any]:
    """Median and min wall time of ``repeats`` calls, peak RSS increase of the first; returns the last result."""
    out = paired({"_": fn}, repeats)["_"]
    return out


def paired(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, tuple[Timing, Any]]:
    """Run the functions side by side, alternating (round k runs each once), ``repeats`` rounds: each gets
    the same machine conditions. Median and min per function; peak RSS increase of its first run."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    loads: dict[str, list[float]] = {k: [] for k in fns}
    peak: dict[str, float | None] = {}
    outs: dict[str, Any] = {}
    for k in range(repeats):
        for name, fn in fns.items():
            loads[name].append(load1())
            if k == 0:
                with PeakRSS() as m:
                    t = time.perf_counter()
                    outs[name] = fn()
                    times[name].append(time.perf_counter() - t)
                peak[name] = m.mb
            else:
                t = time.perf_counter()
                outs[name] = fn()
                times[name].append(time.perf_counter() - t)
    return {
        name: (Timing(statistics.median(times[name]), repeats, peak[name], min_s=min(times[name]), load_avg=loads[name]), outs[name])
        for name in fns
    }


def extrapolated(t: Timing, factor: float, note: str) -> Timing:
    """``t`` scaled by ``factor`` (a sample to the whole workload), labelled as such."""
    return Timing(
        (t.seconds or 0) * factor,
        t.runs,
        t.peak_mb,
        note,
        min_s=(t.min_s or 0) * factor,
        load_avg=t.load_avg,
        extrapolated=True,
    )


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
    from network.model.region import CITIES, load_region
    from network.routing.graphs import build_mode_graph
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
    bg: BenchGraph,
    *,
    repeats: int,
    heavy_repeats: int,
    nx_sample: int,
    nx_loo_sample: int,
    pandana_loo_sample: int,
    igraph: bool,
    two_process_loo: bool = True,
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

    # (a) isochrones: the three libraries side by side, alternating
    log(f"{bg.name}: (a) isochrones")
    r = Row(bg.name, f"(a) 3-centre isochrone set, cutoff {ISO_LIMIT_S / 60:.0f} min")
    res = paired(
        {
            "engine": lambda: node_times_s(engine_graph, bg.centres, limit_s=ISO_LIMIT_S),
            "networkx": lambda: nx_fields(G, bg.centres, n, ISO_LIMIT_S),
            "pandana": lambda: pandana_range(net, bg.centres, n, ISO_LIMIT_S),
        },
        repeats,
    )
    (r.results["engine"], ours), (r.results["networkx"], theirs), (r.results["pandana"], pd_iso) = (
        res["engine"],
        res["networkx"],
        res["pandana"],
    )
    r.results["networkx"].note = "graph given (DiGraph built once, see set-up)"
    r.results["pandana"].note = "queries on the precomputed network (see set-up)"
    if ig_graph is not None:
        r.results["igraph"], _ = timed(lambda: ig_graph.distances(source=list(map(int, bg.centres)), weights="w"), repeats)
        r.results["igraph"].note = "no cutoff in igraph"
    inside = (ours <= ISO_LIMIT_S - 1) | (pd_iso <= ISO_LIMIT_S - 1)  # Pandana rounds times: compare away from the cutoff
    r.check = f"nx {agree(ours, theirs, 1e-6)}; pandana {agree(ours[inside], pd_iso[inside], 1.0)}"
    rows.append(r)

    # (b) zone matrix: build + queries against precompute + queries (paired); queries against queries (paired)
    z = len(bg.zones)
    log(f"{bg.name}: (b) {z}×{z} zone matrix")
    r = Row(bg.name, f"(b) zone-to-zone matrix {z}×{z}, no cutoff")
    auto_ch = use_hierarchy(engine_graph, z)
    k = min(nx_sample, z)
    pick = np.sort(np.random.default_rng(3).choice(z, k, replace=False))  # a random sample of origins, not a corner
    res = paired(
        {
            "engine": lambda: engine_matrix(bg, method="auto"),
            "pandana+precompute": lambda: pandana_matrix(to_pandana(bg), bg.zones),
            "networkx": lambda: nx_fields(G, bg.zones[pick], n, None)[:, bg.zones],
        },
        heavy_repeats,
    )
    r.results["engine"], ours_m = res["engine"]
    r.results["engine"].note = (
        "times_between, auto: contraction hierarchy built + queried" if auto_ch else "times_between, auto: Dijkstra (small graph)"
    )
    r.results["pandana+precompute"], _ = res["pandana+precompute"]
    r.results["pandana+precompute"].note = "CH precompute + queries, in each run"
    t_nx_b, sample = res["networkx"]
    r.results["networkx"] = extrapolated(t_nx_b, z / k, f"{k} of {z} origins measured, ×{z / k:.0f}") if k < z else t_nx_b
    res = paired(
        {"engine, queries": lambda: ch.many_to_many(hierarchy, bg.zones, bg.zones), "pandana": lambda: pandana_matrix(net, bg.zones)},
        repeats,
    )
    (r.results["engine, queries"], ours_q), (r.results["pandana"], pd_m) = res["engine, queries"], res["pandana"]
    r.results["engine, queries"].note = "contraction hierarchy already built (see set-up)"
    r.results["pandana"].note = "queries only, network precomputed (see set-up)"
    r.results["engine, Dijkstra"], ours_d = timed(lambda: engine_matrix(bg, method="dijkstra"), heavy_repeats)
    r.results["engine, Dijkstra"].note = "scipy multi-source Dijkstra, chunks of 32 origins"
    r.results["engine, 2 processes"], ours_m2 = timed(lambda: csr_times_between(bg.csr, bg.zones, bg.zones, workers=2), heavy_repeats)
    assert np.array_equal(ours_m2, ours_d), "2-process matrix differs from the engine's"
    r.results["engine, 2 processes"].note = "scipy Dijkstra on 2 forked processes"
    if ig_graph is not None:
        zl = list(map(int, bg.zones))
        r.results["igraph"], _ = timed(lambda: ig_graph.distances(source=zl, target=zl, weights="w"), heavy_repeats)
    r.check = f"nx {agree(ours_m[pick], sample, 1e-6)}; CH vs Dijkstra {agree(ours_q, ours_d, 1e-6)}; pandana {agree(ours_m, pd_m, 1.0)}"
    rows.append(r)

    # (d) leave-one-out, like with like: a full recompute of (b) per edited network, by every library,
    # on the same sample of scenarios (per-scenario seconds, no extrapolation)
    p = min(pandana_loo_sample, 20)
    s = min(nx_loo_sample, p)
    log(f"{bg.name}: (d) leave-one-out, full recompute, {p} scenarios")
    r = Row(bg.name, f"(d) leave-one-out, full recompute per scenario: corridor removed, matrix {z}×{z} (seconds per scenario)")
    tails, heads, _ = bg.arcs()

    def engine_full() -> list[np.ndarray]:
        return [engine_matrix(bg, inc.without_arcs(bg.csr, arcs), method="auto") for arcs in bg.corridors[:p]]

    def pandana_full() -> list[np.ndarray]:
        return [pandana_matrix(to_pandana(bg, inc.without_arcs(bg.csr, arcs)), bg.zones) for arcs in bg.corridors[:p]]

    def nx_full() -> list[np.ndarray]:
        out = []
        for arcs in bg.corridors[:s]:
            ids = arcs[arcs >= 0]
            removed = [(int(a), int(b), G[int(a)][int(b)]) for a, b in zip(tails[ids], heads[ids])]
            G.remove_edges_from([(a, b_) for a, b_, _ in removed])
            try:
                out.append(nx_fields(G, bg.zones[pick], n, None)[:, bg.zones])
            finally:
                G.add_edges_from([(a, b_, d) for a, b_, d in removed])  # the user's graph, edited and restored
        return out

    res = paired({"engine": engine_full, "pandana+precompute": pandana_full, "networkx": nx_full}, heavy_repeats)
    t_e, full_out = res["engine"]
    t_p, pd_loo = res["pandana+precompute"]
    t_x, nx_loo_out = res["networkx"]
    r.results["engine"] = extrapolated(t_e, 1 / p, f"times_between auto per edited graph; mean of {p} scenarios")
    r.results["engine"].extrapolated = False
    r.results["pandana+precompute"] = extrapolated(t_p, 1 / p, f"CH rebuilt + queried per edited graph; mean of {p} scenarios")
    r.results["pandana+precompute"].extrapolated = False
    r.results["networkx"] = extrapolated(t_x, z / (k * s), f"{s} scenarios × {k} of {z} origins measured, per scenario ×{z / k:.0f}")
    if k >= z:
        r.results["networkx"].extrapolated = False
    checks = [agree(full_out[i][pick], nx_loo_out[i], 1e-6) for i in range(s)]
    checks_pd = [agree(full_out[i], pd_loo[i], 1.0) for i in range(p)]
    r.check = f"nx {checks[0] if len(set(checks)) == 1 else checks}; pandana {max(checks_pd)}"
    rows.append(r)

    # (d') the engine's incremental re-evaluation of all 20 scenarios (an algorithm the others lack)
    log(f"{bg.name}: (d') leave-one-out, incremental, 20 scenarios")
    r = Row(bg.name, f"(d') leave-one-out, incremental (engine only): 20 corridor removals × matrix {z}×{z}")

    def ours_loo() -> list[tuple[np.ndarray, np.ndarray]]:
        base = inc.solve(bg.csr, bg.zones, targets=bg.zones)
        return inc.leave_one_out(base, bg.corridors)

    def ours_loo2() -> list[tuple[np.ndarray, np.ndarray]]:
        base = inc.solve(bg.csr, bg.zones, targets=bg.zones, workers=2)
        return inc.leave_one_out(base, bg.corridors, workers=2)

    fns = {"engine": ours_loo, "engine, 2 processes": ours_loo2} if two_process_loo else {"engine": ours_loo}
    res = paired(fns, heavy_repeats)
    r.results["engine"], loo_out = res["engine"]
    if two_process_loo:
        r.results["engine, 2 processes"], loo_out2 = res["engine, 2 processes"]
        assert all(np.array_equal(a[0], b[0]) for a, b in zip(loo_out, loo_out2)), "2-process leave-one-out differs"
    assert all(np.allclose(loo_out[i][0], full_out[i], rtol=0, atol=1e-6, equal_nan=True) for i in range(p)), (
        "incremental differs from full"
    )
    recomputed = sum(len(rw) for _, rw in loo_out)
    r.results["engine"].note = f"incremental: {recomputed} of {20 * z} origin rows recomputed"
    r.results["engine, full recompute"] = Timing(
        20 * (t_e.seconds or 0) / p, 1, None, f"derived: 20 × the measured per-scenario full recompute of (d) ({p} scenarios)"
    )
    r.check = f"equal to the full recomputes of (d) on its {p} scenarios"
    rows.append(r)
    return rows


def bench_evaluation(state: Any, region: Any, *, repeats: int, attribution_row: bool = True) -> list[Row]:
    """(c) whole scenario evaluation on the embedded network, three ways; plus LOO of 20 named roads."""
    from network.analysis.metrics import FIELD_LIMIT_S as LIMIT
    from network.analysis.metrics import evaluate
    from network.model.region import CITIES
    from network.routing.engine import snap_points, times_to_points, with_direct_s
    from network.routing.graphs import build_mode_graph
    from network.routing.graphs import to_networkx as state_to_networkx
    from network.run.runner import scenario_metrics
    from network.scenario.schema import load_scenario

    rows = []
    cx = region.centres.set_index("city").loc[list(CITIES), "x_m"].to_numpy(dtype=float)
    cy = region.centres.set_index("city").loc[list(CITIES), "y_m"].to_numpy(dtype=float)
    gx = region.grid["x_m"].to_numpy(dtype=float)
    gy = region.grid["y_m"].to_numpy(dtype=float)
    evaluate(state, region)

    # the other libraries get their graphs once, as a user would: graphs, snapping and the cell
    # lookup are prepared outside the timed part (set-up times in the notes)
    prep: dict[str, dict[str, Any]] = {}
    t_setup = {"networkx": 0.0, "pandana": 0.0}
    for mode in ("car", "transit"):
        g = build_mode_graph(state, mode)  # snapping and cell aggregation are shared code
        origins = snap_points(g, cx, cy, state.params)
        uniq, inv = np.unique(origins.nodes.ravel(), return_inverse=True)
        t0 = time.perf_counter()
        G = state_to_networkx(state, mode)  # type: ignore[arg-type]
        t_setup["networkx"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        net = to_pandana(BenchGraph(mode, g.csr, g.node_x, g.node_y, uniq, uniq, [], {}))
        t_setup["pandana"] += time.perf_counter() - t0
        cells = snap_points(g, gx, gy, state.params, max_snap_m=None)
        prep[mode] = {"g": g, "origins": origins, "uniq": uniq, "inv": inv, "G": G, "net": net, "cells": cells}

    def other(kind: str) -> dict[str, np.ndarray]:
        out = {}
        for mode in ("car", "transit"):
            q = prep[mode]
            g = q["g"]
            if kind == "networkx":
                rows_ = nx_fields(q["G"], q["uniq"], g.n_nodes, LIMIT)
            else:
                rows_ = pandana_range(q["net"], q["uniq"], g.n_nodes, LIMIT)
            per = rows_[q["inv"]].reshape(3, -1, g.n_nodes) + q["origins"].access_s[:, :, None]
            field_ = per.min(axis=1)
            field_[field_ > LIMIT] = np.inf
            # the same direct walk or local drive the planner offers when it beats the network (shared code)
            cell_s = with_direct_s(times_to_points(field_, q["cells"]), q["origins"], q["cells"])
            out[mode] = np.where(cell_s <= LIMIT, cell_s, np.inf) / 60.0
        return out

    r = Row("embedded car + transit", "(c) whole scenario evaluation (fields from 3 centres to 18,948 cells, car + transit)")
    res = paired(
        {"engine": lambda: evaluate(state, region), "networkx": lambda: other("networkx"), "pandana": lambda: other("pandana")}, repeats
    )
    (r.results["engine"], ev), (r.results["networkx"], nxo), (r.results["pandana"], pdo) = res["engine"], res["networkx"], res["pandana"]
    r.results["engine"].note = "network.analysis.metrics.evaluate, warm: builds its arrays, snaps, searches, aggregates"
    r.results[
        "networkx"
    ].note = f"graph given (to_networkx once, {t_setup['networkx']:.2f} s, not timed) + single_source_dijkstra_path_length"
    r.results["pandana"].note = f"network given (precompute once, {t_setup['pandana']:.2f} s, not timed) + nodes_in_range"
    r.check = f"nx {agree(ev.cell_minutes['car'] * 60, nxo['car'] * 60, 1e-6)}; pandana {agree(ev.cell_minutes['car'] * 60, pdo['car'] * 60, 2.0)}"
    rows.append(r)
    sc = load_scenario(ROOT / "scenarios" / "surveyed.yaml")
    scenario_metrics(sc)
    r = Row("embedded car + transit", "(c') scenario metrics incl. resolve, tables, isochrone polygons")
    r.results["engine"], _ = timed(lambda: scenario_metrics(sc), repeats)
    r.results["engine"].note = "network.run.runner.scenario_metrics, warm"
    rows.append(r)

    if not attribution_row:
        return rows
    from network.analysis.compare import attribution, resolve_file

    r2023 = resolve_file(ROOT / "scenarios" / "year-2023.yaml")
    r2018 = resolve_file(ROOT / "scenarios" / "year-2018.yaml")
    r = Row("embedded car + transit", "(f) attribution 2018 → 2023: leave-one-out + add-one-in states")
    res = paired(
        {
            "engine": lambda: attribution(r2023, r2018, region),
            "engine, full recompute": lambda: attribution(r2023, r2018, region, incremental=False),
        },
        repeats,
    )
    (r.results["engine"], fast), (r.results["engine, full recompute"], full) = res["engine"], res["engine, full recompute"]
    done, total = fast.origins_recomputed
    r.results["engine"].note = f"incremental: {done} of {total} origin trees recomputed"
    r.results["engine, full recompute"].note = "every state evaluated in full"
    r.check = "tables equal" if fast.table.equals(full.table) else "tables differ (!)"
    rows.append(r)
    return rows


def _group_left(pgid: int) -> list[int]:
    """Processes still alive in process group ``pgid``."""
    left = []
    for proc in psutil.process_iter(["pid"]):
        with contextlib.suppress(OSError, psutil.Error):
            if os.getpgid(proc.pid) == pgid:
                left.append(proc.pid)
    return left


def bench_batch(repeats: int, workers: int = 2) -> Row:
    """The full ``--all`` batch (no maps), serially and on ``workers`` local processes, side by side
    (alternating), each a fresh ``run_scenario.py`` process in its own process group; after each run the
    group is checked for processes left behind."""
    import subprocess
    import tempfile

    r = Row("scenarios/*.yaml", "(e) `run_scenario.py --all --no-map` batch")
    left_behind: list[int] = []

    def run(extra: list[str]) -> Callable[[], int]:
        def go() -> int:
            with tempfile.TemporaryDirectory() as tmp:
                proc = subprocess.Popen(
                    [sys.executable, str(ROOT / "run_scenario.py"), "--all", "--no-map", "--output-dir", tmp, *extra],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                rc = proc.wait()
                time.sleep(0.5)  # let exiting children go
                left = _group_left(proc.pid)
                left_behind.extend(left)
                for pid in left:  # do not leave them running on a shared machine
                    with contextlib.suppress(OSError):
                        os.kill(pid, 9)
                return rc

        return go

    res = paired({"engine": run([]), f"engine, --workers {workers}": run(["--workers", str(workers)])}, repeats)
    for label, (timing, rc) in res.items():
        timing.note = f"exit {rc}, incl. interpreter start"
        r.results[label] = timing
    n = len(list((ROOT / "scenarios").glob("*.yaml")))
    r.workload += f" ({n} scenarios)"
    r.check = f"processes left in the run's process group afterwards: {len(left_behind)}" + (" (!)" if left_behind else "")
    return r


# ------------------------------------------------------------------------------------------------
# report


def _num(s: float) -> str:
    return f"{s:.3f}" if s < 1 else f"{s:.2f}" if s < 100 else f"{s:.0f}"


def fmt_s(t: Timing | None) -> str:
    """Median (min) seconds; ``*`` marks a figure extrapolated from a sample (the note gives its size)."""
    if t is None or t.seconds is None:
        return "—"
    txt = _num(t.seconds) + (f" ({_num(t.min_s)})" if t.min_s is not None and t.runs > 1 else "")
    return txt + ("*" if t.extrapolated else "")


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
        f"Made by `{meta['command']}` on {meta['date']}. {provenance_line(meta['code'])} (Took {meta['took_s']:.0f} s wall, {meta['cpu_s']:.0f} s CPU; load average "
        f"{meta['machine']['load_avg_at_start'][0]:.1f} at the start, {meta['load_avg_at_end'][0]:.1f} at the end).",
        "",
        f"Machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, {meta['machine']['ram_gib']} GiB RAM, {meta['machine']['os']}; "
        + ", ".join(f"{k} {v}" for k, v in meta["machine"]["versions"].items())
        + f". Load average at start: {', '.join(f'{x:.2f}' for x in meta['machine']['load_avg_at_start'])} "
        "(the machine is shared with other work: absolute times are noisy, ratios from the same run are the point).",
        "",
        "Seconds, wall clock: median (min) of the runs shown; runs of the libraries compared in a row alternate (paired). "
        "`*` = extrapolated linearly from a measured sample; the note gives the sample size. The 1-minute load average "
        "before each run is in RESULTS.json (`load_avg`).",
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
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="every workload once on a tiny synthetic graph plus the embedded evaluation: proves the harness runs (numbers meaningless; use --out)",
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--heavy-repeats", type=int, default=None, help="runs of the 250k matrix workloads (default: = --repeats)")
    ap.add_argument("--zones", type=int, default=None, help="zones of the matrix (default 300; 100 with --quick)")
    ap.add_argument("--nx-sample", type=int, default=None, help="networkx origins measured on the synthetic graph (default 6)")
    ap.add_argument("--nx-loo-sample", type=int, default=2, help="leave-one-out scenarios measured with networkx")
    ap.add_argument(
        "--pandana-loo-sample", type=int, default=None, help="leave-one-out scenarios measured with Pandana (default 3 full, 20 quick)"
    )
    ap.add_argument("--no-igraph", action="store_true")
    ap.add_argument("--no-batch", action="store_true", help="skip timing the run_scenario.py --all batch (always skipped with --quick)")
    ap.add_argument("--workers", type=int, default=2, help="local processes of the batch row (e)")
    ap.add_argument(
        "--out", type=Path, default=None, help="results markdown (default benchmarks/RESULTS.md, or RESULTS-quick.md with --quick)"
    )
    args = ap.parse_args(argv)
    smoke = args.smoke
    quick = args.quick or smoke
    if smoke:
        args.repeats = 1
    zones = args.zones or (12 if smoke else 100 if quick else 300)
    heavy = args.heavy_repeats or args.repeats
    nx_sample = args.nx_sample or (4 if smoke else 10 if quick else 6)
    pd_loo = args.pandana_loo_sample or (2 if quick else 3)
    out = args.out or HERE / ("RESULTS-smoke.md" if smoke else "RESULTS-quick.md" if quick else "RESULTS.md")
    command = ".venv/bin/python benchmarks/run.py" + (
        " " + " ".join(argv if argv is not None else sys.argv[1:]) if (argv or sys.argv[1:]) else ""
    )
    start = time.perf_counter()
    meta: dict[str, Any] = {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "code": code_provenance(),
        "machine": machine(),
        "graphs": [],
    }
    rows: list[Row] = []

    log("embedded network")
    emb, state, region = embedded_graph(zones)
    if not smoke:  # the smoke run times the embedded network's evaluation only (below), not its graph workloads
        meta["graphs"].append({"name": emb.name, "info": emb.info})
        rows += bench_graph(
            emb,
            repeats=args.repeats,
            heavy_repeats=args.repeats,
            nx_sample=zones,
            nx_loo_sample=2 if quick else 5,
            pandana_loo_sample=2 if quick else 5,
            igraph=not args.no_igraph,
        )
    rows += bench_evaluation(state, region, repeats=args.repeats, attribution_row=not quick)

    log("synthetic graph")
    syn = synthetic_graph(80 if smoke else 120 if quick else 520, zones, seed=7)
    meta["graphs"].append({"name": syn.name, "info": syn.info})
    rows += bench_graph(
        syn,
        repeats=args.repeats,
        heavy_repeats=heavy,
        nx_sample=nx_sample,
        nx_loo_sample=args.nx_loo_sample,
        pandana_loo_sample=pd_loo,
        igraph=not args.no_igraph,
        two_process_loo=not quick,
    )
    if not args.no_batch and not quick:
        log("run_scenario.py --all batch")
        rows.append(bench_batch(args.repeats, args.workers))
    meta["took_s"] = time.perf_counter() - start
    cpu = os.times()
    meta["cpu_s"] = round(cpu.user + cpu.system + cpu.children_user + cpu.children_system, 1)
    meta["load_avg_at_end"] = os.getloadavg()
    write_report(rows, meta, out)
    out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=1, default=str), encoding="utf-8"
    )
    print(out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
