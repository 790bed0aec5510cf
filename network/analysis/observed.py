"""Validation against observed (published) journey times.

A table of observed times (timetables, reporters' timed trips, project figures) is read with every
bad row refused (file, line, field, expected). For each row the model's *comparable measure* is
computed in the scenario of the row's year and period, and the fit is summarised overall, per
reliability grade and per stratum (mode × measure).

Definitions (the README repeats them; ``DEFINITIONS`` is written into every summary):

- period: ``period_hint`` am_peak → the AM-peak scenario, anything else → off-peak;
- scenario of a row: ``base: surveyed`` at the row's ``year`` (``obs-<year>-<period>``), the same as
  the independent checker (``observed_check.py``, through ``route --json``) builds;
- ``station_to_station``: time in the rail system from boarding to alighting, transfers included, first
  wait and access excluded (what a timetable gives): ``network.routing.route.rail_time`` between the
  stations nearest the two points, for the row's stopping pattern (typical = the frequency-weighted mean
  over the patterns serving both stations in the period; fastest = the fastest pattern of the day); when
  no single service serves both, the transit route's ride legs plus the waits after its first boarding
  (the contract of the independent checker (``observed_check.py``, through ``route --json``)). The legs shown are the transit route's;
- ``corridor_end_to_end``: the car route between the end points along the named road: through the
  waypoints of the corridor of ``data/corridors.csv`` whose ends match the row's (within 3 km each,
  ``network.analysis.corridors``), the free car route when none matches; terminal legs excluded;
- ``door_to_door``: the whole trip, by transit for rail and bus rows, by car for car rows;
- stopping pattern of a ``station_to_station`` row (``pattern_of``): the ``pattern`` column when the
  file has one; else the row id's tokens ``typical``/``allstop``/``all-stop`` → typical,
  ``fastest``/``express`` → fastest; else the first pattern word in ``what_was_reported``
  (the words that describe the figure come first, later ones are context: "average about 80 (fastest
  70)" is an average): ``fastest``/``express`` → fastest, ``average``/``typical``/``most trains``/
  ``all-stop`` → typical; else typical;
- within TAG: ``|model − observed| ≤ max(15 % × observed, 1 min)`` (UK TAG unit M3.1 journey-time
  criterion: met when more than 85 % of routes are within it); within 25 %: ``|model − observed| ≤ 25 %
  × observed``; MAPE = mean of ``|model − observed| / observed``; bias = mean of ``(model − observed) /
  observed`` (signed); slope = the least-squares slope of model on observed through the origin
  (``Σ m·o / Σ o²``);
- before → after: a row with ``year_before`` and ``minutes_before`` is also measured in the scenario of
  ``year_before``; for a station-to-station row whose two years are equal (a service-pattern change,
  not a network change), the "before" measure is the typical pattern;
- reliability A rows (timetables, timed trips) are the ones calibration may fit; B rows (official
  figures, targets, claims) are reported and never fitted;
- use (the optional ``use`` column, with its ``reason``): ``scored`` rows are compared and counted;
  ``claim`` rows (plan targets: "建成后将…", "预计", "(plan)") are measured and listed but not scored
  or fitted (``claims`` audits them); ``model_input`` rows (a figure the model takes as data, e.g. a
  timetable run time) and ``excluded`` rows are listed, never scored. A file without the column scores
  every row (the contract of the independent checker (``observed_check.py``, through ``route --json``)). Rows are marked, never removed;
- the project's own observed set is every ``*.csv`` under ``data/observed/`` (``OBSERVED_DIR``); a
  folder given as ``--csv`` is read the same way (ids unique across its files).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

from network import OSM_ATTRIBUTION
from network._errors import InputError, NetworkError, missing_file_reason
from network.analysis.corridors import EXCLUDED_LEGS, drive_corridor, load_corridors, matching_corridor
from network.geo import STUDY_BBOX, lonlat_problem
from network.model.graph import NetworkState
from network.model.parameters import PARAMETERS
from network.routing.route import Leg, Route, rail_time, route
from network.scenario.resolve import resolve_state, year_warnings_summarised
from network.scenario.schema import Scenario, parse_scenario

Period = Literal["am_peak", "off_peak"]
Pattern = Literal["typical", "fastest", ""]

MEASURES: Final = ("station_to_station", "corridor_end_to_end", "door_to_door")
RAIL_MODES: Final = ("intercity", "hsr", "metro", "maglev", "rail")
"""Modes of rail rows (``rail`` = conventional trains)."""
TRANSIT_MODES: Final = (*RAIL_MODES, "bus")
MODES: Final = ("car", *TRANSIT_MODES)
PERIOD_HINTS: Final = ("any", "am_peak", "off_peak")
USES: Final = ("scored", "claim", "model_input", "excluded")
"""Values of the optional ``use`` column (default ``scored``); only scored rows count and only scored A rows are fitted."""
RELIABILITY: Final = ("A", "B")
PATTERNS: Final = ("typical", "fastest")
COLUMNS: Final = (
    "id",
    "mode",
    "measure",
    "from_name",
    "from_lon",
    "from_lat",
    "to_name",
    "to_lon",
    "to_lat",
    "year",
    "minutes",
    "year_before",
    "minutes_before",
    "distance_km",
    "period_hint",
    "reliability",
    "what_was_reported",
    "source",
)
"""Required columns (``pattern`` is optional)."""
MAX_MINUTES: Final = 600.0
YEAR_RANGE: Final = (1990, 2060)
TAG_SHARE: Final = 0.15
TAG_FLOOR_MINUTES: Final = 1.0
WITHIN_25_SHARE: Final = 0.25
LENGTH_TOLERANCE: Final = 0.10
"""Model route length within ±10 % of the published distance: the network is right, an error is a speed error."""
CORRIDOR_EXCLUDED_LEGS: Final = EXCLUDED_LEGS
"""Leg kinds left out of ``corridor_end_to_end`` (parking/terminal time is not part of a timed drive)."""
_EPS = 1e-9

DEFINITIONS: Final[dict[str, str]] = {
    "period": "period_hint am_peak -> AM-peak scenario; any other hint -> off-peak scenario",
    "scenario": "base surveyed at the row's year and period (obs-<year>-<period>, as the independent checker observed_check.py)",
    "station_to_station": "rail_time between the stations nearest the points for the row's pattern (typical: frequency-weighted mean "
    "over the stopping patterns serving both in the period; fastest: fastest pattern of the day); without a single service serving both, "
    "the transit route's ride legs + waits after the first boarding (first wait and access excluded)",
    "corridor_end_to_end": "car route between the end points along the named road (through the waypoints of the matching "
    "data/corridors.csv corridor, ends within 3 km; free route when none matches), terminal legs excluded",
    "door_to_door": "whole trip: transit for rail and bus rows, car for car rows",
    "pattern": "station_to_station rows: column 'pattern' if present; else id tokens typical/allstop -> typical, "
    "fastest/express -> fastest; else the first pattern word in what_was_reported: 'fastest'/'express' -> fastest, "
    "'average'/'typical'/'most trains'/'all-stop' -> typical (later words are context); else typical",
    "within_tag": "|model - observed| <= max(15% x observed, 1 min) (UK TAG M3.1 journey-time criterion: > 85% of routes)",
    "within_25": "|model - observed| <= 25% x observed",
    "mape": "mean |model - observed| / observed, percent",
    "bias": "mean (model - observed) / observed, percent (signed); bias_minutes = mean (model - observed)",
    "slope": "least-squares slope of model on observed through the origin: sum(m*o) / sum(o^2)",
    "change": "model minutes in the row's year minus in year_before (same period); a same-year rail row compares its pattern "
    "with the typical pattern; sign_agrees = same sign as the observed change",
    "length_check": "model route km (ride km for station_to_station) vs published distance_km: within +-10% -> the network is right "
    "and a time error is a speed error; outside -> a network (path) error",
    "reliability": "A = timetables and timed trips (fitted by calibration); B = official figures and claims (reported, never fitted)",
}


@dataclass(frozen=True)
class ObservedRow:
    """One observed journey time (a row of the observed-times CSV)."""

    id: str
    mode: str
    measure: str
    from_name: str
    from_lonlat: tuple[float, float]
    to_name: str
    to_lonlat: tuple[float, float]
    year: int
    minutes: float
    year_before: int | None
    minutes_before: float | None
    distance_km: float | None
    period_hint: str
    reliability: str
    what_was_reported: str
    source: str
    pattern: Pattern = ""
    line: int = 0
    use: str = "scored"
    reason: str = ""
    file: str = ""

    @property
    def scored(self) -> bool:
        """True when the row counts in the scores (``use`` = scored)."""
        return self.use == "scored"

    @property
    def source_group(self) -> str:
        """The source a leave-one-source-out fold leaves out together: the ``source`` text, case and
        trailing-slash blind (rows citing the same page fall in one fold)."""
        return self.source.strip().lower().rstrip("/")

    @property
    def period(self) -> Period:
        """The scenario period of this row (am_peak hint → am_peak, else off_peak)."""
        return "am_peak" if self.period_hint == "am_peak" else "off_peak"

    @property
    def graph_mode(self) -> str:
        """The planner mode the row is measured by: car for car rows, transit otherwise."""
        return "car" if self.mode == "car" else "transit"


# --------------------------------------------------------------------------- loading


def _text(raw: Mapping[str, str | None], name: str) -> str:
    v = raw.get(name)
    return "" if v is None else str(v).strip()


def _number(raw: Mapping[str, str | None], name: str, file: str, line: int, expected: str, *, optional: bool = False) -> float | None:
    text = _text(raw, name)
    if text == "":
        if optional:
            return None
        raise InputError(file, name, f"empty; expected {expected}", line=line)
    try:
        value = float(text)
    except ValueError:
        raise InputError(file, name, f"got {text!r}; expected {expected}", line=line) from None
    if not math.isfinite(value):
        raise InputError(file, name, f"got {text!r}; expected {expected}", line=line)
    return value


def _year(raw: Mapping[str, str | None], name: str, file: str, line: int, *, optional: bool = False) -> int | None:
    lo, hi = YEAR_RANGE
    expected = f"a year between {lo} and {hi}"
    v = _number(raw, name, file, line, expected, optional=optional)
    if v is None:
        return None
    if v != int(v) or not lo <= v <= hi:
        raise InputError(file, name, f"got {_text(raw, name)!r}; expected {expected}", line=line)
    return int(v)


def _choice(raw: Mapping[str, str | None], name: str, file: str, line: int, allowed: Sequence[str]) -> str:
    v = _text(raw, name)
    if v not in allowed:
        raise InputError(file, name, f"got {v!r}; expected one of {list(allowed)}", line=line)
    return v


def _point(raw: Mapping[str, str | None], prefix: str, file: str, line: int) -> tuple[float, float]:
    x0, y0, x1, y1 = STUDY_BBOX
    lon = _number(raw, f"{prefix}_lon", file, line, f"a longitude in degrees (WGS-84, {x0}..{x1})")
    lat = _number(raw, f"{prefix}_lat", file, line, f"a latitude in degrees (WGS-84, {y0}..{y1})")
    assert lon is not None and lat is not None
    if lonlat_problem(lon, lat) == "swapped":
        raise InputError(file, f"{prefix}_lon", f"got lon {lon}, lat {lat}: looks like swapped lat/lon; expected lon {x0}..{x1}", line=line)
    if not x0 <= lon <= x1:
        raise InputError(file, f"{prefix}_lon", f"got {lon}; expected a longitude in the study area ({x0}..{x1}, WGS-84)", line=line)
    if not y0 <= lat <= y1:
        raise InputError(file, f"{prefix}_lat", f"got {lat}; expected a latitude in the study area ({y0}..{y1}, WGS-84)", line=line)
    return (lon, lat)


_TYPICAL_TOKENS = ("typical", "allstop", "all-stop")
_FASTEST_TOKENS = ("fastest", "express")
_PATTERN_WORDS: Final = r"\b(fastest|express|average|typical|most trains|all-stop|allstop)\b"
"""Words of ``what_was_reported`` that name a stopping pattern; the first one describes the figure."""


def pattern_of(row_id: str, what_was_reported: str, column: str = "") -> Pattern:
    """The stopping pattern a station-to-station row compares with (the documented column-derived rule).

    Parameters
    ----------
    row_id : the row's id; its tokens (split on ``-``, ``_``, spaces) ``typical``, ``allstop``,
        ``all-stop`` mean the typical pattern, ``fastest`` or ``express`` the fastest.
    what_was_reported : used when the id has no such token: its first pattern word describes the figure
        (``fastest``/``express`` → fastest; ``average``/``typical``/``most trains``/``all-stop`` → typical);
        pattern words after it are context ("average about 80 (fastest 70)" is the typical pattern).
    column : the optional ``pattern`` column's value (typical or fastest); it wins when given.

    Returns
    -------
    'typical' or 'fastest'
    """
    if column in PATTERNS:
        return column  # type: ignore[return-value]
    low = row_id.lower()
    tokens = set(re.split(r"[-_\s]+", low))
    if "allstop" in tokens or "typical" in tokens or "all-stop" in low:
        return "typical"
    if tokens & set(_FASTEST_TOKENS):
        return "fastest"
    first = re.search(_PATTERN_WORDS, what_was_reported.lower())
    if first and first.group(1) in _FASTEST_TOKENS:
        return "fastest"
    return "typical"


def parse_row(raw: Mapping[str, str | None], *, file: str, line: int) -> ObservedRow:
    """Validate one CSV record; raise ``InputError`` naming file, line, field and what was expected."""
    row_id = _text(raw, "id")
    if not row_id:
        raise InputError(file, "id", "empty; expected a unique row id", line=line)
    mode = _choice(raw, "mode", file, line, MODES)
    measure = _choice(raw, "measure", file, line, MEASURES)
    if measure == "station_to_station" and mode not in RAIL_MODES:
        raise InputError(
            file, "mode", f"got {mode!r} with measure station_to_station; expected a rail mode, one of {list(RAIL_MODES)}", line=line
        )
    if measure == "corridor_end_to_end" and mode != "car":
        raise InputError(file, "mode", f"got {mode!r} with measure corridor_end_to_end; expected 'car'", line=line)
    year = _year(raw, "year", file, line)
    minutes = _number(raw, "minutes", file, line, f"minutes, a number > 0 and <= {MAX_MINUTES:g}")
    assert year is not None and minutes is not None
    if not 0 < minutes <= MAX_MINUTES:
        raise InputError(
            file, "minutes", f"got {_text(raw, 'minutes')!r}; expected minutes, a number > 0 and <= {MAX_MINUTES:g}", line=line
        )
    year_before = _year(raw, "year_before", file, line, optional=True)
    minutes_before = _number(raw, "minutes_before", file, line, f"minutes, a number > 0 and <= {MAX_MINUTES:g}", optional=True)
    if (year_before is None) != (minutes_before is None):
        missing = "year_before" if year_before is None else "minutes_before"
        raise InputError(file, missing, "empty while the other of year_before/minutes_before is given; expected both or neither", line=line)
    if minutes_before is not None and not 0 < minutes_before <= MAX_MINUTES:
        raise InputError(
            file, "minutes_before", f"got {minutes_before:g}; expected minutes, a number > 0 and <= {MAX_MINUTES:g}", line=line
        )
    if year_before is not None and year_before > year:
        raise InputError(file, "year_before", f"got {year_before} after year {year}; expected a year <= {year}", line=line)
    distance_km = _number(raw, "distance_km", file, line, "a distance in km > 0 (or empty)", optional=True)
    if distance_km is not None and not 0 < distance_km <= 500:
        raise InputError(file, "distance_km", f"got {distance_km:g}; expected a distance in km > 0 and <= 500 (or empty)", line=line)
    pattern_col = _text(raw, "pattern")
    if pattern_col and pattern_col not in PATTERNS:
        raise InputError(file, "pattern", f"got {pattern_col!r}; expected one of {list(PATTERNS)} or empty", line=line)
    what = _text(raw, "what_was_reported")
    use = _text(raw, "use") or "scored"
    if use not in USES:
        raise InputError(file, "use", f"got {use!r}; expected one of {list(USES)} (or empty = scored)", line=line)
    reason = _text(raw, "reason")
    if use != "scored" and not reason:
        raise InputError(file, "reason", f"empty for use {use!r}; expected why the row is not scored", line=line)
    source = _text(raw, "source")
    if not source:
        raise InputError(file, "source", "empty; expected where the figure was published (a URL or a reference)", line=line)
    return ObservedRow(
        id=row_id,
        mode=mode,
        measure=measure,
        from_name=_text(raw, "from_name"),
        from_lonlat=_point(raw, "from", file, line),
        to_name=_text(raw, "to_name"),
        to_lonlat=_point(raw, "to", file, line),
        year=year,
        minutes=minutes,
        year_before=year_before,
        minutes_before=minutes_before,
        distance_km=distance_km,
        period_hint=_choice(raw, "period_hint", file, line, PERIOD_HINTS),
        reliability=_choice(raw, "reliability", file, line, RELIABILITY),
        what_was_reported=what,
        source=source,
        pattern=pattern_of(row_id, what, pattern_col) if measure == "station_to_station" else "",
        line=line,
        use=use,
        reason=reason,
        file=file,
    )


def load_observed(path: Path) -> list[ObservedRow]:
    """Read observed journey times: one CSV, or every ``*.csv`` of a folder (in name order).

    Parameters
    ----------
    path : a UTF-8 CSV file (a BOM is accepted) with the columns ``COLUMNS`` (+ optional ``pattern``,
        ``use``, ``reason``), or a folder of such files (ids must be unique across them).

    Returns
    -------
    The rows in file order.

    Raises
    ------
    InputError
        As ``load_observed_file``; for a folder without CSV files; for an id repeated across files.
    """
    if not path.is_dir():
        return load_observed_file(path)
    files = sorted(p for p in path.glob("*.csv") if p.is_file())
    if not files:
        raise InputError(str(path), "<folder>", "no *.csv file in the folder; expected observed-times CSV files")
    rows: list[ObservedRow] = []
    seen: dict[str, ObservedRow] = {}
    for f in files:
        for r in load_observed_file(f):
            if r.id in seen:
                first = seen[r.id]
                raise InputError(str(f), "id", f"got {r.id!r} again (first in {first.file}:{first.line}); expected ids unique across the folder", line=r.line)
            seen[r.id] = r
            rows.append(r)
    return rows


def scored_rows(rows: Iterable[ObservedRow]) -> list[ObservedRow]:
    """The rows that count in the scores (``use`` = scored)."""
    return [r for r in rows if r.scored]


def load_observed_file(path: Path) -> list[ObservedRow]:
    """Read one observed-times CSV (the columns of ``journey_times_calibration.csv``).

    Parameters
    ----------
    path : a UTF-8 CSV file (a BOM is accepted) with the columns ``COLUMNS`` (+ optional ``pattern``,
        ``use``, ``reason``).

    Returns
    -------
    The rows in file order.

    Raises
    ------
    InputError
        For a missing or unreadable file, a missing column, a repeated id, or any bad value (file, line,
        field and what was expected).
    """
    file = str(path)
    if not path.exists():
        raise InputError(file, "<file>", f"{missing_file_reason(path)}; expected an observed-times CSV")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(file, "<file>", f"not UTF-8 text (byte {exc.start}); expected a UTF-8 CSV") from None
    except OSError as exc:
        raise InputError(file, "<file>", f"cannot be read ({exc.strerror}); expected a readable CSV file") from None
    reader = csv.DictReader(text.splitlines(keepends=True))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise InputError(file, "<header>", f"not a CSV header ({exc})", line=1) from None
    if not header:
        raise InputError(file, "<header>", f"empty file; expected a header with {list(COLUMNS)}", line=1)
    names = [h.strip() for h in header]
    for col in COLUMNS:
        if col not in names:
            raise InputError(file, col, f"missing column; expected the columns {list(COLUMNS)}", line=1)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(file, repeated[0], "column given more than once; expected each column once", line=1)
    reader.fieldnames = names
    rows: list[ObservedRow] = []
    seen: dict[str, int] = {}
    try:
        for rec in reader:
            line = reader.line_num
            if not any((v or "").strip() for k, v in rec.items() if k is not None):
                continue
            if None in rec:
                raise InputError(
                    file,
                    "<row>",
                    f"{len(names) + len(rec[None])} fields; expected {len(names)} (a comma inside an unquoted value?)",
                    line=line,
                )  # type: ignore[arg-type]
            missing = [k for k, v in rec.items() if v is None]
            if missing:
                raise InputError(file, missing[0], f"row has fewer fields than the header; expected {len(names)}", line=line)
            row = parse_row(rec, file=file, line=line)
            if row.id in seen:
                raise InputError(file, "id", f"got {row.id!r} again (first on line {seen[row.id]}); expected unique ids", line=line)
            seen[row.id] = line
            rows.append(row)
    except csv.Error as exc:
        raise InputError(file, "<row>", f"not valid CSV ({exc})", line=reader.line_num) from None
    if not rows:
        raise InputError(file, "<rows>", "no data rows; expected at least one observed journey time", line=2)
    return rows


# --------------------------------------------------------------------------- scenarios per (year, period)


def observed_scenario(year: int, period: Period, *, tier: str = "embedded") -> Scenario:
    """The scenario a row of ``year`` and ``period`` is compared in (``obs-<year>-<period>``, base surveyed)."""
    name = f"obs-{year}-{period.replace('_', '')}"
    text = f"name: {name}\ntitle: observed {year} {period}\nbase: surveyed\nyear: {year}\nperiod: {period}\ntier: {tier}\n"
    return parse_scenario(text, file=f"<{name}>")


StateKey = tuple[int, str]


def state_keys(rows: Iterable[ObservedRow]) -> list[StateKey]:
    """Every (year, period) the rows need (their year, and year_before for before → after), sorted."""
    keys: set[StateKey] = set()
    for r in rows:
        keys.add((r.year, r.period))
        if r.year_before is not None:
            keys.add((r.year_before, r.period))
    return sorted(keys)


def build_states(rows: Iterable[ObservedRow], *, tier: str = "embedded") -> dict[StateKey, NetworkState]:
    """One resolved network state per (year, period) the rows need (built once, reused for every row); the
    years' warnings logged as one line per warning listing its years (``year_warnings_summarised``)."""
    with year_warnings_summarised():
        return {(y, p): resolve_state(observed_scenario(y, p, tier=tier)) for y, p in state_keys(rows)}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the model's measure


@dataclass(frozen=True)
class Measured:
    """The model's comparable measure for one row in one state."""

    minutes: float | None
    km: float | None
    legs: str
    note: str = ""


def _leg_text(r: Route, counted: Callable[[int, str], bool]) -> str:
    parts = []
    for k, leg in enumerate(r.legs):
        mark = "*" if counted(k, leg.kind) else ""
        km = f" {leg.km:.1f}km" if leg.km >= 0.05 and leg.kind in ("ride", "drive", "feeder") else ""
        parts.append(f"{mark}{leg.kind} {leg.label} {leg.minutes:.1f}{km}")
    return " | ".join(parts)


def _legs_text(legs: Sequence[Leg]) -> str:
    """Legs of a rail-only path; counted legs (rides, transfers, waits after the first boarding) marked ``*``."""
    first_wait = next((k for k, leg in enumerate(legs) if leg.kind == "wait"), -1)
    parts = []
    for k, leg in enumerate(legs):
        counted = leg.kind in ("ride", "transfer") or (leg.kind == "wait" and k != first_wait)
        km = f" {leg.km:.1f}km" if leg.km >= 0.05 and leg.kind == "ride" else ""
        parts.append(f"{'*' if counted else ''}{leg.kind} {leg.label} {leg.minutes:.1f}{km}")
    return " | ".join(parts)


def station_to_station(r: Route) -> Measured:
    """Rail time of a transit route: ride legs + waits after the first boarding (the checker's contract).

    Legs counted in the measure are marked ``*`` in ``legs``.
    """
    waits = [k for k, leg in enumerate(r.legs) if leg.kind == "wait"]
    rides = [k for k, leg in enumerate(r.legs) if leg.kind == "ride"]
    if not rides:
        return Measured(None, None, _leg_text(r, lambda _k, _kind: False), "the transit route uses no rail service")
    counted = set(rides) | set(waits[1:])
    minutes = sum(r.legs[k].minutes for k in counted)
    km = sum(r.legs[k].km for k in rides)
    return Measured(minutes, km, _leg_text(r, lambda k, _kind: k in counted))


def measure(state: NetworkState, row: ObservedRow, *, pattern: Pattern | None = None, explain: bool = True) -> Measured:
    """The model's comparable measure for ``row`` in ``state`` (see the module's definitions).

    Parameters
    ----------
    state : the network state of the row's year and period.
    row : the observed row.
    pattern : for station-to-station rows, the stopping pattern (default: the row's own): the figure is
        ``network.routing.route.rail_time`` (typical = frequency-weighted mean over the stopping patterns
        serving both stations in the period, fastest = the fastest pattern of the day).
    explain : also route the trip for the legs that explain a station-to-station figure (and its ride
        km); calibration runs skip it.

    Returns
    -------
    ``Measured``; ``minutes`` is None (with a note) when the model has no such trip.
    """
    try:
        if row.measure == "station_to_station":
            pat = pattern or row.pattern or "typical"
            rt = rail_time(state, row.from_lonlat, row.to_lonlat, pattern=pat)
            how = (
                f"no single service serves both: rail-only path over {', '.join(rt.lines)} (rides + changes after the first boarding)"
                if rt.via_route
                else f"over {', '.join(rt.lines)}"
            )
            label = f"rail time ({pat}) {rt.from_station}→{rt.to_station} {how}"
            if not explain:
                return Measured(rt.minutes, None, label)
            if rt.via_route:
                km = sum(leg.km for leg in rt.legs if leg.kind == "ride")
                return Measured(rt.minutes, km, f"{label} || rail path: {_legs_text(rt.legs)}")
            st = station_to_station(route(state, row.from_lonlat, row.to_lonlat, "transit"))
            return Measured(rt.minutes, st.km, f"{label} || transit route: {st.legs}")
        if row.measure == "corridor_end_to_end":
            match = matching_corridor(row.from_lonlat, row.to_lonlat, load_corridors())
            cid, via = match if match is not None else ("", [])
            minutes, r = drive_corridor(state, row.from_lonlat, via, row.to_lonlat)
            along = f"along {cid} ({len(via)} waypoints, data/corridors.csv) || " if cid else "no corridor of data/corridors.csv has these ends: free route || "
            return Measured(minutes, r.km, along + _leg_text(r, lambda _k, kind: kind not in CORRIDOR_EXCLUDED_LEGS))
        r = route(state, row.from_lonlat, row.to_lonlat, row.graph_mode)
    except NetworkError as exc:
        return Measured(None, None, "", str(exc))
    return Measured(r.minutes, r.km, _leg_text(r, lambda _k, _kind: True))


# --------------------------------------------------------------------------- statistics


def within_tag(observed_minutes: float, model_minutes: float | None) -> bool:
    """UK TAG M3.1 journey-time criterion: ``|model − observed| ≤ max(15 % × observed, 1 min)``."""
    if model_minutes is None or not math.isfinite(model_minutes):
        return False
    return abs(model_minutes - observed_minutes) <= max(TAG_SHARE * observed_minutes, TAG_FLOOR_MINUTES) + _EPS


def within_share(observed_minutes: float, model_minutes: float | None, share: float = WITHIN_25_SHARE) -> bool:
    """``|model − observed| ≤ share × observed`` (default 25 %)."""
    if model_minutes is None or not math.isfinite(model_minutes):
        return False
    return abs(model_minutes - observed_minutes) <= share * observed_minutes + _EPS


def fit_stats(observed_minutes: Sequence[float], model_minutes: Sequence[float | None]) -> dict[str, float | int | None]:
    """Fit statistics of model against observed minutes.

    Rows without a model value count in ``n`` (and are never within a criterion) but not in MAPE, bias
    or slope, which use the ``n_model`` rows that have one.

    Returns
    -------
    dict with n, n_model, within_tag, within_tag_share, within_25, within_25_share, mape_pct,
    bias_pct, bias_minutes, slope (None when no row has a model value).
    """
    obs = [float(o) for o in observed_minutes]
    mod = [None if m is None or not math.isfinite(float(m)) else float(m) for m in model_minutes]
    n = len(obs)
    tag = sum(within_tag(o, m) for o, m in zip(obs, mod))
    w25 = sum(within_share(o, m) for o, m in zip(obs, mod))
    pairs = [(o, m) for o, m in zip(obs, mod) if m is not None]
    out: dict[str, float | int | None] = {
        "n": n,
        "n_model": len(pairs),
        "within_tag": tag,
        "within_tag_share": tag / n if n else None,
        "within_25": w25,
        "within_25_share": w25 / n if n else None,
        "mape_pct": None,
        "bias_pct": None,
        "bias_minutes": None,
        "slope": None,
    }
    if pairs:
        o = np.array([p[0] for p in pairs])
        m = np.array([p[1] for p in pairs])
        out["mape_pct"] = float(np.mean(np.abs(m - o) / o) * 100.0)
        out["bias_pct"] = float(np.mean((m - o) / o) * 100.0)
        out["bias_minutes"] = float(np.mean(m - o))
        out["slope"] = float(np.sum(m * o) / np.sum(o * o))
    return out


def change_meets_quarter(observed_change: float, model_change: float | None) -> bool:
    """The before → after criterion of the independent checker (``observed_check.py``, through ``route --json``): the model's change has the
    published sign and at least a quarter of its size (``d <= want/4`` for a cut, ``d >= want/4`` for a rise);
    a zero published change needs ``|model| < 0.5 min``."""
    if model_change is None or not math.isfinite(model_change):
        return False
    if observed_change == 0:
        return abs(model_change) < 0.5
    quarter = 0.25 * observed_change
    return model_change <= quarter if observed_change < 0 else model_change >= quarter


def sign_agrees(observed_change: float, model_change: float | None) -> bool:
    """True when the model's change has the observed change's sign (a zero observed change needs |model| < 0.5 min)."""
    if model_change is None or not math.isfinite(model_change):
        return False
    if observed_change == 0:
        return abs(model_change) < 0.5
    return (model_change > 0) == (observed_change > 0) and model_change != 0


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Validation:
    """The validation of a model against observed rows.

    rows : one row per observed row (``VALIDATION_COLUMNS``).
    strata : fit statistics for all rows, each reliability grade, and each mode × measure stratum.
    changes : before → after rows: observed and model changes side by side.
    """

    rows: pd.DataFrame
    strata: pd.DataFrame
    changes: pd.DataFrame
    tier: str
    snapshot: str
    states: tuple[str, ...] = field(default=())

    def share(self, key: str, group: str = "all") -> float | None:
        """A share from ``strata`` (e.g. ``share('within_25_share')``) for ``group`` (all, reliability A, ...)."""
        sub = self.strata[self.strata["group"] == group]
        if sub.empty:
            return None
        v = sub.iloc[0][key]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _r(v: float | None, nd: int = 2) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), nd)


def _length_check(model_km: float | None, published_km: float | None) -> tuple[float | None, str]:
    if published_km is None or model_km is None or model_km <= 0:
        return None, ""
    ratio = model_km / published_km
    if abs(ratio - 1.0) <= LENGTH_TOLERANCE + _EPS:
        return ratio, "length within ±10%: a time error is a speed error"
    return ratio, f"length {100 * (ratio - 1):+.0f}%: a network (path) error"


def validate(rows: Sequence[ObservedRow], states: Mapping[StateKey, NetworkState]) -> Validation:
    """Compare every row with the model's comparable measure in the state of its year and period.

    Parameters
    ----------
    rows : observed rows (``load_observed``).
    states : a network state per (year, period) (``build_states``; or states with parameter overrides).

    Returns
    -------
    ``Validation`` with the per-row table, the strata and the before → after changes.
    """
    out: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    for row in rows:
        state = states[(row.year, row.period)]
        m = measure(state, row)
        ratio = None if m.minutes is None else m.minutes / row.minutes
        km_ratio, length_note = _length_check(m.km, row.distance_km)
        rec: dict[str, object] = {
            "id": row.id,
            "mode": row.mode,
            "measure": row.measure,
            "reliability": row.reliability,
            "year": row.year,
            "period": row.period,
            "pattern": row.pattern,
            "from_name": row.from_name,
            "to_name": row.to_name,
            "observed_min": round(row.minutes, 2),
            "model_min": _r(m.minutes),
            "ratio": _r(ratio, 3),
            "within_tag": within_tag(row.minutes, m.minutes),
            "within_25": within_share(row.minutes, m.minutes),
            "model_km": _r(m.km),
            "published_km": row.distance_km,
            "km_ratio": _r(km_ratio, 3),
            "length_check": length_note,
            "year_before": row.year_before,
            "observed_before_min": row.minutes_before,
            "model_before_min": None,
            "observed_change_min": None,
            "model_change_min": None,
            "sign_agrees": None,
            "change_quarter": None,
            "use": row.use,
            "reason": row.reason,
            "legs": m.legs,
            "note": m.note,
            "source": row.source,
        }
        if row.year_before is not None and row.minutes_before is not None:
            same_year_rail = row.measure == "station_to_station" and row.year_before == row.year
            mb = measure(states[(row.year_before, row.period)], row, pattern="typical" if same_year_rail else None)
            obs_change = row.minutes - row.minutes_before
            mod_change = None if (m.minutes is None or mb.minutes is None) else m.minutes - mb.minutes
            agrees = sign_agrees(obs_change, mod_change)
            quarter = change_meets_quarter(obs_change, mod_change)
            rec.update(
                model_before_min=_r(mb.minutes),
                observed_change_min=round(obs_change, 2),
                model_change_min=_r(mod_change),
                sign_agrees=agrees,
                change_quarter=quarter,
            )
            changes.append(
                {
                    "id": row.id,
                    "reliability": row.reliability,
                    "year_before": row.year_before,
                    "year": row.year,
                    "period": row.period,
                    "observed_before_min": row.minutes_before,
                    "observed_after_min": row.minutes,
                    "observed_change_min": round(obs_change, 2),
                    "model_before_min": _r(mb.minutes),
                    "model_after_min": _r(m.minutes),
                    "model_change_min": _r(mod_change),
                    "change_ratio": _r(None if mod_change is None or obs_change == 0 else mod_change / obs_change, 3),
                    "sign_agrees": agrees,
                    "change_quarter": quarter,
                    "use": row.use,
                    "note": "same-year pattern change: before = typical pattern" if same_year_rail else mb.note,
                }
            )
        out.append(rec)
    df = pd.DataFrame(out, columns=list(VALIDATION_COLUMNS))
    any_state = next(iter(states.values()))
    return Validation(
        rows=df,
        strata=strata_table(df),
        changes=pd.DataFrame(changes, columns=list(CHANGE_COLUMNS)),
        tier=any_state.roads.tier,
        snapshot=any_state.roads.snapshot,
        states=tuple(f"obs-{y}-{p.replace('_', '')}" for y, p in sorted(states)),
    )


VALIDATION_COLUMNS: Final = (
    "id",
    "mode",
    "measure",
    "reliability",
    "year",
    "period",
    "pattern",
    "from_name",
    "to_name",
    "observed_min",
    "model_min",
    "ratio",
    "within_tag",
    "within_25",
    "model_km",
    "published_km",
    "km_ratio",
    "length_check",
    "year_before",
    "observed_before_min",
    "model_before_min",
    "observed_change_min",
    "model_change_min",
    "sign_agrees",
    "change_quarter",
    "use",
    "reason",
    "legs",
    "note",
    "source",
)
CHANGE_COLUMNS: Final = (
    "id",
    "reliability",
    "year_before",
    "year",
    "period",
    "observed_before_min",
    "observed_after_min",
    "observed_change_min",
    "model_before_min",
    "model_after_min",
    "model_change_min",
    "change_ratio",
    "sign_agrees",
    "change_quarter",
    "use",
    "note",
)
STRATA_COLUMNS: Final = (
    "group",
    "n",
    "n_model",
    "within_tag",
    "within_tag_share",
    "within_25",
    "within_25_share",
    "mape_pct",
    "bias_pct",
    "bias_minutes",
    "slope",
    "changes",
    "changes_sign_agree",
    "changes_quarter",
)


def strata_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Fit statistics of the scored rows: all, reliability A, reliability B, car and transit, each mode × measure stratum.

    ``rows`` needs the columns observed_min, model_min, reliability, mode, measure and sign_agrees
    (``change_quarter`` and ``use`` are optional: without ``use`` every row is scored).
    """
    if "use" in rows.columns:
        rows = rows[rows["use"].fillna("scored") == "scored"]
    groups: list[tuple[str, pd.DataFrame]] = [("all", rows)]
    for grade in RELIABILITY:
        groups.append((f"reliability {grade}", rows[rows["reliability"] == grade]))
    is_car = rows["mode"] == "car"
    groups.append(("car (all measures)", rows[is_car]))
    groups.append(("transit (all measures)", rows[~is_car]))
    for (mode, meas), sub in rows.groupby(["mode", "measure"], sort=True):
        groups.append((f"{mode} × {meas}", sub))
    recs = []
    for name, sub in groups:
        model = [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in sub["model_min"]]
        st = fit_stats(sub["observed_min"].astype(float).tolist(), model)
        agree = [bool(v) for v in sub["sign_agrees"] if v is not None and not (isinstance(v, float) and math.isnan(v))]
        quarter_col = sub["change_quarter"] if "change_quarter" in sub.columns else pd.Series([], dtype=object)
        quarter = [bool(v) for v in quarter_col if v is not None and not (isinstance(v, float) and math.isnan(v))]
        recs.append(
            {
                "group": name,
                **{k: (_r(v, 3) if isinstance(v, float) else v) for k, v in st.items()},
                "changes": len(agree),
                "changes_sign_agree": sum(agree),
                "changes_quarter": sum(quarter),
            }
        )
    return pd.DataFrame(recs, columns=list(STRATA_COLUMNS))


def state_parameters(state: NetworkState) -> dict[str, float]:
    """The physical parameters of ``state``: every name of the parameter table with its value in this state."""
    return {name: state.params.value(name) for name in PARAMETERS}


def state_settings(state: NetworkState) -> dict[str, float]:
    """The numeric run settings of ``state`` (``StateParams`` fields; dict fields flattened as ``name.key``)."""
    out: dict[str, float] = {}
    for f in dataclasses.fields(state.params):
        v = getattr(state.params, f.name)
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float):
            out[f.name] = float(v)
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, int | float) and not isinstance(x, bool):
                    out[f"{f.name}.{k}"] = float(x)
    return out


def validation_summary(
    v: Validation, *, csv_path: str, parameters: Mapping[str, float], settings: Mapping[str, float] | None = None
) -> dict[str, object]:
    """The summary a run writes (summary.json): tier, snapshot, parameter values, definitions, strata, changes.

    ``parameters``: the parameter table's values used (``state_parameters``); ``settings``: other run
    settings of the states (``state_settings``).
    """
    def clean(frame: pd.DataFrame) -> list[dict[str, object]]:
        return [
            {str(k): (None if isinstance(x, float) and math.isnan(x) else x) for k, x in r.items()} for r in frame.to_dict(orient="records")
        ]

    return {
        "definition": "model vs observed journey times; see 'definitions'",
        "observed_csv": csv_path,
        "network": {"tier": v.tier, "snapshot": v.snapshot},
        "scenarios": list(v.states),
        "attribution": OSM_ATTRIBUTION,
        "parameters": {k: float(x) for k, x in sorted(parameters.items())},
        "settings": {k: float(x) for k, x in sorted((settings or {}).items())},
        "definitions": dict(DEFINITIONS),
        "strata": clean(v.strata),
        "changes": clean(v.changes),
        "rows": clean(v.rows[["id", "reliability", "use", "observed_min", "model_min", "ratio", "within_tag", "within_25"]]),
    }
