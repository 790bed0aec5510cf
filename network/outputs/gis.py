"""GIS layers a planner opens in QGIS or ArcGIS: one GeoPackage (or a folder of GeoParquet files).

Every layer is WGS-84 and carries, in its metadata, the scenario, network tier, data snapshot, the
definition of its minutes, the OSM credit and which services rest on assumed run times or headways.
Layers: ``roads`` (class, speed and minutes per period), ``transit_lines``, ``stations``, ``zones``
and ``grid_cells`` (minutes from each centre by mode), ``isochrones``, ``projects`` and ``edits``
(the scenario's hand-written changes).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import shapely
from shapely.geometry import LineString

from network.model.graph import NetworkState
from network.model.rail import RailNetwork
from network.model.region import CITIES, Region, grid_cell_polygons
from network.outputs.files import tool_stamp
from network.paths import CRS_METRIC, CRS_WGS84
from network.routing.graphs import road_edge_times_s

PERIODS: tuple[str, ...] = ("am_peak", "off_peak")
MODES: tuple[str, ...] = ("car", "transit", "best")
GEOMETRY_TYPES: dict[str, str] = {"zones": "MultiPolygon", "isochrones": "MultiPolygon", "edits": "LineString", "projects": "LineString"}
"""Declared where a layer mixes Polygon and MultiPolygon, or may be empty (GDAL cannot infer a type then)."""
LAYERS: tuple[str, ...] = ("roads", "transit_lines", "stations", "zones", "grid_cells", "isochrones", "projects", "edits")


@dataclass(frozen=True)
class LayerMeta:
    """What every exported layer says about where it came from."""

    scenario: str
    title: str
    tier: str
    snapshot: str
    period: str
    year: int | None
    attribution: str
    assumptions: tuple[str, ...] = ()

    def for_layer(self, layer: str, definition: str) -> dict[str, str]:
        """GDAL layer metadata (strings only): provenance plus what the layer's numbers mean."""
        return {
            "scenario": self.scenario,
            "title": self.title,
            "layer": layer,
            "network_tier": self.tier,
            "data_snapshot": self.snapshot,
            "period": self.period,
            "year": "" if self.year is None else str(self.year),
            "definition": definition,
            "attribution": self.attribution,
            **tool_stamp(),
            "assumptions": "; ".join(self.assumptions) if self.assumptions else "none",
        }


DEFINITIONS: dict[str, str] = {
    "roads": "one row per road edge; speed_<period>_kph = length / edge time (class speed, project overrides, junction delays); "
    "minutes_<period> = edge time in that period",
    "transit_lines": "one row per service, drawn through its stops in order; headway_<period>_min = minutes between departures",
    "stations": "one row per station (stops with the same name share it); lines = services calling there",
    "zones": "zone polygons; <mode>_from_<centre>_min = population-weighted mean door-to-door minutes from the centre to the zone's "
    f"reached 1 km cells, scenario period; modes {', '.join(MODES)}; centres {', '.join(CITIES)}",
    "grid_cells": "1 km population cells (UTM 49N squares, stored in WGS-84); <mode>_from_<centre>_min = door-to-door minutes "
    "from the centre to the cell centre in the scenario period (empty = beyond 3 h)",
    "isochrones": "area reached from each centre within <minutes> by <mode>: the union of 1 km cells whose centre is reached",
    "projects": "catalogue projects active in this scenario, drawn along their waypoints or stations",
    "edits": "the scenario file's hand-written changes (add: new_road, road_upgrade, road_closure) as drawn by the user",
}


def road_layer(state: NetworkState) -> gpd.GeoDataFrame:
    """Roads with class, name, length and per-period speed (km/h) and time (minutes)."""
    roads = state.roads
    e = roads.edges
    lon = roads.nodes["lon"].to_numpy(dtype=float)
    lat = roads.nodes["lat"].to_numpy(dtype=float)
    u = e["u"].to_numpy(dtype=np.int64)
    v = e["v"].to_numpy(dtype=np.int64)
    geom = shapely.linestrings(np.stack([np.column_stack([lon[u], lat[u]]), np.column_stack([lon[v], lat[v]])], axis=1))
    length_m = e["length_m"].to_numpy(dtype=float)
    out: dict[str, Any] = {
        "u": u,
        "v": v,
        "class": e["highway"].astype(str).to_numpy(),
        "name": (e["name"].fillna("").astype(str) if "name" in e.columns else pd.Series([""] * len(e))).to_numpy(),
        "ref": (e["ref"].fillna("").astype(str) if "ref" in e.columns else pd.Series([""] * len(e))).to_numpy(),
        "oneway": (e["oneway"].astype(bool) if "oneway" in e.columns else pd.Series([False] * len(e))).to_numpy(),
        "length_m": np.round(length_m, 1),
    }
    for period in PERIODS:
        t_s = road_edge_times_s(roads, None, replace(state.params, period=period))  # type: ignore[arg-type]
        out[f"speed_{period}_kph"] = np.round(np.where(t_s > 0, length_m / t_s * 3.6, np.nan), 1)
        out[f"minutes_{period}"] = np.round(t_s / 60.0, 3)
    return gpd.GeoDataFrame(out, geometry=geom, crs=CRS_WGS84)


def transit_line_layer(rail: RailNetwork, assumed: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """One line per service through its stops in order, with kind, headways per period and the data note."""
    rows = []
    for line in rail.lines.to_dict(orient="records"):
        s = rail.stops[rail.stops["line_id"] == line["line_id"]]
        if len(s) < 2:
            continue
        rows.append(
            {
                "line_id": str(line["line_id"]),
                "name_zh": str(line.get("name_zh", "")),
                "name_en": str(line.get("name_en", "")),
                "kind": str(line.get("kind", "")),
                "stops": int(len(s)),
                **{f"headway_{p}_min": float(line[f"headway_{p}_min"]) for p in PERIODS if f"headway_{p}_min" in line},
                "opened": str(line.get("opened", "")),
                "colour": str(line.get("colour", "")),
                "assumed": (assumed or {}).get(str(line["line_id"]), ""),
                "source": str(line.get("source", "")),
                "geometry": LineString(list(zip(s["lon"].astype(float), s["lat"].astype(float)))),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_WGS84)


def station_layer(rail: RailNetwork) -> gpd.GeoDataFrame:
    """One point per station name with the services calling there and their kinds."""
    kinds = dict(zip(rail.lines["line_id"].astype(str), rail.lines["kind"].astype(str)))
    rows = []
    for name, g in rail.stops.groupby("name_zh", sort=True):
        lids = sorted(set(g["line_id"].astype(str)))
        rows.append(
            {
                "name_zh": str(name),
                "lines": ",".join(lids),
                "kinds": ",".join(sorted({kinds.get(lid, "") for lid in lids})),
                "geometry": shapely.Point(float(g["lon"].mean()), float(g["lat"].mean())),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_WGS84)


def _finite_or_nan(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.where(np.isfinite(a), np.round(a, 2), np.nan)


def zone_layer(cell_minutes: Mapping[str, npt.NDArray[np.float64]], region: Region) -> gpd.GeoDataFrame:
    """Zones with census population and the population-weighted minutes from each centre by mode."""
    from network.outputs.maps import zone_minutes_table  # lazy: the map module loads folium (the workbench's layers need none of it)

    zones = region.zones[["zone_id", "name_zh", "city", "population_2020", "geometry"]].copy()
    zones["zone_id"] = zones["zone_id"].astype(str)
    for mode in MODES:
        t = zone_minutes_table(dict(cell_minutes), region, mode=mode)
        for centre in CITIES:
            col = t[t["centre"] == centre].set_index("zone_id")["minutes"]
            zones[f"{mode}_from_{centre}_min"] = zones["zone_id"].map(col).astype(float)
    return gpd.GeoDataFrame(zones, geometry="geometry", crs=CRS_WGS84)


def grid_layer(cell_minutes: Mapping[str, npt.NDArray[np.float64]], region: Region) -> gpd.GeoDataFrame:
    """The 1 km population cells with minutes from each centre by mode."""
    g = region.grid
    out: dict[str, Any] = {
        "cell_id": g["cell_id"].to_numpy(),
        "zone_id": g["zone_id"].astype(str).to_numpy(),
        "city": g["city"].astype(str).to_numpy(),
        "population": g["population"].to_numpy(dtype=np.int64),
    }
    for mode in MODES:
        for i, centre in enumerate(CITIES):
            out[f"{mode}_from_{centre}_min"] = _finite_or_nan(np.asarray(cell_minutes[mode][i], dtype=float))
    cells = grid_cell_polygons(g["x_m"].to_numpy(dtype=float), g["y_m"].to_numpy(dtype=float))
    return gpd.GeoDataFrame(out, geometry=cells, crs=CRS_METRIC).to_crs(CRS_WGS84)


def edits_layer(adds: list[Any], rail: Any = None) -> gpd.GeoDataFrame:
    """The scenario's ``add`` entries: roads as the user drew them (type, name, class, speed); transit
    edits along the stops of the line they edit in ``rail`` (the scenario's services; class = its kind)."""
    rows = []
    for k, a in enumerate(adds):
        path = list(getattr(a, "path", None) or [])
        cls = str(getattr(a, "highway", "") or getattr(a, "kind", "") or "")
        if not path and rail is not None and getattr(a, "line", None):
            s = rail.stops[rail.stops["line_id"] == a.line].sort_values("seq")
            path = list(zip(s["lon"].astype(float), s["lat"].astype(float)))
            kind = rail.lines.loc[rail.lines["line_id"] == a.line, "kind"]
            cls = cls or (str(kind.iloc[0]) if len(kind) else "")
        rows.append(
            {
                "index": k,
                "type": str(a.type),
                "name": str(a.name),
                "class": cls,
                "speed_kph": float(getattr(a, "speed_kph", None) or np.nan),
                "geometry": LineString(path) if len(path) >= 2 else None,
            }
        )
    cols = ["index", "type", "name", "class", "speed_kph", "geometry"]
    return gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=CRS_WGS84)


def _multi(geom: Any) -> Any:
    """Polygon -> MultiPolygon (a layer holds one geometry type); others unchanged."""
    return shapely.MultiPolygon([geom]) if isinstance(geom, shapely.Polygon) and not geom.is_empty else geom


def _tmp_beside(path: Path, suffix: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL creates the file itself
    return Path(tmp)


def write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame], meta: LayerMeta) -> None:
    """Write every layer into one GeoPackage (atomically: a temp file renamed into place)."""
    tmp = _tmp_beside(path, ".gpkg")
    try:
        for name, gdf in layers.items():
            if GEOMETRY_TYPES.get(name) == "MultiPolygon":
                gdf = gdf.set_geometry(gdf.geometry.apply(_multi))
            pyogrio.write_dataframe(
                gdf,
                tmp,
                layer=name,
                driver="GPKG",
                append=tmp.exists(),
                layer_metadata=meta.for_layer(name, DEFINITIONS[name]),
                geometry_type=GEOMETRY_TYPES.get(name),
            )
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_geoparquet(folder: Path, layers: Mapping[str, gpd.GeoDataFrame], meta: LayerMeta) -> list[Path]:
    """One GeoParquet file per layer in ``folder``; the provenance goes into each file's schema metadata
    under the key ``czt_planner`` (JSON)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, gdf in layers.items():
        path = folder / f"{name}.parquet"
        tmp = _tmp_beside(path, ".parquet")
        try:
            gdf.to_parquet(tmp, index=False)  # GeoParquet ('geo' metadata) from geopandas, then our provenance beside it
            table = pq.read_table(tmp)
            md = dict(table.schema.metadata or {})
            md[b"czt_planner"] = json.dumps(meta.for_layer(name, DEFINITIONS[name]), ensure_ascii=False).encode("utf-8")
            pq.write_table(table.replace_schema_metadata(md), tmp)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        written.append(path)
    return written
