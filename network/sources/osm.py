"""Tiers 2 and 3: the full OpenStreetMap road network, from Overpass or a local extract, cached on disk.

Pipeline, by job (one module each; every public name is importable from here too)::

    Overpass (osmnx) ─────────────────────────┐              osm_read: road filter, readers, RawGraph
    .osm.pbf / .osm (pyosmium) ─┐              │
    Overpass .geojson export ───┴─► RawWays ──┴─► RawGraph ─► clip to the study area (osm_area)
        ─► simplify ─► project to UTM 49N ─► consolidate intersections (~20 m) ─► largest strongly
           connected component                                        (osm_simplify)
        ─► China speed profile (class by highway + urban/rural context, tagged maxspeed as a cap,
           signal delay) ─► ``RoadNetwork``                            (osm_profile)
        ─► <cache>/osm/<key>/ (CSV + manifest with sha256)           (osm_cache)
    rail station points matched to the curated stations              (osm_stations)

Two implementations of the cleaning step (``pipeline``): ``"arrays"`` (NumPy/SciPy/numba, linear in the
graph; the default for local files, needed at study-area size) and ``"osmnx"`` (``simplify_graph`` +
``consolidate_intersections``; the default for Overpass downloads, fine for small areas). They agree on
the real NE Changsha fixture (tests/sources/test_osm_arrays.py). The result has the same shape as the embedded
tier (``network.model.graph.RoadNetwork``), so everything downstream is tier-blind.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from tqdm import tqdm

from network._errors import DataError, InputError, missing_file_reason
from network.model.graph import RoadNetwork
from network.paths import CACHE_ENV
from network.sources.osm_area import STUDY_AREA_BUFFER_M, STUDY_AREA_SIMPLIFY_M, area_digest, bbox_polygon, study_area_polygon
from network.sources.osm_cache import (
    CACHE_FORMAT,
    CacheCorrupt,
    cache_entries,
    cache_key,
    cache_root,
    read_cache,
    read_manifest,
    sha256_file,
    write_cache,
)
from network.sources.osm_profile import (
    OPERATING_SHARE_OF_LIMIT,
    classify_edges,
    network_report,
    road_network_from_simple,
    speed_cap_kph,
    to_road_network,
)
from network.sources.osm_read import (
    ROAD_FILTERS,
    RawGraph,
    RawWays,
    clip_to_polygon,
    graph_from_file,
    graph_from_overpass,
    overpass_filter,
    raw_graph,
    raw_graph_from_osmnx,
    read_ways,
)
from network.sources.osm_simplify import (
    CONSOLIDATE_TOLERANCE_M,
    Component,
    SimpleGraph,
    clean_arrays,
    consolidate_arrays,
    largest_component_arrays,
    simplify_and_consolidate,
    simplify_arrays,
)
from network.sources.osm_stations import STATION_TYPES_OF_KIND, match_rail_stations, normalise_station_name, read_osm_stations

__all__ = [
    "BuildOptions",
    "BUILD_COMMAND",
    "CACHE_ENV",
    "CACHE_FORMAT",
    "CONSOLIDATE_TOLERANCE_M",
    "OPERATING_SHARE_OF_LIMIT",
    "PIPELINES",
    "ROAD_FILTERS",
    "STATION_TYPES_OF_KIND",
    "STUDY_AREA_BUFFER_M",
    "STUDY_AREA_SIMPLIFY_M",
    "TIER_OF_SOURCE",
    "CacheCorrupt",
    "Component",
    "RawGraph",
    "RawWays",
    "RoadNetwork",
    "SimpleGraph",
    "bbox_polygon",
    "build_osm_network",
    "cache_entries",
    "cache_key",
    "cache_root",
    "classify_edges",
    "clean_arrays",
    "clip_to_polygon",
    "consolidate_arrays",
    "graph_from_file",
    "graph_from_overpass",
    "iter_reports",
    "largest_component_arrays",
    "load_cached_osm_roads",
    "match_rail_stations",
    "network_from_file",
    "network_report",
    "normalise_station_name",
    "overpass_filter",
    "raw_graph",
    "raw_graph_from_osmnx",
    "read_cache",
    "read_manifest",
    "read_osm_stations",
    "read_ways",
    "road_network_from_simple",
    "simplify_and_consolidate",
    "simplify_arrays",
    "speed_cap_kph",
    "study_area_polygon",
    "to_road_network",
    "write_cache",
]

log = logging.getLogger(__name__)

Source = Literal["overpass", "pbf"]
Pipeline = Literal["arrays", "osmnx"]
PIPELINES: Final[tuple[str, ...]] = ("arrays", "osmnx")
TIER_OF_SOURCE: Final[dict[str, str]] = {"overpass": "osm-overpass", "pbf": "osm-pbf"}
DEFAULT_PIPELINE: Final[dict[str, str]] = {"overpass": "osmnx", "pbf": "arrays"}
BUILD_COMMAND: Final[str] = "run_scenario.py network build --source overpass   (or --source pbf --path hunan-latest.osm.pbf)"


@dataclass(frozen=True)
class BuildOptions:
    """How an OSM road network is read, cleaned and cached (see :func:`build_osm_network`).

    ``overpass_url``: Overpass API endpoint (default: osmnx's); ``road_filter``: ``"drive"`` (all classes) or
    ``"main"`` (tertiary and above); ``tolerance_m``: intersection consolidation tolerance (UTM metres; 0 =
    none); ``component``: which connected component to keep (see ``simplify_and_consolidate``);
    ``pipeline``: ``"arrays"`` or ``"osmnx"`` cleaning (None: arrays for files, osmnx for Overpass);
    ``snapshot_date``: the data date (default: today for Overpass, the file's timestamp or mtime for a file);
    ``max_age_days``: an Overpass cache entry younger than this is reused (``refresh`` forces a download);
    ``cache_dir``: cache root (default ``$CZT_CACHE_DIR``, else the user cache folder: ``network.paths.cache_dir``).
    """

    overpass_url: str | None = None
    road_filter: str = "drive"
    tolerance_m: float = CONSOLIDATE_TOLERANCE_M
    component: Component = "strong"
    pipeline: Pipeline | None = None
    snapshot_date: str | None = None
    max_age_days: int = 30
    refresh: bool = False
    cache_dir: Path | None = None


def network_from_file(
    path: Path,
    polygon: Polygon | MultiPolygon,
    *,
    options: BuildOptions = BuildOptions(),
    tier: str = "osm-pbf",
    snapshot: str | None = None,
    centres: pd.DataFrame | None = None,
) -> tuple[RoadNetwork, str | None]:
    """The cleaned ``RoadNetwork`` of a local file (no cache), and the file's snapshot date if it has one.

    ``options.pipeline`` ``"arrays"`` (the default here) reads the file straight into arrays and cleans them
    there; ``"osmnx"`` goes through .osm XML, ``osmnx.graph_from_xml`` and ``simplify_and_consolidate``.
    """
    road_filter, tolerance_m, component = options.road_filter, options.tolerance_m, options.component
    pipeline = options.pipeline or "arrays"
    if pipeline == "osmnx":
        G, stamp = graph_from_file(path, polygon, road_filter=road_filter)
        G = simplify_and_consolidate(G, tolerance_m=tolerance_m, component=component)
        return to_road_network(G, tier=tier, snapshot=snapshot or f"OpenStreetMap extract {path.name}", centres=centres), stamp
    ways = read_ways(path, polygon, road_filter=road_filter)
    g = clip_to_polygon(raw_graph(ways), polygon)
    if len(g.u) == 0:
        raise DataError(f"{path}: no drive roads ({road_filter} filter) inside the study area")
    s = clean_arrays(g, tolerance_m=tolerance_m, component=component)
    return road_network_from_simple(s, tier=tier, snapshot=snapshot or f"OpenStreetMap extract {path.name}", centres=centres), ways.timestamp


def build_osm_network(
    source: Source,
    *,
    path: Path | None = None,
    polygon: Polygon | MultiPolygon | None = None,
    options: BuildOptions = BuildOptions(),
    centres: pd.DataFrame | None = None,
) -> tuple[RoadNetwork, Path]:
    """Build (or reuse from the cache) the full OSM road network of the study area.

    Parameters
    ----------
    source : ``"overpass"`` (download with osmnx) or ``"pbf"`` (a local .osm.pbf, .osm or Overpass .geojson)
    path : the local file (``source="pbf"``)
    polygon : study area in WGS-84 (default: ``study_area_polygon()``)
    options : reading, cleaning and cache settings (:class:`BuildOptions`)

    Returns
    -------
    The network and its cache entry directory.
    """
    overpass_url, road_filter, tolerance_m, component = options.overpass_url, options.road_filter, options.tolerance_m, options.component
    pipeline, snapshot_date, max_age_days, refresh = options.pipeline, options.snapshot_date, options.max_age_days, options.refresh
    cache_dir = options.cache_dir
    if source not in TIER_OF_SOURCE:
        raise InputError("<command line>", "--source", f"got {source!r}; expected 'overpass' or 'pbf'")
    if road_filter not in ROAD_FILTERS:
        raise InputError("<command line>", "--filter", f"got {road_filter!r}; expected one of {sorted(ROAD_FILTERS)}")
    pipeline = pipeline or DEFAULT_PIPELINE[source]  # type: ignore[assignment]
    if pipeline not in PIPELINES:
        raise InputError("<command line>", "--pipeline", f"got {pipeline!r}; expected one of {list(PIPELINES)}")
    polygon = study_area_polygon() if polygon is None else polygon
    area = area_digest(polygon)
    root = cache_root(cache_dir)
    if source == "pbf":
        if path is None:
            raise InputError("<command line>", "--path", "--source pbf needs --path FILE (.osm.pbf, .osm or Overpass .geojson)")
        if not path.exists():
            raise InputError(str(path), "--path", missing_file_reason(path))
        source_id = f"{path.name}:{sha256_file(path)[:16]}"
    else:
        import osmnx as ox  # heavy (osmnx): only when building from OSM

        source_id = overpass_url or str(ox.settings.overpass_url)
    request = {
        "source": source,
        "path": str(path.resolve()) if path else None,
        "overpass_url": overpass_url,
        "road_filter": road_filter,
        "tolerance_m": tolerance_m,
        "component": component,
        "pipeline": pipeline,
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
            same = all(req.get(k) == request[k] for k in ("source", "source_id", "area", "road_filter", "tolerance_m", "component", "pipeline"))
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

    stages = ["download" if source == "overpass" else "read", "simplify+consolidate", "classify", "write cache"]
    with tqdm(total=len(stages), desc="network build", unit="stage", disable=None) as bar:
        bar.set_postfix_str(stages[0])
        G: Any = None
        g: RawGraph | None = None
        if source == "overpass":
            G = graph_from_overpass(polygon, road_filter=road_filter, overpass_url=overpass_url, http_cache_dir=root / "overpass-http")
            snap_date = snapshot_date or date.today().isoformat()
            host = source_id.split("//")[-1].split("/")[0]
            snapshot = f"OpenStreetMap via Overpass API ({host}), downloaded {snap_date}"
            if pipeline == "arrays":
                g, G = raw_graph_from_osmnx(G), None
        else:
            assert path is not None
            if pipeline == "arrays":
                ways = read_ways(path, polygon, road_filter=road_filter)
                file_date = ways.timestamp
                g = clip_to_polygon(raw_graph(ways), polygon)
                log.info("read %s: %d ways, %d node references; %d nodes, %d directed edges in the area", path.name, ways.n_ways, ways.raw_nodes_read, g.n_nodes, len(g.u))
                del ways
                if len(g.u) == 0:
                    raise DataError(f"{path}: no drive roads ({road_filter} filter) inside the study area")
            else:
                G, file_date = graph_from_file(path, polygon, road_filter=road_filter)
            snap_date = snapshot_date or file_date or datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
            snapshot = f"OpenStreetMap extract {path.name} ({snap_date})"
        bar.update(1)
        bar.set_postfix_str(stages[1])
        if g is not None:
            s = clean_arrays(g, tolerance_m=tolerance_m, component=component)
            del g
        else:
            G = simplify_and_consolidate(G, tolerance_m=tolerance_m, component=component)
        bar.update(1)
        bar.set_postfix_str(stages[2])
        if G is None:
            roads = road_network_from_simple(s, tier=TIER_OF_SOURCE[source], snapshot=snapshot, centres=centres)
        else:
            roads = to_road_network(G, tier=TIER_OF_SOURCE[source], snapshot=snapshot, centres=centres)
        bar.update(1)
        bar.set_postfix_str(stages[3])
        request["snapshot_date"] = snap_date
        key = cache_key(
            source=source,
            source_id=source_id,
            area=area,
            road_filter=f"{road_filter}/{component}/{pipeline}",
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
                again = BuildOptions(
                    overpass_url=req.get("overpass_url"),
                    road_filter=req["road_filter"],
                    tolerance_m=float(req["tolerance_m"]),
                    component=req.get("component", "strong"),
                    pipeline=req.get("pipeline"),
                    snapshot_date=req.get("snapshot_date") if req["source"] == "pbf" else None,
                    refresh=True,
                    cache_dir=root,
                )
                roads, new_entry = build_osm_network(
                    req["source"],
                    path=Path(req["path"]) if req.get("path") else None,
                    polygon=shapely.from_wkt(req["polygon_wkt"]),
                    options=again,
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



def iter_reports(cache_dir: Path | None = None) -> Iterable[tuple[Path, dict[str, Any]]]:
    """(entry, report) of every readable cache entry, newest first."""
    for entry in cache_entries(cache_dir):
        try:
            yield entry, read_manifest(entry).get("report", {})
        except CacheCorrupt:
            continue
