"""Two different edits in a row, through the memoised snaps, rail segments and cell polygons, give the numbers
of a fresh evaluation of the same scenario with every memo emptied (nothing stale survives an edit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from network.model import rail
from network.model import region as region_mod
from network.model.region import Region
from network.routing import engine, graphs
from network.scenario import resolve
from network.serve.editlog import Append
from network.serve.session import Snapshot, Tab, evaluate_scenario
from network.serve.workspace import Workspace

from .conftest import make_workspace

ROAD = Append(
    op="append", field="add", item={"type": "new_road", "name": "memo road", "path": [[112.98, 28.19], [113.13, 27.84]], "speed_kph": 100}
)
LINE = Append(op="append", field="remove_lines", item="IC-ZZ")


def _fresh(tab: Tab, region: Region) -> Snapshot:
    for memo in (engine._SNAPS, rail._SEGMENTS, region_mod._CELLS, resolve._CATALOGUE_ROADS, resolve._ADHOC_ROADS, graphs._CAR_GRAPHS, graphs._TRANSIT_GRAPHS):
        memo.clear()
    return evaluate_scenario(tab.scenario, file=tab.edited_name, workspace=tab.workspace, region=region)


def _same(a: Snapshot, b: Snapshot) -> None:
    for mine, theirs in (
        (a.ev.centre_minutes, b.ev.centre_minutes),
        (a.ev.cell_minutes, b.ev.cell_minutes),
        (a.ev.zone_minutes, b.ev.zone_minutes),
    ):
        assert mine.keys() == theirs.keys()
        for k in mine:
            np.testing.assert_array_equal(mine[k], theirs[k])
    assert a.numbers["centre_minutes"] == b.numbers["centre_minutes"]
    assert a.numbers["population_within_30"] == b.numbers["population_within_30"]
    cols = ["centre", "mode", "minutes", "cells", "area_km2", "population"]
    assert a.iso[cols].to_dict(orient="records") == b.iso[cols].to_dict(orient="records")


def test_two_edits_in_a_row_equal_fresh_evaluations(tmp_path: Path, region: Region) -> None:
    tab = Tab(Workspace.at(make_workspace(tmp_path)), "surveyed.yaml", region)
    tab.open()
    hits = engine._SNAPS.hits
    results = []
    for op in (ROAD, LINE):  # a road (new snaps for both modes), then a line out (car's snaps reused)
        ops, built = tab.prepare(op)
        results.append((tab.compute(tab.accept(ops, built, autosave=False), built), tab.scenario))
    assert engine._SNAPS.hits > hits  # the line removal reused the road edit's car snaps
    assert not np.array_equal(results[0][0].ev.cell_minutes["transit"], results[1][0].ev.cell_minutes["transit"])  # two different networks
    for snap, scenario in results:
        tab.scenario = scenario
        _same(snap, _fresh(tab, region))
