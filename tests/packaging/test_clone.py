"""The project stands alone: a clone with nothing beside it validates, runs, checks observed times and
audits claims (issue 21: self-contained).

The test clones the repository's HEAD commit (``git clone --no-local``) into an empty temporary folder and
runs ``run_scenario.py`` there with this environment's Python (``PYTHONPATH`` = the clone, so nothing is
installed or downloaded). Each command runs under an audit hook that records every file or folder it opens
outside the clone that lies beside it (where a reference folder would be) or whose path names ``shared/reference``:
any such read fails the test, as does a command that fails or reports a reference file missing.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs run_scenario.py with an audit hook: every open/listdir/scandir of a path beside the clone (outside
# it) or naming shared/reference is appended to the log given as argv[1]; network's origin is logged too.
LAUNCHER = """
import json, os, runpy, sys
log_path, clone = sys.argv[1], os.path.realpath(os.getcwd())
beside = os.path.dirname(clone)
def suspicious(path):
    try:
        p = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    outside_beside = p.startswith(beside + os.sep) and not (p == clone or p.startswith(clone + os.sep))
    return outside_beside or "shared" + os.sep + "reference" in p
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)) and suspicious(args[0]):
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"event": event, "path": os.fsdecode(args[0])}) + "\\n")
sys.addaudithook(hook)
sys.argv = ["run_scenario.py", *sys.argv[2:]]
try:
    runpy.run_path("run_scenario.py", run_name="__main__")
finally:
    import network
    with open(log_path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"network": os.path.realpath(network.__file__)}) + "\\n")
"""


@pytest.mark.slow
def test_a_clone_without_shared_beside_it_validates_runs_observes_and_audits(tmp_path: Path) -> None:
    clone = tmp_path / "project"
    r = subprocess.run(["git", "clone", "-q", "--no-local", str(ROOT), str(clone)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "shared").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    launcher = tmp_path / "launch.py"
    launcher.write_text(LAUNCHER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CZT_PLANNER_OUTPUT",)}
    env |= {"PYTHONPATH": str(clone), "CZT_CACHE_DIR": str(clone / "cache")}

    def run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
        log = clone / f"audit-{name}.jsonl"
        done = subprocess.run(
            [sys.executable, str(launcher), str(log), *args], cwd=clone, env=env, capture_output=True, text=True, timeout=1500
        )
        entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        reads = [e for e in entries if "path" in e]
        assert reads == [], f"{name} read outside the clone: {reads[:5]}"
        origins = {e["network"] for e in entries if "network" in e}
        assert origins and all(o.startswith(str(clone.resolve())) for o in origins), f"{name} imported network from {origins}"
        assert "absent" not in done.stderr and "not found" not in done.stdout + done.stderr, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    scenarios = sorted(str(p.relative_to(clone)) for p in (clone / "scenarios").glob("*.yaml"))
    r = run("validate", "validate", *scenarios)
    assert r.returncode == 0 and r.stdout.count("ok ") == len(scenarios), r.stdout + r.stderr[-2000:]

    r = run("run", "scenarios/surveyed.yaml", "--no-map")
    assert r.returncode == 0, r.stderr[-3000:]
    assert (clone / "outputs" / "surveyed" / "metrics.json").is_file()

    # the thresholds are the model's accuracy (tests/analysis); here: the project's own observed set is read
    r = run("observed", "observed", "--min-within-25", "0", "--min-tag", "0", "--json")
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout[r.stdout.index("{") :])
    rows_in_data = sum(1 for f in (clone / "data" / "observed").glob("*.csv") for _ in csv.DictReader(f.open(encoding="utf-8")))
    assert rows_in_data > 0 and len(summary["rows"]) == rows_in_data, (len(summary["rows"]), rows_in_data)
    assert Path(summary["observed_csv"]).resolve() == (clone / "data" / "observed").resolve()

    # a claim fitted to reliability-A rows can only be called "not independent" when the observed set was read
    r = run("claims", "claims", "--only", "ic-2016-40min")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "not independent" in r.stdout and "independence unknown" not in r.stdout, r.stdout[-2000:]
