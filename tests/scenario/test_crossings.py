"""The 湘江 crossings of data/river_crossings.csv: each bridge or tunnel is in a year's network exactly when
it had opened (network/sources/crossings.py, network/scenario/crossings.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from network._errors import DataError
from network.model.graph import NetworkState
from network.routing.route import route
from network.scenario.crossings import crossings_open_in
from network.scenario.dated import DateRange, changes_by_year, unknown_date_km, years_in_doubt
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario, inherit_base
from network.sources.crossings import (
    CROSSING_COLUMN,
    CROSSING_COLUMNS,
    load_river_crossings,
    with_river_crossings,
)
from network.sources.embedded import load_embedded_roads

SHENGFU, HEXI = (113.000, 28.112), (112.935, 28.112)  # the observed row xiangfu-bridge (湘府路湘江大桥, 2013-02-06)


def _state(surveyed: Scenario, year: int) -> NetworkState:
    return resolve_state(surveyed.model_copy(update={"year": year, "period": "off_peak"}))


def _crossings_in(state: NetworkState) -> set[str]:
    return set(state.roads.edges[CROSSING_COLUMN].fillna("").astype(str)) - {""}


def test_a_bridge_is_absent_before_its_opening(surveyed: Scenario) -> None:
    before, after = _state(surveyed, 2012), _state(surveyed, 2013)
    assert "XC-CS-XFL" not in _crossings_in(before)
    assert "XC-CS-XFL" in _crossings_in(after)
    r2012, r2013 = route(before, SHENGFU, HEXI, "car"), route(after, SHENGFU, HEXI, "car")
    assert r2012.minutes > r2013.minutes + 2.0  # 2012: round by another crossing (猴子石 or 黑石铺)
    assert any(leg.label.startswith("湘府路湘江大桥") for leg in r2013.legs)  # route names the bridge it drives
    assert not any("湘府路湘江大桥" in leg.label for leg in r2012.legs)


@pytest.mark.parametrize("year", [2005, 2011, 2013, 2016, 2024, 2025])
def test_a_year_holds_exactly_the_crossings_open_by_then(surveyed: Scenario, year: int) -> None:
    table = load_river_crossings()
    assert _crossings_in(_state(surveyed, year)) == set(crossings_open_in(table, year))


def test_a_crossing_the_skeleton_lacks_is_added_as_its_own_road(surveyed: Scenario) -> None:
    """营盘路湘江隧道 (2011-10-29) is not in the skeleton: it is its own road from its opening year on."""
    e = _state(surveyed, 2011).roads.edges
    tunnel = e[e[CROSSING_COLUMN] == "XC-CS-YPT"]
    assert set(tunnel["ref"]) == {"XC-CS-YPT"}
    assert 2.5 < float(tunnel["length_m"].sum()) / 1000.0 < 6.0  # 3 km between the banks, plus the links to the network
    assert "XC-CS-YPT" not in _crossings_in(_state(surveyed, 2010))


def test_the_timeline_names_crossings_and_counts_their_km_as_dated(surveyed: Scenario) -> None:
    t = changes_by_year([2013])
    named = dict(zip(t["id"], t["kind"]))
    assert named.get("XC-CS-XFL") == "bridge opened" and named.get("XC-CS-NHL") == "tunnel opened"
    roads = _state(surveyed, 2013).roads
    undated = replace(roads, edges=roads.edges.assign(**{CROSSING_COLUMN: ""}))
    e = roads.edges
    dated_km = float(e.loc[e[CROSSING_COLUMN].isin(["XC-CS-XFL", "XC-ZZ-ZZQ"]), "length_m"].sum()) / 1000.0
    assert dated_km > 2.0
    assert unknown_date_km(roads) <= unknown_date_km(undated) - dated_km + 0.1


def _write(path: Path, row: dict[str, str]) -> Path:
    base = {c: "" for c in CROSSING_COLUMNS} | {"crossing": "X1", "name": "test bridge", "kind": "bridge", "city": "changsha"}
    base |= {"lon_a": "112.95", "lat_a": "28.2", "lon_b": "112.97", "lat_b": "28.2", "opened": "2010-01-01", "source": "test"}
    base |= row
    columns = [*CROSSING_COLUMNS, *(c for c in row if c not in CROSSING_COLUMNS)]
    path.write_text(",".join(columns) + "\n" + ",".join(base[c] for c in columns) + "\n", encoding="utf-8")
    return path.parent


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"opened": "2010"}, "'opened'"),
        ({"kind": "ferry"}, "'kind'"),
        ({"edges": "12/22"}, "'edges'"),
        ({"source": ""}, "'source'"),
        ({"lat_a": "40"}, "'lat_b'"),
        ({"opened_latest": "2009-06-30"}, "'opened_latest'"),  # a range ends after it starts
        ({"opened_latest": "2011"}, "'opened_latest'"),
        ({"opened": "unknown", "opened_latest": "2011-01-01"}, "'opened_latest'"),  # a range needs a known start
    ],
)
def test_a_bad_row_is_refused_naming_file_line_and_field(tmp_path: Path, row: dict[str, str], field: str) -> None:
    folder = _write(tmp_path / "river_crossings.csv", row)
    with pytest.raises(DataError, match=rf"river_crossings\.csv: line 2, field.*{field}"):
        load_river_crossings(folder)


def test_a_skeleton_edge_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path / "river_crossings.csv", {"edges": "12-99999"})
    with pytest.raises(DataError, match=r"crossing 'X1', field 'edges': no skeleton edge 12-99999"):
        with_river_crossings(load_embedded_roads(), load_river_crossings(folder))


def test_a_date_known_only_as_a_range_follows_the_scenarios_dates_field(surveyed: Scenario) -> None:
    """枫溪大桥 or 清水塘大桥 (the skeleton edge is one of the two): open from 2016-11-13 or from 2023-08-28."""
    in_2018 = surveyed.model_copy(update={"year": 2018, "period": "off_peak"})
    assert "XC-ZZ-FXQ" in _crossings_in(resolve_state(in_2018))
    assert "XC-ZZ-FXQ" not in _crossings_in(resolve_state(in_2018.model_copy(update={"dates": "latest"})))
    in_2024 = in_2018.model_copy(update={"year": 2024, "dates": "latest"})
    assert "XC-ZZ-FXQ" in _crossings_in(resolve_state(in_2024))
    table = load_river_crossings()
    assert crossings_open_in(table, 2018) - crossings_open_in(table, 2018, "latest") == {"XC-ZZ-FXQ"}


def test_the_years_a_range_straddles_are_in_doubt() -> None:
    import datetime as dt

    ranged = DateRange("X", "x", dt.date(2016, 11, 13), dt.date(2023, 8, 28))
    assert years_in_doubt([2015, 2016, 2020, 2022, 2023, 2030], [ranged]) == [2016, 2020, 2022]
    assert years_in_doubt([2015, 2020], []) == []
    assert 2018 in years_in_doubt([2018])  # the curated range of XC-ZZ-FXQ


def test_a_child_scenario_inherits_its_bases_dates_unless_it_writes_them() -> None:
    base = Scenario(name="late", dates="latest")
    assert inherit_base(Scenario(name="child", base="late"), base, file="child.yaml").dates == "latest"
    assert inherit_base(Scenario(name="child", base="late", dates="earliest"), base, file="child.yaml").dates == "earliest"
