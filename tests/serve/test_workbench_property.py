"""After any sequence of edits (roads, transit, projects, period) and undos, the workbench's numbers and isochrones are those of a fresh run of
the YAML it saves (within 0.01 min): the incremental re-evaluation and the edit log's serialisation agree
with the command line."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network._errors import PlannerError
from network.api import run_scenario
from network.model.region import Region
from network.scenario.catalogue import load_catalogue
from network.serve.editlog import Append, ProjectToggle, Remove, When
from network.serve.session import Snapshot, Tab
from network.serve.workspace import Workspace

from .conftest import make_workspace

pytestmark = pytest.mark.slow
TOL_MINUTES = 0.01
CORRIDORS = [p.path for p in load_catalogue().values() if p.path and p.type == "road_upgrade"][:3]
ROADS = [
    [[112.98, 28.19], [113.13, 27.84]],
    [[112.95, 28.15], [112.93, 27.86]],
    [[113.05, 28.1], [113.15, 27.95], [113.10, 27.83]],
]
LINES = ["M1", "IC-ZZ", "HSR-WG"]


def edits() -> st.SearchStrategy[Any]:
    road = st.builds(
        lambda k, path, speed: Append(op="append", field="add", item={"type": "new_road", "name": f"road-{k}", "path": path, "speed_kph": speed}),
        st.integers(0, 99),
        st.sampled_from(ROADS),
        st.sampled_from([40.0, 80.0, 120.0]),
    )
    upgrade = st.builds(
        lambda k, path: Append(op="append", field="add", item={"type": "road_upgrade", "name": f"up-{k}", "path": path, "highway": "expressway", "speed_kph": 110}),
        st.integers(0, 99),
        st.sampled_from(CORRIDORS),
    )
    closure = st.builds(
        lambda k, path: Append(op="append", field="add", item={"type": "road_closure", "name": f"shut-{k}", "path": path}),
        st.integers(0, 99),
        st.sampled_from(CORRIDORS),
    )
    headway = st.builds(
        lambda k, lid, h: Append(op="append", field="add", item={"type": "adjust_frequency", "name": f"freq-{k}", "line": lid, "headway_min": h}),
        st.integers(0, 99),
        st.sampled_from(LINES),
        st.sampled_from([3.0, 30.0]),
    )
    line = st.sampled_from(LINES).map(lambda lid: Append(op="append", field="remove_lines", item=lid))
    project = st.builds(lambda pid, inc: ProjectToggle(op="project", project_id=pid, include=inc), st.sampled_from(["west-ring-line", "huangxing-tianxin-connector", "furong-avenue"]), st.booleans())
    period = st.sampled_from(["am_peak", "off_peak"]).map(lambda p: When(op="when", period=p))
    undo = st.just(None)
    remove = st.sampled_from(["road-1", "M1"]).map(lambda n: Remove(op="remove", name=n))
    return st.one_of(road, upgrade, closure, headway, line, project, period, undo, remove)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace.at(make_workspace(tmp_path_factory.mktemp("ws")))


@pytest.fixture(scope="module")
def opened(ws: Workspace, region: Region) -> Snapshot:
    return Tab(ws, "surveyed.yaml", region).open()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(edits(), min_size=1, max_size=4))
def test_edits_and_undos_equal_a_fresh_run_of_the_saved_yaml(steps: list[Any], ws: Workspace, region: Region, opened: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> None:
    tab = Tab(ws, "surveyed.yaml", region)
    tab.root = tab.current = opened  # the opened file's evaluation (immutable) is shared by the examples
    for step in steps:
        if step is None and not tab.ops:
            continue
        try:
            ops, built = tab.prepare(step)
        except PlannerError:
            continue  # refused as the file would be (e.g. removing a line twice): the log is unchanged
        tab.compute(tab.accept(ops, built, autosave=False), built)
    snap = tab.current
    assert snap is not None
    out = tmp_path_factory.mktemp("run")
    saved = ws.write("prop-saved.yaml", tab.yaml(name="prop-saved"))
    fresh = run_scenario(saved, output_dir=out, write_map=False).metrics
    mine = {(r["from"], r["to"], r["mode"]): r["minutes"] for r in snap.numbers["centre_minutes"]}
    theirs = {(r["from"], r["to"], r["mode"]): r["minutes"] for r in fresh["centre_minutes"]}
    assert mine.keys() == theirs.keys()
    for k, v in theirs.items():
        assert (v is None and mine[k] is None) or abs(v - mine[k]) <= TOL_MINUTES, f"{k}: fresh {v}, workbench {mine[k]} after {tab.log()}"
    assert snap.numbers["population_within_30"] == fresh["population_within_30"]
    assert snap.numbers["half_hour_index"] == fresh["half_hour_index"]
    cols = ["centre", "mode", "minutes", "cells", "area_km2", "population"]
    assert snap.iso[cols].to_dict(orient="records") == [{c: r[c] for c in cols} for r in fresh["isochrones"]]
