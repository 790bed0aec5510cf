"""Batch runs (network/run/batch.py): local processes and a real Dask cluster give the serial results,
one bad scenario fails alone, and a worker killed mid-batch does not lose any scenario."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from network.cli.main import main
from network.run.batch import BatchOutcome, MapOptions, run_batch

pytestmark = pytest.mark.xdist_group("serial")  # a Dask cluster, process pools, SIGKILL: one at a time (tests/conftest.py)

VALID = {
    "offpeak": "name: offpeak\nperiod: off_peak\n",
    "am": "name: am\nperiod: am_peak\n",
    "no-ic-zz": "name: no-ic-zz\nremove_lines: [IC-ZZ]\n",
    "slow-feeder": "name: slow-feeder\nperiod: off_peak\nremove_lines: [M1, M2]\nfeeder_speed_kph: 9\n",
}


def _write(tmp_path: Path, docs: dict[str, str]) -> list[Path]:
    paths = []
    for stem, text in docs.items():
        p = tmp_path / f"{stem}.yaml"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


def _key(outcomes: list[BatchOutcome]) -> list[tuple[str, str | None, object]]:
    """What must be identical between runs: file, error, metrics (metrics carry no timestamps)."""
    return [(o.file, o.error, o.result.metrics if o.result else None) for o in outcomes]


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("scenarios")
    docs = dict(VALID)
    docs["bad-period"] = "name: bad-period\nperiod: rush\n"
    docs["bad-line"] = "name: bad-line\nremove_lines: [NO-SUCH-LINE]\n"
    return _write(d, docs)


@pytest.fixture(scope="module")
def serial(scenario_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> list[BatchOutcome]:
    out = tmp_path_factory.mktemp("serial")
    return run_batch(scenario_files, workers=1, output_dir=out, maps=MapOptions(write=False, map_dir=out / "maps"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, scheduler_port=0, dashboard_address=":0") as c:
        yield c


def test_serial_batch_reports_each_bad_scenario_and_runs_the_rest(serial: list[BatchOutcome], scenario_files: list[Path]) -> None:
    assert [o.file for o in serial] == [str(p) for p in scenario_files], "outcomes come back in input order"
    bad = {Path(o.file).stem: o.error for o in serial if not o.ok}
    assert set(bad) == {"bad-period", "bad-line"}
    assert "period" in str(bad["bad-period"]) and "remove_lines[0]" in str(bad["bad-line"])
    ok = [o for o in serial if o.ok]
    assert len(ok) == len(VALID)
    assert all(o.result is not None and o.result.metrics_path.exists() and o.result.map_path is None for o in ok)


@pytest.mark.slow
def test_dask_local_cluster_batch_equals_serial(
    cluster: object, scenario_files: list[Path], serial: list[BatchOutcome], tmp_path: Path
) -> None:
    from distributed import Client

    got = run_batch(scenario_files, scheduler=cluster.scheduler_address, output_dir=tmp_path, maps=MapOptions(write=False, map_dir=tmp_path / "maps"))  # type: ignore[attr-defined]
    assert _key(got) == _key(serial)
    assert {o.worker for o in got if o.ok} <= set(cluster.scheduler_info["workers"])  # type: ignore[attr-defined]
    for o in got:
        if o.ok:
            assert o.result is not None
            assert (
                o.result.metrics_path.read_bytes()
                == (Path(serial[0].result.metrics_path).parents[1] / o.scenario / "metrics.json").read_bytes()
            )  # type: ignore[union-attr,operator]
    # the base network reached every worker through the plugin: no worker read it from data/
    with Client(cluster.scheduler_address, set_as_default=False) as client:  # type: ignore[attr-defined]
        loads = client.run(_base_network_disk_loads)
    assert loads and all(n == 0 for n in loads.values()), loads


def _base_network_disk_loads() -> int:
    from network.scenario import resolve

    original = getattr(resolve.base_network, "_czt_original", None)
    return -1 if original is None else int(original.cache_info().misses)


@pytest.mark.slow
def test_dask_batch_survives_a_worker_killed_mid_batch(cluster: object, serial: list[BatchOutcome], tmp_path: Path) -> None:
    from distributed import Client

    files = _write(tmp_path, VALID)
    killed: list[int] = []
    with Client(cluster.scheduler_address, set_as_default=False) as client:  # type: ignore[attr-defined]
        pids = client.run(os.getpid)

        def kill_a_busy_worker(outcome: BatchOutcome) -> None:
            if killed:
                return
            busy = [addr for addr, keys in client.processing().items() if keys] or list(pids)
            pid = pids[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

        got = run_batch(
            files,
            scheduler=cluster.scheduler_address,  # type: ignore[attr-defined]
            output_dir=tmp_path / "out",
            maps=MapOptions(write=False, map_dir=tmp_path / "maps"),
            on_outcome=kill_a_busy_worker,
        )
    assert killed, "a worker was killed during the batch"
    assert [o.file for o in got] == [str(p) for p in files]
    assert all(o.ok for o in got), [o.error for o in got if not o.ok]
    # the module's serial batch ran the same VALID documents (from other paths): file by file the same
    # error and metrics (running them serially again here cost four more scenario runs)
    by_name = {Path(o.file).name: o for o in serial}
    assert _key(got) == _key([replace(by_name[p.name], file=str(p)) for p in files])


@pytest.mark.slow
def test_local_process_pool_equals_serial_and_survives_a_dead_process(
    scenario_files: list[Path], serial: list[BatchOutcome], tmp_path: Path
) -> None:
    me = psutil.Process()
    killed: list[int] = []

    def kill_a_pool_process(outcome: BatchOutcome) -> None:
        # pool processes are forked by the pool's forkserver (a child of this process)
        servers = [p for p in me.children() if "forkserver" in " ".join(p.cmdline())]
        procs = [c for s in servers for c in s.children()]
        if not killed and procs:
            procs[0].send_signal(signal.SIGKILL)
            killed.append(procs[0].pid)

    got = run_batch(scenario_files, workers=2, output_dir=tmp_path, maps=MapOptions(write=False, map_dir=tmp_path / "maps"), on_outcome=kill_a_pool_process)
    assert killed, "a pool process was killed during the batch"
    assert _key(got) == _key(serial)


@pytest.mark.slow
def test_cli_workers_option_runs_the_batch_and_keeps_exit_codes(scenario_files: list[Path], tmp_path: Path) -> None:
    good = [p for p in scenario_files if not p.stem.startswith("bad")][:2]
    assert main([*map(str, good), "--workers", "2", "--output-dir", str(tmp_path), "--no-map"]) == 0
    assert all((tmp_path / p.stem / "metrics.json").exists() for p in good)
    assert main([*map(str, scenario_files[-1:]), *map(str, good), "--workers", "2", "--output-dir", str(tmp_path), "--no-map"]) == 1


@pytest.mark.slow
def test_all_with_a_named_file_runs_both_on_a_dask_cluster(cluster: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--all x.yaml`` runs every shipped scenario and x.yaml (issue 13 point 4), on the cluster as serially."""
    shipped = tmp_path / "scenarios"
    shipped.mkdir()
    (shipped / "a.yaml").write_text("name: a\n", encoding="utf-8")
    x = tmp_path / "x.yaml"
    x.write_text("name: x\nremove_lines: [IC-XT]\n", encoding="utf-8")
    monkeypatch.setattr("network.cli.main.SCENARIO_DIR", shipped)
    out = tmp_path / "out"
    args = ["--all", str(x), "--no-map", "--output-dir", str(out), "--scheduler", cluster.scheduler_address]  # type: ignore[attr-defined]
    assert main(args) == 0
    assert (out / "a/metrics.json").exists() and (out / "x/metrics.json").exists()
