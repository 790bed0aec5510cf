"""The network's dated changes by year (network/scenario/dated.py) and the km of unknown opening date."""

from __future__ import annotations

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
    assert ring_km(2014) < ring_km(2015) - 30.0  # 34 km of the ring opened 2015-02-27
    e = resolve_state(surveyed.model_copy(update={"year": 2014})).roads.edges
    assert (e["ref"] == "G4").sum() == (resolve_state(surveyed.model_copy(update={"year": 2015})).roads.edges["ref"] == "G4").sum()
