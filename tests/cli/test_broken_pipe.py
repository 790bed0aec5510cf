"""A closed stdout (``run_scenario.py route ... | head -1``) ends the command quietly with exit code 141
(128 + SIGPIPE, as Unix tools do): no "error: <file>: Broken pipe [EPIPE]" and no "Exception ignored ...
BrokenPipeError" from the interpreter's last flush (network/cli/main.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from network.cli.main import EXIT_BROKEN_PIPE

ROOT = Path(__file__).resolve().parents[2]


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdout a real pipe whose reader has already gone."""
    r, w = os.pipe()
    os.close(r)
    try:
        return subprocess.run(
            [sys.executable, str(ROOT / "run_scenario.py"), *args],
            stdout=w,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=600,
            check=False,
        )
    finally:
        os.close(w)


@pytest.mark.parametrize(
    "args", [("route", "--from", "113.0599,28.1501", "--to", "112.977,28.196", "--mode", "transit"), ("validate", "surveyed")]
)
def test_a_closed_stdout_ends_quietly_with_141(args: tuple[str, ...]) -> None:
    p = _run_into_closed_pipe(*args)
    assert p.returncode == EXIT_BROKEN_PIPE == 141, p.stderr
    assert "Broken pipe" not in p.stderr and "BrokenPipeError" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
    assert "error" not in p.stderr.lower(), p.stderr


def test_head_reading_one_line_leaves_no_message() -> None:
    """The review's own case, through a shell pipe: ``| head -1`` prints the first line and nothing on stderr."""
    cmd = f"'{sys.executable}' '{ROOT / 'run_scenario.py'}' route --from 113.0599,28.1501 --to 112.977,28.196 --mode transit | head -1"
    p = subprocess.run(
        ["sh", "-c", cmd], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600, check=False
    )
    assert p.returncode == 0 and p.stdout.startswith("transit:") and len(p.stdout.splitlines()) == 1, (p.stdout, p.stderr)
    assert "Broken pipe" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr
