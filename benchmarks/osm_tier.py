"""Benchmark of the planning-grade tier at full size: build, reload and a scenario on the synthetic extract.

    .venv/bin/python benchmarks/osm_tier.py              # full: the ≥ 600k-node study-area extract
    .venv/bin/python benchmarks/osm_tier.py --quick      # a three-city region (~90k raw nodes), ~1 min

Steps, each repeated ``--repeats`` times (min and median reported), each in a fresh process where a user
would start one, with the machine's load average recorded before each step (the machine is shared):

1. the extract: ``benchmarks/osm_extract.py`` (seeded; not part of the build time);
2. build, cold: ``run_scenario.py network build --source pbf --path X.osm.pbf --refresh`` into an empty
   cache (read with pyosmium into arrays, clip to the study-area polygon, simplify, consolidate, largest
   strongly connected component, speed profile, write the cache); peak memory = the largest resident
   set of the process (sampled every 20 ms);
3. reload: ``load_cached_osm_roads()`` (checksums + CSV) in a process that has imported the planner;
4. a full scenario (``tier: osm``; car + transit, isochrones, map, report): cold = a fresh
   ``run_scenario.py`` process; warm = ``network.run.runner.run_scenario`` again in one process;
5. the two cleaning pipelines side by side (paired, alternating) on a region small enough for osmnx.

Writes benchmarks/RESULTS-osm.md and RESULTS-osm.json (``--quick``: RESULTS-osm-quick.*; ``--out X.md``: X.md
and X.json), naming the commit and package version measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from provenance import code_provenance, provenance_line  # noqa: E402

PY = sys.executable
FULL_REGION: dict[str, Any] = {}
QUICK_REGION = {"bbox": "112.84,27.76,113.22,28.26", "city_extent": "0.4", "build_bbox": "112.85,27.77,113.21,28.25"}
SMALL_REGION = {"bbox": "112.85,27.76,113.20,27.95", "city_extent": "0.4", "build_bbox": "112.86,27.77,113.19,27.94"}


@dataclass
class Step:
    name: str
    command: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    load_avg: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def min_s(self) -> float:
        return min(self.seconds)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``cmd`` in its own process group; wall seconds, peak RSS (MB) of the process tree, stdout.
    Fails if the command fails or leaves a process behind in its group."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err[-2000:]}")
    left = [p.pid for p in psutil.process_iter(["pid"]) if _pgid(p.pid) == proc.pid]
    if left:
        raise RuntimeError(f"{' '.join(cmd)} left processes behind in its group: {left}")
    return seconds, peak / 2**20, out


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def repeat(step: Step, repeats: int, fn: Callable[[], tuple[float, float]]) -> Step:
    for k in range(repeats):
        step.load_avg.append(round(os.getloadavg()[0], 2))
        s, mb = fn()
        step.seconds.append(round(s, 3))
        step.peak_mb.append(round(mb, 1))
        log(f"  {step.name} run {k + 1}/{repeats}: {s:.2f} s, peak {mb:.0f} MB (load {step.load_avg[-1]})")
    return step


def generate(path: Path, region: dict[str, str], seed: int) -> tuple[float, dict[str, Any], str]:
    cmd = [PY, "benchmarks/osm_extract.py", str(path), "--seed", str(seed)]
    if region:
        cmd += ["--bbox", region["bbox"], "--city-extent", region["city_extent"]]
    s, _, out = run_measured(cmd)
    return s, json.loads(out.strip().splitlines()[-1]), " ".join(["python", *cmd[1:]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a three-city region instead of the whole study area")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--work-dir", type=Path, default=None, help="where the extract and caches go (default: a temporary folder)")
    ap.add_argument("--no-pipelines", action="store_true", help="skip step 5 (osmnx vs arrays on the small region)")
    ap.add_argument("--out", type=Path, default=None, help="results markdown (default benchmarks/RESULTS-osm.md, RESULTS-osm-quick.md with --quick)")
    args = ap.parse_args(argv)
    region = QUICK_REGION if args.quick else FULL_REGION
    command = "python benchmarks/osm_tier.py" + (
        " " + " ".join(argv if argv is not None else sys.argv[1:]) if (argv or sys.argv[1:]) else ""
    )
    t_start = time.perf_counter()
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="czt-osm-bench-") as tmp_name:
        work = args.work_dir or Path(tmp_name)
        work.mkdir(parents=True, exist_ok=True)
        pbf = work / ("region.osm.pbf" if args.quick else "study-area.osm.pbf")
        log(f"generating {pbf}")
        gen_s, counts, gen_cmd = generate(pbf, region, args.seed)
        counts["file_mb"] = round(pbf.stat().st_size / 2**20, 2)
        bbox = ["--bbox", region["build_bbox"]] if region else []

        build_cmd = [PY, "run_scenario.py", "network", "build", "--source", "pbf", "--path", str(pbf), *bbox, "--json", "--refresh"]
        report: dict[str, Any] = {}

        def build_once() -> tuple[float, float]:
            cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
            s, mb, out = run_measured([*build_cmd, "--cache-dir", str(cache)])
            report.update(json.loads(out))
            return s, mb

        log("build (cold)")
        steps.append(
            repeat(
                Step(
                    "build, cold (fresh process, empty cache)",
                    f"run_scenario.py network build --source pbf --path {pbf.name}{' --bbox ' + region['build_bbox'] if region else ''}",
                ),
                args.repeats,
                build_once,
            )
        )
        cache_root = Path(report["cache_entry"]).parent.parent
        env = {**os.environ, "CZT_CACHE_DIR": str(cache_root)}

        log("reload from the cache")
        reload_code = (
            "import time, sys, json\n"
            "from network.sources.osm import load_cached_osm_roads\n"
            "t = time.perf_counter(); r = load_cached_osm_roads(); s = time.perf_counter() - t\n"
            "print(json.dumps({'s': s, 'nodes': len(r.nodes)}))\n"
        )

        def reload_once() -> tuple[float, float]:
            _, mb, out = run_measured([PY, "-c", reload_code], env=env)
            return float(json.loads(out)["s"]), mb

        steps.append(
            repeat(
                Step("reload from the cache (in a started process)", "network.sources.osm.load_cached_osm_roads()"),
                args.repeats,
                reload_once,
            )
        )

        scenario = work / "osm-synthetic.yaml"
        scenario.write_text(
            "name: osm-synthetic\ntitle: surveyed network on the OSM tier (synthetic extract)\ntier: osm\n", encoding="utf-8"
        )
        out_dir = work / "outputs"
        run_cmd = [PY, "run_scenario.py", str(scenario), "--output-dir", str(out_dir), "--map-dir", str(out_dir / "maps")]

        log("scenario, cold")
        steps.append(
            repeat(
                Step(
                    "scenario, cold (fresh run_scenario.py process: car + transit, isochrones, map, report)",
                    "run_scenario.py osm-synthetic.yaml",
                ),
                args.repeats,
                lambda: run_measured(run_cmd, env=env)[:2],
            )
        )
        warm_code = (
            "import json, sys, time\nfrom pathlib import Path\n"
            "from network.run.runner import run_scenario\nfrom network.scenario.schema import load_scenario\n"
            f"p = Path({str(scenario)!r}); out = Path({str(out_dir)!r})\n"
            "sc = load_scenario(p)\nrun_scenario(sc, file=str(p), output_dir=out, map_dir=out / 'maps')\n"
            f"times = []\nfor _ in range({args.repeats}):\n"
            "    t = time.perf_counter(); run_scenario(sc, file=str(p), output_dir=out, map_dir=out / 'maps'); times.append(time.perf_counter() - t)\n"
            "print(json.dumps(times))\n"
        )
        log("scenario, warm")
        warm = Step("scenario, warm (run_scenario again in the same process)", "network.run.runner.run_scenario (second and later calls)")
        warm.load_avg.append(round(os.getloadavg()[0], 2))
        _, mb, out = run_measured([PY, "-c", warm_code], env=env)
        warm.seconds = [round(x, 3) for x in json.loads(out)]
        warm.peak_mb = [round(mb, 1)]
        steps.append(warm)
        metrics = json.loads((out_dir / "osm-synthetic" / "metrics.json").read_text(encoding="utf-8"))

        pipelines: list[Step] = []
        if not args.no_pipelines:
            log("osmnx vs arrays on a small region (paired)")
            small = work / "small.osm.pbf"
            generate(small, SMALL_REGION, args.seed)
            code = (
                "import json, sys, time\nfrom pathlib import Path\nfrom network.sources import osm\n"
                "w, s, e, n = map(float, sys.argv[2].split(','))\n"
                "t = time.perf_counter(); r, _ = osm.network_from_file(Path(sys.argv[1]), osm.bbox_polygon(w, s, e, n), options=osm.BuildOptions(pipeline=sys.argv[3]))\n"
                "print(json.dumps({'s': time.perf_counter() - t, 'nodes': len(r.nodes), 'edges': len(r.edges)}))\n"
            )
            by = {
                p: Step(f"small region, {p} pipeline (read + clean + profile, fresh process)", f"network_from_file(pipeline={p!r})")
                for p in ("osmnx", "arrays")
            }
            sizes: dict[str, tuple[int, int]] = {}
            for _k in range(args.repeats):
                for p in ("osmnx", "arrays"):
                    by[p].load_avg.append(round(os.getloadavg()[0], 2))
                    _, mb, out = run_measured([PY, "-c", code, str(small), SMALL_REGION["build_bbox"], p])
                    res = json.loads(out)
                    by[p].seconds.append(round(res["s"], 3))
                    by[p].peak_mb.append(round(mb, 1))
                    sizes[p] = (res["nodes"], res["edges"])
            for p in by:
                by[p].note = f"{sizes[p][0]:,} nodes, {sizes[p][1]:,} edges"
            pipelines = list(by.values())

    took = time.perf_counter() - t_start
    doc = {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "code": code_provenance(),
        "took_s": round(took, 1),
        "machine": {"cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1)},
        "extract": {"command": gen_cmd, "seconds": round(gen_s, 1), **counts},
        "network": {k: report[k] for k in ("nodes", "edges", "oneway_edges", "km", "tier") if k in report},
        "steps": [asdict(s) | {"min_s": s.min_s, "median_s": s.median_s} for s in steps + pipelines],
        "centre_minutes": metrics.get("centre_minutes"),
    }
    out = args.out or HERE / ("RESULTS-osm-quick.md" if args.quick else "RESULTS-osm.md")
    out.with_suffix(".json").write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    out.write_text(markdown(doc), encoding="utf-8")
    print(markdown(doc))
    return 0


def markdown(doc: dict[str, Any]) -> str:
    ex = doc["extract"]
    net = doc["network"]
    lines = [
        "# OSM tier at full size: build, reload, scenario",
        "",
        f"Made by `{doc['command']}` on {doc['date']} (took {doc['took_s']:.0f} s), {doc['machine']['cores']} cores, "
        f"{doc['machine']['ram_gib']} GiB RAM. {provenance_line(doc['code']) if 'code' in doc else ''}"
        " The machine is shared with other agents: the load average (1 min) "
        "before each run is listed; absolute times are noisy, compare runs side by side.",
        "",
        f"Extract: `{ex['command']}` ({ex['seconds']:.0f} s): {ex['nodes_written']:,} nodes and {ex['ways_written']:,} ways written, "
        f"{ex['file_mb']} MB; {ex['interchanges']} expressway interchanges, {ex['roundabouts']} roundabouts.",
        f"Built network: {net.get('nodes', 0):,} nodes, {net.get('edges', 0):,} edges ({net.get('oneway_edges', 0):,} one-way), "
        f"{net.get('km', 0):,} km, tier {net.get('tier')}.",
        "",
        "| step | runs | min s | median s | peak MB (max) | load avg before runs | what |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for s in doc["steps"]:
        lines.append(
            f"| {s['name']} | {len(s['seconds'])} | {s['min_s']:.2f} | {s['median_s']:.2f} | "
            f"{max(s['peak_mb']) if s['peak_mb'] else 0:.0f} | {', '.join(str(x) for x in s['load_avg'])} | `{s['command']}`"
            + (f"; {s['note']}" if s["note"] else "")
            + " |"
        )
    cm = doc.get("centre_minutes") or []
    if cm:
        lines += ["", "Centre-to-centre minutes on the synthetic extract (not real roads: a check that every pair is reachable):", ""]
        lines += ["| from → to | mode | minutes |", "|---|---|---:|"]
        lines += [f"| {r['from']} → {r['to']} | {r['mode']} | {r['minutes']} |" for r in cm]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
