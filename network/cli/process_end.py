"""How the program ends: ``sys.exit``, or ``os._exit`` when one of the planner's worker threads is still computing.

A daemon thread that is inside compiled code when the interpreter shuts down (a workbench computation
still running when Ctrl-C stops the server; a contraction hierarchy being built when a run is interrupted)
is ended by the interpreter as it comes back for the GIL, which can abort the process from within that
code ("terminate called without an active exception", SIGABRT, or SIGSEGV) instead of exiting with the
code the command chose. So when such a thread is still alive after a short grace, the program flushes its
output and ends at once with that code; otherwise it exits the normal way (``atexit`` handlers run).
Only the program's own entry points (``run_scenario.py``, the ``czt-planner`` console command) call this:
``network.cli.main.main`` itself returns the code, so it can run inside another program (the tests).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import NoReturn

from network._threads import HIERARCHY_THREAD_SUFFIX, WORKBENCH_THREAD_PREFIX
from network.cli.main import main

__all__ = ["busy_worker_threads", "console", "end_process"]

GRACE_S = 0.5
"""How long an idle worker gets to notice the stop before it counts as busy."""


def _is_worker(thread: threading.Thread) -> bool:
    return thread.daemon and (thread.name.startswith(WORKBENCH_THREAD_PREFIX) or thread.name.endswith(HIERARCHY_THREAD_SUFFIX))


def busy_worker_threads(grace_s: float = GRACE_S) -> list[str]:
    """Names of the planner's worker threads still alive after waiting up to ``grace_s`` for them to end."""
    deadline = time.monotonic() + grace_s
    workers = [t for t in threading.enumerate() if _is_worker(t)]
    for t in workers:
        t.join(max(0.0, deadline - time.monotonic()))
    return [t.name for t in workers if t.is_alive()]


def end_process(code: int) -> NoReturn:
    """End the program with exit ``code`` (see the module docstring for when it skips interpreter shutdown)."""
    if busy_worker_threads():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream (reader gone): nothing more to write
                pass
        os._exit(code)
    sys.exit(code)


def console() -> NoReturn:
    """The ``czt-planner`` console command: the same commands as ``run_scenario.py``."""
    end_process(main())
