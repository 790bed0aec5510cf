"""Trustworthy runs: fuzzed inputs, determinism, atomic outputs under SIGKILL, golden headline numbers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network._errors import DataError, InputError
from network.cli.main import main
from network.model.rail import validate_lines
from network.run.golden import GOLDEN_PATH, current_headlines, differences
from network.run.runner import run_scenario
from network.scenario.schema import Scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]

VALID = {
    "name": "fuzz",
    "title": "t",
    "base": "surveyed",
    "year": 2020,
    "period": "am_peak",
    "projects": ["furong-avenue"],
    "remove_lines": ["IC-ZZ"],
    "add": [{"type": "new_road", "name": "r", "path": [[112.9, 28.0], [113.0, 28.1]], "speed_kph": 60}],
    "checks": [{"metric": "centre_minutes", "from": "changsha", "to": "xiangtan", "mode": "best", "max": 35}],
}
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.text(max_size=30))
values = st.recursive(
    scalars, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=10), c, max_size=4)), max_leaves=10
)
fields = st.sampled_from([*VALID, "unknown_field", "checks.0.mode", "checks.0.from", "add.0.path", "add.0.speed_kph", "add.0.type"])
CASES = {"n": 0}


def _mutate(doc: dict[str, object], field: str, value: object) -> dict[str, object]:
    doc = json.loads(json.dumps(doc))
    parts = field.split(".")
    target: object = doc
    for p in parts[:-1]:
        target = target[int(p)] if isinstance(target, list) else target[p]  # type: ignore[index]
    if isinstance(target, list):
        target[int(parts[-1])] = value
    else:
        target[parts[-1]] = value  # type: ignore[index]
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=fields, value=values)
def test_mutated_scenarios_never_crash_and_errors_name_file_and_field(field: str, value: object) -> None:
    CASES["n"] += 1
    text = yaml.safe_dump(_mutate(VALID, field, value), allow_unicode=True)
    try:
        parse_scenario(text, file="scenarios/fuzz.yaml")
    except InputError as exc:
        assert "scenarios/fuzz.yaml" in str(exc)
        assert exc.field and f"field '{exc.field}'" in str(exc)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_loader(text: str) -> None:
    try:
        assert isinstance(parse_scenario(text, file="x.yaml"), Scenario)
    except InputError as exc:
        assert "x.yaml" in str(exc)


def test_oversized_file_is_refused() -> None:
    with pytest.raises(InputError) as exc:
        parse_scenario("name: big\n" + "#" * 300_000, file="big.yaml")
    assert "larger than" in str(exc.value)


def test_yaml_tags_cannot_run_code() -> None:
    with pytest.raises(InputError):
        parse_scenario("name: !!python/object/apply:os.system ['echo pwned']\n", file="evil.yaml")


def test_absurd_headway_is_refused_with_file_line_and_field() -> None:
    lines = pd.read_csv(ROOT / "data/rail_lines.csv")
    lines.loc[2, "headway_am_peak_min"] = -5
    with pytest.raises(DataError) as exc:
        validate_lines(lines, file="data/rail_lines.csv")
    assert "data/rail_lines.csv:4" in str(exc.value) and "headway_am_peak_min" in str(exc.value) and "-5" in str(exc.value)


def test_two_runs_give_byte_identical_metrics(tmp_path: Path, surveyed: Scenario) -> None:
    a = run_scenario(surveyed, output_dir=tmp_path / "a", write_map=False).metrics_path.read_bytes()
    b = run_scenario(surveyed, output_dir=tmp_path / "b", write_map=False).metrics_path.read_bytes()
    assert a == b


@pytest.mark.slow
@pytest.mark.xdist_group("serial")  # SIGKILL at set delays: timing (tests/conftest.py)
def test_sigkill_mid_run_leaves_previous_outputs_valid(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        str(ROOT / "run_scenario.py"),
        str(ROOT / "scenarios/surveyed.yaml"),
        "--output-dir",
        str(out),
        "--map-dir",
        str(tmp_path / "maps"),
    ]
    assert main(cmd[2:]) == 0  # the complete run, in this process (the killed runs below are processes of their own)
    good = (out / "surveyed/metrics.json").read_bytes()
    good_map = (tmp_path / "maps/surveyed.html").read_bytes()
    for delay_s in (0.8, 1.4, 2.0, 2.6):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(delay_s)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert (out / "surveyed/metrics.json").read_bytes() == good  # same inputs: either old or identical new bytes
        assert json.loads(good)["scenario"] == "surveyed"
        html = (tmp_path / "maps/surveyed.html").read_bytes()
        assert html.endswith(good_map[-200:])  # complete file (old or new), never a truncated one


def test_headline_numbers_match_the_golden_file() -> None:
    if not GOLDEN_PATH.exists():
        pytest.fail(f"{GOLDEN_PATH} is missing; create it with: .venv/bin/python -m network.run.golden --update")
    golden = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    problems = differences(golden, current_headlines())
    assert not problems, "headline numbers moved; if deliberate run `.venv/bin/python -m network.run.golden --update`:\n" + "\n".join(problems)


def test_golden_comparison_catches_a_moved_number() -> None:
    golden = {"s": {"changsha->zhuzhou:best": 80.0, "index:best": 0.1}}
    assert differences(golden, {"s": {"changsha->zhuzhou:best": 80.4, "index:best": 0.1}}) == []
    assert differences(golden, {"s": {"changsha->zhuzhou:best": 81.0, "index:best": 0.1}})
