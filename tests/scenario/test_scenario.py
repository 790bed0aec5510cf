"""Scenario files (network/scenario/schema.py): validation errors name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from network._errors import InputError
from network.scenario.resolve import resolve_state
from network.scenario.schema import load_scenario, parse_scenario


def _err(text: str) -> InputError:
    with pytest.raises(InputError) as exc:
        parse_scenario(text, file="scenarios/bad.yaml")
    return exc.value


def test_malformed_yaml_names_file_and_line() -> None:
    e = _err("name: x\nperiod: [am_peak\n")
    assert "scenarios/bad.yaml" in str(e) and e.line is not None


def test_bad_period_names_field_value_and_expectation() -> None:
    e = _err("name: ok\nperiod: rush_hour\n")
    assert e.field == "period"
    assert "rush_hour" in str(e) and "am_peak" in str(e)


def test_unknown_field_is_refused() -> None:
    e = _err("name: ok\nperiods: am_peak\n")
    assert e.field == "periods" and "unknown field" in str(e)


def test_name_cannot_escape_output_folder() -> None:
    e = _err("name: ../../x\n")
    assert e.field == "name"


def test_check_with_unknown_city_names_nested_field() -> None:
    e = _err("name: ok\nchecks:\n  - {metric: centre_minutes, from: wuhan, to: zhuzhou, mode: best, max: 30}\n")
    assert e.field == "checks[0].from"


def test_unknown_rail_line_is_refused_on_resolve(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("name: s\nremove_lines: [IC-XX]\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        resolve_state(load_scenario(f), file=str(f))
    assert "remove_lines[0]" in str(exc.value) and "IC-ZZ" in str(exc.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_scenario(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(exc.value)


def test_document_that_is_not_a_mapping() -> None:
    assert _err("- a\n- b\n").field == "<document>"


def test_yaml_boolean_name_gets_a_quoting_hint() -> None:
    e = _err("name: off\n")
    assert e.field == "name" and "quotes" in str(e)


def test_every_problem_of_a_scenario_is_listed_with_its_own_line() -> None:
    """A planner fixes a broken file in one pass: each problem names its field and the line of its entry."""
    text = (
        "name: my plan\n"
        "period: rush\n"
        "add:\n"
        "  - name: link\n"
        "    path: [[112.99, 28.1], [113.0, 28.0]]\n"
        "  - name: second\n"
        "    type: new_road\n"
        "    path: [[112.99, 28.1], [113.0, 28.0]]\n"
    )
    with pytest.raises(InputError) as info:
        parse_scenario(text, file="plan.yaml")
    msg = str(info.value)
    assert msg.startswith("plan.yaml:1: field 'name'") and "no spaces" in msg
    assert "also plan.yaml:2: field 'period'" in msg
    assert "also plan.yaml:4: field 'add[0]': missing field 'type'" in msg
    assert "plan.yaml:6: field 'add[1].speed_kph': missing" in msg
    assert "Traceback" not in msg


def test_every_unknown_line_in_remove_lines_is_named_with_a_case_blind_guess() -> None:
    with pytest.raises(InputError) as info:
        resolve_state(parse_scenario("name: x\nremove_lines: [ic-zz, M99]\n", file="x.yaml"), file="x.yaml")
    msg = str(info.value)
    assert "got 'ic-zz': unknown rail line (did you mean IC-ZZ?)" in msg
    assert "also field 'remove_lines[1]': got 'M99'" in msg and "exclude" in msg


def test_repeated_ids_and_a_one_point_road_are_refused() -> None:
    text = "name: x\nprojects: [furong-avenue, furong-avenue]\nadd:\n  - {type: new_road, name: a, speed_kph: 50, path: [[113.0, 28.1], [113.0, 28.1]]}\n"
    with pytest.raises(InputError) as info:
        parse_scenario(text, file="x.yaml")
    msg = str(info.value)
    assert "x.yaml:2: field 'projects'" in msg and "listed more than once" in msg
    assert "field 'add[0].path'" in msg and "all the same" in msg
