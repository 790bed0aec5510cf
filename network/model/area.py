"""Area types (core / urban / suburban / rural) from the population grid.

Access to the network, car terminal times and connector speeds depend on where a trip starts: in a
dense core a driver parks and walks longer, and local streets are slower, than in the countryside. The
type of a place is that of the 1 km population cell it lies in, by population density:

========= ===================== ==================================================================
type      persons per km²        source of the threshold
========= ===================== ==================================================================
core      >= 10,000             dense inner-city fabric (judgement: Changsha's 二环 districts exceed it)
urban     >= 1,500              GHSL degree of urbanisation: urban centre cells (>= 1,500 / km²)
suburban  >= 300                GHSL degree of urbanisation: urban cluster cells (>= 300 / km²)
rural     below                 GHSL: rural grid cells
========= ===================== ==================================================================

The grid is the project's dasymetric census grid (``data/pop_grid.csv``), so these are proxies.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from network.paths import DATA_DIR

AREA_TYPES: Final[tuple[str, ...]] = ("core", "urban", "suburban", "rural")
DENSITY_THRESHOLDS_PER_KM2: Final[tuple[float, float, float]] = (10_000.0, 1_500.0, 300.0)
"""Lower bounds of core, urban and suburban density (persons / km² of a 1 km cell)."""
_CELL_HALF_DIAGONAL_M: Final[float] = 710.0


def cell_codes(population: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Area type code of each 1 km cell from its population (persons per km²)."""
    dens = np.asarray(population, dtype=float)
    codes = np.full(len(dens), 3, dtype=np.int64)
    for code, threshold in reversed(list(enumerate(DENSITY_THRESHOLDS_PER_KM2))):
        codes[dens >= threshold] = code
    return codes


@lru_cache(maxsize=2)
def _grid(data_dir: Path = DATA_DIR) -> tuple[cKDTree, npt.NDArray[np.int64]]:
    g = pd.read_csv(data_dir / "pop_grid.csv", usecols=["x_m", "y_m", "population"])
    return cKDTree(g[["x_m", "y_m"]].to_numpy(dtype=float)), cell_codes(g["population"])  # 1 km² cells


def area_type_codes(x_m: npt.ArrayLike, y_m: npt.ArrayLike, *, data_dir: Path = DATA_DIR) -> npt.NDArray[np.int64]:
    """Area type code (index into ``AREA_TYPES``) of each point (UTM 49N metres); rural outside the grid."""
    return codes_on_grid(*_grid(data_dir), x_m, y_m)


def codes_on_grid(tree: cKDTree, codes: npt.NDArray[np.int64], x_m: npt.ArrayLike, y_m: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Area type code of each point on a grid (``tree`` over its cell centres, ``codes`` per cell)."""
    x = np.atleast_1d(np.asarray(x_m, dtype=float))
    y = np.atleast_1d(np.asarray(y_m, dtype=float))
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    d, idx = tree.query(np.column_stack([x, y]))
    out = codes[np.minimum(idx, len(codes) - 1)]
    return np.where(d <= _CELL_HALF_DIAGONAL_M, out, 3)


def per_area(values: dict[str, float], prefix: str, suffix: str) -> npt.NDArray[np.float64]:
    """The parameter ``<prefix>_<type><suffix>`` for each area type, in ``AREA_TYPES`` order."""
    return np.array([values[f"{prefix}_{t}{suffix}"] for t in AREA_TYPES], dtype=float)


def connector_kph(values: dict[str, float], period: str) -> npt.NDArray[np.float64]:
    """Connector (local street) speed per area type in ``period``: the table's AM-peak speeds, times
    ``connector_off_peak_factor`` off-peak."""
    factor = values["connector_off_peak_factor"] if period == "off_peak" else 1.0
    return per_area(values, "connector", "_kph") * factor
