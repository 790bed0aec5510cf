"""Run one scenario end to end: resolve, evaluate, write metrics, tables and the map."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from network import OSM_ATTRIBUTION
from network.analysis.edit_effects import edit_effects, edits_frame
from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import (
    FIELD_LIMIT_S,
    beyond_limit_pairs,
    beyond_reach_summary,
    centre_pairs_table,
    evaluate,
    half_hour_index,
    population_within_table,
    table_definitions,
)
from network.analysis.placement import centre_spread_definition, centre_spread_table, sample_minutes
from network.model.region import load_region
from network.outputs.files import (
    atomic_write_text,
    centre_matrix_html,
    check_writable_folder,
    dumps_metrics,
    json_safe,
    table_provenance,
    tool_stamp,
    write_table,
)
from network.outputs.maps import MapLayers, MapView, isochrone_map, map_when, save_map, zone_minutes_table
from network.outputs.output_set import staged_output_set
from network.outputs.report import ReportParts, relative_href, write_report
from network.paths import map_dir as default_map_dir
from network.paths import output_dir as default_output_dir
from network.scenario.resolve import build_state, resolve_projects
from network.scenario.schema import Scenario, scenario_edits
from network.scenario.services import assumed_notes
from network.sources.osm import network_report
from network.sources.osm_coverage import extract_coverage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """One scenario check: what it asserts, the measured value, its limit and whether it passed."""

    scenario: str
    description: str
    passed: bool
    value: float | None
    limit: float


@dataclass(frozen=True)
class RunResult:
    """What a scenario run wrote (metrics, map, report) and its checks."""

    scenario: str
    metrics_path: Path
    map_path: Path | None
    metrics: dict[str, Any]
    checks: list[CheckResult]
    report_path: Path | None = None


def calibration_status(tier: str) -> str:
    """What the travel times of a tier were checked against (named in every metrics.json and OSM report)."""
    if tier == "embedded":
        # the words follow the fit statistics of the last `observed` run (docs/validation.md; a test holds them to it)
        return (
            "checked against published journey times (run_scenario.py observed): transit within 25 % on most rows; "
            "car door to door runs slow, see docs/validation.md"
        )
    return (
        f"uncalibrated: tier {tier} shares the embedded tier's physical parameters, but its travel times have not been "
        "checked against published journey times (run run_scenario.py observed on a scenario of this tier)"
    )


def isochrones_geojson(iso: gpd.GeoDataFrame, metrics: dict[str, Any]) -> str:
    """The isochrones as GeoJSON with the run's provenance as top-level members (scenario, tier, snapshot,
    definition, OSM credit; RFC 7946 allows foreign members)."""
    doc = json.loads(iso.to_json(drop_id=True, ensure_ascii=False))
    net = metrics["network"]
    about = {
        "scenario": metrics["scenario"],
        "year": metrics.get("year"),
        "period": metrics.get("period"),
        "tier": net["tier"],
        "snapshot": net["snapshot"],
        "definition": metrics["definitions"]["isochrones"],
        "attribution": OSM_ATTRIBUTION,
        **tool_stamp(),
    }
    return json.dumps({**about, **doc}, ensure_ascii=False)


def scenario_metrics(scenario: Scenario, *, file: str = "<scenario>") -> tuple[dict[str, Any], Any, Any]:
    """Compute the metrics dict (deterministic; no timestamps) plus the isochrones and state.

    Settings a scenario inherits from its ``base`` chain (period, thresholds, edits) are those of the
    resolved scenario; ``edits`` lists every hand-written edit (``add:``, ``remove_lines``, own or
    inherited) with what it changed (``analysis.edit_effects``).
    """
    region = load_region()
    resolved = resolve_projects(scenario, file=file)
    state = build_state(resolved)
    flat = resolved.scenario
    ev = evaluate(state, region)
    pairs = centre_pairs_table(ev)
    spread = centre_spread_table(sample_minutes(ev.graphs, state.params, region.centres, limit_s=FIELD_LIMIT_S), region.centres)
    within = population_within_table(ev, region)
    iso = isochrone_polygons(ev.cell_minutes, region, flat.thresholds_minutes)
    metrics: dict[str, Any] = {
        "scenario": scenario.name,
        "title": scenario.title,
        "period": flat.period,
        "base_chain": list(resolved.bases),
        "network": {
            "tier": state.roads.tier,
            "snapshot": state.roads.snapshot,
            "road_nodes": int(len(state.roads.nodes)),
            "road_edges": int(len(state.roads.edges)),
            "road_km": round(float(state.roads.edges["length_m"].sum()) / 1000.0, 1),
            "rail_lines": sorted(str(x) for x in state.rail.lines["line_id"]),
            "rail_stations": int(state.rail.stops["name_zh"].nunique()),
            "report": network_report(state.roads),
        },
        "year": state.year,
        "year_note": "the network as surveyed (the embedded data's snapshot), no catalogue year"
        if state.year is None
        else f"the network at the end of {state.year}",
        "definitions": {**table_definitions(flat.period), "centre_spread": centre_spread_definition(flat.period)},
        "projects_active": list(state.projects),
        "edits": edit_effects(resolved, state, own=scenario_edits(scenario)),
        "warnings": list(state.warnings),
        "services_with_assumptions": sorted(assumed_notes(state.rail)),
        "attribution": OSM_ATTRIBUTION,
        "centre_minutes": pairs.to_dict(orient="records"),
        "centre_spread": spread.to_dict(orient="records"),
        "population_within_30": within.to_dict(orient="records"),
        "isochrones": iso.drop(columns="geometry").to_dict(orient="records"),
        "half_hour_index": {m: half_hour_index(ev, region, m) for m in ("car", "transit", "best")},
        "zone_minutes": zone_minutes_table(ev.cell_minutes, region, mode="best").to_dict(orient="records"),
        "beyond_reach": beyond_reach_summary(ev, region),
        **tool_stamp(),
    }
    notes: list[str] = []
    metrics["network"]["calibration"] = calibration_status(state.roads.tier)
    if state.roads.tier.startswith("osm"):
        coverage = extract_coverage(state.roads, region)
        metrics["network"]["coverage"] = coverage.to_dict()
        notes += coverage.warnings
        notes.append(metrics["network"]["calibration"])
    beyond, unreachable = beyond_limit_pairs(ev, state, region)
    if beyond:
        notes.append(f"beyond {FIELD_LIMIT_S / 60:.0f} min, the search limit (written as null; `route` gives the time): " + "; ".join(beyond))
    if unreachable:
        notes.append(f"no route on the {state.roads.tier} network (written as null): " + "; ".join(unreachable))
    metrics, not_finite = json_safe(metrics)  # JSON has no NaN: anything not computed is null, and said so
    if not_finite:
        shown = ", ".join(not_finite[:5]) + (f" and {len(not_finite) - 5} more" if len(not_finite) > 5 else "")
        notes.append(f"{len(not_finite)} value(s) could not be computed and are written as null: {shown}")
    for note in notes:
        log.warning("%s: %s", scenario.name, note)
    metrics["warnings"] = list(metrics["warnings"]) + notes
    return metrics, iso, state


def evaluate_checks(scenario: Scenario, metrics: dict[str, Any]) -> list[CheckResult]:
    """The scenario's ``checks`` evaluated on its metrics."""
    out = []
    for c in scenario.checks:
        value = next(
            (r["minutes"] for r in metrics["centre_minutes"] if r["from"] == c.from_ and r["to"] == c.to and r["mode"] == c.mode), None
        )
        passed = value is not None and value <= c.max
        out.append(CheckResult(scenario.name, f"{c.metric} {c.from_}→{c.to} {c.mode} ≤ {c.max:g}", passed, value, c.max))
    return out


def run_scenario(
    scenario: Scenario,
    *,
    file: str = "<scenario>",
    output_dir: Path | None = None,
    map_dir: Path | None = None,
    write_map: bool = True,
    basemap: str | None = None,
    offline: bool = False,
    write_report_html: bool = True,
) -> RunResult:
    """Run ``scenario`` and write outputs/<name>/ (metrics.json, CSVs, GeoJSON, report.html) and maps/<name>.html
    (default folders: ``network.paths.output_dir()`` and ``map_dir()``, read when called).

    ``basemap``: one of maps.BASEMAPS (default 'osm', or 'none' when ``offline``); ``offline`` inlines
    Leaflet so the map makes no network request.
    """
    output_dir = output_dir if output_dir is not None else default_output_dir()
    map_dir = map_dir if map_dir is not None else default_map_dir()
    check_writable_folder(output_dir, what="the output folder")  # a read-only or misnamed folder is said now, not after the computation
    if write_map:
        check_writable_folder(map_dir, what="the map folder")
    metrics, iso, state = scenario_metrics(scenario, file=file)
    final_map = map_dir / f"{scenario.name}.html" if write_map else None
    with staged_output_set(output_dir, scenario.name, map_path=final_map) as stage:
        out = stage.folder
        net = metrics["network"]
        for key in ("centre_minutes", "centre_spread", "population_within_30", "isochrones", "zone_minutes"):
            prov = table_provenance(tier=net["tier"], snapshot=net["snapshot"], definition=metrics["definitions"][key])
            write_table(pd.DataFrame(metrics[key]), out / f"{key}.csv", provenance=prov)
        atomic_write_text(out / "isochrones.geojson", isochrones_geojson(iso, metrics))
        atomic_write_text(out / "metrics.json", dumps_metrics(metrics))
        if stage.map_file is not None:
            pairs = pd.DataFrame(metrics["centre_minutes"])
            m = isochrone_map(title=scenario.title or scenario.name, isochrones=iso, rail=state.rail, region=load_region(), tier=state.roads.tier, snapshot=state.roads.snapshot, layers=MapLayers(centre_table_html=centre_matrix_html(pairs, spread=pd.DataFrame(metrics["centre_spread"])), zone_minutes=pd.DataFrame(metrics["zone_minutes"]), edits=edits_frame(metrics["edits"], scenario=scenario.name)), view=MapView(basemap=basemap or ("none" if offline else "osm"), offline=offline, when=map_when(state.year, state.params.period)))
            save_map(m, stage.map_file)
        if write_report_html:
            write_report(
                out / "report.html",
                scenario_title=scenario.title or scenario.name,
                metrics=metrics,
                parts=ReportParts(map_href=relative_href(final_map, stage.final / "report.html") if final_map else None),
            )
    # the set is swapped in as a whole: these paths now hold this run's files
    metrics_path = stage.final / "metrics.json"
    map_path = final_map
    report_path = stage.final / "report.html" if write_report_html else None
    return RunResult(scenario.name, metrics_path, map_path, metrics, evaluate_checks(scenario, metrics), report_path)
