"""Where things live (network/paths.py): shipped data and scenarios via importlib.resources, outputs where
the user runs the tool, caches in the user cache folder, the commit only in a checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from network import paths
from tests.conftest import ROOT


def test_shipped_folders_are_the_checkouts_data_and_scenarios() -> None:
    assert paths.DATA_DIR == (ROOT / "data").resolve() and (paths.DATA_DIR / "SOURCES.md").is_file()
    assert paths.SCENARIO_DIR == (ROOT / "scenarios").resolve() and (paths.SCENARIO_DIR / "surveyed.yaml").is_file()
    # the package's own view of them (what an installed wheel holds as real folders)
    assert (ROOT / "network" / "_shipped" / "data").resolve() == paths.DATA_DIR


def test_outputs_go_to_the_current_folder_unless_the_environment_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.OUTPUT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert (paths.output_dir(), paths.map_dir()) == (tmp_path / "outputs", tmp_path / "maps")
    monkeypatch.setenv(paths.OUTPUT_ENV, str(tmp_path / "elsewhere"))
    assert (paths.output_dir(), paths.map_dir()) == (tmp_path / "elsewhere", tmp_path / "elsewhere" / "maps")


def test_the_cache_is_the_users_not_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.CACHE_ENV, raising=False)
    default = paths.cache_dir()
    assert default.name == "czt-planner" and not default.resolve().is_relative_to(ROOT)
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path))
    assert paths.cache_dir() == tmp_path


def test_the_commit_is_the_checkouts_head() -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        assert paths.source_commit() is None
    else:
        assert paths.source_commit() in (head.stdout.strip(), head.stdout.strip() + "+dirty")
    assert paths.checkout_dir() == ROOT


def test_run_cache_dir_option_sets_the_cache_for_the_run_and_its_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from network.cli.main import main

    monkeypatch.setenv(paths.CACHE_ENV, "restored-after-the-test")
    assert main(["run", "--cache-dir", str(tmp_path)]) == 2  # no scenario named: usage error, after the option took effect
    assert paths.cache_dir() == tmp_path.resolve()
