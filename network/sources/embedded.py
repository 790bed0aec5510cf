"""Tier 1: the offline strategic skeleton shipped in data/ (built by tools/build_embedded_data.py)."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from network._errors import DataError
from network.model.graph import RoadNetwork
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR

TIER = "embedded"


def load_embedded_roads(data_dir: Path = DATA_DIR) -> RoadNetwork:
    """Read the embedded road skeleton into the common graph shape.

    Returns a ``RoadNetwork`` whose nodes carry ``x``/``y`` (UTM 49N metres), ``lon``/``lat``, and whose
    edges carry ``u``, ``v``, ``length_m``, ``highway`` (our road class), ``name``, ``ref``.
    """
    npath = data_dir / "road_nodes.csv"
    epath = data_dir / "road_edges.csv"
    for p in (npath, epath):
        if not p.exists():
            raise DataError(f"{p}: missing; rebuild with tools/build_embedded_data.py")
    nodes = pd.read_csv(npath)
    edges = pd.read_csv(epath, keep_default_na=False, dtype={"name": str, "ref": str})
    pts = gpd.GeoSeries(gpd.points_from_xy(nodes["lon"], nodes["lat"]), crs=CRS_WGS84).to_crs(CRS_METRIC)
    nodes["x"] = pts.x.to_numpy()
    nodes["y"] = pts.y.to_numpy()
    snap = json.loads((data_dir / "snapshot.json").read_text(encoding="utf-8"))
    return RoadNetwork(
        nodes=nodes[["node_id", "lon", "lat", "x", "y"]],
        edges=edges[["u", "v", "length_m", "highway", "name", "ref"]].assign(oneway=False),
        tier=TIER,
        snapshot=snap["roads"],
    )


@lru_cache(maxsize=4)
def road_openings(data_dir: Path = DATA_DIR) -> dict[str, dt.date]:
    """Opening date of each expressway corridor (``data/expressway_corridors.csv``, column ``opened``),
    keyed by the ``ref`` its skeleton edges carry. A scenario of year Y drops the edges of corridors
    opened after Y.

    Raises
    ------
    DataError naming the file, line and field when a date is missing, unreadable or differs within a corridor.
    """
    path = data_dir / "expressway_corridors.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[str, dt.date] = {}
    for k, (ref, text) in enumerate(zip(df["corridor"], df["opened"])):
        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError:
            raise DataError(f"{path}: line {k + 2}, field 'opened': got {text!r}; expected a date YYYY-MM-DD") from None
        if out.setdefault(ref, day) != day:
            raise DataError(f"{path}: line {k + 2}, field 'opened': {day} differs from {out[ref]} on the same corridor {ref}")
    return out
