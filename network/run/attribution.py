"""The ``attribution`` workflow: which project (or hand-written edit) bought how many minutes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from network._errors import PlannerError
from network.analysis import definition_series
from network.analysis.attribution_shares import ShareTable, attribution_shares
from network.analysis.clock_generalized import EXPLAINED, table_notes
from network.analysis.compare import attribution as _attribution
from network.analysis.compare import differing_edits, resolve_file
from network.analysis.definition_series import NATURAL_PERIOD
from network.analysis.shapley import EXACT_MAX_ITEMS
from network.model.region import load_region
from network.outputs.files import atomic_write_text, dumps_metrics, table_provenance, write_table
from network.outputs.output_set import record_file
from network.outputs.report import ReportParts, relative_href, write_report
from network.paths import SCENARIO_DIR, map_dir
from network.paths import output_dir as default_output_dir
from network.run.runner import scenario_metrics
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import Scenario, find_scenario_file, load_scenario


@dataclass(frozen=True)
class AttributionRun:
    """An attribution of ``scenario`` against ``against``: the table (one row per item, ranked), what it wrote.

    ``only_in_against`` names what the reference has and the scenario does not (credited only the other
    way round); ``origins_recomputed`` = (origin trees recomputed, those a full evaluation would compute).
    """

    scenario: str
    against: str
    tier: str
    snapshot: str
    period: str
    table: pd.DataFrame
    only_in_against: list[str]
    warnings: list[str]
    seconds: float
    origins_recomputed: tuple[int, int]
    csv_path: Path
    report_path: Path
    shares: ShareTable | None = None
    """Shapley shares that add up to the total change (``analysis.attribution_shares``); None when not asked for."""
    shares_path: Path | None = None
    summary_path: Path | None = None
    generalized_notes: tuple[str, ...] = ()
    """Items (and their pairs) whose clock and generalized minutes saved disagree in sign (the tables'
    ``clock_vs_generalized`` column; ``analysis.clock_generalized``)."""


@dataclass(frozen=True)
class DefinitionAttributionRun:
    """A definition's headline series attributed per project (leave-one-out and add-one-in)."""

    scenario: str
    against: str
    definition: str
    period: str
    tier: str
    snapshot: str
    table: pd.DataFrame
    csv_path: Path


def reference_scenario(scenario: ResolvedScenario, against: str | Path | None) -> ResolvedScenario:
    """The reference of an attribution: ``against`` when given, else the scenario's own base, else the built network."""
    if against is not None:
        return _reference(str(against), search_dirs=None)
    if scenario.bases:  # the scenario's own base, looked up where resolving the scenario found it
        return _reference(scenario.bases[0], search_dirs=[Path(scenario.file).parent, SCENARIO_DIR])
    return _reference("surveyed", search_dirs=None)


def _reference(name_or_path: str, *, search_dirs: list[Path] | None) -> ResolvedScenario:
    """The reference scenario of an attribution; ``surveyed`` without a file is the built network."""
    try:
        path = find_scenario_file(name_or_path, search_dirs=search_dirs)
    except PlannerError:
        if name_or_path != "surveyed":
            raise
        return resolve_projects(Scenario(name="surveyed"))
    return resolve_file(path)


def attribution(
    scenario: str | Path,
    *,
    against: str | Path | None = None,
    output_dir: Path | None = None,
    incremental: bool = True,
    shares: bool = True,
    exact_max_items: int = EXACT_MAX_ITEMS,
) -> AttributionRun:
    """Leave-one-out and add-one-in minutes of every project and edit ``scenario`` adds over ``against``.

    Writes ``<output_dir>/<scenario>/attribution.csv`` and the scenario report with the table.

    Parameters
    ----------
    scenario
        A scenario name or path.
    against
        The reference scenario; default: the scenario's base (``surveyed`` = the built projects).
    output_dir
        The outputs folder (None: ``network.paths.output_dir()``).
    incremental
        False to evaluate every state in full (same results, slower).
    shares
        Also the Shapley shares that add up to the total change (``attribution_shares.csv`` and
        ``attribution_summary.json``: total = effects alone + interactions + unexplained).
    exact_max_items
        Up to this many items the shares are exact (every coalition); beyond, sampled with a fixed seed.

    Returns
    -------
    AttributionRun
        The ranked table (one row per project or edit), the reference, timings and the files written.
    """
    region = load_region()
    r = resolve_file(find_scenario_file(str(scenario)))
    ref = reference_scenario(r, against)
    t0 = time.perf_counter()
    res = _attribution(r, ref, region, incremental=incremental)
    output_dir = output_dir if output_dir is not None else default_output_dir()
    out = output_dir / r.scenario.name / "attribution.csv"
    state = build_state(r)
    att_def = (
        f"leave-one-out (loo) and add-one-in (aoi) minutes over the six centre-to-centre pairs, door to door, "
        f"{r.scenario.name} against {ref.scenario.name}, {state.params.period}; clock minutes, and *_generalized_* the "
        f"generalized minutes of the same trips (clock_vs_generalized: where the two disagree in sign)"
    )
    write_table(res.table, out, provenance=table_provenance(tier=state.roads.tier, snapshot=state.roads.snapshot, definition=att_def))
    share_table = attribution_shares(r, ref, region, exact_max_items=exact_max_items) if shares else None
    gen_notes = table_notes(res.table) + (table_notes(share_table.table) if share_table is not None else [])
    notes = [f"attribution against {ref.scenario.name}", *res.warnings, *([EXPLAINED, *gen_notes] if gen_notes else [])]
    report = _attribution_report(r, res.table, output_dir, notes=notes)
    shares_path = summary_path = None
    if share_table is not None:
        shares_path, summary_path = out.with_name("attribution_shares.csv"), out.with_name("attribution_summary.json")
        shares_def = f"Shapley shares of the minutes saved over the six centre-to-centre pairs, door to door, {r.scenario.name} against {ref.scenario.name}"
        prov = table_provenance(tier=state.roads.tier, snapshot=state.roads.snapshot, definition=shares_def)
        write_table(share_table.table, shares_path, provenance=prov)
        atomic_write_text(summary_path, dumps_metrics({**share_table.summary, **prov}))
    seconds = time.perf_counter() - t0
    return AttributionRun(
        scenario=r.scenario.name,
        against=ref.scenario.name,
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
        period=state.params.period,
        table=res.table,
        only_in_against=sorted(ref.active - r.active) + differing_edits(ref, r),
        warnings=list(res.warnings),
        seconds=seconds,
        origins_recomputed=res.origins_recomputed,
        csv_path=out,
        report_path=report,
        shares=share_table,
        shares_path=shares_path,
        summary_path=summary_path,
        generalized_notes=tuple(gen_notes),
    )


def _attribution_report(r: ResolvedScenario, table: pd.DataFrame, output_dir: Path, *, notes: list[str]) -> Path:
    """The scenario report with the attribution table and, when made, the timeline chart."""
    metrics, _, _ = scenario_metrics(load_scenario(Path(r.file)), file=r.file)
    path = output_dir / r.scenario.name / "report.html"
    map_path = map_dir() / f"{r.scenario.name}.html"
    timeline_png = output_dir / "timeline" / "timeline.png"
    write_report(
        path,
        scenario_title=r.scenario.title or r.scenario.name,
        metrics=metrics,
        parts=ReportParts(
            map_href=relative_href(map_path, path) if map_path.exists() else None,
            timeline_png=timeline_png if timeline_png.exists() else None,
            attribution=table,
            notes=notes,
        ),
    )
    record_file(path.parent, path.name)  # the run's set stays consistent with its manifest
    return path


def definition_attribution(
    scenario: str | Path, definition: str, *, against: str | Path | None = None, period: str | None = None, output_dir: Path | None = None
) -> DefinitionAttributionRun:
    """Leave-one-out and add-one-in of a half-hour-circle definition's headline series, per project.

    Writes ``<output_dir>/<scenario>/attribution_<definition>.csv``.

    Parameters
    ----------
    scenario, against, output_dir
        As for :func:`attribution`.
    definition
        One of ``network.analysis.definitions.DEFINITIONS``.
    period
        ``am_peak`` or ``off_peak``; default: the one the definition's source wording implies.

    Returns
    -------
    DefinitionAttributionRun
        The table of each headline series per project and the CSV written.
    """
    region = load_region()
    r = resolve_file(find_scenario_file(str(scenario)))
    ref = reference_scenario(r, against)
    table = definition_series.definition_attribution(r, ref, region, definition, period=period)
    out = (output_dir if output_dir is not None else default_output_dir()) / r.scenario.name / f"attribution_{definition}.csv"
    write_table(table, out)
    state = build_state(r)
    return DefinitionAttributionRun(
        scenario=r.scenario.name,
        against=ref.scenario.name,
        definition=definition,
        period=period or NATURAL_PERIOD[definition],
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
        table=table,
        csv_path=out,
    )
