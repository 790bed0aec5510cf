"""The network's dated changes by year (network/scenario/dated.py) and the km of unknown opening date."""

from __future__ import annotations

import pandas as pd
import pytest

from network.model.graph import NetworkState
from network.routing.route import route
from network.scenario.catalogue import Project
from network.scenario.dated import changes_by_year, unknown_date_km
from network.scenario.resolve import resolve_state
from network.scenario.road_classes import CORRIDOR_COLUMN
from network.scenario.schema import Scenario


def test_each_year_names_its_dated_network_changes_beside_the_catalogue() -> None:
    t = changes_by_year([2019, 2020])
    y2020 = t[t["year"] == 2020]
    assert "XXDD-S" in set(y2020["id"])  # 潇湘大道 南段, a curated road opened 2020-07-03
    assert y2020.loc[y2020["id"] == "XXDD-S", "kind"].iloc[0] == "road opened"
    assert {"furong-avenue", "dongzhu-road"} <= set(y2020["id"])  # catalogue projects of the same year
    assert "XXDD-S" not in set(t.loc[t["year"] == 2019, "id"])
    assert "CS-XFL" in set(t.loc[t["year"] == 2019, "id"])  # 湘府路快速路 class change, 2019-09-28
    assert list(t["date"]) == sorted(t["date"])


def test_unknown_date_km_counts_only_undated_roads(surveyed: Scenario) -> None:
    state = resolve_state(surveyed.model_copy(update={"year": 2020}))
    e = state.roads.edges
    total_km = float(e["length_m"].sum()) / 1000.0
    unknown = unknown_date_km(state.roads)
    dated_km = float(e.loc[e["ref"].isin(["G4", "G60", "G0401"]) | (e[CORRIDOR_COLUMN] == "XXDD-S"), "length_m"].sum()) / 1000.0
    assert dated_km > 100.0
    assert unknown <= total_km - dated_km + 0.1
    assert unknown > 0.5 * total_km  # most of the skeleton carries no opening date: said, not hidden


def test_the_ring_roads_east_line_is_absent_before_2015(surveyed: Scenario) -> None:
    def ring_km(year: int) -> float:
        e = resolve_state(surveyed.model_copy(update={"year": year})).roads.edges
        return float(e.loc[e["ref"] == "G0401", "length_m"].sum()) / 1000.0

    east = changes_by_year([2015])
    assert "G0401-E" in set(east["id"])  # named in the timeline of its year
    assert ring_km(2014) < ring_km(2015) - 10.0  # 13 km of the skeleton's ring are the east line (东北段) opened 2015-02-27
    e = resolve_state(surveyed.model_copy(update={"year": 2014})).roads.edges
    assert (e["ref"] == "G4").sum() == (resolve_state(surveyed.model_copy(update={"year": 2015})).roads.edges["ref"] == "G4").sum()


XINGSHA, YUNLONG = (113.081, 28.2488), (113.170, 27.950)


def test_the_old_g4_city_section_and_the_changyong_expressway_exist_before_2015(surveyed: Scenario) -> None:
    """The skeleton's G0401 along 长沙's east edge (长沙东 to 李家塘) is the 京港澳 city section of 1996, re-signed
    when the ring closed in 2015; the S20 west of 永安 is the 长永高速 of 1994. Both carry cars before 2015."""
    e = resolve_state(surveyed.model_copy(update={"year": 2005})).roads.edges
    chain = [(637, 861), (861, 1050), (879, 1050), (608, 879), (605, 608), (82, 605), (76, 82)]
    present = set(zip(e["u"], e["v"]))
    assert all(pair in present for pair in chain)  # absent on main before this change (dated 2015 with the east line)
    assert float(e.loc[e["ref"] == "S20", "length_m"].sum()) > 20_000.0  # 长永高速, 22.25 km published
    late = resolve_state(surveyed.model_copy(update={"year": 2012})).roads.edges
    assert float(late.loc[late["ref"] == "S20", "length_m"].sum()) < float(
        resolve_state(surveyed.model_copy(update={"year": 2014})).roads.edges.pipe(lambda x: x.loc[x["ref"] == "S20", "length_m"].sum())
    ) - 20_000.0  # the 长浏 part east of 永安 opened 2013-06


def test_the_changzhu_expressway_joins_the_changyong_expressway_from_2010(surveyed: Scenario) -> None:
    def state(year: int) -> NetworkState:
        return resolve_state(surveyed.model_copy(update={"year": year, "period": "off_peak"}))

    r2009 = route(state(2009), XINGSHA, YUNLONG, "car")
    r2010 = route(state(2010), XINGSHA, YUNLONG, "car")
    assert any("长株高速 北端" in leg.label for leg in r2010.legs)  # S20 -> S21 without leaving the expressways
    assert not any("长株" in leg.label for leg in r2009.legs)
    assert r2010.minutes < r2009.minutes - 3.0


ZHUZHOU, HUANGHUA = (113.1450, 27.8330), (113.219, 28.189)


def test_the_zhuzhou_link_of_the_changzhu_expressway_opens_with_it(surveyed: Scenario) -> None:
    """长株高速's 6.9-km 株洲连接线 (云田–田心, data/trunk_roads.csv S21-ZZ) opened with the main line on 2010-08-31."""

    def link_km(year: int) -> float:
        e = resolve_state(surveyed.model_copy(update={"year": year})).roads.edges
        return float(e.loc[(e["ref"] == "S21-ZZ") & (e["highway"] == "expressway"), "length_m"].sum()) / 1000.0

    assert link_km(2009) == 0.0
    assert abs(link_km(2010) - 6.9) < 0.05  # the published length
    r = route(resolve_state(surveyed.model_copy(update={"year": 2010, "period": "off_peak"})), ZHUZHOU, HUANGHUA, "car")
    assert any("株洲连接线" in leg.label and "expressway" in leg.label for leg in r.legs)


def test_dongzhu_road_is_absent_before_2016_a_signalised_road_until_2020_then_an_urban_expressway(surveyed: Scenario) -> None:
    """洞株路: the 洞株快速公路 opened 2016-01-08 (catalogue road_opened), 快速化 2020-10-23 (opened)."""

    def edges(year: int) -> pd.DataFrame:
        e = resolve_state(surveyed.model_copy(update={"year": year})).roads.edges
        return e[e["ref"] == "dongzhu-road"]

    assert edges(2015).empty
    mid = edges(2016)
    assert float(mid["length_m"].sum()) / 1000.0 > 25.0
    assert set(mid["highway"]) == {"urban_arterial"} and float(mid["signals"].sum()) > 0
    assert set(edges(2020)["highway"]) == {"urban_express"}
    t = changes_by_year([2015, 2016])
    assert "dongzhu-road" in set(t.loc[t["year"] == 2016, "id"]) and "dongzhu-road" not in set(t.loc[t["year"] == 2015, "id"])


def test_a_road_cannot_open_after_its_upgrade() -> None:
    bad = {
        "id": "x",
        "name_zh": "x",
        "type": "road_upgrade",
        "opened": "2020-01-01",
        "road_opened": "2021-01-01",
        "path": [[113.0, 28.0], [113.1, 28.0]],
        "after": {"highway": "urban_express"},
    }
    with pytest.raises(ValueError, match="road_opened"):
        Project.model_validate(bad)
