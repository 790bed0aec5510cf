"""One tab of the workbench: a scenario file, its edit log, and the evaluation of the log's latest state.

The log is the single source of truth: the scenario is the file's document with the log folded over it
(``editlog``), validated as a file would be. The file opened is evaluated in full once, keeping its
shortest-path trees; every edit then builds the edited network state and re-evaluates with ``reuse=`` that
evaluation (``network.analysis.metrics.evaluate``: only the origins whose trees an edit can change are
recomputed, on ``network.routing.incremental``), so the numbers are those of a fresh run of the saved YAML.

Each accepted edit raises the tab's generation; a computation checks its generation between stages and
stops (``Superseded``) once a newer edit has arrived, and only a result of the current generation is kept.
Tabs share nothing mutable: each holds its own states and evaluations.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import yaml

from network import OSM_ATTRIBUTION
from network._errors import InputError
from network.analysis.compare import compare_pairs, compare_population
from network.analysis.definitions import DEFINITIONS, measure
from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import Evaluation, centre_pairs_table, evaluate, half_hour_index, population_within_table, table_definitions
from network.model.graph import NetworkState
from network.model.region import CITIES, Region
from network.outputs.files import json_safe
from network.outputs.gis import edits_layer, transit_line_layer
from network.routing.route import route
from network.scenario.catalogue import catalogue_frame, load_catalogue
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import Scenario, parse_scenario, read_scenario_text
from network.serve.editlog import Append, ProjectToggle, Remove, When, fold, scenario_of, scenario_yaml
from network.serve.executor import Superseded
from network.serve.workspace import Workspace

__all__ = ["Snapshot", "Tab", "Tabs", "geojson"]

MODES = ("car", "transit", "best")
RECENT = 2
"""Evaluations a tab keeps besides the opened file's, by scenario, so that an undo is not computed again."""
Op = Append | Remove | ProjectToggle | When


def geojson(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """A GeoDataFrame as a GeoJSON dict (NaN written as null)."""
    doc: dict[str, Any] = json.loads(gdf.to_json(drop_id=True, ensure_ascii=False, na="null"))
    return doc


@dataclass
class Snapshot:
    """One evaluated scenario: its network state, evaluation, isochrones and the numbers the page shows."""

    generation: int
    scenario: Scenario
    resolved: ResolvedScenario
    state: NetworkState
    ev: Evaluation
    iso: gpd.GeoDataFrame
    numbers: dict[str, Any]
    definitions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def numbers_of(scenario: Scenario, resolved: ResolvedScenario, state: NetworkState, ev: Evaluation, region: Region) -> dict[str, Any]:
    """The side panel's numbers, named as a run's metrics.json names them (same tables, same rounding)."""
    period = resolved.scenario.period
    doc = {
        "scenario": scenario.name,
        "title": scenario.title,
        "year": state.year,
        "period": period,
        "network": {"tier": state.roads.tier, "snapshot": state.roads.snapshot},
        "definitions": table_definitions(period),
        "attribution": OSM_ATTRIBUTION,
        "projects_active": list(state.projects),
        "warnings": list(state.warnings),
        "centre_minutes": centre_pairs_table(ev).to_dict(orient="records"),
        "population_within_30": population_within_table(ev, region).to_dict(orient="records"),
        "half_hour_index": {m: half_hour_index(ev, region, m) for m in MODES},
        "recomputed_origins": {m: {"recomputed": a, "of": b} for m, (a, b) in ev.recomputed.items()},
    }
    safe, _ = json_safe(doc)
    out: dict[str, Any] = safe
    return out


@dataclass(frozen=True)
class Built:
    """A validated scenario and its network state (what an edit must reach before it is logged)."""

    scenario: Scenario
    resolved: ResolvedScenario
    state: NetworkState


def build(scenario: Scenario, *, file: str, workspace: Workspace) -> Built:
    """Resolve ``scenario`` (base chain from the workspace) and build its network state; a ``PlannerError`` as the CLI gives it."""
    resolved = resolve_projects(scenario, file=file, scenario_dir=workspace.root)
    return Built(scenario, resolved, build_state(resolved))


def evaluate_scenario(
    scenario: Scenario | Built,
    *,
    file: str,
    workspace: Workspace,
    region: Region,
    generation: int = 0,
    reuse: Evaluation | None = None,
    keep_trees: bool = False,
    check: Any = None,
) -> Snapshot:
    """Evaluate ``scenario`` (built first unless it is) incrementally from ``reuse`` when given, with its isochrones.

    ``check()`` is called between stages and raises ``Superseded`` to stop a computation no one will see.
    """
    stop = check or (lambda: None)
    built = scenario if isinstance(scenario, Built) else build(scenario, file=file, workspace=workspace)
    scenario, resolved, state = built.scenario, built.resolved, built.state
    stop()
    ev = evaluate(state, region, reuse=reuse, keep_trees=keep_trees)
    stop()
    iso = isochrone_polygons(ev.cell_minutes, region, resolved.scenario.thresholds_minutes)
    numbers = numbers_of(scenario, resolved, state, ev, region)
    return Snapshot(generation, scenario, resolved, state, ev, iso, numbers)


def comparison(base: Snapshot, snap: Snapshot, region: Region) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """Per-pair minutes saved and population gained against ``base`` (A = base, B = the tab), as ``compare`` writes
    them, and the areas gained and lost within 30 min (``isochrone_difference``)."""
    from network.outputs.maps import isochrone_difference  # lazy: the map module (folium) is not needed for the first page

    pairs = compare_pairs(base.ev, snap.ev)
    pop = compare_population(base.ev, snap.ev, region)
    diff = isochrone_difference(base.iso, snap.iso)
    doc = {
        "base": base.scenario.name,
        "pairs": pairs.to_dict(orient="records"),
        "population": pop.to_dict(orient="records"),
        "difference_within_30": diff.drop(columns="geometry").to_dict(orient="records"),
    }
    safe, _ = json_safe(doc)
    out: dict[str, Any] = safe
    return out, diff


def op_label(op: Op) -> str:
    """One line describing an edit for the page's log."""
    if isinstance(op, Append):
        item = op.item
        if isinstance(item, dict):
            return f"{op.field}: {item.get('type', '')} {item.get('name', '')}".strip()
        return f"{op.field}: {item}"
    if isinstance(op, Remove):
        return f"remove edit {op.name}"
    if isinstance(op, ProjectToggle):
        return f"{'include' if op.include else 'leave out'} project {op.project_id}"
    return "set " + ", ".join(f"{k} {v}" for k, v in (("year", op.year), ("period", op.period)) if v is not None)


class Tab:
    """A scenario file opened in one browser tab, with its edit log and evaluations.

    Methods without ``async`` run in a worker thread (they compute); the server serialises edits per tab.
    """

    def __init__(self, workspace: Workspace, file_name: str, region: Region) -> None:
        self.id = secrets.token_hex(8)
        self.workspace = workspace
        self.file_name = file_name
        self.path = workspace.existing(file_name)
        text, _notice = read_scenario_text(self.path)
        self.scenario = parse_scenario(text, file=str(self.path))  # the file's own errors, as the CLI gives them
        self.doc: dict[str, Any] = yaml.safe_load(text)
        self.region = region
        self.ops: list[Op] = []
        self.generation = 0
        self.lock = threading.Lock()
        self.root: Snapshot | None = None
        self.current: Snapshot | None = None
        self.base: Snapshot | None = None
        self.compare: dict[str, Any] | None = None
        self.compare_geo: gpd.GeoDataFrame | None = None
        self.last_used = time.monotonic()
        self.autosaved: Path | None = None
        self.recent: OrderedDict[str, Snapshot] = OrderedDict()
        self._base_file: str | None = None
        self.edited_name = f"{self.path} with the workbench's edits"
        """How errors name the edited scenario (a line number counts in the tab's YAML, GET /api/tabs/<id>/yaml)."""

    # ---- the log

    def doc_after(self, ops: list[Op]) -> dict[str, Any]:
        """The scenario document after ``ops``."""
        try:
            return fold(self.doc, ops)
        except ValueError as exc:
            raise InputError(str(self.path), "edit", str(exc)) from None

    def prepare(self, op: Op | None) -> tuple[list[Op], Built]:
        """The log with ``op`` appended (or the last edit undone when ``op`` is None), its scenario and network state.

        Raises ``InputError`` (or another ``PlannerError``) exactly as the scenario file would (bad field,
        unknown project or line id, base chain); the log is not changed.
        """
        ops = [*self.ops, op] if op is not None else self.ops[:-1]
        scenario = scenario_of(self.doc_after(ops), file=self.edited_name)
        return ops, build(scenario, file=self.edited_name, workspace=self.workspace)

    def accept(self, ops: list[Op], built: Built, *, autosave: bool = True) -> int:
        """Make ``ops`` the log; autosave its YAML (unless ``autosave=False``); the new generation."""
        with self.lock:
            self.ops = ops
            self.scenario = built.scenario
            self.generation += 1
            gen = self.generation
        if autosave:
            self.autosaved = self.workspace.autosave(self.id, self.yaml())
        return gen

    def yaml(self, *, name: str | None = None) -> str:
        """The scenario YAML of the current log (``name`` replaces the scenario's name)."""
        doc = self.doc_after(self.ops)
        if name is not None:
            doc["name"] = name
        header = f"Saved by the workbench from {self.file_name} after {len(self.ops)} edit(s):\n" + "\n".join(
            f"  {k + 1}. {op_label(op)}" for k, op in enumerate(self.ops)
        )
        return scenario_yaml(doc, header=header)

    def log(self) -> list[dict[str, Any]]:
        """The edit log for the page: position, the operation and a label."""
        return [{"index": k, "op": op.model_dump(), "label": op_label(op)} for k, op in enumerate(self.ops)]

    # ---- computing (worker threads)

    def check(self, generation: int) -> None:
        """Raise ``Superseded`` when a newer edit has arrived."""
        if self.generation != generation:
            raise Superseded(f"generation {generation} overtaken by {self.generation}")

    def open(self) -> Snapshot:
        """Evaluate the file as opened, in full, keeping the trees later edits reuse."""
        snap = evaluate_scenario(self.scenario, file=str(self.path), workspace=self.workspace, region=self.region, keep_trees=True)
        self.root = self.current = snap
        self.recent[self.scenario.model_dump_json()] = snap
        return snap

    def compute(self, generation: int, built: Built) -> Snapshot:
        """Evaluate ``built`` (the log at ``generation``) from the opened file's trees; kept only if still current.

        A scenario this tab evaluated a moment ago (an undo, an edit taken out and put back) is not evaluated
        again: the last ``RECENT`` results are kept by their scenario (validated, so equal means the same network).
        """
        assert self.root is not None
        key = built.scenario.model_dump_json()
        seen = self.recent.get(key)
        if seen is not None:
            snap = replace(seen, generation=generation)
        else:
            snap = evaluate_scenario(
                built,
                file=str(self.path),
                workspace=self.workspace,
                region=self.region,
                generation=generation,
                reuse=self.root.ev,
                check=lambda: self.check(generation),
            )
        cmp_doc, cmp_geo = self._compare(snap)
        with self.lock:
            self.check(generation)
            self.current = snap
            self.compare, self.compare_geo = cmp_doc, cmp_geo
            self.recent[key] = snap
            self.recent.move_to_end(key)
            while len(self.recent) > RECENT:
                self.recent.popitem(last=False)
        return snap

    def _compare(self, snap: Snapshot) -> tuple[dict[str, Any] | None, gpd.GeoDataFrame | None]:
        base = self.base
        if base is None:
            return None, None
        self.check(snap.generation)
        return comparison(base, snap, self.region)

    @property
    def base_file(self) -> str | None:
        """The workspace file the tab is compared against (None: no comparison)."""
        return self._base_file

    def set_base(self, file_name: str | None) -> None:
        """Compare against the workspace scenario ``file_name`` (evaluated in full here), or nothing."""
        if file_name is None:
            self.base, self.compare, self.compare_geo, self._base_file = None, None, None, None
            return
        path = self.workspace.existing(file_name)
        text, _ = read_scenario_text(path)
        scenario = parse_scenario(text, file=str(path))
        base = evaluate_scenario(scenario, file=str(path), workspace=self.workspace, region=self.region)
        self.base, self._base_file = base, file_name
        cur = self.current
        if cur is not None:
            cmp_doc, cmp_geo = self._compare(cur) if self.generation == cur.generation else (None, None)
            with self.lock:
                self.compare, self.compare_geo = cmp_doc, cmp_geo

    def definition(self, name: str) -> list[dict[str, Any]]:
        """The current state under one of the project's definitions (``network.analysis.definitions``), as rows."""
        if name not in DEFINITIONS:
            raise InputError("definition", "name", f"got {name!r}; expected one of {list(DEFINITIONS)}")
        snap = self.current
        assert snap is not None
        if name not in snap.definitions:
            table = measure(snap.state, self.region, scenario=snap.scenario.name, definitions=[name], ev=snap.ev)
            rows, _ = json_safe(table.to_dict(orient="records"))
            snap.definitions[name] = rows
        return snap.definitions[name]

    def route(self, from_lonlat: tuple[float, float], to_lonlat: tuple[float, float], mode: str) -> dict[str, Any]:
        """The route on the current state, as ``run_scenario.py route --json`` prints it."""
        snap = self.current
        assert snap is not None
        r = route(snap.state, from_lonlat, to_lonlat, mode, graphs=snap.ev.graphs)  # the graphs evaluate built for this state
        from network.api import ScenarioRoute  # lazy: network.api loads the batch runner (Dask), not needed for the first page

        return ScenarioRoute(route=r, scenario=snap.scenario.name, year=snap.state.year, period=snap.state.params.period).to_dict()

    # ---- what the page draws

    def layers(self) -> dict[str, Any]:
        """Rail lines, catalogue projects (with ``active``) and the scenario's own road edits, as GeoJSON."""
        snap = self.current
        assert snap is not None
        rail = transit_line_layer(snap.state.rail)
        projects = catalogue_frame(load_catalogue(), snap.state.rail.stops)
        projects["active"] = projects["id"].isin(set(snap.state.projects))
        drawn = edits_layer(list(snap.resolved.scenario.add), snap.state.rail)  # transit edits along their line's stops
        edits = [
            {
                "type": "Feature",
                "properties": {"name": r.name, "type": r.type},
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in r.geometry.coords]},
            }
            for r in drawn.itertuples()
            if r.geometry is not None
        ]
        return {"rail": geojson(rail), "projects": geojson(projects), "edits": {"type": "FeatureCollection", "features": edits}}

    def isochrones(self, mode: str, centre: str) -> dict[str, Any]:
        """The isochrones of one mode and centre, and (with a base) the areas gained and lost within 30 min."""
        if mode not in MODES or centre not in CITIES:
            raise InputError("isochrones", "mode/centre", f"got {mode!r}/{centre!r}; expected a mode in {list(MODES)} and a centre in {list(CITIES)}")
        snap = self.current
        assert snap is not None
        iso = snap.iso[(snap.iso["mode"] == mode) & (snap.iso["centre"] == centre)]
        out: dict[str, Any] = {"generation": snap.generation, "isochrones": geojson(iso)}
        diff = self.compare_geo
        if diff is not None:
            out["difference"] = geojson(diff[(diff["mode"] == mode) & (diff["centre"] == centre)])
        return out

    def state_doc(self) -> dict[str, Any]:
        """What the page needs after an edit: generation, log, numbers, comparison."""
        snap = self.current
        assert snap is not None
        return {
            "tab": self.id,
            "file": self.file_name,
            "generation": snap.generation,
            "log": self.log(),
            "numbers": snap.numbers,
            "compare": self.compare,
            "autosaved": self.autosaved.name if self.autosaved else None,
        }


class Tabs:
    """The tabs held in memory, at most ``cap``: opening one more forgets the least recently used (its
    YAML stays autosaved in the workspace)."""

    def __init__(self, cap: int) -> None:
        self.cap = max(1, cap)
        self._tabs: OrderedDict[str, Tab] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, tab: Tab) -> list[str]:
        """Hold ``tab``; the ids of the tabs forgotten to make room."""
        with self._lock:
            self._tabs[tab.id] = tab
            gone = []
            while len(self._tabs) > self.cap:
                old, _ = self._tabs.popitem(last=False)
                gone.append(old)
            return gone

    def get(self, tab_id: str) -> Tab:
        """The tab ``tab_id`` (marked as used); ``KeyError`` when unknown or forgotten."""
        with self._lock:
            tab = self._tabs[tab_id]
            self._tabs.move_to_end(tab_id)
            tab.last_used = time.monotonic()
            return tab

    def drop(self, tab_id: str) -> None:
        """Forget ``tab_id`` (no error when unknown)."""
        with self._lock:
            self._tabs.pop(tab_id, None)

    def __len__(self) -> int:
        """How many tabs are held."""
        return len(self._tabs)
