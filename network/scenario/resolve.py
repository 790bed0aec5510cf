"""Resolve a scenario into its own network state (base network + the scenario's projects).

Rules (the README repeats them):
- ``base: surveyed`` starts from every *built* catalogue project; ``base: <name>`` starts from that
  scenario's project set (and its year when the scenario gives none); cycles are refused.
- ``year: Y`` rebuilds the network of the end of year Y: catalogue projects (not concepts) with
  opened/planned year <= Y are active, later ones are not (built ones are reverted); rail lines whose
  ``opened`` date is after Y are removed.
- ``projects`` adds ids (whatever the year), ``exclude`` removes ids; ``add`` applies ad-hoc projects.
- A chain carries every field of the base (``schema.inherit_base``): its edits (``add``, ``remove_lines``)
  accumulate, less those named in ``drop_edits``; period, tier and the other settings are the base's
  unless the child writes them; the base's ``projects``/``exclude`` also hold when the child sets another
  ``year``. The resolved scenario is flat: ``base: surveyed`` with its year and a
  project list that reproduces the active set, so resolving it again gives the same state.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from network._errors import InputError, missing_file_reason, one_input_error
from network.model.graph import SHARED_COLUMN, NetworkState, RoadNetwork, StateParams
from network.model.memo import Memo
from network.model.parameters import DEFAULTS
from network.model.rail import (
    RailNetwork,
    lines_open_in,
    load_rail,
    load_service_history,
    load_station_calendar,
    load_timetable,
    stops_open_in,
    with_headways,
    with_service_history,
    with_timetable,
    without_stops,
)
from network.model.road_add import Joining, Published
from network.model.speeds import PERIODS
from network.paths import DATA_DIR, SCENARIO_DIR
from network.scenario.catalogue import After, Project, RailBefore, load_catalogue, unknown_id_message
from network.scenario.crossings import crossings_in_year
from network.scenario.dated import year_outside_data
from network.scenario.edits import (
    add_road,
    close_refs,
    close_road,
    corridor_edge_index,
    eligible_edges,
    match_corridor,
    upgrade_road,
)
from network.scenario.road_classes import road_classes_in_year, with_road_classes
from network.scenario.schema import (
    NewRoad,
    RoadClosure,
    RoadUpgrade,
    Scenario,
    find_scenario_file,
    inherit_base,
    is_scenario_path,
    load_scenario,
    located,
    scenario_name_hint,
)
from network.scenario.services import ServiceSource, feed_path, load_services, with_services
from network.scenario.transit_edits import EditContext, apply_transit_edit, introduced_refs
from network.scenario.transit_specs import TRANSIT_EDIT_CLASSES
from network.scenario.urban_express import before_urban_express, urban_express_openings, with_urban_expressways
from network.sources.crossings import load_river_crossings
from network.sources.embedded import (
    load_embedded_roads,
    load_road_classes,
    load_urban_express_corridors,
    road_openings,
    with_missing_open_share,
)

log = logging.getLogger(__name__)

CATALOGUE_FILE = DATA_DIR / "projects.yaml"
OWN_ROAD_GAP_M = 1500.0
"""A road project whose waypoint lies farther than this from every node its class may use (about the
accuracy of the published end points) is added as its own road: the network lacks it."""
OWN_ROAD_LENGTH_TOLERANCE = 0.25
"""...or whose path through the network differs from its published ``length_km`` by more than this share."""


@dataclass(frozen=True)
class ResolvedScenario:
    """What a scenario means, before any network is built."""

    scenario: Scenario
    year: int | None
    active: frozenset[str]
    file: str = "<scenario>"
    warnings: tuple[str, ...] = field(default=())
    bases: tuple[str, ...] = ()
    """The ``base`` chain as written, nearest first (empty for ``base: surveyed``)."""
    transit_refs: frozenset[str] = frozenset()
    """Line ids and stop names the scenario's own transit edits add: an edit that refers to one of them
    in a state without it (attribution leaves edits out one by one) changes nothing instead of failing."""


@lru_cache(maxsize=2)
def base_network(tier: str) -> tuple[RoadNetwork, RailNetwork]:
    """The surveyed base network of a tier (read once per process)."""
    if tier != "embedded":
        # the OSM tiers load osmnx and numba kernels (~1 s): only when a scenario asks for one
        from network.sources.osm import load_cached_osm_roads  # type: ignore[import-not-found,unused-ignore]

        return with_shared_edges(load_cached_osm_roads(), tier=tier), load_rail()
    roads = with_urban_expressways(load_embedded_roads(), load_urban_express_corridors())
    return with_shared_edges(with_road_classes(roads, load_road_classes()), tier=tier), load_rail()


def with_shared_edges(roads: RoadNetwork, *, tier: str, catalogue: dict[str, Project] | None = None) -> RoadNetwork:
    """``roads`` (a tier's surveyed roads) with the edge column ``shared`` (``SHARED_COLUMN``): True on the edges
    present in every year and every project set, i.e. left when every dated road, 湘江 crossing and corridor
    (absent before its date) and every catalogue road opening is closed. Edges added later (own roads of
    catalogue projects, scenario edits) carry no flag (False)."""
    cat = catalogue if catalogue is not None else load_catalogue()
    named_refs = {p.ref for p in cat.values() if p.type == "road_opening" and p.ref}
    marked = replace(roads, edges=roads.edges.assign(_edge=np.arange(len(roads.edges))))
    earliest = _roads_in_year(close_refs(marked, named_refs), tier, EARLIEST_YEAR, named_refs)
    shared = np.zeros(len(roads.edges), dtype=bool)
    shared[earliest.edges["_edge"].to_numpy(dtype=np.int64)] = True
    return replace(roads, edges=roads.edges.assign(**{SHARED_COLUMN: shared}))


EARLIEST_YEAR = 0
"""A year before every dated road: the network every year shares."""


def _roads_in_year(roads: RoadNetwork, tier: str, year: int | None, named_refs: set[str], dates: str = "earliest") -> RoadNetwork:
    """``roads`` as in ``year`` (embedded tier): expressways and trunk roads (not named by a catalogue project)
    opened later closed, urban expressways not yet 快速化 at their arterial class, curated corridor classes and
    湘江 crossings as in that year (a date range at its ``dates`` end)."""
    if year is None or tier != "embedded":
        return roads
    roads = close_refs(roads, {ref for ref, day in road_openings().items() if day.year > year and ref not in named_refs})
    # urban expressways not yet 快速化 in that year are the skeleton's signalised arterials
    late = {ref for ref, day in urban_express_openings(load_urban_express_corridors()).items() if day.year > year}
    roads = before_urban_express(roads, late)
    # curated corridor classes (data/road_classes.csv) opened later: absent or at their class before
    roads = road_classes_in_year(roads, load_road_classes(), year, dates)
    # 湘江 crossings (data/river_crossings.csv) opened later are absent (a date range at its ``dates`` end)
    return crossings_in_year(roads, load_river_crossings(), year, dates)


def _check_ids(ids: list[str], field_name: str, catalogue: dict[str, Project], file: str) -> None:
    for k, pid in enumerate(ids):
        if pid not in catalogue:
            raise InputError(file, f"{field_name}[{k}]", unknown_id_message(pid, list(catalogue)))


def resolve_projects(
    scenario: Scenario,
    *,
    file: str = "<scenario>",
    scenario_dir: Path | None = None,
    catalogue: dict[str, Project] | None = None,
    _chain: tuple[str, ...] = (),
) -> ResolvedScenario:
    """The active project set and year of ``scenario`` (following its ``base`` chain)."""
    cat = catalogue if catalogue is not None else load_catalogue()
    sdir = scenario_dir if scenario_dir is not None else (Path(file).parent if file != "<scenario>" else SCENARIO_DIR)
    chain = (*_chain, scenario.name)
    base: ResolvedScenario | None = None
    if scenario.base == "surveyed":
        active = {pid for pid, p in cat.items() if p.status == "built"}
        year = scenario.year
    else:
        if scenario.base in chain:
            raise InputError(file, "base", f"got {scenario.base!r}: base cycle {' -> '.join((*chain, scenario.base))}")
        if is_scenario_path(scenario.base):  # a path is relative to the folder of the file that names it
            base_file = Path(scenario.base) if Path(scenario.base).is_absolute() else sdir / scenario.base
            if not base_file.is_file():
                raise InputError(file, "base", f"got {scenario.base!r}: {missing_file_reason(base_file)} (a path is relative to {sdir})")
        else:
            try:
                base_file = find_scenario_file(scenario.base, search_dirs=_distinct_dirs(sdir, SCENARIO_DIR))
            except InputError:
                dirs = _distinct_dirs(sdir, SCENARIO_DIR)
                where = " or ".join(str(d) for d in dirs)
                hint = scenario_name_hint(scenario.base, dirs)
                raise InputError(file, "base", f"got {scenario.base!r}: expected 'surveyed' or the name of a scenario in {where}{hint}") from None
        base_scenario = load_scenario(base_file)
        if base_scenario.name in chain:
            raise InputError(file, "base", f"got {scenario.base!r}: base cycle {' -> '.join((*chain, base_scenario.name))}")
        base = resolve_projects(base_scenario, file=str(base_file), scenario_dir=base_file.parent, catalogue=cat, _chain=chain)
        active = set(base.active)
        year = scenario.year if scenario.year is not None else base.year
    if scenario.year is not None:
        concepts_kept = {pid for pid in active if cat[pid].status == "concept" and cat[pid].year <= scenario.year}
        active = {pid for pid, p in cat.items() if p.status != "concept" and p.year <= scenario.year} | concepts_kept
        if base is not None:  # the base chain's own project choices carry into the new year (its flat lists)
            active = (active | set(base.scenario.projects)) - set(base.scenario.exclude)
    _check_ids(scenario.projects, "projects", cat, file)
    _check_ids(scenario.exclude, "exclude", cat, file)
    active |= set(scenario.projects)
    active -= set(scenario.exclude)
    bp, be = (set(base.scenario.projects), set(base.scenario.exclude)) if base else (set(), set())
    chosen = ((bp - set(scenario.exclude)) | set(scenario.projects), (be - set(scenario.projects)) | set(scenario.exclude))
    flat = _flat_projects(inherit_base(scenario, base.scenario if base else None, file=file), year, active, cat, chosen)
    bases = (scenario.base, *base.bases) if base else ()
    refs = introduced_refs([a for a in flat.add if isinstance(a, TRANSIT_EDIT_CLASSES)])
    return ResolvedScenario(scenario=flat, year=year, active=frozenset(active), file=file, bases=bases, transit_refs=refs)


def _distinct_dirs(*dirs: Path) -> list[Path]:
    return list({d.resolve(): d for d in dirs}.values())


def _flat_projects(
    scenario: Scenario, year: int | None, active: set[str], cat: dict[str, Project], chosen: tuple[set[str], set[str]]
) -> Scenario:
    """``scenario`` on ``base: surveyed`` with ``year`` and projects/exclude that give exactly ``active``.

    ``chosen`` = the (projects, exclude) the chain wrote; they stay in the lists even where the year
    makes them redundant, so that a child setting another year still carries them.
    """
    default = {pid for pid, p in cat.items() if (p.status != "concept" and p.year <= year if year is not None else p.status == "built")}
    return scenario.model_copy(
        update={
            "base": "surveyed",
            "year": year,
            "projects": [pid for pid in cat if pid in (active - default) | chosen[0]],
            "exclude": [pid for pid in cat if pid in (default - active) | chosen[1]],
        }
    )


_YEAR_WARNED: set[tuple[str, str]] = set()
"""(scenario file, year warning) already logged in this process: attribution, shares and timelines build
many states of one scenario and year; each state keeps the warning (``NetworkState.warnings``), the log says it once."""

_YEAR_SUMMARY: ContextVar[list[tuple[str, str]] | None] = ContextVar("_YEAR_SUMMARY", default=None)
"""Inside :func:`year_warnings_summarised`: the (scenario file, year warning) pairs held back for its summary."""


@contextmanager
def year_warnings_summarised() -> Iterator[None]:
    """Build the states of many years (``observed``: one per year and period its rows need) with their year
    warnings logged on leaving, one line per warning and scenario listing its years ("2006, 2009–2010,
    2012: 3,579.6 of … km of roads have unknown opening dates …") instead of one line per year. Each state
    keeps its own warnings (``NetworkState.warnings``); a single scenario's run logs its year's line as before."""
    held: list[tuple[str, str]] = []
    token = _YEAR_SUMMARY.set(held)
    try:
        yield
    finally:
        _YEAR_SUMMARY.reset(token)
        for file, line in summarise_year_warnings(held):
            log.warning("%s: %s", file, line)


def summarise_year_warnings(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(file, warning) pairs whose warnings read the same but for their leading ``YYYY: `` as one pair per
    file and text, the years listed in order (runs of consecutive years as ``first–last``), first seen first;
    a warning without a leading year stays as it is."""
    years: dict[tuple[str, str], set[int]] = {}
    for file, w in pairs:
        m = re.match(r"(\d{4}): (.*)", w, flags=re.DOTALL)
        key = (file, m.group(2)) if m else (file, w)
        years.setdefault(key, set()).update([int(m.group(1))] if m else [])
    return [(file, f"{year_ranges(sorted(ys))}: {text}" if ys else text) for (file, text), ys in years.items()]


def year_ranges(years: Sequence[int]) -> str:
    """Sorted years as a short list: runs of consecutive years as ``first–last`` (``2006, 2009–2010, 2012``)."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def build_state(
    resolved: ResolvedScenario,
    *,
    active: frozenset[str] | None = None,
    catalogue: dict[str, Project] | None = None,
) -> NetworkState:
    """Build the network state of ``resolved`` (or of another ``active`` project set on the same base).

    A bad value found only now (an unknown line id in a transit edit, a GTFS feed that cannot be read) is
    an ``InputError`` with the line of its field in the scenario file (``located``), as parse errors have."""
    try:
        return _build_state(resolved, active=active, catalogue=catalogue)
    except InputError as exc:
        # the line of a field in the scenario's own file; an inherited edit's index counts the base's edits first
        raise (located(exc) if not resolved.bases else exc) from None


def _build_state(
    resolved: ResolvedScenario,
    *,
    active: frozenset[str] | None = None,
    catalogue: dict[str, Project] | None = None,
) -> NetworkState:
    cat = catalogue if catalogue is not None else load_catalogue()
    sc = resolved.scenario
    file = resolved.file
    active = resolved.active if active is None else active
    roads, rail = base_network(sc.tier)
    all_rail = rail
    warnings: list[str] = []
    year_notes = year_outside_data(resolved.year, roads) if resolved.year is not None else []
    if resolved.year is not None:
        warnings += year_notes  # what a year's network assumes (roads of unknown date, a year the data does not reach)
        rail = stops_open_in(lines_open_in(rail, resolved.year), load_station_calendar(), resolved.year)
    rail = with_service_history(rail, load_service_history(), year=resolved.year, active=active)
    rail = with_timetable(rail, load_timetable(), year=resolved.year, published_rail=lambda y: stops_open_in(all_rail, load_station_calendar(), y))
    known = set(base_network(sc.tier)[1].lines["line_id"])
    unknown = [(k, lid) for k, lid in enumerate(sc.remove_lines) if lid not in known]
    if unknown:
        by_upper = {str(x).upper(): x for x in known}

        def guess(lid: str) -> str:
            close = [by_upper[str(lid).upper()]] if str(lid).upper() in by_upper else difflib.get_close_matches(str(lid), sorted(known), n=3, cutoff=0.5)
            return f" (did you mean {', '.join(close)}?)" if close else ""

        k0, first = unknown[0]
        more = "".join(f"\n  also field 'remove_lines[{k}]': got {lid!r}: unknown rail line{guess(lid)}" for k, lid in unknown[1:])
        raise InputError(
            file,
            f"remove_lines[{k0}]",
            f"got {first!r}: unknown rail line{guess(first)}; expected one of {sorted(known)}. A catalogue project "
            f"(e.g. the 西环线, west-ring-line, which extends M3) is taken out with exclude: [<project id>]{more}",
        )
    if sc.remove_lines:
        rail = rail.without_lines(list(sc.remove_lines))
    # expressways (and curated trunk roads) not yet open in the scenario's year are absent; those the
    # catalogue names (road_opening projects) are handled as projects, so attribution sees them
    roads, road_notes = catalogue_roads(roads, tier=sc.tier, year=resolved.year, active=frozenset(active), catalogue=cat, dates=sc.dates)
    own = {pid for pid, p in cat.items() if own_road_reason(sc.tier, p)}
    for pid, p in cat.items():
        on = pid in active
        if pid in own:
            continue
        if pid in road_notes:
            warnings.append(f"project {pid}: {road_notes[pid]}")
        elif p.type == "gtfs_services":
            if on:
                assert p.feed is not None
                src = ServiceSource(
                    gtfs=feed_path(p.feed, base_dir=DATA_DIR.parent), routes=tuple(p.routes) if p.routes else None, opened=str(p.opened or "")
                )
                rail = with_services(rail, _services(src), label=f"data/projects.yaml project {pid}")
        elif p.type == "transit_line":
            if on:
                assert p.line is not None
                ctx = EditContext(file=str(CATALOGUE_FILE), field=f"project {pid}.line", year=resolved.year)
                rail, note = apply_transit_edit(rail, p.line, ctx)
                if note:
                    warnings.append(f"project {pid}: {note}")
        elif p.in_base and not on and p.type != "road_opening":
            rail = _revert_rail(rail, p)
    roads, notes = adhoc_roads(roads, [(k, a) for k, a in enumerate(sc.add) if isinstance(a, NewRoad | RoadUpgrade | RoadClosure)])
    warnings.extend(notes)
    sdir = Path(file).parent if file != "<scenario>" else Path.cwd()
    for k, svc in enumerate(sc.services):
        src = ServiceSource(gtfs=feed_path(svc.gtfs, base_dir=sdir), routes=tuple(svc.routes) if svc.routes else None, prefix=svc.prefix)
        try:
            extra = _services(src)
        except InputError as exc:
            raise InputError(file, f"services[{k}].gtfs", str(exc)) from None
        rail = with_services(rail, extra, label=f"{file} services[{k}]")
    rail, notes = apply_transit_edits(rail, list(enumerate(sc.add)), file=file, year=resolved.year, known=transit_known(resolved, cat))
    warnings.extend(notes)
    held = _YEAR_SUMMARY.get()
    for w in warnings:
        if w in year_notes:  # a scenario's year says it once per process, not once per state a batch builds
            if (file, w) in _YEAR_WARNED:
                continue
            _YEAR_WARNED.add((file, w))
            if held is not None:  # said with the other years' on leaving year_warnings_summarised
                held.append((file, w))
                continue
        log.warning("%s: %s", file, w)
    params = StateParams(period=sc.period, feeder_speed_kph=sc.feeder_speed_kph, walk_limit_m=sc.walk_limit_m)
    return NetworkState(roads=roads, rail=rail, params=params, projects=tuple(sorted(active)), warnings=tuple(warnings), year=resolved.year)


def transit_known(resolved: ResolvedScenario, catalogue: dict[str, Project] | None = None) -> frozenset[str]:
    """Line ids and stop names a transit edit of ``resolved`` may name even where its state lacks them:
    the base data's lines (all years), the catalogue's transit lines, what the scenario's edits add."""
    cat = catalogue if catalogue is not None else load_catalogue()
    base = set(base_network(resolved.scenario.tier)[1].lines["line_id"])
    return frozenset(base | {p.line.line for p in cat.values() if p.line is not None} | resolved.transit_refs)


def apply_transit_edits(
    rail: RailNetwork, entries: list[tuple[int, object]], *, file: str, year: int | None, known: frozenset[str] | set[str]
) -> tuple[RailNetwork, list[str]]:
    """``rail`` with the transit edits among ``entries`` ((k, add[k]) pairs) applied in order, and one
    warning per edit that changed nothing (``add[k] <name>: <why>``)."""
    notes = []
    errors: list[InputError] = []
    failed_lines: set[str] = set()  # an edit on a line whose own edit failed is skipped (its error would only echo)
    for k, entry in entries:
        if not isinstance(entry, TRANSIT_EDIT_CLASSES) or entry.line in failed_lines:
            continue
        ctx = EditContext(file=file, field=f"add[{k}]", year=year, known=frozenset(known))
        try:
            rail, note = apply_transit_edit(rail, entry, ctx)
        except InputError as exc:  # every edit's problems at once, like the schema's
            errors.append(exc)
            failed_lines.add(entry.line)
            continue
        if note:
            notes.append(f"add[{k}] {entry.name}: {note}")
    if errors:
        raise one_input_error(errors)
    return rail, notes


@lru_cache(maxsize=16)
def _cached_services(path: Path, mtime_ns: int, routes: tuple[str, ...] | None, prefix: str, opened: str) -> RailNetwork:  # noqa: ARG001 - mtime_ns is part of the cache key
    """A feed's services, read once per process per file version (attribution builds many states)."""
    return load_services(ServiceSource(gtfs=path, routes=routes, prefix=prefix, opened=opened))


def _services(src: ServiceSource) -> RailNetwork:
    """The services of ``src``; a feed that cannot be used is an ``InputError`` naming the feed's table, line and field."""
    try:
        mtime = src.gtfs.stat().st_mtime_ns
    except OSError:
        raise InputError(str(src.gtfs), "file", f"{missing_file_reason(src.gtfs)} (expected a GTFS .zip)") from None
    return _cached_services(src.gtfs, mtime, src.routes, src.prefix, src.opened)


def _speeds(after: After | None) -> dict[str, float] | None:
    if after is None or after.speed_kph is None:
        return None
    return {"am_peak": after.speed_kph.am_peak, "off_peak": after.speed_kph.off_peak}


def _before_speeds(before: After) -> dict[str, float] | None:
    """A 'before' state's speeds: as given, else with signals the running speed between junctions
    (parameters ``speed_signalised_running_<period>_kph``; the junction delay is added per signal)."""
    given = _speeds(before)
    if given is not None or not before.signals:
        return given
    return {period: DEFAULTS[f"speed_signalised_running_{period}_kph"] for period in PERIODS}


@lru_cache(maxsize=64)
def _own_road_reason_cached(tier: str, path: tuple[tuple[float, float], ...], highway: str | None, length_km: float) -> str:
    roads = base_network(tier)[0]
    m = match_corridor(roads, list(path), eligible=eligible_edges(roads, highway))
    worst = int(m.waypoint_gap_m.argmax())
    gap_m = float(m.waypoint_gap_m[worst])
    if gap_m > OWN_ROAD_GAP_M:
        return f"waypoint {worst} is {gap_m / 1000:.1f} km from the nearest node of the roads it may use"
    if abs(m.length_m / 1000.0 - length_km) > OWN_ROAD_LENGTH_TOLERANCE * length_km:
        return f"the network's path along its waypoints is {m.length_m / 1000.0:.1f} km against the published {length_km:g} km"
    return ""


def own_road_reason(tier: str, p: Project) -> str:
    """Why road project ``p`` is added as its own road ('' when the base network carries it).

    The network lacks the road when a waypoint lies more than ``OWN_ROAD_GAP_M`` from every node of the
    roads the project may use (never an expressway for an urban project), or when the network's path
    along the waypoints differs from the published ``length_km`` by more than ``OWN_ROAD_LENGTH_TOLERANCE``.
    Only a project with a published length can be added (an expressway project never is: expressways
    are in the base network). Decided on the surveyed base network, so the same in every year.
    """
    if p.type != "road_upgrade" or not p.path or p.length_km is None or (p.after is not None and p.after.highway == "expressway"):
        return ""
    return _own_road_reason_cached(tier, tuple(p.path), p.after.highway if p.after else None, p.length_km)


_CATALOGUE_ROADS: Memo[tuple[RoadNetwork, RoadNetwork, dict[str, str]]] = Memo(maxsize=2)
"""The base roads with a year's and an active set's catalogue road projects applied (workbench edits that
change neither reuse them); each value keeps the base roads it was made from (its key holds their id)."""


def catalogue_roads(
    base: RoadNetwork, *, tier: str, year: int | None, active: frozenset[str], catalogue: dict[str, Project], dates: str = "earliest"
) -> tuple[RoadNetwork, dict[str, str]]:
    """``base`` (a tier's surveyed roads) in ``year`` with the catalogue's road projects as ``active`` sets them,
    and each road project's warning (by id; only those with one).

    Expressways and curated corridors not yet open are closed or at their earlier class (embedded tier),
    roads the network lacks are added as their own roads in every year (first, so their node ids are the
    same whatever else is active), then every other road project in catalogue order. A date known only as a
    range is taken at its ``dates`` end (``earliest``/``latest``). Memoised on ``base`` (by identity, kept
    alive with the result), the tier, year, dates, active set and the catalogue's content.
    """
    digest = hashlib.blake2b(digest_size=16)
    for pid, p in catalogue.items():
        digest.update(f"{pid}\x1f{p.model_dump_json()}\x1e".encode())
    key = (id(base), tier, year, dates, tuple(sorted(active)), digest.hexdigest())
    kept, roads, notes = _CATALOGUE_ROADS.get(key, lambda: (base, *_catalogue_roads(base, tier, year, active, catalogue, dates)))
    if kept is not base:  # an id reused by another object after the first was freed: compute afresh
        roads, notes = _catalogue_roads(base, tier, year, active, catalogue, dates)
    return roads, dict(notes)


def _catalogue_roads(
    roads: RoadNetwork, tier: str, year: int | None, active: frozenset[str], cat: dict[str, Project], dates: str = "earliest"
) -> tuple[RoadNetwork, dict[str, str]]:
    named_refs = {p.ref for p in cat.values() if p.type == "road_opening" and p.ref}
    roads = _roads_in_year(roads, tier, year, named_refs, dates)
    own = [pid for pid, p in cat.items() if own_road_reason(tier, p)]
    for pid in own:
        roads = _add_own_road(roads, cat[pid], on=pid in active)
        road_day = cat[pid].road_opened
        if road_day is not None and year is not None and road_day.year > year:
            # the road itself not yet open that year (its nodes stay, so node ids do not depend on the year)
            roads = close_road(roads, np.flatnonzero(roads.edges["ref"].fillna("").astype(str).to_numpy() == pid))
    notes: dict[str, str] = {}
    for pid, p in cat.items():
        on = pid in active
        if pid in own:
            continue
        if p.type == "road_opening":
            if not on and p.ref:
                roads = close_refs(roads, {p.ref})
        elif not p.in_base and on and p.type not in ("gtfs_services", "transit_line"):
            after = p.after
            change = RoadChange(p.type, p.path or [], p.name_zh, after.highway if after else None, _speeds(after), length_km=p.length_km, ref=pid)
            roads, note = _apply_road(roads, change)
            if note:
                notes[pid] = note
        elif not p.in_base and not on and p.type == "road_upgrade" and isinstance(p.before, After):
            b = p.before
            roads, _ = _apply_road(roads, RoadChange(p.type, p.path or [], p.name_zh, b.highway, _before_speeds(b), only_set=True, signals=b.signals))
    return roads, notes


_ADHOC_ROADS: Memo[tuple[RoadNetwork, RoadNetwork, tuple[str, ...]]] = Memo(maxsize=4)
"""Roads with a scenario's own road edits applied, by the roads they start from (identity, kept alive) and
the edits' content and positions: a workbench edit of the rail keeps the road edits' roads (and so the car
graph built on them, ``network.routing.graphs.build_mode_graph``)."""


def adhoc_roads(roads: RoadNetwork, edits: list[tuple[int, NewRoad | RoadUpgrade | RoadClosure]]) -> tuple[RoadNetwork, list[str]]:
    """``roads`` with a scenario's road edits (``(k, add[k])``, in order) applied, and one warning per edit that
    changed nothing (``add[k] <name>: <why>``); the roads added by then (catalogue roads of their own, new roads)
    with their ``open_share`` filled (``with_missing_open_share``). Memoised (see ``_ADHOC_ROADS``)."""
    key = (id(roads), tuple((k, type(a).__name__, a.model_dump_json()) for k, a in edits))
    kept, out, notes = _ADHOC_ROADS.get(key, lambda: (roads, *_adhoc_roads(roads, edits)))
    if kept is not roads:  # an id reused by another object after the first was freed: compute afresh
        out, notes = _adhoc_roads(roads, edits)
    return out, list(notes)


def _adhoc_roads(roads: RoadNetwork, edits: list[tuple[int, NewRoad | RoadUpgrade | RoadClosure]]) -> tuple[RoadNetwork, tuple[str, ...]]:
    notes: list[str] = []
    for k, adhoc in edits:
        if isinstance(adhoc, NewRoad):
            speeds = {"am_peak": adhoc.speed_kph, "off_peak": adhoc.speed_kph}
            roads, note = _apply_road(roads, RoadChange("new_road", list(adhoc.path), adhoc.name, adhoc.highway, speeds))
        elif isinstance(adhoc, RoadUpgrade):
            sp = {"am_peak": adhoc.speed_kph, "off_peak": adhoc.speed_kph} if adhoc.speed_kph else None
            roads, note = _apply_road(roads, RoadChange("road_upgrade", list(adhoc.path), adhoc.name, adhoc.highway, sp))
        else:
            roads, note = _apply_road(roads, RoadChange("road_closure", list(adhoc.path), adhoc.name))
        if note:
            notes.append(f"add[{k}] {adhoc.name}: {note}")
    # roads added (catalogue roads of their own, new roads) take the skeleton's density split (open_share)
    return with_missing_open_share(roads), tuple(notes)


def _add_own_road(roads: RoadNetwork, p: Project, *, on: bool) -> RoadNetwork:
    """Add road project ``p`` as its own road, present in every year: its ``after`` attributes once open,
    its ``before`` ones (default: a signalised arterial) before. It runs from its first to its last
    waypoint (the published end points), each end linked to the nearest node, so a trip between its
    published end points can use it."""
    if on:
        state = p.after if p.after is not None else After(highway="urban_express")
        speeds = _speeds(state)
    else:
        state = p.before if isinstance(p.before, After) else After(highway="urban_arterial")
        speeds = _before_speeds(state)
    highway = state.highway or "urban_arterial"
    return add_road(
        roads,
        list(p.path or []),
        name=p.name_zh,
        speed_kph=speeds,
        highway=highway,
        published=Published(length_m=p.length_km * 1000.0 if p.length_km else None, signals=float(state.signals or 0.0)),
        ref=p.id,
        join=Joining(ends_at_waypoints=True),
    )


@dataclass(frozen=True)
class RoadChange:
    """One road project or edit to apply: ``kind`` new_road, road_upgrade or road_closure along ``path`` (lon, lat).

    ``highway`` and ``speeds`` (km/h by period) are what the road becomes; ``only_set``: set them even where
    slower (a 'before' state); ``signals`` per km; ``length_km`` a new road's published length; ``ref`` the
    id its edges carry.
    """

    kind: str
    path: list[tuple[float, float]]
    name: str
    highway: str | None = None
    speeds: dict[str, float] | None = None
    only_set: bool = False
    signals: float | None = None
    length_km: float | None = None
    ref: str = ""


def _apply_road(roads: RoadNetwork, change: RoadChange) -> tuple[RoadNetwork, str]:
    """Apply one road project; return the new roads and a warning ('' when fine).

    An upgrade (or a 'before' state) claims only edges its class may use: never an expressway for
    an urban project, only expressway edges for an expressway project.
    """
    kind, path, name, highway, speeds = change.kind, change.path, change.name, change.highway, change.speeds
    only_set, signals, length_km, ref = change.only_set, change.signals, change.length_km, change.ref
    if kind == "new_road":
        assert highway is not None and speeds is not None
        before_nodes = len(roads.nodes)
        new = add_road(
            roads,
            path,
            name=name,
            speed_kph=speeds,
            highway=highway,
            published=Published(length_m=length_km * 1000.0 if length_km else None),
            ref=ref or f"new:{name}",
        )
        joined = len(path) - (len(new.nodes) - before_nodes)
        note = (
            ""
            if joined >= 1
            else "no vertex joins the network (ends > 3 km and inner vertices > 500 m from any node): the road is disconnected and changes no travel time"
        )
        return new, note
    if kind == "road_closure":
        idx = corridor_edge_index(roads, path, highway="expressway") if highway == "expressway" else _closure_index(roads, path)
    else:
        idx = corridor_edge_index(roads, path, highway=highway)
    if len(idx) == 0:
        return roads, "matched no road edge (waypoints > 5 km from the network): it changes no travel time"
    if kind == "road_closure":
        return close_road(roads, idx), ""
    return upgrade_road(roads, idx, highway=highway, speeds_kph=speeds, never_slower=not only_set, signals=signals), ""


def _closure_index(roads: RoadNetwork, path: list[tuple[float, float]]) -> np.ndarray:
    """A closure may close any road along its waypoints."""
    return match_corridor(roads, path).edge_index


def _revert_rail(rail: RailNetwork, p: Project) -> RailNetwork:
    if p.type == "rail_line":
        return rail.without_lines(list(p.line_ids or []))
    if p.type == "rail_extension":
        assert p.line_id is not None and p.stations is not None
        return without_stops(rail, p.line_id, list(p.stations))
    if p.type == "rail_service":
        if p.before is None:  # its headways come from data/rail_service_history.csv rows tagged with it
            return rail
        assert isinstance(p.before, RailBefore) and p.line_ids is not None
        present = set(rail.lines["line_id"])
        triples = [
            (lid, am, off)
            for lid, am, off in zip(p.line_ids, p.before.headway_am_peak_min, p.before.headway_off_peak_min)
            if lid in present
        ]
        if not triples:
            return rail
        ids, am, off = (list(t) for t in zip(*triples))
        return with_headways(rail, ids, am, off)  # type: ignore[arg-type]
    return rail


def resolve_state(scenario: Scenario, *, file: str = "<scenario>", scenario_dir: Path | None = None) -> NetworkState:
    """Base network of the scenario's tier with its projects and changes applied, on copies."""
    return build_state(resolve_projects(scenario, file=file, scenario_dir=scenario_dir))
