"""What choosing transit paths by generalized cost costs the batch engines (issue 11), paired runs.

Each round times, alternating, the same workload on the embedded surveyed state with the default
weights (generalized cost: Dijkstra with predecessors + clock seconds summed along the trees) and with
weights 1 and no penalty (cost = clock: the plain Dijkstra path the engine took before). Workloads:
(c) ``evaluate`` (car + transit fields, centres, cells, zones), transit only: the zone-to-zone
``point_matrix`` (23 x 23) and a 300-point ``od_minutes``-like transit matrix.

    .venv/bin/python benchmarks/generalized_cost.py [--repeats 5]   # writes benchmarks/RESULTS-generalized.md/.json
    .venv/bin/python benchmarks/generalized_cost.py --repeats 1 --out /tmp/g.md   # a check that it runs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from provenance import code_provenance, provenance_line  # noqa: E402

from network.analysis.metrics import evaluate, zone_points  # noqa: E402
from network.model.graph import NetworkState  # noqa: E402
from network.model.region import load_region  # noqa: E402
from network.routing.engine import point_matrix, snap_points  # noqa: E402
from network.routing.graphs import build_mode_graph  # noqa: E402
from network.scenario.resolve import resolve_state  # noqa: E402
from network.scenario.schema import load_scenario  # noqa: E402

CLOCK_CHOICE = (("walk_weight", 1.0), ("wait_weight", 1.0), ("transfer_penalty_min", 0.0))


def _time(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Run the paired rounds and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS-generalized.md", help="results markdown (and .json beside it)")
    args = ap.parse_args(argv)
    region = load_region()
    gen_state = resolve_state(load_scenario(HERE.parent / "scenarios" / "surveyed.yaml"))
    states: dict[str, NetworkState] = {"generalized": gen_state, "clock": gen_state.with_params(overrides=CLOCK_CHOICE)}
    zx, zy = zone_points(region)
    rng = np.random.default_rng(0)
    cells = region.grid.iloc[rng.choice(len(region.grid), 300, replace=False)]
    cx, cy = cells["x_m"].to_numpy(dtype=float), cells["y_m"].to_numpy(dtype=float)

    def matrix(state: NetworkState, x: np.ndarray, y: np.ndarray) -> Callable[[], object]:
        def run() -> object:
            g = build_mode_graph(state, "transit")
            s = snap_points(g, x, y, state.params, max_snap_m=None)
            return point_matrix(g, s, s, method="dijkstra")

        return run

    workloads: dict[str, Callable[[NetworkState], Callable[[], object]]] = {
        "(c) evaluate, car + transit": lambda st: lambda: evaluate(st, region),
        "transit zone matrix 23 x 23 (graph built + snapped + matrix)": lambda st: matrix(st, zx, zy),
        "transit matrix 300 x 300 cells (graph built + snapped + matrix)": lambda st: matrix(st, cx, cy),
    }
    for st in states.values():  # warm-up (imports, caches)
        evaluate(st, region)
    results: dict[str, dict[str, list[float]]] = {w: {k: [] for k in states} for w in workloads}
    loads: list[float] = []
    for _ in range(args.repeats):
        loads.append(os.getloadavg()[0])
        for name, make in workloads.items():
            for key, st in states.items():  # alternating within each round
                results[name][key].append(_time(make(st)))
    code = code_provenance()
    lines = [
        "# Generalized-cost transit paths: cost to the batch engines (paired runs)",
        "",
        provenance_line(code),
        f"Command: `.venv/bin/python benchmarks/generalized_cost.py --repeats {args.repeats}`; load average (1 min) before each",
        f"round: {', '.join(f'{x:.1f}' for x in loads)} ({os.cpu_count()} cores, shared with other agents).",
        "Median (min) seconds; `clock` = weights 1 and no penalty, the plain-Dijkstra path the engine took before.",
        "",
        "| workload | clock choice | generalized choice | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, r in results.items():
        c, g = statistics.median(r["clock"]), statistics.median(r["generalized"])
        lines.append(f"| {name} | {c:.3f} ({min(r['clock']):.3f}) | {g:.3f} ({min(r['generalized']):.3f}) | {g / c:.2f}× |")
    out = args.out
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"code": code, "load_avg": loads, "seconds": results}, indent=1) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
