"""tools/coverage_floor.py: a module under the per-module floor fails the run (./dev.sh test calls it)."""

from __future__ import annotations

import json
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
