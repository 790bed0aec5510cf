"""Half-hour-circle indicators from travel-time fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .engine import fields_from_points, snap_points, times_to_points
from .graph import ModeGraph, NetworkState, build_mode_graph
from .region import CITIES, Region

FloatArray = npt.NDArray[np.float64]
HALF_HOUR_MINUTES = 30.0
FIELD_LIMIT_S = 3 * 3600.0
"""Fields are cut at 3 h: every indicator asks about far less."""


@dataclass(frozen=True)
class Evaluation:
    """Travel times from each city centre, per mode (minutes).

    centre_minutes[mode]: (3, 3) array, row = origin centre, column = destination centre (CITIES order).
    cell_minutes[mode]: (3, n_cells) array of times from each centre to each grid cell.
    """

    centre_minutes: dict[str, FloatArray]
    cell_minutes: dict[str, FloatArray]
    graphs: dict[str, ModeGraph]
    zone_minutes: dict[str, FloatArray]
    """(n_zones, n_zones) minutes between zone population centroids (``Region.zones`` order)."""


def evaluate(state: NetworkState, region: Region) -> Evaluation:
    """Compute centre-to-centre and centre-to-cell times for car, transit and best."""
    cx = region.centres.set_index("city").loc[list(CITIES), "x_m"].to_numpy(dtype=float)
    cy = region.centres.set_index("city").loc[list(CITIES), "y_m"].to_numpy(dtype=float)
    gx = region.grid["x_m"].to_numpy(dtype=float)
    gy = region.grid["y_m"].to_numpy(dtype=float)
    zx, zy = zone_points(region)
    centre_min: dict[str, FloatArray] = {}
    cell_min: dict[str, FloatArray] = {}
    zone_min: dict[str, FloatArray] = {}
    graphs: dict[str, ModeGraph] = {}
    for mode in ("car", "transit"):
        g = build_mode_graph(state, mode)  # type: ignore[arg-type]
        graphs[mode] = g
        origins = snap_points(g, cx, cy, state.params)
        field = fields_from_points(g, origins, limit_s=FIELD_LIMIT_S)
        centre_min[mode] = times_to_points(field, origins) / 60.0
        cell_min[mode] = times_to_points(field, snap_points(g, gx, gy, state.params, max_snap_m=None)) / 60.0
        np.fill_diagonal(centre_min[mode], 0.0)
        zsnap = snap_points(g, zx, zy, state.params, max_snap_m=None)
        zone_min[mode] = times_to_points(fields_from_points(g, zsnap, limit_s=FIELD_LIMIT_S), zsnap) / 60.0
        np.fill_diagonal(zone_min[mode], 0.0)
    for d in (centre_min, cell_min, zone_min):
        d["best"] = np.minimum(d["car"], d["transit"])
    return Evaluation(centre_minutes=centre_min, cell_minutes=cell_min, graphs=graphs, zone_minutes=zone_min)


def zone_points(region: Region) -> tuple[FloatArray, FloatArray]:
    """Population-weighted centroid (UTM m) of each zone's grid cells, in ``Region.zones`` order."""
    g = region.grid
    w = g["population"].to_numpy(dtype=float)
    xs, ys = [], []
    for zid in region.zones["zone_id"].astype(str):
        sel = (g["zone_id"] == zid).to_numpy()
        ww = w[sel] if w[sel].sum() > 0 else np.ones(int(sel.sum()))
        xs.append(float((g["x_m"].to_numpy()[sel] * ww).sum() / ww.sum()))
        ys.append(float((g["y_m"].to_numpy()[sel] * ww).sum() / ww.sum()))
    return np.array(xs), np.array(ys)


def _r(x: float, nd: int = 2) -> float | None:
    return None if not np.isfinite(x) else round(float(x), nd)


def centre_pairs_table(ev: Evaluation) -> pd.DataFrame:
    """All 6 ordered centre pairs × modes, with the ≤ 30 min flag."""
    rows = []
    for mode in ("car", "transit", "best"):
        m = ev.centre_minutes[mode]
        for i, a in enumerate(CITIES):
            for j, b in enumerate(CITIES):
                if i == j:
                    continue
                rows.append({"from": a, "to": b, "mode": mode, "minutes": _r(m[i, j]), "within_30": bool(m[i, j] <= HALF_HOUR_MINUTES)})
    return pd.DataFrame(rows)


def population_within_table(ev: Evaluation, region: Region, minutes: float = HALF_HOUR_MINUTES) -> pd.DataFrame:
    """Population of each other city within ``minutes`` of each centre, per mode, with its share."""
    pop = region.grid["population"].to_numpy(dtype=float)
    city = region.grid["city"].to_numpy()
    city_pop = region.city_population()
    rows = []
    for mode in ("car", "transit", "best"):
        t = ev.cell_minutes[mode]
        for i, a in enumerate(CITIES):
            reach = t[i] <= minutes
            for b in CITIES:
                p = float(pop[reach & (city == b)].sum())
                rows.append(
                    {
                        "centre": a,
                        "city": b,
                        "mode": mode,
                        "minutes": minutes,
                        "population": int(p),
                        "share": round(p / city_pop[b], 4) if city_pop[b] else 0.0,
                        "other_city": a != b,
                    }
                )
    return pd.DataFrame(rows)


def half_hour_index(ev: Evaluation, region: Region, mode: str = "best") -> float:
    """The half-hour-circle index: population-weighted share of inter-city zone pairs within 30 min.

    Over every ordered pair of zones (i, j) in different cities, weight P_i × P_j (2020 census
    population) and count the pair when the trip from i's population centroid to j's takes ≤ 30
    minutes by ``mode``. 1.0 = every resident can reach every other city's residents' zones in half an
    hour; 0.0 = no inter-city zone pair is within half an hour.
    """
    t = ev.zone_minutes[mode]
    pop = region.zones["population_2020"].to_numpy(dtype=float)
    city = region.zones["city"].to_numpy()
    w = pop[:, None] * pop[None, :] * (city[:, None] != city[None, :])
    total = float(w.sum())
    return round(float((w * (t <= HALF_HOUR_MINUTES)).sum()) / total, 4) if total else 0.0
