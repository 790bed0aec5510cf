"""Zones, population grid and centres (network/model/region.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely

from network._errors import DataError
from network.model.region import CITIES, Region, load_centres
from network.paths import CRS_METRIC, DATA_DIR
from tests.conftest import FIXTURES

STUDY_COUNTIES = {
    "芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "长沙县", "浏阳市", "宁乡市",
    "荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "醴陵市", "云龙示范区",
    "雨湖区", "岳塘区", "湘潭县", "韶山市", "湖南湘潭高新技术产业园区", "湘潭昭山示范区", "湘潭九华示范区",
}  # fmt: skip


def test_zone_population_sums_to_study_area_census_total(region: Region) -> None:
    census = pd.read_csv(FIXTURES / "population" / "census2020_czt_county.csv")
    expected = int(census[census["区县"].isin(STUDY_COUNTIES)]["人口数_合计"].sum())
    assert int(region.zones["population_2020"].sum()) == expected


def test_grid_population_sums_to_each_zone(region: Region) -> None:
    by_zone = region.grid.groupby("zone_id")["population"].sum()
    for _, z in region.zones.iterrows():
        assert int(by_zone[str(z["zone_id"])]) == int(z["population_2020"]), z["name_zh"]


def test_changsha_is_whole_city_in_study_area(region: Region) -> None:
    assert region.city_population()["changsha"] == 10_047_914


def test_study_area_is_about_18900_km2(region: Region) -> None:
    area_km2 = shapely.union_all(region.zones.to_crs(CRS_METRIC).geometry.values).area / 1e6
    assert 17_500 < area_km2 < 20_500


def test_each_centre_lies_in_its_city(region: Region) -> None:
    zones = region.zones
    for _, c in region.centres.iterrows():
        hit = zones[zones.contains(shapely.Point(c["lon"], c["lat"]))]
        assert len(hit) >= 1 and set(hit["city"]) == {c["city"]}, c["city"]
    assert set(region.centres["city"]) == set(CITIES)


def test_each_centre_has_a_placement_tolerance_in_metres(region: Region) -> None:
    # data/centres.csv: 株洲 and 湘潭 are placed by hand (±500 m), 长沙 is a station whose square reaches ~300 m
    tol = region.centres.set_index("city")["placement_m"]
    assert tol.to_dict() == {"changsha": 300.0, "zhuzhou": 500.0, "xiangtan": 500.0}


def _centres_with(tmp_path: Path, column: str | None, values: list[str]) -> Path:
    """A copy of data/centres.csv whose placement_m column is replaced by ``values`` (dropped when ``column`` is None)."""
    t = pd.read_csv(DATA_DIR / "centres.csv", dtype=str)
    t = t.drop(columns="placement_m")
    if column is not None:
        t[column] = values
    t.to_csv(tmp_path / "centres.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("bad", ["-1", "wide", "2500", ""])
def test_a_bad_placement_tolerance_names_file_line_and_field(tmp_path: Path, bad: str) -> None:
    folder = _centres_with(tmp_path, "placement_m", ["300", bad, "500"])
    with pytest.raises(DataError) as err:
        load_centres(folder)
    assert f"{folder / 'centres.csv'}:3: field 'placement_m'" in str(err.value) and "expected metres from 0 to 2000" in str(err.value)


def test_a_missing_placement_column_is_named(tmp_path: Path) -> None:
    folder = _centres_with(tmp_path, None, [])
    with pytest.raises(DataError, match="field 'placement_m' is missing"):
        load_centres(folder)
