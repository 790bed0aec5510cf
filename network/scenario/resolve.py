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
  unless the child writes them. The resolved scenario is flat: ``base: surveyed`` with its year and a
  project list that reproduces the active set, so resolving it again gives the same state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from network._errors import InputError
from network.model.graph import NetworkState, RoadNetwork, StateParams
from network.model.rail import RailNetwork, lines_open_in, load_rail, with_headways, without_stops
from network.scenario.catalogue import After, Project, RailBefore, load_catalogue, unknown_id_message
from network.scenario.edits import add_road, close_road, corridor_edge_index, upgrade_road
from network.scenario.schema import NewRoad, RoadClosure, RoadUpgrade, Scenario, find_scenario_file, inherit_base, load_scenario
from network.sources.embedded import load_embedded_roads

log = logging.getLogger(__name__)


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


@lru_cache(maxsize=2)
def base_network(tier: str) -> tuple[RoadNetwork, RailNetwork]:
    """The surveyed base network of a tier (read once per process)."""
    if tier != "embedded":
        from network.sources.osm import load_cached_osm_roads  # type: ignore[import-not-found,unused-ignore]

        return load_cached_osm_roads(), load_rail()
    return load_embedded_roads(), load_rail()


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
    from network.paths import SCENARIO_DIR

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
        try:
            base_file = find_scenario_file(scenario.base, search_dirs=_distinct_dirs(sdir, SCENARIO_DIR))
        except InputError:
            where = " or ".join(str(d) for d in _distinct_dirs(sdir, SCENARIO_DIR))
            raise InputError(file, "base", f"got {scenario.base!r}: expected 'surveyed' or the name of a scenario in {where}") from None
        base = resolve_projects(load_scenario(base_file), file=str(base_file), scenario_dir=sdir, catalogue=cat, _chain=chain)
        active = set(base.active)
        year = scenario.year if scenario.year is not None else base.year
    if scenario.year is not None:
        concepts_kept = {pid for pid in active if cat[pid].status == "concept" and cat[pid].year <= scenario.year}
        active = {pid for pid, p in cat.items() if p.status != "concept" and p.year <= scenario.year} | concepts_kept
    _check_ids(scenario.projects, "projects", cat, file)
    _check_ids(scenario.exclude, "exclude", cat, file)
    active |= set(scenario.projects)
    active -= set(scenario.exclude)
    flat = _flat_projects(inherit_base(scenario, base.scenario if base else None, file=file), year, active, cat)
    bases = (scenario.base, *base.bases) if base else ()
    return ResolvedScenario(scenario=flat, year=year, active=frozenset(active), file=file, bases=bases)


def _distinct_dirs(*dirs: Path) -> list[Path]:
    return list({d.resolve(): d for d in dirs}.values())


def _flat_projects(scenario: Scenario, year: int | None, active: set[str], cat: dict[str, Project]) -> Scenario:
    """``scenario`` on ``base: surveyed`` with ``year`` and projects/exclude that give exactly ``active``."""
    default = {pid for pid, p in cat.items() if (p.status != "concept" and p.year <= year if year is not None else p.status == "built")}
    return scenario.model_copy(
        update={
            "base": "surveyed",
            "year": year,
            "projects": [pid for pid in cat if pid in active - default],
            "exclude": [pid for pid in cat if pid in default - active],
        }
    )


def build_state(
    resolved: ResolvedScenario,
    *,
    active: frozenset[str] | None = None,
    catalogue: dict[str, Project] | None = None,
    check_connected: bool = True,
) -> NetworkState:
    """Build the network state of ``resolved`` (or of another ``active`` project set on the same base)."""
    cat = catalogue if catalogue is not None else load_catalogue()
    sc = resolved.scenario
    file = resolved.file
    active = resolved.active if active is None else active
    roads, rail = base_network(sc.tier)
    warnings: list[str] = []
    if resolved.year is not None:
        rail = lines_open_in(rail, resolved.year)
    known = set(base_network(sc.tier)[1].lines["line_id"])
    for k, lid in enumerate(sc.remove_lines):
        if lid not in known:
            raise InputError(file, f"remove_lines[{k}]", f"got {lid!r}: unknown rail line; expected one of {sorted(known)}")
    if sc.remove_lines:
        rail = rail.without_lines(list(sc.remove_lines))
    # catalogue projects, in catalogue order (deterministic)
    for pid, p in cat.items():
        on = pid in active
        if p.in_base and not on:
            rail = _revert_rail(rail, p)
        elif not p.in_base and on:
            roads, note = _apply_road(roads, p.type, p.path or [], p.name_zh, p.after.highway if p.after else None, _speeds(p.after))
            if note:
                warnings.append(f"project {pid}: {note}")
        elif not p.in_base and not on and p.type == "road_upgrade" and isinstance(p.before, After):
            roads, _ = _apply_road(roads, p.type, p.path or [], p.name_zh, p.before.highway, _speeds(p.before), only_set=True)
    for k, adhoc in enumerate(sc.add):
        if isinstance(adhoc, NewRoad):
            roads, note = _apply_road(
                roads, "new_road", list(adhoc.path), adhoc.name, adhoc.highway, {"am_peak": adhoc.speed_kph, "off_peak": adhoc.speed_kph}
            )
        elif isinstance(adhoc, RoadUpgrade):
            sp = {"am_peak": adhoc.speed_kph, "off_peak": adhoc.speed_kph} if adhoc.speed_kph else None
            roads, note = _apply_road(roads, "road_upgrade", list(adhoc.path), adhoc.name, adhoc.highway, sp)
        else:
            assert isinstance(adhoc, RoadClosure)
            roads, note = _apply_road(roads, "road_closure", list(adhoc.path), adhoc.name, None, None)
        if note:
            warnings.append(f"add[{k}] {adhoc.name}: {note}")
    for w in warnings:
        log.warning("%s: %s", file, w)
    params = StateParams(period=sc.period, feeder_speed_kph=sc.feeder_speed_kph, walk_limit_m=sc.walk_limit_m)
    return NetworkState(roads=roads, rail=rail, params=params, projects=tuple(sorted(active)), warnings=tuple(warnings), year=resolved.year)


def _speeds(after: After | None) -> dict[str, float] | None:
    if after is None or after.speed_kph is None:
        return None
    return {"am_peak": after.speed_kph.am_peak, "off_peak": after.speed_kph.off_peak}


def _apply_road(
    roads: RoadNetwork,
    kind: str,
    path: list[tuple[float, float]],
    name: str,
    highway: str | None,
    speeds: dict[str, float] | None,
    *,
    only_set: bool = False,
) -> tuple[RoadNetwork, str]:
    """Apply one road project; return the new roads and a warning ('' when fine)."""
    if kind == "new_road":
        assert highway is not None and speeds is not None
        before_nodes = len(roads.nodes)
        new = add_road(roads, path, name=name, speed_kph=speeds, highway=highway)
        joined = len(path) - (len(new.nodes) - before_nodes)
        note = (
            ""
            if joined >= 1
            else "no vertex joins the network (ends > 3 km and inner vertices > 500 m from any node): the road is disconnected and changes no travel time"
        )
        return new, note
    idx = corridor_edge_index(roads, path)
    if len(idx) == 0:
        return roads, "matched no road edge (waypoints > 5 km from the network): it changes no travel time"
    if kind == "road_closure":
        return close_road(roads, idx), ""
    return upgrade_road(roads, idx, highway=highway, speeds_kph=speeds, never_slower=not only_set), ""


def _revert_rail(rail: RailNetwork, p: Project) -> RailNetwork:
    if p.type == "rail_line":
        return rail.without_lines(list(p.line_ids or []))
    if p.type == "rail_extension":
        assert p.line_id is not None and p.stations is not None
        return without_stops(rail, p.line_id, list(p.stations))
    if p.type == "rail_service":
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
