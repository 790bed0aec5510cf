"""Comparison, timeline and per-project attribution over scenarios."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from network.analysis.clock_generalized import disagreement_note, signs_disagree
from network.analysis.metrics import HALF_HOUR_MINUTES, Evaluation, evaluate, half_hour_index
from network.model.region import CITIES, Region
from network.scenario.catalogue import Project, load_catalogue
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import EditSpec, Scenario, edit_type, load_scenario, scenario_edits, with_edits

log = logging.getLogger(__name__)
MODES = ("car", "transit", "best")


def pair_minutes(ev: Evaluation, *, generalized: bool = False) -> dict[tuple[str, str, str], float]:
    """{(from, to, mode): minutes} for the 6 ordered pairs: clock minutes, or with ``generalized`` the
    generalized minutes of the same trips (``Evaluation.centre_generalized_minutes``)."""
    out = {}
    for mode in MODES:
        m = (ev.centre_generalized_minutes if generalized else ev.centre_minutes)[mode]
        for i, a in enumerate(CITIES):
            for j, b in enumerate(CITIES):
                if i != j:
                    out[(a, b, mode)] = float(m[i, j])
    return out


def compare_pairs(a: Evaluation, b: Evaluation) -> pd.DataFrame:
    """Per pair and mode: clock minutes in A and B, minutes saved (A − B, positive = B faster), the same in
    generalized minutes (``generalized_minutes_*``; car: its clock minutes; best: those of the mode it takes),
    and ``clock_vs_generalized``: a note where the two minutes saved have opposite signs, else None."""
    pa, pb = pair_minutes(a), pair_minutes(b)
    ga, gb = pair_minutes(a, generalized=True), pair_minutes(b, generalized=True)
    rows = [
        {
            "from": k[0],
            "to": k[1],
            "mode": k[2],
            "minutes_a": round(pa[k], 2),
            "minutes_b": round(pb[k], 2),
            "minutes_saved": round(pa[k] - pb[k], 2),
            "within_30_a": pa[k] <= HALF_HOUR_MINUTES,
            "within_30_b": pb[k] <= HALF_HOUR_MINUTES,
            "generalized_minutes_a": round(ga[k], 2),
            "generalized_minutes_b": round(gb[k], 2),
            "generalized_minutes_saved": round(ga[k] - gb[k], 2),
            "clock_vs_generalized": disagreement_note(f"{k[0]}->{k[1]} {k[2]}", pa[k] - pb[k], ga[k] - gb[k], mode=str(k[2])),
        }
        for k in pa
    ]
    return pd.DataFrame(rows)


def compare_zones(a: Evaluation, b: Evaluation, region: Region) -> pd.DataFrame:
    """Per zone, centre and mode: population-weighted mean minutes in A and B, and minutes saved."""
    pop = region.grid["population"].to_numpy(dtype=float)
    zone = region.grid["zone_id"].to_numpy()
    names = dict(zip(region.zones["zone_id"].astype(str), region.zones["name_zh"]))
    rows = []
    for mode in MODES:
        for i, centre in enumerate(CITIES):
            ta, tb = a.cell_minutes[mode][i], b.cell_minutes[mode][i]
            for z in sorted(set(zone)):
                sel = (zone == z) & np.isfinite(ta) & np.isfinite(tb)
                w = pop[sel]
                if w.sum() <= 0:
                    continue
                ma = float((ta[sel] * w).sum() / w.sum())
                mb = float((tb[sel] * w).sum() / w.sum())
                rows.append(
                    {
                        "zone_id": z,
                        "zone": names.get(z, z),
                        "centre": centre,
                        "mode": mode,
                        "minutes_a": round(ma, 2),
                        "minutes_b": round(mb, 2),
                        "minutes_saved": round(ma - mb, 2),
                    }
                )
    return pd.DataFrame(rows)


def compare_population(a: Evaluation, b: Evaluation, region: Region, minutes: float = HALF_HOUR_MINUTES) -> pd.DataFrame:
    """Per centre and mode: population newly within ``minutes`` in B, and population no longer within."""
    pop = region.grid["population"].to_numpy(dtype=float)
    rows = []
    for mode in MODES:
        for i, centre in enumerate(CITIES):
            ina = a.cell_minutes[mode][i] <= minutes
            inb = b.cell_minutes[mode][i] <= minutes
            rows.append(
                {
                    "centre": centre,
                    "mode": mode,
                    "population_within_a": int(pop[ina].sum()),
                    "population_within_b": int(pop[inb].sum()),
                    "newly_within": int(pop[inb & ~ina].sum()),
                    "no_longer_within": int(pop[ina & ~inb].sum()),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- timeline


def year_scenarios(scenario_dir: Path) -> list[tuple[Path, Scenario]]:
    """Scenario files in ``scenario_dir`` that set a ``year``, sorted by year then name."""
    out = []
    for path in sorted(scenario_dir.glob("*.yaml")):
        sc = load_scenario(path)
        if sc.year is not None:
            out.append((path, sc))
    return sorted(out, key=lambda t: (t[1].year or 0, t[1].name))


def timeline_table(evals: list[tuple[Scenario, Evaluation]], region: Region) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(minutes by year/pair/mode, half-hour index by year/mode)."""
    rows = []
    idx = []
    for sc, ev in evals:
        for (a, b, mode), m in pair_minutes(ev).items():
            rows.append(
                {
                    "year": sc.year,
                    "scenario": sc.name,
                    "from": a,
                    "to": b,
                    "mode": mode,
                    "minutes": round(m, 2),
                    "within_30": m <= HALF_HOUR_MINUTES,
                }
            )
        for mode in MODES:
            idx.append({"year": sc.year, "scenario": sc.name, "mode": mode, "half_hour_index": half_hour_index(ev, region, mode)})
    return pd.DataFrame(rows), pd.DataFrame(idx)


def slower_direction(minutes: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """For each pair of centres, the minutes by year of the slower of its two directions (``year``, ``minutes``):
    a chart with one line per pair shows the direction that is farther from 30 minutes, never hides it."""
    out = []
    for i, a in enumerate(CITIES):
        for b in CITIES[i + 1 :]:
            both = minutes[((minutes["from"] == a) & (minutes["to"] == b)) | ((minutes["from"] == b) & (minutes["to"] == a))]
            slower = both.groupby("year", as_index=False)["minutes"].max()
            out.append((a, b, pd.DataFrame(slower).sort_values("year")))
    return out


# ---------------------------------------------------------------- attribution


@dataclass(frozen=True)
class AttributionResult:
    """Per project: minutes and index gained, leave-one-out and add-one-in, with warnings."""

    table: pd.DataFrame
    """One row per project: leave-one-out and add-one-in minutes saved per pair/mode, index change."""
    warnings: list[str]
    origins_recomputed: tuple[int, int] = (0, 0)
    """(origin trees recomputed, origin trees a full re-evaluation of every state would compute)."""


def _headline(ev: Evaluation, region: Region) -> dict[str, float]:
    out = {f"{a}->{b}:{mode}": m for (a, b, mode), m in pair_minutes(ev).items()}
    out["index:best"] = half_hour_index(ev, region, "best")
    return out


def _generalized_headline(ev: Evaluation) -> dict[str, float]:
    return {f"{a}->{b}:{mode}": m for (a, b, mode), m in pair_minutes(ev, generalized=True).items()}


@dataclass(frozen=True)
class Headlines:
    """Pair minutes ({"<from>-><to>:<mode>": minutes}) of the four states of an attribution item."""

    full: dict[str, float]
    loo: dict[str, float]
    base: dict[str, float]
    aoi: dict[str, float]


GENERALIZED_MODES = ("transit", "best")
"""The modes whose generalized minutes can differ from their clock minutes (car: cost = clock)."""


def _generalized_effects(key: str, clock: Headlines, gen: Headlines) -> dict[str, object]:
    """Leave-one-out and add-one-in in generalized minutes, summed per mode (transit, best), and
    ``clock_vs_generalized``: a note per measure and mode whose clock and generalized totals over the six
    pairs, or some pair's, disagree in sign ('' when none). ``clock`` and ``gen``: the pair minutes of the
    full scenario, without the item, of the reference and with the item (:func:`_headline`)."""
    row: dict[str, object] = {}
    notes: list[str] = []
    for measure, (c_after, c_before), (g_after, g_before) in (
        ("loo", (clock.loo, clock.full), (gen.loo, gen.full)),
        ("aoi", (clock.base, clock.aoi), (gen.base, gen.aoi)),
    ):
        for mode in GENERALIZED_MODES:
            keys = [k for k in gen.full if k.endswith(f":{mode}")]
            c_saved = {k: c_after[k] - c_before[k] for k in keys}
            g_saved = {k: g_after[k] - g_before[k] for k in keys}
            g_total = float(sum(g_saved.values()))
            row[f"{measure}_generalized_minutes_{mode}_total"] = round(g_total, 2)
            pairs = [k.rsplit(":", 1)[0] for k in keys if signs_disagree(c_saved[k], g_saved[k])]
            note = disagreement_note(f"{key} ({measure}, {mode}, six pairs)", float(sum(c_saved.values())), g_total, mode=mode)
            if note is not None or pairs:
                head = note if note is not None else f"{key} ({measure}, {mode}): clock and generalized minutes saved disagree in sign"
                notes.append(f"{head} [pairs: {', '.join(pairs)}]" if pairs else head)
    row["clock_vs_generalized"] = "; ".join(notes)
    return row


def differing_edits(resolved: ResolvedScenario, against: ResolvedScenario) -> list[str]:
    """Names of the hand-written edits ``resolved`` makes that ``against`` does not make identically."""
    theirs = scenario_edits(against.scenario)
    return [n for n, spec in scenario_edits(resolved.scenario).items() if theirs.get(n) != spec]


def _edits_state(resolved: ResolvedScenario, edits: dict[str, EditSpec]) -> ResolvedScenario:
    return replace(resolved, scenario=with_edits(resolved.scenario, edits))


def _pair_effects(h_full: dict[str, float], h_loo: dict[str, float], h_base: dict[str, float], h_aoi: dict[str, float]) -> dict[str, float]:
    """Per pair and mode, and summed per mode: leave-one-out and add-one-in minutes, and the leave-one-out
    minutes saved and lost apart (a timetable change can speed one pair and slow another)."""
    row: dict[str, float] = {}
    total_loo = dict.fromkeys(MODES, 0.0)
    total_aoi = dict.fromkeys(MODES, 0.0)
    saved = dict.fromkeys(MODES, 0.0)
    lost = dict.fromkeys(MODES, 0.0)
    for k in h_full:
        if k.startswith("index"):
            continue
        mode = k.rsplit(":", 1)[1]
        loo = h_loo[k] - h_full[k]
        aoi = h_base[k] - h_aoi[k]
        row[f"loo:{k}"] = round(loo, 2)
        row[f"aoi:{k}"] = round(aoi, 2)
        total_loo[mode] += loo
        total_aoi[mode] += aoi
        if np.isfinite(loo):
            saved[mode] += max(loo, 0.0)
            lost[mode] += max(-loo, 0.0)
    row["loo_minutes_best_total"] = round(total_loo["best"], 2)
    row["aoi_minutes_best_total"] = round(total_aoi["best"], 2)
    for mode in ("car", "transit"):
        row[f"loo_minutes_{mode}_total"] = round(total_loo[mode], 2)
        row[f"aoi_minutes_{mode}_total"] = round(total_aoi[mode], 2)
    for mode in MODES:
        row[f"loo_minutes_{mode}_saved"] = round(saved[mode], 2)
        row[f"loo_minutes_{mode}_lost"] = round(lost[mode], 2)
    return row


ROAD_ITEM_TYPES = ("road_upgrade", "new_road", "road_closure", "road_opening")
"""Project and edit types that change roads: one that changes no cell's time is probably not connected."""

UNCHANGED_MINUTES = 0.005
"""A column of an attribution or shares row within this many minutes (or index points) of zero is ~0
(the tables are rounded to 0.01)."""

_ROW_NUMBERS = ("loo_", "aoi_", "shapley_", "alone_", "interaction_")


def superseding_services(key: str, active: frozenset[str] | set[str], cat: dict[str, Project]) -> list[str]:
    """The later rail-service projects active beside ``key`` (a rail_service project) that set the service
    of one of its lines: a timetable change they overtake changes nothing in their years."""
    mine = cat.get(key)
    if mine is None or mine.type != "rail_service" or mine.opened is None:
        return []
    lines = set(mine.line_ids or [])
    out = []
    for pid in active:
        p = cat.get(pid)
        if pid != key and p is not None and p.type == "rail_service" and p.opened is not None and p.opened > mine.opened:
            if lines & set(p.line_ids or []):
                out.append(pid)
    return sorted(out, key=lambda pid: (cat[pid].opened, pid))


def no_effect_warning(item: str, key: str, item_type: str, superseded_by: list[str]) -> str:
    """The warning for an attribution item that changes no cell's time by either measure: a road edit is
    probably not connected to the network; a service or timetable change is overtaken by a later one
    (``superseded_by``) or otherwise sets nothing the scenario's year and period run."""
    head = f"{item} {key} changes no travel time to any cell"
    if item_type in ROAD_ITEM_TYPES:
        return f"{head}: it is probably not connected to the network"
    if superseded_by:
        return f"{head}: a service change superseded by the later {', '.join(superseded_by)} in this year's timetable"
    return f"{head}: a service change that sets nothing this year and period run (its lines may not run, or already run so)"


def centre_unchanged_items(table: pd.DataFrame, shares: pd.DataFrame | None = None) -> list[str]:
    """Items of an attribution ``table`` that change some cell's time (``changes_any_time``) but no
    centre-to-centre minute: every minutes and index column of the row ~0 (``UNCHANGED_MINUTES``), and of
    its row in the ``shares`` table if given (alone, order-independent share, interaction)."""

    def zero(row: pd.Series) -> bool:
        vals = [row[c] for c in row.index if str(c).startswith(_ROW_NUMBERS) and isinstance(row[c], (int, float, np.number))]
        return all(np.isfinite(float(v)) and abs(float(v)) < UNCHANGED_MINUTES for v in vals)

    share_rows = {str(r["project"]): r for _, r in shares.iterrows()} if shares is not None and len(shares) else {}
    out = []
    for _, row in table.iterrows():
        key = str(row["project"])
        if bool(row.get("changes_any_time", True)) and zero(row) and (key not in share_rows or zero(share_rows[key])):
            out.append(key)
    return out


def attribution(
    resolved: ResolvedScenario,
    against: ResolvedScenario,
    region: Region,
    *,
    catalogue: dict[str, Project] | None = None,
    incremental: bool = True,
) -> AttributionResult:
    """Each project's and each hand-written edit's contribution to ``resolved`` relative to ``against``.

    The items are the catalogue projects active in ``resolved`` but not in ``against`` (``item``
    'project'), then the hand-written edits (``add:`` entries and ``remove_lines``, named by their name or
    line id; ``item`` 'edit') that ``resolved`` makes and ``against`` does not make identically. Both
    measures use the scenario's year (rail lines, period):

    - leave-one-out: metric(scenario without the item) − metric(scenario), i.e. minutes it saves at the margin;
    - add-one-in: metric(against + the item) − metric(against), with the scenario's rail/year and
      ``against``'s own projects and edits.

    Positive minutes = the item makes trips faster (a closure or a removed line comes out negative).
    Index columns are the change in the half-hour-circle index (best) it brings (positive = better).

    ``incremental``: each leave-one-out state is evaluated from the full scenario's shortest-path
    trees and each add-one-in state from the reference's, recomputing only the origins the item can
    change (same results as evaluating every state in full; items that add nodes are evaluated in full).
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    projects = sorted(resolved.active - against.active, key=lambda p: list(cat).index(p))
    mine = scenario_edits(resolved.scenario)
    theirs = scenario_edits(against.scenario)
    edits = differing_edits(resolved, against)
    reference = _edits_state(resolved, theirs)  # the scenario's year, rail and period with against's edits
    full = evaluate(build_state(resolved), region, keep_trees=incremental)
    base = evaluate(build_state(reference, active=against.active), region, keep_trees=incremental)
    h_full, h_base = _headline(full, region), _headline(base, region)
    g_full, g_base = _generalized_headline(full), _generalized_headline(base)
    rows = []
    warnings = []
    done = total = 0
    items = [("project", pid) for pid in projects] + [("edit", name) for name in edits]
    for item, key in items:
        if item == "project":
            loo_state = build_state(resolved, active=resolved.active - {key})
            aoi_state = build_state(reference, active=against.active | {key})
            row: dict[str, object] = {
                "item": item,
                "project": key,
                "name_zh": cat[key].name_zh,
                "type": cat[key].type,
                "year": cat[key].year,
            }
        else:
            loo_state = build_state(_edits_state(resolved, {n: s for n, s in mine.items() if n != key}))
            aoi_edits = {**{n: s for n, s in theirs.items() if n != key}, key: mine[key]}
            aoi_state = build_state(_edits_state(resolved, aoi_edits), active=against.active)
            row = {"item": item, "project": key, "name_zh": key, "type": edit_type(mine[key]), "year": None}
        loo_ev = evaluate(loo_state, region, reuse=full if incremental else None)
        aoi_ev = evaluate(aoi_state, region, reuse=base if incremental else None)
        for ev in (loo_ev, aoi_ev):
            done += sum(r[0] for r in ev.recomputed.values())
            total += sum(r[1] for r in ev.recomputed.values())
        h_loo, h_aoi = _headline(loo_ev, region), _headline(aoi_ev, region)
        row.update(_pair_effects(h_full, h_loo, h_base, h_aoi))
        gen = Headlines(g_full, _generalized_headline(loo_ev), g_base, _generalized_headline(aoi_ev))
        row.update(_generalized_effects(key, Headlines(h_full, h_loo, h_base, h_aoi), gen))
        row["loo_index_best"] = round(h_full["index:best"] - h_loo["index:best"], 4)
        row["aoi_index_best"] = round(h_aoi["index:best"] - h_base["index:best"], 4)
        no_effect = all(
            np.array_equal(loo_ev.cell_minutes[m], full.cell_minutes[m]) and np.array_equal(aoi_ev.cell_minutes[m], base.cell_minutes[m])
            for m in ("car", "transit")
        )
        row["changes_any_time"] = not no_effect
        if no_effect:
            later = superseding_services(key, resolved.active, cat) if item == "project" else []
            warnings.append(no_effect_warning(item, key, str(row["type"]), later))
            log.warning(warnings[-1])
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table):
        table["year"] = table["year"].astype("Int64")
        table = table.sort_values(
            ["loo_minutes_best_total", "aoi_minutes_best_total", "project"], ascending=[False, False, True]
        ).reset_index(drop=True)
        table.insert(0, "rank", np.arange(1, len(table) + 1))
    return AttributionResult(table=table, warnings=warnings, origins_recomputed=(done, total))


def resolve_file(path: Path) -> ResolvedScenario:
    """The scenario in ``path`` with its base chain, year and active projects resolved."""
    return resolve_projects(load_scenario(path), file=str(path))
