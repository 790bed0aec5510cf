"""A key written twice in a YAML mapping is an error naming the key and both lines (network/scenario/yaml_text.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from network._errors import InputError
from network.cli.main import main
from network.scenario.catalogue import parse_catalogue
from network.scenario.schema import parse_scenario
from network.scenario.yaml_text import load_yaml


def test_a_repeated_top_level_key_names_the_key_and_both_lines() -> None:
    with pytest.raises(InputError) as err:
        parse_scenario("name: twice\nyear: 2020\ntitle: t\nyear: 2030\n", file="twice.yaml")
    msg = str(err.value)
    assert msg.startswith("twice.yaml:4: field 'year':")
    assert "'year' is written twice, on line 2 and on line 4" in msg


def test_every_repeated_key_is_named_with_its_path_nested_ones_too() -> None:
    text = (
        "name: nested\n"
        "add:\n"
        "  - type: road_closure\n"
        "    name: a\n"
        "    path: [[112.90, 28.10], [112.95, 28.10]]\n"
        "    name: b\n"
        "period: am_peak\n"
        "period: off_peak\n"
    )
    with pytest.raises(InputError) as err:
        parse_scenario(text, file="n.yaml")
    msg = str(err.value)
    assert "field 'add[0].name'" in msg and "on line 4 and on line 6" in msg
    assert "field 'period'" in msg and "on line 7 and on line 8" in msg


def test_merge_keys_and_aliases_are_not_repeats() -> None:
    doc = load_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", file="m.yaml")
    assert doc["other"] == {"x": 1, "y": 3}


def test_the_catalogue_refuses_a_repeated_key_too() -> None:
    text = "projects:\n  - id: p\n    id: q\n"
    with pytest.raises(InputError, match=r"'id' is written twice, on line 2 and on line 3"):
        parse_catalogue(text, file="projects.yaml")


def test_validate_and_run_fail_on_a_repeated_key_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "dup.yaml"
    f.write_text("name: dup\nyear: 2020\nyear: 2030\n", encoding="utf-8")
    assert main(["validate", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:3: field 'year': key 'year' is written twice, on line 2 and on line 3" in err and "Traceback" not in err
    assert main([str(f), "--no-map", "--output-dir", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out" / "dup").exists()
