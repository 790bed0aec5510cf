"""The 2019-2020 action plan's remaining systems in the catalogue (issue 23, point 4): the 一环 (长株潭高速公路大环线:
东外环线, 西外环线, 株潭南绕城) and public transport between 黄花机场 and the three cities' HSR stations, each
with status, date, geometry and what is inferred, in all-proposals, and each changing the trips it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from network.model.graph import NetworkState
from network.routing.route import route
from network.scenario.catalogue import load_catalogue
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import load_scenario

ROOT = Path(__file__).resolve().parents[2]
RING = ("czt-ring-east", "czt-ring-west", "zhutan-south-bypass")
AIRPORT = ("airport-maglev", "airport-bus-zhuzhou-west", "airport-bus-xiangtan-north")


@pytest.fixture(scope="module")
def y2030() -> ResolvedScenario:
    path = ROOT / "scenarios" / "year-2030.yaml"
    return resolve_projects(load_scenario(path), file=str(path))


@pytest.fixture(scope="module")
def base_2030(y2030: ResolvedScenario) -> NetworkState:
    return build_state(y2030)


def test_the_plans_systems_are_catalogued_with_status_date_geometry_and_what_is_inferred() -> None:
    cat = load_catalogue()
    for pid in (*RING, *AIRPORT):
        p = cat[pid]
        assert p.status in ("built", "concept") and p.year >= 2016 and p.source
        assert p.path or p.line or p.line_ids
        if p.status == "concept":
            assert "unknown" in p.inferred or "assumption" in p.inferred
    assert {cat[p].group for p in RING} == {"一环"} and {cat[p].group for p in AIRPORT} == {"机场—高铁站"}
    proposals = load_scenario(ROOT / "scenarios" / "all-proposals.yaml")
    assert set(RING) | {"airport-bus-zhuzhou-west", "airport-bus-xiangtan-north"} <= set(proposals.projects)


@pytest.mark.parametrize(
    ("pid", "a", "b", "gain_min"),
    [
        ("czt-ring-east", (113.09, 28.10), (113.49, 27.66), 5.0),  # 干杉 -> 醴陵: 73.6 -> 65.9 min
        ("czt-ring-west", (112.55, 27.87), (112.72, 28.33), 20.0),  # 韶山 -> 长张高速 near 宁乡: 94.5 -> 56.3
        ("zhutan-south-bypass", (113.49, 27.66), (112.56, 27.87), 8.0),  # 醴陵 -> 湘乡: 102.7 -> 91.4
    ],
)
def test_each_ring_section_shortens_car_trips_along_it(
    y2030: ResolvedScenario, base_2030: NetworkState, pid: str, a: tuple[float, float], b: tuple[float, float], gain_min: float
) -> None:
    with_it = build_state(y2030, active=y2030.active | {pid})
    before, after = route(base_2030, a, b, "car"), route(with_it, a, b, "car")
    assert after.minutes < before.minutes - gain_min
    assert any(pid in leg.label or load_catalogue()[pid].name_zh in leg.label for leg in after.legs)


@pytest.mark.parametrize(
    ("pid", "line", "station"), [("airport-bus-zhuzhou-west", "AIR-ZZX", "株洲西"), ("airport-bus-xiangtan-north", "AIR-XTN", "湘潭北")]
)
def test_each_airport_bus_is_chosen_between_the_airport_and_its_hsr_station(
    y2030: ResolvedScenario, base_2030: NetworkState, pid: str, line: str, station: str
) -> None:
    with_it = build_state(y2030, active=y2030.active | {pid})
    s = with_it.rail.stops
    there = tuple(s.loc[s["name_zh"] == station, ["lon", "lat"]].iloc[0].astype(float))
    airport = (113.21333, 28.195)
    before, after = route(base_2030, airport, there, "transit"), route(with_it, airport, there, "transit")  # type: ignore[arg-type]
    assert line in after.lines
    # chosen because its generalized cost (no transfer) is lower; its clock time need not be
    assert after.generalized_minutes < before.generalized_minutes
