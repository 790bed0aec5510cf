"""How the program ends when a worker thread is still computing (network.cli.process_end).

A workbench computation still running when Ctrl-C stopped the server made the interpreter's shutdown abort
the process (CI: exit -11 instead of 130, about one run in eight). The program's entry points now end at once,
output flushed, with the command's code when such a thread is alive; otherwise the normal way."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from network.cli.process_end import busy_worker_threads

ROOT = Path(__file__).resolve().parents[2]

_PROGRAM = """
import atexit, sys, threading, time
from network.cli.process_end import end_process
atexit.register(lambda: print("atexit ran", flush=True))
name = sys.argv[1]
if name:
    threading.Thread(target=time.sleep, args=(30,), name=name, daemon=True).start()
print("output before the end", end="")  # not flushed: end_process must flush it
end_process(int(sys.argv[2]))
"""


def _run(thread_name: str, code: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _PROGRAM, thread_name, str(code)], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_busy_workbench_worker_ends_the_program_at_once_with_the_commands_code_and_its_output() -> None:
    r = _run("workbench-0", 130)
    assert r.returncode == 130 and r.stdout == "output before the end", (r.returncode, r.stdout, r.stderr)  # atexit skipped


def test_a_busy_hierarchy_builder_counts_as_a_worker() -> None:
    r = _run("car-hierarchy", 1)
    assert r.returncode == 1 and r.stdout == "output before the end", (r.returncode, r.stdout, r.stderr)


def test_without_busy_workers_the_program_exits_the_normal_way() -> None:
    for name in ("", "some-library-thread"):  # another library's daemon thread is not ours to cut short
        r = _run(name, 2)
        assert r.returncode == 2 and r.stdout == "output before the endatexit ran\n", (name, r.returncode, r.stdout, r.stderr)


def test_a_worker_that_ends_within_the_grace_is_not_busy() -> None:
    """Only this test's own threads are asserted on (another test's workbench may still be stopping on this
    worker), and neither assertion depends on how fast the machine is: the busy thread waits for an event set
    only after the check, the quick one is told to end before the check starts waiting."""
    stop_quick, stop_busy = threading.Event(), threading.Event()
    quick = threading.Thread(target=stop_quick.wait, name="workbench-test-quick", daemon=True)
    busy = threading.Thread(target=stop_busy.wait, name="workbench-test-busy", daemon=True)
    quick.start()
    busy.start()
    stop_quick.set()
    try:
        names = busy_worker_threads(grace_s=3.0)
    finally:
        stop_busy.set()
    assert "workbench-test-busy" in names and "workbench-test-quick" not in names, names
