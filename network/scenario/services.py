"""Services from GTFS feeds joined to a scenario's rail services (one transit model for both).

A feed's route directions (``network.sources.gtfs.feed_services``) become lines of the scenario's
``RailNetwork``: kind from the route type, headways per period from the timetable, and the feed's own
run and dwell times per stop (columns ``run_<period>_s`` / ``dwell_<period>_s`` of the stops table,
which ``network.model.rail.line_segments`` uses instead of train kinematics). Stops become stations
like rail stations (same access rules, the kind's street-to-platform time): one station per GTFS stop
(or per ``parent_station``), named by its stop name; a stop named like a station already in the
scenario is renamed ``<name> (GTFS)`` and stays its own station, linked by the transfer walk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from network._errors import InputError
from network.model.rail import RailNetwork
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR
from network.scenario.catalogue import STUDY_BBOX
from network.sources.gtfs import FeedServices, feed_services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSource:
    """Where a scenario's services come from: a GTFS feed, optionally a subset of its routes."""

    gtfs: Path
    routes: tuple[str, ...] | None = None
    prefix: str = ""
    opened: str = ""
    """ISO date the services start (catalogue projects), empty when unknown."""
    label: str = ""
    """Where the source was named (``services[0]`` or ``projects.yaml czt-bus-201``), for errors."""


def feed_path(text: str, *, base_dir: Path) -> Path:
    """A feed path as written: absolute, relative to ``base_dir`` (the scenario's folder), else to the folder
    holding the shipped ``data/`` (so ``data/gtfs/...`` names a feed the package ships, in a checkout or a wheel)."""
    p = Path(text)
    if p.is_absolute():
        return p
    for root in (base_dir, DATA_DIR.parent):
        if (root / p).exists():
            return root / p
    return base_dir / p


def _station_labels(stops: pd.DataFrame) -> pd.Series:
    """A station name per stop: its GTFS stop name, one per ``station_id`` (parent_station, else stop_id);
    different stations with the same name get `` #2``, `` #3``."""
    first = stops.drop_duplicates("station_id")
    label: dict[str, str] = {}
    seen: dict[str, int] = {}
    for sid, name in zip(first["station_id"], first["name_zh"]):
        seen[name] = seen.get(name, 0) + 1
        label[sid] = str(name) if seen[name] == 1 else f"{name} #{seen[name]}"
    return stops["station_id"].map(label)


def services_as_rail(fs: FeedServices, *, opened: str = "") -> RailNetwork:
    """A feed's services in the ``RailNetwork`` shape (lines + stops with explicit run and dwell times)."""
    lines = fs.lines.copy()
    lines["name_en"] = lines["short_name"]
    lines["top_speed_kph"] = np.nan
    lines["track_detour"] = 1.0
    lines["opened"] = opened
    lines["pattern_of"] = ""
    lines["one_way"] = True  # each GTFS direction is its own line
    lines["gtfs"] = fs.file
    stops = fs.stops.copy()
    pts = gpd.GeoSeries(gpd.points_from_xy(stops["lon"], stops["lat"]), crs=CRS_WGS84).to_crs(CRS_METRIC)
    stops["x"] = pts.x.to_numpy()
    stops["y"] = pts.y.to_numpy()
    stops["gtfs_stop_name"] = stops["name_zh"]
    stops["name_zh"] = _station_labels(stops)
    stops["inferred"] = False
    stops["source"] = f"GTFS {Path(fs.file).name}"
    return RailNetwork(lines=lines.reset_index(drop=True), stops=stops.reset_index(drop=True))


def with_services(rail: RailNetwork, extra: RailNetwork, *, label: str) -> RailNetwork:
    """``rail`` plus ``extra``'s lines; a line id already present is an ``InputError`` (give a prefix)."""
    clash = sorted(set(rail.lines["line_id"]) & set(extra.lines["line_id"]))
    if clash:
        raise InputError(
            label,
            "gtfs",
            f"line ids {clash[:5]} already exist in the scenario; give this feed a different 'prefix' (prefix: {free_prefix(rail, extra)!r} is free)",
        )
    routes = route_ids(extra)
    again = sorted(set(routes) & set(rail.lines["line_id"]))
    if again:
        raise InputError(
            label,
            "gtfs",
            f"route ids {again[:5]}{' ...' if len(again) > 5 else ''} ({len(again)} of {len(set(routes))}) are lines the scenario "
            "already runs: a feed exported from a scenario and read back would run every service twice "
            f"({again[0]} and {again[0]}:0). Give it prefix: {free_prefix(rail, extra)!r} to run them as other lines, "
            "or routes: [...] to take only new ones; a change to a line is a transit edit (add: [{type: adjust_frequency, ...}])",
        )
    taken = set(rail.station_places()["name_zh"])
    rename = {n: f"{n} (GTFS)" for n in set(extra.stops["name_zh"]) if n in taken}
    if rename:  # a feed stop named like a rail station stays its own station (linked by the transfer walk)
        extra = RailNetwork(extra.lines, extra.stops.assign(name_zh=extra.stops["name_zh"].replace(rename)))
    lines = pd.concat([rail.lines, extra.lines], ignore_index=True)
    stops = pd.concat([rail.stops, extra.stops], ignore_index=True)
    places = pd.concat([rail.station_places(), extra.station_places()], ignore_index=True)
    places = places.groupby("name_zh", sort=True).agg(x=("x", "mean"), y=("y", "mean")).reset_index()
    return RailNetwork(lines=lines, stops=stops, places=places)


def route_ids(extra: RailNetwork) -> list[str]:
    """The (prefixed) route id of each line of a feed's services (line ids are ``<route_id>:<direction>``)."""
    return [str(x).rsplit(":", 1)[0] for x in extra.lines["line_id"]]


def free_prefix(rail: RailNetwork, extra: RailNetwork) -> str:
    """A prefix that gives none of ``extra``'s route or line ids a clash with ``rail``'s line ids: ``gtfs-``,
    else ``gtfs2-``, ``gtfs3-`` ..."""
    taken = {str(x) for x in rail.lines["line_id"]}
    for k in range(1, 100):
        p = "gtfs-" if k == 1 else f"gtfs{k}-"
        if not any(p + r in taken or p + str(lid) in taken for r, lid in zip(route_ids(extra), extra.lines["line_id"])):
            return p
    return "gtfs-x-"


def load_services(source: ServiceSource) -> RailNetwork:
    """Read a feed (errors name the feed, table, line and field) and return its services as rail lines."""
    fs = feed_services(source.gtfs, bbox=STUDY_BBOX, prefix=source.prefix, routes=list(source.routes) if source.routes else None)
    return services_as_rail(fs, opened=source.opened)


def assumed_notes(rail: RailNetwork) -> dict[str, str]:
    """Line id -> what its data says is assumed (the ``source`` note of rail lines, ``route_desc`` of GTFS
    routes when it says 'assumed'); lines with nothing assumed are absent."""
    out: dict[str, str] = {}
    cols = [c for c in ("source", "desc") if c in rail.lines.columns]
    for row in rail.lines.to_dict(orient="records"):
        text = "; ".join(str(row[c]) for c in cols if isinstance(row.get(c), str))
        if "assum" in text.lower():
            out[str(row["line_id"])] = text
    return out
