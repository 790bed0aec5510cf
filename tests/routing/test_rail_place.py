"""Mode ``rail`` starts and ends at the station place of each point (network/routing/route.py
``station_place``, ``rail_place_legs``): the nearest station and every station within a walking change of it.
At 长沙南 the nearest station is the HSR platform; the metro (长沙火车南站) is a walking change away, and a
trip onto the metro walks to it instead of riding an HSR train to 湘潭北 and back to change."""

from __future__ import annotations

import pytest

from network.model.graph import NetworkState
from network.routing.route import rail_time, route, station_place

CHANGSHA_SOUTH_HSR = (113.0599, 28.1501)  # nearest station: HSR 长沙南
SHAWAN_PARK = (113.035, 28.16)  # M2, two stops from 长沙火车南站
FURONG_SQUARE = (112.977, 28.196)  # M2 in the centre


def _stations(legs: list) -> list[str]:  # type: ignore[type-arg]
    """The stations a trip boards or leaves at, in order."""
    out = []
    for leg in legs:
        if leg.kind == "wait":
            out.append(leg.label.rsplit(" at ", 1)[1])
        elif leg.kind == "exit":
            out.append(leg.label)
    return out


def test_the_place_of_changsha_south_holds_its_metro_and_maglev(surveyed_state: NetworkState) -> None:
    place = station_place(surveyed_state, CHANGSHA_SOUTH_HSR)
    names = [s.name for s in place]
    assert names[0] == "长沙南" and place[0].walk_s == 0.0
    assert "长沙火车南站" in names
    assert all(s.walk_m <= surveyed_state.params.transfer_walk_m * 2 for s in place)
    assert all(s.walk_s > 0 for s in place[1:])


@pytest.mark.parametrize(
    "ends", [(CHANGSHA_SOUTH_HSR, SHAWAN_PARK), (CHANGSHA_SOUTH_HSR, FURONG_SQUARE), (FURONG_SQUARE, CHANGSHA_SOUTH_HSR)]
)
def test_a_rail_trip_never_rides_out_and_back(surveyed_state: NetworkState, ends: tuple[tuple[float, float], tuple[float, float]]) -> None:
    r = route(surveyed_state, ends[0], ends[1], "rail")
    assert r.lines == ["M2"], r.legs
    stations = _stations(r.legs)
    assert len(stations) == len(set(stations)), stations
    assert r.transfers == 0
    # the walking change at 长沙南 is shown and counted
    walks = [leg for leg in r.legs if leg.kind == "transfer"]
    assert len(walks) == 1 and "长沙火车南站" in walks[0].label and "长沙南" in walks[0].label
    assert r.minutes == pytest.approx(sum(leg.minutes for leg in r.legs))
    assert r.minutes < 35.0, r.minutes  # Line 2 at its published pace (52 min 20 s end to end); out and back via 湘潭北 is far longer
    transit = route(surveyed_state, ends[0], ends[1], "transit")
    assert r.minutes < transit.minutes + 5.0, (r.minutes, transit.minutes)


def test_station_to_station_from_the_hsr_platform_onto_the_metro(surveyed_state: NetworkState) -> None:
    rt = rail_time(surveyed_state, CHANGSHA_SOUTH_HSR, FURONG_SQUARE)
    assert rt.via_route and rt.lines == ["M2"], rt.legs
    assert rt.minutes < 30.0  # the walk to the metro, a wait and Line 2 at its published pace (26.8 measured)
