"""The project catalogue (data/projects.yaml): load and validate, with errors naming file and field."""

from __future__ import annotations

import datetime as dt
import difflib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from shapely.geometry import LineString

from network._errors import InputError
from network.model.speeds import ROAD_CLASSES
from network.paths import DATA_DIR
from network.scenario.transit_specs import AddTripPattern
from network.scenario.validation import NAME_PATTERN, check_path_lonlat, validation_message
from network.scenario.validation import STUDY_BBOX as STUDY_BBOX  # re-exported: callers import it from here
from network.scenario.yaml_text import load_yaml

ProjectType = Literal[
    "road_upgrade",
    "new_road",
    "road_closure",
    "road_opening",
    "rail_line",
    "rail_extension",
    "rail_service",
    "gtfs_services",
    "transit_line",
]
Status = Literal["built", "under_construction", "planned", "concept"]
ROAD_TYPES = ("road_upgrade", "new_road", "road_closure")
RAIL_TYPES = ("rail_line", "rail_extension", "rail_service")


class PeriodSpeeds(BaseModel):
    """A speed (km/h) for each period."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    am_peak: float = Field(gt=0, le=130)
    off_peak: float = Field(gt=0, le=130)


class After(BaseModel):
    """A road project's attributes after it opens (class and/or speeds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    highway: str | None = None
    speed_kph: PeriodSpeeds | None = None
    signals: float | None = Field(default=None, ge=0, le=200)
    """Signalised junctions on the road in this state (each adds signal_delay_<period>_s)."""

    @model_validator(mode="after")
    def _known_class(self) -> After:
        if self.highway is not None and self.highway not in ROAD_CLASSES:
            raise ValueError(f"highway {self.highway!r} is not a road class; expected one of {list(ROAD_CLASSES)}")
        return self


class RailBefore(BaseModel):
    """A rail project's service attributes before it (per line in ``line_ids``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    headway_am_peak_min: list[Annotated[float, Field(gt=0, le=240)]] = Field(min_length=1)
    headway_off_peak_min: list[Annotated[float, Field(gt=0, le=240)]] = Field(min_length=1)


class Project(BaseModel):
    """One named project (or an inline ad-hoc one in a scenario)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=NAME_PATTERN)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    group: str = ""
    type: ProjectType
    status: Status = "concept"
    opened: dt.date | None = None
    planned_year: int | None = Field(default=None, ge=1990, le=2060)
    in_base: bool = False
    path: list[tuple[float, float]] | None = None
    length_km: float | None = Field(default=None, gt=0, le=500)
    """Published length of the road: a road the network lacks is added at this length."""
    road_opened: dt.date | None = None
    """road_upgrade: the day the road itself first opened (in its ``before`` state), when later than the
    network's other roads; in years before it the road is absent. Dates a class change's road, e.g. 洞株路:
    opened 2016-01-08 as a signalised road, 快速化 (urban_express) 2020-10-23."""
    ref: str | None = Field(default=None, min_length=1, max_length=32)
    """road_opening: the expressway corridor (``ref`` of its edges, data/expressway_corridors.csv)."""
    after: After | None = None
    line_id: str | None = None
    line_ids: list[str] | None = None
    stations: list[str] | None = Field(default=None, min_length=2)
    before: RailBefore | After | None = None
    feed: str | None = None
    """gtfs_services: a GTFS .zip (path relative to the project folder)."""
    routes: list[str] | None = None
    """gtfs_services: the feed's route_id values this project opens (all when omitted)."""
    line: AddTripPattern | None = None
    """transit_line: the line, written as a scenario's ``add_trip_pattern`` edit (stops, kind, headways,
    speed or run time); added to the services while the project is active."""
    facts: str = ""
    inferred: str = ""
    source: str = ""

    @property
    def year(self) -> int:
        """The year the project counts from (opened, else planned)."""
        if self.opened is not None:
            return self.opened.year
        assert self.planned_year is not None
        return self.planned_year

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        if self.opened is None and self.planned_year is None:
            raise ValueError("give 'opened' (a date) or 'planned_year'")
        if self.type in ROAD_TYPES:
            if not self.path or len(self.path) < 2:
                raise ValueError(f"a {self.type} needs 'path' with at least 2 [lon, lat] points")
            check_path_lonlat(self.path, field="path")
            if self.type != "road_closure" and (self.after is None or self.after.highway is None):
                raise ValueError(f"a {self.type} needs 'after.highway' (one of {list(ROAD_CLASSES)})")
            if self.type == "new_road" and (self.after is None or self.after.speed_kph is None):
                raise ValueError("a new_road needs 'after.speed_kph' with am_peak and off_peak")
        if self.road_opened is not None and (self.type != "road_upgrade" or self.opened is None or self.road_opened > self.opened):
            raise ValueError("'road_opened' belongs to a road_upgrade with 'opened' on or after it (the road opens before its upgrade)")
        if self.type == "road_opening":
            if not self.in_base or not self.ref:
                raise ValueError("a road_opening needs in_base: true and 'ref' (the corridor its edges carry)")
            if not self.path or len(self.path) < 2:
                raise ValueError("a road_opening needs 'path' with at least 2 [lon, lat] points (drawn on maps)")
            check_path_lonlat(self.path, field="path")
        if self.type == "rail_extension" and (not self.line_id or not self.stations):
            raise ValueError("a rail_extension needs 'line_id' and 'stations' (at least 2)")
        if self.type in ("rail_line", "rail_service") and not self.line_ids:
            raise ValueError(f"a {self.type} needs 'line_ids'")
        if self.type in ROAD_TYPES and self.before is not None and not isinstance(self.before, After):
            raise ValueError("a road project's 'before' takes highway and speed_kph")
        if self.type == "rail_service":
            if not self.in_base:
                raise ValueError("a rail_service needs in_base: true (its headways are in data/rail_service_history.csv or 'before')")
            assert self.line_ids is not None
            if self.before is not None and not isinstance(self.before, RailBefore):
                raise ValueError("a rail_service's 'before' takes headway_am_peak_min and headway_off_peak_min")
            for name in ("headway_am_peak_min", "headway_off_peak_min"):
                if isinstance(self.before, RailBefore) and len(getattr(self.before, name)) != len(self.line_ids):
                    raise ValueError(f"before.{name} needs one value per line in line_ids ({len(self.line_ids)})")
        if self.type == "gtfs_services" and (not self.feed or self.in_base):
            raise ValueError("a gtfs_services project needs 'feed' (a GTFS .zip) and in_base: false (its services are added when active)")
        if self.type == "transit_line" and (self.line is None or self.in_base):
            raise ValueError("a transit_line project needs 'line' (an add_trip_pattern entry) and in_base: false")
        if self.type in RAIL_TYPES and not self.in_base:
            raise ValueError("rail projects must be in the base rail data (in_base: true); add new lines to data/rail_lines.csv")
        return self


def parse_catalogue(text: str, *, file: str) -> dict[str, Project]:
    """Validate catalogue YAML text; ``InputError`` names the file, the project and the field."""
    doc: Any = load_yaml(text, file=file)
    if not isinstance(doc, dict) or not isinstance(doc.get("projects"), list):
        raise InputError(file, "projects", "expected a top-level 'projects:' list")
    out: dict[str, Project] = {}
    for k, raw in enumerate(doc["projects"]):
        try:
            p = Project.model_validate(raw)
        except ValidationError as exc:
            where, msg = validation_message(exc, top_level_fields=Project.model_fields)
            pid = raw.get("id") if isinstance(raw, dict) else None
            raise InputError(file, f"projects[{k}]{'(' + str(pid) + ')' if pid else ''}.{where}", msg) from None
        if p.id in out:
            raise InputError(file, f"projects[{k}].id", f"duplicate id {p.id!r}")
        out[p.id] = p
    return out


@lru_cache(maxsize=4)
def load_catalogue(path: Path = DATA_DIR / "projects.yaml") -> dict[str, Project]:
    """The project catalogue keyed by id (validated)."""
    return parse_catalogue(path.read_text(encoding="utf-8"), file=str(path))


def unknown_id_message(pid: str, known: list[str]) -> str:
    """The message for an unknown project id, with the closest known ids."""
    close = difflib.get_close_matches(pid, known, n=3, cutoff=0.5)
    hint = f"; closest known ids: {', '.join(close)}" if close else f"; known ids: {', '.join(sorted(known))}"
    return f"got {pid!r}: unknown project id{hint}"


def catalogue_frame(catalogue: dict[str, Project], rail_stops: Any = None, *, active: set[str] | frozenset[str] | None = None) -> Any:
    """Projects as a GeoDataFrame for maps: id, name_zh, name_en, type, status, opened, source, geometry.

    Road projects are drawn along their waypoints; rail projects along their stations (from
    ``rail_stops``, the RailNetwork.stops frame) when given. ``active`` limits the rows.
    """
    rows = []
    for pid, p in catalogue.items():
        if active is not None and pid not in active:
            continue
        geom = None
        if p.path:
            geom = LineString(p.path)
        elif rail_stops is not None:
            if p.type == "transit_line" and p.line is not None:
                s = rail_stops[rail_stops["line_id"] == p.line.line]
            elif p.type == "rail_extension" and p.line_id and p.stations:
                s = rail_stops[(rail_stops["line_id"] == p.line_id) & rail_stops["name_zh"].isin(p.stations)]
            elif p.type == "gtfs_services" and p.feed:
                # the feed's stops (line ids are <route_id>:<direction>), first direction of each route
                src = rail_stops["source"] if "source" in rail_stops.columns else None
                ok = src == f"GTFS {Path(p.feed).name}" if src is not None else rail_stops["line_id"].astype(bool) & False
                route_of = rail_stops["line_id"].astype(str).str.rsplit(":", n=1).str[0]
                if p.routes:
                    ok &= route_of.isin(p.routes)
                first = rail_stops.loc[ok, "line_id"].drop_duplicates()
                first = first[~route_of[first.index].duplicated()]
                s = rail_stops[rail_stops["line_id"].isin(first)]
            else:
                s = rail_stops[rail_stops["line_id"].isin(p.line_ids or [])].drop_duplicates("name_zh")
            if len(s) >= 2:
                geom = LineString(list(zip(s["lon"], s["lat"])))
        if geom is None:
            continue
        when = p.opened.isoformat() if p.opened else f"{p.planned_year} (planned)"
        rows.append(
            {
                "id": pid,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "type": p.type,
                "status": p.status,
                "opened": when,
                "source": p.source,
                "inferred": p.inferred,
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(
        rows,
        columns=["id", "name_zh", "name_en", "type", "status", "opened", "source", "inferred", "geometry"],
        geometry="geometry",
        crs="EPSG:4326",
    )
