"""Ctrl-C (SIGINT) from the first line of run_scenario.py: exit 130, one line on stderr, no traceback,
never 0, the previous output set kept (network/cli/interrupt.py, network/_signals.py).

The program is started with SIGINT *blocked*, then sent SIGINT at a random moment: a signal that
arrives before Python has even started stays pending until run_scenario.py's first line installs its
handler and unblocks it, so "any moment from the first line" includes the interpreter's start-up and
every library import. The signal goes to the whole process group, as a terminal's Ctrl-C does.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from network._signals import sigint_deferred
from network.cli import interrupt
from network.cli.commands import COMMANDS, Command
from network.cli.main import main
from network.outputs.output_set import read_output_set

ROOT = Path(__file__).resolve().parents[2]
SEED = 23


def _block_sigint() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _start(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "run_scenario.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_block_sigint,  # noqa: PLW1509 - the point of the test (see the module docstring)
    )


def _interrupt_after(args: list[str], offset_s: float) -> tuple[bool, int, str]:
    """(was it still running when the signal went, exit code, stderr)."""
    proc = _start(args)
    time.sleep(offset_s)
    running = proc.poll() is None
    if running:
        os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=180)
    return running, proc.returncode, err


def _assert_clean_interrupt(code: int, err: str, what: str) -> None:
    assert "Traceback" not in err and "Exception ignored" not in err, f"{what}: {err}"
    assert code == 130, f"{what}: exit {code}, stderr {err!r}"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert [ln for ln in lines if ln.startswith("interrupted")] == [interrupt.MESSAGE], f"{what}: {err!r}"
    assert lines[-1].endswith(interrupt.MESSAGE), f"{what}: the line is not the last one: {err!r}"


def test_sigint_before_python_starts_and_while_libraries_load_exits_130(tmp_path: Path) -> None:
    args = ["scenarios/surveyed.yaml", "--no-map", "--output-dir", str(tmp_path / "out")]
    for offset_s in (0.0, 0.4):
        running, code, err = _interrupt_after(args, offset_s)
        assert running
        _assert_clean_interrupt(code, err, f"SIGINT at {offset_s} s")
    assert not (tmp_path / "out").exists()  # nothing was started, nothing written


@pytest.mark.slow
def test_sigint_at_random_moments_of_a_run_exits_130_and_keeps_the_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["scenarios/surveyed.yaml", "--no-map", "--output-dir", str(out)]
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "run_scenario.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    run_s = time.monotonic() - t0  # how long a whole run takes on this machine now (idle: a few s; loaded: tens)
    assert done.returncode == 0, done.stderr
    run_id = read_output_set(out, "surveyed")["run_id"]
    rng = random.Random(SEED)
    offsets = sorted(rng.uniform(0.0, 0.8 * run_s) for _ in range(8))  # moments inside a run, from the first line on
    interrupted = 0
    for offset_s in offsets:
        running, code, err = _interrupt_after(args, offset_s)
        if not running:  # finished first: a normal run
            assert code == 0, err
            run_id = read_output_set(out, "surveyed")["run_id"]
            continue
        interrupted += 1
        if code == -signal.SIGINT and "Traceback" not in err and "scenario(s) on this process" in err:
            continue  # the signal came as Python shut down after a complete run: the shell reports 130 too
        _assert_clean_interrupt(code, err, f"SIGINT at {offset_s:.2f} s")
        assert not [p.name for p in out.iterdir() if ".staging-" in p.name], f"SIGINT at {offset_s:.2f} s left a staging folder"
        now = read_output_set(out, "surveyed")["run_id"]  # a complete set: the previous one, or this run's if it was swapped in
        assert now == run_id or (out / "surveyed/metrics.json").exists()
        run_id = now
    assert interrupted >= 4, f"only {interrupted} of {len(offsets)} signals came while the program ran"


@pytest.mark.slow
def test_sigint_to_a_process_pool_batch_exits_130_and_leaves_nothing_running(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = ["scenarios/surveyed.yaml", "scenarios/year-2020.yaml", "scenarios/year-2023.yaml"]
    args = [*files, "--workers", "2", "--no-map", "--output-dir", str(out)]
    rng = random.Random(SEED)
    for offset_s in sorted(rng.uniform(1.0, 25.0) for _ in range(2)):
        proc = _start(args)
        time.sleep(offset_s)
        if proc.poll() is not None:
            proc.communicate()
            continue
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=180)
        if proc.returncode == -signal.SIGINT and "scenario(s) on 2 local processes" in err:
            continue  # after a complete batch (see above)
        _assert_clean_interrupt(proc.returncode, err.replace("\r", "\n"), f"SIGINT at {offset_s:.2f} s")
        time.sleep(1.0)
        with pytest.raises(ProcessLookupError):  # workers, fork server and resource tracker are gone too
            os.killpg(proc.pid, 0)
        if out.is_dir():
            assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "leftover staging or old folders"
            for name in ("surveyed", "year-2020", "year-2023"):
                if (out / name).exists():
                    read_output_set(out, name)


def test_an_interrupt_a_library_swallows_still_exits_130(monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    def swallowing(_args: object) -> int:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1.0)  # the handler raises KeyboardInterrupt here
        except KeyboardInterrupt:
            pass  # a library that catches it and carries on
        return 0

    monkeypatch.setitem(COMMANDS, "swallow", Command("swallow", "test", lambda ap: ap.set_defaults(run=swallowing), lambda a: swallowing(a)))
    interrupt._said.clear()
    assert main(["swallow"]) == 130
    assert capfd.readouterr().err.strip() == interrupt.MESSAGE
    assert not interrupt._watchdogs  # the watchdog that ends a stuck clean-up was cancelled


def test_sigint_within_a_deferred_step_takes_effect_when_it_ends() -> None:
    steps: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        with sigint_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
            steps.append("finished the step")  # not cut off
    assert steps == ["finished the step"]
