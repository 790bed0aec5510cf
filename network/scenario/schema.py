"""Scenario files (YAML): load safely, validate with precise errors, resolve into a network state."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from network._errors import InputError, missing_file_reason
from network.model.region import CITIES
from network.model.speeds import ROAD_CLASSES
from network.paths import SCENARIO_DIR
from network.scenario.transit_specs import TransitEdit
from network.scenario.validation import NAME_PATTERN, check_path_lonlat, validation_problems
from network.scenario.yaml_text import load_yaml

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
        check_path_lonlat(v)
        if len(set(v)) < 2:
            raise ValueError("the path's points are all the same; expected at least two different [lon, lat] points")
        return v

    @field_validator("highway", check_fields=False)
    @classmethod
    def _class(cls, v: str) -> str:
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


RoadEdit = NewRoad | RoadUpgrade | RoadClosure
AddEntry = RoadEdit | TransitEdit
"""One ``add:`` entry: a road edit or a transit edit (network/scenario/transit_specs.py)."""
AdHoc = Annotated[AddEntry, Field(discriminator="type")]


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
        if v not in CITIES:
            raise ValueError(f"expected one of {list(CITIES)}")
        return v


class GtfsServices(_Strict):
    """Services from a GTFS feed added to the scenario's transit network (``services: [{gtfs: feed.zip}]``)."""

    gtfs: str = Field(min_length=1, max_length=500)
    """Path of a GTFS .zip: absolute, relative to the scenario file's folder, or to the project folder."""
    routes: list[str] | None = Field(default=None, min_length=1)
    """Only these route_id values (all routes when omitted)."""
    prefix: str = Field(default="", max_length=40, pattern=r"^[A-Za-z0-9_.:-]*$")
    """Put before the feed's line ids (needed when two feeds share route ids)."""


class Scenario(_Strict):
    """One planner's question as data."""

    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(default="", max_length=300)
    base: str = Field(default="surveyed", max_length=500)
    """``surveyed`` (the base data with every built project), another scenario's name, or the path of its
    file (a value ending in ``.yaml``/``.yml``, relative to the folder of the file that names it)."""
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
    """Inline edits: roads (new_road, road_upgrade, road_closure) and transit (add_trip_pattern, extend_line,
    add_stops, remove_stops, adjust_frequency, adjust_speed, adjust_dwell_time), applied in file order."""
    services: list[GtfsServices] = Field(default_factory=list)
    """Transit services from GTFS feeds (bus, tram, rail, metro by route type), added to the transit network."""
    drop_edits: list[str] = Field(default_factory=list)
    """Edits of the ``base`` chain (an ``add`` entry's name or a ``remove_lines`` line id) this scenario does not make."""
    feeder_speed_kph: float | None = Field(default=None, gt=2, le=80)
    """A fixed bus-feeder speed; omitted: each road's car speed x the parameter bus_feeder_speed_factor."""
    walk_limit_m: float | None = Field(default=None, gt=0, le=5000)
    """Longest walk to or from the network; omitted: the parameter walk_max_m."""
    dates: Literal["earliest", "latest"] = "earliest"
    """Where a curated opening date is known only as a range (``opened`` to ``opened_latest`` in
    data/river_crossings.csv or data/road_classes.csv), which end the year's network takes: ``earliest`` (default) or ``latest``.
    ``timeline`` runs both ends of every year a range straddles and shows the spread."""
    thresholds_minutes: list[int] = Field(default_factory=lambda: [15, 30, 45, 60], min_length=1)
    checks: list[Check] = Field(default_factory=list)

    @field_validator("projects", "exclude", "remove_lines")
    @classmethod
    def _no_repeats(cls, v: list[str]) -> list[str]:
        seen: set[str] = set()
        twice = [x for x in v if x in seen or seen.add(x)]  # type: ignore[func-returns-value]
        if twice:
            raise ValueError(f"{sorted(set(twice))} listed more than once; expected each id once")
        return v

    @field_validator("base")
    @classmethod
    def _base_name_or_path(cls, v: str) -> str:
        if is_scenario_path(v) or re.fullmatch(NAME_PATTERN, v):
            return v
        raise ValueError(
            "expected 'surveyed', a scenario name (lowercase letters a-z, digits, '-' or '_', e.g. my-plan) "
            "or the path of a scenario file ending in .yaml (relative to this file's folder)"
        )

    @field_validator("exclude")
    @classmethod
    def _not_also_included(cls, v: list[str], info: ValidationInfo) -> list[str]:
        included = info.data.get("projects") or []
        for k, pid in enumerate(v):
            if pid in included:
                raise ValueError(
                    f"project {pid!r} (exclude[{k}]) is also in projects (projects[{included.index(pid)}]): "
                    "a project is either added or left out; keep it in one of the two lists"
                )
        return v

    @field_validator("add")
    @classmethod
    def _unique_edit_names(cls, v: list[AddEntry], info: ValidationInfo) -> list[AddEntry]:
        seen: dict[str, int] = {}
        lines = list(info.data.get("remove_lines") or [])
        for k, edit in enumerate(v):
            if edit.name in seen:
                raise ValueError(
                    f"add[{k}].name {edit.name!r} is also the name of add[{seen[edit.name]}]: "
                    "every edit needs its own name (outputs, maps and attribution name edits by it)"
                )
            if edit.name in lines:
                raise ValueError(f"add[{k}].name {edit.name!r} is also a line id in remove_lines: every edit needs its own name")
            seen[edit.name] = k
        return v

    @field_validator("thresholds_minutes")
    @classmethod
    def _thresholds(cls, v: list[int]) -> list[int]:
        if any(t <= 0 or t > 240 for t in v):
            raise ValueError("expected minutes between 1 and 240")
        return sorted(set(v))


def _line_of(text: str, field_path: str) -> int | None:
    """Line number (1-based) of the deepest YAML node on ``field_path`` (``add[1].highway``): the entry's
    own line, not its list's; ``None`` when the text cannot be composed."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", field_path):
        if node is None:
            break
        line = node.start_mark.line + 1
        if part.startswith("[") and isinstance(node, yaml.SequenceNode):
            k = int(part[1:-1])
            node = node.value[k] if k < len(node.value) else None
        elif isinstance(node, yaml.MappingNode):
            key = "from" if part == "from_" else part
            match = [(kn, vn) for kn, vn in node.value if getattr(kn, "value", None) == key]
            if not match:
                break
            line = match[0][0].start_mark.line + 1
            node = match[0][1]
        else:
            break
    else:
        if node is not None:
            line = node.start_mark.line + 1
    return line


def parse_scenario(text: str, *, file: str) -> Scenario:
    """Validate scenario YAML text; raise ``InputError`` naming file, field, value and expectation."""
    if len(text.encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise InputError(file, "<document>", f"file is larger than {MAX_SCENARIO_BYTES} bytes")
    doc: Any = load_yaml(text, file=file)
    if not isinstance(doc, dict):
        raise InputError(file, "<document>", f"expected a mapping of fields, got {type(doc).__name__}")
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        problems = validation_problems(exc, top_level_fields=Scenario.model_fields)
        path, msg = problems[0]
        for p, m in problems[1:]:  # every problem, each with its own line, so a file is fixed in one pass
            where = _line_of(text, p)
            msg += f"\n  also {file}{f':{where}' if where else ''}: field '{p}': {m}"
        raise InputError(file, path, msg, line=_line_of(text, path)) from None


def located(exc: InputError) -> InputError:
    """``exc`` with the line of its field in its scenario file, when it names no line and the file can be
    read (an error found after parsing, e.g. an unknown line id of a transit edit, found as the state is built)."""
    if exc.line is not None or exc.field.startswith("<"):
        return exc
    try:
        path = Path(exc.file)
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
            return exc
        text, _ = read_scenario_text(path)
    except (OSError, InputError, ValueError):
        return exc
    line = _line_of(text, exc.field)
    if line is None:
        return exc
    return InputError(exc.file, exc.field, str(exc).removeprefix(f"{exc.file}: field '{exc.field}': "), line=line)


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
            raise InputError(file, "<file>", f"{missing_file_reason(path)}; expected a scenario YAML file")
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


# ------------------------------------------------------------------------------ edits and base chains

EditSpec = AddEntry | str
"""One hand-written edit: an ``add`` entry, or a ``remove_lines`` line id (a ``str``)."""
INHERITED_FIELDS = ("period", "tier", "feeder_speed_kph", "walk_limit_m", "dates", "thresholds_minutes", "services")
"""Fields a scenario takes from its ``base`` when it does not write them itself."""


def scenario_at(scenario: Scenario, *, year: int | None = None, period: str | None = None) -> Scenario:
    """``scenario`` in another ``year`` and/or ``period`` when given (its catalogue projects follow the year)."""
    update = {k: v for k, v in (("year", year), ("period", period)) if v is not None}
    return scenario.model_copy(update=update) if update else scenario


def edit_type(spec: EditSpec) -> str:
    """The ``add`` entry's type (``new_road``, ..., ``adjust_frequency``, ...) or ``remove_line``."""
    return "remove_line" if isinstance(spec, str) else spec.type


def scenario_edits(scenario: Scenario) -> dict[str, EditSpec]:
    """The scenario's hand-written edits by name, in the order they are applied.

    An ``add`` entry is named by its ``name``, a ``remove_lines`` entry by its line id (the rail
    changes come first in the dict, as ``resolve.build_state`` applies them first).
    """
    out: dict[str, EditSpec] = {lid: lid for lid in scenario.remove_lines}
    out.update({a.name: a for a in scenario.add})
    return out


def with_edits(scenario: Scenario, edits: dict[str, EditSpec]) -> Scenario:
    """A copy of ``scenario`` whose hand-written edits are exactly ``edits`` (``scenario_edits`` form)."""
    return scenario.model_copy(
        update={
            "remove_lines": [s for s in edits.values() if isinstance(s, str)],
            "add": [s for s in edits.values() if not isinstance(s, str)],
        }
    )


def inherit_base(child: Scenario, base: Scenario | None, *, file: str) -> Scenario:
    """``child`` with every field of its (already resolved) ``base`` carried into it.

    - Edits accumulate: the base's ``add`` and ``remove_lines`` come first, then the child's, less the
      base edits the child names in ``drop_edits`` (each must be an edit of the base).
    - A child edit may not reuse the name of a base edit it keeps (drop it first to replace it).
    - ``period``, ``tier``, ``feeder_speed_kph``, ``walk_limit_m``, ``dates``, ``thresholds_minutes`` and ``services``
      come from the base unless the child writes them. ``name``, ``title`` and ``checks`` are the child's own.
    - ``base=None`` is the surveyed network: it has no edits, so ``drop_edits`` must be empty.

    The year and the catalogue projects are carried by ``resolve.resolve_projects`` (its active set).
    Raises ``InputError`` naming ``file`` and the field (``drop_edits[k]``, ``add[k].name``, ``remove_lines[k]``).
    """
    base_edits = scenario_edits(base) if base is not None else {}
    base_label = f"the base {child.base!r}"
    for k, name in enumerate(child.drop_edits):
        if name not in base_edits:
            expected = f"one of {sorted(base_edits)}" if base_edits else f"nothing: {base_label} makes no edits"
            raise InputError(file, f"drop_edits[{k}]", f"got {name!r}: not an edit of {base_label}; expected {expected}")
    kept = {n: s for n, s in base_edits.items() if n not in set(child.drop_edits)}
    for k, lid in enumerate(child.remove_lines):
        if lid in kept:
            raise InputError(file, f"remove_lines[{k}]", f"got {lid!r}: {base_label} already removes this line (it is inherited)")
    for k, a in enumerate(child.add):
        if a.name in kept:
            raise InputError(
                file,
                f"add[{k}].name",
                f"got {a.name!r}: {base_label} already makes an edit of that name; to replace it, "
                f"also write drop_edits: [{a.name!r}], or choose another name",
            )
    merged = {**kept, **scenario_edits(child)}
    update: dict[str, Any] = {"drop_edits": []}
    if base is not None:
        update.update({f: getattr(base, f) for f in INHERITED_FIELDS if f not in child.model_fields_set})
    return with_edits(child, merged).model_copy(update=update)


def is_scenario_path(text: str) -> bool:
    """Whether a scenario reference is a path (ends in ``.yaml``/``.yml`` or contains a separator), not a name."""
    return text.strip().endswith((".yaml", ".yml")) or "/" in text or "\\" in text


def find_scenario_file(name_or_path: str, *, search_dirs: Sequence[Path] | None = None) -> Path:
    """The scenario file a user means by ``name_or_path`` (every command that names a scenario uses this).

    A value ending in ``.yaml``/``.yml`` or containing a path separator is a path. Otherwise it is a
    scenario name, looked up in ``search_dirs`` (default: the current directory, then ``scenarios/``)
    first as ``<name>.yaml``/``<name>.yml``, then as a file whose ``name:`` field is ``name_or_path``.
    Two different files answering to one name are refused (give the path).

    Raises
    ------
    InputError
        The file does not exist, no scenario has that name (the closest names are suggested), or the
        name is ambiguous.
    """
    text = name_or_path.strip()
    dirs = list(search_dirs) if search_dirs is not None else [Path.cwd(), SCENARIO_DIR]
    if is_scenario_path(text) or Path(text).is_file():
        path = Path(text)
        if not path.exists():
            raise InputError(text, "<file>", f"{missing_file_reason(path)} (a scenario is named by its name or by the path of its file)")
        return path
    by_file = [d / f"{text}{ext}" for d in dirs for ext in (".yaml", ".yml") if _is_scenario_file(d / f"{text}{ext}")]
    found = _distinct(by_file) or _distinct([p for p in _yaml_files(dirs) if _declared_name(p) == text])
    if len(found) == 1:
        return found[0]
    where = " and ".join(str(d) for d in dirs)
    if found:
        raise InputError(text, "<scenario>", f"ambiguous: {' and '.join(map(str, found))} both answer to this name; give the path")
    raise InputError(text, "<scenario>", f"no scenario of that name (as <name>.yaml or a file's 'name:') in {where}{scenario_name_hint(text, dirs)}")


def scenario_name_hint(text: str, dirs: Sequence[Path]) -> str:
    """``"; did you mean a, b?"`` with the scenario names in ``dirs`` closest to ``text`` (file stems and
    declared ``name:``), else the names there, else ''."""
    known = sorted({p.stem for p in _yaml_files(list(dirs))} | {n for p in _yaml_files(list(dirs)) if (n := _declared_name(p))})
    close = difflib.get_close_matches(text, known, n=3)
    return f"; did you mean {', '.join(close)}?" if close else (f"; scenarios there: {', '.join(known)}" if known else "")


def _distinct(paths: list[Path]) -> list[Path]:
    out: dict[Path, Path] = {}
    for p in paths:
        out.setdefault(p.resolve(), p)
    return list(out.values())


def _yaml_files(dirs: Sequence[Path]) -> list[Path]:
    return [p for d in dirs if d.is_dir() for pattern in ("*.yaml", "*.yml") for p in sorted(d.glob(pattern)) if _is_scenario_file(p)]


def _is_scenario_file(path: Path) -> bool:
    """Whether a YAML file answers to a scenario name: every file in ``scenarios/``; elsewhere (the current
    directory, a base's folder) a file whose top level is a mapping with at least one scenario field
    (``name``, ``base``, ``year``, ...), or that does not parse (so a broken draft gets its own error).
    Other YAML files there (``mkdocs.yml``, a CI file) are not scenarios."""
    if not path.is_file():
        return False
    if path.parent.resolve() == SCENARIO_DIR.resolve():
        return True
    try:
        doc = load_yaml(read_scenario_text(path)[0], file=str(path))
    except InputError:
        return True
    return isinstance(doc, dict) and bool(set(doc) & set(Scenario.model_fields))


def _declared_name(path: Path) -> str | None:
    """The ``name:`` a YAML file declares, or None (unreadable, too large or not a scenario)."""
    try:
        doc = load_yaml(read_scenario_text(path)[0], file=str(path))
    except InputError:
        return None
    name = doc.get("name") if isinstance(doc, dict) else None
    return name if isinstance(name, str) else None
