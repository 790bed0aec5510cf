"""Reading OSM roads: the road filter, Overpass downloads (osmnx), and local files straight into arrays.

Two shapes come out of here:

- ``RawWays``: the drive ways of a local file (.osm.pbf / .osm read with pyosmium handlers, or an Overpass
  GeoJSON export) as flat arrays: node ids and coordinates, each way's node list (offsets into one
  array) and a table of way tags. Nothing is written to disk on the way.
- ``RawGraph``: the unsimplified directed road graph with osmnx's semantics (one edge per consecutive
  node pair; two-way ways in both directions; ``oneway=yes|true|1|-1|reverse`` and roundabouts one way,
  reversed for ``-1``/``reverse``; consecutive duplicate nodes dropped; great-circle lengths), again as
  arrays. ``raw_graph(ways)`` builds it from ``RawWays``; ``raw_graph_from_osmnx(G)`` from an osmnx graph
  (an Overpass download).

osmnx stays the tool for Overpass downloads and for the small-area path (``graph_from_file`` writes the
selection as .osm XML and calls ``osmnx.graph_from_xml``), whose result the array pipeline is checked
against (tests/sources/test_osm_arrays.py).
"""

from __future__ import annotations

import json
import logging
import tempfile
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from shapely.geometry import MultiPolygon, Polygon
from tqdm import tqdm

from network._errors import DataError, InputError, missing_file_reason
from network.model.speeds import OSM_HIGHWAY_CLASS
from network.sources.osm_area import inside_polygon
from network.sources.overpass import check_overpass_reachable, overpass_errors

log = logging.getLogger(__name__)

# Road filters: which OSM highway values make the network. "drive" = every class in the speed table
# (the routable drive network without service roads); "main" = tertiary and above, for a lighter
# regional graph.
ROAD_FILTERS: Final[dict[str, tuple[str, ...]]] = {
    "drive": tuple(OSM_HIGHWAY_CLASS),
    "main": tuple(h for h in OSM_HIGHWAY_CLASS if h.split("_")[0] in {"motorway", "trunk", "primary", "secondary", "tertiary"}),
}
_EXCLUDED_ACCESS: Final[frozenset[str]] = frozenset({"no", "private"})
EARTH_RADIUS_M: Final[float] = 6_371_009.0
"""osmnx's mean Earth radius for great-circle edge lengths."""
ONEWAY_VALUES: Final[frozenset[str]] = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
REVERSED_VALUES: Final[frozenset[str]] = frozenset({"-1", "reverse", "T"})
"""osmnx's ``oneway`` values (graph._add_paths): one way, and one way against the drawing order."""
WAY_TAGS: Final[tuple[str, ...]] = ("highway", "name", "ref", "oneway", "maxspeed", "junction", "lanes", "access", "bridge", "tunnel")
NODE_TAGS: Final[frozenset[str]] = frozenset({"highway", "junction", "ref"})
_UNDEFINED_COORDINATE: Final[int] = 2147483647
"""libosmium's integer coordinate of a node whose location is unknown (not in the extract)."""


_HIGHWAY_RANK: Final[dict[str, int]] = {h: i for i, h in enumerate(OSM_HIGHWAY_CLASS)}


def first_highway(value: object) -> str:
    """The most important of an OSM ``highway`` tag's values (osmnx gives a list where ways were merged)."""
    if isinstance(value, list):
        known = [str(v) for v in value if str(v) in _HIGHWAY_RANK]
        return min(known, key=_HIGHWAY_RANK.__getitem__) if known else str(value[0])
    return str(value) if value is not None else ""


def joined(value: object) -> str:
    """The distinct parts of a tag value (a list or ``a;b`` text), in order, joined with ``;``."""
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


def oneway_flag(value: object) -> bool:
    """True when an OSM ``oneway`` value (or any of a list of them) means one-way."""
    if isinstance(value, list):
        return any(oneway_flag(v) for v in value)
    if isinstance(value, str):
        return value.lower() in {"yes", "true", "1", "-1", "reverse"}
    return bool(value)


def overpass_filter(road_filter: str = "drive") -> str:
    """The Overpass QL way filter for ``road_filter`` (osmnx ``custom_filter``)."""
    values = "|".join(ROAD_FILTERS[road_filter])
    return f'["highway"~"^({values})$"]["area"!~"yes"]["access"!~"^(no|private)$"]["motor_vehicle"!~"^no$"]["motorcar"!~"^no$"]'


def way_passes(tags: dict[str, str], allowed: set[str] | frozenset[str]) -> bool:
    """Whether a way with ``tags`` belongs to the drive network of the given highway values."""
    if tags.get("highway") not in allowed or tags.get("area") == "yes":
        return False
    if tags.get("access") in _EXCLUDED_ACCESS:
        return False
    return tags.get("motor_vehicle") != "no" and tags.get("motorcar") != "no"


# --------------------------------------------------------------------------------------------------
# local files -> RawWays
# --------------------------------------------------------------------------------------------------


@dataclass
class RawWays:
    """Drive ways of a local OSM file as arrays.

    node_osm_id, lon, lat, signal: one entry per node used by a way (sorted by OSM id); ``signal`` marks
    ``highway=traffic_signals``. way_ptr / way_node: way k's nodes are ``way_node[way_ptr[k]:way_ptr[k+1]]``
    (indices into the node arrays, in drawing order). tags: one row per way (``WAY_TAGS``, "" if absent)
    plus ``osm_id``. node_tags: OSM id -> tags of tagged way nodes (signals), for the XML writer.
    """

    node_osm_id: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    signal: npt.NDArray[np.bool_]
    way_ptr: npt.NDArray[np.int64]
    way_node: npt.NDArray[np.int64]
    tags: pd.DataFrame
    node_tags: dict[int, dict[str, str]]
    timestamp: str | None = None
    raw_nodes_read: int = 0
    """Node references read from the file before the area filter (what the extract holds)."""

    @property
    def n_ways(self) -> int:
        """Number of ways."""
        return len(self.way_ptr) - 1


def unique_first_inverse(a: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``np.unique(a, return_index=True, return_inverse=True)`` by one stable sort (NumPy 2's hash-based
    unique took 7 s on 3M integers here; a sort takes a fraction of a second)."""
    order = np.argsort(a, kind="stable")
    s = a[order]
    start = np.ones(len(s), dtype=bool)
    start[1:] = s[1:] != s[:-1]
    group = np.cumsum(start) - 1
    inv = np.empty(len(a), dtype=np.int64)
    inv[order] = group
    return s[start], order[start].astype(np.int64), inv


def _file_timestamp(path: Path) -> str | None:
    import osmium  # heavy (osmium): only when reading OSM files

    try:
        header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header()
        stamp = header.get("osmosis_replication_timestamp", "") or header.get("timestamp", "")
        return stamp[:10] or None
    except Exception:  # a header is optional
        return None


class _FlatNodes(NamedTuple):
    """Every way's node references in order (``way_ptr`` delimits the ways) with their coordinates."""

    refs: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    way_ptr: npt.NDArray[np.int64]


def _ways_from_lists(
    flat: _FlatNodes,
    tag_rows: list[dict[str, str]],
    signal_ids: set[int],
    node_tags: dict[int, dict[str, str]],
    keep_way: npt.NDArray[np.bool_],
    timestamp: str | None,
) -> RawWays:
    """RawWays from flat reference/coordinate arrays, keeping the ways in ``keep_way``."""
    refs, lon, lat, way_ptr = flat
    n_ways = len(way_ptr) - 1
    lengths = np.diff(way_ptr)
    pos_way = np.repeat(np.arange(n_ways), lengths)
    keep_pos = keep_way[pos_way]
    refs, lon, lat = refs[keep_pos], lon[keep_pos], lat[keep_pos]
    kept = np.flatnonzero(keep_way)
    new_ptr = np.concatenate([[0], np.cumsum(lengths[kept])]).astype(np.int64)
    uniq, first, inv = unique_first_inverse(refs)
    signal = np.isin(uniq, np.fromiter(signal_ids, dtype=np.int64, count=len(signal_ids)))
    tags = pd.DataFrame([tag_rows[k] for k in kept], columns=["osm_id", *WAY_TAGS], dtype=object).fillna("")
    used = set(uniq[signal].tolist())
    return RawWays(
        node_osm_id=uniq.astype(np.int64),
        lon=lon[first],
        lat=lat[first],
        signal=signal,
        way_ptr=new_ptr,
        way_node=inv.astype(np.int64).ravel(),
        tags=tags,
        node_tags={k: v for k, v in node_tags.items() if k in used},
        timestamp=timestamp,
        raw_nodes_read=int(len(keep_pos)),
    )


def read_pbf_ways(path: Path, bbox: tuple[float, float, float, float], allowed: set[str] | frozenset[str]) -> RawWays:
    """Drive ways touching ``bbox`` (west, south, east, north) from a .osm.pbf / .osm file, as arrays.

    One pass with pyosmium: a C++ tag filter passes only ``highway`` values of the filter (and signal
    nodes) to Python; node locations come from pyosmium's location cache. A way whose node locations
    are missing from the extract is skipped (as before).
    """
    import osmium  # heavy (osmium): only when reading OSM files

    values = sorted(set(allowed) | {"traffic_signals"})
    fp = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.TagFilter(*[("highway", v) for v in values]))
    refs = array("q")
    xs = array("q")
    ys = array("q")
    ptr = array("q", [0])
    tag_rows: list[dict[str, str]] = []
    signals: set[int] = set()
    node_tags: dict[int, dict[str, str]] = {}
    with tqdm(desc=f"read {path.name}", unit=" ways", unit_scale=True, mininterval=0.5, disable=None) as bar:
        for item in fp:
            obj: Any = item
            if obj.is_node():
                if obj.tags.get("highway") == "traffic_signals":
                    signals.add(obj.id)
                    node_tags[obj.id] = {t.k: t.v for t in obj.tags if t.k in NODE_TAGS}
                continue
            if not obj.is_way():
                continue
            tags = {t.k: t.v for t in obj.tags}
            if not way_passes(tags, allowed):
                continue
            nodes = obj.nodes
            wx = [n.x for n in nodes]
            wy = [n.y for n in nodes]
            if len(wx) < 2 or _UNDEFINED_COORDINATE in wx or _UNDEFINED_COORDINATE in wy:
                continue
            refs.extend([n.ref for n in nodes])
            xs.extend(wx)
            ys.extend(wy)
            ptr.append(len(refs))
            tag_rows.append({"osm_id": str(obj.id), **{k: tags[k] for k in WAY_TAGS if k in tags}})
            if len(tag_rows) % 10_000 == 0:
                bar.update(10_000)
    r = np.frombuffer(refs, dtype=np.int64) if len(refs) else np.zeros(0, dtype=np.int64)
    lon = np.frombuffer(xs, dtype=np.int64).astype(float) / 1e7 if len(xs) else np.zeros(0)
    lat = np.frombuffer(ys, dtype=np.int64).astype(float) / 1e7 if len(ys) else np.zeros(0)
    way_ptr = np.frombuffer(ptr, dtype=np.int64)
    west, south, east, north = bbox
    in_box = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    n_ways = len(way_ptr) - 1
    keep = np.zeros(n_ways, dtype=bool)
    if n_ways:
        keep = np.logical_or.reduceat(in_box, way_ptr[:-1]) if len(in_box) else keep
    return _ways_from_lists(_FlatNodes(r, lon, lat, way_ptr), tag_rows, signals, node_tags, keep, _file_timestamp(path))


def read_geojson_ways(path: Path, allowed: set[str] | frozenset[str]) -> RawWays:
    """An Overpass(-turbo) GeoJSON export: LineString ways; shared coordinates (to 1e-7°) are shared nodes."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    ids: dict[tuple[float, float], int] = {}
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    ptr = [0]
    tag_rows: list[dict[str, str]] = []
    points: list[tuple[tuple[float, float], dict[str, str]]] = []
    for k, f in enumerate(doc.get("features", [])):
        geom = f.get("geometry") or {}
        props = {str(a): str(b) for a, b in (f.get("properties") or {}).items()}
        if geom.get("type") == "LineString":
            if not way_passes(props, allowed):
                continue
            for c in geom["coordinates"]:
                key = (round(float(c[0]), 7), round(float(c[1]), 7))
                refs.append(ids.setdefault(key, len(ids) + 1))
                lon.append(key[0])
                lat.append(key[1])
            ptr.append(len(refs))
            osm_id = str(props.get("@id", f.get("id", "")))
            wid = osm_id.split("/")[-1] if osm_id.split("/")[-1].isdigit() else str(k + 1)
            tag_rows.append({"osm_id": wid, **{a: b for a, b in props.items() if a in WAY_TAGS}})
        elif geom.get("type") == "Point":
            c = geom["coordinates"]
            points.append(((round(float(c[0]), 7), round(float(c[1]), 7)), props))
    signals: set[int] = set()
    node_tags: dict[int, dict[str, str]] = {}
    for key, props in points:
        if key in ids:
            node_tags[ids[key]] = {a: b for a, b in props.items() if a in NODE_TAGS}
            if props.get("highway") == "traffic_signals":
                signals.add(ids[key])
    way_ptr = np.asarray(ptr, dtype=np.int64)
    keep = np.diff(way_ptr) >= 2
    ways = _ways_from_lists(
        _FlatNodes(np.asarray(refs, dtype=np.int64), np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), way_ptr),
        tag_rows,
        signals,
        node_tags,
        keep,
        str(doc.get("timestamp", ""))[:10] or None,
    )
    # every tagged point on a way keeps its tags for the XML writer (the osmnx path reads them)
    used = set(ways.node_osm_id.tolist())
    ways.node_tags = {k: v for k, v in node_tags.items() if k in used}
    return ways


def read_ways(path: Path, polygon: Polygon | MultiPolygon, *, road_filter: str = "drive") -> RawWays:
    """The drive ways of a local file (.osm.pbf, .osm, or an Overpass .geojson export) around ``polygon``.

    Raises ``InputError`` for a missing file or an unknown format, ``DataError`` when no drive road is
    inside the area's bounding box.
    """
    if not path.exists():
        raise InputError(str(path), "--path", missing_file_reason(path))
    allowed = frozenset(ROAD_FILTERS[road_filter])
    name = path.name.lower()
    if name.endswith((".geojson", ".json")):
        ways = read_geojson_ways(path, allowed)
    elif name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")):
        ways = read_pbf_ways(path, polygon.bounds, allowed)
    else:
        raise InputError(str(path), "--path", "expected an .osm.pbf, .osm or Overpass .geojson file")
    if ways.n_ways == 0:
        raise DataError(f"{path}: no drive roads ({road_filter} filter) inside the study area {tuple(round(b, 3) for b in polygon.bounds)}")
    return ways


# --------------------------------------------------------------------------------------------------
# RawGraph: the unsimplified directed graph as arrays
# --------------------------------------------------------------------------------------------------


@dataclass
class RawGraph:
    """The unsimplified directed road graph (osmnx semantics) as arrays.

    Nodes 0..n-1: node_osm_id, lon, lat, signal. Edges: u -> v, ``tag`` = row of ``tags`` (highway,
    name, ref, maxspeed, "" if absent, and oneway as bool) and great-circle ``length_m``.
    """

    node_osm_id: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    signal: npt.NDArray[np.bool_]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    tag: npt.NDArray[np.int64]
    length_m: npt.NDArray[np.float64]
    tags: pd.DataFrame

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.lon)


def great_circle_m(lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distance (m) with osmnx's formula and Earth radius."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dy = y2 - y1
    dx = np.deg2rad(lon2) - np.deg2rad(lon1)
    h = np.sin(dy / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    h = np.minimum(1.0, h)
    return np.asarray(2 * np.arcsin(np.sqrt(h)) * EARTH_RADIUS_M, dtype=float)


def raw_graph(ways: RawWays) -> RawGraph:
    """The directed graph of ``ways`` as osmnx builds it (graph._add_paths), with arrays."""
    n_ways = ways.n_ways
    lengths = np.diff(ways.way_ptr)
    pos_way = np.repeat(np.arange(n_ways), lengths)
    nodes = ways.way_node
    # consecutive duplicate nodes in a way are dropped
    keep = np.ones(len(nodes), dtype=bool)
    keep[1:] = ~((nodes[1:] == nodes[:-1]) & (pos_way[1:] == pos_way[:-1]))
    nodes, pos_way = nodes[keep], pos_way[keep]
    seg = np.flatnonzero(pos_way[1:] == pos_way[:-1])
    a, b, w = nodes[seg], nodes[seg + 1], pos_way[seg]
    oneway_tag = ways.tags["oneway"].to_numpy(dtype=object)
    junction = ways.tags["junction"].to_numpy(dtype=object)
    one = np.isin(oneway_tag, list(ONEWAY_VALUES)) | (junction == "roundabout")
    rev = one & np.isin(oneway_tag, list(REVERSED_VALUES))
    # a reversed one-way way runs against its drawing order
    fu = np.where(rev[w], b, a)
    fv = np.where(rev[w], a, b)
    two = ~one[w]
    u = np.concatenate([fu, fv[two]])
    v = np.concatenate([fv, fu[two]])
    tag = np.concatenate([w, w[two]])
    tags = ways.tags[["highway", "name", "ref", "maxspeed"]].copy()
    tags["oneway"] = one
    tags["osm_id"] = ways.tags["osm_id"]
    length = great_circle_m(ways.lat[u], ways.lon[u], ways.lat[v], ways.lon[v])
    return RawGraph(
        node_osm_id=ways.node_osm_id,
        lon=ways.lon,
        lat=ways.lat,
        signal=ways.signal,
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        tag=tag.astype(np.int64),
        length_m=length,
        tags=tags.reset_index(drop=True),
    )


def _tag_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, list):
        return ";".join(sorted({str(v) for v in value}))
    return str(value)


def raw_graph_from_osmnx(G: Any) -> RawGraph:
    """An unsimplified osmnx graph (e.g. an Overpass download) as a ``RawGraph``."""
    node_ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    index = {int(n): i for i, n in enumerate(node_ids)}
    lon = np.array([G.nodes[n]["x"] for n in node_ids], dtype=float)
    lat = np.array([G.nodes[n]["y"] for n in node_ids], dtype=float)
    signal = np.array([G.nodes[n].get("highway") == "traffic_signals" for n in node_ids], dtype=bool)
    rows: dict[tuple[str, str, str, str, bool], int] = {}
    u, v, tag, length = [], [], [], []
    for a, b, data in G.edges(data=True):
        key = (
            _tag_text(data.get("highway")),
            _tag_text(data.get("name")),
            _tag_text(data.get("ref")),
            _tag_text(data.get("maxspeed")),
            bool(data.get("oneway", False)),
        )
        u.append(index[int(a)])
        v.append(index[int(b)])
        tag.append(rows.setdefault(key, len(rows)))
        length.append(float(data.get("length", np.nan)))
    tags = pd.DataFrame(list(rows), columns=["highway", "name", "ref", "maxspeed", "oneway"])
    tags["osm_id"] = ""
    ua, va = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    la = np.asarray(length, dtype=float)
    missing = ~np.isfinite(la)
    la[missing] = great_circle_m(lat[ua[missing]], lon[ua[missing]], lat[va[missing]], lon[va[missing]])
    return RawGraph(node_ids, lon, lat, signal, ua, va, np.asarray(tag, dtype=np.int64), la, tags)


def clip_to_polygon(g: RawGraph, polygon: Polygon | MultiPolygon) -> RawGraph:
    """Keep nodes inside ``polygon`` and their direct neighbours (osmnx ``truncate_graph_polygon`` with
    ``truncate_by_edge=True``), and the edges between kept nodes; drop nodes left without edges."""
    inside = inside_polygon(polygon, g.lon, g.lat)
    near = inside.copy()
    near[g.u[inside[g.v]]] = True
    near[g.v[inside[g.u]]] = True
    keep_e = near[g.u] & near[g.v]
    used = np.zeros(g.n_nodes, dtype=bool)
    used[g.u[keep_e]] = True
    used[g.v[keep_e]] = True
    new_id = np.cumsum(used) - 1
    return RawGraph(
        node_osm_id=g.node_osm_id[used],
        lon=g.lon[used],
        lat=g.lat[used],
        signal=g.signal[used],
        u=new_id[g.u[keep_e]],
        v=new_id[g.v[keep_e]],
        tag=g.tag[keep_e],
        length_m=g.length_m[keep_e],
        tags=g.tags,
    )


# --------------------------------------------------------------------------------------------------
# the osmnx path: Overpass downloads, and local files through .osm XML
# --------------------------------------------------------------------------------------------------


@contextmanager
def _osmnx_settings(**changes: Any) -> Iterator[None]:
    import osmnx as ox  # heavy (osmnx): only when building from OSM

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
    import osmnx as ox  # heavy (osmnx): only when building from OSM

    changes: dict[str, Any] = {}
    if overpass_url:
        changes["overpass_url"] = overpass_url
    if http_cache_dir is not None and str(ox.settings.cache_folder) in {"./cache", "cache"}:
        changes["cache_folder"] = str(http_cache_dir)
    with _osmnx_settings(**changes):
        url = str(ox.settings.overpass_url)
        check_overpass_reachable(url)  # one line, not a minute of retries and a traceback, when offline
        log.info("Overpass: downloading the %s network from %s", road_filter, url)
        with overpass_errors(url):
            return ox.graph_from_polygon(
                polygon,
                network_type="drive",
                simplify=False,
                retain_all=True,
                truncate_by_edge=True,
                custom_filter=overpass_filter(road_filter),
            )


def write_osm_xml(ways: RawWays, path: Path) -> None:
    """Write ``ways`` (and their nodes, with signal tags) as an .osm file with pyosmium."""
    import osmium  # heavy (osmium): only when reading OSM files
    from osmium.osm.mutable import Node, Way  # heavy (osmium): only when reading OSM files

    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    try:
        for k in range(len(ways.node_osm_id)):
            nid = int(ways.node_osm_id[k])
            writer.add_node(Node(id=nid, location=(float(ways.lon[k]), float(ways.lat[k])), tags=ways.node_tags.get(nid, {}), version=1))
        tag_cols = [c for c in WAY_TAGS if c in ways.tags.columns]
        records = ways.tags[["osm_id", *tag_cols]].to_dict("records")
        order = sorted(range(ways.n_ways), key=lambda k: int(records[k]["osm_id"]))
        for k in order:
            refs = ways.node_osm_id[ways.way_node[ways.way_ptr[k] : ways.way_ptr[k + 1]]].tolist()
            tags = {c: str(records[k][c]) for c in tag_cols if records[k][c] != ""}
            writer.add_way(Way(id=int(records[k]["osm_id"]), nodes=refs, tags=tags, version=1))
    finally:
        writer.close()


def graph_from_file(path: Path, polygon: Polygon | MultiPolygon, *, road_filter: str = "drive") -> tuple[Any, str | None]:
    """Raw (unsimplified) osmnx graph of the drive ways in a local OSM file, clipped to ``polygon``.

    The small-area path: reads the file into ``RawWays``, writes them as .osm XML and builds the graph
    with ``osmnx.graph_from_xml``, then ``truncate_graph_polygon``. Returns the graph and the file's
    snapshot date if it has one.
    """
    import osmnx as ox  # heavy (osmnx): only when building from OSM

    ways = read_ways(path, polygon, road_filter=road_filter)
    with tempfile.TemporaryDirectory(prefix="czt-osm-") as tmp:
        xml = Path(tmp) / "roads.osm"
        write_osm_xml(ways, xml)
        G = ox.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True)
    G = ox.truncate.truncate_graph_polygon(G, polygon, truncate_by_edge=True)
    return G, ways.timestamp
