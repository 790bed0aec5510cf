"""``--workers N`` leaves nothing running in its process group once it has exited (issue 13 point 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("serial")  # a process pool and its process group: one at a time (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]


def _members(pgid: int) -> list[str]:
    """Live (non-zombie) processes whose process group is ``pgid``: 'pid state cmdline'."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
            cmd = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            out.append(f"{d} {state} {cmd[:120]}")
    return out


@pytest.mark.slow
def test_workers_2_leave_no_process_in_the_group_after_exit(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "run_scenario.py",
            "scenarios/year-2015.yaml",
            "scenarios/year-2018.yaml",
            "--workers",
            "2",
            "--no-map",
            "--output-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        start_new_session=True,  # its own process group, whose id is its pid
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
    left = _members(proc.pid)  # looked at the moment it has exited: nothing may still be running
    if left:
        os.killpg(proc.pid, 9)
    assert proc.returncode == 0, err.decode()
    assert "2 local processes" in err.decode()
    assert left == [], f"still running in the process group after exit: {left}"
    assert (tmp_path / "year-2015" / "metrics.json").exists() and (tmp_path / "year-2018" / "metrics.json").exists()
