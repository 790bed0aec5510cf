"""Transit edits as scenario entries (issue 23, point 1): a new line, an extension, headway, speed and
dwell changes, stops added or removed, written in ``add:`` like road edits, validated with the file,
field and value, carried by base chains, listed in metrics, and written to the exported GTFS."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from network._errors import InputError
from network.cli.main import main
from network.model.graph import NetworkState
from network.model.region import CITIES
from network.routing.engine import costs_between, snap_points
from network.routing.graphs import build_mode_graph
from network.routing.route import route
from network.run.runner import scenario_metrics
from network.scenario.resolve import build_state, resolve_projects
from network.scenario.schema import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
CENTRES = pd.read_csv(ROOT / "data" / "centres.csv").set_index("city")
M3_EAST = [(113.145, 28.252), (113.160, 28.258), (113.175, 28.262)]
"""Three stops beyond 广生, the east end of Metro Line 3."""


def _centre(city: str) -> tuple[float, float]:
    return float(CENTRES.loc[city, "lon"]), float(CENTRES.loc[city, "lat"])


def _state(tmp_path: Path, body: str, name: str = "t") -> NetworkState:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\n{body}", encoding="utf-8")
    return build_state(resolve_projects(load_scenario(path), file=str(path)))


def _transit_costs(state: NetworkState, points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(generalized, clock) minutes between every pair of ``points`` by transit: what paths are chosen by,
    and the clock time along them."""
    g = build_mode_graph(state, "transit")
    x, y = _TO_M.transform([p[0] for p in points], [p[1] for p in points])
    snap = snap_points(g, np.asarray(x), np.asarray(y), state.params)
    nodes = np.unique(snap.nodes.ravel())
    f = costs_between(g, nodes, nodes)
    pos = {int(n): i for i, n in enumerate(nodes)}
    n = len(points)
    gen = np.full((n, n), np.inf)
    clock = np.full((n, n), np.inf)
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            for i, na in enumerate(snap.nodes[a]):
                for j, nb in enumerate(snap.nodes[b]):
                    c = snap.access_cost_s[a, i] + f.gen_s[pos[int(na)], pos[int(nb)]] + snap.egress_cost_s[b, j]
                    if c < gen[a, b]:
                        gen[a, b] = c
                        clock[a, b] = snap.access_s[a, i] + f.clock_s[pos[int(na)], pos[int(nb)]] + snap.egress_s[b, j]
    return gen / 60.0, clock / 60.0


@pytest.fixture(scope="module")
def sample_points() -> list[tuple[float, float]]:
    """The three centres, the zones' population-weighted centroids and the new M3 stops."""
    from network.analysis.od_matrix import zone_centroids
    from network.model.region import load_region

    z = zone_centroids(load_region())
    return [_centre(c) for c in CITIES] + list(zip(map(float, z.lon), map(float, z.lat))) + M3_EAST


# ------------------------------------------------------------------------------ planner behaviour


def test_extending_metro_line_3_by_three_stops_reaches_them_and_slows_no_trip(
    tmp_path: Path, surveyed_state: NetworkState, sample_points: list[tuple[float, float]]
) -> None:
    stops = ", ".join(f"{{name: 东延{k + 1}, lon: {lon}, lat: {lat}}}" for k, (lon, lat) in enumerate(M3_EAST))
    ext = _state(tmp_path, f"add:\n  - {{type: extend_line, line: M3, stops: [{stops}]}}\n")
    m3 = ext.rail.stops[ext.rail.stops["line_id"] == "M3"].sort_values("seq")
    assert list(m3["name_zh"].tail(4)) == ["广生", "东延1", "东延2", "东延3"]
    # a trip from the centre of Changsha to the last new stop now rides M3 to it, and is faster
    before = route(surveyed_state, _centre("changsha"), M3_EAST[-1], "transit")
    after = route(ext, _centre("changsha"), M3_EAST[-1], "transit")
    assert any("M3" in line for line in after.lines)
    assert after.minutes < before.minutes - 5
    # no trip between the sample points costs more (paths are chosen by generalized cost)
    g0, _ = _transit_costs(surveyed_state, sample_points)
    g1, _ = _transit_costs(ext, sample_points)
    assert np.all(g1 <= g0 + 1e-9)
    assert (g1 < g0 - 1).sum() >= 3  # and some trips gain more than a minute


def test_ic_xt_every_6_minutes_lowers_am_transit_times_between_changsha_and_xiangtan(tmp_path: Path, surveyed_state: NetworkState) -> None:
    often = _state(tmp_path, "add:\n  - {type: adjust_frequency, line: IC-XT, headway_min: {am_peak: 6}}\n")
    line = often.rail.lines.set_index("line_id").loc["IC-XT"]
    assert float(line["headway_am_peak_min"]) == 6.0 and float(line["headway_off_peak_min"]) == 18.0  # off-peak kept
    pts = [_centre("changsha"), _centre("xiangtan")]
    g0, c0 = _transit_costs(surveyed_state, pts)
    g1, c1 = _transit_costs(often, pts)
    assert g1[0, 1] < g0[0, 1] - 2 and g1[1, 0] < g0[1, 0] - 2
    # paths are chosen by generalized cost (a minute waited weighs more than one ridden): the clock time may
    # rise when a frequent all-stop train replaces a long wait for the hourly express, but the waits fall by
    # more than the ride grows
    for a, b in ((0, 1), (1, 0)):
        waits = [sum(leg.minutes for leg in route(s, pts[a], pts[b], "transit").legs if leg.kind == "wait") for s in (surveyed_state, often)]
        assert waits[1] < waits[0] - 2 and c1[a, b] - c0[a, b] < waits[0] - waits[1]
    # off-peak: the edit changed only the AM headway
    o0, _ = _transit_costs(surveyed_state.with_params(period="off_peak"), pts)
    o1, _ = _transit_costs(often.with_params(period="off_peak"), pts)
    assert np.allclose(o0, o1)


def test_removing_a_stop_never_speeds_the_trips_that_used_it(
    tmp_path: Path, surveyed_state: NetworkState, sample_points: list[tuple[float, float]]
) -> None:
    gone = _state(tmp_path, "add:\n  - {type: remove_stops, line: M1, stops: [五一广场]}\n")
    assert "五一广场" not in set(gone.rail.stops.loc[gone.rail.stops["line_id"] == "M1", "name_zh"])
    s = surveyed_state.rail.stops
    station = s[(s["line_id"] == "M1") & (s["name_zh"] == "五一广场")].iloc[0]
    pts = [(float(station["lon"]), float(station["lat"])), *sample_points]
    g0, _ = _transit_costs(surveyed_state, pts)
    g1, _ = _transit_costs(gone, pts)
    assert np.all(g1[0, 1:] >= g0[0, 1:] - 1e-9) and np.all(g1[1:, 0] >= g0[1:, 0] - 1e-9)
    # M1 runs through: its end-to-end time falls by about a stop's cost (dwell + braking and accelerating)
    from network.analysis.edit_effects import end_to_end_minutes

    v = surveyed_state.params.values()
    t0, t1 = end_to_end_minutes(surveyed_state.rail, "M1", v)["am_peak"], end_to_end_minutes(gone.rail, "M1", v)["am_peak"]
    assert t0 is not None and t1 is not None and 0.5 < t0 - t1 < 2.0


def test_a_slower_line_or_longer_dwell_never_speeds_a_trip(
    tmp_path: Path, surveyed_state: NetworkState, sample_points: list[tuple[float, float]]
) -> None:
    slow = _state(
        tmp_path,
        "add:\n  - {type: adjust_speed, line: IC-T, scale: 0.8}\n  - {type: adjust_dwell_time, line: IC-ZZ, dwell_s: 120}\n",
    )
    g0, _ = _transit_costs(surveyed_state, sample_points[:3])
    g1, _ = _transit_costs(slow, sample_points[:3])
    assert np.all(g1 >= g0 - 1e-9)
    assert g1[0, 1] > g0[0, 1]  # 长沙 -> 株洲 rides the intercity: slower


def test_a_new_airport_bus_to_zhuzhou_west_shortens_that_trip(tmp_path: Path, surveyed_state: NetworkState) -> None:
    bus = _state(
        tmp_path,
        "add:\n  - {type: add_trip_pattern, line: AIR-ZZX, name_zh: 机场—株洲西 快线, kind: bus, stops: [磁浮机场, 株洲西],"
        " headway_min: {am_peak: 30, off_peak: 60}, run_time_min: 45, opened: 2026-01-01}\n",
    )
    lines = bus.rail.lines.set_index("line_id")
    assert lines.loc["AIR-ZZX", "kind"] == "bus"
    airport, zzx = (113.21333, 28.195), (113.0657, 27.8927)
    s = surveyed_state.rail.stops
    zzx = tuple(s.loc[s["name_zh"] == "株洲西", ["lon", "lat"]].iloc[0].astype(float))  # type: ignore[assignment]
    before = route(surveyed_state, airport, zzx, "transit")
    after = route(bus, airport, zzx, "transit")
    assert "AIR-ZZX" in " ".join(after.lines) and after.minutes < before.minutes
    # in a year before it opens, the line is not there and a warning says so
    early = _state(
        tmp_path,
        "year: 2023\nadd:\n  - {type: add_trip_pattern, line: AIR-ZZX, kind: bus, stops: [磁浮机场, 株洲西], headway_min: 30,"
        " run_time_min: 45, opened: 2026-01-01}\n",
        "early",
    )
    assert "AIR-ZZX" not in set(early.rail.lines["line_id"])
    assert any("opens 2026-01-01, after 2023" in w for w in early.warnings)


def test_adjust_speed_sets_the_end_to_end_run_time(tmp_path: Path) -> None:
    from network.analysis.edit_effects import end_to_end_minutes

    st = _state(tmp_path, "add:\n  - {type: adjust_speed, line: S2, run_time_min: 9}\n")
    t = end_to_end_minutes(st.rail, "S2", st.params.values())
    assert t["am_peak"] == pytest.approx(9.0, abs=0.01) and t["off_peak"] == pytest.approx(9.0, abs=0.01)


def test_stops_inserted_on_a_line_are_served_in_order(tmp_path: Path) -> None:
    st = _state(tmp_path, "add:\n  - {type: add_stops, line: IC-T, after: 长沙, stops: [{name: 新站, lon: 113.011, lat: 28.18}]}\n")
    names = list(st.rail.stops[st.rail.stops["line_id"] == "IC-T"].sort_values("seq")["name_zh"])
    assert names[names.index("长沙") + 1] == "新站"


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ("add:\n  - {type: rail_line, name: x}\n", "add[0].type", "services:"),
        ("add:\n  - {type: adjust_frequency, line: M3}\n", "add[0].headway_min", "required"),
        ("add:\n  - {type: adjust_speed, line: M3, scale: 1.2, speed_kph: 90}\n", "add[0]", "exactly one of"),
        (
            "add:\n  - {type: add_trip_pattern, line: X1, kind: metro, stops: [长沙南, 五一广场], headway_min: 5}\n",
            "add[0]",
            "speed_kph or run_time_min",
        ),
        (
            "add:\n  - {type: add_trip_pattern, line: X1, kind: monorail, stops: [a, b], headway_min: 5, speed_kph: 80}\n",
            "add[0].kind",
            "monorail",
        ),
        ("add:\n  - {type: extend_line, line: M3, stops: [[28.25, 113.15]]}\n", "add[0].stops", "looks like [lat, lon]"),
        ("add:\n  - {type: extend_line, line: M3, stops: [{name: x, lon: 113.1}]}\n", "add[0].stops", "{name, lon, lat}"),
        ("add:\n  - {type: adjust_frequency, line: IC-XT, headway_min: 0}\n", "add[0].headway_min.am_peak", "0.5"),
        (
            "add:\n  - {type: adjust_frequency, line: IC-XT, headway_min: {am_peak: 6, peak: 5}}\n",
            "add[0].headway_min.peak",
            "unknown field",
        ),
        (
            "add:\n  - {type: add_trip_pattern, kind: bus, stops: [长沙南, 株洲西], headway_min: 10, speed_kph: 40}\n",
            "add[0].line",
            "required",
        ),
    ],
)
def test_bad_transit_edits_are_refused_naming_the_field(body: str, field: str, says: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_scenario(f"name: bad\n{body}", file="bad.yaml")
    text = str(exc.value)
    assert "bad.yaml" in text and f"'{field}" in text and says in text


def test_an_unknown_edit_type_lists_every_type_and_points_to_services() -> None:
    with pytest.raises(InputError) as exc:
        parse_scenario("name: bad\nadd:\n  - {type: rail_line, name: x}\n", file="bad.yaml")
    text = str(exc.value)
    for t in ("new_road", "road_upgrade", "road_closure", "add_trip_pattern", "extend_line", "add_stops", "remove_stops"):
        assert t in text
    assert "adjust_frequency" in text and "adjust_speed" in text and "adjust_dwell_time" in text
    assert "services: [{gtfs: feed.zip}]" in text and "'rail_line'" in text


@pytest.mark.parametrize(
    ("edit", "field", "says"),
    [
        ("{type: adjust_frequency, line: M33, headway_min: 5}", "add[0].line", "did you mean M3"),
        ("{type: extend_line, line: M3, stops: [长沙北站]}", "add[0].stops[0]", "no station of that name"),
        ("{type: remove_stops, line: M1, stops: [五一广埸]}", "add[0].stops[0]", "did you mean 五一广场"),
        ("{type: add_stops, line: M1, after: 广生, stops: [[113.0, 28.2]]}", "add[0].after", "not a stop of M1"),
        ("{type: extend_line, line: M3, stops: [{name: 长沙南, lon: 113.3, lat: 28.3}]}", "add[0].stops[0].name", "km from"),
    ],
)
def test_transit_edits_on_unknown_lines_or_stations_fail_the_scenario_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str, field: str, says: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nadd:\n  - {edit}\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and f"'{field}'" in err and says in err and "Traceback" not in err


def test_every_transit_edit_problem_of_a_file_is_listed_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nadd:\n"
        "  - {type: extend_line, line: M3, stops: [长沙北站]}\n"
        "  - {type: extend_line, line: M1, stops: [NoSuchB, 长沙南, NoSuchC]}\n"
        "  - {type: add_trip_pattern, line: X9, kind: intercity, stops: [长沙南, Nowhere], headway_min: 30, speed_kph: 120}\n"
        "  - {type: adjust_frequency, line: X9, headway_min: 10}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    for field in ("add[0].stops[0]", "add[1].stops[0]", "add[1].stops[2]", "add[2].stops[1]"):
        assert f"'{field}'" in err
    assert "add[3]" not in err and "Traceback" not in err  # an edit of a line whose own edit failed is not echoed


# ------------------------------------------------------------------------------ chains, metrics, export


def test_a_child_scenario_carries_its_bases_transit_edits_and_can_drop_them(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "name: base\nadd:\n  - {type: adjust_frequency, name: ic-xt-6, line: IC-XT, headway_min: {am_peak: 6}}\n", encoding="utf-8"
    )
    child = _state(tmp_path, "base: base\nadd:\n  - {type: adjust_dwell_time, line: M2, dwell_s: 20}\n", "child")
    assert float(child.rail.lines.set_index("line_id").loc["IC-XT", "headway_am_peak_min"]) == 6.0
    dropped = _state(tmp_path, "base: base\ndrop_edits: [ic-xt-6]\n", "dropped")
    assert float(dropped.rail.lines.set_index("line_id").loc["IC-XT", "headway_am_peak_min"]) == 18.0


def test_metrics_list_each_transit_edit_with_what_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\nadd:\n"
        "  - {type: extend_line, line: M3, stops: [{name: 东延1, lon: 113.145, lat: 28.252}, {name: 东延2, lon: 113.16, lat: 28.258}]}\n"
        "  - {type: adjust_frequency, line: IC-XT, headway_min: {am_peak: 6}}\n"
        "  - {type: remove_stops, line: M1, stops: [五一广场]}\n",
        encoding="utf-8",
    )
    metrics, _, _ = scenario_metrics(load_scenario(path), file=str(path))
    edits = {e["name"]: e for e in metrics["edits"]}
    ext, freq, rem = edits["extend_line M3"], edits["adjust_frequency IC-XT"], edits["remove_stops M1"]
    assert ext["type"] == "extend_line" and ext["changes"]["stops_added"] == ["东延1", "东延2"]
    assert ext["changes"]["end_to_end_min"]["am_peak"][1] > ext["changes"]["end_to_end_min"]["am_peak"][0]
    assert len(ext["path_lonlat"]) == 3 and 2.5 < ext["length_km"] < 5  # from 广生 over the two new stops
    assert freq["changes"]["headway_min"]["am_peak"] == [18.0, 6.0] and "18 -> 6" in freq["summary"]
    assert rem["changes"]["stops_removed"] == ["五一广场"] and rem["warning"] is None


def test_exported_gtfs_carries_the_edits_and_a_calendar_of_the_scenarios_year(tmp_path: Path) -> None:
    path = tmp_path / "ed.yaml"
    path.write_text(
        "name: ed\nyear: 2023\nadd:\n"
        "  - {type: extend_line, line: M3, stops: [{name: 东延1, lon: 113.145, lat: 28.252}]}\n"
        "  - {type: adjust_frequency, line: IC-XT, headway_min: {am_peak: 6}}\n",
        encoding="utf-8",
    )
    assert main(["export", str(path), "--gtfs", "--output-dir", str(tmp_path / "out")]) == 0
    with zipfile.ZipFile(tmp_path / "out" / "ed" / "gtfs.zip") as zf:
        cal = pd.read_csv(zf.open("calendar.txt"), dtype=str)
        stops = pd.read_csv(zf.open("stops.txt"), dtype=str)
        freq = pd.read_csv(zf.open("frequencies.txt"), dtype=str)
    assert (cal["start_date"].iloc[0], cal["end_date"].iloc[0]) == ("20230101", "20231231")
    assert "东延1" in set(stops["stop_name"])
    assert int(freq.loc[freq["trip_id"] == "IC-XT:0:am_peak", "headway_secs"].iloc[0]) == 360


def test_reimporting_an_exported_feed_is_refused_with_the_prefix_to_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "surveyed", "--gtfs", "--output-dir", str(tmp_path)]) == 0
    again = tmp_path / "again.yaml"
    again.write_text(f"name: again\nservices:\n  - {{gtfs: {tmp_path / 'surveyed' / 'gtfs.zip'}}}\n", encoding="utf-8")
    assert main(["validate", str(again)]) == 1
    err = capsys.readouterr().err
    assert "services[0]" in err and "prefix: 'gtfs-'" in err and "every service twice" in err
    again.write_text(f"name: again\nservices:\n  - {{gtfs: {tmp_path / 'surveyed' / 'gtfs.zip'}, prefix: 'gtfs-'}}\n", encoding="utf-8")
    assert main(["validate", str(again)]) == 0


def test_attribution_and_maps_treat_transit_edits_like_road_edits(tmp_path: Path, region: object) -> None:
    from network.analysis.compare import attribution
    from network.analysis.edit_effects import edit_effects, edits_frame

    path = tmp_path / "often.yaml"
    path.write_text(
        "name: often\nadd:\n  - {type: adjust_frequency, name: ic-xt-6, line: IC-XT, headway_min: {am_peak: 6}}\n", encoding="utf-8"
    )
    mine = resolve_projects(load_scenario(path), file=str(path))
    surveyed = resolve_projects(load_scenario(ROOT / "scenarios" / "surveyed.yaml"), file=str(ROOT / "scenarios" / "surveyed.yaml"))
    table = attribution(mine, surveyed, region).table  # type: ignore[arg-type]
    row = table[table["project"] == "ic-xt-6"].iloc[0]
    assert row["item"] == "edit" and row["type"] == "adjust_frequency"
    # the edit saves clock minutes on some centre pairs (株洲 ↔ 湘潭); on others the frequent all-stop train
    # replaces a long wait for the express, which costs less (waits weigh more) but rides longer, so the
    # edit is credited both ways, as compare's saved / lost columns report
    assert row["loo_minutes_transit_saved"] > 0 and row["aoi_minutes_transit_total"] != 0
    frame = edits_frame(edit_effects(mine, build_state(mine)), scenario="often")
    assert frame.geometry.iloc[0].geom_type == "LineString" and frame["type"].iloc[0] == "adjust_frequency"
