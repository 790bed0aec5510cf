"""The benchmark harness still runs: a refactor that breaks ``benchmarks/`` fails the build.

Each entry point runs once in a subprocess on a tiny workload (``run.py --smoke``: a ~6k-node synthetic graph
plus the embedded scenario's evaluation, one repeat; ``generalized_cost.py --repeats 1``), writing its results
to a temporary folder; the numbers are discarded. The results must name the commit and package version that
made them, and nothing may be written into ``benchmarks/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import network

ROOT = Path(__file__).resolve().parent.parent.parent
BENCH = ROOT / "benchmarks"


def _head() -> str | None:
    r = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def _bench(script: str, *args: str, timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(BENCH / script), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s
    )


def _committed_results() -> set[str]:
    return {p.name for p in BENCH.iterdir() if p.name.startswith("RESULTS")}


@pytest.mark.slow
def test_engine_benchmark_smoke_run_writes_every_workload_with_its_commit(tmp_path: Path) -> None:
    before = _committed_results()
    out = tmp_path / "results.md"
    r = _bench("run.py", "--smoke", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    md = out.read_text(encoding="utf-8")
    doc = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    workloads = {row["workload"].split(" ")[0] for row in doc["rows"]}
    assert {"(a)", "(b)", "(c)", "(c')", "(d)", "(d')", "graph"} <= workloads, workloads
    assert all(row["results"]["engine"]["seconds"] is not None for row in doc["rows"]), "an engine row was not timed"
    assert "(!)" not in md and "differ" not in md, "a library disagreed with the engine"
    assert doc["meta"]["code"]["package_version"] == network.__version__
    head = _head()
    if head is not None:
        assert doc["meta"]["code"]["commit"] == head
        assert f"commit `{head[:12]}`" in md
    assert _committed_results() == before, "the smoke run wrote into benchmarks/"


@pytest.mark.slow
def test_generalized_cost_benchmark_runs_once_and_names_its_commit(tmp_path: Path) -> None:
    out = tmp_path / "generalized.md"
    r = _bench("generalized_cost.py", "--repeats", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert doc["code"]["package_version"] == network.__version__
    assert len(doc["seconds"]) == 3 and all(len(v["clock"]) == 1 and len(v["generalized"]) == 1 for v in doc["seconds"].values())
    assert f"czt-planner {network.__version__}" in out.read_text(encoding="utf-8")


def test_results_name_the_commit_or_say_there_is_none() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from provenance import code_provenance, provenance_line
    finally:
        sys.path.remove(str(BENCH))
    prov = code_provenance()
    assert prov["commit"] == _head()
    assert prov["package_version"] == network.__version__
    line = provenance_line(prov)
    assert (f"commit `{prov['commit'][:12]}`" in line) if prov["commit"] else ("no git commit" in line)
    assert provenance_line({"commit": None, "dirty": False, "package_version": "9.9"}) == "Code: no git commit (not a checkout), czt-planner 9.9."
