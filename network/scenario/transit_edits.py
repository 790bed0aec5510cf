"""What each transit edit of a scenario (``add:`` entries of network/scenario/transit_specs.py) does to
its rail services: always on a copy, one edit at a time, in file order (``resolve.build_state`` applies
them after the GTFS services, so they may edit those too).

- A timed line (rail kinds: train kinematics at its top speed) keeps its track positions (``track_m``):
  a removed stop is run through, an inserted stop is an infill station on the same track, an extension
  adds track at the line's ``track_detour`` over the straight line.
- A timetabled line (GTFS services; new bus, tram, ferry lines) carries its own run and dwell times per
  stop (``run_<period>_s``, ``dwell_<period>_s``): a removed stop's run is added to the next one (the
  dwell there is saved), an inserted stop splits the run it sits in by distance, an extension runs at
  the line's own average speed.
- Speed, run-time and dwell changes are columns (``speed_edit_kph``, ``speed_factor``,
  ``run_time_target_s``, ``dwell_edit_s``) that ``network.model.rail.line_segments`` applies, so the
  parameters of a sensitivity run still act on an edited line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from network._errors import InputError, one_input_error
from network.geo import to_lonlat, to_metric
from network.model.rail import RailNetwork
from network.scenario.transit_specs import (
    TIMETABLED_KINDS,
    AddStops,
    AddTripPattern,
    AdjustDwellTime,
    AdjustFrequency,
    AdjustSpeed,
    ExtendLine,
    NamedStop,
    RemoveStops,
    StopSpec,
    TransitEdit,
    headways_by_period,
)

_TO_M = to_metric()
_TO_LONLAT = to_lonlat()
PERIODS = ("am_peak", "off_peak")
SAME_PLACE_M = 500.0
"""A stop given by name and position within this distance of a station of that name is that station."""
TIMETABLED_DWELL_S = 20.0
"""Dwell at each intermediate stop of a new bus, tram or ferry line when the edit gives none."""
KIND_COLOURS = {"metro": "#0072b2", "maglev": "#6d6e71", "intercity": "#1d3f91", "hsr": "#333333", "conventional": "#8c6d31"}


@dataclass(frozen=True)
class EditContext:
    """Where an edit was written (``file``, ``field`` = ``add[3]``), the scenario's year, and the line ids
    and stop names the whole scenario may refer to (the base data's lines, the lines and stops its own
    edits add): a reference to one of those that this state lacks (a line not open that year, or added
    by an edit left out for attribution) changes nothing and says so; any other is an error."""

    file: str
    field: str
    year: int | None = None
    known: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Stop:
    """A stop of an edit, placed: its station name, WGS-84 and UTM position."""

    name: str
    lon: float
    lat: float
    x: float
    y: float


def introduced_refs(edits: list[TransitEdit]) -> frozenset[str]:
    """Line ids and stop names that ``edits`` add (see :class:`EditContext`)."""
    out: set[str] = set()
    for e in edits:
        if isinstance(e, AddTripPattern):
            out.add(e.line)
        if not isinstance(e, AddTripPattern | ExtendLine | AddStops):
            continue
        for s in e.stops:
            out.add(_stop_label(e, s) if not isinstance(s, str) else s)
            if isinstance(s, NamedStop):
                out.add(s.name)
    return frozenset(out)


def _stop_label(edit: TransitEdit, s: StopSpec) -> str:
    if isinstance(s, str):
        return s
    if isinstance(s, NamedStop):
        return s.name
    return f"{edit.line} stop {s[0]:.4f},{s[1]:.4f}"


def _places(rail: RailNetwork) -> pd.DataFrame:
    p = rail.station_places()
    lon, lat = _TO_LONLAT.transform(p["x"].to_numpy(), p["y"].to_numpy())
    return p.assign(lon=lon, lat=lat).set_index("name_zh")


def _place(places: pd.DataFrame, name: str) -> Stop:
    lon, lat, x, y = places.loc[name, ["lon", "lat", "x", "y"]].to_numpy(dtype=float)
    return Stop(name, float(lon), float(lat), float(x), float(y))


def resolve_stops(rail: RailNetwork, edit: TransitEdit, specs: list[StopSpec], ctx: EditContext) -> list[Stop]:
    """The stops as places: a name is a station of the scenario, ``{name, lon, lat}`` that station when
    one of that name lies within ``SAME_PLACE_M`` (else a new one), ``[lon, lat]`` a new stop."""
    places = _places(rail)
    out: list[Stop] = []
    unknown: list[InputError] = []
    for k, s in enumerate(specs):
        where = f"{ctx.field}.stops[{k}]"
        if isinstance(s, str):
            if s not in places.index:
                close = difflib.get_close_matches(s, list(places.index), n=3, cutoff=0.4)
                hint = f"; closest: {', '.join(close)}" if close else ""
                unknown.append(
                    InputError(
                        ctx.file,
                        where,
                        f"got {s!r}: no station of that name in this scenario{hint}; a new stop is written "
                        "{name: <name>, lon: <lon>, lat: <lat>} or [lon, lat]",
                    )
                )
                continue
            out.append(_place(places, s))
            continue
        lon, lat = (s.lon, s.lat) if isinstance(s, NamedStop) else (float(s[0]), float(s[1]))
        x, y = _TO_M.transform(lon, lat)
        name = _stop_label(edit, s)
        if name in places.index:
            there = _place(places, name)
            gap = float(np.hypot(there.x - x, there.y - y))
            if gap > SAME_PLACE_M:
                raise InputError(
                    ctx.file,
                    f"{where}.name",
                    f"got {name!r}: a station of that name already lies {gap / 1000:.1f} km from [{lon}, {lat}]; "
                    "give the new stop another name, or write just the name to use that station",
                )
            out.append(there)
            continue
        out.append(Stop(name, lon, lat, float(x), float(y)))
    if unknown:  # every unknown station of the edit at once
        raise one_input_error(unknown)
    names = [s.name for s in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(ctx.file, f"{ctx.field}.stops", f"{twice} listed more than once; expected each stop once")
    return out


def _hops_m(stops: list[Stop]) -> np.ndarray:
    return np.hypot(np.diff([s.x for s in stops]), np.diff([s.y for s in stops]))


def _stop_rows(line_id: str, stops: list[Stop], track_m: np.ndarray, source: str) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "line_id": line_id,
            "seq": np.arange(len(stops)),
            "name_zh": [s.name for s in stops],
            "lon": [s.lon for s in stops],
            "lat": [s.lat for s in stops],
            "x": [s.x for s in stops],
            "y": [s.y for s in stops],
            "inferred": False,
            "source": source,
            "track_m": track_m,
        }
    )
    return rows


def _with_places(rail: RailNetwork, lines: pd.DataFrame, stops: pd.DataFrame) -> RailNetwork:
    """A RailNetwork of ``lines`` and ``stops`` whose places are the old ones plus any new stop."""
    old = rail.station_places()
    new = stops.loc[~stops["name_zh"].isin(old["name_zh"]), ["name_zh", "x", "y"]].drop_duplicates("name_zh")
    places = pd.concat([old, new], ignore_index=True) if len(new) else old
    return RailNetwork(lines.reset_index(drop=True), stops.reset_index(drop=True), places)


def _line(rail: RailNetwork, spec: TransitEdit, ctx: EditContext) -> tuple[pd.Series | None, str]:
    """The line an edit names, or (None, why it changes nothing); an unknown id is an ``InputError``."""
    hit = rail.lines[rail.lines["line_id"] == spec.line]
    if len(hit):
        return hit.iloc[0], ""
    if spec.line in ctx.known:
        when = f" in {ctx.year}" if ctx.year is not None else ""
        return None, f"line {spec.line} does not run{when} in this state: the edit changes nothing"
    ids = sorted(map(str, rail.lines["line_id"]))
    close = difflib.get_close_matches(spec.line, ids, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise InputError(ctx.file, f"{ctx.field}.line", f"got {spec.line!r}: no line of that id in this scenario{hint}; expected one of {ids}")


def _is_timetabled(stops: pd.DataFrame) -> bool:
    col = "run_am_peak_s"
    return col in stops.columns and bool(pd.to_numeric(stops[col], errors="coerce").notna().all()) and len(stops) > 0


def _line_stops(rail: RailNetwork, line_id: str) -> pd.DataFrame:
    return rail.stops[rail.stops["line_id"] == line_id].sort_values("seq")


def _replace_stops(rail: RailNetwork, line_id: str, new: pd.DataFrame) -> pd.DataFrame:
    new = new.reset_index(drop=True).assign(seq=np.arange(len(new)))
    others = rail.stops[rail.stops["line_id"] != line_id]
    return pd.concat([others, new], ignore_index=True)


def add_trip_pattern(rail: RailNetwork, spec: AddTripPattern, ctx: EditContext) -> tuple[RailNetwork, str]:
    """A new line (its opening after the scenario's year: not added, said so)."""
    if spec.opened is not None and ctx.year is not None and spec.opened.year > ctx.year:
        return rail, f"line {spec.line} opens {spec.opened.isoformat()}, after {ctx.year}: not in this scenario"
    if spec.line in set(rail.lines["line_id"]):
        raise InputError(ctx.file, f"{ctx.field}.line", f"got {spec.line!r}: a line of that id already runs; give the new line its own id")
    stops = resolve_stops(rail, spec, list(spec.stops), ctx)
    hops = _hops_m(stops) * spec.detour
    if (hops <= 0).any():
        raise InputError(ctx.file, f"{ctx.field}.stops", "two consecutive stops are at the same place; expected distinct places")
    track = np.r_[0.0, np.cumsum(hops)]
    rows = _stop_rows(spec.line, stops, track, f"scenario edit {spec.name}")
    hw = headways_by_period(spec.headway_min)
    timetabled = spec.kind in TIMETABLED_KINDS
    line: dict[str, object] = {
        "line_id": spec.line,
        "name_zh": spec.name_zh or spec.name,
        "name_en": spec.name,
        "kind": spec.kind,
        "top_speed_kph": spec.speed_kph if spec.speed_kph is not None and not timetabled else np.nan,
        "headway_am_peak_min": hw.get("am_peak", np.nan),
        "headway_off_peak_min": hw.get("off_peak", np.nan),
        "track_detour": spec.detour,
        "opened": spec.opened.isoformat() if spec.opened else "",
        "pattern_of": "",
        "colour": spec.colour or KIND_COLOURS.get(spec.kind, "#444444"),
        "source": f"scenario edit {spec.name} ({ctx.file})",
        "one_way": not spec.two_way,
        "speed_sections": "",
        "speed_edit_kph": spec.speed_kph if spec.speed_kph is not None and not timetabled else np.nan,
        "run_time_target_s": spec.run_time_min * 60.0 if spec.run_time_min is not None else np.nan,
    }
    if timetabled:
        dwell = spec.dwell_s if spec.dwell_s is not None else TIMETABLED_DWELL_S
        kph = spec.speed_kph if spec.speed_kph is not None else 25.0  # scaled to run_time_min by line_segments
        for p in PERIODS:
            rows[f"run_{p}_s"] = np.r_[0.0, hops / (kph / 3.6)]
            rows[f"dwell_{p}_s"] = dwell
    else:
        if spec.speed_kph is None:  # run time given: kinematics at the kind's line speed, then scaled
            line["top_speed_kph"] = 450.0
            line["speed_edit_kph"] = np.nan
        if spec.dwell_s is not None:
            rows["dwell_edit_s"] = spec.dwell_s
    lines = pd.concat([rail.lines, pd.DataFrame([line])], ignore_index=True)
    return _with_places(rail, lines, pd.concat([rail.stops, rows], ignore_index=True)), ""


def _timetabled_speed_mps(s: pd.DataFrame, detour: float) -> dict[str, float]:
    """A timetabled line's own average running speed per period (distance / run time)."""
    d = float(np.hypot(np.diff(s["x"].to_numpy(dtype=float)), np.diff(s["y"].to_numpy(dtype=float))).sum()) * detour
    out = {}
    for p in PERIODS:
        t = float(pd.to_numeric(s[f"run_{p}_s"], errors="coerce").to_numpy(dtype=float)[1:].sum())
        out[p] = d / t if t > 0 else 25.0 / 3.6
    return out


def _median_dwell(s: pd.DataFrame, period: str) -> float:
    col = f"dwell_{period}_s"
    if col not in s.columns or len(s) < 3:
        return TIMETABLED_DWELL_S
    v = pd.to_numeric(s[col], errors="coerce").to_numpy(dtype=float)[1:-1]
    return float(np.nanmedian(v)) if np.isfinite(v).any() else TIMETABLED_DWELL_S


def extend_line(rail: RailNetwork, spec: ExtendLine, ctx: EditContext) -> tuple[RailNetwork, str]:
    """Stops added at the end (or start) of a line, on new track at the line's detour."""
    line, why = _line(rail, spec, ctx)
    if line is None:
        return rail, why
    if spec.opened is not None and ctx.year is not None and spec.opened.year > ctx.year:
        return rail, f"the extension opens {spec.opened.isoformat()}, after {ctx.year}: not in this scenario"
    s = _line_stops(rail, spec.line)
    new = resolve_stops(rail, spec, list(spec.stops), ctx)
    on_line = [n.name for n in new if n.name in set(s["name_zh"])]
    if on_line:
        raise InputError(ctx.file, f"{ctx.field}.stops", f"{on_line} already served by {spec.line}; expected stops beyond its {spec.at}")
    detour = float(line["track_detour"])
    track = pd.to_numeric(s["track_m"], errors="coerce").to_numpy(dtype=float) if "track_m" in s.columns else np.full(len(s), np.nan)
    if not np.isfinite(track).all():
        track = np.r_[0.0, np.cumsum(np.hypot(np.diff(s["x"].to_numpy()), np.diff(s["y"].to_numpy())))] * detour
    end = s.iloc[-1] if spec.at == "end" else s.iloc[0]
    chain = [Stop(str(end["name_zh"]), float(end["lon"]), float(end["lat"]), float(end["x"]), float(end["y"])), *new]
    hops = _hops_m(chain) * detour
    if spec.at == "end":
        new_track = track[-1] + np.cumsum(hops)
    else:
        new_track = (track[0] - np.cumsum(hops))[::-1]
        new = new[::-1]
    rows = _stop_rows(spec.line, new, new_track, f"scenario edit {spec.name}")
    if _is_timetabled(s):
        speed = _timetabled_speed_mps(s, detour)
        dwell = {p: _median_dwell(s, p) for p in PERIODS}
        s = s.copy()
        for p in PERIODS:
            run = hops / speed[p]
            if spec.at == "end":
                rows[f"run_{p}_s"] = run
            else:  # the old first stop is now reached from the last new stop
                rows[f"run_{p}_s"] = np.r_[0.0, run[::-1][:-1]]
                s.loc[s.index[0], f"run_{p}_s"] = run[0]
                s.loc[s.index[0], f"dwell_{p}_s"] = dwell[p]
            rows[f"dwell_{p}_s"] = dwell[p]
    both = pd.concat([s, rows] if spec.at == "end" else [rows, s], ignore_index=True)
    stops = _replace_stops(rail, spec.line, both)
    return _with_places(rail, rail.lines, stops), ""


def add_stops(rail: RailNetwork, spec: AddStops, ctx: EditContext) -> tuple[RailNetwork, str]:
    """Stops inserted after ``spec.after`` (infill on the line's track, placed by distance)."""
    line, why = _line(rail, spec, ctx)
    if line is None:
        return rail, why
    s = _line_stops(rail, spec.line).reset_index(drop=True)
    names = list(s["name_zh"])
    if spec.after not in names:
        if spec.after in ctx.known:
            return rail, f"{spec.after} is not a stop of {spec.line} in this state: the edit changes nothing"
        raise InputError(ctx.file, f"{ctx.field}.after", f"got {spec.after!r}: not a stop of {spec.line}; expected one of {names}")
    i = names.index(spec.after)
    if i == len(names) - 1:
        raise InputError(
            ctx.file,
            f"{ctx.field}.after",
            f"got {spec.after!r}: the last stop of {spec.line}; stops beyond an end are added with extend_line",
        )
    new = resolve_stops(rail, spec, list(spec.stops), ctx)
    on_line = [n.name for n in new if n.name in set(names)]
    if on_line:
        raise InputError(ctx.file, f"{ctx.field}.stops", f"{on_line} already served by {spec.line}")
    a, b = s.iloc[i], s.iloc[i + 1]
    chain_xy = np.array([[a["x"], a["y"]], *[[n.x, n.y] for n in new], [b["x"], b["y"]]], dtype=float)
    cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(chain_xy, axis=0).T))]
    share = cum / cum[-1] if cum[-1] > 0 else np.linspace(0, 1, len(cum))
    ta, tb = float(a.get("track_m", np.nan)), float(b.get("track_m", np.nan))
    track = ta + (tb - ta) * share[1:-1] if np.isfinite(ta) and np.isfinite(tb) else np.full(len(new), np.nan)
    rows = _stop_rows(spec.line, new, track, f"scenario edit {spec.name}")
    s = s.copy()
    if _is_timetabled(s):
        for p in PERIODS:
            hop = float(pd.to_numeric(pd.Series([b[f"run_{p}_s"]])).iloc[0])
            parts = np.diff(share) * hop
            rows[f"run_{p}_s"] = parts[:-1]
            rows[f"dwell_{p}_s"] = _median_dwell(s, p)
            s.loc[i + 1, f"run_{p}_s"] = parts[-1]
    both = pd.concat([s.iloc[: i + 1], rows, s.iloc[i + 1 :]], ignore_index=True)
    if both["track_m"].isna().any():
        both = both.drop(columns=["track_m"]).assign(track_m=np.nan)
    return _with_places(rail, rail.lines, _replace_stops(rail, spec.line, both)), ""


def remove_stops(rail: RailNetwork, spec: RemoveStops, ctx: EditContext) -> tuple[RailNetwork, str]:
    """The line no longer stops at ``spec.stops`` (it runs through; a timetabled line saves the dwell)."""
    line, why = _line(rail, spec, ctx)
    if line is None:
        return rail, why
    s = _line_stops(rail, spec.line).reset_index(drop=True)
    names = list(s["name_zh"])
    notes = []
    gone = []
    for k, n in enumerate(spec.stops):
        if n in names:
            gone.append(n)
        elif n in ctx.known:
            notes.append(f"{n} is not a stop of {spec.line} in this state")
        else:
            close = difflib.get_close_matches(n, names, n=3, cutoff=0.4)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise InputError(ctx.file, f"{ctx.field}.stops[{k}]", f"got {n!r}: not a stop of {spec.line}{hint}; expected one of {names}")
    if len(names) - len(gone) < 2:
        raise InputError(
            ctx.file, f"{ctx.field}.stops", f"would leave {spec.line} fewer than 2 stops; to take the line out use remove_lines"
        )
    if _is_timetabled(s):
        s = s.copy()
        for p in PERIODS:
            run = pd.to_numeric(s[f"run_{p}_s"], errors="coerce").to_numpy(dtype=float).copy()
            for j in [names.index(n) for n in gone]:
                if 0 < j < len(run) - 1:
                    run[j + 1] += run[j]  # the time to the next stop now starts at the stop before
                run[j] = 0.0 if j == 0 else run[j]
            s[f"run_{p}_s"] = run
    kept = s[~s["name_zh"].isin(gone)]
    out = _with_places(rail, rail.lines, _replace_stops(rail, spec.line, kept))
    return out, "; ".join(notes) if notes and not gone else ""


def _set_line(rail: RailNetwork, line_id: str, values: dict[str, Any]) -> RailNetwork:
    lines = rail.lines.copy()
    for col, v in values.items():
        if col not in lines.columns:
            lines[col] = np.nan
        lines.loc[lines["line_id"] == line_id, col] = v
    return RailNetwork(lines, rail.stops, rail.places)


def adjust_frequency(rail: RailNetwork, spec: AdjustFrequency, ctx: EditContext) -> tuple[RailNetwork, str]:
    """New headways in the periods given (the other period keeps its own)."""
    line, why = _line(rail, spec, ctx)
    if line is None:
        return rail, why
    return _set_line(rail, spec.line, {f"headway_{p}_min": v for p, v in headways_by_period(spec.headway_min).items()}), ""


def adjust_speed(rail: RailNetwork, spec: AdjustSpeed, ctx: EditContext) -> tuple[RailNetwork, str]:
    """A new top speed, a speed factor, or an end-to-end run time (each replaces an earlier one)."""
    line, why = _line(rail, spec, ctx)
    if line is None:
        return rail, why
    if spec.speed_kph is not None and _is_timetabled(_line_stops(rail, spec.line)):
        raise InputError(
            ctx.file,
            f"{ctx.field}.speed_kph",
            f"{spec.line} runs to its own timetable (no top speed to change); give scale (e.g. 1.2 = 20 % faster) or run_time_min",
        )
    return _set_line(
        rail,
        spec.line,
        {
            "speed_edit_kph": spec.speed_kph if spec.speed_kph is not None else np.nan,
            "speed_factor": spec.scale if spec.scale is not None else np.nan,
            "run_time_target_s": spec.run_time_min * 60.0 if spec.run_time_min is not None else np.nan,
        },
    ), ""


def adjust_dwell_time(rail: RailNetwork, spec: AdjustDwellTime, ctx: EditContext) -> tuple[RailNetwork, str]:
    """The dwell at every intermediate stop of the line, or at the named ones."""
    line, why = _line(rail, spec, ctx)
    if line is None:
        return rail, why
    s = rail.stops
    on = s["line_id"] == spec.line
    names = list(_line_stops(rail, spec.line)["name_zh"])
    if spec.stops is not None:
        for k, n in enumerate(spec.stops):
            if n not in names and n not in ctx.known:
                raise InputError(ctx.file, f"{ctx.field}.stops[{k}]", f"got {n!r}: not a stop of {spec.line}; expected one of {names}")
        on &= s["name_zh"].isin(spec.stops)
    stops = s.copy()
    if "dwell_edit_s" not in stops.columns:
        stops["dwell_edit_s"] = np.nan
    stops.loc[on, "dwell_edit_s"] = spec.dwell_s
    return RailNetwork(rail.lines, stops, rail.places), ""


def apply_transit_edit(rail: RailNetwork, spec: TransitEdit, ctx: EditContext) -> tuple[RailNetwork, str]:
    """``rail`` with one transit edit applied, and a note ('' when it did what it says)."""
    if isinstance(spec, AddTripPattern):
        return add_trip_pattern(rail, spec, ctx)
    if isinstance(spec, ExtendLine):
        return extend_line(rail, spec, ctx)
    if isinstance(spec, AddStops):
        return add_stops(rail, spec, ctx)
    if isinstance(spec, RemoveStops):
        return remove_stops(rail, spec, ctx)
    if isinstance(spec, AdjustFrequency):
        return adjust_frequency(rail, spec, ctx)
    if isinstance(spec, AdjustSpeed):
        return adjust_speed(rail, spec, ctx)
    assert isinstance(spec, AdjustDwellTime)
    return adjust_dwell_time(rail, spec, ctx)
