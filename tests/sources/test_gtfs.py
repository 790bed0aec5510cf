"""GTFS in (network/sources/gtfs.py) and the curated 城际公交 feed (tools/build_intercity_gtfs.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pytest

from network._errors import InputError
from network.scenario.catalogue import STUDY_BBOX
from network.sources.gtfs import feed_services, kind_of_route_type, read_feed
from tests.gtfs_feeds import BUS_STOPS, external_tables, write_zip

ROOT = Path(__file__).resolve().parents[2]
CURATED = ROOT / "data" / "gtfs" / "czt_intercity_bus.zip"


def test_curated_feed_is_rebuilt_byte_identical_from_its_tables(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_intercity_gtfs  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    out = build_intercity_gtfs.build(out=tmp_path / "feed.zip")
    assert out.read_bytes() == CURATED.read_bytes(), "data/gtfs/czt_intercity_bus.zip is stale: run tools/build_intercity_gtfs.py"


def test_curated_feed_passes_gtfs_kit_validation() -> None:
    feed = gk.read_feed(CURATED, dist_units="km")
    problems = gk.validate(feed)
    assert len(problems[problems["type"] == "error"]) == 0


def test_curated_feed_services_carry_the_tables_headways_and_run_times() -> None:
    fs = feed_services(CURATED, bbox=STUDY_BBOX)
    lines = fs.lines.set_index("line_id")
    assert set(lines.index) == {"CZT-201:0", "CZT-201:1", "DIDI-CS-ZZ:0", "DIDI-CS-ZZ:1"}
    assert lines.loc["CZT-201:0", "headway_am_peak_min"] == pytest.approx(20.0)
    assert lines.loc["DIDI-CS-ZZ:1", "headway_off_peak_min"] == pytest.approx(60.0)
    assert (lines["kind"] == "bus").all()
    s = fs.stops[fs.stops["line_id"] == "CZT-201:0"]
    assert s["name_zh"].tolist() == ["侯家塘", "湘潭汽车西站"] and s["run_am_peak_s"].tolist() == [0.0, 75 * 60.0]


def test_external_timetable_feed_gives_headways_and_run_times_per_period(tmp_path: Path) -> None:
    fs = feed_services(write_zip(tmp_path / "cs.zip", external_tables()), bbox=STUDY_BBOX, prefix="cs:")
    lines = fs.lines.set_index("line_id")
    # 12 departures in 07:00-09:00 -> 10 min; 24 in 10:00-16:00 -> 15 min
    assert lines.loc["cs:B1:0", "headway_am_peak_min"] == pytest.approx(10.0)
    assert lines.loc["cs:B1:1", "headway_off_peak_min"] == pytest.approx(15.0)
    assert lines.loc["cs:B1:0", "kind"] == "bus"
    # frequencies.txt: every 300 s in the AM peak; no service off-peak
    assert lines.loc["cs:MS:0", "kind"] == "metro"
    assert lines.loc["cs:MS:0", "headway_am_peak_min"] == pytest.approx(5.0)
    assert np.isnan(lines.loc["cs:MS:0", "headway_off_peak_min"])
    s = fs.stops[fs.stops["line_id"] == "cs:B1:0"]
    assert s["name_zh"].tolist() == BUS_STOPS
    assert s["run_am_peak_s"].tolist() == [0.0, 180.0, 180.0, 180.0, 180.0]
    assert s["dwell_am_peak_s"].tolist() == [0.0, 30.0, 30.0, 30.0, 0.0]
    assert fs.stops[fs.stops["line_id"] == "cs:MS:0"]["run_am_peak_s"].tolist() == [0.0, 240.0]


def test_route_filter_and_unknown_route(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "cs.zip", external_tables())
    fs = feed_services(path, bbox=STUDY_BBOX, routes=["MS"])
    assert fs.lines["route_id"].unique().tolist() == ["MS"]
    with pytest.raises(InputError, match=r"\[routes\.txt\]: field 'route_id': 'B9'"):
        feed_services(path, bbox=STUDY_BBOX, routes=["B9"])


@pytest.mark.parametrize(
    ("table", "old", "new", "expect"),
    [
        ("stops.txt", "b1,文昌阁,28.2174,", "b1,文昌阁,north,", r"\[stops\.txt\]:3: field 'stop_lat': got 'north'"),
        (
            "stop_times.txt",
            "B1-0-25200,07:03:00,07:03:30,b1,2",
            "B1-0-25200,07:03:00,7h03,b1,2",
            r"\[stop_times\.txt\]:3: field 'departure_time': got '7h03'",
        ),
        (
            "stop_times.txt",
            "B1-0-25200,07:03:00,07:03:30,b1,2",
            "B1-0-25200,07:03:00,07:03:30,b99,2",
            r"\[stop_times\.txt\]:3: field 'stop_id': got 'b99'",
        ),
        ("routes.txt", "B1,cs,1,芙蓉路公交,3,", "B1,cs,1,芙蓉路公交,bus,", r"\[routes\.txt\]:2: field 'route_type': got 'bus'"),
        (
            "frequencies.txt",
            "MS-0,07:00:00,09:00:00,300",
            "MS-0,07:00:00,09:00:00,0",
            r"\[frequencies\.txt\]:2: field 'headway_secs': got '0'",
        ),
    ],
)
def test_bad_feed_names_file_table_row_and_field(tmp_path: Path, table: str, old: str, new: str, expect: str) -> None:
    tables = external_tables()
    assert old in tables[table]
    tables[table] = tables[table].replace(old, new, 1)
    path = write_zip(tmp_path / "bad.zip", tables)
    with pytest.raises(InputError, match=expect) as info:
        feed_services(path, bbox=STUDY_BBOX)
    assert str(path) in str(info.value)


def test_gtfs_kit_validation_problems_name_table_row_and_field(tmp_path: Path) -> None:
    tables = external_tables()
    tables["stops.txt"] += "b0,重复,28.2,112.97\n"  # a repeated stop_id: gtfs-kit's validator refuses it
    with pytest.raises(InputError, match=r"\[stops\.txt\]:7: field 'stop_id': Repeated stop_id \(gtfs-kit validation\)"):
        feed_services(write_zip(tmp_path / "dup.zip", tables), bbox=STUDY_BBOX)


def test_missing_table_and_not_a_zip(tmp_path: Path) -> None:
    tables = external_tables()
    del tables["stop_times.txt"]
    with pytest.raises(InputError, match=r"\[stop_times\.txt\]: field '<table>': required table missing"):
        read_feed(write_zip(tmp_path / "no_st.zip", tables))
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match="is not a readable zip"):
        read_feed(junk)
    with pytest.raises(InputError, match="does not exist"):
        read_feed(tmp_path / "absent.zip")


def test_feed_outside_the_study_area_is_refused(tmp_path: Path) -> None:
    tables = external_tables()
    lines = tables["stops.txt"].splitlines()
    moved = [lines[0]] + [f"{r.split(',')[0]},{r.split(',')[1]},39.9,116.4" for r in lines[1:]]  # Beijing
    tables["stops.txt"] = "\n".join(moved) + "\n"
    with pytest.raises(InputError, match="no stop lies in the study area"):
        feed_services(write_zip(tmp_path / "bj.zip", tables), bbox=STUDY_BBOX)


def test_route_types_map_to_kinds() -> None:
    assert [kind_of_route_type(t) for t in (0, 1, 2, 3, 101, 109, 200, 401, 700, 1000)] == [
        "tram",
        "metro",
        "intercity",
        "bus",
        "hsr",
        "intercity",
        "bus",
        "metro",
        "bus",
        "ferry",
    ]
    assert kind_of_route_type(6) is None  # aerial lift: not routable here
