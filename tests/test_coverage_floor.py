"""tools/coverage_floor.py: a module under the per-module floor fails the run (./dev.sh test calls it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tools.coverage_floor import configured_floor, main


def _report(tmp_path: Path, pcts: dict[str, float]) -> Path:
    doc = {"files": {f"/repo/{name}": {"summary": {"percent_covered": pct}} for name, pct in pcts.items()}}
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_module_below_the_floor_fails_and_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(tmp_path, {"network/a.py": 91.0, "network/b.py": 12.5, "tests/t.py": 0.0})
    assert main([str(report), "--floor", "20"]) == 1
    assert "network/b.py: 12.5%" in capsys.readouterr().err
    assert main([str(report), "--floor", "10"]) == 0


def test_the_floor_is_set_in_pyproject() -> None:
    assert 0 < configured_floor() <= 100


def _measuring(config: pytest.Config) -> bool:
    """Whether this run measures coverage (``--cov``, as ``./dev.sh test`` runs the whole suite)."""
    return getattr(config.pluginmanager.get_plugin("_cov"), "cov_controller", None) is not None


def test_a_quick_test_is_traced_under_cov(request: pytest.FixtureRequest) -> None:
    """The floor is measured on the quick tests (tests/conftest.py stops coverage for the slow ones only)."""
    if _measuring(request.config):
        assert sys.gettrace() is not None


@pytest.mark.slow
def test_a_slow_test_runs_untraced_under_cov(request: pytest.FixtureRequest) -> None:
    """tests/conftest.py stops coverage around a slow test (tracing made them ~40 % dearer) and starts it again."""
    if _measuring(request.config):
        assert sys.gettrace() is None


def test_coverage_traces_again_after_a_slow_test(request: pytest.FixtureRequest) -> None:
    """Runs after the slow test above (same module, same worker): the pause ended with it."""
    test_a_quick_test_is_traced_under_cov(request)
