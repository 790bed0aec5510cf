"""Many scenarios at once: serially, in local processes, or on a Dask cluster.

``run_batch`` runs every scenario file and returns one ``BatchOutcome`` per file, in input order. A bad
scenario (invalid file, unknown line, a bug hit by one scenario) becomes an error outcome for that
file only; the others still run. Each scenario is computed by exactly the same code as a serial run
(``runner.run_scenario``), so results are identical whichever way the batch runs.

The base network (roads + rail of each tier the batch uses) is read once by the caller and shipped
to each worker process once: as the initializer argument of a local process pool, or as a Dask
``WorkerPlugin`` that the scheduler hands to every worker when it joins (so a worker that is
restarted after a crash gets it again). Tasks carry only a file path.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import forkserver, resource_tracker
from pathlib import Path
from typing import Any

from network._errors import OutputError, PlannerError, os_error_message
from network._signals import sigint_deferred
from network.outputs.output_set import recover_output_sets
from network.paths import map_dir as default_map_dir
from network.paths import output_dir as default_output_dir
from network.run.runner import RunResult, run_scenario
from network.scenario import resolve
from network.scenario.resolve import base_network
from network.scenario.schema import find_scenario_file, load_scenario

log = logging.getLogger(__name__)

BasePayload = dict[str, Any]
"""tier -> (RoadNetwork, RailNetwork), exactly what ``resolve.base_network(tier)`` returns."""
POOL_RESTARTS = 2
"""A local process pool broken by a crashed worker is restarted this often for the unfinished files."""
PLUGIN_NAME = "czt-base-network"
WAKE_S = 0.25
"""The batch waits for workers in steps this long: a Ctrl-C that the kernel hands to one of the pool's
helper threads runs Python's handler only when the main thread wakes (a wait without timeout never does)."""


@dataclass(frozen=True)
class BatchOutcome:
    """What happened to one scenario file of a batch."""

    file: str
    scenario: str | None
    """The scenario's name, or ``None`` when the file could not be read."""
    title: str
    result: RunResult | None
    """Metrics, output paths and checks; ``None`` when the scenario failed."""
    error: str | None
    """Why the scenario failed (names file and field for input errors); ``None`` when it ran."""
    elapsed_s: float
    worker: str
    """Where it ran: ``pid <n>`` or a Dask worker address."""

    @property
    def ok(self) -> bool:
        """True when the scenario ran (its checks may still have failed)."""
        return self.error is None


# ---------------------------------------------------------------------------------------------
# worker side


_SHIPPED: BasePayload = {}


def install_base(payload: BasePayload) -> None:
    """Make this process resolve scenarios on the shipped base networks instead of reading data/.

    Runs once per worker process (pool initializer or Dask worker plugin). Tiers not in ``payload``
    fall back to the normal loader.
    """
    _SHIPPED.update(payload)
    loader = resolve.base_network
    if getattr(loader, "_czt_shipped", False):
        return
    original = loader

    def base_network(tier: str) -> Any:
        shipped = _SHIPPED.get(tier)
        return shipped if shipped is not None else original(tier)

    base_network._czt_shipped = True  # type: ignore[attr-defined]
    base_network._czt_original = original  # type: ignore[attr-defined]
    resolve.base_network = base_network  # type: ignore[assignment]


def run_file(path: str, output_dir: str, map_dir: str, write_map: bool, map_options: dict[str, Any] | None = None) -> BatchOutcome:
    """Run one scenario file; every failure becomes an error outcome (never raises)."""
    start = time.perf_counter()
    name: str | None = None
    title = ""
    worker = _worker_label()
    try:
        scenario = load_scenario(find_scenario_file(path))
        name, title = scenario.name, scenario.title
        result = run_scenario(
            scenario, file=path, output_dir=Path(output_dir), map_dir=Path(map_dir), write_map=write_map, **(map_options or {})
        )
    except PlannerError as exc:
        why = f"{path}: {exc}" if isinstance(exc, OutputError) else str(exc)  # input errors name their file already
        return BatchOutcome(path, name, title, None, why, time.perf_counter() - start, worker)
    except OSError as exc:  # a file the scenario needs cannot be read (or an output written): named in one line
        return BatchOutcome(path, name, title, None, f"{path}: {os_error_message(exc)}", time.perf_counter() - start, worker)
    except Exception as exc:  # one scenario's bug must not end the batch
        log.info("scenario %s failed", path, exc_info=True)
        why = f"{path}: unexpected {type(exc).__name__}: {exc}; please report this (run with -v to see where it happened)"
        return BatchOutcome(path, name, title, None, why, time.perf_counter() - start, worker)
    return BatchOutcome(path, name, title, result, None, time.perf_counter() - start, worker)


def _worker_label() -> str:
    try:
        from distributed import get_worker  # heavy, only on a Dask cluster

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


try:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPluginBase
except ImportError:  # pragma: no cover - dask[distributed] is a dependency
    _WorkerPluginBase = object  # type: ignore[assignment,misc]


class BaseNetworkPlugin(_WorkerPluginBase):  # type: ignore[misc,valid-type]
    """Dask worker plugin carrying the base networks: installed on every worker as it joins."""

    name = PLUGIN_NAME

    def __init__(self, payload: BasePayload) -> None:
        """Keep the base-network payload to install on each worker."""
        self.payload = payload

    def setup(self, worker: Any) -> None:  # noqa: ARG002 - Dask's WorkerPlugin.setup signature
        """Install the base networks on a Dask worker as it starts."""
        install_base(self.payload)


# ---------------------------------------------------------------------------------------------
# client side


def base_payload(files: Iterable[Path]) -> BasePayload:
    """The base network of every tier the readable scenario files use (unreadable ones are skipped)."""
    tiers: set[str] = set()
    for path in files:
        try:
            tiers.add(load_scenario(Path(path)).tier)
        except PlannerError:
            continue
    payload: BasePayload = {}
    for tier in sorted(tiers):
        try:
            payload[tier] = base_network(tier)
        except Exception as exc:  # the scenarios of this tier will report it themselves
            log.warning("base network of tier %r not shipped: %s", tier, exc)
    return payload


@dataclass(frozen=True)
class MapOptions:
    """The HTML map of each scenario: written or not, its tiles (``osm`` when None), offline (Leaflet inlined), where
    (None: ``network.paths.map_dir()``)."""

    write: bool = True
    basemap: str | None = None
    offline: bool = False
    map_dir: Path | None = None


def run_batch(
    files: Sequence[Path | str],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    output_dir: Path | None = None,
    maps: MapOptions = MapOptions(),
    on_outcome: Callable[[BatchOutcome], None] | None = None,
) -> list[BatchOutcome]:
    """Run scenario ``files`` and return one outcome per file, in input order.

    Parameters
    ----------
    workers:
        Local worker processes (``1``: serial, in this process). Ignored when ``scheduler`` is set.
    scheduler:
        Address of a Dask scheduler (``tcp://host:port``): run there. Outputs are written by the
        workers, so ``output_dir``/``map_dir`` must be on a filesystem they share with the caller.
    maps:
        The HTML maps (:class:`MapOptions`), passed to ``runner.run_scenario`` as in a serial run.
    on_outcome:
        Called in this process with each outcome as it completes (completion order).
    """
    paths = [str(f) for f in files]
    out = str(output_dir if output_dir is not None else default_output_dir())
    basemap, offline = maps.basemap, maps.offline
    map_folder, write_map = str(maps.map_dir if maps.map_dir is not None else default_map_dir()), maps.write
    opts: dict[str, Any] = {"basemap": basemap, "offline": True} if offline else ({"basemap": basemap} if basemap else {})
    if not paths:
        return []
    if scheduler:
        outcomes = _run_dask(paths, scheduler, out, map_folder, write_map, opts, on_outcome)
    elif workers > 1 and len(paths) > 1:
        outcomes = _run_pool(paths, min(workers, len(paths)), out, map_folder, write_map, opts, on_outcome)
    else:
        outcomes = {}
        for i, p in enumerate(paths):
            outcomes[i] = run_file(p, out, map_folder, write_map, opts)
            if on_outcome:
                on_outcome(outcomes[i])
    return [outcomes[i] for i in range(len(paths))]


def _lost(path: str, why: str) -> BatchOutcome:
    return BatchOutcome(path, None, "", None, f"{path}: {why}", 0.0, "")


def _run_pool(
    paths: list[str],
    workers: int,
    out: str,
    maps: str,
    write_map: bool,
    opts: dict[str, Any],
    on_outcome: Callable[[BatchOutcome], None] | None,
) -> dict[int, BatchOutcome]:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["network.run.batch", "network.run.runner"])
    helpers_before = _running_helpers()
    _start_helpers_deaf_to_sigint()  # first: the fork server loads its modules while this process reads the payload
    try:
        payload = base_payload(Path(p) for p in paths)
        done: dict[int, BatchOutcome] = {}
        todo = list(range(len(paths)))
        for attempt in range(POOL_RESTARTS + 1):
            if not todo:
                break
            if attempt:
                log.warning("a worker process died; re-running %d unfinished scenario(s) in a new pool", len(todo))
            try:
                with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=install_base, initargs=(payload,)) as pool:
                    try:
                        with sigint_deferred():  # a worker cut off while it starts prints a traceback and hangs the pool
                            pending: dict[Future[BatchOutcome], int] = {pool.submit(run_file, paths[i], out, maps, write_map, opts): i for i in todo}
                        while pending:
                            finished, _ = wait(pending, timeout=WAKE_S, return_when=FIRST_COMPLETED)
                            for fut in finished:
                                i = pending.pop(fut)
                                try:
                                    done[i] = fut.result()
                                except BrokenProcessPool:
                                    continue
                                if on_outcome:
                                    on_outcome(done[i])
                    except KeyboardInterrupt:
                        _stop_workers(pool)
                        recover_output_sets(Path(out))  # what the stopped workers were writing
                        raise
            except BrokenProcessPool:
                pass
            todo = [i for i in todo if i not in done]
        for i in todo:
            done[i] = _lost(paths[i], f"worker process died {POOL_RESTARTS + 1} times while running it")
            if on_outcome:
                on_outcome(done[i])
    finally:
        with sigint_deferred():
            stop_helper_processes(keep=helpers_before)
    return done


def _start_helpers_deaf_to_sigint() -> None:
    """Start the fork server (and the resource tracker) with SIGINT blocked, so that they and every worker
    forked from them never get Ctrl-C: a terminal's Ctrl-C goes to the whole process group, and a worker
    interrupted while it loads or waits would print a traceback. This process handles Ctrl-C and stops
    the workers (``_stop_workers``). Python keeps the blocked mask across exec, as the resource tracker's
    own start-up does (bpo-33613). The tracker goes first: its start-up unblocks SIGINT when done (it then
    ignores SIGINT itself)."""
    resource_tracker.ensure_running()
    if not hasattr(signal, "pthread_sigmask"):
        return
    with sigint_deferred():
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            forkserver.ensure_running()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the worker processes now (after Ctrl-C): the scenarios they were
    running leave their previous output sets in place (their staging folders are removed by the next run)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # CPython internals: the workers by pid
    for proc in workers:
        proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        proc.join(timeout=5)


def _helpers() -> dict[str, Any]:
    """multiprocessing's process-wide helpers: the fork server and the resource tracker (CPython internals)."""
    return {"forkserver": getattr(forkserver, "_forkserver", None), "resource_tracker": getattr(resource_tracker, "_resource_tracker", None)}


def _running_helpers() -> set[str]:
    """Which helper processes are running now (started by someone else if before our pool)."""
    pids = {"forkserver": "_forkserver_pid", "resource_tracker": "_pid"}
    return {name for name, helper in _helpers().items() if getattr(helper, pids[name], None) is not None}


def stop_helper_processes(*, keep: Collection[str] = ()) -> None:
    """Stop multiprocessing's fork server and resource tracker (except those in ``keep``) and wait for them.

    A process pool started with the ``forkserver`` context leaves these two helper processes running
    after the pool is shut down; they end on their own only some time after this process exits, so a
    caller (a shell script, a CI job waiting on the process group) sees them still running. Helpers that
    were already running before the pool (``keep``: another user in this process, e.g. a local Dask
    cluster, relies on them) are left alone. Both restart on demand if another pool is made later.
    """
    gc.collect()  # release the pool's semaphores first, so the tracker has nothing left to clean up
    for name, helper in _helpers().items():  # the fork server first: it uses the tracker
        stop = getattr(helper, "_stop", None)  # CPython's own shutdown method (used by its test suite)
        if stop is None or name in keep:
            continue
        try:
            stop()
        except (OSError, ChildProcessError) as exc:  # already gone
            log.debug("stopping the %s: %s", name, exc)


def _run_dask(
    paths: list[str],
    scheduler: str,
    out: str,
    maps: str,
    write_map: bool,
    opts: dict[str, Any],
    on_outcome: Callable[[BatchOutcome], None] | None,
) -> dict[int, BatchOutcome]:
    from distributed import Client  # heavy, only on a Dask cluster

    payload = base_payload(Path(p) for p in paths)
    done: dict[int, BatchOutcome] = {}
    with Client(scheduler, set_as_default=False) as client:
        client.register_plugin(BaseNetworkPlugin(payload), name=PLUGIN_NAME)
        futures = [
            client.submit(run_file, p, out, maps, write_map, opts, pure=False, key=f"czt-scenario-{i}-{os.urandom(4).hex()}")
            for i, p in enumerate(paths)
        ]
        pending = dict(enumerate(futures))
        try:
            while pending:
                finished = [i for i, fut in pending.items() if fut.done()]
                if not finished:
                    time.sleep(WAKE_S)  # see WAKE_S: Ctrl-C is handled between steps
                for i in finished:
                    fut = pending.pop(i)
                    try:
                        done[i] = fut.result()
                    except Exception as exc:  # e.g. KilledWorker after repeated worker deaths on this task
                        done[i] = _lost(paths[i], f"task failed on the cluster: {type(exc).__name__}: {exc}")
                    if on_outcome:
                        on_outcome(done[i])
        except KeyboardInterrupt:
            client.cancel(list(pending.values()))  # the cluster stops the batch's unfinished tasks too
            raise
        client.unregister_worker_plugin(PLUGIN_NAME)
    return done
