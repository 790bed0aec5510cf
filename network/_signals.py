"""Steps that Ctrl-C must not cut in half (starting a worker process, swapping an output set in).

Within :func:`sigint_deferred` a SIGINT is noted instead of handled; when the block ends the handler
that was in force gets it (``network.cli.interrupt``: ``KeyboardInterrupt``, or exit 130 at once).
Blocking the signal (``pthread_sigmask``) would not do: the kernel may hand it to another thread,
whose Python handler then still runs in the main thread.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold a SIGINT that arrives within the block until it ends (only in the main thread; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[FrameType | None] = []
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):
        yield
        return

    def note(signum: int, frame: FrameType | None) -> None:
        arrived.append(frame)
        if len(arrived) > 1 and callable(previous):  # asked twice: do not wait any longer
            previous(signum, frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if arrived:
            if callable(previous):
                previous(signal.SIGINT, arrived[0])
            else:  # SIG_DFL: what the default would have done to a Python program
                raise KeyboardInterrupt
