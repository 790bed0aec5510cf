"""The package installs as a wheel and works from an empty folder (issue 21: installable).

The slow test builds the wheel from a copy of the working tree (``pip wheel --no-deps --no-build-isolation``:
offline, with this environment's setuptools), installs it into a fresh virtual environment whose
dependencies come from this one (a ``.pth`` line naming this environment's site-packages, so nothing is
downloaded; ``pip install --no-deps`` puts the wheel itself in), then runs ``czt-planner`` from an empty
temporary folder: a scenario, ``validate``, ``--all --check`` and ``serve`` (which lists the shipped scenarios). The outputs must land in that folder and
nothing may be written inside the installed package. The other two tests read the build log and the wheel (all slow:
the build takes ~10 s).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import network

ROOT = Path(__file__).resolve().parents[2]
MAX_WHEEL_BYTES = 5 * 2**20
# what a copy of the tree for building leaves out: the top level's outputs, caches, environments and
# earlier builds; anywhere, byte code and egg-info
_NOT_SOURCE_TOP = {".git", ".venv", "venv", "outputs", "cache", "build", "dist", "site", "maps", ".mypy_cache", ".ruff_cache", ".hypothesis"}


def _not_source(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == ROOT
    return {n for n in names if (top and n in _NOT_SOURCE_TOP) or n == "__pycache__" or n.endswith(".egg-info")}


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The wheel built from a copy of the working tree, and pip's build log."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=_not_source)
    dist = tmp / "dist"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (whl,) = dist.glob("czt_planner-*.whl")
    yield whl, r.stdout + r.stderr


@pytest.mark.slow
def test_the_build_prints_no_deprecation_warning(wheel: tuple[Path, str]) -> None:
    _, log = wheel
    bad = [line for line in log.splitlines() if "deprecat" in line.lower()]
    assert bad == [], "\n".join(bad[:10])


@pytest.mark.slow
def test_the_wheel_is_small_and_carries_data_sources_licences_and_scenarios(wheel: tuple[Path, str]) -> None:
    whl, _ = wheel
    assert whl.stat().st_size < MAX_WHEEL_BYTES, f"{whl.name}: {whl.stat().st_size / 2**20:.2f} MB"
    assert whl.name.startswith(f"czt_planner-{network.__version__}-"), "the wheel's version is not network.__version__"
    names = set(zipfile.ZipFile(whl).namelist())
    shipped_data = {p[len("network/_shipped/data/") :] for p in names if p.startswith("network/_shipped/data/")}
    assert _files(ROOT / "data") == shipped_data, "the wheel's data differs from data/"
    shipped_scenarios = {p[len("network/_shipped/scenarios/") :] for p in names if p.startswith("network/_shipped/scenarios/")}
    assert {p.name for p in (ROOT / "scenarios").glob("*.yaml")} == shipped_scenarios
    info = f"czt_planner-{network.__version__}.dist-info"
    assert {f"{info}/licenses/LICENSE", f"{info}/licenses/data/SOURCES.md", f"{info}/licenses/data/LICENSES.md"} <= names
    licences = zipfile.ZipFile(whl).read("network/_shipped/data/LICENSES.md").decode("utf-8")
    assert "© OpenStreetMap contributors" in licences and "ODbL" in licences
    meta = zipfile.ZipFile(whl).read(f"{info}/METADATA").decode("utf-8")
    assert "License-Expression: MIT" in meta
    core = {line.split()[1].split(">")[0] for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line}
    assert {"fastapi", "uvicorn"} <= core, "the workbench's libraries are core dependencies (czt-planner serve after a plain install)"
    entry = zipfile.ZipFile(whl).read(f"{info}/entry_points.txt").decode("utf-8")
    assert "czt-planner = network.cli.process_end:console" in entry


def _dependencies_view(where: Path) -> Path:
    """This environment's installed packages, as a folder of symlinks without the planner itself (an
    editable install of the checkout would otherwise shadow the wheel, and pip would think it installed)."""
    where.mkdir()
    ours = [Path(p) for p in dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()])]
    for folder in ours:
        for entry in folder.iterdir() if folder.is_dir() else []:
            name = entry.name.lower()
            if name.startswith(("czt_planner", "__editable__", "_czt_")) or name in ("network", "easy-install.pth") or (where / entry.name).exists():
                continue
            (where / entry.name).symlink_to(entry)
    return where


def _venv_with_our_dependencies(where: Path) -> Path:
    """A fresh virtual environment (no pip) that sees this environment's packages through a ``.pth`` line."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    py = where / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True)
    deps = _dependencies_view(where.parent / "dependencies")
    (Path(purelib.stdout.strip()) / "_czt_test_deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    return py


@pytest.mark.slow
def test_the_installed_wheel_runs_from_an_empty_folder_and_writes_only_there(wheel: tuple[Path, str], tmp_path: Path) -> None:
    whl, _ = wheel
    py = _venv_with_our_dependencies(tmp_path / "venv")
    # no PYTHONPATH: the checkout must not be importable (nor its *.egg-info make pip think the planner is installed)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CZT_PLANNER_OUTPUT", "VIRTUAL_ENV")}
    r = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", str(whl)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 0 and "Successfully installed czt-planner" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    env["CZT_CACHE_DIR"] = str(tmp_path / "user-cache")  # the user's cache, outside the package
    where = subprocess.run([str(py), "-c", "import network; print(network.__file__)"], capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    package = Path(where.stdout.strip()).parent
    assert package.is_relative_to(tmp_path / "venv"), f"network imported from {package}, not from the installed wheel"
    before = _files(package)
    work = tmp_path / "planner"
    work.mkdir()
    cli = str(tmp_path / "venv" / "bin" / "czt-planner")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli, *args], cwd=work, env=env, capture_output=True, text=True, timeout=1200)

    r = run("--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: czt-planner"), r.stdout[:300] + r.stderr[-1000:]
    r = run("run", "surveyed")
    assert r.returncode == 0, r.stderr[-3000:]
    assert (work / "outputs" / "surveyed" / "metrics.json").is_file() and (work / "maps" / "surveyed.html").is_file()
    metrics = (work / "outputs" / "surveyed" / "metrics.json").read_text(encoding="utf-8")
    assert f'"tool_version": "{network.__version__}"' in metrics and '"tool_commit"' not in metrics  # no checkout, no commit
    r = run("validate")
    assert r.returncode == 0 and r.stdout.count("ok ") == len(list((ROOT / "scenarios").glob("*.yaml"))), r.stdout + r.stderr[-2000:]
    r = run("--all", "--check", "--no-map", "--output-dir", "ci")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert (work / "ci" / "checks.xml").is_file() and (work / "ci" / "year-2023" / "metrics.json").is_file()
    _serve_lists_the_shipped_scenarios(cli, tmp_path / "empty-workspace", env)
    after = _files(package)
    assert after - before == set(), f"written inside the installed package: {sorted(after - before)[:10]}"
    assert not (work / "cache").exists() and (tmp_path / "user-cache" / "numba").is_dir(), "caches go to the user cache folder"


def _serve_lists_the_shipped_scenarios(cli: str, folder: Path, env: dict[str, str]) -> None:
    """``czt-planner serve`` from an empty folder after the plain install: it starts (FastAPI and uvicorn are core
    dependencies) and offers the shipped scenarios, read from the installed package (planner review, findings 6, 7)."""
    import httpx

    folder.mkdir()
    proc = subprocess.Popen([cli, "serve", "--port", "0"], cwd=folder, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+/)\?token=(\S+)", line)
        assert m, line + (proc.stdout.read() if proc.poll() is not None else "")
        meta = httpx.get(m.group(1) + "api/scenarios", headers={"X-Workbench-Token": m.group(2)}, timeout=120).json()
        assert meta["files"] == [] and "shipped/surveyed.yaml" in meta["shipped"], meta
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in out, out
