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

OBSERVED_TIMES_REL = "observed/journey_times_calibration.csv"
"""The published journey times of issue 11, under the shared reference folder (read in place, never copied)."""


def shared_reference_file(rel: str) -> Path | None:
    """``rel`` under ``../shared/reference`` relative to the project root, or None when absent."""
    p = PROJECT_DIR.parent / "shared" / "reference" / rel
    return p if p.exists() else None
