"""Subcommands over several scenarios: compare, timeline, attribution."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from network import OSM_ATTRIBUTION
from network._errors import PlannerError
from network.analysis.compare import (
    attribution,
    compare_pairs,
    compare_population,
    compare_zones,
    differing_edits,
    resolve_file,
    timeline_chart,
    timeline_table,
    year_scenarios,
)
from network.analysis.definition_series import NATURAL_PERIOD, definition_attribution, definition_chart, definition_timeline
from network.analysis.definitions import DEFINITIONS, POTENTIAL_BASIS
from network.analysis.edit_effects import edit_effects, edits_frame
from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import evaluate
from network.cli.commands import command, usage_error
from network.model.region import load_region
from network.outputs.files import atomic_write_text, dumps_metrics, json_safe, table_provenance, write_table
from network.outputs.maps import BASEMAPS, basemap_problem, difference_focus, isochrone_difference, isochrone_map, save_map
from network.outputs.output_set import record_file
from network.outputs.report import relative_href, write_report
from network.paths import SCENARIO_DIR, map_dir, output_dir
from network.run.runner import scenario_metrics
from network.scenario.catalogue import catalogue_frame, load_catalogue
from network.scenario.dated import changes_by_year, unknown_date_km
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import Scenario, find_scenario_file, load_scenario, scenario_edits


@command("compare", "compare scenario B against scenario A: minutes saved, population newly within 30 min, difference map")
def configure_compare(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py compare``."""
    ap.add_argument("a", help="scenario name or file (the reference)")
    ap.add_argument("b", help="scenario name or file (the one compared)")
    ap.add_argument("--output-dir", type=Path, default=output_dir())
    ap.add_argument("--map-dir", type=Path, default=map_dir())
    ap.add_argument("--no-map", action="store_true")
    ap.add_argument(
        "--basemap",
        choices=list(BASEMAPS),
        default=None,
        help="map tiles: osm (default), light, tianditu (key in $TIANDITU_KEY), gaode (data shifted to GCJ-02), none",
    )
    ap.add_argument("--offline", action="store_true", help="self-contained map: Leaflet inlined, no tiles, no network request")
    ap.set_defaults(run=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    """Run ``compare``: tables, summary JSON and (unless ``--no-map``) the difference map; returns the exit code."""
    basemap = args.basemap or ("none" if args.offline else "osm")
    problem = None if args.no_map else basemap_problem(basemap, offline=args.offline)
    if problem:
        usage_error(args, problem)
    region = load_region()
    ra, rb = resolve_file(find_scenario_file(args.a)), resolve_file(find_scenario_file(args.b))
    sa, sb = build_state(ra), build_state(rb)
    edits_a = edit_effects(ra, sa, own=scenario_edits(load_scenario(Path(ra.file))))
    edits_b = edit_effects(rb, sb, own=scenario_edits(load_scenario(Path(rb.file))))
    ea, eb = evaluate(sa, region), evaluate(sb, region)
    name = f"compare-{ra.scenario.name}-vs-{rb.scenario.name}"
    out = args.output_dir / name
    pairs = compare_pairs(ea, eb)
    pop = compare_population(ea, eb, region)
    vs = f"{ra.scenario.name} ({ra.scenario.period}) vs {rb.scenario.name} ({rb.scenario.period})"
    tier, snap = sb.roads.tier, sb.roads.snapshot
    write_table(pairs, out / "pairs.csv", provenance=table_provenance(tier=tier, snapshot=snap, definition=f"centre_to_centre door to door by mode, {vs}"))
    zones_def = f"zone population-weighted centroid to each city centre door to door, {vs}"
    write_table(compare_zones(ea, eb, region), out / "zones.csv", provenance=table_provenance(tier=tier, snapshot=snap, definition=zones_def))
    pop_def = f"2020 census population within 30 min door to door of each city centre by mode, {vs}"
    write_table(pop, out / "population.csv", provenance=table_provenance(tier=tier, snapshot=snap, definition=pop_def))
    thresholds = sorted(set(ra.scenario.thresholds_minutes) | set(rb.scenario.thresholds_minutes))
    iso_a = isochrone_polygons(ea.cell_minutes, region, thresholds)
    iso_b = isochrone_polygons(eb.cell_minutes, region, thresholds)
    difference = isochrone_difference(iso_a, iso_b)
    focus = difference_focus(difference)
    summary = {
        "a": ra.scenario.name,
        "b": rb.scenario.name,
        "network": {"tier": sb.roads.tier, "snapshot": sb.roads.snapshot},
        "attribution": OSM_ATTRIBUTION,
        "pairs": pairs.to_dict(orient="records"),
        "population": pop.to_dict(orient="records"),
        "projects_only_in_a": sorted(ra.active - rb.active),
        "projects_only_in_b": sorted(rb.active - ra.active),
        "edits_only_in_a": differing_edits(ra, rb),
        "edits_only_in_b": differing_edits(rb, ra),
        "edits_a": edits_a,
        "edits_b": edits_b,
        "difference_within_30": difference.drop(columns="geometry").to_dict(orient="records"),
        "map_opens_on": {"centre": focus[0], "mode": focus[1]} if focus else None,
    }
    summary, _ = json_safe(summary)  # unreachable pairs (partial OSM networks) are null, never NaN
    atomic_write_text(out / "compare.json", dumps_metrics(summary))
    print(f"== {rb.scenario.name} vs {ra.scenario.name}  [tier {sb.roads.tier}; {sb.roads.snapshot}]")
    best = pairs[pairs["mode"] == "best"][["from", "to", "minutes_a", "minutes_b", "minutes_saved"]]
    print(best.to_string(index=False))
    print(pop[pop["mode"] == "best"][["centre", "newly_within", "no_longer_within"]].to_string(index=False))
    if not args.no_map:
        changed = (ra.active ^ rb.active) or None
        m = isochrone_map(
            title=f"{rb.scenario.title or rb.scenario.name} vs {ra.scenario.title or ra.scenario.name}",
            isochrones=iso_b,
            base_isochrones=iso_a,
            difference=difference,
            projects=catalogue_frame(load_catalogue(), sb.rail.stops, active=set(changed) if changed else None),
            edits=_compare_edits_frame(ra.scenario.name, edits_a, rb.scenario.name, edits_b),
            rail=sb.rail,
            region=region,
            tier=sb.roads.tier,
            snapshot=sb.roads.snapshot,
            basemap=basemap,
            offline=args.offline,
        )
        save_map(m, args.map_dir / f"{name}.html")
        print(f"wrote {out} and {args.map_dir / (name + '.html')}")
    print(OSM_ATTRIBUTION)
    return 0


def _compare_edits_frame(name_a: str, edits_a: list[dict[str, Any]], name_b: str, edits_b: list[dict[str, Any]]) -> gpd.GeoDataFrame | None:
    """Both scenarios' hand-written edits for the compare map, one layer per scenario (B first)."""
    frames = [f for f in (edits_frame(edits_b, scenario=name_b), edits_frame(edits_a, scenario=f"{name_a} (reference)")) if len(f)]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs) if frames else None


@command("timeline", "centre-to-centre minutes and the half-hour index by year (the year-* scenarios), with a chart")
def configure_timeline(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py timeline``."""
    ap.add_argument(
        "scenarios", nargs="*", help="scenario names or files with a year (own or from their base); default: every one in --scenario-dir"
    )
    ap.add_argument("--scenario-dir", type=Path, default=SCENARIO_DIR)
    ap.add_argument("--output-dir", type=Path, default=output_dir())
    ap.add_argument(
        "--definition",
        choices=DEFINITIONS,
        default=None,
        help="a half-hour-circle definition: its headline series by year, each year's change attributed to projects",
    )
    ap.add_argument(
        "--period",
        choices=["am_peak", "off_peak"],
        default=None,
        help="with --definition: the period (default: the one its source wording implies)",
    )
    ap.set_defaults(run=run_timeline)


def run_timeline(args: argparse.Namespace) -> int:
    """Run ``timeline``; returns the exit code."""
    region = load_region()
    evals = []
    tier = snapshot = ""
    if args.scenarios:
        chosen = []
        for text in args.scenarios:
            r = resolve_file(find_scenario_file(text))
            if r.year is None:
                print(f"error: {r.file}: field 'year': the timeline needs a year; this scenario (and its base) gives none", file=sys.stderr)
                return 1
            chosen.append(r)
        resolved = sorted(chosen, key=lambda r: (r.year or 0, r.scenario.name))
    else:
        resolved = [resolve_file(path) for path, _ in year_scenarios(args.scenario_dir)]
    if args.definition:
        return _definition_timeline(resolved, args.definition, args.period, args.output_dir)
    unknown_km: dict[int, float] = {}
    for r in resolved:
        state = build_state(r)
        tier, snapshot = state.roads.tier, state.roads.snapshot
        evals.append((r.scenario, evaluate(state, region)))
        if r.year is not None and tier == "embedded":
            unknown_km[r.year] = unknown_date_km(state.roads)
    if not evals:
        print(f"no scenario with a 'year' in {args.scenario_dir}", file=sys.stderr)
        return 1
    minutes, index = timeline_table(evals, region)
    out = args.output_dir / "timeline"
    tl_def = "centre_to_centre door to door between the city centre points, each year scenario in its own period"
    write_table(minutes, out / "timeline_minutes.csv", provenance=table_provenance(tier=tier, snapshot=snapshot, definition=tl_def))
    write_table(index, out / "timeline_index.csv", provenance=table_provenance(tier=tier, snapshot=snapshot, definition="half-hour-circle index by year (see README)"))
    png = timeline_chart(
        minutes, index, out / "timeline.png", title=f"Chang-Zhu-Tan half-hour circle by year (tier {tier}; {snapshot}; {OSM_ATTRIBUTION})"
    )
    wide = minutes[minutes["mode"] == "best"].pivot_table(index="year", columns=["from", "to"], values="minutes")
    wide = wide[[c for c in wide.columns if c[0] < c[1]]]
    print(f"best-mode centre-to-centre minutes by year  [tier {tier}; {snapshot}]")
    print(wide.round(1).to_string())
    print(index.pivot_table(index="year", columns="mode", values="half_hour_index").to_string())
    changes = _print_network_changes(sorted(unknown_km), unknown_km)
    write_table(
        changes,
        out / "timeline_network.csv",
        provenance=table_provenance(tier=tier, snapshot=snapshot, definition="dated network changes and catalogue projects by year"),
    )
    print(f"wrote {out / 'timeline_minutes.csv'}, {out / 'timeline_network.csv'} and {png}\n{OSM_ATTRIBUTION}")
    return 0


def _print_network_changes(years: list[int], unknown_km: dict[int, float]) -> pd.DataFrame:
    """Print, per year, the dated network changes (curated tables) and catalogue projects since the year
    before, and the km whose opening date is unknown; return them as one table (unknown km as rows too)."""
    changes = changes_by_year(years)
    if not years:
        return changes
    print("network changes by year (dated roads and classes beside catalogue projects; km of unknown opening date)")
    for year in years:
        here = changes[changes["year"] == year]
        named = "; ".join(f"{n} [{k}, {d}]" for n, k, d in zip(here["name"], here["kind"], here["date"])) or "none dated"
        print(f"  {year}: {named}; unknown opening date: {unknown_km[year]:,.1f} km (present in every year)")
    unknown = pd.DataFrame(
        [{"year": y, "date": "", "kind": "unknown opening date (km)", "id": "", "name": f"{unknown_km[y]:.1f}"} for y in years]
    )
    return pd.concat([changes, unknown], ignore_index=True).sort_values(["year", "date"], kind="stable")


@command("attribution", "which project bought how many minutes (leave-one-out and add-one-in)")
def configure_attribution(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py attribution``."""
    ap.add_argument("scenario", help="scenario name or file")
    ap.add_argument("--against", default=None, help="reference scenario (default: the scenario's base; 'surveyed' = built projects)")
    ap.add_argument("--output-dir", type=Path, default=output_dir())
    ap.add_argument("--full", action="store_true", help="evaluate every state in full (default: incremental, same results)")
    ap.add_argument(
        "--definition",
        choices=DEFINITIONS,
        default=None,
        help="attribute a half-hour-circle definition's headline series instead of centre minutes",
    )
    ap.add_argument(
        "--period",
        choices=["am_peak", "off_peak"],
        default=None,
        help="with --definition: the period (default: the one its source wording implies)",
    )
    ap.set_defaults(run=run_attribution)


def run_attribution(args: argparse.Namespace) -> int:
    """Run ``attribution``; returns the exit code."""
    region = load_region()
    r = resolve_file(find_scenario_file(args.scenario))
    if args.against:
        against = _reference(args.against, search_dirs=None)
    elif r.bases:  # the scenario's own base, looked up where resolving the scenario found it
        against = _reference(r.bases[0], search_dirs=[Path(r.file).parent, SCENARIO_DIR])
    else:
        against = _reference("surveyed", search_dirs=None)
    if args.definition:
        return _definition_attribution(r, against, args.definition, args.period, args.output_dir)
    t0 = time.perf_counter()
    res = attribution(r, against, region, incremental=not args.full)
    seconds = time.perf_counter() - t0
    out = args.output_dir / r.scenario.name / "attribution.csv"
    state = build_state(r)
    att_def = (
        f"leave-one-out (loo) and add-one-in (aoi) minutes over the six centre-to-centre pairs, door to door, "
        f"{r.scenario.name} against {against.scenario.name}, {state.params.period}"
    )
    write_table(res.table, out, provenance=table_provenance(tier=state.roads.tier, snapshot=state.roads.snapshot, definition=att_def))
    print(f"== attribution: {r.scenario.name} against {against.scenario.name}  [tier {state.roads.tier}; {state.roads.snapshot}]")
    if len(res.table):
        cols = [
            "rank",
            "item",
            "project",
            "year",
            "loo_minutes_best_total",
            "aoi_minutes_best_total",
            "loo_minutes_car_total",
            "loo_minutes_transit_total",
            "loo_minutes_transit_saved",
            "loo_minutes_transit_lost",
            "loo_index_best",
            "aoi_index_best",
            "changes_any_time",
        ]
        print(res.table[cols].to_string(index=False))
        print("minutes summed over the six centre-to-centre pairs; *_saved / *_lost: the pairs it speeds up and slows down, apart")
        elsewhere = res.table[(res.table["loo_minutes_best_total"] == 0) & res.table["changes_any_time"]]
        if len(elsewhere):
            print(
                f"note: {', '.join(map(str, elsewhere['project']))} change(s) no centre-to-centre time but other trips do change: "
                "see `timeline --definition urban_area_to_urban_area` or `compare` (zones.csv, population.csv)"
            )
    else:
        print(f"{r.scenario.name} adds no catalogue project or hand-written edit over {against.scenario.name}")
    only_against = sorted(against.active - r.active) + differing_edits(against, r)
    if only_against:
        print(
            f"note: {against.scenario.name} has what {r.scenario.name} does not: {', '.join(only_against)}; attribution credits "
            f"what a scenario adds, so run it the other way round for these (attribution {against.scenario.name} --against {r.scenario.name})"
        )
    done, total = res.origins_recomputed
    print(f"{2 * len(res.table)} states evaluated in {seconds:.1f} s; origin trees recomputed: {done} of {total}")
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    report = _attribution_report(r, res.table, args.output_dir, notes=[f"attribution against {against.scenario.name}", *res.warnings])
    print(f"wrote {out} and {report}\n{OSM_ATTRIBUTION}")
    return 0


def _reference(name_or_path: str, *, search_dirs: list[Path] | None) -> ResolvedScenario:
    """The reference scenario of an attribution; ``surveyed`` without a file is the built network."""
    try:
        path = find_scenario_file(name_or_path, search_dirs=search_dirs)
    except PlannerError:
        if name_or_path != "surveyed":
            raise
        return resolve_projects(Scenario(name="surveyed"))
    return resolve_file(path)


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
        map_href=relative_href(map_path, path) if map_path.exists() else None,
        timeline_png=timeline_png if timeline_png.exists() else None,
        attribution=table,
        notes=notes,
    )
    record_file(path.parent, path.name)  # the run's set stays consistent with its manifest
    return path


def _definition_timeline(resolved: list[ResolvedScenario], definition: str, period: str | None, output_dir: Path) -> int:
    """``timeline --definition``: the definition's headline series by year and each year's change split by project."""
    region = load_region()
    if not resolved:
        print("no scenario with a 'year'", file=sys.stderr)
        return 1
    values, steps = definition_timeline(resolved, region, definition, period=period)
    p = period or NATURAL_PERIOD[definition]
    out = output_dir / "timeline"
    tier = ", ".join(sorted({str(x) for x in values["tier"]}))
    snap = ", ".join(sorted({str(x) for x in values["snapshot"]}))
    write_table(values, out / f"timeline_{definition}.csv", provenance={"attribution": OSM_ATTRIBUTION})
    steps_def = f"{definition} ({p}): each year's change split by project (leave-one-out from that year)"
    write_table(steps, out / f"timeline_{definition}_attribution.csv", provenance=table_provenance(tier=tier, snapshot=snap, definition=steps_def))
    png = definition_chart(
        values,
        steps,
        out / f"timeline_{definition}.png",
        title=f"{definition} ({p}) by year; labels: what changed it (tier {tier}; {snap}; {OSM_ATTRIBUTION}). {POTENTIAL_BASIS}",
    )
    print(f"== {definition} by year, {p}  [tier {tier}; {snap}]  ({POTENTIAL_BASIS})")
    print(values.pivot_table(index="series", columns="year", values="value").round(3).to_string())
    print("\neach year's change, by project (leave-one-out from that year) and the remainder:")
    show = steps[steps["effect"].abs() > 1e-9] if len(steps) else steps
    print(show.to_string(index=False) if len(show) else "no change in any year")
    print(f"wrote {out / f'timeline_{definition}.csv'} and {png}\n{OSM_ATTRIBUTION}")
    return 0


def _definition_attribution(r: ResolvedScenario, against: ResolvedScenario, definition: str, period: str | None, output_dir: Path) -> int:
    """``attribution --definition``: leave-one-out and add-one-in of each headline series per project."""
    region = load_region()
    table = definition_attribution(r, against, region, definition, period=period)
    out = output_dir / r.scenario.name / f"attribution_{definition}.csv"
    write_table(table, out)
    state = build_state(r)
    p = period or NATURAL_PERIOD[definition]
    print(
        f"== {definition} ({p}) attribution: {r.scenario.name} against {against.scenario.name}  [tier {state.roads.tier}; {state.roads.snapshot}]  ({POTENTIAL_BASIS})"
    )
    print(table.to_string(index=False) if len(table) else "no catalogue project differs between the two scenarios")
    print(f"wrote {out}\n{OSM_ATTRIBUTION}")
    return 0
