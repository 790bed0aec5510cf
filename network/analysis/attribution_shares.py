"""Shares of the centre-to-centre change from a reference scenario to a scenario that add up.

Items: the catalogue projects the scenario has and the reference has not, the hand-written edits it
makes differently, and, when the two differ in year or period, one item for everything the year brings
outside the catalogue (the dated road openings and class changes of ``scenario.dated``, rail lines and
timetables by year, the period). The value of a coalition is the minutes of the six centre pairs per
mode of the *reference as it is* plus those items; so with no item it is the reference itself, and
the change of all items differs from the scenario's only by what the reference has and the scenario
does not (reported as ``unexplained``). See ``analysis.shapley`` for the shares.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from network.analysis.clock_generalized import disagreement_note
from network.analysis.compare import GENERALIZED_MODES, MODES, differing_edits
from network.analysis.metrics import centre_costs
from network.analysis.shapley import EXACT_MAX_ITEMS, SAMPLES, Shares, shapley_shares
from network.model.region import CITIES, Region
from network.model.types import FloatArray
from network.scenario.catalogue import load_catalogue
from network.scenario.dated import dated_road_changes
from network.scenario.resolve import ResolvedScenario, build_state
from network.scenario.schema import scenario_edits, with_edits

Item = tuple[str, str]
"""An attribution item: (``project`` | ``edit`` | ``dated``, its id)."""
DATED: Item = ("dated", "year")
"""The item standing for what the scenario's year and period bring outside the catalogue."""
KEYS = [(a, b, m) for m in MODES for a in CITIES for b in CITIES if a != b]
"""The metric vector's order: (from, to, mode) of the six ordered centre pairs, per mode: clock minutes, then
the generalized minutes of the same trips in the same order (the shares are linear, so each half adds up alone)."""


@dataclass(frozen=True)
class ShareTable:
    """Per item: Shapley share, effect alone and interaction part (minutes over the six pairs, per mode), and
    the summary that adds up (``summary``: total change, sums, unexplained, how the shares were computed)."""

    table: pd.DataFrame
    summary: dict[str, Any]
    shares: Shares


def _item(x: Hashable) -> Item:
    assert isinstance(x, tuple) and len(x) == 2
    return (str(x[0]), str(x[1]))


def _vector(costs: tuple[dict[str, FloatArray], dict[str, FloatArray]]) -> FloatArray:
    """Clock then generalized minutes (``metrics.centre_costs``) in ``KEYS`` order."""
    at = {c: k for k, c in enumerate(CITIES)}
    return np.array([minutes[m][at[a], at[b]] for minutes in costs for a, b, m in KEYS], dtype=float)


def _per_mode(v: FloatArray) -> dict[str, float]:
    """Clock minutes per mode of a metric vector (its first half)."""
    return {m: round(float(sum(x for k, x in zip(KEYS, v) if k[2] == m)), 2) + 0.0 for m in MODES}  # + 0.0: no "-0.0"


def _per_mode_generalized(v: FloatArray) -> dict[str, float]:
    """Generalized minutes per mode of a metric vector (its second half), the modes where they can differ."""
    return {m: x for m, x in _per_mode(v[len(KEYS) :]).items() if m in GENERALIZED_MODES}


def _dated_label(resolved: ResolvedScenario, against: ResolvedScenario) -> tuple[str, str]:
    y1, y0 = resolved.scenario.year, against.scenario.year
    if y0 is not None and y1 is not None and y0 != y1:
        lo, hi = sorted((y0, y1))
        changes = [c for c in dated_road_changes() if lo < c.date.year <= hi]
        named = "; ".join(f"{c.name} ({c.kind}, {c.date.isoformat()})" for c in changes)
        label = f"network changes dated {lo + 1}–{hi} outside the catalogue" if lo + 1 < hi else f"network changes dated {hi} outside the catalogue"
        return label, (f"{named}; and rail lines and timetables by year" if named else "rail lines and timetables by year")
    return "the scenario's year and period outside the catalogue", f"year {y0} → {y1}, period {against.scenario.period} → {resolved.scenario.period}"


def attribution_shares(
    resolved: ResolvedScenario, against: ResolvedScenario, region: Region, *, exact_max_items: int = EXACT_MAX_ITEMS, samples: int = SAMPLES
) -> ShareTable:
    """Shapley shares of the change from ``against`` to ``resolved`` in centre-to-centre minutes (see the module docstring)."""
    cat = load_catalogue()
    projects = sorted(resolved.active - against.active, key=lambda p: list(cat).index(p))
    mine, theirs = scenario_edits(resolved.scenario), scenario_edits(against.scenario)
    edits = differing_edits(resolved, against)
    differs = (resolved.scenario.year, resolved.scenario.period) != (against.scenario.year, against.scenario.period)
    items: list[Item] = [("project", p) for p in projects] + [("edit", e) for e in edits] + ([DATED] if differs else [])

    def minutes_with(coalition: frozenset[Hashable]) -> FloatArray:
        chosen = [_item(c) for c in coalition]
        chosen_edits = {name for kind, name in chosen if kind == "edit"}
        chosen_projects = {name for kind, name in chosen if kind == "project"}
        edit_set = {n: s for n, s in theirs.items() if n not in chosen_edits} | {n: mine[n] for n in chosen_edits}
        frame = resolved if DATED in coalition else against  # the year, rail and period the coalition runs in
        state = build_state(replace(frame, scenario=with_edits(frame.scenario, edit_set)), active=against.active | chosen_projects)
        return _vector(centre_costs(state, region))

    shares = shapley_shares(items, minutes_with, exact_max_items=exact_max_items, samples=samples)
    scenario_v = _vector(centre_costs(build_state(resolved), region))
    reference_v = minutes_with(frozenset())
    total = reference_v - scenario_v
    unexplained = total - shares.all_items
    label, members = _dated_label(resolved, against)
    rows = []
    for item in items:
        kind, key = item
        name = label if item == DATED else (cat[key].name_zh if kind == "project" else key)
        row: dict[str, Any] = {"item": kind, "project": key if item != DATED else "dated", "name_zh": name}
        if item == DATED:
            row["includes"] = members
        for prefix, vec in (("shapley", shares.shapley[item]), ("alone", shares.alone[item]), ("interaction", shares.interaction(item))):
            for mode, v in _per_mode(vec).items():
                row[f"{prefix}_minutes_{mode}_total"] = v
            for mode, v in _per_mode_generalized(vec).items():
                row[f"{prefix}_generalized_minutes_{mode}_total"] = v
        row["clock_vs_generalized"] = _share_notes(str(row["project"]), shares.shapley[item])
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table):
        table = table.sort_values(["shapley_minutes_best_total", "project"], ascending=[False, True]).reset_index(drop=True)
    summary = {
        "reference": against.scenario.name,
        "scenario": resolved.scenario.name,
        "measure": "minutes saved (reference − scenario), summed over the six ordered centre pairs, door to door, per mode",
        "total_change": _per_mode(total),
        "sum_of_shares": _per_mode(shares.all_items),
        "sum_alone": _per_mode(sum((shares.alone[i] for i in items), np.zeros_like(total))),
        "interactions": _per_mode(sum((shares.interaction(i) for i in items), np.zeros_like(total))),
        "unexplained": _per_mode(unexplained),
        "total_change_generalized": _per_mode_generalized(total),
        "sum_of_shares_generalized": _per_mode_generalized(shares.all_items),
        "generalized_means": (
            "the same sums in generalized minutes (walk and wait weighted, a penalty per extra boarding: the cost transit "
            "paths are chosen by; best: those of the mode it takes); the clock minutes are the headline"
        ),
        "unexplained_means": "what the reference has and the scenario does not (projects it excludes, edits it drops): not an item",
        "shapley": shares.about(),
    }
    return ShareTable(table, summary, shares)


def _share_notes(label: str, shapley: FloatArray) -> str:
    """The notes of an item whose Shapley share in clock and in generalized minutes (transit, best; over the
    six pairs) disagree in sign, joined by '; ' ('' when none)."""
    clock, gen = _per_mode(shapley), _per_mode_generalized(shapley)
    notes = [disagreement_note(f"{label} (shapley, {m}, six pairs)", clock[m], gen[m], mode=m) for m in GENERALIZED_MODES]
    return "; ".join(n for n in notes if n is not None)
