"""Tier 1: the offline strategic skeleton shipped in data/ (built by tools/build_embedded_data.py), plus
the curated trunk roads the skeleton lacks (``data/trunk_roads.csv``) and the 湘江 crossings
(``data/river_crossings.csv``: the skeleton's crossings tagged with their id, the missing ones added) and
the interchanges it lacks (``data/interchanges.csv``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from network._errors import DataError
from network.model.area import area_type_codes
from network.model.graph import RoadNetwork
from network.model.road_add import Joining, Published, add_road
from network.model.speeds import ROAD_CLASSES
from network.model.tables import check_roads, latest_opening, parse_waypoint, read_text_table
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR
from network.sources.classify import DENSE_MAX_CODE, built_up_share
from network.sources.crossings import load_river_crossings, with_river_crossings
from network.sources.interchanges import load_interchanges, with_interchanges

TIER = "embedded"
TRUNK_COLUMNS = ("road", "name", "class", "seq", "lon", "lat", "length_km", "opened", "source", "inferred")


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
    roads = RoadNetwork(
        nodes=nodes[["node_id", "lon", "lat", "x", "y"]],
        edges=edges[["u", "v", "length_m", "highway", "name", "ref"]].assign(oneway=False),
        tier=TIER,
        snapshot=snap["roads"],
    )
    roads = with_trunk_roads(roads, load_trunk_roads(data_dir))
    roads = with_river_crossings(roads, load_river_crossings(data_dir), path=data_dir / "river_crossings.csv")
    return with_open_share(with_interchanges(roads, load_interchanges(data_dir), path=data_dir / "interchanges.csv"))


def _open_share(roads: RoadNetwork, rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """The share of each selected edge's length (``rows``: a mask over ``roads.edges``) outside the dense city."""
    e = roads.edges
    xy = roads.nodes.set_index("node_id")[["x", "y"]]
    u = xy.loc[e["u"].to_numpy()[rows]].to_numpy(dtype=float)
    v = xy.loc[e["v"].to_numpy()[rows]].to_numpy(dtype=float)
    dense = built_up_share(u[:, 0], u[:, 1], v[:, 0], v[:, 1], area_code_at=area_type_codes, max_code=DENSE_MAX_CODE)
    return np.asarray(1.0 - dense, dtype=float)


def with_open_share(roads: RoadNetwork) -> RoadNetwork:
    """``roads`` with ``open_share`` per edge: the share of its length outside the dense city (suburban or
    rural cells, ``network.model.area``), which an ``urban_arterial`` runs at its suburban speed
    (``network.routing.graphs.road_edge_times_s``)."""
    return replace(roads, edges=roads.edges.assign(open_share=_open_share(roads, np.ones(len(roads.edges), dtype=bool))))


def with_missing_open_share(roads: RoadNetwork) -> RoadNetwork:
    """``roads`` with ``open_share`` filled on the edges that lack it (roads added after loading: a catalogue
    road of its own, a scenario's new road), so an ``urban_arterial`` added through suburban or rural cells
    runs at its suburban speed like the skeleton's arterials there. Unchanged when no edge carries the column
    (the OSM tiers: their classes come from tags)."""
    e = roads.edges
    if "open_share" not in e.columns:
        return roads
    miss = e["open_share"].isna().to_numpy()
    if not miss.any():
        return roads
    share = e["open_share"].to_numpy(dtype=float).copy()
    share[miss] = _open_share(roads, miss)
    return replace(roads, edges=e.assign(open_share=share))


def with_trunk_roads(roads: RoadNetwork, trunk: pd.DataFrame) -> RoadNetwork:
    """``roads`` with each curated trunk road added along its waypoints (``network.model.road_add.add_road``
    with ``ends_at_waypoints``: it runs from its first to its last waypoint, each end linked to the nearest
    node within 3 km; inner waypoints join a node within 500 m), at its published
    length when given, with its class speeds and its ``road`` id as ``ref`` (so no project claims it and a
    scenario year before ``opened`` drops it, see ``road_openings``)."""
    for road, g in trunk.groupby("road", sort=False):
        g = g.sort_values("seq")
        length_km = g["length_km"].iloc[0]
        roads = add_road(
            roads,
            list(zip(g["lon"].astype(float), g["lat"].astype(float))),
            name=str(g["name"].iloc[0]),
            speed_kph=None,
            highway=str(g["class"].iloc[0]),
            published=Published(length_m=float(length_km) * 1000.0 if pd.notna(length_km) else None),
            ref=str(road),
            join=Joining(ends_at_waypoints=True),
        )
    return roads


@lru_cache(maxsize=4)
def load_trunk_roads(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read ``data/trunk_roads.csv``: one row per waypoint (``road``, ``name``, ``class``, ``seq``, ``lon``,
    ``lat``, ``length_km`` (empty: straight length x class detour), ``opened``, ``source``, ``inferred``).

    Raises
    ------
    DataError naming the file, line and field of the first bad value.
    """
    path = data_dir / "trunk_roads.csv"
    df = read_text_table(path, TRUNK_COLUMNS)
    rows = []
    for k, r in enumerate(df.to_dict("records")):
        where = f"{path}: line {k + 2}"
        if r["class"] not in ROAD_CLASSES:
            raise DataError(f"{where}, field 'class': got {r['class']!r}; expected one of {list(ROAD_CLASSES)}")
        typed = parse_waypoint(r, where)
        if not r["source"].strip():
            raise DataError(f"{where}, field 'source': empty; every trunk road names its source")
        rows.append({**r, **typed, "opened": r["opened"]})
    out = pd.DataFrame(rows, columns=list(TRUNK_COLUMNS))
    check_roads(out, "road", ("name", "class", "opened"), path=path)
    return out


@lru_cache(maxsize=4)
def road_openings(data_dir: Path = DATA_DIR) -> dict[str, dt.date]:
    """Opening date of each expressway corridor (``data/expressway_corridors.csv``) and curated trunk road
    (``data/trunk_roads.csv``), column ``opened``, keyed by the ``ref`` their edges carry. A scenario of
    year Y drops the edges of roads opened after Y.

    Raises
    ------
    DataError naming the file, line and field when a date is missing, unreadable or differs within a corridor.
    """
    out: dict[str, dt.date] = {}
    for name, key in (("expressway_corridors.csv", "corridor"), ("trunk_roads.csv", "road")):
        path = data_dir / name
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for k, (ref, text) in enumerate(zip(df[key], df["opened"])):
            try:
                day = dt.date.fromisoformat(text.strip())
            except ValueError:
                raise DataError(f"{path}: line {k + 2}, field 'opened': got {text!r}; expected a date YYYY-MM-DD") from None
            if out.setdefault(ref, day) != day:
                raise DataError(f"{path}: line {k + 2}, field 'opened': {day} differs from {out[ref]} on the same road {ref}")
    return out


URBAN_EXPRESS_COLUMNS = ("corridor", "name", "seq", "lon", "lat", "length_km", "opened", "opened_source", "inferred")


@lru_cache(maxsize=4)
def load_urban_express_corridors(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read ``data/urban_express_corridors.csv``: the waypoints of Changsha's urban expressways (城市快速路:
    二环, 万家丽路高架, 湘府路快速路), one row per waypoint (``corridor``, ``name``, ``seq``, ``lon``, ``lat``,
    ``length_km`` (published length, empty when none is stored), ``opened``, ``opened_source``, ``inferred``).
    The skeleton edges along each corridor are ``urban_express`` from ``opened`` on and the skeleton's own
    class (a signalised arterial) before (``network.scenario.urban_express``).

    Raises
    ------
    DataError naming the file, line and field of the first bad value.
    """
    path = data_dir / "urban_express_corridors.csv"
    df = read_text_table(path, URBAN_EXPRESS_COLUMNS)
    rows = []
    for k, r in enumerate(df.to_dict("records")):
        where = f"{path}: line {k + 2}"
        typed = parse_waypoint(r, where)
        if not r["opened_source"].strip():
            raise DataError(f"{where}, field 'opened_source': empty; name the source or say 'inferred'")
        rows.append({**r, **typed})
    out = pd.DataFrame(rows, columns=list(URBAN_EXPRESS_COLUMNS))
    check_roads(out, "corridor", ("opened",), path=path)
    return out


ROAD_CLASS_COLUMNS = ("corridor", "name", "class", "signal_spacing_m", "before", "seq", "lon", "lat", "opened", "source", "inferred")
BEFORE_VALUES = ("absent", "density")


@lru_cache(maxsize=4)
def load_road_classes(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read ``data/road_classes.csv``: the curated class of each named corridor, one row per waypoint
    (``corridor``, ``name``, ``class``, ``signal_spacing_m`` (empty: no signals), ``before`` (``absent``,
    ``density`` or a road class: what the edges were before ``opened``), ``seq``, ``lon``, ``lat``, ``opened``
    (a date, or ``unknown``: the class holds in every year), ``source``, ``inferred``, and the optional
    ``opened_latest``: empty, or the latest date where the opening is known only as a range whose earliest
    end is ``opened``); applied by ``network.scenario.road_classes``.

    Raises
    ------
    DataError naming the file, line and field of the first bad value.
    """
    path = data_dir / "road_classes.csv"
    df = read_text_table(path, ROAD_CLASS_COLUMNS)
    rows = []
    for k, r in enumerate(df.to_dict("records")):
        where = f"{path}: line {k + 2}"
        if r["class"] not in ROAD_CLASSES:
            raise DataError(f"{where}, field 'class': got {r['class']!r}; expected one of {list(ROAD_CLASSES)}")
        if r["before"] not in BEFORE_VALUES and r["before"] not in ROAD_CLASSES:
            raise DataError(f"{where}, field 'before': got {r['before']!r}; expected one of {list(BEFORE_VALUES) + list(ROAD_CLASSES)}")
        try:
            spacing = float(r["signal_spacing_m"]) if r["signal_spacing_m"].strip() else float("nan")
        except ValueError:
            raise DataError(f"{where}, field 'signal_spacing_m': got {r['signal_spacing_m']!r}; expected metres or empty") from None
        if spacing <= 0:
            raise DataError(f"{where}, field 'signal_spacing_m': got {spacing:g}; expected metres > 0 or empty (no signals)")
        unknown = r["opened"].strip() == "unknown"
        typed = parse_waypoint({**r, "length_km": "", "opened": "1900-01-01" if unknown else r["opened"]}, where)
        if not r["source"].strip():
            raise DataError(f"{where}, field 'source': empty; every corridor names its source")
        opened = None if unknown else typed["opened"]
        latest = latest_opening(str(r.get("opened_latest", "")).strip(), opened, where)
        rows.append({**r, **typed, "signal_spacing_m": spacing, "opened": opened, "opened_latest": latest})
    out = pd.DataFrame(rows, columns=[*ROAD_CLASS_COLUMNS, "opened_latest"])
    check_roads(out, "corridor", ("name", "class", "before"), path=path)
    for corridor, g in out.groupby("corridor", sort=False):
        for col in ("signal_spacing_m", "opened", "opened_latest"):  # may be empty (NaN / unknown), but the same on every row
            if g[col].nunique(dropna=False) != 1:
                raise DataError(f"{path}: corridor {corridor!r}, field {col!r} differs between its rows")
    return out
