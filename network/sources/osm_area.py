"""The study area of the OSM tiers: its polygon, a digest for cache keys, and clipping node arrays to it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from network._errors import DataError
from network.model.region import load_zones
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR

STUDY_AREA_BUFFER_M: Final[float] = 1000.0
STUDY_AREA_SIMPLIFY_M: Final[float] = 200.0


def study_area_polygon(data_dir: Path = DATA_DIR) -> Polygon | MultiPolygon:
    """Union of the zones (data/zones.geojson), buffered 1 km and simplified to 200 m, in WGS-84.

    A simple outline keeps Overpass queries short; the buffer keeps roads on the boundary.
    """
    zones = load_zones(data_dir).to_crs(CRS_METRIC)
    area = shapely.union_all(zones.geometry.to_numpy()).buffer(STUDY_AREA_BUFFER_M).simplify(STUDY_AREA_SIMPLIFY_M)
    out = gpd.GeoSeries([area], crs=CRS_METRIC).to_crs(CRS_WGS84).iloc[0]
    if not isinstance(out, Polygon | MultiPolygon):
        raise DataError(f"{data_dir / 'zones.geojson'}: the zones do not form an area")
    return out


def area_digest(polygon: Polygon | MultiPolygon) -> str:
    """A short digest of the polygon (rounded to 1e-6°), part of the cache key."""
    rounded = shapely.set_precision(polygon, 1e-6)
    return hashlib.sha256(shapely.to_wkb(rounded, hex=False)).hexdigest()[:16]


def bbox_polygon(west: float, south: float, east: float, north: float) -> Polygon:
    """A lon/lat box as a polygon (a small study area for tests and quick looks)."""
    return box(west, south, east, north)


def inside_polygon(polygon: Polygon | MultiPolygon, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which points lie inside (or on the boundary of) ``polygon``; vectorised, prepared polygon.

    Parameters
    ----------
    polygon : the study area, WGS-84
    lon, lat : point coordinates in degrees

    Returns
    -------
    Boolean mask, one entry per point.
    """
    shapely.prepare(polygon)
    inside = np.asarray(shapely.intersects_xy(polygon, lon, lat), dtype=bool)
    return inside
