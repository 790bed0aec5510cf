"""Reach -> nested isochrone polygons, from the 1 km travel-time grid.

A cell belongs to the T-minute isochrone when its centre is reached within T minutes; the polygon is
the exact union of those cells (``shapely.coverage_union_all``), so bands nest by construction and
rail reach shows as separate patches around stations rather than a hull over the green heart.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from network.model.region import CITIES, GRID_CELL_M, Region, grid_cell_polygons
from network.paths import CRS_METRIC, CRS_WGS84


def isochrone_polygons(
    cell_minutes: dict[str, npt.NDArray[np.float64]],
    region: Region,
    thresholds_minutes: list[int],
) -> gpd.GeoDataFrame:
    """One row per (centre, mode, minutes) with area_km2, population and a WGS-84 geometry."""
    x = region.grid["x_m"].to_numpy(dtype=float)
    y = region.grid["y_m"].to_numpy(dtype=float)
    pop = region.grid["population"].to_numpy(dtype=float)
    cells = grid_cell_polygons(x, y)
    rows = []
    for mode, t in cell_minutes.items():
        for i, centre in enumerate(CITIES):
            for minutes in sorted(thresholds_minutes):
                inside = t[i] <= minutes
                geom = shapely.coverage_union_all(cells[inside]) if inside.any() else shapely.Polygon()
                rows.append(
                    {
                        "centre": centre,
                        "mode": mode,
                        "minutes": int(minutes),
                        "cells": int(inside.sum()),
                        "area_km2": round(float(inside.sum()) * GRID_CELL_M**2 / 1e6, 1),
                        "population": int(pop[inside].sum()),
                        "geometry": geom,
                    }
                )
    gdf = gpd.GeoDataFrame(rows, crs=CRS_METRIC)
    return gdf.to_crs(CRS_WGS84)
