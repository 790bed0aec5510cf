"""Tiers 2 and 3: the full OpenStreetMap road network, from Overpass or a local extract, cached on disk.

Pipeline (one for every source)::

    Overpass (osmnx)  ─┐
    .osm.pbf (osmium) ─┼─► raw osmnx graph ─► clip to study area ─► simplify (osmnx)
    .osm / .geojson   ─┘        ─► project to UTM 49N ─► consolidate intersections (osmnx, ~20 m)
                                ─► largest strongly connected component
                                ─► China speed profile (class by highway + urban/rural context,
                                   tagged maxspeed as a cap, signal delay) ─► ``RoadNetwork``

The result has the same shape as the embedded tier (``network.model.graph.RoadNetwork``), so everything
downstream is tier-blind. A built network is cached under ``cache/osm/<key>/`` (CSV + a JSON manifest
with sha256 checksums), keyed by source, study area, road filter and snapshot date; a cache entry whose
checksums do not match is logged and rebuilt.

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
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from tqdm import tqdm

from network import OSM_ATTRIBUTION
from network._errors import DataError, InputError
from network.model.graph import RoadNetwork
from network.model.speeds import CLASS_SPEEDS_KPH, OSM_HIGHWAY_CLASS, PERIODS, ROAD_CLASSES, SIGNAL_DELAY_INCLUDED, parse_maxspeed_kph
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR, PROJECT_DIR

log = logging.getLogger(__name__)

Source = Literal["overpass", "pbf"]
Component = Literal["strong", "weak", "all"]
TIER_OF_SOURCE: Final[dict[str, str]] = {"overpass": "osm-overpass", "pbf": "osm-pbf"}
CACHE_FORMAT: Final[int] = 3
"""Bumped whenever the pipeline changes what a cache entry holds (it is part of the key)."""
DEFAULT_CACHE_DIR: Final[Path] = PROJECT_DIR / "cache"
CACHE_ENV: Final[str] = "CZT_CACHE_DIR"
"""Environment variable overriding the cache root (default ``<repo>/cache``)."""
BUILD_COMMAND: Final[str] = "run_scenario.py network build --source overpass   (or --source pbf --path hunan-latest.osm.pbf)"

CONSOLIDATE_TOLERANCE_M: Final[float] = 20.0
"""Nodes within this distance (UTM metres) of each other form one intersection (osmnx consolidate)."""
STUDY_AREA_BUFFER_M: Final[float] = 1000.0
STUDY_AREA_SIMPLIFY_M: Final[float] = 200.0
OPERATING_SHARE_OF_LIMIT: Final[float] = 0.9
"""Free-flow running speed as a share of a tagged speed limit (judgement)."""

# Road filters: which OSM highway values make the network. "drive" = every class in the speed table
# (the routable drive network without service roads); "main" = tertiary and above, for a lighter
# regional graph.
ROAD_FILTERS: Final[dict[str, tuple[str, ...]]] = {
    "drive": tuple(OSM_HIGHWAY_CLASS),
    "main": tuple(h for h in OSM_HIGHWAY_CLASS if h.split("_")[0] in {"motorway", "trunk", "primary", "secondary", "tertiary"}),
}
_HIGHWAY_RANK: Final[dict[str, int]] = {h: i for i, h in enumerate(OSM_HIGHWAY_CLASS)}
_EXCLUDED_ACCESS: Final[frozenset[str]] = frozenset({"no", "private"})


def overpass_filter(road_filter: str = "drive") -> str:
    """The Overpass QL way filter for ``road_filter`` (osmnx ``custom_filter``)."""
    values = "|".join(ROAD_FILTERS[road_filter])
    return f'["highway"~"^({values})$"]["area"!~"yes"]["access"!~"^(no|private)$"]["motor_vehicle"!~"^no$"]["motorcar"!~"^no$"]'


# --------------------------------------------------------------------------------------------------
# study area
# --------------------------------------------------------------------------------------------------


def study_area_polygon(data_dir: Path = DATA_DIR) -> Polygon | MultiPolygon:
    """Union of the zones (data/zones.geojson), buffered 1 km and simplified to 200 m, in WGS-84.

    A simple outline keeps Overpass queries short; the buffer keeps roads on the boundary.
    """
    from network.model.region import load_zones

    zones = load_zones(data_dir).to_crs(CRS_METRIC)
    area = shapely.union_all(zones.geometry.to_numpy()).buffer(STUDY_AREA_BUFFER_M).simplify(STUDY_AREA_SIMPLIFY_M)
    out = gpd.GeoSeries([area], crs=CRS_METRIC).to_crs(CRS_WGS84).iloc[0]
    if not isinstance(out, Polygon | MultiPolygon):
        raise DataError(f"{data_dir / 'zones.geojson'}: the zones do not form an area")
    return out


def _area_digest(polygon: Polygon | MultiPolygon) -> str:
    rounded = shapely.set_precision(polygon, 1e-6)
    return hashlib.sha256(shapely.to_wkb(rounded, hex=False)).hexdigest()[:16]


# --------------------------------------------------------------------------------------------------
# raw graphs: Overpass, local files
# --------------------------------------------------------------------------------------------------


@contextmanager
def _osmnx_settings(**changes: Any) -> Iterator[None]:
    import osmnx as ox

    old = {k: getattr(ox.settings, k) for k in changes}
    try:
        for k, v in changes.items():
            setattr(ox.settings, k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(ox.settings, k, v)


def graph_from_overpass(
    polygon: Polygon | MultiPolygon,
    *,
    road_filter: str = "drive",
    overpass_url: str | None = None,
    http_cache_dir: Path | None = None,
) -> Any:
    """Download the unsimplified drive network inside ``polygon`` (WGS-84) with osmnx.

    ``overpass_url`` overrides ``osmnx.settings.overpass_url`` for this call; ``http_cache_dir`` sets the
    osmnx response cache when osmnx still uses its default (``./cache``).
    """
    import osmnx as ox

    changes: dict[str, Any] = {}
    if overpass_url:
        changes["overpass_url"] = overpass_url
    if http_cache_dir is not None and str(ox.settings.cache_folder) in {"./cache", "cache"}:
        changes["cache_folder"] = str(http_cache_dir)
    with _osmnx_settings(**changes):
        log.info("Overpass: downloading the %s network from %s", road_filter, ox.settings.overpass_url)
        return ox.graph_from_polygon(
            polygon,
            network_type="drive",
            simplify=False,
            retain_all=True,
            truncate_by_edge=True,
            custom_filter=overpass_filter(road_filter),
        )


def _way_passes(tags: dict[str, str], allowed: set[str]) -> bool:
    if tags.get("highway") not in allowed or tags.get("area") == "yes":
        return False
    if tags.get("access") in _EXCLUDED_ACCESS:
        return False
    return tags.get("motor_vehicle") != "no" and tags.get("motorcar") != "no"


@dataclass
class _Extract:
    """Ways and node locations collected from a local file, ready to write as .osm XML."""

    node_lonlat: dict[int, tuple[float, float]]
    node_tags: dict[int, dict[str, str]]
    ways: list[tuple[int, list[int], dict[str, str]]]
    timestamp: str | None = None


_NODE_TAGS: Final[frozenset[str]] = frozenset({"highway", "junction", "ref"})
_WAY_TAGS: Final[frozenset[str]] = frozenset(
    {"highway", "name", "ref", "oneway", "maxspeed", "junction", "lanes", "access", "bridge", "tunnel"}
)


def _read_pbf(path: Path, bbox: tuple[float, float, float, float], allowed: set[str]) -> _Extract:
    """Drive ways (and their node locations) touching ``bbox`` from a .osm.pbf/.osm file, with pyosmium."""
    import osmium

    west, south, east, north = bbox
    ex = _Extract(node_lonlat={}, node_tags={}, ways=[])
    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
        stamp = header.get("osmosis_replication_timestamp", "") or header.get("timestamp", "")
        ex.timestamp = stamp[:10] or None
    except Exception:  # a header is optional
        ex.timestamp = None
    signals: dict[int, dict[str, str]] = {}
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    with tqdm(desc=f"parse {path.name}", unit=" obj", unit_scale=True, mininterval=0.5, disable=None) as bar:
        for k, obj in enumerate(fp):
            if k % 10_000 == 0:
                bar.update(10_000 if k else 0)
            if isinstance(obj, osmium.osm.Node):
                if obj.tags.get("highway") == "traffic_signals":
                    signals[obj.id] = {t.k: t.v for t in obj.tags if t.k in _NODE_TAGS}
                continue
            if not isinstance(obj, osmium.osm.Way):
                continue
            tags = {t.k: t.v for t in obj.tags if t.k in _WAY_TAGS}
            if not _way_passes(tags, allowed):
                continue
            refs: list[int] = []
            lonlat: list[tuple[float, float]] = []
            for n in obj.nodes:
                if not n.location.valid():
                    break
                refs.append(n.ref)
                lonlat.append((n.location.lon, n.location.lat))
            else:
                if len(refs) < 2 or not any(west <= x <= east and south <= y <= north for x, y in lonlat):
                    continue
                ex.ways.append((obj.id, refs, tags))
                ex.node_lonlat.update(zip(refs, lonlat))
    ex.node_tags = {nid: t for nid, t in signals.items() if nid in ex.node_lonlat}
    return ex


def _read_overpass_geojson(path: Path) -> _Extract:
    """An Overpass(-turbo) GeoJSON export: LineString ways; shared coordinates are shared nodes."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    ex = _Extract(node_lonlat={}, node_tags={}, ways=[], timestamp=str(doc.get("timestamp", ""))[:10] or None)
    ids: dict[tuple[float, float], int] = {}

    def node_id(coord: list[float]) -> int:
        key = (round(float(coord[0]), 7), round(float(coord[1]), 7))
        if key not in ids:
            ids[key] = len(ids) + 1
            ex.node_lonlat[ids[key]] = key
        return ids[key]

    points = []
    for k, f in enumerate(doc.get("features", [])):
        geom = f.get("geometry") or {}
        props = {str(a): str(b) for a, b in (f.get("properties") or {}).items()}
        if geom.get("type") == "LineString":
            refs = [node_id(c) for c in geom["coordinates"]]
            osm_id = str(props.get("@id", f.get("id", "")))
            wid = int(osm_id.split("/")[-1]) if osm_id.split("/")[-1].isdigit() else k + 1
            ex.ways.append((wid, refs, {a: b for a, b in props.items() if a in _WAY_TAGS}))
        elif geom.get("type") == "Point":
            points.append((geom["coordinates"], props))
    for coord, props in points:
        key = (round(float(coord[0]), 7), round(float(coord[1]), 7))
        if key in ids:
            ex.node_tags[ids[key]] = {a: b for a, b in props.items() if a in _NODE_TAGS}
    return ex


def _write_osm_xml(ex: _Extract, path: Path) -> None:
    import osmium
    from osmium.osm.mutable import Node, Way

    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid in sorted(ex.node_lonlat):
            lon, lat = ex.node_lonlat[nid]
            writer.add_node(Node(id=nid, location=(lon, lat), tags=ex.node_tags.get(nid, {}), version=1))
        for wid, refs, tags in sorted(ex.ways, key=lambda w: w[0]):
            writer.add_way(Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()


def graph_from_file(path: Path, polygon: Polygon | MultiPolygon, *, road_filter: str = "drive") -> tuple[Any, str | None]:
    """Raw (unsimplified) osmnx graph of the drive ways in a local OSM file, clipped to ``polygon``.

    Reads ``.osm.pbf`` / ``.osm`` with pyosmium (filtering to drive ways in the area's bounding box),
    or an Overpass GeoJSON export (``.geojson``/``.json``); writes the selection as .osm XML and builds the
    graph with ``osmnx.graph_from_xml``. Returns the graph and the file's snapshot date if it has one.
    """
    import osmnx as ox

    if not path.exists():
        raise InputError(str(path), "--path", "file does not exist")
    allowed = set(ROAD_FILTERS[road_filter])
    name = path.name.lower()
    if name.endswith((".geojson", ".json")):
        ex = _read_overpass_geojson(path)
        ex.ways = [w for w in ex.ways if _way_passes(w[2], allowed)]
        used = {n for _, refs, _ in ex.ways for n in refs}
        ex.node_lonlat = {n: ll for n, ll in ex.node_lonlat.items() if n in used}
    elif name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")):
        ex = _read_pbf(path, polygon.bounds, allowed)
    else:
        raise InputError(str(path), "--path", "expected an .osm.pbf, .osm or Overpass .geojson file")
    if not ex.ways:
        raise DataError(f"{path}: no drive roads ({road_filter} filter) inside the study area {tuple(round(b, 3) for b in polygon.bounds)}")
    with tempfile.TemporaryDirectory(prefix="czt-osm-") as tmp:
        xml = Path(tmp) / "roads.osm"
        _write_osm_xml(ex, xml)
        G = ox.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True)
    G = ox.truncate.truncate_graph_polygon(G, polygon, truncate_by_edge=True)
    return G, ex.timestamp


# --------------------------------------------------------------------------------------------------
# raw graph -> RoadNetwork
# --------------------------------------------------------------------------------------------------


def _first_highway(value: object) -> str:
    if isinstance(value, list):
        known = [str(v) for v in value if str(v) in _HIGHWAY_RANK]
        return min(known, key=_HIGHWAY_RANK.__getitem__) if known else str(value[0])
    return str(value) if value is not None else ""


def _joined(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    items = value if isinstance(value, list) else [value]
    seen: list[str] = []
    for item in items:
        for part in str(item).split(";"):
            part = part.strip()
            if part and part not in seen:
                seen.append(part)
    return ";".join(seen)


def _oneway(value: object) -> bool:
    if isinstance(value, list):
        return any(_oneway(v) for v in value)
    if isinstance(value, str):
        return value.lower() in {"yes", "true", "1", "-1", "reverse"}
    return bool(value)


def simplify_and_consolidate(G: Any, *, tolerance_m: float = CONSOLIDATE_TOLERANCE_M, component: Component = "strong") -> Any:
    """osmnx simplify (counting signalised junctions per edge), project to UTM 49N, consolidate
    intersections within ``tolerance_m`` and keep the largest ``component``.

    ``"strong"`` (default) keeps the largest strongly connected component, so every node can reach and
    be reached from every other (no one-way dead ends at the study-area boundary); ``"weak"`` the largest
    weakly connected one; ``"all"`` keeps everything (for inspecting a clipped extract).
    """
    import osmnx as ox

    for _, v, data in G.edges(data=True):
        data["signals"] = 1 if G.nodes[v].get("highway") == "traffic_signals" else 0
    # a node where the highway class or the speed limit changes stays an endpoint, so a merged edge
    # never mixes classes (its class decides its speed)
    G = ox.simplify_graph(G, edge_attrs_differ=["highway", "maxspeed"], edge_attr_aggs={"length": sum, "signals": sum})
    G = ox.project_graph(G, to_crs=CRS_METRIC)
    if tolerance_m > 0 and len(G) > 1:
        G = ox.consolidate_intersections(G, tolerance=tolerance_m, rebuild_graph=True, dead_ends=True, reconnect_edges=True)
    if component == "all":
        return G
    return ox.truncate.largest_component(G, strongly=component == "strong")


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


def to_road_network(G: Any, *, tier: str, snapshot: str, centres: pd.DataFrame | None = None) -> RoadNetwork:
    """A projected, simplified osmnx graph as a ``RoadNetwork`` (China speed profile applied).

    Two-way roads (osmnx: a pair of opposite directed edges) become one row with ``oneway=False``;
    one-way roads one row with ``oneway=True`` in their direction of travel.
    """
    from network.model.region import load_centres

    centres = load_centres() if centres is None else centres
    node_ids = sorted(G.nodes)
    index = {n: i for i, n in enumerate(node_ids)}
    x = np.array([G.nodes[n]["x"] for n in node_ids], dtype=float)
    y = np.array([G.nodes[n]["y"] for n in node_ids], dtype=float)
    to_wgs = pyproj.Transformer.from_crs(CRS_METRIC, CRS_WGS84, always_xy=True)
    lon, lat = to_wgs.transform(x, y)
    nodes = pd.DataFrame({"node_id": np.arange(len(node_ids), dtype=np.int64), "lon": lon, "lat": lat, "x": x, "y": y})

    def n_signals(data: dict[str, Any]) -> float:
        return float(np.nansum(np.asarray(data.get("signals", 0), dtype=float)))

    # signals passed per direction: a collapsed two-way row carries the mean of its two directions
    directed: dict[tuple[int, int], float] = {}
    for u0, v0, data in G.edges(data=True):
        directed.setdefault((index[u0], index[v0]), n_signals(data))
    rows = []
    for u0, v0, data in G.edges(data=True):
        u, v = index[u0], index[v0]
        if u == v:
            continue  # self-loops never shorten a path
        one = _oneway(data.get("oneway", False))
        if not one:
            if (v, u) not in directed:
                one = True  # a two-way road whose reverse edge was clipped: keep the direction that exists
            elif u > v:
                continue  # the pair's other half carries the road
        rows.append(
            {
                "u": u,
                "v": v,
                "length_m": float(data.get("length", np.hypot(x[u] - x[v], y[u] - y[v]))),
                "osm_highway": _first_highway(data.get("highway")),
                "name": _joined(data.get("name")),
                "ref": _joined(data.get("ref")),
                "oneway": one,
                "maxspeed_kph": parse_maxspeed_kph(data.get("maxspeed")),
                "signals": n_signals(data) if one else (n_signals(data) + directed[(v, u)]) / 2.0,
            }
        )
    if not rows:
        raise DataError("the OSM network has no routable roads after cleaning (is the area or the filter empty?)")
    edges = pd.DataFrame(rows)
    # two-way roads keep one row per (u, v, length): osmnx may hold several parallel edges
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
    return RoadNetwork(nodes=nodes, edges=_typed_edges(edges[cols]), tier=tier, snapshot=snapshot)


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
# --------------------------------------------------------------------------------------------------


def cache_root(cache_dir: Path | None = None) -> Path:
    """The cache root: ``cache_dir``, else ``$CZT_CACHE_DIR``, else ``<repo>/cache``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else DEFAULT_CACHE_DIR


def cache_key(*, source: str, source_id: str, area: str, road_filter: str, tolerance_m: float, snapshot_date: str) -> str:
    """Cache key: a digest of source, study area, road filter, pipeline settings and snapshot date."""
    doc = {
        "format": CACHE_FORMAT,
        "source": source,
        "source_id": source_id,
        "area": area,
        "filter": road_filter,
        "tolerance_m": tolerance_m,
        "snapshot_date": snapshot_date,
    }
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]
    return f"{source}-{snapshot_date}-{digest}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_NODE_DTYPES: Final[dict[str, Any]] = {"node_id": np.int64, "lon": float, "lat": float, "x": float, "y": float}
_EDGE_DTYPES: Final[dict[str, Any]] = {
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


def _typed_edges(edges: pd.DataFrame) -> pd.DataFrame:
    """Edges with the column types every tier-2/3 network carries (the same fresh and from the cache)."""
    out = edges.copy()
    for col, dtype in _EDGE_DTYPES.items():
        if col in out.columns:
            out[col] = out[col].astype(dtype) if dtype is not object else out[col].map(str).astype(object)
    out["oneway"] = out["oneway"].astype(bool)
    return out


def write_cache(roads: RoadNetwork, entry: Path, *, request: dict[str, Any]) -> Path:
    """Write ``roads`` to the cache entry directory (CSV files + manifest.json with sha256 checksums).

    Written to a temporary sibling directory and renamed, so a crash never leaves a half entry.
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
    try:
        roads.nodes.to_csv(tmp / "nodes.csv", index=False)
        roads.edges.to_csv(tmp / "edges.csv", index=False)
        manifest = {
            "format": CACHE_FORMAT,
            "tier": roads.tier,
            "snapshot": roads.snapshot,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": request,
            "report": network_report(roads),
            "files": {name: {"sha256": _sha256(tmp / name), "bytes": (tmp / name).stat().st_size} for name in ("nodes.csv", "edges.csv")},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if entry.exists():
            shutil.rmtree(entry)
        tmp.rename(entry)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return entry


class CacheCorrupt(DataError):
    """A cache entry's files are missing or do not match their recorded checksums."""


def read_manifest(entry: Path, *, check_format: bool = True) -> dict[str, Any]:
    try:
        doc = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CacheCorrupt(f"{entry}: manifest.json unreadable ({exc})") from None
    if not isinstance(doc, dict) or "files" not in doc:
        raise CacheCorrupt(f"{entry}: manifest.json has no file checksums")
    if check_format and doc.get("format") != CACHE_FORMAT:
        raise CacheCorrupt(f"{entry}: written by another pipeline version (cache format {doc.get('format')}, expected {CACHE_FORMAT})")
    return doc


def read_cache(entry: Path) -> RoadNetwork:
    """Read a cache entry, verifying every file against its sha256; raise ``CacheCorrupt`` on mismatch."""
    manifest = read_manifest(entry)
    for name, meta in manifest["files"].items():
        path = entry / name
        if not path.exists():
            raise CacheCorrupt(f"{path}: missing")
        if path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
            raise CacheCorrupt(f"{path}: checksum mismatch (truncated or edited; expected sha256 {meta['sha256'][:12]}…)")
    nodes = pd.read_csv(entry / "nodes.csv", dtype=_NODE_DTYPES)
    edges = pd.read_csv(
        entry / "edges.csv",
        dtype=_EDGE_DTYPES,
        keep_default_na=False,
        na_values={c: [""] for c, t in _EDGE_DTYPES.items() if t is float},
    )
    edges["oneway"] = edges["oneway"].map({"True": True, "False": False, True: True, False: False}).astype(bool)
    return RoadNetwork(nodes=nodes, edges=_typed_edges(edges), tier=str(manifest["tier"]), snapshot=str(manifest["snapshot"]))


def cache_entries(cache_dir: Path | None = None) -> list[Path]:
    """Cache entry directories, newest first (by creation time in the manifest, then name)."""
    root = cache_root(cache_dir) / "osm"
    if not root.is_dir():
        return []
    entries = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def created(p: Path) -> str:
        try:
            return str(read_manifest(p).get("created_utc", ""))
        except CacheCorrupt:
            return ""

    return sorted(entries, key=lambda p: (created(p), p.name), reverse=True)


# --------------------------------------------------------------------------------------------------
# build and load
# --------------------------------------------------------------------------------------------------


def build_osm_network(
    source: Source,
    *,
    path: Path | None = None,
    polygon: Polygon | MultiPolygon | None = None,
    overpass_url: str | None = None,
    road_filter: str = "drive",
    tolerance_m: float = CONSOLIDATE_TOLERANCE_M,
    component: Component = "strong",
    snapshot_date: str | None = None,
    max_age_days: int = 30,
    refresh: bool = False,
    cache_dir: Path | None = None,
    centres: pd.DataFrame | None = None,
) -> tuple[RoadNetwork, Path]:
    """Build (or reuse from the cache) the full OSM road network of the study area.

    Parameters
    ----------
    source : ``"overpass"`` (download with osmnx) or ``"pbf"`` (a local .osm.pbf, .osm or Overpass .geojson)
    path : the local file (``source="pbf"``)
    polygon : study area in WGS-84 (default: ``study_area_polygon()``)
    overpass_url : Overpass API endpoint (default: osmnx's)
    road_filter : ``"drive"`` (all classes) or ``"main"`` (tertiary and above)
    tolerance_m : intersection consolidation tolerance (UTM metres; 0 = none)
    component : which connected component to keep (see ``simplify_and_consolidate``)
    snapshot_date : the data date (default: today for Overpass, the file's timestamp or mtime for a file)
    max_age_days : an Overpass cache entry younger than this is reused (``refresh`` forces a download)
    cache_dir : cache root (default ``$CZT_CACHE_DIR`` or ``<repo>/cache``)

    Returns
    -------
    The network and its cache entry directory.
    """
    if source not in TIER_OF_SOURCE:
        raise InputError("<command line>", "--source", f"got {source!r}; expected 'overpass' or 'pbf'")
    if road_filter not in ROAD_FILTERS:
        raise InputError("<command line>", "--filter", f"got {road_filter!r}; expected one of {sorted(ROAD_FILTERS)}")
    polygon = study_area_polygon() if polygon is None else polygon
    area = _area_digest(polygon)
    root = cache_root(cache_dir)
    if source == "pbf":
        if path is None:
            raise InputError("<command line>", "--path", "--source pbf needs --path FILE (.osm.pbf, .osm or Overpass .geojson)")
        if not path.exists():
            raise InputError(str(path), "--path", "file does not exist")
        source_id = f"{path.name}:{_sha256(path)[:16]}"
    else:
        import osmnx as ox

        source_id = overpass_url or str(ox.settings.overpass_url)
    request = {
        "source": source,
        "path": str(path.resolve()) if path else None,
        "overpass_url": overpass_url,
        "road_filter": road_filter,
        "tolerance_m": tolerance_m,
        "component": component,
        "area": area,
        "polygon_wkt": shapely.to_wkt(polygon, rounding_precision=6),
        "source_id": source_id,
    }

    # reuse a valid entry for the same request (Overpass: if younger than max_age_days)
    if not refresh:
        for entry in cache_entries(root):
            try:
                manifest = read_manifest(entry)
            except CacheCorrupt:
                continue
            req = manifest.get("request", {})
            same = all(req.get(k) == request[k] for k in ("source", "source_id", "area", "road_filter", "tolerance_m", "component"))
            if not same or (snapshot_date and req.get("snapshot_date") != snapshot_date):
                continue
            if source == "overpass" and not snapshot_date:
                age = (date.today() - date.fromisoformat(str(req.get("snapshot_date")))).days
                if age > max_age_days:
                    log.info("cache entry %s is %d days old (> %d): downloading again", entry.name, age, max_age_days)
                    continue
            try:
                roads = read_cache(entry)
            except CacheCorrupt as exc:
                log.warning("OSM cache entry corrupt, rebuilding: %s", exc)
                shutil.rmtree(entry, ignore_errors=True)
                break
            log.info("OSM network from cache %s", entry)
            return roads, entry

    stages = ["download" if source == "overpass" else "parse", "simplify+consolidate", "classify", "write cache"]
    with tqdm(total=len(stages), desc="network build", unit="stage", disable=None) as bar:
        bar.set_postfix_str(stages[0])
        if source == "overpass":
            G = graph_from_overpass(polygon, road_filter=road_filter, overpass_url=overpass_url, http_cache_dir=root / "overpass-http")
            snap_date = snapshot_date or date.today().isoformat()
            host = source_id.split("//")[-1].split("/")[0]
            snapshot = f"OpenStreetMap via Overpass API ({host}), downloaded {snap_date}"
        else:
            assert path is not None
            G, file_date = graph_from_file(path, polygon, road_filter=road_filter)
            snap_date = snapshot_date or file_date or datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
            snapshot = f"OpenStreetMap extract {path.name} ({snap_date})"
        bar.update(1)
        bar.set_postfix_str(stages[1])
        G = simplify_and_consolidate(G, tolerance_m=tolerance_m, component=component)
        bar.update(1)
        bar.set_postfix_str(stages[2])
        roads = to_road_network(G, tier=TIER_OF_SOURCE[source], snapshot=snapshot, centres=centres)
        bar.update(1)
        bar.set_postfix_str(stages[3])
        request["snapshot_date"] = snap_date
        key = cache_key(
            source=source,
            source_id=source_id,
            area=area,
            road_filter=f"{road_filter}/{component}",
            tolerance_m=tolerance_m,
            snapshot_date=snap_date,
        )
        entry = write_cache(roads, root / "osm" / key, request=request)
        bar.update(1)
    log.info("OSM network cached in %s", entry)
    return roads, entry


def load_cached_osm_roads(cache_dir: Path | None = None, *, rebuild: bool = True) -> RoadNetwork:
    """The newest cached OSM road network (tiers ``osm-overpass`` / ``osm-pbf``).

    A corrupt newest entry is logged and rebuilt from the request recorded in its manifest (``rebuild``);
    if that fails the next entry is tried. Raises ``DataError`` telling the user to run the build command
    when there is no usable entry.
    """
    root = cache_root(cache_dir)
    entries = cache_entries(root)
    problems: list[str] = []
    for entry in entries:
        try:
            return read_cache(entry)
        except CacheCorrupt as exc:
            log.warning("OSM cache entry corrupt: %s", exc)
            problems.append(str(exc))
            if not rebuild:
                continue
            try:
                req = read_manifest(entry, check_format=False)["request"]
                roads, new_entry = build_osm_network(
                    req["source"],
                    path=Path(req["path"]) if req.get("path") else None,
                    polygon=shapely.from_wkt(req["polygon_wkt"]),
                    overpass_url=req.get("overpass_url"),
                    road_filter=req["road_filter"],
                    tolerance_m=float(req["tolerance_m"]),
                    component=req.get("component", "strong"),
                    snapshot_date=req.get("snapshot_date") if req["source"] == "pbf" else None,
                    refresh=True,
                    cache_dir=root,
                )
                if new_entry != entry:
                    shutil.rmtree(entry, ignore_errors=True)
                log.warning("rebuilt the corrupt OSM cache entry %s as %s", entry.name, new_entry.name)
                return roads
            except Exception as exc2:  # noqa: BLE001 - any failure: fall back to the next entry
                log.warning("could not rebuild %s: %s", entry.name, exc2)
                problems.append(f"rebuild failed: {exc2}")
    more = f" ({'; '.join(problems)})" if problems else ""
    raise DataError(f"no usable OSM network in the cache {root / 'osm'}{more}; build one with: {BUILD_COMMAND}")


def bbox_polygon(west: float, south: float, east: float, north: float) -> Polygon:
    """A lon/lat box as a polygon (a small study area for tests and quick looks)."""
    return box(west, south, east, north)


def iter_reports(cache_dir: Path | None = None) -> Iterable[tuple[Path, dict[str, Any]]]:
    """(entry, report) of every readable cache entry, newest first."""
    for entry in cache_entries(cache_dir):
        try:
            yield entry, read_manifest(entry).get("report", {})
        except CacheCorrupt:
            continue


# --------------------------------------------------------------------------------------------------
# rail stations: OSM points matched to the curated services
# --------------------------------------------------------------------------------------------------

STATION_TYPES_OF_KIND: Final[dict[str, frozenset[str]]] = {
    "metro": frozenset({"subway", "light_rail"}),
    "maglev": frozenset({"monorail", "subway"}),
    "intercity": frozenset({"train"}),
    "hsr": frozenset({"train"}),
}
"""OSM ``station=*`` values that can serve a curated line of each kind."""


def normalise_station_name(name: object) -> str:
    """Comparable station name: no bracketed part, no trailing 站/火车站/地铁站, no spaces."""
    import re

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
    to_m = pyproj.Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)
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
