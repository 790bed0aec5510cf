"""The 湘江 crossings (``data/river_crossings.csv``): every traffic-carrying bridge or tunnel from 株洲 to
铜官 the project knows, with its opening date and source, or ``unknown``.

A crossing the skeleton holds names its skeleton edges (``edges``: ``u-v`` pairs of ``data/road_edges.csv``
node ids, ``;``-separated); a crossing it lacks (``edges`` empty) is added as its own road between its
two bank ends (``lon_a``/``lat_a``, ``lon_b``/``lat_b``). Either way its edges carry the crossing id in
the edge column :data:`CROSSING_COLUMN`, so a scenario year before ``opened`` drops them
(``network.scenario.crossings``); ``opened: unknown`` keeps them in every year. Where the date is known
only as a range (the skeleton edge is one of two bridges, say), ``opened`` is its earliest end and the
optional ``opened_latest`` its latest; a scenario's ``dates`` field says which end its year takes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from network._errors import DataError
from network.model.graph import RoadNetwork
from network.model.road_add import Joining, add_road
from network.model.tables import latest_opening, opening_at, read_text_table
from network.paths import DATA_DIR

CROSSING_COLUMN = "crossing"
"""Edge column naming the 湘江 crossing an edge belongs to ("" for none)."""
CROSSING_COLUMNS = ("crossing", "name", "kind", "city", "edges", "lon_a", "lat_a", "lon_b", "lat_b", "opened", "source", "inferred")
KINDS = ("bridge", "tunnel")
ADDED_CLASS = "urban_arterial"
"""Class of a crossing added as its own road: the city bridges and tunnels are signalised 主干路 at both ends."""


@dataclass(frozen=True)
class Crossing:
    """One row of ``data/river_crossings.csv``."""

    crossing: str
    name: str
    kind: str
    city: str
    edges: tuple[tuple[int, int], ...]
    """Skeleton ``(u, v)`` pairs that are the crossing; empty: the skeleton lacks it (added as its own road)."""
    end_a: tuple[float, float]
    end_b: tuple[float, float]
    opened: dt.date | None
    """Opening date (the earliest, where only a range is known); None: unknown (present in every year)."""
    opened_latest: dt.date | None = None
    """The latest opening date where only a range is known; None: ``opened`` is the date."""

    def opened_on(self, dates: str = "earliest") -> dt.date | None:
        """The opening date a scenario taking the ``dates`` end of a range (``earliest``/``latest``) uses."""
        return opening_at(self.opened, self.opened_latest, dates)


def _edge_pairs(text: str, where: str) -> tuple[tuple[int, int], ...]:
    pairs = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        try:
            u, v = (int(x) for x in part.split("-"))
        except ValueError:
            raise DataError(f"{where}, field 'edges': got {part!r}; expected skeleton node ids 'u-v', ';'-separated") from None
        pairs.append((u, v))
    return tuple(pairs)


@lru_cache(maxsize=4)
def load_river_crossings(data_dir: Path = DATA_DIR) -> tuple[Crossing, ...]:
    """Read ``data/river_crossings.csv`` (columns ``crossing``, ``name``, ``kind`` (bridge or tunnel),
    ``city``, ``edges`` (skeleton ``u-v`` pairs, ``;``-separated; empty: the skeleton lacks it),
    ``lon_a``/``lat_a``/``lon_b``/``lat_b`` (its bank ends, WGS-84), ``opened`` (a date or ``unknown``),
    ``source``, ``inferred``, and the optional ``opened_latest``: empty, or the latest date of a range
    whose earliest is ``opened``) into one :class:`Crossing` per row. No file: none.

    Raises
    ------
    DataError naming the file, line and field of the first bad value.
    """
    path = data_dir / "river_crossings.csv"
    df = read_text_table(path, CROSSING_COLUMNS)
    rows: list[Crossing] = []
    seen: set[str] = set()
    for k, r in enumerate(df.to_dict("records")):
        where = f"{path}: line {k + 2}"
        if not r["crossing"].strip() or r["crossing"] in seen:
            raise DataError(f"{where}, field 'crossing': got {r['crossing']!r}; expected a new, non-empty id")
        seen.add(r["crossing"])
        if r["kind"] not in KINDS:
            raise DataError(f"{where}, field 'kind': got {r['kind']!r}; expected one of {list(KINDS)}")
        try:
            ends = [float(r[c]) for c in ("lon_a", "lat_a", "lon_b", "lat_b")]
        except ValueError:
            raise DataError(f"{where}, fields 'lon_a'/'lat_a'/'lon_b'/'lat_b': expected four numbers (WGS-84 degrees)") from None
        if not all(111.0 <= x <= 115.0 for x in ends[0::2]) or not all(26.0 <= y <= 30.0 for y in ends[1::2]):
            raise DataError(f"{where}, fields 'lon_a'/'lat_a'/'lon_b'/'lat_b': {ends} lies outside Hunan; expected WGS-84 degrees")
        text = r["opened"].strip()
        try:
            opened = None if text == "unknown" else dt.date.fromisoformat(text)
        except ValueError:
            raise DataError(f"{where}, field 'opened': got {text!r}; expected a date YYYY-MM-DD or 'unknown'") from None
        if not r["source"].strip():
            raise DataError(f"{where}, field 'source': empty; every crossing names its source")
        latest = latest_opening(str(r.get("opened_latest", "")).strip(), opened, where)
        edges = _edge_pairs(r["edges"], where)
        rows.append(Crossing(r["crossing"], r["name"], r["kind"], r["city"], edges, (ends[0], ends[1]), (ends[2], ends[3]), opened, latest))
    return tuple(rows)


def with_river_crossings(roads: RoadNetwork, table: tuple[Crossing, ...], *, path: Path = DATA_DIR / "river_crossings.csv") -> RoadNetwork:
    """``roads`` with the crossing id of ``table`` on the skeleton edges each crossing names (and its name
    on those the skeleton left unnamed, so ``route`` shows it) and each
    crossing the skeleton lacks added as its own road (class :data:`ADDED_CLASS`, ``ref`` = its id, its
    bank ends linked to the nearest nodes as a curated trunk road's are).

    Raises
    ------
    DataError naming the file and crossing when a named skeleton edge does not exist.
    """
    edges = roads.edges
    tag = np.full(len(edges), "", dtype=object)
    name = edges["name"].fillna("").astype(str).to_numpy(dtype=object).copy()
    key = {(int(u), int(v)): k for k, (u, v) in enumerate(zip(edges["u"], edges["v"]))}
    for r in table:
        for u, v in r.edges:
            k = key.get((u, v), key.get((v, u)))
            if k is None:
                raise DataError(f"{path}: crossing {r.crossing!r}, field 'edges': no skeleton edge {u}-{v} in data/road_edges.csv")
            tag[k] = str(r.crossing)
            if not name[k]:
                name[k] = r.name.split(" (")[0]
    out = replace(roads, edges=edges.assign(**{CROSSING_COLUMN: tag, "name": name}))
    for r in table:
        if r.edges:
            continue
        n_before = len(out.edges)
        out = add_road(
            out,
            [r.end_a, r.end_b],
            name=str(r.name).split(" (")[0],
            speed_kph=None,
            highway=ADDED_CLASS,
            ref=str(r.crossing),
            join=Joining(ends_at_waypoints=True),
        )
        col = out.edges[CROSSING_COLUMN].fillna("").astype(object).to_numpy().copy()
        col[n_before:] = str(r.crossing)
        out = replace(out, edges=out.edges.assign(**{CROSSING_COLUMN: col}))
    return out


def crossing_openings(table: tuple[Crossing, ...], dates: str = "earliest") -> dict[str, dt.date | None]:
    """Per crossing id: its opening date at the ``dates`` end of a range (``earliest``/``latest``; None: unknown)."""
    return {r.crossing: r.opened_on(dates) for r in table}
