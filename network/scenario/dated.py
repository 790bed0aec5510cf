"""The network's dated changes, year by year: roads opened and classes changed from the curated tables
beside the catalogue projects, and the km whose opening date is unknown.

Dated tables: ``data/expressway_corridors.csv`` and ``data/trunk_roads.csv`` (roads opened, absent
before), ``data/urban_express_corridors.csv`` (an arterial made an urban expressway: a class change),
``data/road_classes.csv`` (a corridor's class from ``opened``: a road opened when it was ``absent`` before,
otherwise a class change; ``unknown`` dates are no change), ``data/river_crossings.csv`` (a 湘江 bridge or
tunnel opened; ``unknown`` dates are no change; a date known only as a range is listed at both ends). Every other skeleton edge has no opening date:
it is present in every year, and ``unknown_date_km`` reports how much of a year's network that is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
import pandas as pd

from network.model.graph import RoadNetwork
from network.paths import DATA_DIR
from network.scenario.catalogue import load_catalogue
from network.scenario.road_classes import CORRIDOR_COLUMN
from network.sources.crossings import CROSSING_COLUMN, load_river_crossings
from network.sources.embedded import load_road_classes, load_trunk_roads, load_urban_express_corridors, road_openings


@dataclass(frozen=True)
class NetworkChange:
    """One dated change: when, what kind (``road opened``, ``class change``, ``catalogue project``), its id and name."""

    date: dt.date
    kind: str
    id: str
    name: str


def dated_road_changes() -> list[NetworkChange]:
    """Every dated road opening and class change of the curated tables (not the catalogue's), by date."""
    out: list[NetworkChange] = []
    names = pd.read_csv(DATA_DIR / "expressway_corridors.csv", dtype=str, keep_default_na=False).groupby("corridor")["name"].first().to_dict()
    trunk = load_trunk_roads().groupby("road")["name"].first().to_dict()
    for ref, day in road_openings().items():
        out.append(NetworkChange(day, "road opened", ref, str(names.get(ref) or trunk.get(ref) or ref)))
    for cid, g in load_urban_express_corridors().groupby("corridor", sort=False):
        out.append(NetworkChange(g["opened"].iloc[0], "class change → urban_express", str(cid), str(g["name"].iloc[0])))
    for cid, g in load_road_classes().groupby("corridor", sort=False):
        day = g["opened"].iloc[0]
        if day is None or pd.isna(day):
            continue
        before = str(g["before"].iloc[0])
        kind = "road opened" if before == "absent" else f"class change → {g['class'].iloc[0]}"
        latest = g["opened_latest"].iloc[0]
        out += _openings(day, latest if isinstance(latest, dt.date) else None, kind, str(cid), str(g["name"].iloc[0]))
    for r in load_river_crossings():
        if r.opened is not None:
            out += _openings(r.opened, r.opened_latest, f"{r.kind} opened", r.crossing, r.name)
    return sorted(out, key=lambda c: (c.date, c.id))


def _openings(day: dt.date, latest: dt.date | None, kind: str, id_: str, name: str) -> list[NetworkChange]:
    """One opening, or both ends of a date known only as a range (``day`` to ``latest``)."""
    if latest is None:
        return [NetworkChange(day, kind, id_, name)]
    return [
        NetworkChange(day, f"{kind} (earliest date of a range to {latest})", id_, name),
        NetworkChange(latest, f"{kind} (latest date of a range from {day})", id_, name),
    ]


@dataclass(frozen=True)
class DateRange:
    """A curated opening date known only as a range: the element's id and name, its earliest and latest end."""

    id: str
    name: str
    earliest: dt.date
    latest: dt.date


def date_ranges() -> list[DateRange]:
    """Every opening date of the curated tables known only as a range (``opened`` to ``opened_latest``):
    the 湘江 crossings and the corridors of ``data/road_classes.csv``."""
    out = [DateRange(r.crossing, r.name, r.opened, r.opened_latest) for r in load_river_crossings() if r.opened is not None and r.opened_latest is not None]
    for cid, g in load_road_classes().groupby("corridor", sort=False):
        day, latest = g["opened"].iloc[0], g["opened_latest"].iloc[0]
        if isinstance(day, dt.date) and isinstance(latest, dt.date):
            out.append(DateRange(str(cid), str(g["name"].iloc[0]), day, latest))
    return out


def years_in_doubt(years: list[int], ranges: list[DateRange] | None = None) -> list[int]:
    """Those of ``years`` whose network differs between the two ends of a range (``ranges``, default
    :func:`date_ranges`): the element is open at the end of the year by its earliest date, not by its latest."""
    spans = date_ranges() if ranges is None else ranges
    return [y for y in years if any(r.earliest.year <= y < r.latest.year for r in spans)]


def catalogue_changes() -> list[NetworkChange]:
    """The catalogue projects that opened (status built, with a date), and the roads of catalogue upgrades
    that opened before their upgrade (``road_opened``), by date."""
    cat = load_catalogue()
    out = [NetworkChange(p.opened, f"catalogue {p.type}", pid, p.name_zh) for pid, p in cat.items() if p.status == "built" and p.opened is not None]
    out += [NetworkChange(p.road_opened, "road opened (before its catalogue upgrade)", pid, p.name_zh) for pid, p in cat.items() if p.road_opened]
    return sorted(out, key=lambda c: (c.date, c.id))


def changes_by_year(years: list[int]) -> pd.DataFrame:
    """For each of ``years`` (sorted), the dated network changes and catalogue projects since the previous
    year of the list (for the first: that year alone): columns ``year``, ``date``, ``kind``, ``id``, ``name``."""
    rows = []
    ys = sorted(set(years))
    for k, year in enumerate(ys):
        start = ys[k - 1] + 1 if k else year
        for c in dated_road_changes() + catalogue_changes():
            if start <= c.date.year <= year:
                rows.append({"year": year, "date": c.date.isoformat(), "kind": c.kind, "id": c.id, "name": c.name})
    return pd.DataFrame(rows, columns=["year", "date", "kind", "id", "name"]).sort_values(["year", "date", "id"], ignore_index=True)


def unknown_date_km(roads: RoadNetwork) -> float:
    """Km of ``roads`` whose opening date is unknown (present in every year): every edge but those of a
    dated road (an expressway corridor or trunk road by ``ref``, a catalogue road of its own, a corridor of
    ``data/road_classes.csv`` that did not exist before its dated opening, a dated 湘江 crossing of
    ``data/river_crossings.csv``)."""
    e = roads.edges
    ref = e["ref"].fillna("").astype(str).to_numpy()
    dated_refs = set(road_openings()) | {pid for pid, p in load_catalogue().items() if p.opened is not None}
    dated = np.isin(ref, sorted(dated_refs))
    if CORRIDOR_COLUMN in e.columns:
        opened_new = {str(c) for c, g in load_road_classes().groupby("corridor") if g["opened"].notna().all() and g["before"].iloc[0] == "absent"}
        dated |= np.isin(e[CORRIDOR_COLUMN].fillna("").astype(str).to_numpy(), sorted(opened_new))
    if CROSSING_COLUMN in e.columns:
        dated_crossings = [r.crossing for r in load_river_crossings() if r.opened is not None]
        dated |= np.isin(e[CROSSING_COLUMN].fillna("").astype(str).to_numpy(), dated_crossings)
    return round(float(e["length_m"].to_numpy(dtype=float)[~dated].sum()) / 1000.0, 1)


@cache
def dated_span() -> tuple[int, int]:
    """(first, last): the year of the catalogue's first dated project, and the last year anything is dated in
    (a catalogue project, opened or planned, or a dated road change of the curated tables)."""
    cat = load_catalogue()
    first = min(p.year for p in cat.values())
    last = max([p.year for p in cat.values()] + [c.date.year for c in dated_road_changes()])
    return first, last


BASE_SKELETON_COUNT: Final = (
    "Counted on the base road skeleton, before the year's catalogue roads; `timeline` counts each year's whole network, "
    "where a catalogue road in its state before a later upgrade (e.g. 潭州大道长沙段) is of unknown date too"
)
"""What the year warning's km count, beside the timeline's per-year figure (``network.run.timeline``)."""


def year_outside_data(year: int, roads: RoadNetwork) -> list[str]:
    """One warning, when ``year`` is not the last dated one, saying what the network assumes then (else none).

    After the last dated year the network is that year's (nothing later is known). Before it, the roads of
    unknown opening date (``unknown_date_km`` of ``roads``) are present as in every year, so a before → after
    across them shows no change (only the dated roads, bridges and rail lines change); before the
    catalogue's first project the catalogue adds nothing either, so an early year is the dated tables'
    network and no more.
    """
    first, last = dated_span()
    if year > last:
        return [f"{year}: no catalogue project or dated road is dated after {last}; the network is the {last} one"]
    if year >= last:
        return []
    km = unknown_date_km(roads)
    total_km = float(roads.edges["length_m"].to_numpy(dtype=float).sum()) / 1000.0
    no_change = (
        "a before → after across them shows no change (only the dated roads, bridges and rail lines change; `timeline` lists them). "
        f"{BASE_SKELETON_COUNT}"
    )
    if year < first:
        return [
            f"{year}: earlier than the catalogue's first project ({first}); {km:,.1f} km of roads have "
            f"unknown opening dates and are present in every year: {no_change}"
        ]
    return [f"{year}: {km:,.1f} of {total_km:,.1f} km of roads have unknown opening dates and are present in every year: {no_change}"]
