"""The ``timeline`` workflow: centre-to-centre minutes and the half-hour index by year, or a definition's series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from network import OSM_ATTRIBUTION
from network._errors import InputError, PlannerError
from network.analysis import definition_series
from network.analysis.compare import resolve_file, timeline_table, year_scenarios
from network.analysis.definition_series import NATURAL_PERIOD
from network.analysis.definitions import POTENTIAL_BASIS
from network.analysis.metrics import evaluate
from network.model.region import load_region
from network.outputs.charts import definition_chart, timeline_chart
from network.outputs.files import table_provenance, write_table
from network.paths import SCENARIO_DIR
from network.paths import output_dir as default_output_dir
from network.scenario.catalogue import load_catalogue
from network.scenario.dated import changes_by_year, date_ranges, unknown_date_km, years_in_doubt
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import Scenario, find_scenario_file


@dataclass(frozen=True)
class TimelineResult:
    """The timeline by year: ``minutes`` (year, from, to, mode, minutes), ``index`` (year, mode, half_hour_index),
    ``changes`` (the dated network changes and catalogue projects since the year before: year, date, kind, id,
    name; with one 'unknown opening date (km)' row per year) and ``unknown_km`` (embedded tier: km of roads
    whose opening date is unknown in each year's whole network, catalogue roads before a later upgrade included;
    the year warnings count the base skeleton only).

    Where an opening date is known only as a range (``opened_latest`` in data/river_crossings.csv or data/road_classes.csv), each year the
    range straddles is run at both ends: ``minutes`` and ``index`` carry ``minutes_other_end`` and
    ``half_hour_index_other_end`` (the value with the range's other end; equal to the first in every other
    year) and ``in_doubt`` lists those years."""

    tier: str
    snapshot: str
    minutes: pd.DataFrame
    index: pd.DataFrame
    changes: pd.DataFrame
    unknown_km: dict[int, float]
    csv_path: Path
    network_csv_path: Path
    chart_path: Path
    in_doubt: tuple[int, ...] = ()


@dataclass(frozen=True)
class DefinitionTimelineResult:
    """A definition's headline series by year (``values``) and each year's change split by project (``steps``)."""

    definition: str
    period: str
    tier: str
    snapshot: str
    values: pd.DataFrame
    steps: pd.DataFrame
    csv_path: Path
    chart_path: Path


def year_resolved(
    scenarios: Sequence[str | Path] = (), *, scenario_dir: Path = SCENARIO_DIR, years: Sequence[int] = (), period: str = "am_peak"
) -> list[ResolvedScenario]:
    """The scenarios of a timeline, by year: those named (each must have a year), else one per year of
    ``years`` (the surveyed network in that year, ``period``), else every year scenario in ``scenario_dir``.

    Raises
    ------
    InputError
        A named scenario (and its base) gives no year.
    """
    if years and not scenarios:
        return [resolve_projects(surveyed_in_year(y, period), file=f"--years {y}") for y in sorted(set(years))]
    if not scenarios:
        return [resolve_file(path) for path, _ in year_scenarios(scenario_dir)]
    chosen = []
    for text in scenarios:
        r = resolve_file(find_scenario_file(str(text)))
        if r.year is None:
            raise InputError(r.file, "year", "the timeline needs a year; this scenario (and its base) gives none")
        chosen.append(r)
    return sorted(chosen, key=lambda r: (r.year or 0, r.scenario.name))


def surveyed_in_year(year: int, period: str = "am_peak") -> Scenario:
    """The scenario a ``timeline --years`` year stands for: the surveyed network in ``year`` (as the shipped
    ``year-*`` scenarios are), in ``period``."""
    return Scenario(name=f"year-{year}", title=f"长株潭 {year} (surveyed network in that year)", base="surveyed", year=year, period=period)  # type: ignore[arg-type]


def timeline(
    scenarios: Sequence[str | Path] = (),
    *,
    scenario_dir: Path = SCENARIO_DIR,
    output_dir: Path | None = None,
    years: Sequence[int] = (),
    period: str = "am_peak",
) -> TimelineResult:
    """Centre-to-centre minutes and the half-hour index by year; writes ``<output_dir>/timeline/`` (two CSVs and a chart).

    Parameters
    ----------
    scenarios
        Scenario names or files with a year (their own or their base's); empty = ``years``, else every one in
        ``scenario_dir``.
    scenario_dir
        Where the ``year-*`` scenarios are found when none is named.
    output_dir
        The outputs folder (None: ``network.paths.output_dir()``).
    years, period
        Without ``scenarios``: one scenario per year, the surveyed network in that year and ``period``
        (``timeline --years 2015-2025`` lists every calendar year's dated changes).

    Returns
    -------
    TimelineResult
        Minutes by year, pair and mode; the index by year and mode; the CSV and chart written.

    Raises
    ------
    PlannerError
        No scenario with a year.
    """
    region = load_region()
    evals = []
    other_end = []
    tier = snapshot = ""
    unknown_km: dict[int, float] = {}
    active: dict[int, frozenset[str]] = {}
    resolved = year_resolved(scenarios, scenario_dir=scenario_dir, years=years, period=period)
    doubt = set(years_in_doubt([r.year for r in resolved if r.year is not None]))
    for r in resolved:
        if r.year is not None:
            active[r.year] = active.get(r.year, frozenset()) | r.active
        state = build_state(r)
        tier, snapshot = state.roads.tier, state.roads.snapshot
        ev = evaluate(state, region)
        evals.append((r.scenario, ev))
        if r.year is not None and tier == "embedded":
            unknown_km[r.year] = unknown_date_km(state.roads)
        if r.year in doubt and tier == "embedded":  # a date range straddles the year: its other end too
            other = replace(r, scenario=r.scenario.model_copy(update={"dates": "latest" if r.scenario.dates == "earliest" else "earliest"}))
            other_end.append((r.scenario, evaluate(build_state(other), region)))
        else:
            other_end.append((r.scenario, ev))
    if not evals:
        raise PlannerError(f"no scenario with a 'year' in {scenario_dir}")
    minutes, index = with_other_end(timeline_table(evals, region), timeline_table(other_end, region))
    out = (output_dir if output_dir is not None else default_output_dir()) / "timeline"
    tl_def = "centre_to_centre door to door between the city centre points, each year scenario in its own period"
    write_table(minutes, out / "timeline_minutes.csv", provenance=table_provenance(tier=tier, snapshot=snapshot, definition=tl_def))
    write_table(index, out / "timeline_index.csv", provenance=table_provenance(tier=tier, snapshot=snapshot, definition="half-hour-circle index by year (see README)"))
    png = timeline_chart(
        minutes, index, out / "timeline.png", title=f"Chang-Zhu-Tan half-hour circle by year (tier {tier}; {snapshot}; {OSM_ATTRIBUTION})"
    )
    changes = network_changes(sorted(unknown_km), unknown_km, active)
    write_table(
        changes,
        out / "timeline_network.csv",
        provenance=table_provenance(tier=tier, snapshot=snapshot, definition="dated network changes and catalogue projects by year"),
    )
    return TimelineResult(
        tier=tier,
        snapshot=snapshot,
        minutes=minutes,
        index=index,
        changes=changes,
        unknown_km=unknown_km,
        csv_path=out / "timeline_minutes.csv",
        network_csv_path=out / "timeline_network.csv",
        chart_path=png,
        in_doubt=tuple(sorted(y for y in doubt if y in unknown_km)),
    )


def with_other_end(own: tuple[pd.DataFrame, pd.DataFrame], other: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The timeline's minutes and index tables (``own``) with the values of the same scenarios at the other
    end of every opening-date range (``other``, in the same row order) as ``minutes_other_end`` and
    ``half_hour_index_other_end``."""
    minutes, index = own[0].copy(), own[1].copy()
    minutes["minutes_other_end"] = other[0]["minutes"].to_numpy()
    index["half_hour_index_other_end"] = other[1]["half_hour_index"].to_numpy()
    return minutes, index


def date_range_notes(in_doubt: Sequence[int]) -> list[str]:
    """One line per opening date known only as a range that a year of ``in_doubt`` straddles."""
    years = set(in_doubt)
    return [f"{r.name} ({r.id}): opened between {r.earliest} and {r.latest}" for r in date_ranges() if any(r.earliest.year <= y < r.latest.year for y in years)]


def _scenario_project_changes(active: dict[int, frozenset[str]], listed: set[str]) -> pd.DataFrame:
    """Catalogue projects each year's scenario takes in or out relative to the year before, not already
    listed as dated changes (planned, under construction, concept)."""
    catalogue = load_catalogue()
    rows = []
    ys = sorted(active)
    for prev, year in zip(ys, ys[1:]):
        for pid, sign in [(p, "+") for p in sorted(active[year] - active[prev])] + [(p, "-") for p in sorted(active[prev] - active[year])]:
            if pid in listed and sign == "+":
                continue
            p = catalogue.get(pid)
            when = "" if p is None else (p.opened.isoformat() if p.opened else str(p.planned_year))
            kind = f"catalogue {p.type if p else 'project'}, {p.status if p else 'unknown'}" + ("" if sign == "+" else ", taken out")
            rows.append({"year": year, "date": when, "kind": kind, "id": pid, "name": p.name_zh if p else pid})
    return pd.DataFrame(rows, columns=["year", "date", "kind", "id", "name"])


UNKNOWN_DATE_KIND = "unknown opening date (km)"
"""The ``kind`` of the per-year rows of :func:`network_changes` giving the km of unknown opening date in that year's
whole network (``unknown_date_km`` of the year's roads: catalogue roads in their state before a later upgrade count
too), not the base skeleton's count the year warnings give (``network.scenario.dated.BASE_SKELETON_COUNT``)."""


def network_changes(years: list[int], unknown_km: dict[int, float], active: dict[int, frozenset[str]] | None = None) -> pd.DataFrame:
    """Per year, the dated network changes (curated tables) and catalogue projects since the year before,
    and the km whose opening date is unknown (as rows of kind ``UNKNOWN_DATE_KIND``).

    ``active`` (year -> catalogue ids the year's scenario applies) adds the projects a year's scenario takes
    in (or out) beyond the built and dated ones: planned projects a future year assumes open, named with
    their status and planned year, so every year's change is named."""
    changes = changes_by_year(years)
    if active:
        changes = pd.concat([changes, _scenario_project_changes(active, set(changes["id"]))], ignore_index=True)
    if not years:
        return changes
    unknown = pd.DataFrame([{"year": y, "date": "", "kind": UNKNOWN_DATE_KIND, "id": "", "name": f"{unknown_km[y]:.1f}"} for y in years])
    return pd.concat([changes, unknown], ignore_index=True).sort_values(["year", "date"], kind="stable")


def definition_timeline(
    definition: str,
    scenarios: Sequence[str | Path] = (),
    *,
    period: str | None = None,
    scenario_dir: Path = SCENARIO_DIR,
    output_dir: Path | None = None,
) -> DefinitionTimelineResult:
    """A half-hour-circle definition's headline series by year, each year's change attributed to projects.

    Writes ``<output_dir>/timeline/timeline_<definition>.csv``, ``..._attribution.csv`` and a chart.

    Parameters
    ----------
    definition
        One of ``network.analysis.definitions.DEFINITIONS``.
    scenarios, scenario_dir, output_dir
        As for :func:`timeline`.
    period
        ``am_peak`` or ``off_peak``; default: the one the definition's source wording implies.

    Returns
    -------
    DefinitionTimelineResult
        The series by year, each year's change by project, and the files written.

    Raises
    ------
    PlannerError
        No scenario with a year.
    """
    resolved = year_resolved(scenarios, scenario_dir=scenario_dir)
    if not resolved:
        raise PlannerError("no scenario with a 'year'")
    region = load_region()
    values, steps = definition_series.definition_timeline(resolved, region, definition, period=period)
    p = period or NATURAL_PERIOD[definition]
    out = (output_dir if output_dir is not None else default_output_dir()) / "timeline"
    tier = ", ".join(sorted({str(x) for x in values["tier"]}))
    snap = ", ".join(sorted({str(x) for x in values["snapshot"]}))
    csv_path = out / f"timeline_{definition}.csv"
    write_table(values, csv_path, provenance={"attribution": OSM_ATTRIBUTION})
    steps_def = f"{definition} ({p}): each year's change split by project (leave-one-out from that year)"
    write_table(steps, out / f"timeline_{definition}_attribution.csv", provenance=table_provenance(tier=tier, snapshot=snap, definition=steps_def))
    png = definition_chart(
        values,
        steps,
        out / f"timeline_{definition}.png",
        title=f"{definition} ({p}) by year; labels: what changed it (tier {tier}; {snap}; {OSM_ATTRIBUTION}). {POTENTIAL_BASIS}",
    )
    return DefinitionTimelineResult(
        definition=definition, period=p, tier=tier, snapshot=snap, values=values, steps=steps, csv_path=csv_path, chart_path=png
    )
