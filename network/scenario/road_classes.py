"""Curated road classes per named corridor (``data/road_classes.csv``): the class a modeller would defend
wins over the density rule of ``network.sources.classify``.

The embedded skeleton carries no OSM tags, so every road through built-up cells is an ``urban_arterial``
(a downtown street with its signal delay in the speed). A corridor of the table claims the skeleton edges
along its waypoints (``match_corridor`` over the edges an urban project may claim: never an expressway,
never another named road) and gives them its class and, from its signal spacing, their signalised
junctions (``signals`` = length / spacing; each adds ``signal_delay_<period>_s`` to a running-speed class
such as ``suburban_arterial``). The edges keep their ``ref`` (none on a skeleton arterial), so a catalogue
project along the same road still claims them; a corridor claims the edges of one road only (the ``ref``
most of its matched length carries), and the skeleton's second carriageway beside each matched edge of a
divided road (``twin_edges``). A corridor of class ``expressway`` may also claim an unnamed road of another
class (an expressway the skeleton was built without, such as the 长沙机场高速).

Dates: from ``opened`` on the corridor has its class; before it, ``before`` says what the edges were:
``absent`` (the road did not exist: the edges are removed), ``density`` (the skeleton's class, no signals)
or a road class. ``opened: unknown`` keeps the class in every year (the timeline reports such km).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from network.model.graph import RoadNetwork
from network.model.road_add import with_signals
from network.model.tables import opening_at
from network.scenario.edits import close_road, eligible_edges, match_corridor

CORRIDOR_COLUMN = "corridor_class"
"""Edge column naming the curated corridor that set the edge's class ("" for none)."""
DENSITY_COLUMN = "density_class"
"""Edge column keeping the class the density rule gave the edge (what ``before: density`` restores)."""


def with_road_classes(roads: RoadNetwork, table: pd.DataFrame) -> RoadNetwork:
    """``roads`` with the skeleton edges along each corridor of ``table``
    (``network.sources.embedded.load_road_classes``) set to the corridor's class and signal count."""
    if table.empty:
        return roads
    edges = with_signals(roads.edges.copy())
    highway = edges["highway"].astype(str).to_numpy().copy()
    density = highway.copy()
    corridor_of = np.full(len(edges), "", dtype=object)
    signals = edges["signals"].to_numpy(dtype=float).copy()
    name = edges["name"].fillna("").astype(str).to_numpy().copy()
    length = edges["length_m"].to_numpy(dtype=float)
    ref = edges["ref"].fillna("").astype(str).to_numpy()
    for corridor, g in table.groupby("corridor", sort=False):
        g = g.sort_values("seq")
        current = replace(roads, edges=edges.assign(highway=highway))
        path = list(zip(g["lon"].astype(float), g["lat"].astype(float)))
        cls = str(g["class"].iloc[0])
        eligible = eligible_edges(current, cls)
        if cls == "expressway":  # also an expressway the skeleton holds as an unnamed road of another class
            eligible = eligible | eligible_edges(current, None)
        eligible &= corridor_of == ""
        idx = _one_road(match_corridor(current, path, eligible=eligible).edge_index, ref, length)
        idx = np.union1d(idx, twin_edges(current, idx, eligible & (ref == (ref[idx[0]] if len(idx) else ""))))
        highway[idx] = str(g["class"].iloc[0])
        corridor_of[idx] = str(corridor)
        spacing = float(g["signal_spacing_m"].iloc[0])
        signals[idx] = np.round(length[idx] / spacing) if np.isfinite(spacing) and spacing > 0 else 0.0
        unnamed = idx[name[idx] == ""]
        name[unnamed] = str(g["name"].iloc[0]).split(" (")[0]
    out = edges.assign(highway=highway, signals=signals, name=name)
    out[CORRIDOR_COLUMN] = corridor_of
    out[DENSITY_COLUMN] = density
    return replace(roads, edges=out)


TWIN_GAP_M = 250.0
"""Largest distance between the matching ends of a divided road's two carriageways in the skeleton."""


def twin_edges(roads: RoadNetwork, idx: np.ndarray, eligible: np.ndarray, gap_m: float = TWIN_GAP_M) -> np.ndarray:
    """The ``eligible`` edges outside ``idx`` that run beside an edge of ``idx``: both ends within ``gap_m`` of
    its two ends and a length within 10 % of its own. The skeleton (from OSM) carries a divided road as two
    ways, one per carriageway; a corridor's path takes one, and its class and date belong to both."""
    if len(idx) == 0:
        return idx
    xy = roads.nodes.set_index("node_id")[["x", "y"]]
    e = roads.edges
    a = xy.loc[e["u"].to_numpy()].to_numpy(dtype=float)
    b = xy.loc[e["v"].to_numpy()].to_numpy(dtype=float)
    length = e["length_m"].to_numpy(dtype=float)
    cand = np.flatnonzero(np.asarray(eligible, dtype=bool))
    cand = cand[~np.isin(cand, idx)]
    hit = np.zeros(len(cand), dtype=bool)
    for k in idx:
        same = np.hypot(*(a[cand] - a[k]).T) <= gap_m
        same &= np.hypot(*(b[cand] - b[k]).T) <= gap_m
        swap = np.hypot(*(a[cand] - b[k]).T) <= gap_m
        swap &= np.hypot(*(b[cand] - a[k]).T) <= gap_m
        hit |= (same | swap) & (np.abs(length[cand] - length[k]) <= 0.1 * length[k])
    return cand[hit]


def _one_road(idx: np.ndarray, ref: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    """The matched edges ``idx`` of one road: those carrying the ``ref`` most of the matched length carries
    (an expressway corridor's path may run a few hundred metres along another expressway where the two
    share an alignment; those edges stay the other road's)."""
    if len(idx) == 0:
        return idx
    refs = ref[idx]
    totals = {r: float(length_m[idx][refs == r].sum()) for r in set(refs)}
    main = max(totals, key=lambda r: totals[r])
    return idx[refs == main]


def class_openings(table: pd.DataFrame, dates: str = "earliest") -> dict[str, tuple[dt.date | None, str]]:
    """Per corridor: its opening date (``None``: unknown; a date known only as a range at its ``dates`` end,
    ``earliest`` or ``latest``) and what its edges were before (``before``)."""
    out: dict[str, tuple[dt.date | None, str]] = {}
    for c, g in table.groupby("corridor", sort=False):
        latest = g["opened_latest"].iloc[0]
        out[str(c)] = (opening_at(g["opened"].iloc[0], latest if isinstance(latest, dt.date) else None, dates), str(g["before"].iloc[0]))
    return out


def road_classes_in_year(roads: RoadNetwork, table: pd.DataFrame, year: int, dates: str = "earliest") -> RoadNetwork:
    """``roads`` (with :func:`with_road_classes` applied) as in ``year``: corridors opened after it are
    absent, back to their density class, or at their ``before`` class (ranges at their ``dates`` end)."""
    if CORRIDOR_COLUMN not in roads.edges.columns:
        return roads
    e = roads.edges
    corridor = e[CORRIDOR_COLUMN].fillna("").astype(str).to_numpy()
    highway = e["highway"].astype(str).to_numpy().copy()
    signals = e["signals"].to_numpy(dtype=float).copy()
    gone: list[np.ndarray] = []
    for cid, (day, before) in class_openings(table, dates).items():
        if day is None or day.year <= year:
            continue
        hit = np.flatnonzero(corridor == cid)
        if before == "absent":
            gone.append(hit)
            continue
        highway[hit] = e[DENSITY_COLUMN].astype(str).to_numpy()[hit] if before == "density" else before
        signals[hit] = 0.0
    out = replace(roads, edges=e.assign(highway=highway, signals=signals))
    return close_road(out, np.concatenate(gone)) if gone else out
