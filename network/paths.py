"""Where the project's curated data and outputs live, and the two CRS the project uses."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR: Path = Path(__file__).resolve().parent.parent
DATA_DIR: Path = PROJECT_DIR / "data"
SCENARIO_DIR: Path = PROJECT_DIR / "scenarios"
OUTPUT_DIR: Path = PROJECT_DIR / "outputs"
MAP_DIR: Path = PROJECT_DIR / "maps"

CRS_WGS84 = "EPSG:4326"
"""Everything at rest (files in data/, outputs) is WGS-84."""
CRS_METRIC = "EPSG:32649"
"""UTM zone 49N: all metric work (lengths, snapping, grids, buffers)."""

OBSERVED_DIR: Path = DATA_DIR / "observed"
"""The project's observed journey times (every ``*.csv`` here; data/SOURCES.md): ``observed``, ``calibrate`` and ``claims`` read them."""
