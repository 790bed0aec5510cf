"""GTFS services in scenarios: the transit graph uses them, exports round-trip, bad feeds fail alone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pytest

from network.analysis.metrics import FIELD_LIMIT_S, evaluate
from network.cli.main import main
from network.model.graph import NetworkState
from network.model.region import Region
from network.routing.route import route
from network.scenario.catalogue import STUDY_BBOX
from network.scenario.resolve import resolve_state
from network.scenario.schema import load_scenario, parse_scenario
from network.scenario.services import services_as_rail
from network.sources.gtfs import feed_services
from tests.gtfs_feeds import external_tables, write_zip

ROOT = Path(__file__).resolve().parents[2]


def _scenario(tmp_path: Path, text: str, name: str = "svc") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_exported_gtfs_validates_and_reading_it_back_reproduces_transit_times(
    tmp_path: Path, surveyed_state: NetworkState, region: Region
) -> None:
    assert main(["export", "surveyed", "--gtfs", "--output-dir", str(tmp_path)]) == 0
    feed_zip = tmp_path / "surveyed" / "gtfs.zip"
    problems = gk.validate(gk.read_feed(feed_zip, dist_units="km"))
    assert len(problems[problems["type"] == "error"]) == 0, problems
    back = replace(surveyed_state, rail=services_as_rail(feed_services(feed_zip, bbox=STUDY_BBOX)))
    # every service comes back, each direction as its own line
    two_way = surveyed_state.rail.lines[~surveyed_state.rail.lines.get("one_way", False).fillna(False).astype(bool)]
    assert len(back.rail.lines) == 2 * len(two_way) + (len(surveyed_state.rail.lines) - len(two_way))
    # paths chosen by clock time (weights 1, no penalty): under generalized cost two paths of nearly equal
    # cost but different clock times can swap for a second's rounding, which is the choice, not the data
    clock_choice = (("walk_weight", 1.0), ("wait_weight", 1.0), ("transfer_penalty_min", 0.0))
    for period in ("am_peak", "off_peak"):
        a = evaluate(surveyed_state.with_params(period=period, overrides=clock_choice), region)
        b = evaluate(back.with_params(period=period, overrides=clock_choice), region)
        for field in ("centre_minutes", "zone_minutes", "cell_minutes"):
            x, y = getattr(a, field)["transit"], getattr(b, field)["transit"]
            # GTFS times are whole seconds: at most a few seconds over a trip; so a cell within those seconds of
            # the search limit (FIELD_LIMIT_S) may be reached on one side only, and no other cell may
            edge = np.isfinite(x) != np.isfinite(y)
            reached_one_side = np.where(np.isfinite(x), x, y)[edge]
            assert (reached_one_side > FIELD_LIMIT_S / 60.0 - 0.05).all(), (period, field, reached_one_side.min() if edge.any() else None)
            fin = np.isfinite(x) & np.isfinite(y)
            assert np.abs(x[fin] - y[fin]).max() < 0.05, (period, field)


def test_a_scenario_with_an_external_feed_routes_on_its_buses(tmp_path: Path) -> None:
    write_zip(tmp_path / "cs.zip", external_tables())
    path = _scenario(tmp_path, "name: svc\nremove_lines: [M1]\nservices:\n  - {gtfs: cs.zip, prefix: 'cs:'}\n")
    state = resolve_state(load_scenario(path), file=str(path))
    assert {"cs:B1:0", "cs:B1:1", "cs:MS:0"} <= set(state.rail.lines["line_id"])
    # 开福寺 -> 南湖路 along Line 1's corridor, with Line 1 taken out: the bus carries the trip
    r = route(state, (112.97398, 28.22585), (112.98, 28.16949), "transit")
    assert "cs:B1:0" in r.lines
    assert main([str(path), "--no-map", "--output-dir", str(tmp_path / "out")]) == 0
    metrics = json.loads((tmp_path / "out" / "svc" / "metrics.json").read_text(encoding="utf-8"))
    assert "cs:B1:0" in metrics["network"]["rail_lines"]


def test_a_bad_feed_fails_its_scenario_alone_naming_file_table_row_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = external_tables()
    tables["stops.txt"] = tables["stops.txt"].replace("b1,文昌阁,28.2174,", "b1,文昌阁,north,")
    write_zip(tmp_path / "bad.zip", tables)
    bad = _scenario(tmp_path, "name: bad-feed\nservices:\n  - {gtfs: bad.zip}\n", "bad-feed")
    good = _scenario(tmp_path, "name: good\n", "good")
    rc = main([str(bad), str(good), "--no-map", "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "Traceback" not in err
    assert "bad-feed.yaml:3: field 'services[0].gtfs'" in err and "bad.zip [stops.txt]:3: field 'stop_lat': got 'north'" in err
    assert (tmp_path / "out" / "good" / "metrics.json").exists()
    assert main(["validate", str(bad)]) == 1
    assert "[stops.txt]:3" in capsys.readouterr().err


def test_a_missing_feed_and_clashing_line_ids_are_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = _scenario(tmp_path, "name: m\nservices:\n  - {gtfs: nowhere.zip}\n", "m")
    assert main(["validate", str(missing)]) == 1
    assert "services[0].gtfs" in capsys.readouterr().err
    write_zip(tmp_path / "cs.zip", external_tables())
    twice = _scenario(tmp_path, "name: t\nservices:\n  - {gtfs: cs.zip}\n  - {gtfs: cs.zip}\n", "t")
    assert main(["validate", str(twice)]) == 1
    assert "give this feed a different 'prefix'" in capsys.readouterr().err


def test_scenario_services_field_is_validated() -> None:
    with pytest.raises(Exception, match=r"services\[0\]\.prefix"):
        parse_scenario("name: x\nservices:\n  - {gtfs: a.zip, prefix: 'a b'}\n", file="x.yaml")


def test_year_scenarios_include_the_intercity_buses_from_their_opening_dates() -> None:
    lines = {}
    for year in (2015, 2027):
        st = resolve_state(parse_scenario(f"name: y{year}\nyear: {year}\n", file=f"y{year}.yaml"))
        lines[year] = set(st.rail.lines["line_id"])
    assert {"CZT-201:0", "CZT-201:1"} <= lines[2015] and "DIDI-CS-ZZ:0" not in lines[2015]  # opened 2006 / 2024-09
    assert {"CZT-201:0", "DIDI-CS-ZZ:0", "DIDI-CS-ZZ:1"} <= lines[2027]


def test_the_intercity_bus_shortens_trips_along_it_and_outputs_say_what_is_assumed(surveyed_state: NetworkState, tmp_path: Path) -> None:
    without = resolve_state(load_scenario(ROOT / "scenarios" / "without-intercity-bus.yaml"))
    houjiatang, xiangtan_west = (112.9766, 28.1772), (112.885, 27.870)
    with_bus = route(surveyed_state, houjiatang, xiangtan_west, "transit")
    no_bus = route(without, houjiatang, xiangtan_west, "transit")
    assert "CZT-201:0" in with_bus.lines and with_bus.minutes < no_bus.minutes
    assert main([str(ROOT / "scenarios" / "surveyed.yaml"), "--no-map", "--output-dir", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "surveyed" / "metrics.json").read_text(encoding="utf-8"))
    assert {"CZT-201:0", "DIDI-CS-ZZ:0"} <= set(metrics["services_with_assumptions"])
