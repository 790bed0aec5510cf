"""GTFS out: services as a frequency-based GTFS feed (what r5py and OpenTripPlanner read).

Each service direction becomes, per period, one template trip whose stop times give the run times
(departure to next arrival) and dwells (arrival to departure at intermediate stops) and one
``frequencies.txt`` row covering the period's window (``am_peak`` 07:00-09:00, ``off_peak``
10:00-16:00) with the service's headway (``exact_times=0``: headway-based). Times are whole seconds
(rounded on the cumulative clock, so a trip's total drifts by under a second). The calendar runs every day of ``start_date``..``end_date``. ``feed_info.txt`` names the
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

import pandas as pd

from network.model.graph import NetworkState
from network.model.rail import line_segments
from network.sources.gtfs import PERIOD_WINDOWS_S

ROUTE_TYPE_OF_KIND: dict[str, int] = {"tram": 0, "metro": 1, "maglev": 1, "intercity": 2, "hsr": 2, "conventional": 2, "bus": 3, "ferry": 4}
"""GTFS ``route_type`` written for each of the planner's kinds: basic types only (0-7, what every consumer
and gtfs-kit's validator accept). The planner's own kind goes into the extra column ``czt_kind`` of
routes.txt (other tools ignore it; ``network.sources.gtfs`` reads it back, so the maglev, HSR and
conventional trains keep their station access times)."""
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class OutStop:
    """One stop of the written feed (WGS-84)."""

    stop_id: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class OutService:
    """One service between ``stop_ids`` (in order), run both ways unless ``two_way`` is False.

    ``run_s[period]``: in-motion times between consecutive stops (len = stops - 1); ``dwell_s[period]``:
    time standing at each stop (len = stops; the ends' values are not written); ``headway_s[period]``:
    seconds between departures; a period missing from ``headway_s`` means no service then.
    """

    route_id: str
    short_name: str
    long_name: str
    kind: str
    stop_ids: Sequence[str]
    run_s: Mapping[str, Sequence[float]]
    dwell_s: Mapping[str, Sequence[float]]
    headway_s: Mapping[str, float]
    colour: str = ""
    two_way: bool = True
    route_type: int | None = None
    desc: str = ""


@dataclass(frozen=True)
class FeedMeta:
    """The feed's publisher, version, validity dates, agency and notes (feed_info.txt, agency.txt, notes.txt)."""

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
                "czt_kind": svc.kind,
            }
        )
        directions = [(0, list(svc.stop_ids))] + ([(1, list(reversed(svc.stop_ids)))] if svc.two_way else [])
        for direction, seq in directions:
            for period, (w0, w1) in PERIOD_WINDOWS_S.items():
                if period not in svc.headway_s or period not in svc.run_s:
                    continue
                run = list(svc.run_s[period])
                dwell = list(svc.dwell_s.get(period, [0.0] * len(seq)))
                if direction == 1:
                    run, dwell = run[::-1], dwell[::-1]
                trip_id = f"{svc.route_id}:{direction}:{period}"
                trips.append({"route_id": svc.route_id, "service_id": "daily", "trip_id": trip_id, "direction_id": direction})
                t = float(w0)
                # whole seconds, rounded on the cumulative time so the total does not drift
                for k, sid in enumerate(seq):
                    if k > 0:
                        t += float(run[k - 1])
                    arrive = t
                    if 0 < k < len(seq) - 1:
                        t += float(dwell[k])
                    stop_times.append(
                        {
                            "trip_id": trip_id,
                            "arrival_time": _hhmmss(arrive),
                            "departure_time": _hhmmss(t),
                            "stop_id": sid,
                            "stop_sequence": k,
                        }
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
            routes, ["route_id", "agency_id", "route_short_name", "route_long_name", "route_desc", "route_type", "route_color", "czt_kind"]
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


def state_services(state: NetworkState) -> tuple[list[OutStop], list[OutService]]:
    """A network state's transit services (rail, metro, and any GTFS services) as feed stops and services.

    One stop per station place (so interchanges share it); per line and period the run and dwell times
    of :func:`network.model.rail.line_segments` and the headway; a line that does not run in a period
    gets no trips then. Lines marked ``one_way`` are written in one direction.
    """
    rail = state.rail
    values = state.params.values()
    places = rail.station_places()
    lonlat = rail.stops.groupby("name_zh").agg(lon=("lon", "mean"), lat=("lat", "mean"))
    stop_id = {name: f"s{k:04d}" for k, name in enumerate(places["name_zh"])}
    used: set[str] = set()
    services: list[OutService] = []
    segs = {p: line_segments(rail, p, values) for p in PERIOD_WINDOWS_S}  # type: ignore[arg-type]
    one_way = (
        rail.lines["one_way"].fillna(False).astype(bool) if "one_way" in rail.lines.columns else pd.Series(False, index=rail.lines.index)
    )
    for line, ow in zip(rail.lines.to_dict(orient="records"), one_way):
        lid = str(line["line_id"])
        s = rail.stops[rail.stops["line_id"] == lid].sort_values("seq")
        if len(s) < 2:
            continue
        run: dict[str, list[float]] = {}
        dwell: dict[str, list[float]] = {}
        headway: dict[str, float] = {}
        for period, seg in segs.items():
            g = seg[seg["line_id"] == lid].sort_values("from_seq")
            if len(g) != len(s) - 1:
                continue
            run[period] = [float(x) for x in g["run_s"]]
            d = [float(x) for x in g["dwell_s"]]
            dwell[period] = [d[0], *d]  # dwell at the arriving stop; the first stop's is not written
            headway[period] = float(g["headway_s"].iloc[0])
        if not headway:
            continue
        names = [str(n) for n in s["name_zh"]]
        used.update(names)
        services.append(
            OutService(
                route_id=lid,
                short_name=lid,
                long_name=str(line.get("name_zh", lid)),
                kind=str(line["kind"]),
                route_type=None,
                stop_ids=[stop_id[n] for n in names],
                run_s=run,
                dwell_s=dwell,
                headway_s=headway,
                colour=str(line.get("colour", "")) if isinstance(line.get("colour"), str) else "",
                two_way=not bool(ow),
                desc=str(line.get("desc") or line.get("source") or "") if isinstance(line.get("desc") or line.get("source"), str) else "",
            )
        )
    stops = [OutStop(stop_id[n], n, float(lonlat.loc[n, "lon"]), float(lonlat.loc[n, "lat"])) for n in places["name_zh"] if n in used]
    return stops, services
