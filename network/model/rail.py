"""Rail lines and stations -> timed rail services (run times, dwell, headways)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from network._errors import DataError
from network.model.memo import Memo, frame_key
from network.model.speeds import Period
from network.model.tables import read_text_table
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR


@dataclass(frozen=True)
class RailNetwork:
    """Rail services as data.

    ``lines``: one row per service (line_id, name_zh, kind, top_speed_kph, headway_am_peak_min,
    headway_off_peak_min (empty: no service in that period), track_detour, opened, pattern_of, colour, ...).
    A *stopping pattern* (e.g. a peak express) is its own line with ``pattern_of`` = the line whose track
    it runs on: its distances are measured along that line's stops, so skipped stations are run through.
    ``stops``: one row per (line_id, seq) with name_zh, lon, lat, x, y (UTM m).
    """

    lines: pd.DataFrame
    stops: pd.DataFrame
    places: pd.DataFrame | None = None
    """Every station place of the base data (name_zh, x, y), kept when lines or stops are removed: a
    station without service is still a place to walk to, so taking a line out never changes where trips
    can join the network (only where they can board). ``None``: the stations of ``stops``."""

    def station_places(self) -> pd.DataFrame:
        """Station places (one row per name_zh, with x, y in UTM m), sorted by name."""
        src = self.places if self.places is not None else self.stops
        return src.groupby("name_zh", sort=True).agg(x=("x", "mean"), y=("y", "mean")).reset_index()

    def without_lines(self, line_ids: list[str]) -> RailNetwork:
        """A copy with the given services removed, and with them their stopping patterns (lines whose
        ``pattern_of`` is removed: an express runs on its parent's track and service); the original is
        untouched."""
        gone = set(line_ids)
        if "pattern_of" in self.lines.columns:
            gone |= set(self.lines.loc[self.lines["pattern_of"].isin(gone), "line_id"])
        keep = ~self.lines["line_id"].isin(gone)
        return RailNetwork(
            self.lines[keep].reset_index(drop=True),
            self.stops[self.stops["line_id"].isin(self.lines.loc[keep, "line_id"])].reset_index(drop=True),
            self.station_places(),
        )


def load_rail(data_dir: Path = DATA_DIR) -> RailNetwork:
    """The curated rail lines, stops and run times (validated; ``DataError`` names file and field)."""
    lpath = data_dir / "rail_lines.csv"
    spath = data_dir / "rail_stations.csv"
    for p in (lpath, spath):
        if not p.exists():
            raise DataError(f"{p}: missing")
    lines = pd.read_csv(lpath)
    stops = pd.read_csv(spath)
    validate_lines(lines, file=str(lpath))
    unknown = set(stops["line_id"]) - set(lines["line_id"])
    if unknown:
        raise DataError(f"{spath}: line_id values {sorted(unknown)} are not in {lpath.name}")
    pts = gpd.GeoSeries(gpd.points_from_xy(stops["lon"], stops["lat"]), crs=CRS_WGS84).to_crs(CRS_METRIC)
    stops["x"] = pts.x.to_numpy()
    stops["y"] = pts.y.to_numpy()
    stops = stops.sort_values(["line_id", "seq"], kind="stable").reset_index(drop=True)
    counts = stops.groupby("line_id").size()
    for lid in lines["line_id"]:
        if int(counts.get(lid, 0)) < 2:
            raise DataError(f"{spath}: line_id {lid!r} has {int(counts.get(lid, 0))} stop(s); a rail line needs at least 2")
    stops = with_track_positions(lines, stops)
    lines = with_speed_sections(lines, stops, load_speed_sections(data_dir))
    rail = RailNetwork(lines=lines, stops=stops)
    return replace(rail, places=rail.station_places())


# (column, lowest, highest): values outside are refused as absurd. A headway up to 9 h: a train that runs
# once or twice a day is a service of its own (e.g. a through train; its first wait is capped, initial_wait_s);
# longer headways do not survive a GTFS export (gtfs_kit reads frequencies.headway_secs as a 16-bit integer)
LINE_LIMITS: dict[str, tuple[float, float]] = {
    "top_speed_kph": (10.0, 450.0),
    "headway_am_peak_min": (0.5, 540.0),
    "headway_off_peak_min": (0.5, 540.0),
    "track_detour": (1.0, 2.0),
}
OPTIONAL_EMPTY = ("headway_am_peak_min", "headway_off_peak_min")
"""Columns that may be empty: the service does not run in that period (e.g. a peak-only express)."""
RAIL_KINDS = ("metro", "maglev", "intercity", "hsr", "conventional")


def validate_lines(lines: pd.DataFrame, *, file: str) -> None:
    """Refuse missing columns and absurd speeds/headways, naming file, row (line), field and value."""
    missing = [c for c in ("line_id", "kind", *LINE_LIMITS) if c not in lines.columns]
    if missing:
        raise DataError(f"{file}: missing column(s) {missing}")
    for i, row in lines.iterrows():
        if row["kind"] not in RAIL_KINDS:
            raise DataError(f"{file}:{int(str(i)) + 2}: line {row['line_id']!r} field 'kind': got {row['kind']!r}; expected one of {list(RAIL_KINDS)}")
        for col, (lo, hi) in LINE_LIMITS.items():
            if col in OPTIONAL_EMPTY and (pd.isna(row[col]) or str(row[col]).strip() == ""):
                continue
            v = pd.to_numeric(row[col], errors="coerce")
            if not (lo <= v <= hi):
                raise DataError(
                    f"{file}:{int(str(i)) + 2}: line {row['line_id']!r} field '{col}': got {row[col]!r}; expected a number in [{lo:g}, {hi:g}]"
                )


def reverses_at(x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Per hop between consecutive stops (UTM m): True when the train turns back at the hop's arriving stop,
    i.e. the next hop leaves it at more than 90° from the direction it came in (a through train between
    two lines that meet at a stub-end junction, e.g. 武广 → 长沙南 → 沪昆 towards 湘潭北); False for the last hop."""
    dx, dy = np.diff(np.asarray(x_m, dtype=float)), np.diff(np.asarray(y_m, dtype=float))
    back = dx[:-1] * dx[1:] + dy[:-1] * dy[1:] < 0.0
    return np.r_[back, False]


def run_time_s(distance_m: np.ndarray, top_speed_kph: float, accel_mps2: float, brake_mps2: float) -> np.ndarray:
    """In-motion time (s) between two stops from train kinematics.

    The train accelerates at ``accel_mps2`` to its top speed, cruises, and brakes at ``brake_mps2`` (mean
    rates over the whole speed range, so they stand for traction limits, speed restrictions in station
    throats and driving margins). A hop too short to reach top speed is a triangle: accelerate, then brake.
    """
    d = np.asarray(distance_m, dtype=float)
    v = top_speed_kph / 3.6
    ramp_m = v * v / (2 * accel_mps2) + v * v / (2 * brake_mps2)
    cruise = d / v + v / (2 * accel_mps2) + v / (2 * brake_mps2)
    peak = np.sqrt(2 * d * accel_mps2 * brake_mps2 / (accel_mps2 + brake_mps2))
    triangle = peak / accel_mps2 + peak / brake_mps2
    return np.where(d >= ramp_m, cruise, triangle)


SPEED_SECTION_COLUMNS = ("line_id", "from_name", "to_name", "speed_parameter", "source")


def load_speed_sections(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Sections of a line with their own line-speed limit (``data/rail_speed_sections.csv``): the line,
    the two stations that bound the section, and the parameter of the table that holds its speed."""
    path = data_dir / "rail_speed_sections.csv"
    sec = read_text_table(path, SPEED_SECTION_COLUMNS)
    for i, row in sec.iterrows():
        if not str(row["speed_parameter"]).endswith("_kph"):
            raise DataError(
                f"{path}:{int(str(i)) + 2}: field 'speed_parameter': got {row['speed_parameter']!r}; expected the name of a speed (…_kph) in the parameter table"
            )
    sec.attrs["file"] = str(path)
    return sec


def with_speed_sections(lines: pd.DataFrame, stops: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """``lines`` with ``speed_sections``: the sections of ``sections`` on each line (or on the line a
    stopping pattern runs on) as ``start_m:end_m:parameter`` items joined by ``;``, in metres along the
    line's own track (its ``track_m``). Sections are placed when the data is read, so a stopping
    pattern keeps them in a scenario without its parent line."""
    out = lines.copy()
    out["speed_sections"] = ""
    if sections.empty:
        return out
    file = sections.attrs.get("file", "rail_speed_sections.csv")
    parent = dict(zip(lines["line_id"], lines["pattern_of"] if "pattern_of" in lines.columns else [""] * len(lines)))
    for i, line in lines.iterrows():
        lid = str(line["line_id"])
        pid = parent.get(lid)
        track = str(pid) if isinstance(pid, str) and pid else lid
        own = stops[stops["line_id"] == lid]
        base = stops[stops["line_id"] == track]
        pos = dict(zip(base["name_zh"], _along_m(base, float(lines.loc[lines["line_id"] == track, "track_detour"].iloc[0]))))
        if own.empty or own["name_zh"].iloc[0] not in pos:
            continue
        origin = pos[own["name_zh"].iloc[0]]
        items = []
        for k, row in sections[sections["line_id"] == track].iterrows():
            for field in ("from_name", "to_name"):
                if row[field] not in pos:
                    raise DataError(f"{file}:{int(str(k)) + 2}: field {field!r}: got {row[field]!r}; expected a station of line {track!r}")
            a, b = sorted((pos[row["from_name"]] - origin, pos[row["to_name"]] - origin))
            items.append(f"{a:.1f}:{b:.1f}:{row['speed_parameter']}")
        out.loc[i, "speed_sections"] = ";".join(items)
    return out


def parse_sections(text: object) -> list[tuple[float, float, str]]:
    """The ``speed_sections`` of a line as (start_m, end_m, parameter) triples (none when empty)."""
    if not isinstance(text, str) or not text.strip():
        return []
    out = []
    for item in text.split(";"):
        a, b, name = item.split(":")
        out.append((float(a), float(b), name))
    return out


def section_limits_kph(
    start_m: float, end_m: float, sections: list[tuple[float, float, str]], line_kph: float, values: Mapping[str, float]
) -> list[tuple[float, float]]:
    """The speed limits along one hop from ``start_m`` to ``end_m`` as (length_m, kph) pieces in running
    order; empty when no section touches the hop (the line's own limit holds throughout)."""
    lo, hi = min(start_m, end_m), max(start_m, end_m)
    cuts = {lo, hi}
    touched = False
    for a, b, _ in sections:
        if a < hi and b > lo:
            touched = True
            cuts.update(x for x in (a, b) if lo < x < hi)
    if not touched:
        return []
    edges = sorted(cuts)
    pieces = []
    for a, b in zip(edges[:-1], edges[1:]):
        mid = 0.5 * (a + b)
        kph = line_kph
        for s0, s1, name in sections:
            if s0 <= mid <= s1:
                kph = min(kph, float(values[name]))
        pieces.append((b - a, kph))
    return pieces if start_m <= end_m else pieces[::-1]


def run_time_sections_s(pieces_kph: list[tuple[float, float]], accel_mps2: float, brake_mps2: float, step_m: float = 10.0) -> float:
    """In-motion time (s) of a hop from rest to rest through pieces with their own speed limits
    ((length_m, kph) in running order): accelerate at ``accel_mps2`` to each limit, brake at
    ``brake_mps2`` in time for the next lower limit and for the stop (a speed profile on a ``step_m``
    grid). With one piece it equals :func:`run_time_s` to within a second."""
    limit = np.concatenate([np.full(max(int(round(length / step_m)), 1), kph / 3.6) for length, kph in pieces_kph]).tolist()
    n = len(limit)
    dx = sum(length for length, _ in pieces_kph) / n
    up, down = 2 * accel_mps2 * dx, 2 * brake_mps2 * dx
    v = [0.0] * (n + 1)  # plain floats: the two sweeps are scalar recurrences
    for i in range(n):  # forward: accelerate up to the limit of the step ahead
        v[i + 1] = min(limit[i], math.sqrt(v[i] * v[i] + up))
    v[n] = 0.0
    for i in range(n - 1, -1, -1):  # backward: brake in time for what follows
        v[i] = min(v[i], math.sqrt(v[i + 1] * v[i + 1] + down), limit[i])
    va = np.asarray(v)
    mean = 0.5 * (va[:-1] + va[1:])
    return float(np.sum(dx / np.maximum(mean, 1e-9)))


STATION_CALENDAR_COLUMNS = ("line_id", "name_zh", "opened", "closed_from", "closed_to", "source")


def load_station_calendar(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Stops of a line that opened after the line or closed for a while (``data/rail_station_calendar.csv``).
    A train runs through a stop that is not open; a line whose end stop is not open ends at the last open one."""
    path = data_dir / "rail_station_calendar.csv"
    cal = read_text_table(path, STATION_CALENDAR_COLUMNS)
    for i, row in cal.iterrows():
        for col in ("opened", "closed_from", "closed_to"):
            if row[col] and pd.isna(pd.to_datetime(row[col], errors="coerce")):
                raise DataError(f"{path}:{int(str(i)) + 2}: field {col!r}: got {row[col]!r}; expected a date YYYY-MM-DD or empty")
        if bool(row["closed_from"]) != bool(row["closed_to"]):
            raise DataError(f"{path}:{int(str(i)) + 2}: fields 'closed_from'/'closed_to': expected both dates or neither")
    return cal


def stops_open_in(rail: RailNetwork, calendar: pd.DataFrame, year: int) -> RailNetwork:
    """``rail`` with the stops that were not open at the end of ``year`` removed (see
    :func:`load_station_calendar`); track positions are kept, so the trains run through them."""
    end = pd.Timestamp(year=year, month=12, day=31)
    drop = pd.Series(False, index=rail.stops.index)
    for _, row in calendar.iterrows():
        shut = bool(row["opened"]) and pd.Timestamp(row["opened"]) > end
        if row["closed_from"]:
            shut |= pd.Timestamp(row["closed_from"]) <= end < pd.Timestamp(row["closed_to"])
        if shut:
            drop |= (rail.stops["line_id"] == row["line_id"]) & (rail.stops["name_zh"] == row["name_zh"])
    if not drop.any():
        return rail
    return RailNetwork(rail.lines, rail.stops[~drop].reset_index(drop=True), rail.station_places())


def _track_positions_m(rail: RailNetwork, line: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """The line's stops and their distance (m) along the track from its first stop.

    Uses the stops' ``track_m`` (set by :func:`with_track_positions` when the data is read, so a stopping
    pattern keeps its parent line's track even in a scenario without the parent); otherwise the
    straight lines between the stops x the line's ``track_detour``."""
    s = rail.stops[rail.stops["line_id"] == line["line_id"]]
    if "track_m" in s.columns and s["track_m"].notna().all():
        return s, s["track_m"].to_numpy(dtype=float)
    return s, _along_m(s, float(line["track_detour"]))


def _along_m(stops: pd.DataFrame, detour: float) -> np.ndarray:
    return np.r_[0.0, np.cumsum(np.hypot(np.diff(stops["x"].to_numpy()), np.diff(stops["y"].to_numpy())))] * detour


def with_track_positions(lines: pd.DataFrame, stops: pd.DataFrame) -> pd.DataFrame:
    """``stops`` with ``track_m``: distance along the track from the line's first stop. A stopping pattern
    (``pattern_of``) is measured along its parent's stops, so the stations it skips are run through."""
    out = stops.copy()
    out["track_m"] = np.nan
    detour = dict(zip(lines["line_id"], lines["track_detour"].astype(float)))
    parent = dict(zip(lines["line_id"], lines["pattern_of"] if "pattern_of" in lines.columns else [""] * len(lines)))
    for lid, s in stops.groupby("line_id", sort=False):
        along = _along_m(s, detour[lid])
        pid = parent.get(lid)
        if isinstance(pid, str) and pid:
            p = stops[stops["line_id"] == pid]
            pos = dict(zip(p["name_zh"], _along_m(p, detour[pid])))
            if all(n in pos for n in s["name_zh"]):
                along = np.array([pos[n] for n in s["name_zh"]]) - pos[s["name_zh"].iloc[0]]
        out.loc[s.index, "track_m"] = along
    return out


def headway_s(line: pd.Series, period: Period) -> float:
    """Headway (s) of ``line`` in ``period``; ``inf`` when it does not run then."""
    v = float(pd.to_numeric(pd.Series([line.get(f"headway_{period}_min")]), errors="coerce").iloc[0])
    return v * 60.0 if np.isfinite(v) and v > 0 else float("inf")


_SEGMENT_CACHE: dict[tuple[object, ...], tuple[RailNetwork, pd.DataFrame]] = {}
"""One line's timed segments by (rail network, line, period, headway, the values of every parameter named
after the line's kind: ``accel_<kind>_mps2``, ``line_speed_<kind>_urban_kph``, ...); an entry
is used only for the very network object it was computed from (frames are never modified by callers)."""
_SEGMENT_CACHE_SIZE = 4096


def _line_frame(rail: RailNetwork, line: pd.Series, period: Period, values: Mapping[str, float], hw: float) -> pd.DataFrame | None:
    """One line's timed segments (see :func:`line_segments`); None for a line with fewer than two stops."""
    kind = str(line["kind"])
    s, along = _track_positions_m(rail, line)
    if len(s) < 2:
        return None
    d = np.diff(along)
    explicit = explicit_times_s(s, period)
    if explicit is not None:  # a timetabled service (GTFS): its own run and dwell times
        run, dwell = explicit
    else:
        run = kinematic_runs_s(along, line, values)
        dwell = np.full(len(d), float(values[f"dwell_{kind}_s"]))
        reversal_s = values.get(f"dwell_reversal_{kind}_s")
        if reversal_s is not None:  # a through train that turns back at a stop stands there while the driver changes ends
            dwell = np.where(reverses_at(s["x"].to_numpy(dtype=float), s["y"].to_numpy(dtype=float)), np.maximum(dwell, float(reversal_s)), dwell)
        run = scale_to_timetable(list(s["name_zh"]), run, dwell, line, published_factor=_published_factor(line, values))
    run, dwell = edited_times_s(line, s, run, dwell)
    return pd.DataFrame(
        {
            "line_id": line["line_id"],
            "kind": kind,
            "from_seq": s["seq"].to_numpy()[:-1],
            "to_seq": s["seq"].to_numpy()[1:],
            "from_name": s["name_zh"].to_numpy()[:-1],
            "to_name": s["name_zh"].to_numpy()[1:],
            "distance_m": d,
            "run_s": run,
            "dwell_s": dwell,
            "headway_s": hw,
        }
    )


def kinematic_runs_s(along_m: np.ndarray, line: pd.Series | Mapping[str, object], values: Mapping[str, float]) -> np.ndarray:
    """Run times (s) between consecutive stops at ``along_m`` (m along the track) from the kind's train
    kinematics: the line's top speed (or the kind's ``line_speed_<kind>_kph`` when lower, or a scenario's
    ``speed_edit_kph``), ``accel_<kind>_mps2`` / ``brake_<kind>_mps2``, and the line's speed sections."""
    kind = str(line["kind"])
    top_kph = min(float(str(line["top_speed_kph"])), values.get(f"line_speed_{kind}_kph", np.inf))
    if np.isfinite(edited := _number(line.get("speed_edit_kph"))):  # a scenario's own speed for the line
        top_kph = edited
    accel, brake = values[f"accel_{kind}_mps2"], values[f"brake_{kind}_mps2"]
    run = run_time_s(np.diff(along_m), top_kph, accel, brake)
    sections = parse_sections(line.get("speed_sections"))
    for k in range(len(run)):
        limits = section_limits_kph(float(along_m[k]), float(along_m[k + 1]), sections, top_kph, values)
        if limits:
            run[k] = run_time_sections_s(limits, accel, brake)
    return run


def _published_factor(line: pd.Series, values: Mapping[str, float]) -> float:
    """The factor on the kinematic runs that makes the line's published stopping pattern (the stops served
    between ``timetable_from`` and ``timetable_to`` when the figure was taken, ``timetable_track_m``) ride
    ``timetable_run_min`` with the kind's dwell at each stop between; NaN without a figure."""
    target = _number(line.get("timetable_run_min"))
    track = str(line.get("timetable_track_m") or "")
    if not np.isfinite(target) or not track:
        return float("nan")
    along = np.array([float(x) for x in track.split("|")])
    runs = kinematic_runs_s(along, line, values)
    moving_s = target * 60.0 - float(values[f"dwell_{line['kind']}_s"]) * (len(along) - 2)
    return moving_s / float(runs.sum()) if moving_s > 0 and runs.sum() > 0 else float("nan")


_SEGMENTS: Memo[pd.DataFrame] = Memo(maxsize=16)
"""Recent :func:`line_segments` results, keyed on the content of the rail tables, the period and the values."""


def line_segments(rail: RailNetwork, period: Period, values: Mapping[str, float]) -> pd.DataFrame:
    """Timed segments between consecutive stops of every line running in ``period`` (:func:`_line_segments`).

    Memoised on the content of ``rail.lines``, ``rail.stops``, ``period`` and ``values`` (all it reads), so
    re-evaluating an edit that leaves the rail tables alone (a road edit) does not time every line again; a
    copy is returned, so a caller may change it."""
    try:
        key = (frame_key(rail.lines), frame_key(rail.stops), period, tuple(sorted((k, float(x)) for k, x in values.items())))
    except (TypeError, ValueError):  # a value that is not a number: compute without the memo
        return _line_segments(rail, period, values)
    return _SEGMENTS.get(key, lambda: _line_segments(rail, period, values)).copy()


def _line_segments(rail: RailNetwork, period: Period, values: Mapping[str, float]) -> pd.DataFrame:
    """Timed segments between consecutive stops of every line running in ``period``.

    Returns columns line_id, kind, from_seq, to_seq, from_name, to_name, distance_m, run_s (in motion,
    from :func:`run_time_s` with the kind's ``accel_<kind>_mps2`` / ``brake_<kind>_mps2``, at the line's top
    speed or the kind's ``line_speed_<kind>_kph`` where that is lower), dwell_s (the
    kind's ``dwell_<kind>_s``, spent at every intermediate stop) and headway_s for ``period``; a line with a
    published run time (:func:`with_timetable`, ``data/rail_timetable.csv``) has its run times between
    those stops scaled to it (:func:`scale_to_timetable`). A line whose
    stops carry their own times (:func:`explicit_times_s`, GTFS services) uses those instead: run_s from
    the timetable and dwell_s = the dwell at the arriving stop.
    """
    out = []
    for _, line in rail.lines.iterrows():
        hw = headway_s(line, period)
        if not np.isfinite(hw):
            continue
        kind = str(line["kind"])
        key = (id(rail), str(line["line_id"]), period, hw, tuple(sorted((k, float(v)) for k, v in values.items() if f"_{kind}" in k)))
        hit = _SEGMENT_CACHE.get(key)
        if hit is not None and hit[0] is rail:
            out.append(hit[1])
            continue
        frame = _line_frame(rail, line, period, values, hw)
        if frame is None:
            continue
        if len(_SEGMENT_CACHE) >= _SEGMENT_CACHE_SIZE:
            _SEGMENT_CACHE.pop(next(iter(_SEGMENT_CACHE)))
        _SEGMENT_CACHE[key] = (rail, frame)
        out.append(frame)
    cols = ["line_id", "kind", "from_seq", "to_seq", "from_name", "to_name", "distance_m", "run_s", "dwell_s", "headway_s"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)


def _number(value: object) -> float:
    """A float, NaN when empty or not a number."""
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return float(v) if pd.notna(v) else float("nan")


def edited_times_s(
    line: Mapping[str, object] | pd.Series, stops: pd.DataFrame, run_s: np.ndarray, dwell_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Run and dwell times of one line after a scenario's transit edits, which set these columns (empty =
    not edited; network/scenario/transit_edits.py): runs / the line's ``speed_factor``; the dwell at each
    arriving stop replaced by its ``dwell_edit_s``; then, with ``run_time_target_s``, the runs scaled so
    that first stop to last stop (runs + dwells at the intermediate stops) takes that long. (A line's own
    top speed, ``speed_edit_kph``, acts earlier, in :func:`line_segments`.)"""
    run = np.asarray(run_s, dtype=float).copy()
    dwell = np.asarray(dwell_s, dtype=float).copy()
    factor = _number(line.get("speed_factor"))
    if np.isfinite(factor) and factor > 0:
        run = run / factor
    if "dwell_edit_s" in stops.columns:
        given = pd.to_numeric(stops["dwell_edit_s"], errors="coerce").to_numpy(dtype=float)[1:]
        dwell = np.where(np.isfinite(given), given, dwell)
    target = _number(line.get("run_time_target_s"))
    if np.isfinite(target) and run.sum() > 0:
        moving = max(target - float(dwell[:-1].sum()), 0.05 * float(run.sum()))
        run = run * moving / float(run.sum())
    return run, dwell


def explicit_times_s(stops: pd.DataFrame, period: Period) -> tuple[np.ndarray, np.ndarray] | None:
    """Run times between consecutive stops and the dwell at each arriving stop (s) when the stops carry
    them (``run_<period>_s`` / ``dwell_<period>_s``, e.g. services read from a GTFS timetable); else None."""
    run_col, dwell_col = f"run_{period}_s", f"dwell_{period}_s"
    if run_col not in stops.columns:
        return None
    run = pd.to_numeric(stops[run_col], errors="coerce").to_numpy(dtype=float)[1:]
    if len(run) == 0 or not np.isfinite(run).all():
        return None
    dwell = pd.to_numeric(stops[dwell_col], errors="coerce").fillna(0.0).to_numpy(dtype=float)[1:] if dwell_col in stops.columns else np.zeros(len(run))
    return run, dwell


def ride_s(segments: pd.DataFrame, line_id: str, from_name: str, to_name: str) -> float | None:
    """Time in the train from boarding at ``from_name`` to alighting at ``to_name`` on ``line_id``
    (run times plus dwell at the stops in between); ``None`` when the line does not serve both in order."""
    seg = segments[segments["line_id"] == line_id].sort_values("from_seq")
    names = list(seg["from_name"]) + list(seg["to_name"].tail(1))
    if from_name not in names or to_name not in names:
        return None
    i, j = names.index(from_name), names.index(to_name)
    if i == j:
        return None
    if i > j:  # services run both ways on the same stops
        i, j = j, i
    part = seg.iloc[i:j]
    # dwell_s is the dwell at each segment's arriving stop: the stops passed on board are those of all but the last
    return float(part["run_s"].sum() + part["dwell_s"].iloc[:-1].sum())


def without_stops(rail: RailNetwork, line_id: str, names: list[str]) -> RailNetwork:
    """A copy with ``line_id``'s stops named in ``names`` removed (an extension not yet open)."""
    drop = (rail.stops["line_id"] == line_id) & rail.stops["name_zh"].isin(names)
    return RailNetwork(rail.lines, rail.stops[~drop].reset_index(drop=True), rail.station_places())


def with_headways(rail: RailNetwork, line_ids: list[str], am_peak_min: list[float], off_peak_min: list[float]) -> RailNetwork:
    """A copy with new headways for the given lines (same order as ``line_ids``)."""
    lines = rail.lines.copy()
    for lid, am, off in zip(line_ids, am_peak_min, off_peak_min):
        lines.loc[lines["line_id"] == lid, "headway_am_peak_min"] = float(am)
        lines.loc[lines["line_id"] == lid, "headway_off_peak_min"] = float(off)
    return RailNetwork(lines, rail.stops, rail.places)


SERVICE_HISTORY_COLUMNS = ("line_id", "valid_from", "headway_am_peak_min", "headway_off_peak_min", "project", "source")


def load_service_history(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Headways by date (``data/rail_service_history.csv``): one row per change, with the catalogue
    project that made it (empty for changes that belong to no named project)."""
    path = data_dir / "rail_service_history.csv"
    if not path.exists():
        return pd.DataFrame(columns=list(SERVICE_HISTORY_COLUMNS))
    h = pd.read_csv(path, keep_default_na=False, dtype={"project": str})
    missing = [c for c in SERVICE_HISTORY_COLUMNS if c not in h.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}")
    for i, row in h.iterrows():
        line_no = int(str(i)) + 2
        if pd.isna(pd.to_datetime(row["valid_from"], errors="coerce")):
            raise DataError(f"{path}:{line_no}: field 'valid_from': got {row['valid_from']!r}; expected a date YYYY-MM-DD")
        for col in ("headway_am_peak_min", "headway_off_peak_min"):
            v = pd.to_numeric(row[col], errors="coerce")
            if not (0.5 <= v <= 240):
                raise DataError(f"{path}:{line_no}: field {col!r}: got {row[col]!r}; expected minutes in [0.5, 240]")
    h["valid_from"] = pd.to_datetime(h["valid_from"])
    return h


def with_service_history(rail: RailNetwork, history: pd.DataFrame, *, year: int | None, active: frozenset[str] | set[str]) -> RailNetwork:
    """Headways as they were at the end of ``year`` (``None``: the latest), from the history rows whose
    project is empty or active. Lines without an applicable row keep their ``rail_lines.csv`` headways."""
    if history.empty:
        return rail
    h = history[(history["project"] == "") | history["project"].isin(active)]
    if year is not None:
        h = h[h["valid_from"] <= pd.Timestamp(year=year, month=12, day=31)]
    latest = h.sort_values("valid_from", kind="stable").groupby("line_id").tail(1)
    latest = latest[latest["line_id"].isin(rail.lines["line_id"])]
    if latest.empty:
        return rail
    return with_headways(
        rail,
        latest["line_id"].tolist(),
        latest["headway_am_peak_min"].astype(float).tolist(),
        latest["headway_off_peak_min"].astype(float).tolist(),
    )


TIMETABLE_COLUMNS = ("line_id", "from_name", "to_name", "valid_from", "run_min", "basis", "source", "quote")


def load_timetable(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Published run times between two stops of a line (``data/rail_timetable.csv``): one row per figure and
    date, with its basis (timetable, or derived from a published average speed) and source. Read once per
    folder (every state build asks); a copy is returned."""
    return _read_timetable(data_dir).copy()


@lru_cache(maxsize=4)
def _read_timetable(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "rail_timetable.csv"
    t = read_text_table(path, TIMETABLE_COLUMNS)
    stops_of = _stops_by_line(data_dir)
    for i, row in t.iterrows():
        where = f"{path}:{int(str(i)) + 2}: line {row['line_id']!r}"
        if stops_of is not None and row["line_id"] not in stops_of:
            raise DataError(f"{where} field 'line_id': not a line of rail_lines.csv / rail_stations.csv; expected one of {sorted(stops_of)}")
        for col in ("from_name", "to_name"):
            if stops_of is not None and row[col] not in stops_of[row["line_id"]]:
                raise DataError(f"{where} field {col!r}: got {row[col]!r}; expected a stop of the line in rail_stations.csv")
        if row["from_name"] == row["to_name"]:
            raise DataError(f"{where} field 'to_name': got {row['to_name']!r}, the same stop as from_name; expected another stop of the line")
        if pd.isna(pd.to_datetime(row["valid_from"], errors="coerce")):
            raise DataError(f"{where} field 'valid_from': got {row['valid_from']!r}; expected a date YYYY-MM-DD")
        v = pd.to_numeric(row["run_min"], errors="coerce")
        if not (0.5 <= v <= 600):
            raise DataError(f"{where} field 'run_min': got {row['run_min']!r}; expected minutes in [0.5, 600]")
        if not row["source"].strip():
            raise DataError(f"{where} field 'source': empty; expected where the run time was published")
    t["valid_from"] = pd.to_datetime(t["valid_from"])
    t["run_min"] = t["run_min"].astype(float)
    return t


def _stops_by_line(data_dir: Path) -> dict[str, set[str]] | None:
    """Stop names of every line (``rail_stations.csv`` beside the timetable); None when the folder has none."""
    path = data_dir / "rail_stations.csv"
    if not path.exists():
        return None
    stops = pd.read_csv(path, usecols=["line_id", "name_zh"], dtype=str)
    return {str(lid): set(g["name_zh"]) for lid, g in stops.groupby("line_id")}


def with_timetable(
    rail: RailNetwork, timetable: pd.DataFrame, *, year: int | None, published_rail: Callable[[int], RailNetwork] | None = None
) -> RailNetwork:
    """Each line's latest published run time valid by the end of ``year`` (``None``: the latest) as the columns
    ``timetable_from``, ``timetable_to``, ``timetable_run_min``, ``timetable_valid_from``: :func:`line_segments`
    scales the line's run times between those stops so that the ride (runs + dwells between) equals it. A line
    without one keeps its kinematic run times. A line that does not serve both of the figure's stops (a year
    before an extension opens, or a scenario's ``remove_stops`` taking out an end stop) is not left kinematic:
    its segments between stops of the published pattern take that pattern's factor (:func:`scale_to_timetable`,
    ``published_factor``): year 2016's Line 2 without 梅溪湖西 keeps the 2016 figure's pace on every segment it
    keeps (49.9 min end to end, not the kinematic 38.89).

    A year before a line's first published figure takes that first figure (``timetable_carried_back``): the
    same trains on the same track run at the pace the first timetable shows, not at the faster kinematic
    estimate (without it Line 2 ran 38 % faster in 2014 than from 2015-12-28, a step in every timeline that
    no timetable change made). Its stopping pattern is the one of the figure's own year (``published_rail(y)``:
    the network of year y; default ``rail``), so where the year's line serves other stops (the extension not yet
    open) its runs take the published pattern's factor (:func:`scale_to_timetable`)."""
    if timetable.empty:
        return rail
    t = timetable if year is None else timetable[timetable["valid_from"] <= pd.Timestamp(year=year, month=12, day=31)]
    ordered = timetable.sort_values("valid_from", kind="stable")
    first = ordered.groupby("line_id").head(1).set_index("line_id")
    latest = t.sort_values("valid_from", kind="stable").groupby("line_id").tail(1).set_index("line_id")
    carried = first.loc[[lid for lid in first.index if lid not in latest.index]]
    latest = pd.concat([latest, carried])
    lines = rail.lines.copy()
    frm, to, run = latest["from_name"].to_dict(), latest["to_name"].to_dict(), latest["run_min"].to_dict()
    lines["timetable_from"] = [str(frm.get(lid, "")) for lid in lines["line_id"]]
    lines["timetable_to"] = [str(to.get(lid, "")) for lid in lines["line_id"]]
    lines["timetable_run_min"] = [float(run.get(lid, np.nan)) for lid in lines["line_id"]]
    since = latest["valid_from"].to_dict()
    lines["timetable_valid_from"] = [since[lid].date().isoformat() if lid in since else "" for lid in lines["line_id"]]
    lines["timetable_carried_back"] = [lid in carried.index for lid in lines["line_id"]]
    stops, track = [], []
    for _, line in lines.iterrows():
        a, b = line["timetable_from"], line["timetable_to"]
        if not a or not b or a == b:  # no published figure for this line: nothing to place
            stops.append("")
            track.append("")
            continue
        source = published_rail(since[line["line_id"]].year) if line["timetable_carried_back"] and published_rail is not None else rail
        s, along = _track_positions_m(source, line)
        names = list(s["name_zh"])
        if a in names and b in names:
            i, j = sorted((names.index(a), names.index(b)))
            stops.append("|".join(names[i : j + 1]))
            track.append("|".join(f"{x:.1f}" for x in along[i : j + 1]))
        else:
            stops.append("")
            track.append("")
    lines["timetable_stops"] = stops
    lines["timetable_track_m"] = track
    return replace(rail, lines=lines)


def scale_to_timetable(
    names: Sequence[str], run_s: np.ndarray, dwell_s: np.ndarray, line: pd.Series, *, published_factor: float = float("nan")
) -> np.ndarray:
    """``run_s`` with the segments between the line's ``timetable_from`` and ``timetable_to`` stops scaled so
    that their runs plus the dwells at the stops between equal ``timetable_run_min`` (unchanged when the
    line has no figure or the dwells alone exceed it). When the line does not serve both stops (a year before
    an extension that the figure covers), the segments between stops of the published pattern take the
    pattern's factor ``published_factor`` (unchanged without one).

    When the stops between are not those the figure was published for (``timetable_stops``: a scenario
    removed or added a stop), the runs are scaled by ``published_factor`` instead — the factor that fits the
    published stopping pattern (:func:`_published_factor`) — so the line keeps its timetable's pace and a
    stop taken out saves its dwell and its braking and accelerating."""
    target = pd.to_numeric(pd.Series([line.get("timetable_run_min")]), errors="coerce").iloc[0]
    a, b = str(line.get("timetable_from") or ""), str(line.get("timetable_to") or "")
    published = str(line.get("timetable_stops") or "")
    if not np.isfinite(target):
        return run_s
    if a not in names or b not in names:  # an end of the figure not served (a year before an extension opened)
        if not published or not (np.isfinite(published_factor) and published_factor > 0):
            return run_s
        on = set(published.split("|"))  # the segments inside the published pattern keep its pace
        inside = np.array([names[k] in on and names[k + 1] in on for k in range(len(run_s))], dtype=bool)
        return np.where(inside, run_s * published_factor, run_s)
    i, j = sorted((list(names).index(a), list(names).index(b)))
    if i == j:
        return run_s
    out = run_s.copy()
    if published and published != "|".join(list(names)[i : j + 1]):
        if np.isfinite(published_factor) and published_factor > 0:
            out[i:j] = run_s[i:j] * published_factor
        return out
    moving_s = float(target) * 60.0 - float(dwell_s[i : j - 1].sum())
    total = float(run_s[i:j].sum())
    if moving_s <= 0 or total <= 0:
        return run_s
    out[i:j] = run_s[i:j] * (moving_s / total)
    return out


def lines_open_in(rail: RailNetwork, year: int) -> RailNetwork:
    """Only the lines opened by the end of ``year`` (their ``opened`` column)."""
    opened = pd.to_datetime(rail.lines["opened"]).dt.year
    gone = rail.lines.loc[opened > year, "line_id"].tolist()
    return rail.without_lines(gone) if gone else rail
