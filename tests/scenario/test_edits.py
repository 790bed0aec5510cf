"""A planner's hand-written edits (``add:`` roads, ``remove_lines``) are first-class (issue 13, points 1-6):
listed with what they changed in metrics.json and the report, carried by base chains, attributed, and
every command finds a scenario by name or path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from network._errors import InputError
from network.analysis.compare import attribution
from network.analysis.metrics import evaluate
from network.cli.main import main
from network.model.region import CITIES, Region
from network.outputs.report import render_report
from network.run.runner import scenario_metrics
from network.run.scenarios import run_files
from network.scenario.resolve import build_state, resolve_projects
from network.scenario.schema import find_scenario_file, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
ROAD = "黄兴大道—田心大道连接线"
MINE = f"""\
name: my-scenario
title: my connector, and no intercity to Xiangtan
base: surveyed
remove_lines: [IC-XT]
add:
  - {{type: new_road, name: {ROAD}, path: [[113.05, 28.06], [113.12, 27.89]], speed_kph: 60}}
  - {{type: road_upgrade, name: upgrade-west, path: [[112.95, 28.10], [113.00, 28.00]], highway: expressway}}
  - {{type: road_closure, name: close-north, path: [[112.97, 28.20], [112.99, 28.15]]}}
"""


@pytest.fixture()
def mine(tmp_path: Path) -> Path:
    p = tmp_path / "my-scenario.yaml"
    p.write_text(MINE, encoding="utf-8")
    return p


def _transit(ev: object, a: str, b: str) -> float:
    return float(ev.centre_minutes["transit"][CITIES.index(a), CITIES.index(b)])  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ 1. metrics and report


def test_metrics_list_every_edit_with_its_length_and_what_it_changed(mine: Path) -> None:
    metrics, _, state = scenario_metrics(load_scenario(mine), file=str(mine))
    edits = {e["name"]: e for e in metrics["edits"]}
    assert set(edits) == {"IC-XT", ROAD, "upgrade-west", "close-north"}
    assert [edits[n]["type"] for n in ("IC-XT", ROAD, "upgrade-west", "close-north")] == [
        "remove_line",
        "new_road",
        "road_upgrade",
        "road_closure",
    ]
    # the drawn geometry's length: the connector's two points are 20.1 km apart (UTM 49N)
    assert edits[ROAD]["length_km"] == pytest.approx(20.06, abs=0.05)
    assert all(e["length_km"] > 1 and not e["inherited"] for e in edits.values())
    new, up, close, line = (
        edits[ROAD]["changes"],
        edits["upgrade-west"]["changes"],
        edits["close-north"]["changes"],
        edits["IC-XT"]["changes"],
    )
    assert new["edges_added"] >= 1 and new["road_km_added"] > 19 and new["existing_nodes_joined"] == 2
    assert up["edges_changed"] >= 1 and up["edges_added"] == up["edges_removed"] == 0
    assert close["edges_removed"] >= 1 and close["edges_added"] == 0
    assert line["line_id"] == "IC-XT" and line["stops_removed"] >= 2 and "IC-XT" not in set(state.rail.lines["line_id"])
    # the counts add up to the scenario's network against the surveyed one
    surveyed = build_state(resolve_projects(load_scenario(ROOT / "scenarios/surveyed.yaml")))
    assert len(state.roads.edges) == len(surveyed.roads.edges) + new["edges_added"] - close["edges_removed"]
    assert json.dumps(metrics["edits"], ensure_ascii=False)  # plain JSON


def test_report_lists_the_edits(mine: Path) -> None:
    metrics, _, _ = scenario_metrics(load_scenario(mine), file=str(mine))
    page = render_report(scenario_title="t", metrics=metrics)
    section = page.split('id="edits"', 1)[1].split("<h2", 1)[0]
    for name in ("IC-XT", ROAD, "upgrade-west", "close-north"):
        assert name in section
    assert "adds 1 road edge" in section and "closes" in section and "removes rail line IC-XT" in section


def test_compare_names_and_draws_both_scenarios_edits(mine: Path, tmp_path: Path) -> None:
    rc = main(["compare", "surveyed", str(mine), "--output-dir", str(tmp_path / "out"), "--map-dir", str(tmp_path / "maps")])
    assert rc == 0
    doc = json.loads((tmp_path / "out/compare-surveyed-vs-my-scenario/compare.json").read_text(encoding="utf-8"))
    assert doc["edits_only_in_b"] == ["IC-XT", ROAD, "upgrade-west", "close-north"] and doc["edits_only_in_a"] == []
    assert {e["name"] for e in doc["edits_b"]} == set(doc["edits_only_in_b"])
    html = (tmp_path / "maps/compare-surveyed-vs-my-scenario.html").read_text(encoding="utf-8")
    assert ("edits \\u00b7 my-scenario" in html or "edits · my-scenario" in html) and "upgrade-west" in html and "close-north" in html


# ------------------------------------------------------------------------------ 2. attribution


@pytest.mark.slow
def test_attribution_covers_hand_written_edits(mine: Path, region: Region) -> None:
    r = resolve_projects(load_scenario(mine), file=str(mine))
    against = resolve_projects(load_scenario(ROOT / "scenarios/surveyed.yaml"))
    res = attribution(r, against, region)
    table = res.table.set_index("project")
    assert set(table.index) == {"IC-XT", ROAD, "upgrade-west", "close-north"}
    assert set(table["item"]) == {"edit"}
    # removing IC-XT alone slows transit Changsha -> Xiangtan by exactly what the two networks differ by
    with_line = evaluate(build_state(resolve_projects(parse_scenario("name: x\n", file="x"))), region)
    without = evaluate(build_state(resolve_projects(parse_scenario("name: y\nremove_lines: [IC-XT]\n", file="y"))), region)
    slower = _transit(without, "changsha", "xiangtan") - _transit(with_line, "changsha", "xiangtan")
    # the AM-peak express (IC-XT-EXP) still runs, so centre to centre the all-stop line may be worth little;
    # removing a line never speeds a trip up, and attribution must report exactly the difference
    assert slower >= 0.0
    assert table.at["IC-XT", "aoi:changsha->xiangtan:transit"] == pytest.approx(-slower, abs=0.01)
    assert table.at["IC-XT", "changes_any_time"]
    transit_slower = sum(
        _transit(without, a, b) - _transit(with_line, a, b) for a in CITIES for b in CITIES if a != b
    )  # summed over the 6 ordered pairs
    assert table.at["IC-XT", "loo_minutes_transit_total"] == pytest.approx(-transit_slower, abs=0.05)
    assert table.at[ROAD, "type"] == "new_road" and table.at["close-north", "type"] == "road_closure"


@pytest.mark.slow
def test_attribution_command_on_a_hand_written_scenario_writes_its_rows(
    mine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(mine.parent)
    assert main(["attribution", "my-scenario", "--output-dir", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out/my-scenario/attribution.csv").read_text(encoding="utf-8")
    assert len(text.splitlines()) == 5 and "IC-XT" in text and ROAD in text
    header = text.splitlines()[0].split(",")
    assert {"tier", "snapshot", "definition", "attribution"} <= set(header) and "© OpenStreetMap contributors" in text


# ------------------------------------------------------------------------------ 3. base chains


def test_a_child_carries_its_base_edits_and_settings(mine: Path, region: Region) -> None:
    child = mine.parent / "child.yaml"
    child.write_text("name: child\nbase: my-scenario\nperiod: am_peak\n", encoding="utf-8")
    base_r = resolve_projects(load_scenario(mine), file=str(mine))
    child_r = resolve_projects(load_scenario(child), file=str(child))
    assert child_r.bases == ("my-scenario",)
    assert [a.name for a in child_r.scenario.add] == [ROAD, "upgrade-west", "close-north"]
    assert child_r.scenario.remove_lines == ["IC-XT"]
    a, b = evaluate(build_state(base_r), region), evaluate(build_state(child_r), region)
    for mode in ("car", "transit"):
        assert (a.centre_minutes[mode] == b.centre_minutes[mode]).all()
    metrics, _, _ = scenario_metrics(load_scenario(child), file=str(child))
    assert [e["name"] for e in metrics["edits"] if e["inherited"]] == ["IC-XT", ROAD, "upgrade-west", "close-north"]
    assert metrics["base_chain"] == ["my-scenario"]


def test_a_child_inherits_settings_it_does_not_write(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("name: b\nperiod: off_peak\nthresholds_minutes: [20, 40]\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("name: c\nbase: b\nfeeder_speed_kph: 12\n", encoding="utf-8")
    r = resolve_projects(load_scenario(tmp_path / "c.yaml"), file=str(tmp_path / "c.yaml"))
    assert (r.scenario.period, r.scenario.thresholds_minutes, r.scenario.feeder_speed_kph) == ("off_peak", [20, 40], 12)


def test_a_child_can_drop_a_base_edit_by_name(mine: Path) -> None:
    child = mine.parent / "child.yaml"
    child.write_text("name: child\nbase: my-scenario\ndrop_edits: [close-north, IC-XT]\n", encoding="utf-8")
    r = resolve_projects(load_scenario(child), file=str(child))
    assert [a.name for a in r.scenario.add] == [ROAD, "upgrade-west"] and r.scenario.remove_lines == []
    state = build_state(r)
    assert "IC-XT" in set(state.rail.lines["line_id"])
    # and may then add an edit of the dropped name (a replacement)
    child.write_text(
        "name: child\nbase: my-scenario\ndrop_edits: [close-north]\n"
        "add:\n  - {type: road_closure, name: close-north, path: [[113.00, 28.20], [113.02, 28.15]]}\n",
        encoding="utf-8",
    )
    r = resolve_projects(load_scenario(child), file=str(child))
    assert [a.name for a in r.scenario.add] == [ROAD, "upgrade-west", "close-north"]
    assert r.scenario.add[-1].path[0] == (113.00, 28.20)


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ("drop_edits: [no-such-edit]\n", "drop_edits[0]", "close-north"),
        (f"add:\n  - {{type: road_closure, name: {ROAD}, path: [[113.0, 28.2], [113.0, 28.1]]}}\n", "add[0].name", "drop_edits"),
        ("remove_lines: [IC-XT]\n", "remove_lines[0]", "already removes"),
    ],
)
def test_bad_chain_edits_are_refused_with_the_field(mine: Path, body: str, field: str, says: str) -> None:
    child = mine.parent / "child.yaml"
    child.write_text(f"name: child\nbase: my-scenario\n{body}", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        resolve_projects(load_scenario(child), file=str(child))
    assert exc.value.field == field and says in str(exc.value) and "child.yaml" in str(exc.value)


def test_drop_edits_on_the_surveyed_base_is_refused() -> None:
    with pytest.raises(InputError) as exc:
        resolve_projects(parse_scenario("name: x\ndrop_edits: [a]\n", file="x.yaml"), file="x.yaml")
    assert exc.value.field == "drop_edits[0]" and "makes no edits" in str(exc.value)


def test_a_resolved_scenario_resolves_to_itself(mine: Path) -> None:
    """The resolved (flat) scenario re-resolves to the same projects and edits: nothing is applied twice."""
    child = mine.parent / "child.yaml"
    child.write_text("name: child\nbase: my-scenario\nyear: 2018\nexclude: [czt-intercity]\n", encoding="utf-8")
    r = resolve_projects(load_scenario(child), file=str(child))
    again = resolve_projects(r.scenario)
    assert again.active == r.active and again.year == r.year == 2018 and again.scenario == r.scenario


# ------------------------------------------------------------------------------ 4. --all with files


def test_all_with_a_named_file_runs_both_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "scenarios"
    shipped.mkdir()
    (shipped / "a.yaml").write_text("name: a\n", encoding="utf-8")
    x = tmp_path / "x.yaml"
    x.write_text("name: x\nremove_lines: [IC-XT]\n", encoding="utf-8")
    monkeypatch.setattr("network.cli.main.SCENARIO_DIR", shipped)
    out = tmp_path / "out"
    assert main(["--all", str(x), "--no-map", "--output-dir", str(out)]) == 0
    assert (out / "a/metrics.json").exists() and (out / "x/metrics.json").exists()
    assert run_files([str(x), str(shipped / "a.yaml")], run_all=True, scenario_dir=shipped) == [shipped / "a.yaml", x]


# ------------------------------------------------------------------------------ 5. names or paths


def test_find_scenario_file_by_name_path_or_declared_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("name: mine\n", encoding="utf-8")
    (tmp_path / "draft_v2.yaml").write_text("name: draft\n", encoding="utf-8")
    assert find_scenario_file("mine") == tmp_path / "mine.yaml"
    assert find_scenario_file("mine.yaml") == Path("mine.yaml")
    assert find_scenario_file("draft") == tmp_path / "draft_v2.yaml"  # by its name: field
    assert find_scenario_file("year-2023").resolve() == (ROOT / "scenarios/year-2023.yaml").resolve()
    with pytest.raises(InputError, match="did you mean mine"):
        find_scenario_file("mein")
    with pytest.raises(InputError, match="does not exist"):
        find_scenario_file("nope.yaml")
    (tmp_path / "surveyed.yaml").write_text("name: surveyed\nperiod: off_peak\n", encoding="utf-8")
    with pytest.raises(InputError, match="ambiguous"):
        find_scenario_file("surveyed")


def test_other_yaml_files_beside_the_scenarios_are_not_scenarios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nnav: [index.md]\n", encoding="utf-8")
    (tmp_path / "ci.yaml").write_text("- step: build\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("name: broken\nyear: [2023\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        find_scenario_file("mkdocs")
    assert "mkdocs" not in str(exc.value).split("scenarios there:")[-1] and "year-2023" in str(exc.value)
    with pytest.raises(InputError) as exc:
        find_scenario_file("ci")
    assert "ci," not in str(exc.value)
    assert find_scenario_file("broken") == tmp_path / "broken.yaml"  # a draft that does not parse still gets its own error
    assert find_scenario_file("mkdocs.yml") == Path("mkdocs.yml")  # a path is always taken as given


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "year-2023", "mine", "--no-map"],
        pytest.param(["attribution", "mine", "--against", "year-2023"], marks=pytest.mark.slow),  # leave-one-out: 3.3 s of CPU
        ["route", "--scenario", "mine", "--from", "112.97,28.20", "--to", "113.13,27.83", "--json"],
        ["matrix", "--scenario", "mine", "--mode", "best"],
        ["timeline", "mine", "year-2023"],
        ["validate", "mine"],
        ["mine", "--no-map"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_takes_a_scenario_name_outside_scenarios(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scenario in the working directory, named without its path; its base is a shipped scenario."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("name: mine\nbase: year-2023\nremove_lines: [IC-ZZ]\n", encoding="utf-8")
    out = ["--output-dir", str(tmp_path / "out")] if argv[0] in ("compare", "attribution", "timeline", "mine") else []
    if argv[0] == "matrix":
        out = ["--out", str(tmp_path / "m.csv")]
    assert main([*argv, *out]) == 0


# ------------------------------------------------------------------------------ 6. projects and exclude


def test_a_project_both_added_and_excluded_is_refused() -> None:
    with pytest.raises(InputError) as exc:
        parse_scenario("name: x\nprojects: [g4-widening, dongzhu-road]\nexclude: [dongzhu-road]\n", file="x.yaml")
    assert exc.value.field == "exclude" and exc.value.line == 3
    assert "dongzhu-road" in str(exc.value) and "projects[1]" in str(exc.value)


def test_an_edit_name_used_twice_is_refused() -> None:
    text = "name: x\nadd:\n" + "  - {type: road_closure, name: c, path: [[113.0, 28.2], [113.0, 28.1]]}\n" * 2
    with pytest.raises(InputError) as exc:
        parse_scenario(text, file="x.yaml")
    assert exc.value.field == "add" and "add[1].name" in str(exc.value)


def test_attribution_names_what_only_the_reference_has(
    mine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(mine.parent)
    (mine.parent / "b.yaml").write_text("name: b\nbase: my-scenario\ndrop_edits: [IC-XT]\n", encoding="utf-8")
    assert main(["attribution", "b", "--output-dir", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "b adds no catalogue project or hand-written edit over my-scenario" in out
    assert "my-scenario has what b does not: IC-XT" in out and "attribution my-scenario --against b" in out


def test_a_child_with_its_own_year_keeps_its_base_project_choices(tmp_path: Path) -> None:
    """The base's `exclude` and `projects` survive a child that sets another year (they used to be dropped)."""
    (tmp_path / "b.yaml").write_text("name: b\nexclude: [g4-widening]\nprojects: [huangxing-tianxin-connector]\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("name: c\nbase: b\nyear: 2030\n", encoding="utf-8")
    r = resolve_projects(load_scenario(tmp_path / "c.yaml"), file=str(tmp_path / "c.yaml"))
    assert "g4-widening" not in r.active and "huangxing-tianxin-connector" in r.active
    plain = resolve_projects(parse_scenario("name: d\nyear: 2030\n", file="d.yaml"))
    assert "g4-widening" in plain.active  # planned by 2030: only the base's exclude keeps it out
