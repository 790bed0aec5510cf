"""Where things live: the data and scenarios the package ships, where outputs and caches go, and the two CRS.

Shipped with the package (read with ``importlib.resources``, the same in a checkout and in an installed wheel):

- :data:`DATA_DIR`: the curated tables a run needs (``network/_shipped/data``; in a checkout a symlink to the
  top-level ``data/``, whose files the wheel carries).
- :data:`SCENARIO_DIR`: the default scenario files (``network/_shipped/scenarios`` -> ``scenarios/``).

Where the user runs the tool (functions: read when called, never derived from where the package is installed):

- :func:`output_dir`, :func:`map_dir`: ``$CZT_PLANNER_OUTPUT`` (outputs there, maps in its ``maps/``), else
  ``outputs/`` and ``maps/`` in the current directory (so ``./dev.sh run`` in a checkout writes into the repo).
- :func:`cache_dir`: ``$CZT_CACHE_DIR``, else the user's cache folder (XDG ``~/.cache/czt-planner`` on Linux).
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "czt-planner"
"""The distribution name: the console command and the user cache folder are named after it."""
OUTPUT_ENV = "CZT_PLANNER_OUTPUT"
"""Environment variable: the folder outputs go to (maps in its ``maps/``), instead of ``./outputs`` and ``./maps``."""
CACHE_ENV = "CZT_CACHE_DIR"
"""Environment variable: the cache root (OSM networks, offline Leaflet), instead of the user cache folder."""


def _shipped(name: str) -> Path:
    """A folder shipped inside the package (``network/_shipped/<name>``), as a real path (in a checkout: the
    top-level folder the symlink points to, so messages name ``data/...`` and ``scenarios/...``)."""
    return Path(str(resources.files("network") / "_shipped" / name)).resolve()


DATA_DIR: Path = _shipped("data")
"""The curated data the default run needs (shipped in the wheel; a checkout's top-level ``data/``)."""
SCENARIO_DIR: Path = _shipped("scenarios")
"""The default scenario files (shipped in the wheel; a checkout's top-level ``scenarios/``)."""
OBSERVED_DIR: Path = DATA_DIR / "observed"
"""The project's observed journey times (every ``*.csv`` here; data/SOURCES.md): ``observed``, ``calibrate`` and ``claims`` read them."""

CRS_WGS84 = "EPSG:4326"
"""Everything at rest (files in data/, outputs) is WGS-84."""
CRS_METRIC = "EPSG:32649"
"""UTM zone 49N: all metric work (lengths, snapping, grids, buffers)."""


def output_dir() -> Path:
    """Where outputs go by default: ``$CZT_PLANNER_OUTPUT``, else ``./outputs`` (the current directory)."""
    env = os.environ.get(OUTPUT_ENV)
    return Path(env) if env else Path.cwd() / "outputs"


def map_dir() -> Path:
    """Where HTML maps go by default: ``$CZT_PLANNER_OUTPUT/maps``, else ``./maps`` (the current directory)."""
    env = os.environ.get(OUTPUT_ENV)
    return Path(env) / "maps" if env else Path.cwd() / "maps"


def cache_dir() -> Path:
    """The cache root (OSM networks, offline map assets): ``$CZT_CACHE_DIR``, else the user cache folder."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


@cache
def source_commit() -> str | None:
    """The git commit of the checkout the package runs from (``+dirty`` when tracked files differ from it),
    or None: an installed wheel, or no git. Asked once per process."""
    root = checkout_dir()
    if root is None or not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head or None


def checkout_dir() -> Path | None:
    """The source checkout the package is imported from (the folder holding ``pyproject.toml`` beside
    ``network/``), or None in an installed wheel. Only developer tools (the golden-number guard) need it."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "network").is_dir() else None
