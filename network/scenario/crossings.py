"""The 湘江 crossings in a scenario year: a bridge or tunnel of ``data/river_crossings.csv`` opened after
the year is absent (its edges, tagged by ``network.sources.crossings``, are removed); one whose date is
``unknown`` is present in every year (the timeline counts its km as of unknown date); one known only as a
range opens at the end the scenario's ``dates`` field names."""

from __future__ import annotations

import numpy as np

from network.model.graph import RoadNetwork
from network.scenario.edits import close_road
from network.sources.crossings import CROSSING_COLUMN, Crossing, crossing_openings


def crossings_open_in(table: tuple[Crossing, ...], year: int, dates: str = "earliest") -> frozenset[str]:
    """Ids of the crossings of ``table`` open at the end of ``year`` (unknown dates: open; a date known only
    as a range taken at its ``dates`` end, ``earliest`` or ``latest``)."""
    return frozenset(cid for cid, day in crossing_openings(table, dates).items() if day is None or day.year <= year)


def crossings_in_year(roads: RoadNetwork, table: tuple[Crossing, ...], year: int, dates: str = "earliest") -> RoadNetwork:
    """``roads`` without the edges of the crossings opened after ``year`` (ranges at their ``dates`` end)."""
    if CROSSING_COLUMN not in roads.edges.columns:
        return roads
    late = sorted(set(crossing_openings(table)) - crossings_open_in(table, year, dates))
    tag = roads.edges[CROSSING_COLUMN].fillna("").astype(str).to_numpy()
    gone = np.flatnonzero(np.isin(tag, late))
    return close_road(roads, gone) if len(gone) else roads
