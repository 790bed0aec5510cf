"""Changsha's urban expressways (城市快速路) on the embedded skeleton.

The skeleton carries no OSM tags, so the classifier makes every road in the city an ``urban_arterial``.
``data/urban_express_corridors.csv`` lists the urban expressways by waypoints; each corridor claims the
skeleton edges along it (``match_corridor`` over the edges an urban project may claim: never an
expressway, never another named road), which become ``urban_express`` with the corridor id as ``ref``
(so no project claims them: a project changes only its own road). In a scenario year before the
corridor's ``opened`` date they are the skeleton's signalised arterial again (the road existed; its
快速化 upgrade had not been built).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from network.model.graph import RoadNetwork
from network.scenario.edits import eligible_edges, match_corridor

URBAN_EXPRESS = "urban_express"
BEFORE_CLASS = "urban_arterial"


def with_urban_expressways(roads: RoadNetwork, table: pd.DataFrame) -> RoadNetwork:
    """``roads`` with the skeleton edges along each corridor of ``table``
    (``network.sources.embedded.load_urban_express_corridors``) classed ``urban_express``, ``ref`` = corridor."""
    if table.empty:
        return roads
    edges = roads.edges.copy()
    highway = edges["highway"].astype(str).to_numpy().copy()
    ref = edges["ref"].fillna("").astype(str).to_numpy().copy()
    name = (edges["name"].fillna("").astype(str) if "name" in edges.columns else pd.Series([""] * len(edges))).to_numpy().copy()
    for corridor, g in table.groupby("corridor", sort=False):
        g = g.sort_values("seq")
        current = replace(roads, edges=edges.assign(highway=highway, ref=ref))
        path = list(zip(g["lon"].astype(float), g["lat"].astype(float)))
        idx = match_corridor(current, path, eligible=eligible_edges(current, URBAN_EXPRESS)).edge_index
        highway[idx] = URBAN_EXPRESS
        ref[idx] = str(corridor)
        label = str(g["name"].iloc[0]).split(" (")[0] if "name" in g.columns else ""
        unnamed = idx[name[idx] == ""]
        name[unnamed] = label  # route legs name the road (长沙二环线 北段), not just its class
    return replace(roads, edges=edges.assign(highway=highway, ref=ref, name=name))


def urban_express_openings(table: pd.DataFrame) -> dict[str, dt.date]:
    """Opening date of each urban expressway corridor, keyed by the ``ref`` its edges carry."""
    return {str(c): g["opened"].iloc[0] for c, g in table.groupby("corridor", sort=False)}


def before_urban_express(roads: RoadNetwork, refs: set[str]) -> RoadNetwork:
    """``roads`` with the edges of the urban expressways ``refs`` (not yet 快速化 in the scenario year) back
    to the skeleton's signalised arterial class; they keep their ``ref`` (still no project's road)."""
    if not refs:
        return roads
    e = roads.edges
    hit = e["ref"].astype(str).isin(sorted(refs)).to_numpy() & (e["highway"].astype(str).to_numpy() == URBAN_EXPRESS)
    if not hit.any():
        return roads
    highway = np.where(hit, BEFORE_CLASS, e["highway"].astype(str).to_numpy())
    return replace(roads, edges=e.assign(highway=highway))
