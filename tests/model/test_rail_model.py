"""Rail run times, stopping patterns, waits and service history (network/model/rail.py, graph.py),
and each rail project of the catalogue changing the times it should in the year it opens."""

from __future__ import annotations

import numpy as np
import pytest

from network._errors import DataError
from network.model.graph import NetworkState, StateParams
from network.model.parameters import DEFAULTS
from network.model.rail import (
    load_rail,
    load_service_history,
    load_station_calendar,
    run_time_s,
    run_time_sections_s,
    section_limits_kph,
    with_service_history,
)
from network.routing.graphs import build_transit_graph, initial_wait_s
from network.routing.route import rail_time, route
from network.scenario.resolve import resolve_state
from network.scenario.schema import parse_scenario

CHANGSHA_STATION = (113.0088, 28.1972)
ZHUZHOU_SOUTH = (113.1628, 27.7720)
XIANGTAN_STATION = (112.9080, 27.8796)


def _state(year: int | None, period: str = "off_peak", **extra: str) -> NetworkState:
    text = f"name: t{year}\nperiod: {period}\n" + (f"year: {year}\n" if year else "")
    text += "".join(f"{k}: {v}\n" for k, v in extra.items())
    return resolve_state(parse_scenario(text, file="<test>"))


def test_run_time_is_physics_long_hops_cruise_short_hops_are_triangles() -> None:
    v_ms, a, b = 100 / 3.6, 0.5, 0.5
    long_hop = 10_000.0
    t = run_time_s(np.array([long_hop]), 100, a, b)[0]
    assert t == pytest.approx(long_hop / v_ms + v_ms / (2 * a) + v_ms / (2 * b))
    short = 500.0  # too short to reach 100 km/h at 0.5 m/s2: accelerate half, brake half
    assert run_time_s(np.array([short]), 100, a, b)[0] == pytest.approx(2 * np.sqrt(short / a))
    # a stop costs time: two hops are slower than one hop over the same distance
    assert run_time_s(np.array([2000.0, 2000.0]), 100, a, b).sum() > run_time_s(np.array([4000.0]), 100, a, b)[0]


def test_a_speed_profile_through_sections_agrees_with_the_closed_form_and_never_beats_it() -> None:
    a, b = 0.45, 0.45
    for d in (600.0, 3000.0, 13_000.0):
        assert run_time_sections_s([(d, 180.0)], a, b) == pytest.approx(run_time_s(np.array([d]), 180.0, a, b)[0], abs=1.0)
    mixed = run_time_sections_s([(4000.0, 70.0), (9000.0, 180.0)], a, b)
    assert run_time_s(np.array([13_000.0]), 180.0, a, b)[0] < mixed < run_time_s(np.array([13_000.0]), 70.0, a, b)[0]
    # the same track run the other way takes the same time; a slower section never speeds a hop up
    assert run_time_sections_s([(9000.0, 180.0), (4000.0, 70.0)], a, b) == pytest.approx(mixed, rel=1e-6)
    assert run_time_sections_s([(4000.0, 60.0), (9000.0, 180.0)], a, b) > mixed


def test_section_limits_cover_only_the_hops_that_touch_a_section() -> None:
    values = {"line_speed_intercity_urban_kph": 70.0}
    sections = [(0.0, 20_000.0, "line_speed_intercity_urban_kph")]
    assert section_limits_kph(21_000.0, 30_000.0, sections, 180.0, values) == []
    assert section_limits_kph(5_000.0, 8_000.0, sections, 180.0, values) == [(3000.0, 70.0)]
    assert section_limits_kph(15_000.0, 25_000.0, sections, 180.0, values) == [(5000.0, 70.0), (5000.0, 180.0)]


def test_the_intercity_is_slower_under_changsha_than_on_the_open_line() -> None:
    """The urban trunk (长沙–暮云, tunnel and curves) runs at the table's urban line speed: 长沙→芙蓉南
    (about 21 km, all stops) takes longer per km than 暮云→株洲南 (about 35 km)."""
    off = _state(2022, "off_peak")
    urban = rail_time(off, CHANGSHA_STATION, (112.9906, 28.0369))
    open_line = rail_time(off, (113.0006, 27.9935), ZHUZHOU_SOUTH)
    assert urban.minutes / 21.4 > 1.3 * open_line.minutes / 35.0


def test_a_train_runs_through_a_station_not_yet_open() -> None:
    """株洲站's intercity platforms opened on 2021-01-28 (data/rail_station_calendar.csv): in 2017 the
    株洲南 trains ran through it, so the ride is shorter than once it is a stop; the station is no stop
    before, and in 2020 (株洲南 closed for the 株洲站 rebuilding) the branch ends short of 株洲南."""
    def zz_stops(year: int) -> list[str]:
        st = _state(year).rail.stops
        return list(st.loc[st["line_id"] == "IC-ZZ", "name_zh"])

    assert "株洲" not in zz_stops(2017) and "株洲" in zz_stops(2022)
    assert "株洲南" not in zz_stops(2020) and "株洲南" in zz_stops(2021)
    before = rail_time(_state(2017), CHANGSHA_STATION, ZHUZHOU_SOUTH)
    after = rail_time(_state(2022), CHANGSHA_STATION, ZHUZHOU_SOUTH)
    assert before.lines == after.lines == ["IC-ZZ"]
    assert 1.0 < after.minutes - before.minutes < 4.0  # a stop: dwell plus braking and accelerating


def test_a_bad_station_calendar_names_file_line_and_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "rail_station_calendar.csv").write_text(
        "line_id,name_zh,opened,closed_from,closed_to,source\nIC-ZZ,株洲,2021-13-45,,,x\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"rail_station_calendar.csv:2: field 'opened'.*YYYY-MM-DD"):
        load_station_calendar(tmp_path)


def test_initial_wait_is_half_the_headway_up_to_the_cap_then_grows_slowly() -> None:
    v = dict(DEFAULTS)
    cap_s = v["initial_wait_cap_min"] * 60
    assert initial_wait_s(600.0, v) == pytest.approx(300.0)
    hourly = float(initial_wait_s(3600.0, v))
    assert cap_s < hourly < 1800.0
    assert float(initial_wait_s(7200.0, v)) > hourly  # never decreasing


def test_express_is_faster_than_the_all_stop_train_and_typical_lies_between() -> None:
    peak = _state(2017, "am_peak")
    typical = rail_time(peak, CHANGSHA_STATION, XIANGTAN_STATION, pattern="typical")
    fastest = rail_time(peak, CHANGSHA_STATION, XIANGTAN_STATION, pattern="fastest")
    all_stop = rail_time(_state(2017, "off_peak"), CHANGSHA_STATION, XIANGTAN_STATION, pattern="typical")
    assert fastest.lines == ["IC-XT-EXP"] and all_stop.lines == ["IC-XT"]
    assert fastest.minutes + 10 < all_stop.minutes
    assert fastest.minutes < typical.minutes < all_stop.minutes


def test_station_to_station_times_are_in_the_published_range() -> None:
    """Timetable order of magnitude (reliability-A rows of the observed file): 长沙→湘潭 all-stop about
    50 min, the peak express about 35, 长沙→株洲南 about 50 (fastest 39)."""
    off = _state(2017, "off_peak")
    assert 40 < rail_time(off, CHANGSHA_STATION, XIANGTAN_STATION).minutes < 62
    assert 40 < rail_time(off, CHANGSHA_STATION, ZHUZHOU_SOUTH).minutes < 63
    assert 26 < rail_time(off, CHANGSHA_STATION, XIANGTAN_STATION, pattern="fastest").minutes < 44


def test_service_history_gives_each_year_its_headways() -> None:
    rail, hist = load_rail(), load_service_history()
    def hw(year: int | None, line: str) -> float:
        r = with_service_history(rail, hist, year=year, active=frozenset({"czt-intercity-frequency", "czt-intercity-frequency-2020", "czt-intercity-frequency-2022"}))
        return float(r.lines.set_index("line_id").loc[line, "headway_off_peak_min"])
    assert hw(2016, "IC-ZZ") == 60  # about one train an hour per branch at opening
    assert hw(2020, "IC-XT") == 16  # the 2020-03 increase
    assert hw(2021, "IC-ZZ") == 22
    assert hw(None, "IC-ZZ") == hw(2024, "IC-ZZ")
    # a frequency project left out keeps the headways of before it
    r = with_service_history(rail, hist, year=2021, active=frozenset())
    assert float(r.lines.set_index("line_id").loc["IC-ZZ", "headway_off_peak_min"]) == 24


def test_conventional_trains_link_zhuzhou_and_xiangtan_stations() -> None:
    """Before the intercity railway, 株洲站 → 湘潭站 is a conventional train, not 50 km of feeder bus."""
    r = route(_state(2015), (113.1517, 27.8388), XIANGTAN_STATION, "transit")
    assert "CR-ZX" in r.lines
    assert r.minutes < 75


@pytest.mark.parametrize(
    ("project", "year", "origin", "destination", "min_saving"),
    [
        ("czt-intercity", 2016, CHANGSHA_STATION, XIANGTAN_STATION, 10.0),
        ("czt-intercity-peak-express", 2017, CHANGSHA_STATION, XIANGTAN_STATION, 5.0),
        ("czt-intercity-frequency-2020", 2020, CHANGSHA_STATION, XIANGTAN_STATION, 1.0),
        # 24 -> 22 min on the 株洲 branch: half the headway is beyond the 10-min wait cap, so the first
        # wait falls by only 0.3 x 1 min (a traveller who knows the timetable barely gains)
        ("czt-intercity-frequency", 2021, CHANGSHA_STATION, (113.1242, 27.8994), 0.2),  # 田心东
        ("czt-intercity-frequency-2022", 2022, CHANGSHA_STATION, (113.1242, 27.8994), 0.5),
        ("west-ring-line", 2023, (112.90701, 28.04689), (112.9708, 28.1988), 5.0),  # 坪塘 → 五一广场
    ],
)
def test_each_rail_project_cuts_transit_times_in_its_opening_year(
    project: str, year: int, origin: tuple[float, float], destination: tuple[float, float], min_saving: float
) -> None:
    period = "am_peak" if project == "czt-intercity-peak-express" else "off_peak"
    with_it = _state(year, period).with_params()
    without = _state(year, period, exclude=f"[{project}]")
    assert project in with_it.projects and project not in without.projects
    assert route(with_it, origin, destination, "transit").minutes < route(without, origin, destination, "transit").minutes - min_saving


def test_state_params_default_to_the_parameter_table() -> None:
    p = StateParams()
    assert p.value("walk_speed_kph") == DEFAULTS["walk_speed_kph"]
    assert StateParams(overrides=(("walk_speed_kph", 4.6),)).value("walk_speed_kph") == 4.6


def test_removing_a_line_removes_its_stopping_patterns() -> None:
    """`remove_lines: [IC-XT]` withdraws the 湘潭 branch and its peak express (which runs on its track):
    no train is left between 长沙 and 湘潭 on the intercity, and the trip gets slower."""
    with_line = _state(2017, "am_peak")
    without = _state(2017, "am_peak", remove_lines="[IC-XT]")
    assert "IC-XT-EXP" in set(with_line.rail.lines["line_id"])
    assert not {"IC-XT", "IC-XT-EXP"} & set(without.rail.lines["line_id"])
    before = route(with_line, CHANGSHA_STATION, XIANGTAN_STATION, "transit")
    after = route(without, CHANGSHA_STATION, XIANGTAN_STATION, "transit")
    assert before.lines == ["IC-XT-EXP"]
    assert not {"IC-XT", "IC-XT-EXP"} & {leg.label for leg in after.legs}
    assert after.minutes > before.minutes


def test_feeder_buses_never_run_on_expressways() -> None:
    """The feeder is a local bus: 长沙南 to a point 3.7 km from 株洲西 rides the HSR, not a 44-km 'feeder'
    along G0401/G4 (intercity buses are services of their own)."""
    r = route(_state(2023, "am_peak"), (113.0650, 28.1470), (113.0760, 27.8570), "transit")
    assert r.lines, [(leg.kind, leg.label) for leg in r.legs]
    assert not [leg for leg in r.legs if leg.kind == "feeder" and "expressway" in leg.label]
    g = build_transit_graph(_state(2023, "am_peak"))
    kinds = set(map(str, g.edge_kind))
    assert "road:expressway" not in kinds and "road:urban_arterial" in kinds


def test_route_legs_show_the_connector_length_and_the_road_run_along() -> None:
    """A planner reads the legs: the connector's km is shown (not 0.0), the part of a trip run along the
    nearest road is a drive on that road (洞株路's end point lies on it), and legs add up to the total."""
    r = route(_state(2020, "off_peak"), (113.034, 28.087), (113.105, 27.895), "car")
    drives = [leg for leg in r.legs if leg.kind == "drive"]
    assert drives and "洞株路" in drives[0].label and drives[0].km > 25.0
    assert sum(leg.minutes for leg in r.legs) == pytest.approx(r.minutes, abs=0.02)
    assert sum(leg.km for leg in r.legs) == pytest.approx(r.km, abs=0.01)
    centre = route(_state(2023, "am_peak"), (113.1450, 27.8330), (112.926, 27.857), "car")
    access = [leg for leg in centre.legs if leg.kind == "access"]
    assert all(leg.km > 0.3 for leg in access), access


def test_the_west_extension_has_its_published_length() -> None:
    """长沙–长沙西 is 21.888 km with 7 stations (gcjc.com/news/show-6581.html); the model's track is within 10 %."""
    stops = load_rail().stops
    s = stops[stops["line_id"] == "IC-T"].set_index("name_zh")["track_m"]
    assert abs((s["长沙"] - s["长沙西"]) / 1000.0 - 21.888) <= 0.1 * 21.888
    assert list(s.index).index("长沙") == 7  # 长沙西 and six stations before 长沙


def test_local_streets_are_faster_off_peak() -> None:
    """Connectors (local streets) run at the AM-peak speeds of the table and faster off-peak by
    ``connector_off_peak_factor``: the same trip end costs less access time off-peak, by that ratio."""
    a, b = (113.1450, 27.8330), (112.926, 27.857)
    am = [leg for leg in route(_state(2023, "am_peak"), a, b, "car").legs if leg.kind == "access"]
    off = [leg for leg in route(_state(2023, "off_peak"), a, b, "car").legs if leg.kind == "access"]
    assert am[0].km == pytest.approx(off[0].km) and am[0].km > 0.3
    assert am[0].minutes / off[0].minutes == pytest.approx(DEFAULTS["connector_off_peak_factor"], rel=1e-3)


def test_route_ends_same_point_zero_far_point_named_bus_connector_shown() -> None:
    """The same point is no trip (0 min, as the matrices say); a point off the network is named by its
    option; a trip end beyond walking distance shows its bus connector as a feeder leg, not as 'access'."""
    from network._errors import NetworkError

    state = _state(2023, "am_peak")
    assert route(state, (112.9708, 28.1988), (112.9708, 28.1988), "car").minutes == 0.0
    with pytest.raises(NetworkError, match=r"^--from 112.6,26.5 is 105\.\d km"):
        route(state, (112.6, 26.5), (112.97, 28.19), "car")
    r = route(state, (113.085, 28.03), (113.02, 27.93), "transit")
    first = r.legs[0]
    assert first.kind == "feeder" and first.km > 1.0 and "wait included" in first.label
