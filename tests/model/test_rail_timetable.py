"""Timetable-true rail (network/model/rail.py ``with_timetable``, graph.py ``transfer_change_s``,
routing/route.py ``rail_time`` and ``route(..., "rail")``): published run times as data, a minimum
transfer time onto national-rail trains, and trips that change trains found station to station."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from network._errors import DataError, NetworkError
from network.model.graph import NetworkState
from network.model.parameters import DEFAULTS, PARAMETERS
from network.model.rail import line_segments, load_rail, load_timetable, reverses_at, scale_to_timetable, with_timetable
from network.paths import DATA_DIR
from network.routing.graphs import transfer_change_s
from network.routing.route import rail_time, route
from network.scenario.resolve import resolve_state
from network.scenario.schema import parse_scenario
from tests.conftest import ROOT as PROJECT_DIR

ZHUZHOU_WEST = (113.0628, 27.7939)
XIANGTAN_NORTH = (112.9371, 27.9683)
ZHUZHOU_STATION = (113.1517, 27.8388)
XIANGTAN_STATION = (112.9080, 27.8796)
MAGLEV_HSR = (113.06154, 28.15199)
MAGLEV_AIRPORT = (113.21333, 28.195)


def _state(year: int, period: str = "off_peak") -> NetworkState:
    return resolve_state(parse_scenario(f"name: t{year}\nperiod: {period}\nyear: {year}\n", file="<test>"))


@pytest.fixture(scope="module")
def s2015() -> NetworkState:
    return _state(2015)


@pytest.fixture(scope="module")
def s2017() -> NetworkState:
    return _state(2017)


def _published(line_id: str) -> float:
    t = pd.read_csv(DATA_DIR / "rail_timetable.csv")
    return float(t.loc[t["line_id"] == line_id, "run_min"].iloc[-1])


def test_conventional_zhuzhou_to_xiangtan_runs_its_timetable_figure(s2015: NetworkState) -> None:
    """株洲→湘潭 by conventional train: 25 min, the fastest published in 2015 (株洲日报 2015-06-24), in the
    rail time and in a station-to-station route; the years before the figure's date keep it (no earlier timetable found)."""
    rt = rail_time(s2015, ZHUZHOU_STATION, XIANGTAN_STATION)
    assert (rt.from_station, rt.to_station, rt.lines) == ("株洲", "湘潭", ["CR-ZX"])
    assert rt.minutes == pytest.approx(_published("CR-ZX"), abs=0.05) == pytest.approx(25.0, abs=0.05)
    rides = [leg for leg in route(s2015, ZHUZHOU_STATION, XIANGTAN_STATION, "rail").legs if leg.kind == "ride"]
    assert sum(leg.minutes for leg in rides) == pytest.approx(25.0, abs=0.05)
    before = rail_time(_state(2014), ZHUZHOU_STATION, XIANGTAN_STATION)
    assert before.minutes == pytest.approx(25.0, abs=0.05), "before its first figure the line keeps that figure's pace"


def test_maglev_runs_the_operators_run_time_of_each_year(s2017: NetworkState) -> None:
    """磁浮高铁 → 磁浮机场, the stop at 榔梨 included: 19 min 40 s at 100 km/h until the 2021-07-01 speed-up,
    17 min after it (香港商报 2021-07-01); the trains run every 11 min 40 s, then every 10 min."""
    rt = rail_time(s2017, MAGLEV_HSR, MAGLEV_AIRPORT)
    assert (rt.from_station, rt.to_station, rt.lines) == ("磁浮高铁", "磁浮机场", ["S2"])
    assert rt.minutes == pytest.approx(19.0 + 40 / 60, abs=0.01)
    s2022 = _state(2022)
    assert rail_time(s2022, MAGLEV_HSR, MAGLEV_AIRPORT).minutes == pytest.approx(_published("S2"), abs=0.01) == pytest.approx(17.0, abs=0.01)
    hw = {y: float(s.rail.lines.set_index("line_id").loc["S2", "headway_off_peak_min"]) for y, s in ((2017, s2017), (2022, s2022))}
    assert hw == {2017: pytest.approx(11.667), 2022: pytest.approx(10.0)}


def test_a_two_train_hsr_trip_is_found_station_to_station(s2015: NetworkState) -> None:
    """株洲西 → 湘潭北 (2015): no single HSR service serves both, so the trip changes at 长沙南 (京广 → 沪昆),
    paying the minimum transfer time plus half the headway of the second train; never a feeder bus."""
    legs = route(s2015, ZHUZHOU_WEST, XIANGTAN_NORTH, "rail").legs
    kinds = [leg.kind for leg in legs]
    assert {"feeder", "drive", "walk", "access"}.isdisjoint(kinds)
    rides = [leg.label for leg in legs if leg.kind == "ride"]
    assert rides == ["HSR-WG", "HSR-HKW"]
    change = [leg for leg in legs if leg.kind == "wait"][1]
    assert "长沙南" in change.label
    hkw = s2015.rail.lines.set_index("line_id").loc["HSR-HKW"]
    expected_change = (DEFAULTS["transfer_min_national_rail_s"] + float(hkw["headway_off_peak_min"]) * 60 / 2) / 60
    assert change.minutes == pytest.approx(expected_change, abs=0.05)
    before_through = _state(2014)  # the 沪昆 HSR opened 2014-09; the through train G6146 only from 2015-07-01
    rt = rail_time(before_through, ZHUZHOU_WEST, XIANGTAN_NORTH)
    assert rt.via_route and rt.lines == ["HSR-WG", "HSR-HKW"]
    legs14 = route(before_through, ZHUZHOU_WEST, XIANGTAN_NORTH, "rail").legs
    waits14 = [leg.minutes for leg in legs14 if leg.kind == "wait"]
    ride_min = sum(leg.minutes for leg in legs14 if leg.kind == "ride")
    assert rt.minutes == pytest.approx(ride_min + sum(waits14[1:]), abs=0.05)


def test_a_through_train_that_turns_back_at_changsha_south_is_one_ride(s2015: NetworkState) -> None:
    """株洲西 → 湘潭北 in 2015 by G6146 (深圳北 → 怀化南, once a day): the train runs north to 长沙南, turns back
    onto the 沪昆 and stops at 湘潭北; the passenger stays on board. The station-to-station time is one ride:
    the two lines' run times plus the reversal dwell at 长沙南 (``dwell_reversal_hsr_s``), no change of train
    and no transfer wait; published 51 min (株洲日报 2015-06-24)."""
    rt = rail_time(s2015, ZHUZHOU_WEST, XIANGTAN_NORTH)
    assert not rt.via_route and rt.lines == ["HSR-WG-HKW"]
    seg = line_segments(s2015.rail, "off_peak", s2015.params.values())
    leg_min = {(r.line_id, r.from_name, r.to_name): r.run_s / 60 for r in seg.itertuples()}
    runs = leg_min[("HSR-WG", "长沙南", "株洲西")] + leg_min[("HSR-HKW", "长沙南", "湘潭北")]
    assert rt.minutes == pytest.approx(runs + DEFAULTS["dwell_reversal_hsr_s"] / 60, abs=0.05)
    assert 0.75 * 51 <= rt.minutes <= 1.25 * 51, "published 51 min in 2015 (株洲日报 2015-06-24)"
    fastest = rail_time(s2015, ZHUZHOU_WEST, XIANGTAN_NORTH, pattern="fastest")
    assert fastest.lines == ["HSR-WG-HKW"] and fastest.minutes == pytest.approx(rt.minutes)


def test_a_reversal_is_found_from_the_stops_alone() -> None:
    """Only a stop where the next hop turns back by more than 90° is a reversal (a bend or the last stop is not)."""
    x = np.array([0.0, 0.0, -1000.0, -1500.0, -1400.0])
    y = np.array([0.0, 5000.0, 2000.0, 1000.0, 3000.0])
    assert reverses_at(x, y).tolist() == [True, False, True, False]


def test_route_mode_rail_changes_trains_and_says_so(s2015: NetworkState) -> None:
    r = route(s2015, ZHUZHOU_WEST, XIANGTAN_NORTH, "rail")
    assert r.mode == "rail" and r.lines == ["HSR-WG", "HSR-HKW"] and r.transfers == 1
    assert r.minutes == pytest.approx(sum(leg.minutes for leg in r.legs))
    assert r.legs[0].kind == "wait" and r.legs[-1].kind == "exit"


def test_route_cli_mode_rail_json() -> None:
    out = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "run_scenario.py"), "route", "--year", "2015", "--period", "off_peak", "--from", "113.0628,27.7939",
         "--to", "112.9371,27.9683", "--mode", "rail", "--json"],
        capture_output=True, text=True, check=True, cwd=PROJECT_DIR,
    )  # fmt: skip
    d = json.loads(out.stdout)
    assert d["mode"] == "rail" and d["lines"] == ["HSR-WG", "HSR-HKW"] and d["transfers"] == 1


def test_no_rail_path_is_an_error_not_zero_minutes() -> None:
    """Two stations no train joins (2013, only the 京广 HSR and the 株洲–湘潭 conventional line kept: they share
    no station): the station-to-station measure has no value (an error, never 0 min)."""
    state = _state(2013)
    lines = set(state.rail.lines["line_id"])
    assert {"HSR-WG", "CR-ZX"} <= lines
    apart = NetworkState(state.roads, state.rail.without_lines(sorted(lines - {"HSR-WG", "CR-ZX"})), state.params, year=state.year)
    with pytest.raises(NetworkError, match="no rail path from 株洲西 to 湘潭"):
        route(apart, ZHUZHOU_WEST, XIANGTAN_STATION, "rail")
    with pytest.raises(NetworkError, match="no rail path"):
        rail_time(apart, ZHUZHOU_WEST, XIANGTAN_STATION)
    assert "湘潭北" not in set(state.rail.stops["name_zh"])  # before the 沪昆 HSR (2014-09) 湘潭北 has no train


def test_minimum_transfer_time_applies_onto_national_rail_only() -> None:
    v = dict(DEFAULTS)
    assert transfer_change_s("hsr", v) == transfer_change_s("conventional", v) == DEFAULTS["transfer_min_national_rail_s"]
    assert transfer_change_s("metro", v) == transfer_change_s("intercity", v) == DEFAULTS["transfer_walk_s"]
    p = PARAMETERS["transfer_min_national_rail_s"]
    assert p.low <= p.value <= p.high and "长沙南" in p.source and "security" in p.source


def test_a_longer_minimum_transfer_slows_the_change() -> None:
    s2014 = _state(2014)  # before the through train: the trip changes at 长沙南
    slow = s2014.with_params(overrides=(("transfer_min_national_rail_s", 1800.0),))
    base = rail_time(s2014, ZHUZHOU_WEST, XIANGTAN_NORTH).minutes
    assert rail_time(slow, ZHUZHOU_WEST, XIANGTAN_NORTH).minutes == pytest.approx(base + 15.0, abs=0.05)


def test_scaling_keeps_dwells_and_leaves_other_segments() -> None:
    line = pd.Series({"timetable_from": "B", "timetable_to": "D", "timetable_run_min": 10.0})
    run = np.array([60.0, 120.0, 180.0, 240.0])
    dwell = np.array([30.0, 30.0, 30.0, 30.0])
    out = scale_to_timetable(["A", "B", "C", "D", "E"], run, dwell, line)
    assert out[0] == 60.0 and out[3] == 240.0
    assert out[1] + out[2] + dwell[1] == pytest.approx(600.0)
    assert out[1] / out[2] == pytest.approx(120 / 180)
    missing = pd.Series({"timetable_from": "X", "timetable_to": "D", "timetable_run_min": 10.0})
    assert (scale_to_timetable(["A", "B", "C", "D", "E"], run, dwell, missing) == run).all()



def test_a_scenario_that_removes_a_stop_keeps_the_timetables_pace() -> None:
    """The published figure fits the published stops (``timetable_stops``); when a scenario's line serves
    other stops between (a stop removed), the runs take the published pattern's factor instead of being
    squeezed back to the figure, so the stop removed saves its dwell and its braking and accelerating."""
    line = pd.Series({"timetable_from": "B", "timetable_to": "D", "timetable_run_min": 10.0, "timetable_stops": "B|C|D"})
    run = np.array([60.0, 250.0, 240.0])
    dwell = np.array([30.0, 30.0, 30.0])
    out = scale_to_timetable(["A", "B", "D", "E"], run, dwell, line, published_factor=1.2)
    assert out[0] == 60.0 and out[2] == 240.0 and out[1] == pytest.approx(300.0)
    same = scale_to_timetable(["A", "B", "C", "D", "E"], np.array([60.0, 120.0, 180.0, 240.0]), np.full(4, 30.0), line, published_factor=9.9)
    assert same[1] + same[2] + 30.0 == pytest.approx(600.0), "the published stops: scaled to the figure, the factor unused"


def test_timetable_by_year_and_bad_rows(tmp_path: pytest.TempPathFactory) -> None:
    rail = load_rail()
    t = load_timetable()
    assert set(t["line_id"]) <= set(rail.lines["line_id"])
    early = with_timetable(rail, t, year=2014).lines.set_index("line_id")
    assert early.loc["CR-ZX", "timetable_run_min"] == 25.0 and early.loc["CR-ZX", "timetable_carried_back"], "before its first figure: that figure"
    assert early.loc["M6", "timetable_carried_back"] and not np.isfinite(early.loc["M3", "timetable_run_min"]), "a line without a figure stays kinematic"
    late = with_timetable(rail, t, year=2020).lines.set_index("line_id")
    assert late.loc["CR-ZX", "timetable_run_min"] == 25.0 and late.loc["S2", "timetable_from"] == "磁浮高铁"
    bad = tmp_path / "rail_timetable.csv"  # type: ignore[operator]
    bad.write_text((DATA_DIR / "rail_timetable.csv").read_text(encoding="utf-8").replace(",25,", ",soon,"), encoding="utf-8")
    with pytest.raises(DataError, match=r"rail_timetable.csv:2: line 'CR-ZX' field 'run_min'"):
        load_timetable(tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("M1,开福区政府,尚双塘", "M1,开福区政府,尚双塘南", r"rail_timetable.csv:\d+: line 'M1' field 'to_name': got '尚双塘南'; expected a stop of the line"),
        ("M1,开福区政府,尚双塘", "M9,开福区政府,尚双塘", r"rail_timetable.csv:\d+: line 'M9' field 'line_id': not a line"),
        ("M1,开福区政府,尚双塘", "M1,尚双塘,尚双塘", r"rail_timetable.csv:\d+: line 'M1' field 'to_name': got '尚双塘', the same stop"),
        ("M1,开福区政府,尚双塘,2016-06-28", "M1,开福区政府,尚双塘,2016-06-31", r"rail_timetable.csv:\d+: line 'M1' field 'valid_from'"),
    ],
)
def test_loader_rejects_a_bad_metro_row_naming_file_line_and_field(tmp_path: pytest.TempPathFactory, old: str, new: str, message: str) -> None:
    """A timetable row is checked against the lines and stops beside it (rail_stations.csv): an unknown
    line or stop, a figure between a stop and itself, or a bad date is refused with file, row, line and field."""
    import shutil

    for name in ("rail_stations.csv", "rail_lines.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)  # type: ignore[operator]
    text = (DATA_DIR / "rail_timetable.csv").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "rail_timetable.csv").write_text(text.replace(old, new), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(DataError, match=message):
        load_timetable(tmp_path)  # type: ignore[arg-type]


def _stop_lonlat(line_id: str, name: str) -> tuple[float, float]:
    stops = pd.read_csv(DATA_DIR / "rail_stations.csv")
    row = stops[(stops["line_id"] == line_id) & (stops["name_zh"] == name)].iloc[0]
    return float(row["lon"]), float(row["lat"])


@pytest.mark.parametrize("period", ["off_peak", "am_peak"])
def test_metro_lines_run_their_published_end_to_end_times(period: str) -> None:
    """Every metro (and maglev) line with a published end-to-end figure (data/rail_timetable.csv) rides
    exactly that long between its end stations in the year the figure applies from, in both periods; the
    stops between follow the kinematic profile scaled to fit, so an inner ride is shorter than the whole."""
    t = load_timetable()
    figures = t[t["line_id"].str.match(r"^(M\d|S2)$")]
    assert {"M1", "M2", "M6", "S2"} <= set(figures["line_id"])
    for _, fig in figures.iterrows():
        state = _state(int(fig["valid_from"].year), period)
        a, b = _stop_lonlat(fig["line_id"], fig["from_name"]), _stop_lonlat(fig["line_id"], fig["to_name"])
        rt = rail_time(state, a, b)
        assert rt.lines == [fig["line_id"]], (fig["line_id"], rt.lines)
        assert rt.minutes == pytest.approx(float(fig["run_min"]), abs=0.01), fig["line_id"]


def test_line_2_before_its_figure_keeps_its_pace_and_inner_rides_scale_with_it() -> None:
    """Line 2's figure (52 min 20 s 梅溪湖西 ↔ 光达) dates from 2015-12-28: from 2015 every run between stops is
    the kinematic one times the same factor (so an inner ride such as 五一广场 → 梅溪湖西 follows the profile),
    the dwells unchanged; in 2014 the line (望城坡 ↔ 光达, the figure's west end not yet served) runs each of
    its segments at that same factor, not at the faster kinematic estimate."""
    from dataclasses import replace

    s2014, s2015 = _state(2014), _state(2015)
    m2 = s2014.rail.lines.set_index("line_id").loc["M2"]
    assert m2["timetable_run_min"] == pytest.approx(52.333) and m2["timetable_carried_back"]
    values = s2015.params.values()
    timed = line_segments(s2015.rail, "off_peak", values).query("line_id == 'M2'")
    kinematic = line_segments(replace(s2015.rail, lines=s2015.rail.lines.assign(timetable_run_min=np.nan)), "off_peak", values).query("line_id == 'M2'")
    assert len(timed) == 22
    factor = timed["run_s"].to_numpy() / kinematic["run_s"].to_numpy()
    assert factor.min() == pytest.approx(factor.max()) and factor.min() > 1.0
    assert (timed["dwell_s"].to_numpy() == kinematic["dwell_s"].to_numpy()).all()
    wcp, gd = _stop_lonlat("M2", "望城坡(汽车西站)"), _stop_lonlat("M2", "光达(会展中心)")
    seg14 = line_segments(s2014.rail, "off_peak", s2014.params.values()).query("line_id == 'M2'")
    t14 = timed[timed["from_name"].isin(seg14["from_name"]) & timed["to_name"].isin(seg14["to_name"])]
    assert len(t14) == len(seg14) == 18
    assert rail_time(s2014, wcp, gd).minutes == pytest.approx((t14["run_s"].sum() + t14["dwell_s"].iloc[:-1].sum()) / 60.0, abs=0.01)


def test_peak_expresses_start_at_changsha_west(s2017: NetworkState) -> None:
    """From 2017-12-26 every intercity train starts at 长沙西 (cztshq.com/post/219.html), the peak expresses
    too: 长沙西 → 株洲南 / 湘潭 the fastest train of the day is the express (all stops to 长沙, then 大丰 /
    板塘 only), faster than the all-stop train the off-peak typical figure rides."""
    csw, zzn, xt = (112.8205, 28.2654), (113.1628, 27.7720), XIANGTAN_STATION
    for to, express in ((zzn, "IC-ZZ-EXP"), (xt, "IC-XT-EXP")):
        fastest = rail_time(s2017, csw, to, pattern="fastest")
        typical = rail_time(s2017, csw, to)
        assert fastest.from_station == "长沙西" and fastest.lines == [express]
        assert express not in typical.lines, "the expresses run in the peaks only"
        assert fastest.minutes < typical.minutes - 5


def test_the_western_extension_opens_in_2017_not_with_the_line() -> None:
    """长沙–长沙西 opened 2017-12-26, a year after the line (data/rail_station_calendar.csv): in 2016 every
    intercity train starts at 长沙 and runs no faster to 株洲南 for it; from 2017 the trains serve 长沙西."""
    west = {"长沙西", "尖山", "麓谷", "谷山", "八方山", "观沙岭", "开福寺"}
    ic = ("IC-T", "IC-ZZ", "IC-XT", "IC-ZZ-EXP", "IC-XT-EXP")
    s2016, s2017 = _state(2016), _state(2017)
    served16 = set(s2016.rail.stops.loc[s2016.rail.stops["line_id"].isin(ic), "name_zh"])
    served17 = set(s2017.rail.stops.loc[s2017.rail.stops["line_id"].isin(ic), "name_zh"])
    assert not (west & served16) and west <= served17
    cs, zzn = (113.0088, 28.1972), (113.1628, 27.7720)
    assert rail_time(s2016, cs, zzn).minutes == pytest.approx(rail_time(s2017, cs, zzn).minutes, abs=0.05)


def test_line_2_reaches_meixihu_from_its_2015_extension() -> None:
    """Line 2's western extension (望城坡 → 梅溪湖西) opened 2015-12-28: a 2014 Line 2 ends at 望城坡."""
    stops = {y: set(_state(y).rail.stops.query("line_id == 'M2'")["name_zh"]) for y in (2014, 2015)}
    assert "梅溪湖西" not in stops[2014] and "望城坡(汽车西站)" in stops[2014]
    assert {"梅溪湖西", "麓云路", "文化艺术中心", "梅溪湖东"} <= stops[2015]


def test_line_1_reaches_jinpenqiu_from_its_2024_extension() -> None:
    """Line 1's northern extension (开福区政府 → 金盆丘, 5 stops) opened 2024-06-28: a 2023 Line 1 starts at
    开福区政府 and runs its published 45 min to 尚双塘; in 2024 the extension adds its kinematic run on top."""
    north = {"金盆丘(铜官窑巴士站)", "金霞", "鹅羊山", "秀峰山", "宿龙桥"}
    states = {y: _state(y) for y in (2023, 2024)}
    stops = {y: list(s.rail.stops.query("line_id == 'M1'").sort_values("seq")["name_zh"]) for y, s in states.items()}
    assert stops[2023][0] == "开福区政府" and not north & set(stops[2023])
    assert north <= set(stops[2024]) and stops[2024][0] == "金盆丘(铜官窑巴士站)"
    kfq, ssd = _stop_lonlat("M1", "开福区政府"), _stop_lonlat("M1", "尚双塘")
    assert rail_time(states[2023], kfq, ssd).minutes == pytest.approx(45.0, abs=0.01)
    assert rail_time(states[2024], kfq, ssd).minutes == pytest.approx(45.0, abs=0.01)


def test_a_year_before_a_lines_first_timetable_keeps_that_timetables_pace() -> None:
    """Line 2's only published figure dates from its western extension (2015-12-28); in 2014 the line ended at
    望城坡, so the figure's end stop was not served and the runs were kinematic: 38 % faster than the timetable
    (長沙火车站 → 长沙南 13.4 min in 2014, 17.3 from 2015), a step in the timeline that no timetable change made.
    The trains keep the first timetable's pace in the years before it; the extension still adds its stops."""
    rides = {}
    for year in (2014, 2016):
        state = _state(year)
        segs = line_segments(state.rail, "am_peak", state.params.values())
        m2 = segs[segs["line_id"] == "M2"]
        rides[year] = m2.set_index(["from_name", "to_name"])["run_s"]
    shared = rides[2014].index.intersection(rides[2016].index)
    assert len(shared) >= 15
    assert np.allclose(rides[2014].loc[shared].to_numpy(), rides[2016].loc[shared].to_numpy(), rtol=1e-5)  # the factor vs exact scaling to the figure: same pace
    assert not any("梅溪湖西" in pair for pair in rides[2014].index) and any("梅溪湖西" in pair for pair in rides[2016].index)


def test_removing_line_2s_end_stop_keeps_the_2016_pace_on_the_remaining_runs() -> None:
    """A scenario that removes 梅溪湖西 (the end stop of Line 2's published figure 梅溪湖西 ↔ 光达) leaves a line
    that no longer serves both of the figure's stops: its runs keep the published pattern's factor (the same
    seconds on every segment the two lines share), not the kinematic estimate (38.89 min end to end before the
    carry-back) nor a squeeze of the shorter line back to the whole figure."""
    base = _state(2016)
    removed = resolve_state(
        parse_scenario("name: t2016-no-mxhw\nperiod: off_peak\nyear: 2016\nadd:\n  - {type: remove_stops, line: M2, stops: [梅溪湖西]}\n", file="<test>")
    )
    rides = {}
    for key, state in (("base", base), ("removed", removed)):
        segs = line_segments(state.rail, "am_peak", state.params.values())
        rides[key] = segs[segs["line_id"] == "M2"].set_index(["from_name", "to_name"])["run_s"]
    assert any("梅溪湖西" in pair for pair in rides["base"].index) and not any("梅溪湖西" in pair for pair in rides["removed"].index)
    shared = rides["base"].index.intersection(rides["removed"].index)
    assert len(shared) >= 15
    np.testing.assert_allclose(rides["removed"].loc[shared].to_numpy(), rides["base"].loc[shared].to_numpy(), rtol=1e-5)
    kinematic = line_segments(load_rail(), "am_peak", base.params.values())
    kinematic = kinematic[kinematic["line_id"] == "M2"].set_index(["from_name", "to_name"])["run_s"]
    common = shared.intersection(kinematic.index)
    assert (rides["removed"].loc[common] > kinematic.loc[common] * 1.1).all(), "the timetable's pace, not the kinematic one"
