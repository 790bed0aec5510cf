"""The workbench's latency: an edit to updated numbers and isochrones, first page ready, a session's memory;
paired against a fresh ``run_scenario.py`` run of the same scenario.

    .venv/bin/python benchmarks/workbench.py [--rounds 2] [--cli-runs 4]
    .venv/bin/python benchmarks/workbench.py --tier osm [--edits 4]     # the synthetic full-size OSM extract

The real server runs in its own process (``run_scenario.py serve --port 0``, as a planner starts it) on a
copy of scenarios/; requests are the page's own (HTTP with the token). For each edit of a fixed list:
POST the edit (the server validates, logs, re-evaluates incrementally and answers the numbers), then GET
the isochrones of one centre and mode: that sum is "edit -> numbers + isochrones"; then undo (timed the
same way). After each of the first ``--cli-runs`` edits the tab's scenario is saved and run by the CLI
(``run_scenario.py <file> --no-map``, a fresh process) for the paired figure. Memory: the server's RSS
before any tab, with one tab, and with that tab comparing against a second scenario.
With ``--tier osm`` the workspace holds one scenario on the OSM tier, built first from the seeded synthetic
full-size extract (``benchmarks/osm_extract.py``, as ``benchmarks/osm_tier.py`` does), and a route on the
tab's network is timed too. Writes benchmarks/RESULTS-workbench[-osm].{json,md}.
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
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.provenance import code_provenance, provenance_line  # noqa: E402
from tools.workbench_screenshot import Server, make_workspace  # noqa: E402

EDITS: list[dict[str, Any]] = [
    {"op": "append", "field": "add", "item": {"type": "new_road", "name": "cs-zz direct", "path": [[112.98, 28.19], [113.13, 27.84]], "speed_kph": 100}},
    {"op": "append", "field": "add", "item": {"type": "new_road", "name": "cs-xt west", "path": [[112.95, 28.15], [112.93, 27.86]], "speed_kph": 80}},
    {"op": "append", "field": "add", "item": {"type": "new_road", "name": "zz-xt link", "path": [[113.13, 27.84], [113.0, 27.83], [112.93, 27.86]], "speed_kph": 60}},
    {"op": "append", "field": "remove_lines", "item": "IC-ZZ"},
    {"op": "append", "field": "remove_lines", "item": "M1"},
    {"op": "append", "field": "remove_lines", "item": "HSR-WG"},
    {"op": "project", "project_id": "west-ring-line", "include": False},
    {"op": "project", "project_id": "huangxing-tianxin-connector", "include": True},
    {"op": "project", "project_id": "furong-north-extension", "include": True},
    {"op": "project", "project_id": "furong-avenue", "include": False},
]


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    k = max(0, min(len(s) - 1, round(q * (len(s) - 1))))
    return round(s[k], 3)


class Client:
    def __init__(self, srv: Server) -> None:
        self.srv = srv
        self.http = httpx.Client(base_url=srv.base.rstrip("/"), headers={"X-Workbench-Token": srv.token}, timeout=600)

    def timed(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        t = time.perf_counter()
        r = self.http.request(method, path, json=body)
        r.raise_for_status()
        dt = time.perf_counter() - t
        return dt, r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2, help="times the edit list is replayed (each edit then undone)")
    ap.add_argument("--cli-runs", type=int, default=4, help="edits whose saved scenario is also run by the CLI")
    ap.add_argument("--tier", choices=["embedded", "osm"], default="embedded")
    ap.add_argument("--edits", type=int, default=len(EDITS), help="how many edits of the fixed list to use")
    args = ap.parse_args(argv)
    loads = [_load()]
    with tempfile.TemporaryDirectory() as tmp:
        env: dict[str, str] = {}
        osm_note = ""
        if args.tier == "osm":
            ws, env, osm_note = _osm_workspace(Path(tmp))
            args.file, args.base = "osm-synthetic.yaml", None
        else:
            ws = make_workspace(Path(tmp) / "ws")
            args.file, args.base = "surveyed.yaml", "year-2030.yaml"
        args.env = env
        t0 = time.perf_counter()
        srv = Server(ws, env=env)
        t_printed = time.perf_counter() - t0
        try:
            result = _measure(srv, ws, Path(tmp), args, t0, t_printed, loads)
        finally:
            code, _ = srv.stop()
    loads.append(_load())
    result["meta"] = {
        **code_provenance(),
        "command": "python benchmarks/workbench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load_average_1min": loads,
        "cpus": os.cpu_count(),
        "tier": args.tier,
        "scenario": args.file + (f" (base {args.base} for the comparison)" if args.base else ""),
        "osm_network": osm_note,
        "server_exit_code_after_ctrl_c": code,
    }
    stem = "RESULTS-workbench" + ("-osm" if args.tier == "osm" else "")
    (ROOT / "benchmarks" / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (ROOT / "benchmarks" / f"{stem}.md").write_text(_markdown(result), encoding="utf-8")
    print(_markdown(result))
    return 0


def _osm_workspace(tmp: Path) -> tuple[Path, dict[str, str], str]:
    """A workspace with one OSM-tier scenario, and the environment pointing at the network built for it."""
    pbf = tmp / "study-area.osm.pbf"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "benchmarks/osm_extract.py", str(pbf), "--seed", "15"], check=True, capture_output=True, cwd=ROOT, env=env)
    build = subprocess.run(
        [sys.executable, "run_scenario.py", "network", "build", "--source", "pbf", "--path", str(pbf), "--json", "--refresh", "--cache-dir", str(tmp / "cache")],
        check=True, capture_output=True, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    report = json.loads(build.stdout)
    cache_root = Path(report["cache_entry"]).parent.parent
    ws = tmp / "ws"
    ws.mkdir()
    (ws / "osm-synthetic.yaml").write_text("name: osm-synthetic\ntitle: surveyed network on the OSM tier (synthetic extract)\ntier: osm\n", encoding="utf-8")
    note = f"synthetic extract (benchmarks/osm_extract.py --seed 15): {report.get('nodes', '?')} nodes, {report.get('edges', '?')} edges"
    return ws, {"CZT_CACHE_DIR": str(cache_root)}, note


def _measure(srv: Server, ws: Path, tmp: Path, args: argparse.Namespace, t0: float, t_printed: float, loads: list[float]) -> dict[str, Any]:
    c = Client(srv)
    proc = psutil.Process(srv.proc.pid)
    dt_page, _ = c.timed("GET", "/?token=" + srv.token)
    dt_meta, _ = c.timed("GET", "/api/meta")
    rss_idle = proc.memory_info().rss
    dt_open, doc = c.timed("POST", "/api/tabs", {"file": args.file})
    dt_iso0, _ = c.timed("GET", f"/api/tabs/{doc['tab']}/isochrones?mode=best&centre=changsha")
    first_ready = time.perf_counter() - t0
    rss_one = proc.memory_info().rss
    tab = doc["tab"]
    dt_base, _ = c.timed("POST", f"/api/tabs/{tab}/base", {"file": args.base or args.file})
    rss_two = proc.memory_info().rss
    ends = {"from": [112.97, 28.20], "to": [113.13, 27.83], "mode": "best"}
    route_s = [c.timed("POST", f"/api/tabs/{tab}/route", ends)[0] for _ in range(3)]
    samples: list[dict[str, Any]] = []
    cli: list[dict[str, Any]] = []
    for rnd in range(args.rounds):
        loads.append(_load())
        for k, op in enumerate(EDITS[: args.edits]):
            for kind, method, path, body in (("edit", "POST", f"/api/tabs/{tab}/edits", {"op": op}), ("undo", "POST", f"/api/tabs/{tab}/undo", None)):
                dt_num, d = c.timed(method, path, body)
                dt_iso, _ = c.timed("GET", f"/api/tabs/{tab}/isochrones?mode=best&centre=changsha")
                rc = d["numbers"]["recomputed_origins"]
                samples.append({"round": rnd, "edit": k, "kind": kind, "numbers_s": round(dt_num, 3), "isochrones_s": round(dt_iso, 3),
                                "total_s": round(dt_num + dt_iso, 3), "car_recomputed": rc["car"]["recomputed"], "car_of": rc["car"]["of"],
                                "transit_recomputed": rc["transit"]["recomputed"], "transit_of": rc["transit"]["of"]})  # fmt: skip
                if kind == "edit" and rnd == 0 and k < args.cli_runs:
                    name = f"bench-edit-{k}"
                    c.timed("POST", f"/api/tabs/{tab}/save", {"name": name, "overwrite": True})
                    t = time.perf_counter()
                    done = subprocess.run(
                        [sys.executable, str(ROOT / "run_scenario.py"), str(ws / f"{name}.yaml"), "--no-map", "--output-dir", str(tmp / "out")],
                        capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **args.env},
                    )  # fmt: skip
                    # exit 1 = a check of the scenario failed (surveyed asks 长沙-株洲 best <= 90 min): the run itself completed
                    assert done.returncode in (0, 1) and (tmp / "out" / name / "metrics.json").exists(), done.stderr
                    cli.append({"edit": k, "cli_s": round(time.perf_counter() - t, 3), "workbench_s": samples[-1]["total_s"], "cli_exit": done.returncode})
    totals = [s["total_s"] for s in samples]
    mib = 1024 * 1024
    return {
        "startup": {
            "address_printed_s": round(t_printed, 3),
            "page_html_s": round(dt_page, 3),
            "meta_s": round(dt_meta, 3),
            "first_tab_open_s": round(dt_open, 3),
            "first_isochrones_s": round(dt_iso0, 3),
            "first_page_ready_s": round(first_ready, 3),
            "base_scenario_s": round(dt_base, 3),
            "route_s": [round(x, 3) for x in route_s],
        },
        "edits": {"n": len(totals), "p50_s": _pct(totals, 0.5), "p95_s": _pct(totals, 0.95), "max_s": round(max(totals), 3), "samples": samples},
        "cli_paired": cli,
        "memory_mib": {
            "server_idle": round(rss_idle / mib, 1),
            "one_tab": round(rss_one / mib, 1),
            "tab_with_base": round(rss_two / mib, 1),
            "session_two_scenarios": round((rss_two - rss_idle) / mib, 1),
        },
    }


def _markdown(r: dict[str, Any]) -> str:
    m, s, e, mem = r["meta"], r["startup"], r["edits"], r["memory_mib"]
    new = [x["total_s"] for x in e["samples"] if x["kind"] == "edit"]
    undo = [x["total_s"] for x in e["samples"] if x["kind"] == "undo"]
    cli = r["cli_paired"]
    med_cli = statistics.median(x["cli_s"] for x in cli) if cli else float("nan")
    med_wb = statistics.median(x["workbench_s"] for x in cli) if cli else float("nan")
    lines = [
        f"# Workbench: an edit to updated numbers and isochrones ({m['tier']} tier, paired with a fresh CLI run)",
        "",
        f"Scenario: {m['scenario']}." + (f" OSM network: {m['osm_network']}." if m.get("osm_network") else ""),
        "",
        f"Command: `{m['command'].strip()}`; load average (1 min) before each round: {', '.join(str(x) for x in m['load_average_1min'])} "
        f"({m['cpus']} cores shared with other agents). {provenance_line(m)}",
        "",
        "| measure | seconds |",
        "|---|---:|",
        f"| a new edit -> numbers + isochrones, p50 ({len(new)} edits) | {_pct(new, 0.5)} |",
        f"| a new edit -> numbers + isochrones, p95 | {_pct(new, 0.95)} |",
        f"| an undo -> numbers + isochrones, p50 ({len(undo)} undos; the tab's recent evaluations) | {_pct(undo, 0.5)} |",
        f"| edits and undos together: p50, p95, max ({e['n']}) | {e['p50_s']}, {e['p95_s']}, {e['max_s']} |",
        f"| the same scenarios run fresh by `run_scenario.py <saved>.yaml --no-map` (median of {len(cli)}) | {med_cli:.3f} |",
        f"| ... the workbench's time for those edits (median) | {med_wb:.3f} |",
        f"| server start -> address printed | {s['address_printed_s']} |",
        f"| server start -> first page ready (page, meta, surveyed opened, isochrones) | {s['first_page_ready_s']} |",
        f"| opening the first tab (full evaluation keeping the trees) | {s['first_tab_open_s']} |",
        f"| setting a base scenario (evaluated in full) | {s['base_scenario_s']} |",
        f"| a route on the tab's network (3 calls: first, then warm) | {', '.join(str(x) for x in s['route_s'])} |",
        "",
        f"Memory (server RSS): idle {mem['server_idle']} MiB, one tab {mem['one_tab']} MiB, the tab comparing against a second "
        f"scenario {mem['tab_with_base']} MiB: a session holding two scenarios takes {mem['session_two_scenarios']} MiB.",
        "",
        "Each edit is re-evaluated from the opened file's shortest-path trees (only origins whose trees the edit can change are "
        "recomputed; `car_recomputed`/`transit_recomputed` in the JSON). The contraction hierarchy is bypassed after an edit, "
        "neither rebuilt nor repaired: evaluation is a many-origin Dijkstra with a time limit, the incremental rows are "
        "recomputed by Dijkstra, and a route is one search on the mode graphs the evaluation built. A rail-only edit "
        "keeps the car graph's arrays and snapping samples (the same roads), never a hierarchy another state built.",
        "",
    ]
    return "\n".join(lines)


def rewrite_markdown(stem: str) -> None:
    """Write ``<stem>.md`` again from ``<stem>.json`` (the table's layout changed, not the measurements)."""
    doc = json.loads((ROOT / "benchmarks" / f"{stem}.json").read_text(encoding="utf-8"))
    (ROOT / "benchmarks" / f"{stem}.md").write_text(_markdown(doc), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
