"""How much of the study area an OSM road network covers (a build from an extract that misses part of it).

A network built from an extract that covers only a corner of the study area used to be accepted without
a word. Here each 1 km cell of the study-area grid (``Region.grid``, which tiles the whole study area)
counts as covered when a road node of the network lies within ``COVERED_WITHIN_M`` of its centre; the
report gives the covered share of the study area (by area and by population) and of each city's urban
core (the cells within the city's ``urban_radius_km`` of its centre, ``data/centres.csv``), and warns
below the thresholds documented here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
from scipy.spatial import cKDTree

from network.model.graph import RoadNetwork
from network.model.region import CITIES, CITY_ZH, Region

COVERED_WITHIN_M: Final[float] = 1000.0
"""A 1 km cell is covered when a road node lies within this distance of its centre (a street network
has nodes every few hundred metres wherever it has roads)."""
WARN_STUDY_AREA_SHARE: Final[float] = 0.90
"""Warn when less than this share of the study area's cells is covered (rural cells without any road
are rare in an extract that covers them: a complete extract of the region covers well above this)."""
WARN_CORE_SHARE: Final[float] = 0.98
"""Warn when less than this share of a city's urban-core cells is covered: centre-to-centre times and
every isochrone start there."""


@dataclass(frozen=True)
class Coverage:
    """Covered shares (0-1) of the study area (cells and population) and of each city's urban core."""

    study_area_share: float
    population_share: float
    core_share: dict[str, float]
    cells: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The coverage as JSON-ready values (for the network report and metrics.json)."""
        return asdict(self)


def extract_coverage(roads: RoadNetwork, region: Region, *, within_m: float = COVERED_WITHIN_M) -> Coverage:
    """The share of the study area and of each city's core that ``roads`` covers, with warnings below
    ``WARN_STUDY_AREA_SHARE`` / ``WARN_CORE_SHARE``.

    Parameters
    ----------
    roads : a road network (any tier; meant for the OSM tiers) with node coordinates ``x``, ``y`` in UTM 49N (m).
    region : the study area: its 1 km grid (``x_m``, ``y_m``, ``population``) and centres (``urban_radius_km``).
    within_m : a cell is covered when a road node lies within this distance of its centre.
    """
    grid = region.grid
    cx = grid["x_m"].to_numpy(dtype=float)
    cy = grid["y_m"].to_numpy(dtype=float)
    pop = grid["population"].to_numpy(dtype=float)
    if len(roads.nodes):
        tree = cKDTree(np.column_stack([roads.nodes["x"].to_numpy(dtype=float), roads.nodes["y"].to_numpy(dtype=float)]))
        d, _ = tree.query(np.column_stack([cx, cy]), distance_upper_bound=within_m)
        covered = np.isfinite(d)
    else:
        covered = np.zeros(len(cx), dtype=bool)
    area_share = float(covered.mean()) if len(covered) else 0.0
    pop_share = float(pop[covered].sum() / pop.sum()) if pop.sum() > 0 else 0.0
    core: dict[str, float] = {}
    for city, x_m, y_m, radius_km in zip(
        region.centres["city"], region.centres["x_m"], region.centres["y_m"], region.centres["urban_radius_km"]
    ):
        inside = np.hypot(cx - float(x_m), cy - float(y_m)) <= float(radius_km) * 1000.0
        core[str(city)] = round(float(covered[inside].mean()) if inside.any() else 0.0, 4)
    core = {c: core[c] for c in CITIES if c in core}
    warnings = []
    if area_share < WARN_STUDY_AREA_SHARE:
        warnings.append(
            f"the {roads.tier} network covers {area_share:.0%} of the study area ({pop_share:.0%} of its population; "
            f"warned below {WARN_STUDY_AREA_SHARE:.0%}): trips leaving it are unreachable; build from an extract that "
            "covers the whole study area (e.g. a Hunan extract)"
        )
    for city, share in core.items():
        if share < WARN_CORE_SHARE:
            warnings.append(
                f"the {roads.tier} network covers {share:.0%} of {CITY_ZH.get(city, city)} {city}'s urban core "
                f"(warned below {WARN_CORE_SHARE:.0%}): times from and to that centre are missing or wrong"
            )
    return Coverage(round(area_share, 4), round(pop_share, 4), core, int(len(cx)), warnings)
