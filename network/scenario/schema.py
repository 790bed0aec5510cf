"""Scenario files (YAML): load safely, validate with precise errors, resolve into a network state."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from network._errors import InputError

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_SCENARIO_BYTES = 256 * 1024

log = logging.getLogger(__name__)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _AdHocRoad(_Strict):
    """Common fields of ad-hoc road projects: a name and a WGS-84 [lon, lat] path in the study area."""

    name: str = Field(min_length=1, max_length=200)
    path: list[tuple[float, float]] = Field(min_length=2)

    @field_validator("path")
    @classmethod
    def _in_area(cls, v: list[tuple[float, float]]) -> list[tuple[float, float]]:
        from network.scenario.catalogue import check_path_lonlat

        check_path_lonlat(v)
        return v

    @field_validator("highway", check_fields=False)
    @classmethod
    def _class(cls, v: str) -> str:
        from network.model.speeds import ROAD_CLASSES

        if v not in ROAD_CLASSES:
            raise ValueError(f"expected a road class, one of {list(ROAD_CLASSES)}")
        return v


class NewRoad(_AdHocRoad):
    """An ad-hoc new road drawn as a polyline (lon, lat), snapped to the network at its ends and junctions."""

    type: Literal["new_road"]
    speed_kph: float = Field(gt=0, le=130)
    highway: str = "urban_express"


class RoadUpgrade(_AdHocRoad):
    """An ad-hoc upgrade of the roads along a corridor (new class and/or speed)."""

    type: Literal["road_upgrade"]
    highway: str
    speed_kph: float | None = Field(default=None, gt=0, le=130)


class RoadClosure(_AdHocRoad):
    """An ad-hoc closure of the roads along a corridor."""

    type: Literal["road_closure"]


AdHoc = Annotated[NewRoad | RoadUpgrade | RoadClosure, Field(discriminator="type")]


class Check(_Strict):
    """An assertion a CI batch run enforces, e.g. changsha→xiangtan best ≤ 35 min."""

    metric: Literal["centre_minutes"]
    from_: str = Field(alias="from")
    to: str
    mode: Literal["car", "transit", "best"]
    max: float = Field(gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_", "to")
    @classmethod
    def _city(cls, v: str) -> str:
        from network.model.region import CITIES

        if v not in CITIES:
            raise ValueError(f"expected one of {list(CITIES)}")
        return v


class Scenario(_Strict):
    """One planner's question as data."""

    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(default="", max_length=300)
    base: str = Field(default="surveyed", pattern=NAME_PATTERN)
    """``surveyed`` (the base data with every built project) or the name of another scenario file."""
    year: int | None = Field(default=None, ge=1990, le=2060)
    period: Literal["am_peak", "off_peak"] = "am_peak"
    tier: Literal["embedded", "osm"] = "embedded"
    projects: list[str] = Field(default_factory=list)
    """Catalogue project ids to include (whatever the year)."""
    exclude: list[str] = Field(default_factory=list)
    """Catalogue project ids to leave out (built ones are reverted)."""
    remove_lines: list[str] = Field(default_factory=list)
    """Rail services (line_id from data/rail_lines.csv) taken out of this scenario."""
    add: list[AdHoc] = Field(default_factory=list)
    """Inline ad-hoc projects: new_road, road_upgrade, road_closure."""
    feeder_speed_kph: float = Field(default=18.0, gt=2, le=80)
    walk_limit_m: float = Field(default=1200.0, gt=0, le=5000)
    thresholds_minutes: list[int] = Field(default_factory=lambda: [15, 30, 45, 60], min_length=1)
    checks: list[Check] = Field(default_factory=list)

    @field_validator("thresholds_minutes")
    @classmethod
    def _thresholds(cls, v: list[int]) -> list[int]:
        if any(t <= 0 or t > 240 for t in v):
            raise ValueError("expected minutes between 1 and 240")
        return sorted(set(v))


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if part in ("new_road", "road_upgrade", "road_closure"):
            continue  # pydantic's discriminator tag, not a field the user wrote
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("from" if part == "from_" else str(part))
    return out or "<document>"


def _line_of(text: str, field_path: str) -> int | None:
    """Best-effort line number of the top-level key of ``field_path`` in the YAML text."""
    top = field_path.split(".")[0].split("[")[0]
    for i, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{top}:"):
            return i
    return None


def parse_scenario(text: str, *, file: str) -> Scenario:
    """Validate scenario YAML text; raise ``InputError`` naming file, field, value and expectation."""
    if len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise InputError(file, "<document>", f"file is larger than {MAX_SCENARIO_BYTES} bytes")
    try:
        doc: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(file, "<document>", f"not valid YAML ({getattr(exc, 'problem', exc)})", line=line) from None
    if not isinstance(doc, dict):
        raise InputError(file, "<document>", f"expected a mapping of fields, got {type(doc).__name__}")
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = _field_path(tuple(err["loc"]))
        value = err.get("input")
        shown = repr(value) if not isinstance(value, dict) else "a mapping"
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = err["msg"].removeprefix("Value error, ")
        if isinstance(value, bool) and err["type"] == "string_type":
            msg += "; YAML reads on/off/yes/no/true/false as a boolean: put the value in quotes (e.g. name: 'off')"
        if err["type"] == "extra_forbidden":
            msg = f"unknown field; expected one of {sorted(Scenario.model_fields) if '.' not in path and '[' not in path else 'the documented fields'}"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise InputError(file, path, f"got {shown}: {msg}{more}", line=_line_of(text, path)) from None


def decode_scenario_bytes(data: bytes, *, file: str) -> tuple[str, str | None]:
    """Decode a scenario file's bytes; return the text and a notice when it was not plain UTF-8.

    UTF-8 with or without a byte-order mark is read silently; UTF-16 with a BOM (Windows Notepad's
    "Unicode") and GB18030/GBK (what Chinese Windows editors save as "ANSI") are read with a notice
    that names the encoding. Binary content (NUL bytes, control characters, or bytes that are
    neither UTF-8 nor GB18030) is refused with an ``InputError`` naming the file.
    """
    notice = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(file, "<file>", "starts with a UTF-16 byte-order mark but is not valid UTF-16; save it as UTF-8") from None
        notice = "read as UTF-16 (it has a UTF-16 byte-order mark); save it as UTF-8"
    elif b"\x00" in data:
        raise InputError(file, "<file>", "is a binary file (it contains NUL bytes); expected a YAML text file in UTF-8")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise InputError(
                    file,
                    "<file>",
                    f"is neither UTF-8 nor GBK/GB18030 text (undecodable byte at offset {exc.start}); "
                    "it looks binary; expected a YAML text file in UTF-8",
                ) from None
            notice = (
                f"is not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); read as GBK/GB18030, "
                "the Chinese Windows 'ANSI' encoding; save it as UTF-8 to be sure names are read as written"
            )
    bad = sorted({c for c in text if (ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127})
    if bad:
        line = text[: text.index(bad[0])].count("\n") + 1
        raise InputError(
            file, "<file>", f"contains control character {ord(bad[0]):#04x}: it looks binary; expected a YAML text file in UTF-8", line=line
        )
    return text, notice


def read_scenario_text(path: Path) -> tuple[str, str | None]:
    """The text of a scenario file and a notice when its encoding was not UTF-8 (see ``decode_scenario_bytes``).

    Every failure (missing, a folder, unreadable, too large, binary) is an ``InputError`` naming the file.
    """
    file = str(path)
    try:
        if path.is_dir():
            raise InputError(file, "<file>", "is a folder; expected a scenario YAML file")
        if not path.exists():
            raise InputError(file, "<file>", "file does not exist")
        size = path.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise InputError(file, "<document>", f"file is larger than {MAX_SCENARIO_BYTES} bytes")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(file, "<file>", f"cannot be read ({exc.strerror or exc})") from None
    return decode_scenario_bytes(data, file=file)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file (UTF-8; GBK/GB18030 and UTF-16 are read with a logged notice)."""
    text, notice = read_scenario_text(path)
    if notice:
        log.warning("%s: %s", path, notice)
    return parse_scenario(text, file=str(path))
