"""A run's output set changes as a whole (issue 13 point 13).

A real run (``run_scenario.py`` in a subprocess) of scenario version Y over the outputs of version X is
killed with SIGKILL at several points: before it writes, at its first write, right after metrics.json
is written, right after the map is written, right after the report is written. After every kill the
outputs folder and the map are all of X or all of Y, never a mixture; after recovery (which every run
and the reader do first) the set also matches its manifest.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from network._errors import DataError
from network.cli.main import main
from network.outputs.output_set import MANIFEST, PENDING_MAP, read_output_set, record_file, recover_output_set, staged_output_set

ROOT = Path(__file__).resolve().parents[2]
NAME = "killtest"
X = f"name: {NAME}\ntitle: version X (AM peak)\nbase: surveyed\nperiod: am_peak\n"
Y = f"name: {NAME}\ntitle: version Y (off-peak)\nbase: surveyed\nperiod: off_peak\n"

Snapshot = dict[str, bytes]


def _cmd(work: Path) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "run_scenario.py"),
        str(work / "scenario.yaml"),
        "--offline",
        "--output-dir",
        str(work / "outputs"),
        "--map-dir",
        str(work / "maps"),
    ]


def _snapshot(work: Path) -> Snapshot:
    """The set as a user sees it: every visible file of outputs/<name>/ (manifest aside) and the map."""
    files = {f"outputs/{f.name}": f.read_bytes() for f in (work / "outputs" / NAME).iterdir() if f.is_file() and f.name != MANIFEST}
    files = {k: v for k, v in files.items() if not k.endswith(PENDING_MAP)}
    m = work / "maps" / f"{NAME}.html"
    if m.exists():
        files["maps/map.html"] = m.read_bytes()
    return files


def _run(work: Path, text: str) -> None:
    """A complete run of ``text``, in this process: the reference set (only the killed runs need a process
    of their own; a subprocess here cost two more imports of the package)."""
    (work / "scenario.yaml").write_text(text, encoding="utf-8")
    assert main(_cmd(work)[2:]) == 0


def _restore(work: Path, saved: Path) -> None:
    for sub in ("outputs", "maps"):
        shutil.rmtree(work / sub, ignore_errors=True)
        shutil.copytree(saved / sub, work / sub)


def _newer(work: Path, since: float, pattern: str) -> bool:
    """A file matching ``pattern`` anywhere under outputs/ or maps/ written after ``since``."""
    for sub in ("outputs", "maps"):
        for p in (work / sub).rglob(pattern):
            try:
                if p.is_file() and p.stat().st_mtime >= since:
                    return True
            except FileNotFoundError:
                continue
    return False


def _kill_when(work: Path, condition: Callable[[float], bool], timeout_s: float = 120.0) -> bool:
    """Start the Y run and SIGKILL it as soon as ``condition(start_time)`` holds; True if it was killed running."""
    start = time.time()
    proc = subprocess.Popen(_cmd(work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    killed = False
    try:
        while proc.poll() is None and time.time() - start < timeout_s:
            if condition(start):
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.002)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return killed


def _version(snap: Snapshot, x: Snapshot, y: Snapshot) -> str:
    """'X' or 'Y' when every file (and no other) is that version's; else a description of the mixture."""
    for label, ref in (("X", x), ("Y", y)):
        if snap == ref:
            return label
    mixed = {k: ("X" if x.get(k) == v else "Y" if y.get(k) == v else "neither") for k, v in snap.items()}
    missing = sorted((set(x) | set(y)) - set(snap))
    return f"mixed: {mixed}, missing: {missing}"


@pytest.mark.slow
@pytest.mark.xdist_group("serial")  # SIGKILL at set points: timing (tests/conftest.py)
def test_sigkill_at_several_points_leaves_old_or_new_set_never_a_mixture(tmp_path: Path) -> None:
    work, saved = tmp_path / "work", tmp_path / "saved"
    work.mkdir()
    _run(work, Y)
    y = _snapshot(work)
    _run(work, X)
    x = _snapshot(work)
    assert x["outputs/metrics.json"] != y["outputs/metrics.json"] and x["maps/map.html"] != y["maps/map.html"]
    assert x["outputs/report.html"] != y["outputs/report.html"]
    for sub in ("outputs", "maps"):
        shutil.copytree(work / sub, saved / sub)
    (work / "scenario.yaml").write_text(Y, encoding="utf-8")

    points: dict[str, Callable[[float], bool]] = {
        "before any write": lambda t0: time.time() - t0 > 0.3,
        "first write": lambda t0: _newer(work, t0, "*"),
        "metrics.json written": lambda t0: _newer(work, t0, "metrics.json"),
        "map written": lambda t0: _newer(work, t0, f"{PENDING_MAP}") or _newer(work, t0, f"{NAME}.html"),
        "report written": lambda t0: _newer(work, t0, "report.html"),
        # the swap itself takes microseconds: these may come too late, then the run has finished (Y)
        "set sealed (manifest written)": lambda t0: _newer(work, t0, f".{NAME}.staging-*/{MANIFEST}"),
        "old set put aside": lambda t0: any((work / "outputs").glob(f".{NAME}.old-*")),
    }
    seen = {}
    for point, condition in points.items():
        _restore(work, saved)
        killed = _kill_when(work, condition)
        assert killed or point.startswith(("set sealed", "old set")), f"the run finished before the kill point '{point}'"
        final = work / "outputs" / NAME
        if final.exists():  # what a user sees right after the kill, before anything is repaired
            raw = {f"outputs/{f.name}": f.read_bytes() for f in final.iterdir() if f.is_file() and f.name not in (MANIFEST, PENDING_MAP)}
            assert raw in (
                {k: v for k, v in x.items() if k.startswith("outputs/")},
                {k: v for k, v in y.items() if k.startswith("outputs/")},
            ), (
                point,
                _version({**raw, "maps/map.html": x["maps/map.html"]}, x, y),
            )
        recover_output_set(work / "outputs", NAME)  # what every later run and the reader do first
        seen[point] = _version(_snapshot(work), x, y)
        assert seen[point] in ("X", "Y"), (point, seen[point])
        read_output_set(work / "outputs", NAME)  # and the manifest agrees with every file
        leftovers = [p.name for p in (work / "outputs").iterdir() if p.name.startswith(".")]
        assert leftovers == [], (point, leftovers)
    assert seen["before any write"] == "X"  # killed while computing: the old set untouched
    assert seen["set sealed (manifest written)"] == "Y"  # a complete new set is rolled forward


def test_recovery_rolls_forward_a_complete_set_and_back_from_an_incomplete_one(tmp_path: Path) -> None:
    out, maps = tmp_path / "outputs", tmp_path / "maps"
    with staged_output_set(out, "s", map_path=maps / "s.html") as st:
        (st.folder / "metrics.json").write_text("old", encoding="utf-8")
        assert st.map_file is not None
        st.map_file.write_text("old map", encoding="utf-8")
    (out / "s" / "attribution.csv").write_text("from another command", encoding="utf-8")
    assert read_output_set(out, "s")["carried_over"] == []

    # an interrupted swap: the old set put aside, the complete new set not yet renamed (its map still pending)
    with staged_output_set(out, "s", map_path=maps / "s.html") as st:
        (st.folder / "metrics.json").write_text("new", encoding="utf-8")
        assert st.map_file is not None
        st.map_file.write_text("new map", encoding="utf-8")
    # replay the state a run killed inside its swap leaves: its sealed set still in its staging folder
    # (named after a process that no longer runs), the old set put aside
    staged = out / ".s.staging-999999999-abc"
    os.replace(out / "s", staged)
    (out / "s").mkdir()
    (out / "s" / "metrics.json").write_text("old", encoding="utf-8")
    os.replace(out / "s", out / ".s.old-abc")
    recover_output_set(out, "s")
    assert (out / "s" / "metrics.json").read_text(encoding="utf-8") == "new"
    assert (maps / "s.html").read_text(encoding="utf-8") == "new map"
    assert (out / "s" / "attribution.csv").read_text(encoding="utf-8") == "from another command"  # carried over
    assert read_output_set(out, "s")["carried_over"] == ["attribution.csv"]
    assert [p.name for p in out.iterdir()] == ["s"]

    # an incomplete new set (no manifest: killed while writing) and the old folder put aside: roll back
    os.replace(out / "s", out / ".s.old-def")
    dead = out / ".s.staging-999999999-0000"
    dead.mkdir()
    (dead / "metrics.json").write_text("half", encoding="utf-8")
    recover_output_set(out, "s")
    assert (out / "s" / "metrics.json").read_text(encoding="utf-8") == "new"
    assert [p.name for p in out.iterdir()] == ["s"]

    # a file edited by hand is caught by the reader, naming it
    (out / "s" / "metrics.json").write_text("edited", encoding="utf-8")
    with pytest.raises(DataError, match="metrics.json"):
        read_output_set(out, "s")
    # a command that rewrites a file of the set on purpose (attribution's report) records it
    record_file(out / "s", "metrics.json")
    assert read_output_set(out, "s")["updated"] == ["metrics.json"]
