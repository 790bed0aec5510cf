"""Transit edits as scenario entries (``add:``), in the vocabulary of Conveyal's modifications.

| type                | Conveyal modification      | what it does                                                   |
|---------------------|----------------------------|----------------------------------------------------------------|
| ``add_trip_pattern``| add trip pattern           | a new line: stops, kind, headway by period, speed or run time  |
| ``extend_line``     | reroute (at an end)        | stops appended to the end (or prepended to the start) of a line|
| ``add_stops``       | reroute (between stops)    | stops inserted after a stop of a line (infill on its track)    |
| ``remove_stops``    | remove stops               | a line no longer stops there (trains run through)              |
| ``adjust_frequency``| adjust frequency           | a line's headway in one or both periods                        |
| ``adjust_speed``    | adjust speed               | a line's top speed, a speed factor, or its end-to-end run time |
| ``adjust_dwell_time``| adjust dwell time         | seconds standing at every (or the named) intermediate stops    |

Each entry has a ``name`` (default ``<type> <line>``): outputs, maps, attribution and ``drop_edits``
name it so. What each does to a scenario's rail services is in ``network.scenario.transit_edits``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from network.scenario.validation import TRANSIT_EDIT_TYPES as _TYPES
from network.scenario.validation import check_path_lonlat

LINE_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,40}$"
TRANSIT_KINDS = ("metro", "maglev", "intercity", "hsr", "conventional", "tram", "bus", "ferry")
"""Kinds a new line may have (each has a street-to-platform time; the rail kinds also train kinematics)."""
TIMETABLED_KINDS = ("tram", "bus", "ferry")
"""Kinds without train kinematics: their run times are distance / the given average speed (or run time)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NamedStop(_Strict):
    """A stop given by name and position (a new station, or a bus stop)."""

    name: str = Field(min_length=1, max_length=100)
    lon: float
    lat: float

    @model_validator(mode="after")
    def _in_area(self) -> NamedStop:
        check_path_lonlat([(self.lon, self.lat)], field="stop")
        return self


StopSpec = str | NamedStop | tuple[float, float]
"""A stop: the name of a station of the scenario (``长沙南``), ``{name, lon, lat}``, or ``[lon, lat]``."""


class PeriodHeadways(_Strict):
    """Minutes between departures per period; a period left out has no service (new line) or keeps its
    headway (``adjust_frequency``)."""

    am_peak: float | None = Field(default=None, ge=0.5, le=240)
    off_peak: float | None = Field(default=None, ge=0.5, le=240)

    @model_validator(mode="after")
    def _some(self) -> PeriodHeadways:
        if self.am_peak is None and self.off_peak is None:
            raise ValueError("give minutes for am_peak and/or off_peak")
        return self


HeadwaySpec = PeriodHeadways
"""Written as a number (both periods) or ``{am_peak: 6, off_peak: 10}``; read as ``PeriodHeadways``."""


def headways_by_period(spec: HeadwaySpec) -> dict[str, float]:
    """``{period: minutes}`` of a headway as written (periods left out are absent)."""
    return {p: float(v) for p, v in (("am_peak", spec.am_peak), ("off_peak", spec.off_peak)) if v is not None}


class _TransitEdit(_Strict):
    name: str = Field(min_length=1, max_length=200)
    line: str = Field(pattern=LINE_ID_PATTERN)
    """The line: a ``line_id`` of data/rail_lines.csv, of a GTFS service (``<route_id>:<direction>``), or
    of a line an earlier ``add_trip_pattern`` entry adds."""

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data:
            return {**data, "name": f"{data.get('type')} {data['line']}" if isinstance(data.get("line"), str) else str(data.get("type"))}
        return data

    @field_validator("stops", mode="before", check_fields=False)
    @classmethod
    def _stop_forms(cls, v: Any) -> Any:
        """Each stop as one of its three forms, with one clear message (not one per form) when it is none."""
        if not isinstance(v, list):
            return v
        for k, s in enumerate(v):
            if isinstance(s, str):
                continue
            if isinstance(s, dict):
                if set(s) != {"name", "lon", "lat"}:
                    raise ValueError(f"stops[{k}] has fields {sorted(s)}; a new stop is {{name, lon, lat}}")
                point = (s["lon"], s["lat"])
            elif isinstance(s, list | tuple) and len(s) == 2:
                point = (s[0], s[1])
            else:
                raise ValueError(f"stops[{k}] = {s!r}: expected a station name, {{name, lon, lat}} or [lon, lat]")
            if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point):
                raise ValueError(f"stops[{k}]: lon and lat must be numbers (degrees), got {list(point)}")
            try:
                check_path_lonlat([(float(point[0]), float(point[1]))], field="stop")
            except ValueError as exc:
                raise ValueError(str(exc).replace("stop[0]", f"stops[{k}]")) from None
        return v

    @field_validator("headway_min", mode="before", check_fields=False)
    @classmethod
    def _number_is_both_periods(cls, v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return {"am_peak": v, "off_peak": v}
        return v


class AddTripPattern(_TransitEdit):
    """A new line (Conveyal: add trip pattern)."""

    type: Literal["add_trip_pattern"]
    name_zh: str = Field(default="", max_length=200)
    kind: Literal["metro", "maglev", "intercity", "hsr", "conventional", "tram", "bus", "ferry"]
    stops: list[StopSpec] = Field(min_length=2, max_length=200)
    headway_min: HeadwaySpec
    speed_kph: float | None = Field(default=None, gt=5, le=450)
    """Rail kinds: the top speed (trains accelerate and brake at the kind's rates); bus, tram, ferry:
    the average running speed between stops."""
    run_time_min: float | None = Field(default=None, gt=0, le=600)
    """End-to-end time, first to last stop, dwells included (instead of ``speed_kph``)."""
    dwell_s: float | None = Field(default=None, ge=0, le=900)
    """Seconds at each intermediate stop (default: the kind's ``dwell_<kind>_s``; 20 s for bus, tram, ferry)."""
    detour: float = Field(default=1.1, ge=1.0, le=2.0)
    """Track (or road) length over the straight lines between the stops."""
    opened: dt.date | None = None
    """Opening date: in a scenario of an earlier year the line is not there."""
    two_way: bool = True
    colour: str = Field(default="", pattern=r"^(#[0-9A-Fa-f]{6})?$")

    @model_validator(mode="after")
    def _speed_or_time(self) -> AddTripPattern:
        if (self.speed_kph is None) == (self.run_time_min is None):
            raise ValueError("give either speed_kph or run_time_min (one of the two)")
        return self


class ExtendLine(_TransitEdit):
    """Stops added at one end of a line (Conveyal: reroute from its last or first stop)."""

    type: Literal["extend_line"]
    stops: list[StopSpec] = Field(min_length=1, max_length=100)
    at: Literal["end", "start"] = "end"
    opened: dt.date | None = None


class AddStops(_TransitEdit):
    """Stops inserted between ``after`` and the next stop of the line (infill stations on its track)."""

    type: Literal["add_stops"]
    after: str = Field(min_length=1)
    stops: list[StopSpec] = Field(min_length=1, max_length=50)


class RemoveStops(_TransitEdit):
    """Stops the line no longer serves (Conveyal: remove stops); trains run through them."""

    type: Literal["remove_stops"]
    stops: list[str] = Field(min_length=1)


class AdjustFrequency(_TransitEdit):
    """A line's headway in the periods given (Conveyal: adjust frequency)."""

    type: Literal["adjust_frequency"]
    headway_min: HeadwaySpec


class AdjustSpeed(_TransitEdit):
    """A line's speed (Conveyal: adjust speed): ``speed_kph`` (a new top speed, trains), ``scale`` (speed
    x this factor, every run between stops) or ``run_time_min`` (end to end, dwells included)."""

    type: Literal["adjust_speed"]
    speed_kph: float | None = Field(default=None, gt=5, le=450)
    scale: float | None = Field(default=None, ge=0.2, le=5.0)
    run_time_min: float | None = Field(default=None, gt=0, le=600)

    @model_validator(mode="after")
    def _one(self) -> AdjustSpeed:
        if sum(x is not None for x in (self.speed_kph, self.scale, self.run_time_min)) != 1:
            raise ValueError("give exactly one of speed_kph, scale or run_time_min")
        return self


class AdjustDwellTime(_TransitEdit):
    """Seconds standing at the line's intermediate stops, or only at ``stops`` (Conveyal: adjust dwell time)."""

    type: Literal["adjust_dwell_time"]
    dwell_s: float = Field(ge=0, le=900)
    stops: list[str] | None = Field(default=None, min_length=1)


TransitEdit = AddTripPattern | ExtendLine | AddStops | RemoveStops | AdjustFrequency | AdjustSpeed | AdjustDwellTime
TRANSIT_EDIT_CLASSES = (AddTripPattern, ExtendLine, AddStops, RemoveStops, AdjustFrequency, AdjustSpeed, AdjustDwellTime)
"""The transit edit classes, for ``isinstance`` checks."""
TRANSIT_EDIT_TYPES = _TYPES  # the one list, in network/scenario/validation.py
