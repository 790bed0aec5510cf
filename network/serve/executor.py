"""Where the workbench computes: worker threads off the server's event loop that never hold up its exit.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so Ctrl-C would
wait for a long computation (a definition can take a minute on a busy machine). These workers are daemon
threads: stopping the server stops them with it. A computation overtaken by a newer edit stops at its
next stage (``Superseded``, raised by the session's checks) or, when it has not started, is cancelled.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from network._threads import WORKBENCH_THREAD_PREFIX

__all__ = ["DaemonExecutor", "Superseded"]


class Superseded(Exception):
    """A computation whose tab received a newer edit: its result would never be shown."""


class DaemonExecutor(Executor):
    """A fixed number of daemon worker threads taking work from one queue."""

    def __init__(self, workers: int = 2) -> None:
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None] = queue.SimpleQueue()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{WORKBENCH_THREAD_PREFIX}{k}", daemon=True) for k in range(max(1, workers))]
        for t in self._threads:
            t.start()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            fut, fn, args, kwargs = job
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request, which reports it
                fut.set_exception(exc)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:  # type: ignore[override]
        """Queue ``fn(*args, **kwargs)``; its future."""
        if self._closed:
            raise RuntimeError("the workbench is stopping")
        fut: Future[Any] = Future()
        self._queue.put((fut, fn, args, kwargs))
        return fut

    def shutdown(self, wait: bool = False, *, cancel_futures: bool = True) -> None:
        """Stop taking work; queued work is cancelled; running work ends with the process (daemon threads)."""
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        if cancel_futures:
            drained: list[None] = []
            while True:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
                else:
                    drained.append(job)
            for job in drained:
                self._queue.put(job)
        if wait:
            for t in self._threads:
                t.join()
