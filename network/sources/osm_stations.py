"""Rail stations from OSM: ``railway=station`` points (a GeoJSON export) matched to the curated stations."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from network.geo import to_metric

STATION_TYPES_OF_KIND: Final[dict[str, frozenset[str]]] = {
    "metro": frozenset({"subway", "light_rail"}),
    "maglev": frozenset({"monorail", "subway"}),
    "intercity": frozenset({"train"}),
    "hsr": frozenset({"train"}),
}
"""OSM ``station=*`` values that can serve a curated line of each kind."""


def normalise_station_name(name: object) -> str:
    """Comparable station name: no bracketed part, no trailing 站/火车站/地铁站, no spaces."""
    text = re.sub(r"[(（].*?[)）]", "", str(name or "")).strip().replace(" ", "")
    for suffix in ("地铁站", "火车站", "高铁站", "站"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return text


def read_osm_stations(path: Path) -> pd.DataFrame:
    """OSM railway station points from a GeoJSON export (properties ``name``, ``station``): name, station, lon, lat."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for f in doc.get("features", []):
        geom = f.get("geometry") or {}
        if geom.get("type") != "Point":
            continue
        props = f.get("properties") or {}
        lon, lat = geom["coordinates"][:2]
        rows.append({"name": props.get("name") or "", "station": props.get("station") or "", "lon": float(lon), "lat": float(lat)})
    return pd.DataFrame(rows, columns=["name", "station", "lon", "lat"])


def match_rail_stations(
    osm_stations: pd.DataFrame,
    stops: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    max_name_m: float = 3000.0,
    max_nearest_m: float = 300.0,
) -> pd.DataFrame:
    """Match each curated station (per line kind) to an OSM station point.

    First by name (normalised, same kind of station, within ``max_name_m``), else the nearest station of
    the right kind within ``max_nearest_m``. Returns one row per (name_zh, kind): method (``name``,
    ``nearest`` or ``none``), osm_name, distance_m, osm_lon, osm_lat.
    """
    to_m = to_metric()
    ox_, oy_ = to_m.transform(osm_stations["lon"].to_numpy(dtype=float), osm_stations["lat"].to_numpy(dtype=float))
    osm_norm = osm_stations["name"].map(normalise_station_name).to_numpy()
    kind_of = dict(zip(lines["line_id"], lines["kind"]))
    cur = stops.assign(kind=stops["line_id"].map(kind_of)).groupby(["name_zh", "kind"], sort=True)[["lon", "lat"]].mean().reset_index()
    cx, cy = to_m.transform(cur["lon"].to_numpy(dtype=float), cur["lat"].to_numpy(dtype=float))
    rows = []
    for k, r in enumerate(cur.itertuples(index=False)):
        ok = osm_stations["station"].isin(STATION_TYPES_OF_KIND.get(str(r.kind), frozenset())).to_numpy()
        d = np.hypot(np.asarray(ox_) - cx[k], np.asarray(oy_) - cy[k])
        method, best = "none", -1
        named = np.flatnonzero(ok & (osm_norm == normalise_station_name(r.name_zh)) & (d <= max_name_m))
        if len(named):
            method, best = "name", int(named[np.argmin(d[named])])
        elif ok.any():
            cand = np.flatnonzero(ok)
            j = int(cand[np.argmin(d[cand])])
            if d[j] <= max_nearest_m:
                method, best = "nearest", j
        rows.append(
            {
                "name_zh": r.name_zh,
                "kind": r.kind,
                "method": method,
                "osm_name": str(osm_stations["name"].iloc[best]) if best >= 0 else "",
                "distance_m": round(float(d[best]), 1) if best >= 0 else float("nan"),
                "osm_lon": float(osm_stations["lon"].iloc[best]) if best >= 0 else float("nan"),
                "osm_lat": float(osm_stations["lat"].iloc[best]) if best >= 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)
