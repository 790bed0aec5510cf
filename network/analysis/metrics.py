"""Half-hour-circle indicators from travel-time fields."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from network.model.graph import NetworkState
from network.model.region import CITIES, CITY_ZH, Region
from network.model.types import FloatArray
from network.routing.engine import (
    Field,
    IntArray,
    Snap,
    costs_to_points,
    fields_from_points,
    fields_from_rows,
    node_costs_s,
    snap_points,
    times_to_points,
    with_direct_s,
)
from network.routing.graphs import ModeGraph, build_mode_graph
from network.routing.incremental import TreeSolve, affected_origins, diff, recompute, recompute_costs, solve

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
    trees: dict[str, TreeSolve] = field(default_factory=dict)
    """Per mode, with ``keep_trees=True``: the origin nodes' times and shortest-path trees, so that an
    evaluation of an edited network (``reuse=``) recomputes only the origins the edit can change."""
    recomputed: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per mode: (origin nodes recomputed, origin nodes in all); fewer than all after an incremental reuse."""
    cell_beyond_reach: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)
    """Per mode (car, transit): grid cells farther from the network than a connector's documented reach
    (car: an estimated access leg; transit: no connection but a direct walk); see :func:`beyond_reach_summary`."""
    zone_beyond_reach: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)
    """Per mode: zone centroids beyond the reach (``Region.zones`` order)."""
    centre_generalized_minutes: dict[str, FloatArray] = field(default_factory=dict)
    """Per mode, like ``centre_minutes``: the generalized minutes of the same trips (the cost transit paths are
    chosen by; car: its clock minutes; best: those of the mode ``best`` takes), see :func:`best_generalized`."""


def _origin_rows(
    g: ModeGraph, nodes: IntArray, reuse: Evaluation | None, mode: str, keep_trees: bool
) -> tuple[Field, TreeSolve | None, int]:
    """Node costs and clock times (s) from each origin node (``nodes``, sorted), cut at FIELD_LIMIT_S of
    clock time; the tree solve when asked for; how many rows were computed. Reuses ``reuse``'s rows where
    the edit cannot change them. On a generalized graph (transit) the trees are by generalized cost and
    the clock times are summed along them (``network.routing.engine.node_costs_s``)."""
    base = reuse.trees.get(mode) if reuse is not None else None
    old = reuse.graphs.get(mode) if reuse is not None else None
    clock = g.clock_s if g.generalized else None
    search_s = g.search_limit_s(FIELD_LIMIT_S)
    if (
        base is not None
        and old is not None
        and old.n_nodes == g.n_nodes
        and np.array_equal(old.node_x, g.node_x)
        and np.array_equal(old.node_y, g.node_y)
        and (base.clock_s is None) == (clock is None)
        and base.limit_s == search_s
    ):
        return _reused_rows(g, nodes, base, clock)
    if keep_trees:
        tree = solve(g.csr, nodes, limit_s=search_s, keep_fields=True, clock_s=clock)
        if tree.clock_s is not None:
            return _clock_cut(tree.times_s, tree.clock_s), tree, len(nodes)
        return Field(tree.times_s, tree.times_s), tree, len(nodes)
    return node_costs_s(g, nodes, limit_s=FIELD_LIMIT_S), None, len(nodes)


def _reused_rows(g: ModeGraph, nodes: IntArray, base: TreeSolve, clock: FloatArray | None) -> tuple[Field, None, int]:
    """Rows from ``nodes`` on ``g`` (same nodes as ``base``'s graph): an origin ``base`` solved keeps its row
    unless the edit can change it (then recomputed on ``g``); an origin it did not solve (a changed snap
    added it) is computed afresh, as a full evaluation would. Also returns how many rows were computed."""
    at = np.minimum(np.searchsorted(base.sources, nodes), len(base.sources) - 1)
    known = base.sources[at] == nodes
    rows = np.intersect1d(affected_origins(base, diff(base.csr, g.csr)), at[known])
    if clock is not None:
        gen, clk = recompute_costs(base, g.csr, clock, rows) if len(rows) else (base.times_s, base.clock_s)
        assert clk is not None
        kept = _clock_cut(gen[at[known]], clk[at[known]])
    else:
        times = recompute(base, g.csr, rows) if len(rows) else base.times_s
        mine = times[at[known]]
        kept = Field(mine, mine)
    if known.all():
        return kept, None, len(rows)
    fresh = node_costs_s(g, nodes[~known], limit_s=FIELD_LIMIT_S)

    def merged(kept_rows: FloatArray, fresh_rows: FloatArray) -> FloatArray:
        out = np.empty((len(nodes), kept_rows.shape[1]))
        out[known], out[~known] = kept_rows, fresh_rows
        return out

    gen = merged(kept.gen_s, fresh.gen_s)
    clk = merged(kept.clock_s, fresh.clock_s) if kept.generalized else gen
    return Field(gen, clk), None, len(rows) + int((~known).sum())


def _clock_cut(gen: FloatArray, clock: FloatArray) -> Field:
    """Costs and clock times, the clock time ``inf`` where it exceeds FIELD_LIMIT_S (a copy)."""
    return Field(gen, np.where(clock <= FIELD_LIMIT_S, clock, np.inf))


def evaluate(state: NetworkState, region: Region, *, reuse: Evaluation | None = None, keep_trees: bool = False) -> Evaluation:
    """Compute centre-to-centre, centre-to-cell and zone-to-zone times for car, transit and best.

    ``reuse``: an evaluation (made with ``keep_trees=True``) of a network on the same nodes, e.g. the
    full scenario when leaving one project out: only the origins whose shortest-path trees the
    difference can change are recomputed (``network.routing.incremental``); the results are the same as a
    full evaluation. Graphs on other nodes (a project adding a road or a line) are computed in full.
    ``keep_trees`` keeps the trees of modes computed in full (a reused mode has none to keep).
    """
    cx = region.centres.set_index("city").loc[list(CITIES), "x_m"].to_numpy(dtype=float)
    cy = region.centres.set_index("city").loc[list(CITIES), "y_m"].to_numpy(dtype=float)
    gx = region.grid["x_m"].to_numpy(dtype=float)
    gy = region.grid["y_m"].to_numpy(dtype=float)
    zx, zy = zone_points(region)
    centre_min: dict[str, FloatArray] = {}
    centre_gen: dict[str, FloatArray] = {}
    cell_min: dict[str, FloatArray] = {}
    zone_min: dict[str, FloatArray] = {}
    graphs: dict[str, ModeGraph] = {}
    trees: dict[str, TreeSolve] = {}
    recomputed: dict[str, tuple[int, int]] = {}
    cell_far: dict[str, npt.NDArray[np.bool_]] = {}
    zone_far: dict[str, npt.NDArray[np.bool_]] = {}
    for mode in ("car", "transit"):
        g = build_mode_graph(state, mode)  # type: ignore[arg-type]
        graphs[mode] = g
        origins = snap_points(g, cx, cy, state.params)
        zsnap = snap_points(g, zx, zy, state.params, max_snap_m=None)
        nodes = np.unique(np.concatenate([origins.nodes.ravel(), zsnap.nodes.ravel()]))
        rows, tree, n_done = _origin_rows(g, nodes, reuse, mode, keep_trees)
        if tree is not None:
            trees[mode] = tree
        recomputed[mode] = (n_done, len(nodes))
        field_ = fields_from_rows(rows, nodes, origins, limit_s=FIELD_LIMIT_S)
        centre_min[mode], centre_gen[mode] = _centre_costs(field_, origins)
        cells = snap_points(g, gx, gy, state.params, max_snap_m=None)
        cell_min[mode] = _cut(with_direct_s(times_to_points(field_, cells), origins, cells)) / 60.0
        cell_far[mode] = cells.beyond_reach
        zone_far[mode] = zsnap.beyond_reach
        zone_field = times_to_points(fields_from_rows(rows, nodes, zsnap, limit_s=FIELD_LIMIT_S), zsnap)
        zone_min[mode] = _cut(with_direct_s(zone_field, zsnap, zsnap)) / 60.0
        np.fill_diagonal(zone_min[mode], 0.0)
    for d in (centre_min, cell_min, zone_min):
        d["best"] = np.minimum(d["car"], d["transit"])
    centre_gen["best"] = best_generalized(centre_min, centre_gen)
    return Evaluation(
        centre_minutes=centre_min,
        cell_minutes=cell_min,
        graphs=graphs,
        zone_minutes=zone_min,
        trees=trees,
        recomputed=recomputed,
        cell_beyond_reach=cell_far,
        zone_beyond_reach=zone_far,
        centre_generalized_minutes=centre_gen,
    )


def _centre_costs(field_: Field, origins: Snap, limit_s: float = FIELD_LIMIT_S) -> tuple[FloatArray, FloatArray]:
    """(clock minutes, generalized minutes) between the centre points (diagonal 0): the least-cost candidate's
    clock time, ``inf`` beyond ``limit_s`` on the whole trip (egress too: both ways alike), and its cost
    (``inf`` where the clock time is)."""
    pts = costs_to_points(field_, origins)
    clock = np.where(pts.clock_s <= limit_s, pts.clock_s, np.inf) / 60.0
    gen = np.where(np.isfinite(clock), pts.gen_s / 60.0, np.inf)
    np.fill_diagonal(clock, 0.0)
    np.fill_diagonal(gen, 0.0)
    return clock, gen


def best_generalized(clock_minutes: dict[str, FloatArray], generalized_minutes: dict[str, FloatArray]) -> FloatArray:
    """The generalized minutes of the mode ``best`` takes (the faster by clock; car on a tie): car's are its
    clock minutes, transit's the cost its paths are chosen by."""
    car = clock_minutes["car"] <= clock_minutes["transit"]
    return np.where(car, generalized_minutes["car"], generalized_minutes["transit"])


def _cut(times_s: FloatArray) -> FloatArray:
    """``times_s`` with ``inf`` beyond FIELD_LIMIT_S (a direct walk or drive can be longer than the fields)."""
    return np.where(times_s <= FIELD_LIMIT_S, times_s, np.inf)


def beyond_reach_summary(ev: Evaluation, region: Region) -> dict[str, dict[str, float | int]]:
    """Per mode: grid cells and zones farther from the network than a connector's documented reach, and
    the population living in those cells (count and share). Car times there rest on an estimated access
    leg; transit has no connection there (a direct walk or nothing)."""
    pop = region.grid["population"].to_numpy(dtype=float)
    total = float(pop.sum())
    out: dict[str, dict[str, float | int]] = {}
    for mode, far in ev.cell_beyond_reach.items():
        p = float(pop[far].sum())
        zones = ev.zone_beyond_reach.get(mode, np.zeros(0, dtype=bool))
        out[mode] = {
            "cells": int(far.sum()),
            "population": int(p),
            "population_share": round(p / total, 4) if total else 0.0,
            "zones": int(zones.sum()),
        }
    return out


def centre_minutes(state: NetworkState, region: Region, *, limit_s: float = FIELD_LIMIT_S) -> dict[str, FloatArray]:
    """Centre-to-centre minutes only, per mode (car, transit, best): the ``centre_minutes`` of ``evaluate``
    without the grid and zone fields (a few searches; for sensitivity runs). ``limit_s``: trips longer
    than this (access, path and egress) are ``inf``; ``np.inf`` for no limit.

    Returns
    -------
    dict mode -> (3, 3) array, row = origin centre, column = destination centre (CITIES order).
    """
    return centre_costs(state, region, limit_s=limit_s)[0]


def centre_costs(state: NetworkState, region: Region, *, limit_s: float = FIELD_LIMIT_S) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """(clock minutes, generalized minutes) between the centres per mode (car, transit, best), as
    :func:`centre_minutes` and ``Evaluation.centre_generalized_minutes``; ``inf`` beyond ``limit_s`` of clock time."""
    cx = region.centres.set_index("city").loc[list(CITIES), "x_m"].to_numpy(dtype=float)
    cy = region.centres.set_index("city").loc[list(CITIES), "y_m"].to_numpy(dtype=float)
    clock: dict[str, FloatArray] = {}
    gen: dict[str, FloatArray] = {}
    for mode in ("car", "transit"):
        g = build_mode_graph(state, mode)  # type: ignore[arg-type]
        origins = snap_points(g, cx, cy, state.params)
        clock[mode], gen[mode] = _centre_costs(fields_from_points(g, origins, limit_s=limit_s), origins, limit_s)
    clock["best"] = np.minimum(clock["car"], clock["transit"])
    gen["best"] = best_generalized(clock, gen)
    return clock, gen


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


def round_or_none(x: float, nd: int = 2) -> float | None:
    """``x`` rounded to ``nd`` places; None where it is not finite (an unreachable pair in a table or JSON)."""
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
                rows.append({"from": a, "to": b, "mode": mode, "minutes": round_or_none(m[i, j]), "within_30": bool(m[i, j] <= HALF_HOUR_MINUTES)})
    df = pd.DataFrame(rows)
    df["minutes"] = df["minutes"].astype(object).where(df["minutes"].notna(), None)  # unreachable: None, not NaN
    return df


def beyond_limit_pairs(ev: Evaluation, state: NetworkState, region: Region) -> tuple[list[str], list[str]]:
    """The centre pairs ``ev`` has no time for, split: (longer than the search limit, with their minutes
    from a search without limit; no route at all). A pair beyond the limit is never reported as no route."""
    blank = {m for m in ("car", "transit") if not np.isfinite(ev.centre_minutes[m]).all()}
    if not blank:
        return [], []
    unlimited = centre_minutes(state, region, limit_s=np.inf)
    unlimited["best"] = np.minimum(unlimited["car"], unlimited["transit"])
    beyond, none = [], []
    for mode in ("car", "transit", "best"):
        m = ev.centre_minutes[mode]
        for i, a in enumerate(CITIES):
            for j, b in enumerate(CITIES):
                if i == j or np.isfinite(m[i, j]):
                    continue
                what = f"{CITY_ZH.get(a, a)} {a} → {CITY_ZH.get(b, b)} {b} by {mode}"
                if np.isfinite(unlimited[mode][i, j]):
                    beyond.append(f"{what} ({unlimited[mode][i, j]:.1f} min)")
                else:
                    none.append(what)
    return beyond, none


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


def table_definitions(period: str) -> dict[str, str]:
    """What each table of a scenario run measures (written into metrics.json, the CSVs and the report)."""
    p = period.replace("_", "-")
    return {
        "centre_minutes": f"centre_to_centre: door to door between the city centre points (data/centres.csv), by mode (car: fastest path; transit: path of least generalized cost, in clock minutes), {p}",
        "population_within_30": f"2020 census population (disaggregated to 1 km cells) whose cell centre is reached from each city centre within 30 min door to door, by mode, {p}",
        "isochrones": f"1 km cells reached from each city centre within each threshold, door to door, by mode, {p}",
        "zone_minutes": f"each zone's population-weighted centroid to each city centre, door to door by the best mode, {p}",
    }
