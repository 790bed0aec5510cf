"""GTFS out: services as a frequency-based GTFS feed (what r5py and OpenTripPlanner read).

Each service direction becomes, per period, one template trip whose stop times give the ride times
and one ``frequencies.txt`` row covering the period's window (``am_peak`` 07:00-09:00, ``off_peak``
10:00-16:00) with the service's headway (``exact_times=0``: headway-based). Arrival equals departure at
every stop (the dwell is inside the ride to the stop, as the planner models it), times are whole
seconds. The calendar runs every day of ``start_date``..``end_date``. ``feed_info.txt`` names the
scenario, network tier, data snapshot and what was assumed.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from network.sources.gtfs import PERIOD_WINDOWS_S

ROUTE_TYPE_OF_KIND: dict[str, int] = {"tram": 0, "metro": 1, "maglev": 12, "intercity": 2, "hsr": 101, "bus": 3, "ferry": 4}
"""GTFS ``route_type`` written for each of the planner's kinds (101 = high-speed rail, an extended type)."""
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class OutStop:
    stop_id: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class OutService:
    """One service between ``stop_ids`` (in order), run both ways unless ``two_way`` is False.

    ``ride_s[period]``: ride times between consecutive stops (len = stops - 1); ``headway_s[period]``:
    seconds between departures; a period missing from either means no service then.
    """

    route_id: str
    short_name: str
    long_name: str
    kind: str
    stop_ids: Sequence[str]
    ride_s: Mapping[str, Sequence[float]]
    headway_s: Mapping[str, float]
    colour: str = ""
    two_way: bool = True
    route_type: int | None = None
    desc: str = ""


@dataclass(frozen=True)
class FeedMeta:
    publisher: str
    url: str
    version: str
    start_date: str = "20240101"
    end_date: str = "20301231"
    agency_name: str = "长株潭 half-hour-circle planner (modelled services)"
    notes: Sequence[str] = field(default_factory=tuple)


def _hhmmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _csv(rows: Sequence[Mapping[str, object]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in columns})
    return buf.getvalue()


def feed_tables(stops: Sequence[OutStop], services: Sequence[OutService], meta: FeedMeta) -> dict[str, str]:
    """The feed's tables as CSV text keyed by file name (deterministic)."""
    agency = [
        {
            "agency_id": "czt",
            "agency_name": meta.agency_name,
            "agency_url": meta.url,
            "agency_timezone": "Asia/Shanghai",
            "agency_lang": "zh",
        }
    ]
    stop_rows = [{"stop_id": s.stop_id, "stop_name": s.name, "stop_lat": f"{s.lat:.6f}", "stop_lon": f"{s.lon:.6f}"} for s in stops]
    routes, trips, stop_times, freqs = [], [], [], []
    for svc in services:
        rtype = svc.route_type if svc.route_type is not None else ROUTE_TYPE_OF_KIND.get(svc.kind, 3)
        routes.append(
            {
                "route_id": svc.route_id,
                "agency_id": "czt",
                "route_short_name": svc.short_name,
                "route_long_name": svc.long_name,
                "route_desc": svc.desc,
                "route_type": rtype,
                "route_color": svc.colour.lstrip("#").upper() if svc.colour else "",
            }
        )
        directions = [(0, list(svc.stop_ids))] + ([(1, list(reversed(svc.stop_ids)))] if svc.two_way else [])
        for direction, seq in directions:
            for period, (w0, w1) in PERIOD_WINDOWS_S.items():
                if period not in svc.headway_s or period not in svc.ride_s:
                    continue
                ride = list(svc.ride_s[period])
                if direction == 1:
                    ride = ride[::-1]
                trip_id = f"{svc.route_id}:{direction}:{period}"
                trips.append({"route_id": svc.route_id, "service_id": "daily", "trip_id": trip_id, "direction_id": direction})
                t = float(w0)
                # whole seconds, rounded on the cumulative time so the total does not drift
                for k, sid in enumerate(seq):
                    if k > 0:
                        t += float(ride[k - 1])
                    hhmmss = _hhmmss(t)
                    stop_times.append(
                        {"trip_id": trip_id, "arrival_time": hhmmss, "departure_time": hhmmss, "stop_id": sid, "stop_sequence": k}
                    )
                freqs.append(
                    {
                        "trip_id": trip_id,
                        "start_time": _hhmmss(w0),
                        "end_time": _hhmmss(w1),
                        "headway_secs": int(round(float(svc.headway_s[period]))),
                        "exact_times": 0,
                    }
                )
    calendar = [
        {
            "service_id": "daily",
            **{d: 1 for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")},
            "start_date": meta.start_date,
            "end_date": meta.end_date,
        }
    ]
    info = [
        {
            "feed_publisher_name": meta.publisher,
            "feed_publisher_url": meta.url,
            "feed_lang": "zh",
            "feed_start_date": meta.start_date,
            "feed_end_date": meta.end_date,
            "feed_version": meta.version,
        }
    ]
    return {
        "agency.txt": _csv(agency, ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"]),
        "stops.txt": _csv(stop_rows, ["stop_id", "stop_name", "stop_lat", "stop_lon"]),
        "routes.txt": _csv(
            routes, ["route_id", "agency_id", "route_short_name", "route_long_name", "route_desc", "route_type", "route_color"]
        ),
        "trips.txt": _csv(trips, ["route_id", "service_id", "trip_id", "direction_id"]),
        "stop_times.txt": _csv(stop_times, ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]),
        "frequencies.txt": _csv(freqs, ["trip_id", "start_time", "end_time", "headway_secs", "exact_times"]),
        "calendar.txt": _csv(
            calendar, ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "start_date", "end_date"]
        ),
        "feed_info.txt": _csv(
            info, ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date", "feed_version"]
        ),
        **({"notes.txt": "\n".join(meta.notes) + "\n"} if meta.notes else {}),
    }


def write_feed(path: Path, stops: Sequence[OutStop], services: Sequence[OutService], meta: FeedMeta) -> None:
    """Write the feed as a zip at ``path`` (byte-identical for the same input; atomic rename)."""
    tables = feed_tables(stops, services, meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".zip", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(tables):
                info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, tables[name].encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
