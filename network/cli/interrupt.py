"""Ctrl-C (SIGINT): from the first line of ``run_scenario.py`` on, exit 130 with one line on stderr.

Two handlers, one rule (exit code 130, the line below, never a traceback, never 0):

- **at once** (:func:`exit_at_once_on_interrupt`), installed by ``run_scenario.py`` before it imports
  anything else. While the libraries load and the command line is read nothing has been written, so
  the process prints the line and ends (``os._exit``) wherever it is.
- **cleanly** (:func:`interrupts_end_cleanly`), around a command in ``main``. The first SIGINT raises
  ``KeyboardInterrupt`` so that a run half-way through its outputs removes its staging folder (the
  previous output set stays; see ``outputs/output_set.py``) and a process pool stops its workers;
  ``main`` then prints the line and returns 130. The process ends at once instead when a second SIGINT
  comes, when Python could not raise the interrupt where it arrived (inside a ``__del__`` or a callback:
  "Exception ignored ..."), or when cleaning up takes longer than ``GRACE_S``; and ``main`` returns 130
  whenever an interrupt arrived, even if some library caught it and carried on.

A SIGINT that the parent process ignores (``SIG_IGN``: a background job of a non-interactive shell)
stays ignored, as Python itself does. A SIGINT the parent *blocked* before starting us is unblocked
once the handler is in place, so it is handled from the first line on (the tests start the program
that way to send SIGINT at any moment, even before Python has started).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, NoReturn

EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for a program ended by Ctrl-C."""
MESSAGE = "interrupted (Ctrl-C): finished output sets are complete; an unfinished run left its previous outputs in place"
GRACE_S = 20.0
"""Longest clean-up after the first Ctrl-C before the process ends anyway."""

_interrupted = threading.Event()
_said = threading.Event()


def interrupted() -> bool:
    """Whether a SIGINT arrived while :func:`interrupts_end_cleanly` was in force."""
    return _interrupted.is_set()


def say_interrupted() -> None:
    """Write the one line to stderr (once per process; ``os.write``, safe inside a signal handler)."""
    if _said.is_set():
        return
    _said.set()
    try:
        sys.stderr.flush()  # after what was printed before (a progress bar ends its line first)
    except Exception:  # noqa: BLE001 - the stream is in use by the interrupted code (reentrant call), or closed
        pass
    try:
        os.write(2, (MESSAGE + "\n").encode("utf-8"))
    except OSError:
        pass


def exit_now() -> NoReturn:
    """Print the line, flush what was printed so far and end the process with 130, from any thread."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a stream in use by the interrupted code (reentrant call), or closed
            pass
    say_interrupted()
    os._exit(EXIT_INTERRUPTED)


def _at_once(_signum: int, _frame: FrameType | None) -> None:
    exit_now()


def _unblock_sigint() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _can_handle() -> bool:
    return threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def exit_at_once_on_interrupt() -> None:
    """From now on a SIGINT prints the line and exits 130 at once (``run_scenario.py`` calls this first)."""
    if not _can_handle():
        return
    signal.signal(signal.SIGINT, _at_once)
    _unblock_sigint()


def _cleanly(_signum: int, _frame: FrameType | None) -> None:
    if _interrupted.is_set():
        exit_now()  # a second Ctrl-C: no more waiting
    _interrupted.set()
    watchdog = threading.Timer(GRACE_S, exit_now)
    watchdog.daemon = True
    watchdog.start()
    _watchdogs.append(watchdog)
    raise KeyboardInterrupt


_watchdogs: list[threading.Timer] = []


def _unraisable_hook(previous: Callable[[Any], object]) -> Callable[[Any], object]:
    def hook(info: Any) -> object:
        if isinstance(info.exc_value, KeyboardInterrupt):
            exit_now()  # the interrupt hit code that cannot raise it (a __del__, a callback): it would be lost
        return previous(info)

    return hook


@contextmanager
def interrupts_end_cleanly() -> Iterator[None]:
    """Within the block the first SIGINT raises ``KeyboardInterrupt`` (see the module docstring)."""
    if not _can_handle():
        yield
        return
    _interrupted.clear()
    previous = signal.signal(signal.SIGINT, _cleanly)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable_hook(previous_hook)
    _unblock_sigint()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = previous_hook
        while _watchdogs:
            _watchdogs.pop().cancel()
