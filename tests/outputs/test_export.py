"""``run_scenario.py export``: GeoPackage / GeoParquet layers reopen with the expected layers, CRS, rows and
provenance; OMX skims reopen with the zone ids as a mapping and equal the ``matrix`` command's values."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openmatrix as omx
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest

from network.cli.main import main
from network.model.graph import NetworkState
from network.model.region import Region
from network.outputs.gis import LAYERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    assert main(["export", "surveyed", "--gpkg", "--parquet", "--skims", "--output-dir", str(out)]) == 0
    return out / "surveyed"


def test_gpkg_has_every_layer_in_wgs84_with_expected_rows(exported: Path, surveyed_state: NetworkState, region: Region) -> None:
    path = exported / "surveyed.gpkg"
    layers = dict(pyogrio.list_layers(path))
    assert list(layers) == list(LAYERS)
    expected = {
        "roads": len(surveyed_state.roads.edges),
        "transit_lines": len(surveyed_state.rail.lines),
        "stations": surveyed_state.rail.stops["name_zh"].nunique(),
        "zones": len(region.zones),
        "grid_cells": len(region.grid),
        "isochrones": 3 * 3 * 4,  # modes × centres × thresholds (15/30/45/60)
        "projects": len(surveyed_state.projects),
        "edits": 0,
    }
    for name, rows in expected.items():
        info = pyogrio.read_info(path, layer=name)
        assert info["features"] == rows, name
        assert info["crs"] == "EPSG:4326", name
        md = info["layer_metadata"]
        assert md["scenario"] == "surveyed" and md["network_tier"] == "embedded", name
        assert md["data_snapshot"] == surveyed_state.roads.snapshot, name
        assert md["attribution"] == "© OpenStreetMap contributors", name
        assert md["definition"], name


def test_road_layer_carries_class_and_speed_per_period(exported: Path) -> None:
    roads = gpd.read_file(exported / "surveyed.gpkg", layer="roads")
    med = roads.groupby("class")[["speed_am_peak_kph", "speed_off_peak_kph"]].median()
    # the class speed table (network/model/speeds.py): the AM peak is slower than off-peak on every class
    assert (med["speed_am_peak_kph"] < med["speed_off_peak_kph"]).all()
    assert med.loc["expressway", "speed_am_peak_kph"] == pytest.approx(85.0)
    implied_min = roads["length_m"] / (roads["speed_am_peak_kph"] / 3.6) / 60
    assert np.allclose(roads["minutes_am_peak"], implied_min, rtol=2e-3, atol=1e-3)


def test_zone_minutes_match_the_runs_zone_table(exported: Path, surveyed_eval: object, region: Region) -> None:
    from network.outputs.maps import zone_minutes_table

    zones = gpd.read_file(exported / "surveyed.gpkg", layer="zones")
    table = zone_minutes_table(surveyed_eval.cell_minutes, region, mode="best")  # type: ignore[attr-defined]
    want = table[table["centre"] == "xiangtan"].set_index("zone_id")["minutes"]
    got = zones.set_index("zone_id")["best_from_xiangtan_min"]
    assert np.allclose(got.loc[want.index].to_numpy(dtype=float), want.to_numpy(dtype=float), equal_nan=True)


def test_geoparquet_layers_reopen_with_provenance(exported: Path, region: Region) -> None:
    for name in LAYERS:
        path = exported / "layers" / f"{name}.parquet"
        gdf = gpd.read_parquet(path)
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
        md = json.loads(pq.read_schema(path).metadata[b"czt_planner"])
        assert md["layer"] == name and md["network_tier"] == "embedded"
    assert len(gpd.read_parquet(exported / "layers" / "grid_cells.parquet")) == len(region.grid)


def test_omx_skims_equal_the_matrix_command(exported: Path, tmp_path: Path) -> None:
    csv = tmp_path / "od.csv"
    assert main(["matrix", "--scenario", "surveyed", "--out", str(csv)]) == 0
    long = pd.read_csv(csv, dtype={"from_id": str, "to_id": str})
    f = omx.open_file(str(exported / "skims.omx"))
    try:
        assert set(f.list_matrices()) == {f"{m}_{p}" for m in ("car", "transit", "best") for p in ("am_peak", "off_peak")}
        assert f.list_mappings() == ["zone_id"]
        index = f.mapping("zone_id")  # zone id -> row
        assert len(index) == 23 and 430102 in index
        assert f.root._v_attrs.network_tier == "embedded"
        for mode in ("car", "transit", "best"):
            m = np.array(f[f"{mode}_am_peak"])
            sub = long[long["mode"] == mode]
            i = sub["from_id"].astype(int).map(index).to_numpy()
            j = sub["to_id"].astype(int).map(index).to_numpy()
            assert np.allclose(np.round(m[i, j], 2), sub["minutes"].to_numpy(), equal_nan=True, atol=1e-9), mode
        # off-peak roads are faster: no car skim is slower off-peak
        assert (np.array(f["car_off_peak"]) <= np.array(f["car_am_peak"]) + 1e-9).all()
    finally:
        f.close()


def test_skims_for_named_points_use_a_sequence_mapping(tmp_path: Path) -> None:
    pts = tmp_path / "pts.csv"
    pts.write_text("id,lon,lat\nwuyi,112.977,28.196\nzz,113.134,27.828\nxt,112.944,27.830\n", encoding="utf-8")
    assert main(["export", "surveyed", "--skims", "--points", str(pts), "--period", "am_peak", "--output-dir", str(tmp_path)]) == 0
    f = omx.open_file(str(tmp_path / "surveyed" / "skims.omx"))
    try:
        assert f.list_mappings() == ["seq"] and sorted(f.list_matrices()) == ["best_am_peak", "car_am_peak", "transit_am_peak"]
    finally:
        f.close()
    ids = pd.read_csv(tmp_path / "surveyed" / "skims_points.csv")
    assert ids["id"].tolist() == ["wuyi", "zz", "xt"] and ids["seq"].tolist() == [1, 2, 3]


def test_grid_skims_use_block_ids(tmp_path: Path, region: Region) -> None:
    assert (
        main(
            ["export", "surveyed", "--skims", "--points", "grid", "--grid-km", "20", "--period", "off_peak", "--output-dir", str(tmp_path)]
        )
        == 0
    )
    f = omx.open_file(str(tmp_path / "surveyed" / "skims.omx"))
    try:
        n = f.shape()[0]
        assert f.list_mappings() == ["cell_id"] and len(f.mapping("cell_id")) == n and 10 < n < 200
    finally:
        f.close()


def test_edits_layer_holds_the_scenarios_hand_written_projects(tmp_path: Path) -> None:
    sc = tmp_path / "edit-demo.yaml"
    sc.write_text(
        "name: edit-demo\nadd:\n  - {type: new_road, name: 连接线, path: [[113.05, 28.06], [113.12, 27.89]], speed_kph: 60}\n",
        encoding="utf-8",
    )
    assert main(["export", str(sc), "--gpkg", "--output-dir", str(tmp_path)]) == 0
    edits = gpd.read_file(tmp_path / "edit-demo" / "edit-demo.gpkg", layer="edits")
    assert edits["name"].tolist() == ["连接线"] and edits["speed_kph"].tolist() == [60.0]


def test_export_refuses_bad_input_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "surveyed"]) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon,lat\na,28.2,112.9\n", encoding="utf-8")
    assert main(["export", "surveyed", "--skims", "--points", str(bad), "--output-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv:2" in err and "lon,lat" in err and "Traceback" not in err
