"""Coordinates: the one WGS-84 <-> UTM 49N transformer pair, and the one study-area check.

Everything at rest is WGS-84 (lon, lat); metric work is in ``network.paths.CRS_METRIC`` (UTM zone 49N).
Every module converts with :func:`to_metric` / :func:`to_lonlat` (one cached ``pyproj`` transformer each
way, always lon/lat order) and checks a point with :func:`lonlat_problem` against :data:`STUDY_BBOX`.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Literal

from network.paths import CRS_METRIC, CRS_WGS84

if TYPE_CHECKING:
    from pyproj import Transformer

STUDY_BBOX = (111.8, 26.9, 114.4, 28.9)
"""Study-area bounding box (west, south, east, north; WGS-84 degrees, with a margin): geometry outside it is refused."""


@cache
def to_metric() -> Transformer:
    """WGS-84 (lon, lat) degrees -> UTM 49N (x, y) metres: ``to_metric().transform(lon, lat)``."""
    from pyproj import Transformer  # heavy (the PROJ database): loaded on first use, not by ``--help``

    return Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)


@cache
def to_lonlat() -> Transformer:
    """UTM 49N (x, y) metres -> WGS-84 (lon, lat) degrees: ``to_lonlat().transform(x, y)``."""
    from pyproj import Transformer  # heavy (the PROJ database): loaded on first use, not by ``--help``

    return Transformer.from_crs(CRS_METRIC, CRS_WGS84, always_xy=True)


def lonlat_problem(lon: float, lat: float) -> Literal["swapped", "outside"] | None:
    """What is wrong with a (lon, lat) point: ``"swapped"`` when (lat, lon) would lie in the study area (a
    [lat, lon] pair), ``"outside"`` when it lies outside :data:`STUDY_BBOX`, None when it is inside."""
    x0, y0, x1, y1 = STUDY_BBOX
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return None
    if x0 <= lat <= x1 and y0 <= lon <= y1:
        return "swapped"
    return "outside"


def lonlat_message(lon: float, lat: float, shown: str) -> str | None:
    """Why a (lon, lat) point given as ``shown`` is refused (the CLI's and the workbench's words), or None
    when it lies in the study area."""
    problem = lonlat_problem(lon, lat)
    if problem == "swapped":
        return f"{shown} looks like 'lat,lon'; expected 'lon,lat' (e.g. 112.97,28.20)"
    if problem == "outside":
        x0, y0, x1, y1 = STUDY_BBOX
        return f"{shown} lies outside the study area (lon {x0}..{x1}, lat {y0}..{y1}); expected 'lon,lat' in WGS-84"
    return None
