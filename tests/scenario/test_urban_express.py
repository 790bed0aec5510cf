"""Changsha's urban expressways (data/urban_express_corridors.csv) are urban_express from their opening
year, signalised arterials before, and never make a centre-to-centre car trip slower."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from network._errors import DataError
from network.model.graph import NetworkState
from network.model.region import load_centres
from network.paths import CRS_METRIC, CRS_WGS84
from network.routing.graphs import build_car_graph, strongly_connected_nodes
from network.scenario.resolve import base_network, build_state, resolve_projects
from network.scenario.schema import parse_scenario
from network.scenario.urban_express import before_urban_express
from network.sources.embedded import load_urban_express_corridors

TO_M = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)


def _state(year: int) -> NetworkState:
    sc = parse_scenario(f"name: t{year}\ntitle: t\nbase: surveyed\nyear: {year}\nperiod: am_peak\n", file="<test>")
    return build_state(resolve_projects(sc, file="<test>"))


def test_each_urban_expressway_is_urban_express_from_its_opening_year_and_not_before() -> None:
    table = load_urban_express_corridors()
    base = base_network("embedded")[0]
    for corridor, g in table.groupby("corridor"):
        year = g["opened"].iloc[0].year
        mine = base.edges[base.edges["ref"] == corridor]
        assert len(mine) > 0 and (mine["highway"] == "urban_express").all(), corridor
        # the corridor follows its road: matched length within 0.6-1.6 x its published length when given
        if np.isfinite(g["length_km"].iloc[0]):
            ratio = mine["length_m"].sum() / 1000.0 / g["length_km"].iloc[0]
            assert 0.6 <= ratio <= 1.6, f"{corridor}: matched {ratio:.2f} x its published length"
        if year > 2015:
            before = _state(year - 1).roads.edges
            after = _state(year).roads.edges
            assert (before.loc[before["ref"] == corridor, "highway"] == "urban_arterial").all(), corridor
            assert (after.loc[after["ref"] == corridor, "highway"] == "urban_express").all(), corridor


def _centre_minutes(state: NetworkState) -> np.ndarray:
    c = load_centres()
    x, y = TO_M.transform(c["lon"].astype(float).to_numpy(), c["lat"].astype(float).to_numpy())
    ids = np.flatnonzero(strongly_connected_nodes(state.roads))
    _, j = cKDTree(state.roads.nodes[["x", "y"]].to_numpy()[ids]).query(np.column_stack([x, y]))
    nodes = ids[j]
    return np.asarray(dijkstra(build_car_graph(state).csr, indices=nodes)[:, nodes]) / 60.0


def test_urban_expressways_never_slow_a_centre_to_centre_drive_and_speed_up_changsha() -> None:
    """2020 with its urban expressways against the same year with them as arterials (same nodes)."""
    with_x = _state(2020)
    refs = set(load_urban_express_corridors()["corridor"])
    without = replace(with_x, roads=before_urban_express(with_x.roads, refs))
    a, b = _centre_minutes(with_x), _centre_minutes(without)
    assert (a <= b + 1e-6).all()
    assert (b - a).max() > 1.0


def test_table_errors_name_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "urban_express_corridors.csv").write_text(
        "corridor,name,seq,lon,lat,length_km,opened,opened_source,inferred\nX,x,0,113.0,28.1,,2019-13-01,src,yes\nX,x,1,113.0,28.2,,2019-01-01,src,yes\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"line 2, field 'opened'"):
        load_urban_express_corridors.__wrapped__(tmp_path)


def test_the_wanjiali_viaduct_is_an_urban_expressway_from_its_2015_opening() -> None:
    """万家丽路高架 (CS-WJL) opened 2015-10-01 (星辰在线 2015-09-26): a signalised arterial in 2014, urban_express in 2015."""
    for year, cls in ((2014, "urban_arterial"), (2015, "urban_express")):
        e = _state(year).roads.edges
        assert set(e.loc[e["ref"] == "CS-WJL", "highway"]) == {cls}, year
