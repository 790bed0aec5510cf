"""The workbench's HTTP application (FastAPI): the page, and a JSON API scripts and GIS tools can use too.

Every computation runs on worker threads (``executor.DaemonExecutor``), never on the event loop; edits of
one tab are taken one at a time (validated, logged, autosaved) while their evaluations may overlap, and a
result overtaken by a newer edit is answered ``{"superseded": true}`` and never kept. The OpenAPI
description is at ``/api/openapi.json`` (behind the token like everything else).
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from network import OSM_ATTRIBUTION, __version__
from network._errors import InputError, PlannerError
from network.analysis.compare import compare_pairs
from network.analysis.definitions import DEFINITIONS
from network.geo import lonlat_message
from network.model.region import CITIES, CITY_ZH, Region, load_region
from network.model.speeds import ROAD_CLASSES
from network.outputs.files import json_safe
from network.scenario.catalogue import load_catalogue
from network.scenario.resolve import base_network
from network.scenario.schema import parse_scenario, read_scenario_text
from network.serve.editlog import EditOp, edit_variants
from network.serve.executor import DaemonExecutor, Superseded
from network.serve.guard import Guard
from network.serve.page import page_html
from network.serve.session import MODES, Snapshot, Tab, Tabs, evaluate_scenario
from network.serve.workspace import Workspace

__all__ = ["Settings", "Workbench", "create_app", "guarded"]

T = TypeVar("T")
LonLat = tuple[float, float]
"""A WGS-84 [lon, lat] pair; checked by ``RouteRequest.checked`` with the CLI's words (a swapped pair is named)."""
Mode = Literal["car", "transit", "best"]


class Settings(BaseModel):
    """How a workbench runs: workspace, token, the Host names it answers to, tab cap, workers, basemap."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    workspace: Workspace
    token: str
    hosts: frozenset[str]
    max_tabs: int = 6
    workers: int = 2
    basemap: Literal["none", "osm"] = "none"


class OpenTab(BaseModel):
    """Open a workspace scenario file (or a shipped one, read only) in a new tab."""

    file: str = Field(description="bare file name in the workspace, e.g. year-2023.yaml, or a shipped scenario, e.g. shipped/surveyed.yaml")


class EditRequest(BaseModel):
    """One edit of the tab's log."""

    op: EditOp


class BaseRequest(BaseModel):
    """Compare the tab against another workspace scenario (``null``: no comparison)."""

    file: str | None = None


class RouteRequest(BaseModel):
    """Two points (WGS-84 lon, lat) and a mode."""

    from_: LonLat = Field(alias="from")
    to: LonLat
    mode: Mode = "best"

    def checked(self) -> None:
        """Refuse a point outside the study area or given as [lat, lon], as ``route --from`` does (an
        ``InputError`` naming the field and value: a 422 with one readable ``error``)."""
        for field, (lon, lat) in (("from", self.from_), ("to", self.to)):
            problem = lonlat_message(lon, lat, f"[{lon}, {lat}]")
            if problem:
                raise InputError("request body", field, problem)


class RouteInScenario(RouteRequest):
    """A route on a workspace scenario, optionally in another year or period (as ``route --year --period``)."""

    scenario: str
    year: int | None = Field(default=None, ge=1990, le=2060)
    period: Literal["am_peak", "off_peak"] | None = None


class SaveRequest(BaseModel):
    """Save the tab's scenario as ``<name>.yaml`` in the workspace."""

    name: str
    overwrite: bool = False


class EffectRequest(BaseModel):
    """The effect of one edit on a workspace scenario (nothing is kept)."""

    scenario: str
    op: EditOp


DEFERRED_MODULES = ("network.api", "network.outputs.maps")
"""Loaded once the first isochrones are served (routes, comparisons and exports need them; the first page's
numbers and map do not): the map module (folium), the report (matplotlib) and the batch runner (Dask) behind
``network.api``. Loaded beside the page's isochrones request they held it 0.08 -> 0.58 s; 1.5 s after the tab
opened they held the benchmark's first route (1.2 s)."""


class Workbench:
    """One server's state: workspace, tabs in memory, worker threads, the region (loaded once, read only)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ws = settings.workspace
        self.executor = DaemonExecutor(settings.workers)
        self.tabs = Tabs(settings.max_tabs)
        self.edit_locks: dict[str, asyncio.Lock] = {}
        self._region: Region | None = None
        self._deferred_loaded = False
        self._loading = threading.RLock()
        """Held while the region (and, in ``warm``, what a first tab reads) is loaded: a request arriving then
        waits for that load instead of repeating it beside it (the caches below do not lock)."""

    def region(self) -> Region:
        """Zones, grid and centres (loaded on first use)."""
        with self._loading:
            if self._region is None:
                self._region = load_region()
            return self._region

    def warm(self) -> None:
        """Read what every first tab needs (region, catalogue, the embedded base network) while the browser opens;
        the first page's requests (meta, opening a tab) wait for it rather than read the same files beside it."""
        with self._loading:
            self.region()
            load_catalogue()
            base_network("embedded")

    def load_the_rest_later(self) -> None:
        """Once (after the first isochrones are served): load, on a worker, the modules the first page does without
        (``DEFERRED_MODULES``), so that the first route, comparison or export does not wait for them."""
        if not self._deferred_loaded:
            self._deferred_loaded = True
            for name in DEFERRED_MODULES:
                self.executor.submit(importlib.import_module, name)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker thread, awaited."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args))

    async def change(self, tab: Tab, op: Any) -> dict[str, Any]:
        """Validate and log one edit (``None``: undo), then re-evaluate; superseded results are not returned."""
        lock = self.edit_locks.setdefault(tab.id, asyncio.Lock())
        async with lock:  # the log changes one edit at a time; the evaluations below may overlap
            ops, built = await self.run(tab.prepare, op)
            generation = tab.accept(ops, built)
        try:
            await self.run(tab.compute, generation, built)
        except Superseded:
            return {"superseded": True, "generation": generation}
        return tab.state_doc()

    def fresh(self, file: str, year: int | None, period: str | None) -> Snapshot:
        """A workspace scenario (in another year or period when given), evaluated in full."""
        path = self.ws.existing(file)
        sc = parse_scenario(read_scenario_text(path)[0], file=str(path))
        update = {k: v for k, v in (("year", year), ("period", period)) if v is not None}
        sc = sc.model_copy(update=update) if update else sc
        return evaluate_scenario(sc, file=str(path), workspace=self.ws, region=self.region())

    def effect(self, file: str, op: Any) -> dict[str, Any]:
        """Numbers of ``file`` before and after ``op`` (incremental), per-pair minutes saved; nothing kept."""
        tab = Tab(self.ws, file, self.region())
        before = tab.open()
        ops, built = tab.prepare(op)
        after = tab.compute(tab.accept(ops, built, autosave=False), built)
        pairs = compare_pairs(before.ev, after.ev)
        doc, _ = json_safe({"before": before.numbers, "after": after.numbers, "pairs": pairs.to_dict(orient="records"), "edit": tab.log()})
        out: dict[str, Any] = doc
        return out

    def route(self, req: RouteInScenario) -> dict[str, Any]:
        """``route --json`` on a workspace scenario (``network.api.route_in_scenario``, the command's own workflow)."""
        path = self.ws.existing(req.scenario)
        from network.api import route_in_scenario  # lazy: network.api loads the batch runner (Dask), not needed for the first page

        found = route_in_scenario(path, (req.from_[0], req.from_[1]), (req.to[0], req.to[1]), req.mode, year=req.year, period=req.period)
        return found.to_dict()

    def export(self, file: str, base_file: str | None) -> dict[str, Any]:
        """Run the workspace scenario ``file`` end to end as ``run_scenario.py`` does (offline map, report) and, with a
        base, compare it as ``run_scenario.py compare <base> <file> --offline`` does, into the workspace's
        ``outputs/`` and ``maps/``; the files written, as links under ``/files/``."""
        path = self.ws.existing(file)
        scenario = parse_scenario(read_scenario_text(path)[0], file=str(path))
        outputs, maps = self.ws.root / "outputs", self.ws.root / "maps"
        from network.api import compare  # lazy (as above)
        from network.run.runner import run_scenario

        out = run_scenario(scenario, file=str(path), output_dir=outputs, map_dir=maps, offline=True)
        written = [q for q in (out.map_path, out.report_path, out.metrics_path) if q is not None]
        if base_file is not None:
            cmp = compare(self.ws.existing(base_file), path, output_dir=outputs, map_dir=maps, basemap="none", offline=True)
            written += [q for q in (cmp.map_path, cmp.output_dir / "compare.json") if q is not None]
        return {"files": [f"/files/{q.relative_to(self.ws.root).as_posix()}" for q in written]}

    def meta(self) -> dict[str, Any]:
        """What the page offers: files, centres, modes, definitions, edit lists (from the schema) and choices."""
        reg = self.region()
        centres = reg.centres.set_index("city")
        return {
            "workspace": str(self.ws.root),
            "files": self.ws.scenario_files(),
            "shipped": self.ws.shipped_files(),
            "centres": [{"city": c, "name_zh": CITY_ZH[c], "lon": float(centres.at[c, "lon"]), "lat": float(centres.at[c, "lat"])} for c in CITIES],  # type: ignore[arg-type]
            "modes": list(MODES),
            "periods": ["am_peak", "off_peak"],
            "definitions": list(DEFINITIONS),
            "edit_lists": edit_variants(),
            "choices": {"highway": list(ROAD_CLASSES)},
            "projects": [{"id": pid, "name_zh": p.name_zh, "name_en": p.name_en, "type": p.type, "status": p.status} for pid, p in load_catalogue().items()],
            "max_tabs": self.tabs.cap,
            "attribution": OSM_ATTRIBUTION,
        }


def _wb(request: Request) -> Workbench:
    wb: Workbench = request.app.state.wb
    return wb


WB = Annotated[Workbench, Depends(_wb)]
router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page(wb: WB) -> HTMLResponse:
    """The page (Leaflet, the drawing plugin and the page's script inlined)."""
    return HTMLResponse(await wb.run(page_html, wb.settings.basemap))


@router.get("/api/meta", summary="What the page offers: files, centres, modes, definitions, edit types and their choices")
async def meta(wb: WB) -> dict[str, Any]:
    """Workspace files, centres, modes, periods, definitions, edit lists and choices."""
    return await wb.run(wb.meta)


@router.post("/api/tabs", summary="Open a workspace scenario in a new tab (evaluated in full once)")
async def open_tab(wb: WB, req: OpenTab) -> dict[str, Any]:
    """A new tab on ``req.file``: its numbers."""
    tab = await wb.run(Tab, wb.ws, req.file, await wb.run(wb.region))
    await wb.run(tab.open)
    for gone in wb.tabs.add(tab):
        wb.edit_locks.pop(gone, None)
    return tab.state_doc()


@router.get("/api/tabs/{tab_id}", summary="The tab's edit log, numbers and comparison")
async def get_tab(wb: WB, tab_id: str) -> dict[str, Any]:
    """The tab's current state."""
    return wb.tabs.get(tab_id).state_doc()


@router.delete("/api/tabs/{tab_id}", summary="Close a tab")
async def close_tab(wb: WB, tab_id: str) -> dict[str, Any]:
    """Forget a tab (its autosave stays)."""
    wb.tabs.drop(tab_id)
    wb.edit_locks.pop(tab_id, None)
    return {"closed": tab_id}


@router.post("/api/tabs/{tab_id}/edits", summary="Add an edit to the tab's log; the numbers after it (incremental re-evaluation)")
async def edit(wb: WB, tab_id: str, req: EditRequest) -> dict[str, Any]:
    """Validate, log and evaluate one edit."""
    return await wb.change(wb.tabs.get(tab_id), req.op)


@router.post("/api/tabs/{tab_id}/undo", summary="Undo the tab's last edit", response_model=None)
async def undo(wb: WB, tab_id: str) -> dict[str, Any] | JSONResponse:
    """Take the last edit off the log and re-evaluate."""
    tab = wb.tabs.get(tab_id)
    if not tab.ops:
        return JSONResponse({"error": "nothing to undo"}, status_code=409)
    return await wb.change(tab, None)


@router.post("/api/tabs/{tab_id}/base", summary="Compare the tab against another workspace scenario (gained/lost areas, per-pair differences)")
async def set_base(wb: WB, tab_id: str, req: BaseRequest) -> dict[str, Any]:
    """Set (or clear) the base scenario."""
    tab = wb.tabs.get(tab_id)
    await wb.run(tab.set_base, req.file)
    return tab.state_doc()


@router.get("/api/tabs/{tab_id}/layers", summary="Rail lines, catalogue projects and the scenario's road edits (GeoJSON)")
async def layers(wb: WB, tab_id: str) -> dict[str, Any]:
    """The map's layers besides isochrones."""
    return await wb.run(wb.tabs.get(tab_id).layers)


@router.get("/api/tabs/{tab_id}/isochrones", summary="Isochrones of one centre and mode, and the areas gained/lost against the base (GeoJSON)")
async def isochrones(wb: WB, tab_id: str, mode: Mode = "best", centre: str = Query("changsha", description=f"one of {list(CITIES)}")) -> dict[str, Any]:
    """Isochrones (and difference) of one centre and mode."""
    doc = await wb.run(wb.tabs.get(tab_id).isochrones, mode, centre)
    wb.load_the_rest_later()  # the first page has its map: now load what it did without
    return doc


@router.get("/api/tabs/{tab_id}/definition/{name}", summary="The tab's network under one of the project's half-hour definitions")
async def definition(wb: WB, tab_id: str, name: str = Path(description=f"one of {list(DEFINITIONS)}")) -> dict[str, Any]:
    """One definition's rows on the tab's current state."""
    tab = wb.tabs.get(tab_id)
    rows = await wb.run(tab.definition, name)
    return {"definition": name, "generation": tab.current.generation if tab.current else None, "rows": rows}


@router.post("/api/tabs/{tab_id}/route", summary="Fastest route between two points on the tab's network (as route --json)")
async def tab_route(wb: WB, tab_id: str, req: RouteRequest) -> dict[str, Any]:
    """A route on the tab's current state."""
    req.checked()
    return await wb.run(wb.tabs.get(tab_id).route, (req.from_[0], req.from_[1]), (req.to[0], req.to[1]), req.mode)


@router.post("/api/tabs/{tab_id}/save", summary="Save the tab's scenario as <name>.yaml in the workspace (the CLI runs it)", response_model=None)
async def save(wb: WB, tab_id: str, req: SaveRequest) -> dict[str, Any] | JSONResponse:
    """Write the tab's YAML into the workspace (never over a file unless ``overwrite``)."""
    tab = wb.tabs.get(tab_id)
    file = wb.ws.save_name(req.name)
    target = wb.ws.path(file)
    if target.exists() and not req.overwrite:
        return JSONResponse({"error": f"{file} already exists in the workspace; choose another name or overwrite"}, status_code=409)
    text = tab.yaml(name=req.name)
    parse_scenario(text, file=str(target))  # what the CLI will read
    await wb.run(wb.ws.write, file, text)
    return {"saved": file, "path": str(target)}


@router.post("/api/tabs/{tab_id}/export", summary="Save the tab as <name>.yaml and run it as the CLI does (map, report; with a base, the comparison map) in the workspace", response_model=None)
async def export(wb: WB, tab_id: str, req: SaveRequest) -> dict[str, Any] | JSONResponse:
    """Save, then ``run_scenario`` (offline map, report, metrics, CSVs) into ``<workspace>/outputs`` and ``maps``."""
    saved = await save(wb, tab_id, req)
    if isinstance(saved, JSONResponse):
        return saved
    result = await wb.run(wb.export, saved["saved"], wb.tabs.get(tab_id).base_file)
    return {**saved, **result}


@router.get("/files/{kind}/{rel:path}", include_in_schema=False)
async def exported_file(wb: WB, kind: Literal["outputs", "maps"], rel: str) -> FileResponse:
    """An exported file (map, report, table), only from the workspace's ``outputs/`` and ``maps/``."""
    return FileResponse(wb.ws.exported(kind, rel))


@router.get("/api/tabs/{tab_id}/yaml", summary="The tab's scenario YAML (the edit log's serialisation)")
async def tab_yaml(wb: WB, tab_id: str) -> dict[str, Any]:
    """The YAML a save would write (under the tab's scenario name)."""
    return {"yaml": wb.tabs.get(tab_id).yaml()}


@router.get("/api/scenarios", summary="Scenario files in the workspace, and the shipped scenarios (read only, shipped/<name>.yaml)")
async def scenarios(wb: WB) -> dict[str, Any]:
    """File names: the workspace's (``files``) and the shipped ones no workspace file hides (``shipped``)."""
    return {"files": wb.ws.scenario_files(), "shipped": wb.ws.shipped_files()}


@router.get("/api/scenarios/{file:path}/metrics", summary="A workspace scenario's numbers (centre-to-centre, population within 30 min, index)")
async def metrics(
    wb: WB, file: str, year: int | None = Query(None, ge=1990, le=2060), period: Literal["am_peak", "off_peak"] | None = None
) -> dict[str, Any]:
    """A fresh evaluation's numbers (as a run's metrics.json names them)."""
    snap = await wb.run(wb.fresh, file, year, period)
    out: dict[str, Any] = snap.numbers
    return out


@router.post("/api/route", summary="Fastest route on a workspace scenario (the same answer as route --json)")
async def scenario_route(wb: WB, req: RouteInScenario) -> dict[str, Any]:
    """``route --json`` over HTTP."""
    req.checked()
    return await wb.run(wb.route, req)


@router.post("/api/effect", summary="What one edit does to a workspace scenario: numbers before and after, per-pair minutes saved")
async def effect(wb: WB, req: EffectRequest) -> dict[str, Any]:
    """One edit's effect (nothing is kept)."""
    return await wb.run(wb.effect, req.scenario, req.op)


async def _planner_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=422)


async def _unknown_tab(request: Request, exc: Exception) -> JSONResponse:
    cap = _wb(request).tabs.cap
    name = exc.args[0] if exc.args else "?"
    return JSONResponse(
        {"error": f"tab {name!r} is not open (closed, or forgotten to keep at most {cap} tabs in memory; its YAML is autosaved in .workbench/)"},
        status_code=404,
    )


def create_app(settings: Settings) -> FastAPI:
    """The workbench application for ``settings`` (without the guard: see ``guarded``)."""
    wb = Workbench(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        wb.executor.submit(wb.warm)
        yield
        wb.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="Chang-Zhu-Tan planner workbench",
        version=__version__,
        description="Scenario editing and comparison over the planner's workflows. Every request needs the per-launch token "
        "(header X-Workbench-Token). " + OSM_ATTRIBUTION,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.wb = wb
    app.include_router(router)
    app.add_exception_handler(PlannerError, _planner_error)
    app.add_exception_handler(KeyError, _unknown_tab)
    return app


def guarded(settings: Settings) -> Guard:
    """``create_app`` behind the Host/Origin/token guard (what the server runs)."""
    tiles = "https://tile.openstreetmap.org" if settings.basemap == "osm" else ""
    return Guard(create_app(settings), token=settings.token, hosts=set(settings.hosts), tiles_origin=tiles)  # type: ignore[arg-type]
