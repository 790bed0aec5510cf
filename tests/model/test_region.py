"""Zones, population grid and centres (network/model/region.py)."""

from __future__ import annotations

import pandas as pd
import shapely

from network.model.region import CITIES, Region
from network.paths import CRS_METRIC
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
