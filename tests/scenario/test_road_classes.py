"""Curated road classes per corridor (data/road_classes.csv) win over the density rule, with their dates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from network._errors import DataError
from network.model.graph import NetworkState
from network.routing.route import route
from network.scenario.resolve import base_network, resolve_state
from network.scenario.road_classes import CORRIDOR_COLUMN, DENSITY_COLUMN
from network.scenario.schema import Scenario
from network.sources.embedded import ROAD_CLASS_COLUMNS, load_road_classes

PINGTANG, JIUHUA = (112.907, 28.047), (112.925, 27.960)


def test_a_class_set_by_the_corridor_table_wins_over_the_density_rule() -> None:
    roads, _ = base_network("embedded")
    e = roads.edges
    hit = e[e[CORRIDOR_COLUMN] == "XXDD-S"]
    assert len(hit) >= 1
    assert set(hit["highway"]) == {"suburban_arterial"}
    assert set(hit[DENSITY_COLUMN]) == {"urban_arterial"}  # what the density rule made of it
    # signals from the table's spacing: one per 3 km
    assert (hit["signals"] == (hit["length_m"] / 3000.0).round()).all() and hit["signals"].sum() > 0


def test_a_corridor_is_absent_before_its_opening(surveyed: Scenario) -> None:
    def state(year: int) -> NetworkState:
        return resolve_state(surveyed.model_copy(update={"year": year, "period": "off_peak"}))

    before, after = state(2019), state(2020)
    assert "XXDD-S" not in set(before.roads.edges[CORRIDOR_COLUMN].fillna(""))
    assert "XXDD-S" in set(after.roads.edges[CORRIDOR_COLUMN].fillna(""))
    r_before = route(before, PINGTANG, JIUHUA, "car")
    r_after = route(after, PINGTANG, JIUHUA, "car")
    assert not any("潇湘大道" in leg.label for leg in r_before.legs)
    assert any("潇湘大道" in leg.label and "suburban_arterial" in leg.label for leg in r_after.legs)
    # before, a point at 坪塘 joins the skeleton's long 九华 arterial too (a shared road the 潭州大道 长沙段's own
    # nodes used to crowd out: 40.3 min in 2019, now 26.7); 潇湘大道 still saves minutes
    assert r_after.minutes < r_before.minutes - 2.0


def test_a_bad_class_row_is_refused_naming_file_line_and_field(tmp_path: Path) -> None:
    header = ",".join(ROAD_CLASS_COLUMNS)
    row = "X,x road,boulevard,,density,{seq},112.9,28.0,unknown,a source,"
    (tmp_path / "road_classes.csv").write_text(header + "\n" + row.format(seq=0) + "\n" + row.format(seq=1) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"road_classes.csv: line 2, field 'class'"):
        load_road_classes(tmp_path)
    good = row.replace("boulevard", "rural_highway")
    (tmp_path / "road_classes.csv").write_text(header + "\n" + good.format(seq=0) + "\n" + good.format(seq=1) + "\n", encoding="utf-8")
    load_road_classes.cache_clear()
    assert load_road_classes(tmp_path)["opened"].isna().all()  # unknown: present in every year


def test_an_arterial_outside_the_dense_city_runs_at_its_suburban_speed(surveyed_state: NetworkState) -> None:
    from network.routing.graphs import road_edge_times_s

    e = surveyed_state.roads.edges
    arterial = (e["highway"] == "urban_arterial").to_numpy() & (e["signals"].fillna(0) == 0).to_numpy()
    for col in ("speed_kph", f"speed_{surveyed_state.params.period}_kph"):  # a road with its own speed keeps it
        if col in e.columns:
            arterial &= ~(e[col].to_numpy(dtype=float) > 0)
    share = e["open_share"].to_numpy(dtype=float)
    t = road_edge_times_s(surveyed_state.roads, None, surveyed_state.params)
    kph = e["length_m"].to_numpy(dtype=float) / t * 3.6
    period = surveyed_state.params.period
    dense = surveyed_state.params.value(f"speed_urban_arterial_{period}_kph")
    suburban = surveyed_state.params.value(f"speed_urban_arterial_suburban_{period}_kph")
    open_ = arterial & (share == 1.0)
    city = arterial & (share == 0.0)
    assert open_.sum() > 20 and city.sum() > 200
    assert kph[open_] == pytest.approx(suburban) and kph[city] == pytest.approx(dense)
    half = np.flatnonzero(arterial & (share > 0.3) & (share < 0.7))[0]
    assert kph[half] == pytest.approx(1.0 / ((1 - share[half]) / dense + share[half] / suburban))  # harmonic: time adds up


def test_an_arterial_added_as_its_own_road_takes_the_same_density_split(surveyed: Scenario) -> None:
    """潭州大道 长沙段 (a catalogue road of its own, an arterial until its planned upgrade) runs through 坪塘
    and 含浦: its edges carry open_share like the skeleton's, so its suburban length runs at the suburban
    speed instead of the downtown one."""
    from network.routing.graphs import road_edge_times_s

    state = resolve_state(surveyed.model_copy(update={"year": 2020, "period": "off_peak"}))
    e = state.roads.edges
    own = (e["ref"] == "tanzhou-changsha-section").to_numpy()
    assert own.sum() > 0 and np.isfinite(e["open_share"].to_numpy(dtype=float)).all()
    share = e["open_share"].to_numpy(dtype=float)[own]
    assert share.max() > 0.5  # mostly outside the dense city
    kph = (e["length_m"].to_numpy(dtype=float) / road_edge_times_s(state.roads, None, state.params) * 3.6)[own]
    assert kph.max() > state.params.value("speed_urban_arterial_off_peak_kph") + 1.0


def test_an_urban_expressway_of_its_own_is_absent_before_its_opening_and_an_urban_expressway_after(surveyed: Scenario) -> None:
    """红旗路 east of 长沙南站 (data/road_classes.csv CS-HQL, a new road with a 3.2-km viaduct, opened between
    2016-10-25 and 2018-01-11): absent in 2015, urban_express without signals from the earliest end (2016) by
    default and from the latest (2018) with dates: latest; both ends named in the network changes."""
    from network.scenario.dated import changes_by_year, date_ranges, years_in_doubt

    def hql(year: int) -> pd.DataFrame:
        e = resolve_state(surveyed.model_copy(update={"year": year})).roads.edges
        return e[e[CORRIDOR_COLUMN] == "CS-HQL"]

    assert hql(2015).empty
    assert not hql(2016).empty  # the earliest end of its range, by default
    late = resolve_state(surveyed.model_copy(update={"year": 2017, "dates": "latest"})).roads.edges
    assert "CS-HQL" not in set(late[CORRIDOR_COLUMN].fillna(""))  # at the latest end it is not open in 2017
    after = hql(2017)
    assert set(after["highway"]) == {"urban_express"} and float(after["signals"].sum()) == 0.0
    assert 3.0 < float(after["length_m"].sum()) / 1000.0 < 5.32 * 1.1  # its published 5.32 km; the skeleton lacks the 浏阳河 bridge
    t = changes_by_year([2015, 2016, 2018])
    assert "CS-HQL" in set(t.loc[t["year"] == 2016, "id"]) and "CS-HQL" not in set(t.loc[t["year"] == 2015, "id"])
    assert "CS-HQL" in set(t.loc[t["year"] == 2018, "id"])  # the range's latest end is listed too
    hql_range = [r for r in date_ranges() if r.id == "CS-HQL"]
    assert years_in_doubt([2015, 2016, 2017, 2018], hql_range) == [2016, 2017]


def test_both_carriageways_of_a_divided_road_take_the_corridors_class_and_date(surveyed: Scenario) -> None:
    """星沙联络线 west of 万家丽路 (CS-XSL, opened 2017-06-30 without signals) is two ways in the skeleton, one per
    carriageway: both are urban_express from 2017 and both absent in 2016 (no arterial left where no road was)."""
    roads, _ = base_network("embedded")
    e = roads.edges
    xsl = e[e[CORRIDOR_COLUMN] == "CS-XSL"]
    assert len(xsl) == 2 and set(xsl["highway"]) == {"urban_express"} and float(xsl["signals"].sum()) == 0.0
    assert abs(float(xsl["length_m"].iloc[0]) - float(xsl["length_m"].iloc[1])) < 1.0  # the two carriageways
    pairs = {frozenset(p) for p in zip(xsl["u"], xsl["v"])}
    before = resolve_state(surveyed.model_copy(update={"year": 2016})).roads.edges
    assert not pairs & {frozenset(p) for p in zip(before["u"], before["v"])}
    after = resolve_state(surveyed.model_copy(update={"year": 2017})).roads.edges
    assert pairs <= {frozenset(p) for p in zip(after["u"], after["v"])}


def test_twin_edges_are_the_other_carriageway_not_a_crossing_road() -> None:
    from network.scenario.edits import eligible_edges
    from network.scenario.road_classes import twin_edges

    roads, _ = base_network("embedded")
    e = roads.edges
    one = np.flatnonzero(((e["u"] == 52) & (e["v"] == 69)).to_numpy())  # one carriageway of 星沙联络线
    twins = twin_edges(roads, one, eligible_edges(roads, "urban_express"))
    assert [(int(e["u"].iloc[k]), int(e["v"].iloc[k])) for k in twins] == [(68, 74)]
    assert len(twin_edges(roads, np.array([], dtype=int), eligible_edges(roads, "urban_express"))) == 0


def test_an_expressway_the_skeleton_holds_as_an_arterial_takes_the_expressway_class_from_its_opening(surveyed: Scenario) -> None:
    """长沙机场高速 (CS-AIR, opened 2003-06-01): the skeleton carries it as an unnamed arterial; the corridor table
    makes it an expressway (it wins over the density rule), absent in 2002."""
    roads, _ = base_network("embedded")
    e = roads.edges
    air = e[e[CORRIDOR_COLUMN] == "CS-AIR"]
    assert set(air["highway"]) == {"expressway"} and set(air[DENSITY_COLUMN]) == {"urban_arterial"}
    assert 14.0 < float(air["length_m"].sum()) / 1000.0 < 17.4 * 1.1  # published 17.4 km
    for cid in ("G0401-E", "S20-E"):  # expressway corridors still claim only their expressway's edges
        assert set(e.loc[e[CORRIDOR_COLUMN] == cid, "ref"]) <= {"G0401", "S20"}
    before = resolve_state(surveyed.model_copy(update={"year": 2002})).roads.edges
    assert "CS-AIR" not in set(before[CORRIDOR_COLUMN].fillna(""))
    assert "CS-AIR" in set(resolve_state(surveyed.model_copy(update={"year": 2003})).roads.edges[CORRIDOR_COLUMN].fillna(""))


def test_a_corridor_opening_known_only_as_a_range_follows_the_scenarios_dates(tmp_path: Path) -> None:
    """opened_latest: the class holds from the earliest end by default, from the latest with dates: latest."""
    from network.scenario.road_classes import road_classes_in_year

    header = ",".join([*ROAD_CLASS_COLUMNS, "opened_latest"])
    row = "X,x road,urban_express,,absent,{seq},112.9,28.0,2016-10-25,a source,,{latest}"
    (tmp_path / "road_classes.csv").write_text(header + "\n" + row.format(seq=0, latest="2018-01-11") + "\n" + row.format(seq=1, latest="2018-01-11") + "\n", encoding="utf-8")
    load_road_classes.cache_clear()
    table = load_road_classes(tmp_path)
    roads, _ = base_network("embedded")
    tagged = roads.edges.assign(**{CORRIDOR_COLUMN: np.where(np.arange(len(roads.edges)) < 3, "X", "")})
    from dataclasses import replace

    with_x = replace(roads, edges=tagged)
    n_x = lambda r: int((r.edges[CORRIDOR_COLUMN] == "X").sum())  # noqa: E731
    assert n_x(road_classes_in_year(with_x, table, 2017)) == 3  # earliest end: open in 2017
    assert n_x(road_classes_in_year(with_x, table, 2017, "latest")) == 0  # latest end: not yet
    assert n_x(road_classes_in_year(with_x, table, 2018, "latest")) == 3
    for latest in ("2015-01-01", "2018"):  # a range that ends before it starts; not a date
        (tmp_path / "road_classes.csv").write_text(header + "\n" + row.format(seq=0, latest=latest) + "\n", encoding="utf-8")
        load_road_classes.cache_clear()
        with pytest.raises(DataError, match=r"road_classes.csv: line 2, field 'opened_latest'"):
            load_road_classes(tmp_path)
    load_road_classes.cache_clear()
