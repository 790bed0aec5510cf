"""The half-hour circle under each definition officials and planners use: one function per definition.

The official statements use three terms; each maps to one measure (issue 12):

- 交通圈 (transport circle): in-vehicle time (车程, train run time) between the central urban areas,
  off-peak, by the fastest mode;
- 通勤圈 (commuting circle): door to door in the AM peak, weighted by population;
- 生活圈 (living circle): off-peak door to door to city-level services. Services (三甲 hospitals, CBDs)
  are not sourced in this project, so another city's central urban area stands for them.

Every function returns a tidy table (``COLUMNS``): one row per definition, measure, mode and origin /
destination, with the scenario, year, period, network tier and data snapshot, and a ``basis`` column
saying that these are potential (time-based) measures from modelled travel times, not observed
commuting. Travel times come from the project's engine (``network.routing.engine``: snapping and
compiled shortest paths; ``network.routing.route`` for corridor drives); nothing here routes on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import ndimage
from scipy.sparse import csr_matrix

from network._errors import DataError
from network.analysis.corridors import corridor_via, drive_corridor
from network.analysis.corridors import load_corridors as load_corridors  # re-exported: claims reads it from here
from network.analysis.definition_names import DEFINITIONS as DEFINITIONS  # re-exported: callers import it from here
from network.analysis.definition_names import POTENTIAL_BASIS as POTENTIAL_BASIS
from network.analysis.metrics import Evaluation, evaluate
from network.model.graph import NetworkState
from network.model.region import CITIES, GRID_CELL_M, Region, grid_cell_polygons
from network.model.types import BoolArray, FloatArray
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR
from network.routing.engine import node_times_s, point_matrix, snap_points
from network.routing.graphs import ModeGraph, build_mode_graph, rail_system_edges

COLUMNS = [
    "definition",
    "term",
    "measure",
    "scenario",
    "year",
    "period",
    "mode",
    "origin",
    "destination",
    "threshold_minutes",
    "value",
    "unit",
    "within",
    "headline",
    "tier",
    "snapshot",
    "basis",
]
GHSL_DENSITY_PER_KM2 = 1500.0
"""GHSL Degree of Urbanisation, urban centre: contiguous (rook) 1 km cells with at least 1,500 inhabitants
per km² (Dijkstra et al. 2021; GHSL Data Package 2023; the rule as implemented by the R package flexurba,
``DoU_classify_grid_urban_centres``)."""
GHSL_MIN_POPULATION = 50_000
"""... and at least 50,000 inhabitants in the cluster."""
HANSEN_HALF_LIFE_MINUTES = 30.0
"""Hansen (1959) gravity accessibility A_i = Σ_j P_j exp(−β t_ij) with β = ln 2 / 30 per minute: a
destination 30 minutes away counts half, 60 minutes a quarter. A convention chosen to match the
half-hour threshold, not estimated here (no Chang-Zhu-Tan trip survey is available); estimated decay
functions differ by mode and purpose (Iacono, Krizek & El-Geneidy 2008, Mn/DOT report 2008-11)."""
ACCESS_THRESHOLDS_MINUTES = (30.0, 45.0, 60.0)
STUDY_BLOCK_M = 3000.0
"""Accessibility over the whole study area aggregates the 1 km grid to 3 km blocks (population-weighted
centroids, never across a city boundary): 2,100 blocks instead of 18,948 cells."""
CORE_BLOCK_M = 2000.0
"""The 中心区 (about 6,600 km²) is measured on 2 km blocks."""


# ---------------------------------------------------------------- context and tidy rows


@dataclass(frozen=True)
class Context:
    """What every output row names: scenario, year, period, network tier and data snapshot."""

    scenario: str
    year: int | None
    period: str
    tier: str
    snapshot: str

    @classmethod
    def of(cls, state: NetworkState, scenario: str) -> Context:
        """The context of ``state``: its year, period, network tier and data snapshot."""
        return cls(scenario=scenario, year=state.year, period=state.params.period, tier=state.roads.tier, snapshot=state.roads.snapshot)


def _frame(rows: list[dict[str, object]], ctx: Context, definition: str, term: str) -> pd.DataFrame:
    base = {
        "definition": definition,
        "term": term,
        "scenario": ctx.scenario,
        "year": ctx.year,
        "period": ctx.period,
        "tier": ctx.tier,
        "snapshot": ctx.snapshot,
        "basis": POTENTIAL_BASIS,
    }
    out = pd.DataFrame([{**base, "within": None, "headline": False, "threshold_minutes": np.nan, **r} for r in rows], columns=COLUMNS)
    out["value"] = out["value"].astype(float).round(4)
    return out


def _row(measure: str, mode: str, origin: str, destination: str, value: float, unit: str, **extra: object) -> dict[str, object]:
    r: dict[str, object] = {"measure": measure, "mode": mode, "origin": origin, "destination": destination, "value": value, "unit": unit}
    r.update(extra)
    t = r.get("threshold_minutes")
    if unit == "minutes" and t is not None and not (isinstance(t, float) and math.isnan(t)):
        r["within"] = bool(np.isfinite(value) and value <= float(t))  # type: ignore[arg-type]
    return r


def weighted_quantile(values: FloatArray, weights: FloatArray, q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` of the total (NaN when no weight).

    A step (inverse-CDF) quantile, so that "10% of the population-weighted pairs are within x minutes"
    holds exactly at x.
    """
    v = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    keep = w > 0
    v, w = v[keep], w[keep]
    if len(v) == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cw = np.cumsum(w[order])
    k = int(np.searchsorted(cw, q * cw[-1] - 1e-9 * cw[-1]))
    return float(v[order][min(k, len(v) - 1)])


# ---------------------------------------------------------------- areas


def central_urban_areas(
    region: Region, *, density_per_km2: float = GHSL_DENSITY_PER_KM2, min_population: int = GHSL_MIN_POPULATION
) -> pd.Series:
    """Each grid cell's central urban area (the city's id) or "" (GHSL urban-centre rule, per city).

    No city's 国土空间总体规划 (2021–2035) 中心城区 boundary could be sourced as geometry, so each
    central urban area is the GHSL urban centre (``GHSL_DENSITY_PER_KM2``, ``GHSL_MIN_POPULATION``, rook
    contiguity) that contains the city's centre point (``data/centres.csv``), else the nearest one,
    found on the cells of that city only: on the project's grid the three cities' dense cells touch
    (株洲 and 湘潭 almost do in reality), and one merged cluster would not separate them.

    Caveat: the grid is disaggregated from census counties by a proxy (``data/SOURCES.md``), not a
    census grid, so the areas are smoother and larger than satellite-derived urban centres.

    Returns
    -------
    pandas.Series of str, indexed like ``region.grid``.
    """
    g = region.grid
    cell_km2 = (GRID_CELL_M / 1000.0) ** 2
    ix = np.round((g["x_m"].to_numpy() - g["x_m"].min()) / GRID_CELL_M).astype(int)
    iy = np.round((g["y_m"].to_numpy() - g["y_m"].min()) / GRID_CELL_M).astype(int)
    pop = g["population"].to_numpy(dtype=float)
    city = g["city"].to_numpy()
    out = np.full(len(g), "", dtype=object)
    centres = region.centres.set_index("city")
    for c in CITIES:
        dense = np.zeros((iy.max() + 1, ix.max() + 1), dtype=bool)
        sel = (city == c) & (pop >= density_per_km2 * cell_km2)
        dense[iy[sel], ix[sel]] = True
        labels, n = ndimage.label(dense)  # default structure: rook (4-neighbour) contiguity
        cell_label = labels[iy, ix]
        sums = ndimage.sum(np.where(city == c, pop, 0.0), cell_label, index=np.arange(1, n + 1)) if n else np.array([])
        big = [k + 1 for k, s in enumerate(np.atleast_1d(sums)) if s >= min_population]
        if not big:
            raise DataError(
                f"no urban centre (≥ {density_per_km2:.0f}/km², ≥ {min_population:,} people) found for {c} on data/pop_grid.csv"
            )
        cx, cy = float(centres.at[c, "x_m"]), float(centres.at[c, "y_m"])  # type: ignore[arg-type]
        d = np.hypot(g["x_m"].to_numpy() - cx, g["y_m"].to_numpy() - cy)
        best = min(big, key=lambda lab: float(d[cell_label == lab].min()))
        out[cell_label == best] = c
    return pd.Series(out, index=g.index, name="central_urban_area")


@lru_cache(maxsize=4)
def load_core_area(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The 中心区 of the 2020 outline as zones (``data/core_area.csv``): whole zones, or a disc of a zone."""
    path = data_dir / "core_area.csv"
    if not path.exists():
        raise DataError(f"{path}: missing (the 中心区 zones)")
    t = pd.read_csv(path, dtype={"zone_id": str})
    need = {"zone_id", "name_zh", "city", "part", "lon", "lat", "radius_km"}
    if missing := need - set(t.columns):
        raise DataError(f"{path}: missing column(s) {sorted(missing)}")
    for i, r in t.iterrows():
        if r["part"] not in ("whole", "disc"):
            raise DataError(f"{path}:{int(str(i)) + 2}: field 'part': got {r['part']!r}, expected 'whole' or 'disc'")
        if r["part"] == "disc" and not (np.isfinite(r["lon"]) and np.isfinite(r["lat"]) and r["radius_km"] > 0):
            raise DataError(f"{path}:{int(str(i)) + 2}: a 'disc' needs lon, lat and radius_km > 0")
    return t


def core_area_mask(region: Region, core: pd.DataFrame | None = None) -> BoolArray:
    """Grid cells inside the 中心区 (``load_core_area``)."""
    core = load_core_area() if core is None else core
    g = region.grid
    zone = g["zone_id"].astype(str).to_numpy()
    mask = np.zeros(len(g), dtype=bool)
    known = set(region.zones["zone_id"].astype(str))
    for r in core.itertuples(index=False):
        if str(r.zone_id) not in known:
            raise DataError(f"data/core_area.csv: zone_id {r.zone_id} is not a zone of data/zones.geojson")
        inside = zone == str(r.zone_id)
        if r.part == "disc":
            pt = gpd.GeoSeries(gpd.points_from_xy([r.lon], [r.lat]), crs=CRS_WGS84).to_crs(CRS_METRIC)
            d = np.hypot(g["x_m"].to_numpy() - pt.x.iloc[0], g["y_m"].to_numpy() - pt.y.iloc[0])
            inside &= d <= float(r.radius_km) * 1000.0  # type: ignore[arg-type]
        mask |= inside
    return mask


def area_polygons(region: Region, labels: pd.Series | BoolArray, *, name: str = "area") -> gpd.GeoDataFrame:
    """Dissolved cell squares per label (WGS-84): for maps. ``labels``: a city per cell ("" = none) or a mask."""
    g = region.grid
    lab = np.where(np.asarray(labels, dtype=bool), name, "") if np.asarray(labels).dtype == bool else np.asarray(labels, dtype=object)
    rows = []
    for key in [k for k in dict.fromkeys(lab) if k]:
        sel = lab == key
        boxes = grid_cell_polygons(g["x_m"].to_numpy()[sel], g["y_m"].to_numpy()[sel])
        rows.append(
            {
                "area": str(key),
                "cells": int(sel.sum()),
                "area_km2": round(float(sel.sum()) * (GRID_CELL_M / 1000.0) ** 2, 1),
                "population": int(g["population"].to_numpy()[sel].sum()),
                "geometry": shapely.union_all(boxes),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_METRIC).to_crs(CRS_WGS84)


@dataclass(frozen=True)
class Blocks:
    """Grid cells aggregated to square blocks (never across a city): population-weighted centroids."""

    x_m: FloatArray
    y_m: FloatArray
    population: FloatArray
    city: npt.NDArray[np.object_]


def blocks(region: Region, mask: BoolArray | None = None, *, block_m: float = GRID_CELL_M) -> Blocks:
    """Aggregate the grid cells in ``mask`` to ``block_m`` blocks (``block_m`` = cell size: the cells themselves)."""
    g = region.grid
    sel = np.ones(len(g), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    x = g["x_m"].to_numpy(dtype=float)[sel]
    y = g["y_m"].to_numpy(dtype=float)[sel]
    p = g["population"].to_numpy(dtype=float)[sel]
    c = g["city"].to_numpy()[sel]
    if block_m <= GRID_CELL_M:
        return Blocks(x, y, p, c.astype(object))
    key = pd.DataFrame({"bx": np.floor(x / block_m), "by": np.floor(y / block_m), "city": c, "x": x, "y": y, "p": p})
    key["w"] = np.where(p > 0, p, 1e-9)
    key["wx"] = key["w"] * key["x"]
    key["wy"] = key["w"] * key["y"]
    agg = key.groupby(["bx", "by", "city"], sort=True).agg(w=("w", "sum"), wx=("wx", "sum"), wy=("wy", "sum"), p=("p", "sum")).reset_index()
    return Blocks(
        (agg["wx"] / agg["w"]).to_numpy(dtype=float),
        (agg["wy"] / agg["w"]).to_numpy(dtype=float),
        agg["p"].to_numpy(dtype=float),
        agg["city"].to_numpy(dtype=object),
    )


# ---------------------------------------------------------------- travel times (the engine's)


@dataclass
class Skims:
    """Point-to-point minutes on one network state, per mode, from the engine (graphs built once)."""

    state: NetworkState
    _graphs: dict[str, ModeGraph] = field(default_factory=dict)

    def graph(self, mode: str) -> ModeGraph:
        """The mode graph of ``mode``, built on first use and kept."""
        if mode not in self._graphs:
            self._graphs[mode] = build_mode_graph(self.state, mode)  # type: ignore[arg-type]
        return self._graphs[mode]

    def minutes(self, mode: str, ox: FloatArray, oy: FloatArray, dx: FloatArray, dy: FloatArray) -> FloatArray:
        """Door-to-door minutes (access, network, egress) from each origin point to each destination point.

        ``mode``: car, transit or best (the faster of the two for each pair).
        """
        if mode == "best":
            return np.minimum(self.minutes("car", ox, oy, dx, dy), self.minutes("transit", ox, oy, dx, dy))
        g = self.graph(mode)
        o = snap_points(g, ox, oy, self.state.params, max_snap_m=None)
        d = snap_points(g, dx, dy, self.state.params, max_snap_m=None)
        return point_matrix(g, o, d) / 60.0


def rail_graph(graph: ModeGraph) -> ModeGraph:
    """The transit graph without its roads, street connectors, station exits and bus, tram or ferry lines:
    only the rail system (``rail_system_edges``: boarding rail lines at transfers, rides, dwell, alighting,
    walking transfers between stations)."""
    if graph.mode != "transit":
        raise ValueError("rail_graph needs a transit graph")
    kinds = graph.edge_kind
    keep = rail_system_edges(graph)
    coo = graph.csr.tocoo()
    csr = csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=graph.csr.shape)
    return replace(
        graph,
        csr=csr,
        edge_kind=kinds[keep],
        edge_label=graph.edge_label[keep],
        edge_length_m=graph.edge_length_m[keep],
        edge_clock_s=None if graph.edge_clock_s is None else graph.edge_clock_s[keep],
    )


def rail_minutes(transit: ModeGraph, origins: Sequence[str], destinations: Sequence[str]) -> FloatArray:
    """Minutes in the rail system from each origin station to each destination station (by name).

    From the departure platforms at the origin (the first boarding wait and the street-to-platform time
    excluded) to alighting at the destination; rides, dwell, transfers and their waits included: what a
    timetable gives. ``inf`` when the rail system does not connect them.
    """
    rg = rail_graph(transit)
    labels = np.array([str(s) for s in transit.node_label], dtype=object)
    station_names = {str(labels[i]) for i in transit.station_nodes}
    interchange = {str(lab)[: -len(" (interchange)")]: i for i, lab in enumerate(labels) if str(lab).endswith(" (interchange)")}
    for name in (*origins, *destinations):
        if name not in station_names:
            raise DataError(f"station {name!r} is not a station of this scenario's rail network (data/rail_stations.csv name_zh)")
    is_dep = np.array([lab.endswith(":dep") for lab in labels], dtype=bool)
    dep_station = np.array([lab.split(":")[1] if dep else "" for lab, dep in zip(labels, is_dep)], dtype=object)
    out = np.full((len(origins), len(destinations)), np.inf)
    targets = np.array([interchange[d] for d in destinations], dtype=np.int64)
    for i, name in enumerate(origins):
        platforms = np.flatnonzero(is_dep & (dep_station == name))
        if len(platforms) == 0:
            continue
        t = node_times_s(rg, platforms.astype(np.int64))
        out[i] = t[:, targets].min(axis=0) / 60.0
    for i, a in enumerate(origins):
        for j, b in enumerate(destinations):
            if a == b:
                out[i, j] = 0.0
    return out


# ---------------------------------------------------------------- definitions


def centre_to_centre(ev: Evaluation, ctx: Context, *, threshold_minutes: float = 30.0) -> pd.DataFrame:
    """Door to door between the three city-centre points (五一广场, 株洲中心广场, 湘潭基建营).

    Source wording: none; the planner's original measure ("三市中心半小时可达"), kept for continuity.
    Measure: door-to-door minutes (access, waits, in-vehicle, egress) between the centre points, by
    car, transit and the best of the two, in the scenario's period.
    """
    rows = []
    for mode in ("car", "transit", "best"):
        m = ev.centre_minutes[mode]
        for i, a in enumerate(CITIES):
            for j, b in enumerate(CITIES):
                if i != j:
                    rows.append(
                        _row(
                            "door_to_door",
                            mode,
                            a,
                            b,
                            float(m[i, j]),
                            "minutes",
                            threshold_minutes=threshold_minutes,
                            headline=mode == "best",
                        )
                    )
    return _frame(rows, ctx, "centre_to_centre", "—")


def urban_area_to_urban_area(
    skims: Skims,
    region: Region,
    ctx: Context,
    *,
    areas: pd.Series | None = None,
    threshold_minutes: float = 30.0,
    quantile: float = 0.10,
    stations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Between the central urban areas (中心城区) of two cities: cell to cell, population weighted.

    Source wording: "长株潭全面融入‘半小时交通圈’" (三干通车, 2020-10-23); "融入半小时经济圈" (2018
    行动计划). 交通圈 = in-vehicle time between central urban areas, off-peak, fastest mode.

    Measures, for each ordered pair of cities (areas: ``central_urban_areas``):

    - ``mean``, ``p10``, ``p50``: population-weighted (P_i × P_j) door-to-door minutes between the two
      areas' 1 km cells, by car, transit and best. The 10th percentile stands for the near edges of
      the two areas without being degenerate where they almost touch;
    - ``rail_in_vehicle`` (mode rail): minutes in the rail system between the two cities' main
      stations (``data/main_stations.csv``), the fastest station pair (``station_to_station``);
    - ``fastest_in_vehicle`` (mode fastest; the 交通圈 measure, a headline): the smaller of the car
      ``p10`` (a drive is all in-vehicle) and ``rail_in_vehicle``.
    """
    areas = central_urban_areas(region) if areas is None else areas
    lab = areas.to_numpy()
    g = region.grid
    sel = lab != ""
    x, y = g["x_m"].to_numpy(dtype=float)[sel], g["y_m"].to_numpy(dtype=float)[sel]
    p = g["population"].to_numpy(dtype=float)[sel]
    city = lab[sel]
    mats = {m: skims.minutes(m, x, y, x, y) for m in ("car", "transit")}
    mats["best"] = np.minimum(mats["car"], mats["transit"])
    rail = _main_station_rail_minutes(skims, stations)
    rows = []
    t = threshold_minutes
    for a in CITIES:
        for b in CITIES:
            if a == b:
                continue
            ia, ib = np.flatnonzero(city == a), np.flatnonzero(city == b)
            w = p[ia][:, None] * p[ib][None, :]
            for mode, mat in mats.items():
                sub = mat[np.ix_(ia, ib)]
                fin = np.isfinite(sub)
                mean = float((sub[fin] * w[fin]).sum() / w[fin].sum()) if w[fin].sum() > 0 else float("nan")
                rows.append(_row("mean", mode, a, b, mean, "minutes", threshold_minutes=t))
                rows.append(
                    _row(
                        "p10" if quantile == 0.10 else f"p{quantile * 100:g}",
                        mode,
                        a,
                        b,
                        weighted_quantile(sub, w, quantile),
                        "minutes",
                        threshold_minutes=t,
                    )
                )
                rows.append(_row("p50", mode, a, b, weighted_quantile(sub, w, 0.5), "minutes", threshold_minutes=t))
            car_p10 = weighted_quantile(mats["car"][np.ix_(ia, ib)], w, quantile)
            r = rail.get((a, b), float("inf"))
            rows.append(_row("rail_in_vehicle", "rail", a, b, r, "minutes", threshold_minutes=t))
            rows.append(_row("fastest_in_vehicle", "fastest", a, b, min(car_p10, r), "minutes", threshold_minutes=t, headline=True))
    return _frame(rows, ctx, "urban_area_to_urban_area", "交通圈")


def _main_station_rail_minutes(skims: Skims, stations: pd.DataFrame | None = None) -> dict[tuple[str, str], float]:
    """Fastest rail-system minutes between the main stations (``data/main_stations.csv``) of each pair of cities.

    Main stations, not every station inside an area: stations near a boundary (暮云, 大王山) would make
    the rail time between two touching areas degenerate (a few minutes), which no official means."""
    transit = skims.graph("transit")
    st = load_main_stations() if stations is None else stations
    present = {str(transit.node_label[i]) for i in transit.station_nodes}
    st = st[st["name_zh"].isin(present)]
    out: dict[tuple[str, str], float] = {}
    for a in CITIES:
        for b in CITIES:
            fa, fb = list(st.loc[st["city"] == a, "name_zh"]), list(st.loc[st["city"] == b, "name_zh"])
            if a != b and fa and fb:
                out[(a, b)] = float(rail_minutes(transit, fa, fb).min())
    return out


@lru_cache(maxsize=4)
def load_main_stations(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The main rail stations of each city (``data/main_stations.csv``)."""
    path = data_dir / "main_stations.csv"
    if not path.exists():
        raise DataError(f"{path}: missing (the main stations of each city)")
    t = pd.read_csv(path)
    bad = set(t["city"]) - set(CITIES)
    if bad:
        raise DataError(f"{path}: field 'city': unknown {sorted(bad)}; expected one of {list(CITIES)}")
    return t


def station_to_station(
    skims: Skims,
    ctx: Context,
    *,
    pairs: Sequence[tuple[str, str]] | None = None,
    stations: pd.DataFrame | None = None,
    threshold_minutes: float = 30.0,
) -> pd.DataFrame:
    """Time in the rail system between the main stations (长沙/长沙南 ↔ 株洲/株洲南/株洲西 ↔ 湘潭/湘潭北).

    Source wording: "40分钟城际铁路圈即将形成" (广铁集团, 2016-12-25); "城际铁路建成后……3个城市间的
    通行时间缩短至25 min" (2010); "西环线开通后长沙和湘潭之间的通勤时间将缩短至20分钟左右" (2023).
    Measure: in-vehicle (train run) minutes from boarding to alighting, dwell and transfers with
    their waits included, first wait and station access excluded (``rail_minutes``), by station pair;
    and per ordered pair of cities the fastest pair of their main stations (headline).
    ``pairs``: explicit (from, to) station names instead of the main-station cross product.
    """
    transit = skims.graph("transit")
    t = threshold_minutes
    rows = []
    present = {str(transit.node_label[i]) for i in transit.station_nodes}
    if pairs is not None:
        for a, b in pairs:
            m = float(rail_minutes(transit, [a], [b])[0, 0]) if a in present and b in present else float("inf")
            rows.append(_row("rail_in_vehicle", "rail", a, b, m, "minutes", threshold_minutes=t))
        return _frame(rows, ctx, "station_to_station", "交通圈")
    st = load_main_stations() if stations is None else stations
    st = st[st["name_zh"].isin(present)]
    for a in CITIES:
        for b in CITIES:
            if a == b:
                continue
            fa = list(st.loc[st["city"] == a, "name_zh"])
            fb = list(st.loc[st["city"] == b, "name_zh"])
            if not fa or not fb:
                continue
            mins = rail_minutes(transit, fa, fb)
            for i, sa in enumerate(fa):
                for j, sb in enumerate(fb):
                    rows.append(_row("rail_in_vehicle", "rail", sa, sb, float(mins[i, j]), "minutes", threshold_minutes=t))
            rows.append(_row("fastest_station_pair", "rail", a, b, float(mins.min()), "minutes", threshold_minutes=t, headline=True))
    return _frame(rows, ctx, "station_to_station", "交通圈")


def corridor_end_to_end(
    state: NetworkState, ctx: Context, *, corridors: pd.DataFrame | None = None, threshold_minutes: float = 30.0
) -> pd.DataFrame:
    """Each named trunk road driven end to end (the 三干 and catalogue roads with end points).

    Source wording: "芙蓉大道、洞株路、潭州大道的通行时间均将缩短至30分钟内" (三干通车, 2020-10-23).
    Measure: the car trip between the published end points (``data/corridors.csv``) along the named road,
    through its waypoints (``network.analysis.corridors``), on the scenario's network and period
    (minutes without terminal legs, and the route's km beside the published length).
    """
    cor = load_corridors() if corridors is None else corridors
    rows = []
    for r in cor.to_dict(orient="records"):
        ends = f"{r['from_name']}→{r['to_name']}"
        a, b = (float(r["from_lon"]), float(r["from_lat"])), (float(r["to_lon"]), float(r["to_lat"]))
        minutes, trip = drive_corridor(state, a, corridor_via(r), b)
        cid = str(r["corridor_id"])
        rows.append(_row("minutes", "car", cid, ends, minutes, "minutes", headline=True, threshold_minutes=threshold_minutes))
        rows.append(_row("route_km", "car", cid, ends, trip.km, "km"))
        rows.append(_row("published_km", "car", cid, ends, float(r["length_km"]), "km"))
    return _frame(rows, ctx, "corridor_end_to_end", "交通圈")


def accessibility(
    skims: Skims,
    region: Region,
    ctx: Context,
    *,
    areas: pd.Series | None = None,
    thresholds_minutes: Iterable[float] = ACCESS_THRESHOLDS_MINUTES,
    half_life_minutes: float = HANSEN_HALF_LIFE_MINUTES,
    block_m: float = STUDY_BLOCK_M,
) -> pd.DataFrame:
    """Accessibility measures that move continuously with the network, by mode (car, transit, best).

    Source wording: "半小时生活圈" (都市圈建设实施方案, 2022); the commute-monitoring indicator "share of
    residents within 45 minutes of another city's central area" planners use. 生活圈 = off-peak door to
    door to city-level services (not sourced here: another city's central urban area stands for them).

    Measures, per city of residence (origin) over the whole study area (``block_m`` blocks):

    - ``population_within`` (persons): the population of the other two cities reachable within T
      (30/45/60 min), averaged over the city's residents; ``share_other_population_within`` the same
      as a share of the other cities' population;
    - ``share_within_other_central_area`` (per other city; headline at 45 min): the share of the
      city's residents within T of any cell of that city's central urban area;
    - ``hansen``: the Hansen index Σ_j P_j exp(−ln2 · t_ij / half-life) over other cities' blocks,
      residents' average, divided by the other cities' population (0..1; ``HANSEN_HALF_LIFE_MINUTES``);
    - ``mean_intercity_minutes`` (per pair of cities, headline): population-weighted mean door-to-door
      time between residents of the two cities.

    The best of car and transit overstates what one traveller can do (not everyone has a car); car
    and transit are reported separately as well.
    """
    areas = central_urban_areas(region) if areas is None else areas
    blk = blocks(region, block_m=block_m)
    lab = areas.to_numpy()
    g = region.grid
    asel = lab != ""
    ax, ay, acity = g["x_m"].to_numpy(dtype=float)[asel], g["y_m"].to_numpy(dtype=float)[asel], lab[asel]
    beta = math.log(2.0) / half_life_minutes
    thresholds = tuple(float(t) for t in thresholds_minutes)
    rows = []
    mats: dict[str, FloatArray] = {}
    to_area: dict[str, FloatArray] = {}
    for mode in ("car", "transit"):
        mats[mode] = skims.minutes(mode, blk.x_m, blk.y_m, blk.x_m, blk.y_m)
        to_area[mode] = skims.minutes(mode, blk.x_m, blk.y_m, ax, ay)
    mats["best"] = np.minimum(mats["car"], mats["transit"])
    to_area["best"] = np.minimum(to_area["car"], to_area["transit"])
    p = blk.population
    for mode in ("car", "transit", "best"):
        m = mats[mode]
        for a in CITIES:
            ia = np.flatnonzero(blk.city == a)
            io = np.flatnonzero(blk.city != a)
            pa, po = p[ia], p[io]
            sub = m[np.ix_(ia, io)]
            for t in thresholds:
                reach = (sub <= t) @ po
                avg = float((reach * pa).sum() / pa.sum())
                rows.append(_row("population_within", mode, a, "other cities", avg, "persons", threshold_minutes=t))
                rows.append(_row("share_other_population_within", mode, a, "other cities", avg / po.sum(), "share", threshold_minutes=t))
            decay = np.exp(-beta * np.where(np.isfinite(sub), sub, np.inf)) @ po
            rows.append(_row("hansen", mode, a, "other cities", float((decay * pa).sum() / pa.sum()) / po.sum(), "index 0-1"))
            for b in CITIES:
                if b == a:
                    continue
                ib = np.flatnonzero(blk.city == b)
                w = pa[:, None] * p[ib][None, :]
                tb = m[np.ix_(ia, ib)]
                fin = np.isfinite(tb)
                mean = float((tb[fin] * w[fin]).sum() / w[fin].sum())
                rows.append(_row("mean_intercity_minutes", mode, a, b, mean, "minutes", headline=mode == "best"))
                near = to_area[mode][np.ix_(ia, np.flatnonzero(acity == b))].min(axis=1)
                for t in thresholds:
                    share = float(pa[near <= t].sum() / pa.sum())
                    rows.append(
                        _row(
                            "share_within_other_central_area",
                            mode,
                            a,
                            b,
                            share,
                            "share",
                            threshold_minutes=t,
                            headline=(t == 45.0 and mode == "best"),
                        )
                    )
    return _frame(rows, ctx, "accessibility", "生活圈")


def core_area_commute(
    skims: Skims,
    region: Region,
    ctx: Context,
    *,
    area: str = "中心区",
    mask: BoolArray | None = None,
    thresholds_minutes: Iterable[float] = (30.0, 60.0),
    block_m: float | None = None,
) -> pd.DataFrame:
    """Commuting circle: the population-weighted share of block pairs within T minutes, door to door.

    Source wording: "到2025年……半小时通勤圈全面形成" over the 中心区 "以三市中心城区、长沙县全域以及
    湘潭县易俗河镇为中心区(总面积约6600平方公里)" (长株潭区域一体化发展规划纲要, 2020-10-30); the
    one-hour version "基本实现‘一小时通勤圈’" (三年行动计划 2023–2025) over the 都市圈. 通勤圈 = door to
    door, AM peak, weighted by population (jobs are not sourced here).

    ``area``: "中心区" (``core_area_mask``, 2 km blocks) or "都市圈" (the whole study area, 3 km blocks),
    or any name with an explicit ``mask``. Measures per mode: ``share_pairs_within`` (all pairs of
    different blocks, weight P_i × P_j), ``share_intercity_pairs_within`` (pairs in different cities,
    headline) and ``median_intercity_minutes`` (the population-weighted median inter-city pair).
    """
    if mask is None:
        if area == "中心区":
            mask = core_area_mask(region)
        elif area == "都市圈":
            mask = np.ones(len(region.grid), dtype=bool)
        else:
            raise ValueError(f"area {area!r}: expected '中心区' or '都市圈', or give a mask")
    bm = block_m if block_m is not None else (CORE_BLOCK_M if area == "中心区" else STUDY_BLOCK_M)
    blk = blocks(region, mask, block_m=bm)
    mats = {m: skims.minutes(m, blk.x_m, blk.y_m, blk.x_m, blk.y_m) for m in ("car", "transit")}
    mats["best"] = np.minimum(mats["car"], mats["transit"])
    w = blk.population[:, None] * blk.population[None, :]
    np.fill_diagonal(w, 0.0)
    inter = blk.city[:, None] != blk.city[None, :]
    rows = []
    for mode, m in mats.items():
        for t in (float(x) for x in thresholds_minutes):
            rows.append(_row("share_pairs_within", mode, area, area, float((w * (m <= t)).sum() / w.sum()), "share", threshold_minutes=t))
            wi = w * inter
            rows.append(
                _row(
                    "share_intercity_pairs_within",
                    mode,
                    area,
                    area,
                    float((wi * (m <= t)).sum() / wi.sum()) if wi.sum() > 0 else float("nan"),
                    "share",
                    threshold_minutes=t,
                    headline=mode == "best",
                )
            )
        rows.append(_row("median_intercity_minutes", mode, area, area, weighted_quantile(m, w * inter, 0.5), "minutes"))
    term = "通勤圈"
    return _frame(rows, ctx, "core_area_commute", term)


# ---------------------------------------------------------------- all definitions for one state


def measure(
    state: NetworkState,
    region: Region,
    *,
    scenario: str,
    definitions: Iterable[str] = DEFINITIONS,
    ev: Evaluation | None = None,
    areas: pd.Series | None = None,
) -> pd.DataFrame:
    """Every requested definition on one network state (one period), as one tidy table."""
    defs = list(definitions)
    unknown = [d for d in defs if d not in DEFINITIONS]
    if unknown:
        raise ValueError(f"unknown definition(s) {unknown}; expected {list(DEFINITIONS)}")
    ctx = Context.of(state, scenario)
    skims = Skims(state)
    areas = central_urban_areas(region) if areas is None and set(defs) & {"urban_area_to_urban_area", "accessibility"} else areas
    parts = []
    for d in defs:
        if d == "centre_to_centre":
            parts.append(centre_to_centre(ev if ev is not None else evaluate(state, region), ctx))
        elif d == "urban_area_to_urban_area":
            parts.append(urban_area_to_urban_area(skims, region, ctx, areas=areas))
        elif d == "station_to_station":
            parts.append(station_to_station(skims, ctx))
        elif d == "corridor_end_to_end":
            parts.append(corridor_end_to_end(state, ctx))
        elif d == "accessibility":
            parts.append(accessibility(skims, region, ctx, areas=areas))
        elif d == "core_area_commute":
            parts.append(core_area_commute(skims, region, ctx, area="中心区"))
            parts.append(core_area_commute(skims, region, ctx, area="都市圈"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def measure_periods(
    state: NetworkState,
    region: Region,
    *,
    scenario: str,
    periods: Iterable[str] = ("off_peak", "am_peak"),
    definitions: Iterable[str] = DEFINITIONS,
) -> pd.DataFrame:
    """``measure`` in each period (the state's other parameters unchanged)."""
    defs = list(definitions)
    areas = central_urban_areas(region)
    return pd.concat(
        [measure(state.with_params(period=p), region, scenario=scenario, definitions=defs, areas=areas) for p in periods], ignore_index=True
    )


def headline(table: pd.DataFrame) -> pd.DataFrame:
    """The headline series of each definition (one value per definition, measure, mode, origin, destination, period)."""
    return table[table["headline"].astype(bool)].reset_index(drop=True)


def series_label(row: Mapping[str, Any]) -> str:
    """A short name for one headline series, e.g. 'urban_area_to_urban_area fastest_in_vehicle changsha→zhuzhou (off_peak)'."""
    thr = row.get("threshold_minutes")
    t = f" ≤{float(thr):g}" if thr is not None and not (isinstance(thr, float) and math.isnan(thr)) and row["unit"] == "share" else ""
    return f"{row['measure']}{t} {row['mode']} {row['origin']}→{row['destination']} ({row['period']})"
