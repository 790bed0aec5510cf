"""Scenario errors found after parsing say where and suggest (review item 5): a bad ``base:`` suggests the
closest scenario names as ``route --scenario`` does; an unknown line id in a transit edit (found as the state
is built) gives the line of the file, as parse errors do."""

from __future__ import annotations

from pathlib import Path

import pytest

from network._errors import InputError
from network.scenario.resolve import build_state, resolve_projects
from network.scenario.schema import find_scenario_file, load_scenario


def test_a_bad_base_suggests_close_names(tmp_path: Path) -> None:
    f = tmp_path / "later.yaml"
    f.write_text("name: later\nbase: year-2032\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        resolve_projects(load_scenario(f), file=str(f))
    assert "field 'base'" in str(exc.value) and "did you mean" in str(exc.value) and "year-2030" in str(exc.value), exc.value
    # the same suggestion as a scenario named on the command line
    with pytest.raises(InputError) as named:
        find_scenario_file("year-2032")
    assert "year-2030" in str(named.value)


def test_an_unknown_line_gives_the_line_of_the_file(tmp_path: Path) -> None:
    f = tmp_path / "often.yaml"
    f.write_text(
        "name: often\nbase: surveyed\nadd:\n  - type: adjust_frequency\n    line: IC-ZZZ\n    headway_min: 6\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        build_state(resolve_projects(load_scenario(f), file=str(f)))
    assert exc.value.line == 5 and str(exc.value).startswith(f"{f}:5: field 'add[0].line'"), exc.value
    assert "did you mean IC-ZZ" in str(exc.value)


def test_an_inherited_edit_is_never_given_a_line_of_the_child_file(tmp_path: Path) -> None:
    """add[k] counts the base's edits first: its line would point at another edit of another file, so none is given."""
    (tmp_path / "b.yaml").write_text(
        "name: b\nbase: surveyed\nadd:\n  - type: adjust_frequency\n    line: IC-ZZZ\n    headway_min: 6\n", encoding="utf-8"
    )
    c = tmp_path / "c.yaml"
    c.write_text("name: c\nbase: b.yaml\nadd:\n  - type: adjust_frequency\n    line: IC-ZZ\n    headway_min: 5\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        build_state(resolve_projects(load_scenario(c), file=str(c)))
    assert exc.value.line is None and "IC-ZZZ" in str(exc.value) and f"{c}:5" not in str(exc.value), exc.value
