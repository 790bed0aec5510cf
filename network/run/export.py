"""Export one scenario for other tools: GeoPackage / GeoParquet layers and OMX skims.

``run_scenario.py export`` (``network/cli/export.py``) calls :func:`export_scenario`; everything lands
in ``outputs/<scenario>/`` with a JSON manifest naming tier, snapshot, attribution and assumptions.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from network import OSM_ATTRIBUTION, __version__
from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import evaluate
from network.analysis.od_matrix import Points, grid_points, load_points, od_minutes, zone_centroids
from network.model.graph import NetworkState
from network.model.rail import RailNetwork
from network.model.region import load_region
from network.outputs.files import atomic_write_text, dumps_metrics, write_table
from network.outputs.gis import (
    PERIODS,
    LayerMeta,
    edits_layer,
    grid_layer,
    road_layer,
    station_layer,
    transit_line_layer,
    write_geoparquet,
    write_gpkg,
    zone_layer,
)
from network.outputs.gtfs_out import FeedMeta, state_services, write_feed
from network.outputs.skims import id_table, write_omx
from network.paths import output_dir as default_output_dir
from network.scenario.catalogue import catalogue_frame, load_catalogue
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario, find_scenario_file, load_scenario
from network.scenario.services import assumed_notes

log = logging.getLogger(__name__)
PointsChoice = Literal["zones", "grid"] | Path


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: file paths, layer row counts, skim matrix names, and the notes shown to the user."""

    scenario: str
    files: list[Path] = field(default_factory=list)
    layer_rows: dict[str, int] = field(default_factory=dict)
    skims: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def assumed_services(rail: RailNetwork) -> dict[str, str]:
    """Services whose run times or headways rest on assumptions (their data note says so), with the note."""
    return assumed_notes(rail)


def calendar_dates(year: int | None) -> tuple[str, str]:
    """The exported feed's service dates (YYYYMMDD): the scenario's year, 1 January to 31 December; a
    scenario without a year (the network as surveyed) from the data snapshot's year to 2030."""
    if year is not None:
        return f"{year}0101", f"{year}1231"
    return FeedMeta.start_date, FeedMeta.end_date


def export(scenario: str | Path, exports: Exports, *, output_dir: Path | None = None) -> ExportResult:
    """Write a scenario's services (GTFS), layers (GeoPackage, GeoParquet) and skims (OMX) to ``output_dir/<name>/``.

    Parameters
    ----------
    scenario
        A scenario name or path.
    exports
        What to write (:class:`Exports`).
    output_dir
        The outputs folder (None: ``network.paths.output_dir()``).

    Returns
    -------
    ExportResult
        The files written, the layers' row counts, the skim matrices' names and the notes.
    """
    path = find_scenario_file(str(scenario))
    return export_scenario(load_scenario(path), exports, file=str(path), output_dir=output_dir)


def layer_meta(scenario: Scenario, state: NetworkState) -> LayerMeta:
    """Provenance stamped on every exported layer and file."""
    assumed = assumed_services(state.rail)
    notes = tuple(f"{lid}: headway or run time assumed" for lid in sorted(assumed))
    return LayerMeta(
        scenario=scenario.name,
        title=scenario.title,
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
        period=scenario.period,
        year=state.year,
        attribution=OSM_ATTRIBUTION,
        assumptions=notes,
    )


def gis_layers(scenario: Scenario, state: NetworkState) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the GIS export for ``state`` (evaluates the scenario once)."""
    region = load_region()
    ev = evaluate(state, region)
    iso = isochrone_polygons(ev.cell_minutes, region, scenario.thresholds_minutes)
    projects = catalogue_frame(load_catalogue(), state.rail.stops, active=set(state.projects))
    return {
        "roads": road_layer(state),
        "transit_lines": transit_line_layer(state.rail, assumed_services(state.rail)),
        "stations": station_layer(state.rail),
        "zones": zone_layer(ev.cell_minutes, region),
        "grid_cells": grid_layer(ev.cell_minutes, region),
        "isochrones": iso,
        "projects": projects,
        "edits": edits_layer(list(scenario.add), state.rail),
    }


def skim_points(choice: PointsChoice, *, grid_km: float) -> tuple[Points, str]:
    """The points to skim between and the name of their OMX mapping."""
    if choice == "zones":
        return zone_centroids(load_region()), "zone_id"
    if choice == "grid":
        return grid_points(load_region(), block_km=grid_km), "cell_id"
    assert isinstance(choice, Path)
    return load_points(choice), "point_id"


def skim_matrices(
    state: NetworkState, points: Points, periods: list[str], *, check_reach: bool = True
) -> tuple[dict[str, npt.NDArray[np.float64]], dict[str, Any]]:
    """``<mode>_<period>`` minute matrices between ``points`` (the ``matrix`` command's computation per period)."""
    out: dict[str, npt.NDArray[np.float64]] = {}
    info: dict[str, Any] = {}
    for period in periods:
        st = state if period == state.params.period else state.with_params(period=period)
        minutes, how = od_minutes(st, points, check_reach=check_reach)
        for mode in ("car", "transit", "best"):
            out[f"{mode}_{period}"] = minutes[mode]
        info[period] = how
    return out, info


@dataclass(frozen=True)
class Exports:
    """Which exports to write.

    ``gtfs``: ``gtfs.zip``, the scenario's rail, metro and GTFS services as a frequency-based GTFS feed.
    ``gpkg`` / ``parquet``: ``<name>.gpkg`` (all layers in one file) and/or ``layers/<layer>.parquet`` (GeoParquet).
    ``skims``: ``skims.omx``, ``<mode>_<period>`` minute matrices between ``points`` (zones, grid blocks of
    ``grid_km`` km, or a CSV of id,lon,lat), and ``skims_points.csv`` beside it; ``periods`` to skim
    (default: both ``am_peak`` and ``off_peak``).
    """

    gtfs: bool = False
    gpkg: bool = False
    parquet: bool = False
    skims: bool = False
    points: PointsChoice = "zones"
    grid_km: float = 5.0
    periods: list[str] | None = None

    @property
    def any(self) -> bool:
        """True when at least one export is asked for."""
        return self.gtfs or self.gpkg or self.parquet or self.skims


def export_scenario(scenario: Scenario, exports: Exports, *, file: str = "<scenario>", output_dir: Path | None = None) -> ExportResult:
    """Resolve ``scenario`` and write the requested exports to ``output_dir/<name>/``.

    Parameters
    ----------
    scenario
        The validated scenario.
    exports
        What to write (:class:`Exports`).
    file
        The scenario's file, named in error messages.
    output_dir
        The outputs folder.

    Returns
    -------
    ExportResult
    """
    gtfs, gpkg, parquet, skims = exports.gtfs, exports.gpkg, exports.parquet, exports.skims
    points, grid_km, periods = exports.points, exports.grid_km, exports.periods
    state = resolve_state(scenario, file=file)
    out = (output_dir if output_dir is not None else default_output_dir()) / scenario.name
    meta = layer_meta(scenario, state)
    result = ExportResult(scenario=scenario.name)
    manifest: dict[str, Any] = {
        "scenario": scenario.name,
        "title": scenario.title,
        "network": {"tier": state.roads.tier, "snapshot": state.roads.snapshot},
        "period": scenario.period,
        "year": state.year,
        "attribution": OSM_ATTRIBUTION,
        "assumptions": list(meta.assumptions),
        "tool_version": __version__,
        "files": {},
    }
    if gtfs:
        stops, services = state_services(state)
        path = out / "gtfs.zip"
        notes = [
            f"scenario {scenario.name} ({scenario.title}); network tier {state.roads.tier}; data snapshot {state.roads.snapshot}",
            f"{OSM_ATTRIBUTION} (road network the services were modelled on)",
            "frequency-based: one template trip per direction and period (am_peak 07:00-09:00, off_peak 10:00-16:00); "
            "run times and dwells as the planner models them",
            *(f"assumed: {a}" for a in meta.assumptions),
        ]
        start, end = calendar_dates(state.year)
        fm = FeedMeta(
            publisher="Chang-Zhu-Tan half-hour-circle planner",
            url="https://www.openstreetmap.org/copyright",
            version=f"{scenario.name}-{__version__}",
            start_date=start,
            end_date=end,
            notes=notes,
        )
        write_feed(path, stops, services, fm)
        result.files.append(path)
        manifest["files"][path.name] = {"format": "GTFS (frequency-based)", "routes": len(services), "stops": len(stops)}
    if gpkg or parquet:
        t0 = time.perf_counter()
        layers = gis_layers(scenario, state)
        result.layer_rows.update({k: int(len(v)) for k, v in layers.items()})
        if gpkg:
            path = out / f"{scenario.name}.gpkg"
            write_gpkg(path, layers, meta)
            result.files.append(path)
            manifest["files"][path.name] = {"format": "GeoPackage", "layers": result.layer_rows, "crs": "EPSG:4326"}
        if parquet:
            for path in write_geoparquet(out / "layers", layers, meta):
                result.files.append(path)
                manifest["files"][f"layers/{path.name}"] = {
                    "format": "GeoParquet",
                    "rows": result.layer_rows[path.stem],
                    "crs": "EPSG:4326",
                }
        log.info("layers in %.1f s", time.perf_counter() - t0)
    if skims:
        pts, mapping = skim_points(points, grid_km=grid_km)
        use = periods or list(PERIODS)
        mats, info = skim_matrices(state, pts, use, check_reach=points != "grid")  # grid blocks, like cells, may lie far from the skeleton
        path = out / "skims.omx"
        attrs = {
            "scenario": scenario.name,
            "network_tier": state.roads.tier,
            "data_snapshot": state.roads.snapshot,
            "attribution": OSM_ATTRIBUTION,
            "points": pts.source,
            "definition": "door-to-door minutes between the points (snapped to the 3 nearest nodes with an access leg), "
            "car / transit / best (the faster of the two), per period",
            "assumptions": "; ".join(meta.assumptions) or "none",
        }
        written = write_omx(path, pts.ids, mats, mapping_name=mapping, attributes=attrs)
        ids_path = out / "skims_points.csv"
        write_table(id_table(pts.ids, pts.lon, pts.lat, written), ids_path)
        result.files.extend([path, ids_path])
        result.skims.extend(mats)
        if written != mapping:
            result.notes.append(f"point ids are not all whole numbers: the OMX mapping is 'seq' (1..n); {ids_path.name} lists id ↔ seq")
        manifest["files"][path.name] = {
            "format": "OMX",
            "matrices": list(mats),
            "mapping": written,
            "points": {"source": pts.source, "count": len(pts)},
            "engines": info,
        }
    if meta.assumptions:
        lines = sorted({a.split(": ", 1)[0].rsplit(":", 1)[0] if a.count(":") > 1 else a.split(":")[0] for a in meta.assumptions})
        result.notes.append("results depend on assumed headways or run times of: " + ", ".join(lines))
    manifest_path = out / "export.json"
    atomic_write_text(manifest_path, dumps_metrics(manifest))
    result.files.append(manifest_path)
    return result
