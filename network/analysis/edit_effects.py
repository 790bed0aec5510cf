"""What each hand-written edit of a scenario (``add:`` roads, ``remove_lines``) did to its network.

Each edit is measured at its turn: the road network just before it is applied is compared with the
network just after (``resolve.build_state`` applies rail removals first, then catalogue projects, then
the ``add`` entries in file order), so the counts are exactly what that edit changed. The records go
into metrics.json (``edits``), the report and, as lines with popups, the scenario and compare maps.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from network.geo import to_metric
from network.model.graph import NetworkState, RoadNetwork
from network.model.rail import RailNetwork, line_segments
from network.paths import CRS_WGS84
from network.scenario.resolve import ResolvedScenario, apply_transit_edits, build_state, transit_known
from network.scenario.schema import EditSpec, NewRoad, RoadClosure, RoadUpgrade, edit_type, scenario_edits, with_edits
from network.scenario.transit_specs import TRANSIT_EDIT_CLASSES, AddStops, AddTripPattern, ExtendLine

__all__ = ["edit_effects", "edits_frame", "road_diff"]

_TO_M = to_metric()
_ROW = ["u", "v", "length_m", "highway", "speed_am_peak_kph", "speed_off_peak_kph"]
COORD_DECIMALS = 5


def road_diff(before: RoadNetwork, after: RoadNetwork) -> dict[str, float | int]:
    """Edges added, removed and changed (class, speed or length) from ``before`` to ``after``, with their km.

    Edges are matched as a multiset of (u, v, length, class, speeds) rows; an unmatched row of ``after``
    between the same two nodes as an unmatched row of ``before`` counts as changed, not added + removed.
    """
    a, b = _rows(before.edges), _rows(after.edges)
    m = a.merge(b, on=[*_ROW, "occ"], how="outer", indicator=True)
    only_a = m[m["_merge"] == "left_only"].copy()
    only_b = m[m["_merge"] == "right_only"].copy()
    for df in (only_a, only_b):
        df["pair_occ"] = df.groupby(["u", "v"]).cumcount()
    pairs = only_a.merge(only_b, on=["u", "v", "pair_occ"], how="inner", suffixes=("_a", "_b"))
    km = 1000.0
    n_changed = len(pairs)
    added_km = float(only_b["length_m"].sum()) - float(pairs["length_m_b"].sum())
    removed_km = float(only_a["length_m"].sum()) - float(pairs["length_m_a"].sum())
    new_nodes = set(after.nodes["node_id"]) - set(before.nodes["node_id"])
    added_rows = only_b.merge(pairs[["u", "v", "pair_occ"]], on=["u", "v", "pair_occ"], how="left", indicator="paired")
    added_rows = added_rows[added_rows["paired"] == "left_only"]
    ends = set(added_rows["u"].astype(int)) | set(added_rows["v"].astype(int))
    return {
        "edges_added": int(len(only_b) - n_changed),
        "edges_removed": int(len(only_a) - n_changed),
        "edges_changed": int(n_changed),
        "road_km_added": round(added_km / km, 2),
        "road_km_removed": round(removed_km / km, 2),
        "road_km_changed": round(float(pairs["length_m_b"].sum()) / km, 2),
        "nodes_added": len(new_nodes),
        "existing_nodes_joined": len(ends - new_nodes),
    }


def _rows(edges: pd.DataFrame) -> pd.DataFrame:
    df = edges.reindex(columns=_ROW).copy()
    df["u"] = df["u"].astype(np.int64)
    df["v"] = df["v"].astype(np.int64)
    df["highway"] = df["highway"].astype(str)
    for col in ("length_m", "speed_am_peak_kph", "speed_off_peak_kph"):
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(-1.0).round(3)
    df["occ"] = df.groupby(_ROW).cumcount()
    return df


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a logger while the intermediate states are built (the full state already warned once)."""
    log = logging.getLogger(logger_name)
    before = log.disabled
    log.disabled = True
    try:
        yield
    finally:
        log.disabled = before


def _path_km(path: list[tuple[float, float]]) -> float:
    if len(path) < 2:
        return 0.0
    x, y = _TO_M.transform([p[0] for p in path], [p[1] for p in path])
    return float(np.hypot(np.diff(x), np.diff(y)).sum()) / 1000.0


def _line_path(rail: RailNetwork, line_id: str) -> list[tuple[float, float]]:
    stops = rail.stops[rail.stops["line_id"] == line_id]
    if "seq" in stops:
        stops = stops.sort_values("seq")
    return [(float(lo), float(la)) for lo, la in zip(stops["lon"], stops["lat"])]


def _road_summary(spec: NewRoad | Any, d: dict[str, Any]) -> str:
    if isinstance(spec, NewRoad):
        if not d["edges_added"]:
            return "adds no road edge"
        return (
            f"adds {d['edges_added']} road edge(s), {d['road_km_added']:.1f} km of {spec.highway} at {spec.speed_kph:g} km/h, "
            f"joined to the network at {d['existing_nodes_joined']} existing node(s)"
            + (f", with {d['nodes_added']} new node(s)" if d["nodes_added"] else "")
        )
    if isinstance(spec, RoadUpgrade):
        if not d["edges_changed"]:
            return "changes no road edge (no match, or every matched edge is already as fast)"
        to = spec.highway + (f" at {spec.speed_kph:g} km/h" if spec.speed_kph else "")
        return f"upgrades {d['edges_changed']} road edge(s), {d['road_km_changed']:.1f} km, to {to}"
    if not d["edges_removed"]:
        return "closes no road edge (no road matched)"
    return f"closes {d['edges_removed']} road edge(s), {d['road_km_removed']:.1f} km"


def edit_effects(resolved: ResolvedScenario, state: NetworkState, *, own: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """One record per hand-written edit of ``resolved`` (metrics.json ``edits``), in the order applied.

    Parameters
    ----------
    resolved : the resolved scenario (its ``scenario`` carries the base chain's edits too).
    state : ``build_state(resolved)``, the scenario's network (its warnings name the edits).
    own : names of the edits the scenario file itself writes; the others are marked ``inherited``
        (default: none inherited).

    Returns
    -------
    list of dict
        name, type (new_road, road_upgrade, road_closure, remove_line), inherited, length_km (the drawn
        geometry: the path, or the removed line through its stops), changes (counts and km: edges
        added/removed/changed, nodes; for a line its id, name and stops), summary (one sentence),
        warning (or None) and path_lonlat (the geometry, rounded to 1e-5°).
    """
    sc = resolved.scenario
    edits = scenario_edits(sc)
    if not edits:
        return []
    own_set = set(edits) if own is None else set(own)
    road_names = [n for n, s in edits.items() if not isinstance(s, str) and not isinstance(s, TRANSIT_EDIT_CLASSES)]
    transit = _transit_records(resolved, state, edits)
    rail_before = None
    road_states: list[RoadNetwork] = []
    with _quiet("network.scenario.resolve"):
        lines_only = {n: s for n, s in edits.items() if isinstance(s, str)}
        for k in range(len(road_names) + 1):
            kept = {**lines_only, **{n: edits[n] for n in road_names[:k]}} if k else {}
            if k == len(road_names):
                road_states.append(state.roads)
                break
            st = build_state(replace(resolved, scenario=with_edits(sc, kept)))
            if k == 0:
                rail_before = st.rail
            road_states.append(st.roads)
    assert rail_before is not None or not road_names
    if rail_before is None:
        with _quiet("network.scenario.resolve"):
            rail_before = build_state(replace(resolved, scenario=with_edits(sc, {}))).rail
    out: list[dict[str, Any]] = []
    for name, spec in edits.items():
        if name in transit:
            out.append({"name": name, "type": edit_type(spec), "inherited": name not in own_set, **transit[name]})
            continue
        out.append(_record(name, spec, resolved, state, rail_before, road_states, road_names, inherited=name not in own_set))
    return out


def end_to_end_minutes(rail: RailNetwork, line_id: str, values: dict[str, float]) -> dict[str, float | None]:
    """First stop to last stop of ``line_id`` per period (runs + dwells at the intermediate stops), minutes;
    ``None`` in a period the line does not run (or when it is absent)."""
    out: dict[str, float | None] = {}
    for period in ("am_peak", "off_peak"):
        one = RailNetwork(rail.lines[rail.lines["line_id"] == line_id], rail.stops[rail.stops["line_id"] == line_id])
        seg = line_segments(one, period, values)  # type: ignore[arg-type]
        out[period] = round(float(seg["run_s"].sum() + seg["dwell_s"].iloc[:-1].sum()) / 60.0, 2) if len(seg) else None
    return out


def _headways(rail: RailNetwork, line_id: str) -> dict[str, float | None]:
    row = rail.lines[rail.lines["line_id"] == line_id]
    out: dict[str, float | None] = {}
    for period in ("am_peak", "off_peak"):
        v = pd.to_numeric(row[f"headway_{period}_min"], errors="coerce") if len(row) else pd.Series(dtype=float)
        out[period] = float(v.iloc[0]) if len(v) and pd.notna(v.iloc[0]) else None
    return out


def _transit_records(resolved: ResolvedScenario, state: NetworkState, edits: dict[str, EditSpec]) -> dict[str, dict[str, Any]]:
    """name -> record body (length_km, changes, summary, warning, path_lonlat) of each transit edit, each
    measured at its turn: the services just before it against those just after (replayed exactly as
    ``resolve.build_state`` applies them, after every other edit)."""
    sc = resolved.scenario
    entries = [(k, a) for k, a in enumerate(sc.add) if isinstance(a, TRANSIT_EDIT_CLASSES)]
    if not entries:
        return {}
    others: dict[str, EditSpec] = {n: s for n, s in edits.items() if not isinstance(s, TRANSIT_EDIT_CLASSES)}
    with _quiet("network.scenario.resolve"):
        rail = build_state(replace(resolved, scenario=with_edits(sc, others))).rail
    known = transit_known(resolved)
    values = state.params.values()
    out: dict[str, dict[str, Any]] = {}
    for k, spec in entries:
        after, notes = apply_transit_edits(rail, [(k, spec)], file=resolved.file, year=resolved.year, known=known)
        out[spec.name] = _transit_record(spec, rail, after, values, notes[0].split(": ", 1)[1] if notes else None)
        rail = after
    return out


def _stop_names(rail: RailNetwork, line_id: str) -> list[str]:
    s = rail.stops[rail.stops["line_id"] == line_id].sort_values("seq")
    return [str(n) for n in s["name_zh"]]


def _transit_record(spec: Any, before: RailNetwork, after: RailNetwork, values: dict[str, float], note: str | None) -> dict[str, Any]:
    lid = spec.line
    names_b, names_a = _stop_names(before, lid), _stop_names(after, lid)
    added = [n for n in names_a if n not in names_b]
    removed = [n for n in names_b if n not in names_a]
    hw_b, hw_a = _headways(before, lid), _headways(after, lid)
    t_b, t_a = end_to_end_minutes(before, lid, values), end_to_end_minutes(after, lid, values)
    line_path = _line_path(after, lid) or _line_path(before, lid)
    if isinstance(spec, ExtendLine | AddStops) and added:
        idx = [i for i, n in enumerate(names_a) if n in added]
        lo, hi = max(min(idx) - 1, 0), min(max(idx) + 1, len(names_a) - 1)
        path = line_path[lo : hi + 1]
    else:
        path = line_path
    changes: dict[str, Any] = {
        "line_id": lid,
        "stops_before": len(names_b),
        "stops_after": len(names_a),
        "stops_added": added,
        "stops_removed": removed,
        "headway_min": {p: [hw_b[p], hw_a[p]] for p in hw_a},
        "end_to_end_min": {p: [t_b[p], t_a[p]] for p in t_a},
    }

    def fmt(v: float | None) -> str:
        return "no service" if v is None else f"{v:g}"

    if isinstance(spec, AddTripPattern):
        summary = (
            f"adds line {lid} ({spec.kind}, {len(names_a)} stops, {_path_km(line_path):.1f} km drawn): every "
            f"{fmt(hw_a['am_peak'])} min AM peak / {fmt(hw_a['off_peak'])} off-peak; {fmt(t_a['am_peak'])} min end to end (AM)"
        )
    elif added or removed:
        summary = (
            f"{lid}: "
            + "; ".join(
                [*([f"adds stop(s) {', '.join(added)}"] if added else []), *([f"removes stop(s) {', '.join(removed)}"] if removed else [])]
            )
            + f"; end to end (AM) {fmt(t_b['am_peak'])} -> {fmt(t_a['am_peak'])} min"
        )
    elif hw_a != hw_b:
        summary = f"{lid}: headway AM {fmt(hw_b['am_peak'])} -> {fmt(hw_a['am_peak'])} min, off-peak {fmt(hw_b['off_peak'])} -> {fmt(hw_a['off_peak'])} min"
    else:
        summary = (
            f"{lid}: end to end AM {fmt(t_b['am_peak'])} -> {fmt(t_a['am_peak'])} min, "
            f"off-peak {fmt(t_b['off_peak'])} -> {fmt(t_a['off_peak'])} min"
        )
    unchanged = names_a == names_b and hw_a == hw_b and t_a == t_b and lid in set(before.lines["line_id"])
    warning = note if note else (f"{lid}: the edit changes nothing" if unchanged or lid not in set(after.lines["line_id"]) else None)
    return {
        "length_km": round(_path_km(path), 2),
        "changes": changes,
        "summary": summary if not note else note,
        "warning": warning,
        "path_lonlat": [[round(lo, COORD_DECIMALS), round(la, COORD_DECIMALS)] for lo, la in path],
    }


def _record(
    name: str,
    spec: EditSpec,
    resolved: ResolvedScenario,
    state: NetworkState,
    rail_before: RailNetwork,
    road_states: list[RoadNetwork],
    road_names: list[str],
    *,
    inherited: bool,
) -> dict[str, Any]:
    warning: str | None = None
    if isinstance(spec, str):
        lines = rail_before.lines.set_index("line_id")
        path = _line_path(rail_before, spec)
        running = spec in lines.index
        changes: dict[str, Any] = {
            "line_id": spec,
            "line_name": str(lines.at[spec, "name_zh"]) if running else None,
            "stops_removed": len(path),
        }
        patterns = sorted(lines.index[lines["pattern_of"] == spec]) if "pattern_of" in lines.columns else []
        changes["patterns_removed"] = patterns
        if running:
            summary = f"removes rail line {spec} {changes['line_name']} ({len(path)} stops)"
            if patterns:
                summary += f" and its stopping pattern(s) {', '.join(patterns)}"
        else:
            when = f" in {resolved.year}" if resolved.year is not None else ""
            summary = f"line {spec} does not run{when}: removing it changes nothing"
            warning = summary
    else:
        assert isinstance(spec, NewRoad | RoadUpgrade | RoadClosure)
        k = road_names.index(name)
        changes = dict(road_diff(road_states[k], road_states[k + 1]))
        path = [(float(lo), float(la)) for lo, la in spec.path]
        if isinstance(spec, NewRoad | RoadUpgrade):
            changes["highway"] = spec.highway
            changes["speed_kph"] = spec.speed_kph
        summary = _road_summary(spec, changes)
        notes = [w.split(": ", 1)[1] for w in state.warnings if w.startswith("add[") and f"] {name}: " in w]
        if notes:
            warning = notes[0]
        elif not (changes["edges_added"] or changes["edges_removed"] or changes["edges_changed"]):
            warning = summary
    return {
        "name": name,
        "type": edit_type(spec),
        "inherited": inherited,
        "length_km": round(_path_km(path), 2),
        "changes": changes,
        "summary": summary,
        "warning": warning,
        "path_lonlat": [[round(lo, COORD_DECIMALS), round(la, COORD_DECIMALS)] for lo, la in path],
    }


def edits_frame(records: Iterable[dict[str, Any]], *, scenario: str = "") -> gpd.GeoDataFrame:
    """The ``edit_effects`` records as a WGS-84 GeoDataFrame of lines for maps.

    Columns: scenario, name, type, inherited, length_km, summary, warning, geometry.
    """
    rows = []
    for r in records:
        pts = [tuple(p) for p in r.get("path_lonlat", [])]
        geom = shapely.LineString(pts) if len(pts) >= 2 else (shapely.Point(pts[0]) if pts else None)
        rows.append(
            {
                "scenario": scenario,
                "name": r["name"],
                "type": r["type"],
                "inherited": bool(r.get("inherited", False)),
                "length_km": r.get("length_km"),
                "summary": r.get("summary", ""),
                "warning": r.get("warning"),
                "geometry": geom,
            }
        )
    cols = ["scenario", "name", "type", "inherited", "length_km", "summary", "warning", "geometry"]
    return gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=CRS_WGS84)
