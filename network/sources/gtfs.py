"""GTFS feeds in: read and check a feed (gtfs-kit), turn its routes into frequency services per period.

A feed is read with gtfs-kit (``gtfs_kit.read_feed``) and checked with its validator
(``gtfs_kit.validate``); every problem the planner cannot use is an ``InputError`` naming the feed file,
the table, the row (line in the ``.txt`` file) and the field. What comes out is one service per route
and direction (its most common stop sequence), with per period (``am_peak`` 07:00-09:00, ``off_peak``
10:00-16:00 on a representative weekday):

- the run time between consecutive stops (departure to arrival) and the dwell at each stop (arrival to
  departure), medians over the trips of that period, from ``stop_times`` (frequency-based trips included:
  their stop times give the run times);
- the headway = window length / departures in the window, counting timetabled trips that leave their
  first stop in the window and ``frequencies.txt`` rows (overlap / headway_secs).

Route types: the basic GTFS types and the extended (Hierarchical Vehicle Type) ranges map to the
planner's kinds (``bus``, ``tram``, ``metro``, ``maglev`` = 12 monorail, ``intercity``, ``hsr`` = 101,
``conventional`` = 102 long-distance trains, ``ferry``), which set the station access time. Stops that
share a ``parent_station`` form one station. Stops outside the study area are dropped (a service keeps its longest run of stops inside);
a feed with no stop inside is refused.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from network._errors import InputError, missing_file_reason
from network.paths import cache_dir

if TYPE_CHECKING:
    import gtfs_kit as gk

log = logging.getLogger(__name__)

PERIOD_WINDOWS_S: dict[str, tuple[int, int]] = {"am_peak": (7 * 3600, 9 * 3600), "off_peak": (10 * 3600, 16 * 3600)}
"""Time windows of the planner's periods (seconds after midnight of the service day)."""
PLANNER_KINDS = ("bus", "tram", "metro", "maglev", "intercity", "hsr", "conventional", "ferry")
"""Kinds of service the transit graph knows (each has a station access time parameter)."""
MAX_FEED_BYTES = 200 * 1024 * 1024
"""Uncompressed size above which a feed is refused (a metropolitan bus feed is a few tens of MB)."""
REQUIRED_TABLES = ("agency", "stops", "routes", "trips", "stop_times")
_TIME = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")


def kind_of_route_type(route_type: int) -> str | None:
    """The planner's kind for a GTFS ``route_type`` (basic or extended); None for types it cannot route."""
    basic = {0: "tram", 1: "metro", 2: "intercity", 3: "bus", 4: "ferry", 5: "tram", 11: "bus", 12: "maglev"}
    if route_type in basic:
        return basic[route_type]
    if route_type == 101:
        return "hsr"
    if route_type == 102:
        return "conventional"
    if 100 <= route_type <= 199 or 300 <= route_type <= 399:
        return "intercity"
    if 200 <= route_type <= 299 or 700 <= route_type <= 899:
        return "bus"
    if 400 <= route_type <= 499:
        return "metro"
    if 900 <= route_type <= 999:
        return "tram"
    if 1000 <= route_type <= 1299:
        return "ferry"
    return None


def time_to_s(text: str) -> int | None:
    """GTFS ``H:MM:SS`` (hours may exceed 24) -> seconds; None when blank or malformed."""
    m = _TIME.match(str(text)) if isinstance(text, str) else None
    if m is None:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


@dataclass(frozen=True)
class FeedServices:
    """A feed's services in the planner's terms.

    ``lines``: line_id (``<prefix><route_id>:<direction>``), route_id, name_zh, kind, route_type,
    headway_am_peak_min, headway_off_peak_min (NaN: no departure in that period), colour, source.
    ``stops``: line_id, seq, stop_id, station_id (parent_station, else stop_id), name_zh, lon, lat, run_<period>_s (in motion from the previous
    stop, 0 at the first stop) and dwell_<period>_s (time standing at the stop) for each period.
    """

    file: str
    lines: pd.DataFrame
    stops: pd.DataFrame
    warnings: tuple[str, ...] = ()


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every ``.txt`` table of the zip as strings (for our own row-level checks before gtfs-kit parses it)."""
    file = str(path)
    if not path.exists():
        raise InputError(file, "file", f"{missing_file_reason(path)} (expected a GTFS .zip)")
    if path.is_dir():
        raise InputError(file, "file", "is a folder; expected a GTFS .zip")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(file, "file", f"is not a readable zip ({exc}); expected a GTFS .zip") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        total = sum(i.file_size for i in infos)
        if total > MAX_FEED_BYTES:
            raise InputError(file, "file", f"unpacks to {total:,} bytes; expected at most {MAX_FEED_BYTES:,}")
        out: dict[str, pd.DataFrame] = {}
        for info in infos:
            name = Path(info.filename).name
            if "/" in info.filename.strip("/") or not name.endswith(".txt"):
                continue
            table = name[: -len(".txt")]
            raw = zf.read(info)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise _err(file, table, "<table>", "is not UTF-8 text (GTFS files are UTF-8)") from None
            try:
                df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
            except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                raise _err(file, table, "<table>", f"is not a readable CSV ({str(exc).strip()})") from None
            df.columns = [str(c).strip() for c in df.columns]
            out[table] = df
    missing = [t for t in REQUIRED_TABLES if t not in out]
    if missing:
        raise _err(
            file, missing[0], "<table>", f"required table missing (a GTFS feed needs {', '.join(t + '.txt' for t in REQUIRED_TABLES)})"
        )
    if "calendar" not in out and "calendar_dates" not in out:
        raise _err(file, "calendar", "<table>", "missing (a GTFS feed needs calendar.txt or calendar_dates.txt)")
    return out


def _err(file: str, table: str, field: str, message: str, *, row: int | None = None, line: int | None = None) -> InputError:
    """An InputError naming the feed, the table, the line in the table's .txt (``row`` = 0-based data row,
    so line = row + 2 under the header) and the field: ``feed.zip [stops.txt]:3: field 'stop_lat': ...``."""
    return InputError(f"{file} [{table}.txt]", field, message, line=row + 2 if row is not None else line)


def _check_values(file: str, t: dict[str, pd.DataFrame]) -> None:
    """Row-level checks of the fields the planner uses, each naming table, line and field."""
    need = {
        "stops": ("stop_id", "stop_lat", "stop_lon"),
        "routes": ("route_id", "route_type"),
        "trips": ("route_id", "service_id", "trip_id"),
        "stop_times": ("trip_id", "stop_id", "stop_sequence"),
    }
    for table, cols in need.items():
        df = t[table]
        for col in cols:
            if col not in df.columns:
                raise _err(file, table, col, f"required column missing; the header has {list(df.columns)}", line=1)
    stops = t["stops"]
    loc_type = pd.to_numeric(stops["location_type"], errors="coerce").fillna(0) if "location_type" in stops.columns else None
    for col, (lo, hi) in (("stop_lon", (-180.0, 180.0)), ("stop_lat", (-90.0, 90.0))):
        v = pd.to_numeric(stops[col], errors="coerce")
        bad = v.isna() | (v < lo) | (v > hi)
        if loc_type is not None:
            bad &= loc_type.isin([0, 1, 2]).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _err(
                file,
                "stops",
                col,
                f"got {stops[col].iloc[i]!r} (stop_id {stops['stop_id'].iloc[i]!r}); expected decimal degrees in [{lo:g}, {hi:g}]",
                row=i,
            )
    rt = pd.to_numeric(t["routes"]["route_type"], errors="coerce")
    if rt.isna().any():
        i = int(np.flatnonzero(rt.isna().to_numpy())[0])
        raise _err(
            file,
            "routes",
            "route_type",
            f"got {t['routes']['route_type'].iloc[int(i)]!r}; expected a GTFS route type (e.g. 3 = bus)",
            row=int(i),
        )
    st = t["stop_times"]
    seq = pd.to_numeric(st["stop_sequence"], errors="coerce")
    if seq.isna().any():
        i = int(np.flatnonzero(seq.isna().to_numpy())[0])
        raise _err(file, "stop_times", "stop_sequence", f"got {st['stop_sequence'].iloc[i]!r}; expected a whole number", row=i)
    for col in ("arrival_time", "departure_time"):
        if col not in st.columns:
            raise _err(file, "stop_times", col, "required column missing", line=1)
        text = st[col].astype(str)
        filled = text.str.strip() != ""
        ok = text.str.match(_TIME)
        bad = filled & ~ok
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _err(file, "stop_times", col, f"got {text.iloc[i]!r} (trip_id {st['trip_id'].iloc[i]!r}); expected H:MM:SS", row=i)
    known_stops = set(stops["stop_id"])
    unknown = ~st["stop_id"].isin(known_stops)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _err(file, "stop_times", "stop_id", f"got {st['stop_id'].iloc[i]!r}: not a stop_id of stops.txt", row=i)
    known_trips = set(t["trips"]["trip_id"])
    unknown = ~st["trip_id"].isin(known_trips)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _err(file, "stop_times", "trip_id", f"got {st['trip_id'].iloc[i]!r}: not a trip_id of trips.txt", row=i)
    if "frequencies" in t:
        fq = t["frequencies"]
        for col in ("trip_id", "start_time", "end_time", "headway_secs"):
            if col not in fq.columns:
                raise _err(file, "frequencies", col, "required column missing", line=1)
        hw = pd.to_numeric(fq["headway_secs"], errors="coerce")
        bad = hw.isna() | (hw <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _err(file, "frequencies", "headway_secs", f"got {fq['headway_secs'].iloc[i]!r}; expected seconds > 0", row=i)


def _gtfs_kit() -> ModuleType:
    """gtfs-kit, imported when a feed is read (it loads folium and more: seconds a command without GTFS need not wait)."""
    import gtfs_kit  # heavy (folium, shapely, ...): loaded only to read a GTFS feed

    return gtfs_kit


def _field_in(message: str, table: str) -> str:
    """The GTFS column a gtfs-kit problem message names, or 'row'."""
    ref = _gtfs_kit().constants.GTFS_REF
    for col in sorted(ref.loc[ref["table"] == table, "column"], key=len, reverse=True):
        if re.search(rf"\b{re.escape(str(col))}\b", message):
            return str(col)
    return "row"


def read_feed(path: Path) -> gk.Feed:
    """Read and check a GTFS zip: our row-level checks, then gtfs-kit's reader and validator.

    Raises
    ------
    InputError
        Naming the file, ``<table>.txt <field>`` and the line, for the first problem found.
    """
    file = str(path)
    tables = _tables(path)
    _check_values(file, tables)
    try:
        feed = _gtfs_kit().read_feed(path, dist_units="km")
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(file, "file", f"gtfs-kit could not read the feed ({exc})") from None
    problems = _gtfs_kit().validate(feed, include_warnings=False)
    errors = problems[problems["type"] == "error"] if len(problems) else problems
    if len(errors):
        p = errors.iloc[0]
        table = str(p["table"])
        rows = list(p["rows"]) if isinstance(p["rows"], list | tuple | np.ndarray) else []
        field = _field_in(str(p["message"]), table.split(" ")[0])
        more = f" (and {len(errors) - 1} more error(s) from gtfs-kit's validator)" if len(errors) > 1 else ""
        raise _err(file, table, field, f"{p['message']} (gtfs-kit validation){more}", row=int(rows[0]) if rows else None)
    return feed


def _run_and_dwell(g: pd.DataFrame, keep: list[int]) -> np.ndarray:
    """(2, n) array for the kept stops of one trip: row 0 = run time from departure at the previous kept
    stop to arrival here (n - 1 values, padded with 0), row 1 = dwell (departure - arrival) at each stop."""
    arr = g["arr_s"].to_numpy(dtype=float)[keep]
    dep = g["dep_s"].to_numpy(dtype=float)[keep]
    arr = np.where(np.isfinite(arr), arr, dep)
    run = np.r_[arr[1:] - dep[:-1], 0.0]
    return np.vstack([run, np.clip(dep - arr, 0.0, None)])


def representative_date(feed: gk.Feed) -> str | None:
    """A weekday of the feed's first full week with service (Wednesday if it runs), as YYYYMMDD."""
    week = feed.get_first_week()
    for k in (2, 1, 3, 0, 4):
        if k < len(week):
            return str(week[k])
    dates = feed.get_dates()
    return str(dates[0]) if dates else None


BBox = tuple[float, float, float, float]


def active_services(feed: gk.Feed, date: str) -> set[str]:
    """service_ids running on ``date`` (YYYYMMDD): calendar.txt by weekday and range, then calendar_dates.txt
    additions (1) and removals (2)."""
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[pd.Timestamp(date).day_of_week]
    active: set[str] = set()
    if feed.calendar is not None:
        c = feed.calendar
        on = (c[weekday].astype(int) == 1) & (c["start_date"].astype(str) <= date) & (c["end_date"].astype(str) >= date)
        active = set(c.loc[on, "service_id"].astype(str))
    if feed.calendar_dates is not None:
        cd = feed.calendar_dates[feed.calendar_dates["date"].astype(str) == date]
        active |= set(cd.loc[cd["exception_type"].astype(int) == 1, "service_id"].astype(str))
        active -= set(cd.loc[cd["exception_type"].astype(int) == 2, "service_id"].astype(str))
    return active


def in_area(lon: np.ndarray, lat: np.ndarray, bbox: BBox) -> np.ndarray:
    """Which points lie in the (west, south, east, north) box."""
    x0, y0, x1, y1 = bbox
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def feed_services(path: Path, *, bbox: BBox, prefix: str = "", routes: list[str] | None = None) -> FeedServices:
    """The services of a GTFS feed per period, read once and then kept in the cache (``<cache>/gtfs``).

    Reading and validating a feed with gtfs-kit takes seconds; its result depends only on the feed (path
    and bytes), the arguments and this module's code, which together key the cached copy, so a changed feed or
    a changed reader is read afresh. Without a writable cache the feed is simply read. Arguments as for
    :func:`read_feed_services`.
    """
    try:
        key = hashlib.sha256(
            b"\0".join([path.read_bytes(), Path(__file__).read_bytes(), repr((str(path), bbox, prefix, routes)).encode("utf-8")])
        ).hexdigest()[:32]
    except OSError:
        return read_feed_services(path, bbox=bbox, prefix=prefix, routes=routes)  # the reader names the problem
    cached = cache_dir() / "gtfs" / f"{key}.pkl"
    try:
        found = pickle.loads(cached.read_bytes())
        if isinstance(found, FeedServices):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    fs = read_feed_services(path, bbox=bbox, prefix=prefix, routes=routes)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(fs, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, cached)
    except OSError as exc:
        log.debug("GTFS cache not written (%s): %s", cached, exc)
    return fs


def read_feed_services(path: Path, *, bbox: BBox, prefix: str = "", routes: list[str] | None = None) -> FeedServices:
    """The services of a GTFS feed per period (see the module docstring), read and validated now.

    Parameters
    ----------
    path
        A GTFS ``.zip``.
    bbox
        The study area (west, south, east, north) in degrees; stops outside are dropped, a feed with
        none inside is refused.
    prefix
        Put before every line id (keeps two feeds' ids apart).
    routes
        Keep only these ``route_id`` values (all when None); an unknown id is an ``InputError``.
    """
    file = str(path)
    feed = read_feed(path)
    warnings: list[str] = []
    stops = feed.stops.copy()
    stops["stop_id"] = stops["stop_id"].astype(str)
    lon = stops["stop_lon"].to_numpy(dtype=float)
    lat = stops["stop_lat"].to_numpy(dtype=float)
    inside = in_area(lon, lat, bbox)
    if not inside.any():
        x0, y0, x1, y1 = bbox
        raise _err(
            file,
            "stops",
            "stop_lon,stop_lat",
            f"no stop lies in the study area (lon {x0}..{x1}, lat {y0}..{y1}); the feed covers lon {lon.min():.3f}..{lon.max():.3f}, "
            f"lat {lat.min():.3f}..{lat.max():.3f}",
        )
    inside_ids = set(stops.loc[inside, "stop_id"])
    rts = feed.routes.copy()
    rts["route_id"] = rts["route_id"].astype(str)
    if routes is not None:
        unknown = [r for r in routes if r not in set(rts["route_id"])]
        if unknown:
            raise _err(
                file,
                "routes",
                "route_id",
                f"{unknown[0]!r} (asked for in 'routes') is not in routes.txt; the feed has {sorted(rts['route_id'])[:20]}",
            )
        rts = rts[rts["route_id"].isin(routes)]
    date = representative_date(feed)
    trips = feed.trips.copy()
    if date is not None:
        trips = trips[trips["service_id"].astype(str).isin(active_services(feed, date))]
    trips["route_id"] = trips["route_id"].astype(str)
    trips = trips[trips["route_id"].isin(set(rts["route_id"]))]
    if "direction_id" not in trips.columns:
        trips["direction_id"] = 0
    trips["direction_id"] = pd.to_numeric(trips["direction_id"], errors="coerce").fillna(0).astype(int)
    st = feed.stop_times[feed.stop_times["trip_id"].isin(set(trips["trip_id"]))].copy()
    st["stop_id"] = st["stop_id"].astype(str)
    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable")
    st["arr_s"] = st["arrival_time"].map(time_to_s)
    st["dep_s"] = st["departure_time"].map(time_to_s)
    st["dep_s"] = st["dep_s"].fillna(st["arr_s"])
    freq = (
        feed.frequencies.copy()
        if feed.frequencies is not None
        else pd.DataFrame(columns=["trip_id", "start_time", "end_time", "headway_secs"])
    )
    freq_trips = set(freq["trip_id"])
    name_of = dict(zip(stops["stop_id"], stops["stop_name"].fillna("").astype(str) if "stop_name" in stops.columns else stops["stop_id"]))
    pos = dict(zip(stops["stop_id"], zip(lon, lat)))
    parent = stops["parent_station"].fillna("").astype(str) if "parent_station" in stops.columns else pd.Series([""] * len(stops))
    station_of = {sid: (p if p.strip() else sid) for sid, p in zip(stops["stop_id"], parent)}
    line_rows: list[dict[str, object]] = []
    stop_rows: list[dict[str, object]] = []
    dropped_outside = 0
    by_trip = {tid: g for tid, g in st.groupby("trip_id", sort=False)}
    for route in rts.to_dict(orient="records"):
        rtype = int(route["route_type"])
        own = str(route.get("czt_kind") or "") if isinstance(route.get("czt_kind"), str) else ""
        kind = own if own in PLANNER_KINDS else kind_of_route_type(rtype)  # this planner's own exports carry the kind
        if kind is None:
            warnings.append(f"route {route['route_id']}: route_type {rtype} is not routable here; left out")
            continue
        for direction, tg in trips[trips["route_id"] == route["route_id"]].groupby("direction_id", sort=True):
            seqs: dict[tuple[str, ...], list[str]] = {}
            for tid in tg["trip_id"]:
                g = by_trip.get(tid)
                if g is None or len(g) < 2:
                    continue
                seqs.setdefault(tuple(g["stop_id"]), []).append(str(tid))
            if not seqs:
                continue
            pattern, ptrips = max(seqs.items(), key=lambda kv: (len(kv[1]), len(kv[0])))
            # the longest run of consecutive stops inside the study area
            runs, cur = [], []
            for k, sid in enumerate(pattern):
                if sid in inside_ids:
                    cur.append(k)
                else:
                    if cur:
                        runs.append(cur)
                    cur = []
            if cur:
                runs.append(cur)
            keep = max(runs, key=len) if runs else []
            if len(keep) < 2:
                dropped_outside += 1
                continue
            if len(keep) < len(pattern):
                warnings.append(
                    f"route {route['route_id']} direction {direction}: {len(pattern) - len(keep)} stop(s) outside the study area dropped"
                )
            line_id = f"{prefix}{route['route_id']}:{direction}"
            per_period: dict[str, tuple[np.ndarray, float]] = {}
            for period, (w0, w1) in PERIOD_WINDOWS_S.items():
                departures = 0.0
                rides = []
                for tid in ptrips:
                    g = by_trip[tid]
                    dep = g["dep_s"].to_numpy(dtype=float)
                    first = dep[0]
                    if tid in freq_trips:
                        for fr in freq[freq["trip_id"] == tid].to_dict(orient="records"):
                            a = time_to_s(str(fr["start_time"])) or 0
                            b = time_to_s(str(fr["end_time"])) or 0
                            overlap = max(0, min(b, w1) - max(a, w0))
                            if overlap > 0:
                                departures += overlap / float(fr["headway_secs"])
                                rides.append(_run_and_dwell(g, keep))
                    elif w0 <= first < w1:
                        departures += 1
                        rides.append(_run_and_dwell(g, keep))
                if departures > 0 and rides:
                    per_period[period] = (np.median(np.stack(rides), axis=0), (w1 - w0) / departures)
            if not per_period:
                warnings.append(
                    f"route {route['route_id']} direction {direction}: no departure in the AM peak or off-peak windows; left out"
                )
                continue
            any_ride = next(iter(per_period.values()))[0]
            line_rows.append(
                {
                    "line_id": line_id,
                    "route_id": str(route["route_id"]),
                    "name_zh": str(route.get("route_long_name") or route.get("route_short_name") or route["route_id"]),
                    "short_name": str(route.get("route_short_name") or ""),
                    "kind": kind,
                    "route_type": rtype,
                    **{f"headway_{p}_min": (per_period[p][1] / 60.0 if p in per_period else np.nan) for p in PERIOD_WINDOWS_S},
                    "colour": f"#{route['route_color']}"
                    if isinstance(route.get("route_color"), str) and route.get("route_color")
                    else "#555555",
                    "source": f"GTFS {path.name}",
                    "desc": str(route.get("route_desc") or "") if isinstance(route.get("route_desc"), str) else "",
                }
            )
            for j, k in enumerate(keep):
                sid = pattern[k]
                row: dict[str, object] = {
                    "line_id": line_id,
                    "seq": j,
                    "stop_id": sid,
                    "station_id": station_of.get(sid, sid),
                    "name_zh": name_of.get(sid, sid) or sid,
                    "lon": pos[sid][0],
                    "lat": pos[sid][1],
                }
                for p in PERIOD_WINDOWS_S:
                    rd = per_period[p][0] if p in per_period else any_ride
                    row[f"run_{p}_s"] = 0.0 if j == 0 else float(rd[0, j - 1])
                    row[f"dwell_{p}_s"] = float(rd[1, j])
                stop_rows.append(row)
    if dropped_outside:
        warnings.append(f"{dropped_outside} route direction(s) with fewer than 2 stops in the study area left out")
    if not line_rows:
        raise _err(
            file, "trips", "<table>", "no route of the feed runs between two stops of the study area in the AM peak or off-peak window"
        )
    for w in warnings:
        log.warning("%s: %s", file, w)
    return FeedServices(file=file, lines=pd.DataFrame(line_rows), stops=pd.DataFrame(stop_rows), warnings=tuple(warnings))
