"""Study area: zones with census population, the population grid and the city centres."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from network._errors import DataError
from network.model.memo import Memo, array_key
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR

CITIES: tuple[str, ...] = ("changsha", "zhuzhou", "xiangtan")
CITY_ZH: dict[str, str] = {"changsha": "长沙", "zhuzhou": "株洲", "xiangtan": "湘潭"}
"""Each city's Chinese name (as in data/centres.csv)."""


def city_label(city: str) -> str:
    """The city's Chinese name with its pinyin beside it, e.g. '长沙 Changsha' (unknown ids as given)."""
    zh = CITY_ZH.get(city)
    return f"{zh} {city.capitalize()}" if zh else city
GRID_CELL_M = 1000.0


@dataclass(frozen=True)
class Region:
    """Everything about the study area that does not depend on the network."""

    zones: gpd.GeoDataFrame
    """One row per zone (district or special zone), WGS-84, with population_2020 and city."""
    grid: pd.DataFrame
    """1 km population cells: cell_id, x_m, y_m (UTM 49N centre), lon, lat, zone_id, city, population."""
    centres: pd.DataFrame
    """City centres: city, name_zh, lon, lat, placement_m, x_m, y_m, reason."""

    def city_population(self) -> dict[str, int]:
        """Study-area population per city (census 2020)."""
        s = self.zones.groupby("city")["population_2020"].sum()
        return {c: int(s.get(c, 0)) for c in CITIES}


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"{path}: missing; rebuild with tools/build_embedded_data.py")
    return pd.read_csv(path)


def load_zones(data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The 23 zones (districts and counties) with their 2020 census population, in WGS-84."""
    path = data_dir / "zones.geojson"
    if not path.exists():
        raise DataError(f"{path}: missing; rebuild with tools/build_embedded_data.py")
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = [{**f["properties"], "geometry": shape(f["geometry"])} for f in doc["features"]]
    return gpd.GeoDataFrame(rows, crs=CRS_WGS84)


PLACEMENT_MAX_M = 2000.0
"""The largest placement tolerance ``centres.csv`` may give: beyond 2 km a point is another centre, not the same one placed loosely."""


def placement_problems(values: pd.Series, path: Path) -> list[str]:
    """What is wrong with the ``placement_m`` column of ``centres.csv`` (one message per bad row, naming its line):
    each value must be a number of metres from 0 to :data:`PLACEMENT_MAX_M`."""
    out = []
    metres = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    for i, (raw, v) in enumerate(zip(values.tolist(), metres)):
        if not (np.isfinite(v) and 0.0 <= v <= PLACEMENT_MAX_M):
            out.append(f"{path}:{i + 2}: field 'placement_m': got {raw!r}; expected metres from 0 to {PLACEMENT_MAX_M:.0f}")
    return out


def load_centres(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The three city centres from ``centres.csv`` with their UTM 49N position (``x_m``, ``y_m``) and
    ``placement_m``, how far from the point a trip from the centre may as well start (metres, float)."""
    path = data_dir / "centres.csv"
    centres = _read_csv(path)
    if "placement_m" not in centres.columns:
        raise DataError(f"{path}: field 'placement_m' is missing; expected a column of metres (0 to {PLACEMENT_MAX_M:.0f}) per centre")
    problems = placement_problems(centres["placement_m"], path)
    if problems:
        raise DataError("\n".join(problems))
    centres["placement_m"] = centres["placement_m"].astype(float)
    pts = gpd.GeoSeries(gpd.points_from_xy(centres["lon"], centres["lat"]), crs=CRS_WGS84).to_crs(CRS_METRIC)
    centres["x_m"] = pts.x.to_numpy()
    centres["y_m"] = pts.y.to_numpy()
    return centres


@lru_cache(maxsize=4)
def load_region(data_dir: Path = DATA_DIR) -> Region:
    """Load zones, grid and centres from ``data_dir`` (cached: the region never changes in a run)."""
    zones = load_zones(data_dir)
    grid = _read_csv(data_dir / "pop_grid.csv")
    city_of = dict(zip(zones["zone_id"].astype(str), zones["city"]))
    grid["zone_id"] = grid["zone_id"].astype(str)
    grid["city"] = grid["zone_id"].map(city_of)
    if grid["city"].isna().any():
        raise DataError(f"{data_dir / 'pop_grid.csv'}: cells reference unknown zone ids")
    return Region(zones=zones, grid=grid, centres=load_centres(data_dir))


_CELLS: Memo[np.ndarray] = Memo(maxsize=8)
"""Recent cell polygon arrays, keyed on the centres' coordinates and the cell size."""


def grid_cell_polygons(x_m: np.ndarray, y_m: np.ndarray, cell_m: float = GRID_CELL_M) -> np.ndarray:
    """Square cell polygons (UTM) around cell centres.

    Memoised on the coordinates' content (every evaluation draws the same grid's cells); the array returned
    is a copy (the polygons themselves are immutable)."""
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    h = cell_m / 2.0
    return _CELLS.get((array_key(x), array_key(y), float(cell_m)), lambda: shapely.box(x - h, y - h, x + h, y + h)).copy()
