"""Subcommands over several scenarios: compare, timeline, attribution (the workflows are in ``network/run/``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from network import OSM_ATTRIBUTION
from network.cli.commands import add_output_options, command, output_dir_help, output_folders, usage_error
from network.paths import SCENARIO_DIR, output_dir

if TYPE_CHECKING:
    import pandas as pd

    from network.run.timeline import TimelineResult

PERIODS = ["am_peak", "off_peak"]


def _definitions() -> tuple[str, ...]:
    from network.analysis.definition_names import DEFINITIONS  # lazy: only the command that runs it loads it

    return tuple(DEFINITIONS)


def _basemaps() -> list[str]:
    from network.outputs.maps import BASEMAPS  # lazy: only the command that runs it loads it

    return list(BASEMAPS)


@command("compare", "compare scenario B against scenario A: minutes saved, population newly within 30 min, difference map")
def configure_compare(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py compare``."""
    ap.add_argument("a", help="scenario name or file (the reference)")
    ap.add_argument("b", help="scenario name or file (the one compared)")
    add_output_options(ap, maps=True)
    ap.add_argument("--no-map", action="store_true", help="skip the difference map")
    ap.add_argument(
        "--basemap",
        choices=_basemaps(),
        default=None,
        help="map tiles: osm (default), light, tianditu (key in $TIANDITU_KEY), gaode (data shifted to GCJ-02), none",
    )
    ap.add_argument("--offline", action="store_true", help="self-contained map: Leaflet inlined, no tiles, no network request")
    ap.set_defaults(run=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    """Run ``compare``: tables, summary JSON and (unless ``--no-map``) the difference map; returns the exit code."""
    from network.outputs.maps import basemap_problem  # lazy: only the command that runs it loads it
    from network.run.compare import compare  # lazy: only the command that runs it loads it

    basemap = args.basemap or ("none" if args.offline else "osm")
    problem = None if args.no_map else basemap_problem(basemap, offline=args.offline)
    if problem:
        usage_error(args, problem)
    out, maps = output_folders(args.output_dir, args.map_dir)
    res = compare(args.a, args.b, output_dir=out, map_dir=maps, write_map=not args.no_map, basemap=basemap, offline=args.offline)
    period = res.summary["period"]
    print(f"== {res.b} vs {res.a}  [tier {res.tier}; {res.snapshot}]")
    print(
        f"-- mode best (the faster of car and transit), centre to centre door to door, minutes; "
        f"a = {res.a} ({period['a']}), b = {res.b} ({period['b']}), saved = a - b"
    )
    best = res.pairs[res.pairs["mode"] == "best"][["from", "to", "minutes_a", "minutes_b", "minutes_saved", "generalized_minutes_saved"]]
    print(best.to_string(index=False))
    notes = res.summary["clock_vs_generalized"]["notes"]
    if notes:
        print(f"note: {res.summary['clock_vs_generalized']['means']}:")
        print("\n".join(f"  {n}" for n in notes))
    print("-- mode best: population (2020 census) newly / no longer within 30 min door to door of each centre")
    print(res.population[res.population["mode"] == "best"][["centre", "newly_within", "no_longer_within"]].to_string(index=False))
    if res.map_path is not None:
        print(f"wrote {res.output_dir} and {res.map_path}")
    print(OSM_ATTRIBUTION)
    return 0


@command("timeline", "centre-to-centre minutes and the half-hour index by year (the year-* scenarios), with a chart")
def configure_timeline(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py timeline``."""
    ap.add_argument(
        "scenarios", nargs="*", help="scenario names or files with a year (own or from their base); default: every one in --scenario-dir"
    )
    ap.add_argument("--scenario-dir", type=Path, default=SCENARIO_DIR)
    ap.add_argument(
        "--years",
        type=year_span,
        default=(),
        metavar="FIRST-LAST",
        help="instead of the year-* scenarios: the surveyed network in every year FIRST..LAST (e.g. 2015-2025; "
        "--period or am_peak), each year's dated network changes listed by name",
    )
    ap.add_argument("--output-dir", type=Path, default=output_dir(), help=output_dir_help())
    ap.add_argument(
        "--definition",
        choices=_definitions(),
        default=None,
        help="a half-hour-circle definition: its headline series by year, each year's change attributed to projects",
    )
    ap.add_argument(
        "--period",
        choices=PERIODS,
        default=None,
        help="with --definition: the period (default: the one its source wording implies); with --years: the period of every year (default am_peak)",
    )
    ap.set_defaults(run=run_timeline)


def run_timeline(args: argparse.Namespace) -> int:
    """Run ``timeline``; returns the exit code."""
    from network.analysis.definition_names import POTENTIAL_BASIS  # lazy: only the command that runs it loads it
    from network.run.timeline import definition_timeline, timeline  # lazy: only the command that runs it loads it

    if args.definition and args.years:
        usage_error(args, "--years runs the surveyed network year by year; it does not combine with --definition (give year scenarios)")
    if args.definition:
        d = definition_timeline(args.definition, args.scenarios, period=args.period, scenario_dir=args.scenario_dir, output_dir=args.output_dir)
        print(f"== {d.definition} by year, {d.period}  [tier {d.tier}; {d.snapshot}]  ({POTENTIAL_BASIS})")
        print(d.values.pivot_table(index="series", columns="year", values="value").round(3).to_string())
        print("\neach year's change, by project (leave-one-out from that year) and the remainder:")
        show = d.steps[d.steps["effect"].abs() > 1e-9] if len(d.steps) else d.steps
        print(show.to_string(index=False) if len(show) else "no change in any year")
        print(f"wrote {d.csv_path} and {d.chart_path}\n{OSM_ATTRIBUTION}")
        return 0
    if args.years and args.scenarios:
        usage_error(args, "give scenario names or --years, not both")
    if args.period and not args.years:
        usage_error(args, "--period applies with --definition or --years; the year scenarios carry their own period")
    t = timeline(args.scenarios, scenario_dir=args.scenario_dir, output_dir=args.output_dir, years=args.years, period=args.period or "am_peak")
    wide = t.minutes[t.minutes["mode"] == "best"].pivot_table(index="year", columns=["from", "to"], values="minutes")
    print(f"best-mode centre-to-centre minutes by year, every direction  [tier {t.tier}; {t.snapshot}]")
    print(wide.round(1).to_string())
    print(t.index.pivot_table(index="year", columns="mode", values="half_hour_index").to_string())
    _print_date_ranges(t)
    _print_network_changes(t)
    print(f"wrote {t.csv_path}, {t.network_csv_path} and {t.chart_path}\n{OSM_ATTRIBUTION}")
    return 0


YEARS_MAX = 41
"""The most years ``timeline --years`` runs (1990-2030, say)."""


def year_span(text: str) -> tuple[int, ...]:
    """``FIRST-LAST`` (or one year) as the years in it; argparse turns the ``ValueError`` into a usage error."""
    parts = text.strip().split("-")
    try:
        first, last = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (0, -1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected FIRST-LAST, e.g. 2015-2025") from None
    if not (1990 <= first <= last <= 2060) or last - first + 1 > YEARS_MAX:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected FIRST-LAST with 1990 <= FIRST <= LAST <= 2060, at most {YEARS_MAX} years")
    return tuple(range(first, last + 1))


def _print_date_ranges(t: TimelineResult) -> None:
    """The years an opening date known only as a range straddles, with the spread of the two ends."""
    from network.run.timeline import date_range_notes  # lazy: only the command that runs it loads it

    if not t.in_doubt:
        return
    print("opening dates known only as a range (each such year run at both ends; opened_latest in data/river_crossings.csv, data/road_classes.csv):")
    for line in date_range_notes(t.in_doubt):
        print(f"  {line}")
    for year in t.in_doubt:
        m = t.minutes[(t.minutes["year"] == year) & (t.minutes["mode"] == "best")]
        spread = (m["minutes_other_end"] - m["minutes"]).abs()
        i = t.index[(t.index["year"] == year) & (t.index["mode"] == "best")]
        idx = f"best-mode index {float(i['half_hour_index'].iloc[0]):.4f} / other end {float(i['half_hour_index_other_end'].iloc[0]):.4f}" if len(i) else ""
        print(f"  {year}: {idx}; centre-to-centre best-mode minutes differ by up to {float(spread.max()) if len(spread) else 0.0:.1f} min")


def _print_network_changes(t: TimelineResult) -> None:
    """Per year, the dated network changes and catalogue projects since the year before, and the km of unknown opening date."""
    from network.run.timeline import UNKNOWN_DATE_KIND  # lazy: only the command that runs it loads it

    if not t.unknown_km:
        return
    print(
        "network changes by year (dated roads and classes beside catalogue projects; km of unknown opening date in that year's "
        "whole network, catalogue roads in their state before a later upgrade included: the year warnings count the base road "
        "skeleton only, before any catalogue road)"
    )
    dated = t.changes[t.changes["kind"] != UNKNOWN_DATE_KIND]
    for year in sorted(t.unknown_km):
        here = dated[dated["year"] == year]
        named = "; ".join(f"{n} [{k}, {d}]" for n, k, d in zip(here["name"], here["kind"], here["date"])) or "none dated"
        print(f"  {year}: {named}; unknown opening date: {t.unknown_km[year]:,.1f} km of the year's network")


@command("attribution", "which project bought how many minutes (leave-one-out and add-one-in)")
def configure_attribution(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py attribution``."""
    ap.add_argument("scenario", help="scenario name or file")
    ap.add_argument("--against", default=None, help="reference scenario (default: the scenario's base; 'surveyed' = built projects)")
    ap.add_argument("--output-dir", type=Path, default=output_dir(), help=output_dir_help())
    ap.add_argument("--full", action="store_true", help="evaluate every state in full (default: incremental, same results)")
    ap.add_argument(
        "--definition",
        choices=_definitions(),
        default=None,
        help="attribute a half-hour-circle definition's headline series instead of centre minutes",
    )
    ap.add_argument(
        "--period",
        choices=PERIODS,
        default=None,
        help="with --definition: the period (default: the one its source wording implies)",
    )
    ap.set_defaults(run=run_attribution)


ATTRIBUTION_COLUMNS = [
    "rank",
    "item",
    "project",
    "year",
    "loo_minutes_best_total",
    "aoi_minutes_best_total",
    "loo_generalized_minutes_best_total",
    "loo_minutes_car_total",
    "loo_minutes_transit_total",
    "loo_minutes_transit_saved",
    "loo_minutes_transit_lost",
    "loo_index_best",
    "aoi_index_best",
    "changes_any_time",
]
"""The attribution table's columns printed on the terminal (attribution.csv has them all)."""


SHARE_COLUMNS = [
    "item",
    "project",
    "shapley_minutes_best_total",
    "alone_minutes_best_total",
    "interaction_minutes_best_total",
    "shapley_generalized_minutes_best_total",
]
"""The shares table's columns printed on the terminal (attribution_shares.csv has car and transit too)."""


def print_shares(table: pd.DataFrame, summary: dict[str, Any]) -> None:
    """The Shapley shares and the sum that adds up to the total change (best mode)."""
    print(f"\norder-independent shares (Shapley; {summary['shapley']['how']}), best mode, minutes over the six pairs:")
    print(table[SHARE_COLUMNS].to_string(index=False))
    for _, row in table[table["item"] == "dated"].iterrows():
        print(f"  {row['project']}: {row['name_zh']}: {row['includes']}")
    b = {k: summary[k]["best"] for k in ("total_change", "sum_alone", "interactions", "unexplained", "sum_of_shares")}
    print(
        f"total change {b['total_change']:.2f} = effects alone {b['sum_alone']:.2f} + interactions {b['interactions']:.2f} "
        f"+ unexplained {b['unexplained']:.2f} (shares sum to {b['sum_of_shares']:.2f}; unexplained: {summary['unexplained_means']})"
    )


def run_attribution(args: argparse.Namespace) -> int:
    """Run ``attribution``; returns the exit code."""
    from network.analysis.clock_generalized import EXPLAINED  # lazy: only the command that runs it loads it
    from network.analysis.compare import centre_unchanged_items  # lazy: only the command that runs it loads it
    from network.analysis.definition_names import POTENTIAL_BASIS  # lazy: only the command that runs it loads it
    from network.run.attribution import attribution, definition_attribution  # lazy: only the command that runs it loads it

    if args.definition:
        d = definition_attribution(args.scenario, args.definition, against=args.against, period=args.period, output_dir=args.output_dir)
        print(
            f"== {d.definition} ({d.period}) attribution: {d.scenario} against {d.against}  [tier {d.tier}; {d.snapshot}]  ({POTENTIAL_BASIS})"
        )
        print(d.table.to_string(index=False) if len(d.table) else "no catalogue project differs between the two scenarios")
        print(f"wrote {d.csv_path}\n{OSM_ATTRIBUTION}")
        return 0
    res = attribution(args.scenario, against=args.against, output_dir=args.output_dir, incremental=not args.full)
    print(f"== attribution: {res.scenario} against {res.against}  [tier {res.tier}; {res.snapshot}]")
    if len(res.table):
        print(res.table[ATTRIBUTION_COLUMNS].to_string(index=False))
        print("minutes summed over the six centre-to-centre pairs; *_saved / *_lost: the pairs it speeds up and slows down, apart")
        elsewhere = centre_unchanged_items(res.table, res.shares.table if res.shares is not None else None)
        if elsewhere:
            print(
                f"note: {', '.join(elsewhere)} change(s) no centre-to-centre time (every column ~0) but other trips do change: "
                "see `timeline --definition urban_area_to_urban_area` or `compare` (zones.csv, population.csv)"
            )
    else:
        print(f"{res.scenario} adds no catalogue project or hand-written edit over {res.against}")
    if res.only_in_against:
        print(
            f"note: {res.against} has what {res.scenario} does not: {', '.join(res.only_in_against)}; attribution credits "
            f"what a scenario adds, so run it the other way round for these (attribution {res.against} --against {res.scenario})"
        )
    if res.shares is not None and len(res.shares.table):
        print_shares(res.shares.table, res.shares.summary)
    if res.generalized_notes:
        print(f"note: {EXPLAINED}:")
        print("\n".join(f"  {n}" for n in res.generalized_notes))
    done, total = res.origins_recomputed
    shared = f" and {res.shares.shares.coalitions_evaluated} coalitions (shares)" if res.shares is not None else ""
    print(f"{2 * len(res.table)} states (leave-one-out, add-one-in){shared} evaluated in {res.seconds:.1f} s; origin trees recomputed: {done} of {total}")
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    wrote = [str(p) for p in (res.csv_path, res.shares_path, res.summary_path, res.report_path) if p is not None]
    print(f"wrote {', '.join(wrote)}\n{OSM_ATTRIBUTION}")
    return 0
