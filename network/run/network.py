"""The ``network`` workflows: build (or reuse) the full OpenStreetMap road network, list the cache, match stations."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from network._errors import InputError
from network.model.rail import load_rail
from network.model.region import load_region
from network.sources.osm import (
    BuildOptions,
    RoadNetwork,
    Source,
    bbox_polygon,
    build_osm_network,
    iter_reports,
    match_rail_stations,
    network_report,
    read_osm_stations,
)
from network.sources.osm_coverage import Coverage, extract_coverage

NetworkBuildOptions = BuildOptions
"""How ``network build`` reads, cleans and caches (``network.sources.osm.BuildOptions``)."""


@dataclass(frozen=True)
class NetworkBuildResult:
    """A built (or reused) OSM road network: the roads, where they are cached, their report and coverage."""

    roads: RoadNetwork
    cache_entry: Path
    report: dict[str, Any]
    coverage: Coverage


def build_network(
    source: Source,
    *,
    path: Path | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    options: NetworkBuildOptions = NetworkBuildOptions(),
) -> NetworkBuildResult:
    """Download (Overpass) or read (a local .osm.pbf, .osm or Overpass .geojson) the roads, simplify and cache them.

    Parameters
    ----------
    source
        ``overpass`` or ``pbf``.
    path
        The local file (``source="pbf"``).
    bbox
        (west, south, east, north) instead of the study area of ``data/zones.geojson``.
    options
        Cleaning and cache settings (:class:`NetworkBuildOptions`).

    Returns
    -------
    NetworkBuildResult
        The roads, their cache entry, the network report and the study-area coverage.

    Raises
    ------
    InputError
        ``source="pbf"`` without ``path``.
    """
    if source == "pbf" and path is None:
        raise InputError("--path", "path", "--source pbf needs --path FILE")
    t0 = time.perf_counter()
    roads, entry = build_osm_network(source, path=path, polygon=bbox_polygon(*bbox) if bbox is not None else None, options=options)
    coverage = extract_coverage(roads, load_region())
    report = {
        **network_report(roads),
        "coverage": coverage.to_dict(),
        "cache_entry": str(entry),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return NetworkBuildResult(roads=roads, cache_entry=entry, report=report, coverage=coverage)


def network_reports(cache_dir: Path | None = None) -> list[dict[str, Any]]:
    """The report of every cached OSM network, newest first (``entry`` names its cache folder).

    Parameters
    ----------
    cache_dir
        The cache root; default ``$CZT_CACHE_DIR`` or ``<repo>/cache``.

    Returns
    -------
    list[dict]
        One report per cached network, newest first.
    """
    return [{"entry": str(p), **rep} for p, rep in iter_reports(cache_dir)]


def match_stations(path: Path) -> pd.DataFrame:
    """OSM railway station points (a GeoJSON export) matched to the curated rail stations: one row per
    curated station with ``kind``, ``method`` (``none`` = unmatched) and the OSM point it matched.

    Parameters
    ----------
    path
        A GeoJSON export of OSM ``railway=station`` points (properties ``name``, ``station``).

    Returns
    -------
    pandas.DataFrame
        One row per curated station and how it matched.

    Raises
    ------
    InputError
        ``path`` does not exist.
    """
    if not path.exists():
        raise InputError(str(path), "--path", "file does not exist")
    rail = load_rail()
    return match_rail_stations(read_osm_stations(path), rail.stops, rail.lines)
