"""The ``compare`` workflow: scenario B against scenario A (tables, summary JSON, difference map)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from network import OSM_ATTRIBUTION
from network._errors import PlannerError
from network.analysis.clock_generalized import EXPLAINED, table_notes
from network.analysis.compare import compare_pairs, compare_population, compare_zones, differing_edits, resolve_file
from network.analysis.edit_effects import edit_effects, edits_frame
from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import evaluate
from network.model.graph import NetworkState
from network.model.region import load_region
from network.outputs.files import atomic_write_text, dumps_metrics, json_safe, table_provenance, write_table
from network.outputs.maps import (
    MapLayers,
    MapView,
    basemap_problem,
    difference_focus,
    isochrone_difference,
    isochrone_map,
    map_when,
    save_map,
)
from network.paths import map_dir as default_map_dir
from network.paths import output_dir as default_output_dir
from network.scenario.catalogue import catalogue_frame, load_catalogue
from network.scenario.resolve import build_state
from network.scenario.schema import find_scenario_file, load_scenario, scenario_edits


@dataclass(frozen=True)
class CompareResult:
    """What ``compare`` computed and wrote.

    ``pairs`` (centre to centre by mode, ``minutes_a``, ``minutes_b``, ``minutes_saved``), ``zones`` and
    ``population`` (``newly_within``, ``no_longer_within`` per centre and mode) are the CSV tables;
    ``summary`` is ``compare.json``.
    """

    a: str
    b: str
    tier: str
    snapshot: str
    pairs: pd.DataFrame
    zones: pd.DataFrame
    population: pd.DataFrame
    summary: dict[str, Any]
    output_dir: Path
    map_path: Path | None


def compare(
    a: str | Path,
    b: str | Path,
    *,
    output_dir: Path | None = None,
    map_dir: Path | None = None,
    write_map: bool = True,
    basemap: str = "osm",
    offline: bool = False,
) -> CompareResult:
    """Compare scenario ``b`` against the reference ``a`` and write ``<output_dir>/compare-<a>-vs-<b>/``.

    Parameters
    ----------
    a, b
        Scenario names or paths: the reference and the one compared.
    output_dir
        Where ``pairs.csv``, ``zones.csv``, ``population.csv`` and ``compare.json`` go (in their own folder;
        None: ``network.paths.output_dir()``).
    map_dir
        Where the difference map ``compare-<a>-vs-<b>.html`` goes (None: ``network.paths.map_dir()``).
    write_map
        False to skip the map.
    basemap, offline
        The map's tiles (``osm``, ``light``, ``tianditu``, ``gaode``, ``none``) and a self-contained page.

    Returns
    -------
    CompareResult
        The pair, zone and population tables, the summary (compare.json) and the paths written.

    Raises
    ------
    PlannerError
        A base map that cannot be used (``basemap_problem``), or a scenario that does not resolve.
    """
    problem = basemap_problem(basemap, offline=offline) if write_map else None
    if problem:
        raise PlannerError(problem)
    region = load_region()
    ra, rb = resolve_file(find_scenario_file(str(a))), resolve_file(find_scenario_file(str(b)))
    sa, sb = build_state(ra), build_state(rb)
    edits_a = edit_effects(ra, sa, own=scenario_edits(load_scenario(Path(ra.file))))
    edits_b = edit_effects(rb, sb, own=scenario_edits(load_scenario(Path(rb.file))))
    ea, eb = evaluate(sa, region), evaluate(sb, region)
    name = f"compare-{ra.scenario.name}-vs-{rb.scenario.name}"
    out = (output_dir if output_dir is not None else default_output_dir()) / name
    pairs = compare_pairs(ea, eb)
    pop = compare_population(ea, eb, region)
    zones = compare_zones(ea, eb, region)
    vs = f"{ra.scenario.name} ({ra.scenario.period}) vs {rb.scenario.name} ({rb.scenario.period})"
    tier, snap = sb.roads.tier, sb.roads.snapshot
    pairs_def = (
        f"centre_to_centre door to door by mode (best: the faster of car and transit), clock minutes; generalized_minutes_*: "
        f"the same trips in generalized minutes (clock_vs_generalized: where the two minutes saved disagree in sign), {vs}"
    )
    write_table(pairs, out / "pairs.csv", provenance=table_provenance(tier=tier, snapshot=snap, definition=pairs_def))
    zones_def = f"zone population-weighted centroid to each city centre door to door, {vs}"
    write_table(zones, out / "zones.csv", provenance=table_provenance(tier=tier, snapshot=snap, definition=zones_def))
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
        "definition": pairs_def,
        "period": {"a": ra.scenario.period, "b": rb.scenario.period},
        "population_definition": pop_def,
        "pairs": pairs.to_dict(orient="records"),
        "clock_vs_generalized": {"means": EXPLAINED, "notes": table_notes(pairs)},
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
    map_path = None
    if write_map:
        changed = (ra.active ^ rb.active) or None
        m = isochrone_map(title=f"{rb.scenario.title or rb.scenario.name} vs {ra.scenario.title or ra.scenario.name}", isochrones=iso_b, rail=sb.rail, region=region, tier=sb.roads.tier, snapshot=sb.roads.snapshot, layers=MapLayers(base_isochrones=iso_a, difference=difference, projects=catalogue_frame(load_catalogue(), sb.rail.stops, active=set(changed) if changed else None), edits=_compare_edits_frame(ra.scenario.name, edits_a, rb.scenario.name, edits_b)), view=MapView(basemap=basemap, offline=offline, when=_compare_when(sa, sb)))
        map_path = (map_dir if map_dir is not None else default_map_dir()) / f"{name}.html"
        save_map(m, map_path)
    return CompareResult(
        a=ra.scenario.name,
        b=rb.scenario.name,
        tier=tier,
        snapshot=snap,
        pairs=pairs,
        zones=zones,
        population=pop,
        summary=summary,
        output_dir=out,
        map_path=map_path,
    )


def _compare_when(sa: NetworkState, sb: NetworkState) -> str:
    """The compared networks' year and period for the map footer: ``b's vs a's`` (one when they are the same)."""
    wa, wb = map_when(sa.year, sa.params.period), map_when(sb.year, sb.params.period)
    return wb if wa == wb else f"{wb} vs {wa}"


def _compare_edits_frame(name_a: str, edits_a: list[dict[str, Any]], name_b: str, edits_b: list[dict[str, Any]]) -> gpd.GeoDataFrame | None:
    """Both scenarios' hand-written edits for the compare map, one layer per scenario (B first)."""
    frames = [f for f in (edits_frame(edits_b, scenario=name_b), edits_frame(edits_a, scenario=f"{name_a} (reference)")) if len(f)]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs) if frames else None
