"""The China speed profile of the OSM tiers, and the common road-network shape every pipeline ends in.

China speed profile (the class speeds themselves live in ``network.model.speeds.CLASS_SPEEDS_KPH``):

===================== ==================================== ===========================================
OSM ``highway``       class (urban core / elsewhere)       Chinese road class
===================== ==================================== ===========================================
motorway              expressway / expressway              高速公路
trunk                 urban_express / rural_highway        城市快速路 / 一级公路
primary               urban_arterial / rural_highway       主干路 / 一级、二级公路
secondary             urban_minor / rural_highway          次干路 / 二级公路
tertiary, unclass.,   urban_minor / rural_minor            支路 / 三级、四级公路
residential, road
``*_link``            urban_arterial / rural_highway       ramps (tertiary links: minor)
===================== ==================================== ===========================================

- "Urban core" = the edge's midpoint lies within ``urban_radius_km`` of a city centre (data/centres.csv).
- Tagged ``maxspeed`` (rare in China) caps the operating speed at ``OPERATING_SHARE_OF_LIMIT`` × limit;
  the engine's per-edge ``speed_kph`` is period-blind, so the cap is stored only where it is below the
  class speed in both periods (otherwise the class speed, which is lower, already applies).
- Signalised junctions (``highway=traffic_signals`` nodes) are counted per edge (``signals_tagged``).
  On classes whose speeds are running speeds (expressway, urban_express, rural_highway, rural_minor)
  they become the edge's ``signals``, each adding the parameter ``signal_delay_<period>_s`` (HCM control
  delay by period); urban arterial and minor class speeds already include average signal delay
  (``SIGNAL_DELAY_INCLUDED`` in network/model/speeds.py), so their ``signals`` is 0.

``road_network_from_simple`` turns a cleaned graph (``osm_simplify.SimpleGraph``, from either pipeline)
into a ``RoadNetwork``: two-way roads (a pair of opposite directed edges) become one row with
``oneway=False``, one-way roads one row in their direction of travel.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from network import OSM_ATTRIBUTION
from network._errors import DataError
from network.geo import to_lonlat
from network.model.graph import RoadNetwork
from network.model.region import load_centres
from network.model.speeds import CLASS_SPEEDS_KPH, OSM_HIGHWAY_CLASS, PERIODS, ROAD_CLASSES, SIGNAL_DELAY_INCLUDED, parse_maxspeed_kph
from network.sources.osm_read import first_highway
from network.sources.osm_simplify import SimpleGraph, osmnx_to_simple

OPERATING_SHARE_OF_LIMIT: Final[float] = 0.9
"""Free-flow running speed as a share of a tagged speed limit (judgement)."""


def classify_edges(edges: pd.DataFrame, centres: pd.DataFrame) -> pd.Series:
    """Our road class per edge from its OSM highway and context (midpoint within a city's urban radius)."""
    mx = edges["mid_x"].to_numpy(dtype=float)
    my = edges["mid_y"].to_numpy(dtype=float)
    urban = np.zeros(len(edges), dtype=bool)
    cx, cy, radius_km = (centres[c].to_numpy(dtype=float) for c in ("x_m", "y_m", "urban_radius_km"))
    for x0, y0, r_km in zip(cx, cy, radius_km):
        urban |= np.hypot(mx - x0, my - y0) <= r_km * 1000.0
    hw = edges["osm_highway"].to_numpy()
    out = [
        OSM_HIGHWAY_CLASS[h][0 if u else 1] if h in OSM_HIGHWAY_CLASS else ("urban_minor" if u else "rural_minor")
        for h, u in zip(hw, urban)
    ]
    return pd.Series(out, index=edges.index, dtype=object)


def speed_cap_kph(road_class: pd.Series, maxspeed_kph: pd.Series) -> pd.Series:
    """Per-edge ``speed_kph`` from a tagged limit: OPERATING_SHARE_OF_LIMIT × limit, kept only where it is
    below the class speed in every period (NaN elsewhere: the class speed applies)."""
    slowest = road_class.map(lambda c: min(CLASS_SPEEDS_KPH[c][p] for p in PERIODS)).astype(float)
    cap = maxspeed_kph.astype(float) * OPERATING_SHARE_OF_LIMIT
    return cap.where(cap < slowest)




def road_network_from_simple(s: SimpleGraph, *, tier: str, snapshot: str, centres: pd.DataFrame | None = None) -> RoadNetwork:
    """A cleaned graph as a ``RoadNetwork`` with the China speed profile applied.

    Two-way roads (a pair of opposite directed edges) become one row with ``oneway=False``; one-way roads
    one row with ``oneway=True`` in their direction of travel; a two-way road whose reverse edge was
    clipped keeps the direction that exists. Self-loops are dropped (they never shorten a path).
    """
    centres = load_centres() if centres is None else centres
    n = s.n_nodes
    x, y = s.x, s.y
    to_wgs = to_lonlat()
    lon, lat = to_wgs.transform(x, y)
    nodes = pd.DataFrame({"node_id": np.arange(n, dtype=np.int64), "lon": lon, "lat": lat, "x": x, "y": y})
    loop = s.u == s.v
    u, v = s.u[~loop], s.v[~loop]
    sig = s.signals[~loop]
    key = u * np.int64(n) + v
    rkey = v * np.int64(n) + u
    # signals passed per direction: a collapsed two-way row carries the mean of its two directions
    first_sig = pd.Series(sig, index=key)
    first_sig = first_sig[~first_sig.index.duplicated(keep="first")]
    has_rev = np.isin(rkey, key)
    tag = s.tag[~loop]
    one = s.tags["oneway"].to_numpy(dtype=bool)[tag] | ~has_rev
    keep = one | (u < v)
    rev_sig = first_sig.reindex(rkey[keep]).to_numpy(dtype=float)
    sig_k = np.where(one[keep], sig[keep], (sig[keep] + np.nan_to_num(rev_sig)) / 2.0)
    if not keep.any():
        raise DataError("the OSM network has no routable roads after cleaning (is the area or the filter empty?)")
    maxspeed = s.tags["maxspeed"].map(parse_maxspeed_kph).to_numpy(dtype=float)
    edges = pd.DataFrame(
        {
            "u": u[keep],
            "v": v[keep],
            "length_m": s.length_m[~loop][keep],
            "osm_highway": s.tags["highway"].map(first_highway).to_numpy(dtype=object)[tag[keep]],
            "name": s.name[~loop][keep],
            "ref": s.ref[~loop][keep],
            "oneway": one[keep],
            "maxspeed_kph": maxspeed[tag[keep]],
            "signals": sig_k,
        }
    )
    # two-way roads keep one row per (u, v, length): there may be several parallel edges
    edges = edges.sort_values(["u", "v", "length_m", "osm_highway", "name", "ref"], kind="mergesort").reset_index(drop=True)
    edges["maxspeed_kph"] = edges["maxspeed_kph"].astype(float)
    edges["mid_x"] = (x[edges["u"]] + x[edges["v"]]) / 2.0
    edges["mid_y"] = (y[edges["u"]] + y[edges["v"]]) / 2.0
    edges["highway"] = classify_edges(edges, centres)
    edges["speed_kph"] = speed_cap_kph(edges["highway"], edges["maxspeed_kph"])
    edges["signals_tagged"] = edges["signals"].astype(float)
    edges["signals"] = np.where(edges["highway"].isin(SIGNAL_DELAY_INCLUDED).to_numpy(), 0.0, edges["signals_tagged"].to_numpy())
    cols = [
        "u",
        "v",
        "length_m",
        "highway",
        "name",
        "ref",
        "oneway",
        "speed_kph",
        "signals",
        "osm_highway",
        "maxspeed_kph",
        "signals_tagged",
    ]
    return RoadNetwork(nodes=nodes, edges=typed_edges(edges[cols]), tier=tier, snapshot=snapshot)



def to_road_network(G: Any, *, tier: str, snapshot: str, centres: pd.DataFrame | None = None) -> RoadNetwork:
    """A projected, simplified osmnx graph as a ``RoadNetwork`` (China speed profile applied); see
    ``road_network_from_simple``."""
    return road_network_from_simple(osmnx_to_simple(G), tier=tier, snapshot=snapshot, centres=centres)


def network_report(roads: RoadNetwork) -> dict[str, Any]:
    """Size and make-up of a road network, for outputs: nodes, edges, km by class, tagged-speed share.

    ``km`` counts each road once (a two-way road is one edge). ``share_edges_speed_tagged`` is the share of
    edges with a readable OSM ``maxspeed`` (0 for tiers without tags). ``signals_passed`` sums the
    signalised junctions each edge passes (two-way edges: the mean of both directions).
    """
    e = roads.edges
    km = e.groupby("highway")["length_m"].sum() / 1000.0
    tagged = e["maxspeed_kph"].notna() if "maxspeed_kph" in e.columns else pd.Series(False, index=e.index)
    return {
        "tier": roads.tier,
        "snapshot": roads.snapshot,
        "nodes": int(len(roads.nodes)),
        "edges": int(len(e)),
        "oneway_edges": int(e["oneway"].sum()) if "oneway" in e.columns else 0,
        "km": round(float(e["length_m"].sum()) / 1000.0, 1),
        "km_by_class": {c: round(float(km.get(c, 0.0)), 1) for c in ROAD_CLASSES},
        "share_edges_speed_tagged": round(float(tagged.mean()) if len(e) else 0.0, 4),
        "edges_with_speed_cap": int(e["speed_kph"].notna().sum()) if "speed_kph" in e.columns else 0,
        "signals_passed": round(float(e["signals_tagged"].sum()), 1) if "signals_tagged" in e.columns else 0.0,
        "attribution": OSM_ATTRIBUTION,
    }


# --------------------------------------------------------------------------------------------------
# cache


NODE_DTYPES: Final[dict[str, Any]] = {"node_id": np.int64, "lon": float, "lat": float, "x": float, "y": float}
EDGE_DTYPES: Final[dict[str, Any]] = {
    "u": np.int64,
    "v": np.int64,
    "length_m": float,
    "highway": object,
    "name": object,
    "ref": object,
    "speed_kph": float,
    "signals": float,
    "osm_highway": object,
    "maxspeed_kph": float,
    "signals_tagged": float,
}


def typed_edges(edges: pd.DataFrame) -> pd.DataFrame:
    """Edges with the column types every tier-2/3 network carries (the same fresh and from the cache)."""
    out = edges.copy()
    for col, dtype in EDGE_DTYPES.items():
        if col in out.columns:
            out[col] = out[col].astype(dtype) if dtype is not object else out[col].map(str).astype(object)
    out["oneway"] = out["oneway"].astype(bool)
    return out

