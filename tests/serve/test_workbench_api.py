"""The workbench's JSON API: guarded front door, edits validated like files, undo, save, route as the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from network.cli.main import main
from network.serve.editlog import edit_variants
from network.serve.executor import Superseded
from network.serve.session import Tab
from network.serve.workspace import Workspace

from .conftest import AUTH, HOST, NEW_ROAD, TOKEN, make_client


def _minutes(doc: dict[str, Any], a: str, b: str, mode: str) -> float:
    return next(r["minutes"] for r in doc["numbers"]["centre_minutes"] if (r["from"], r["to"], r["mode"]) == (a, b, mode))


@pytest.fixture(scope="module")
def opened(client: TestClient) -> dict[str, Any]:
    r = client.post("/api/tabs", json={"file": "surveyed.yaml"}, headers=AUTH)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Host": HOST}, 401),  # no token
        ({"Host": HOST, "X-Workbench-Token": "wrong"}, 401),
        ({**AUTH, "Host": "evil.example:8765"}, 421),  # DNS rebinding: a foreign name resolving to 127.0.0.1
        ({**AUTH, "Origin": "http://evil.example"}, 403),  # another site driving the API from the browser
        ({**AUTH, "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Host": HOST, "Authorization": f"Bearer {TOKEN}"}, 200),
        ({**AUTH, "Origin": f"http://{HOST}"}, 200),
    ],
)
def test_front_door_refuses_without_token_foreign_host_or_origin(client: TestClient, headers: dict[str, str], status: int) -> None:
    r = client.get("/api/scenarios", headers=headers)
    assert r.status_code == status, r.text
    assert not any(h.lower().startswith("access-control-") for h in r.headers), "no CORS header, ever"
    if status != 200:
        assert "files" not in r.json()


def test_page_needs_the_token_and_makes_no_outside_reference(client: TestClient) -> None:
    assert client.get("/", headers={"Host": HOST}).status_code == 401
    r = client.get(f"/?token={TOKEN}", headers={"Host": HOST})
    assert r.status_code == 200
    assert "L.map(" in r.text and "pm:create" in r.text, "Leaflet, Geoman and the page script are inlined"
    assert not re.search(r"<script[^>]*\bsrc=", r.text) and not re.search(r"<link[^>]*\bhref=[\"']?http", r.text), "nothing loaded from elsewhere"
    assert "default-src 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("name", ["../surveyed.yaml", "/etc/passwd", ".workbench/x.yaml", "surveyed.txt", "nope.yaml"])
def test_files_only_inside_the_workspace(client: TestClient, name: str) -> None:
    r = client.post("/api/tabs", json={"file": name}, headers=AUTH)
    assert r.status_code == 422
    assert "workspace" in r.json()["error"]


def test_edit_lists_come_from_the_scenario_schema() -> None:
    v = edit_variants()
    assert {"new_road", "road_upgrade", "road_closure"} <= set(v["add"])
    assert v["remove_lines"]["type"] == "string"
    assert "speed_kph" in v["add"]["new_road"]["properties"]


def test_edit_undo_and_bad_edit(client: TestClient, opened: dict[str, Any]) -> None:
    tab = opened["tab"]
    before = _minutes(opened, "changsha", "zhuzhou", "car")
    r = client.post(f"/api/tabs/{tab}/edits", json={"op": NEW_ROAD}, headers=AUTH)
    assert r.status_code == 200, r.text
    after = r.json()
    assert _minutes(after, "changsha", "zhuzhou", "car") < before - 10, "a 100 km/h road between the centres saves car minutes"
    car = after["numbers"]["recomputed_origins"]["car"]
    assert car["recomputed"] < car["of"], "incremental: only the origins the road can change are recomputed"
    assert len(after["log"]) == 1
    bad = {**NEW_ROAD, "item": {**NEW_ROAD["item"], "name": "too fast", "speed_kph": 500}}
    r = client.post(f"/api/tabs/{tab}/edits", json={"op": bad}, headers=AUTH)
    assert r.status_code == 422
    assert "add[1].speed_kph" in r.json()["error"] and "130" in r.json()["error"]
    assert len(client.get(f"/api/tabs/{tab}", headers=AUTH).json()["log"]) == 1, "the bad edit is not kept, the good one is not lost"
    unknown = client.post(f"/api/tabs/{tab}/edits", json={"op": {"op": "append", "field": "remove_lines", "item": "no-such-line"}}, headers=AUTH)
    assert unknown.status_code == 422 and "remove_lines[0]" in unknown.json()["error"]
    r = client.post(f"/api/tabs/{tab}/undo", headers=AUTH)
    assert r.status_code == 200
    assert r.json()["log"] == []
    assert _minutes(r.json(), "changsha", "zhuzhou", "car") == before
    assert client.post(f"/api/tabs/{tab}/undo", headers=AUTH).status_code == 409


def test_an_edit_that_can_help_no_trip_recomputes_no_origin(client: TestClient, opened: dict[str, Any]) -> None:
    """Incremental evaluation: only the origins a road can change are recomputed; a 5-km/h lane between the
    centres improves no origin's tree, so none is recomputed and no number moves."""
    tab = opened["tab"]
    lane = {**NEW_ROAD, "item": {**NEW_ROAD["item"], "name": "slow lane", "speed_kph": 5}}
    r = client.post(f"/api/tabs/{tab}/edits", json={"op": lane}, headers=AUTH)
    assert r.status_code == 200, r.text
    car = r.json()["numbers"]["recomputed_origins"]["car"]
    assert car["recomputed"] == 0 < car["of"]
    assert r.json()["numbers"]["centre_minutes"] == opened["numbers"]["centre_minutes"]
    assert client.post(f"/api/tabs/{tab}/undo", headers=AUTH).status_code == 200


def test_route_is_the_cli_route_json(client: TestClient, opened: dict[str, Any], workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ends = {"from": [112.97, 28.20], "to": [113.13, 27.83], "mode": "transit"}
    tab = opened["tab"]
    got = client.post(f"/api/tabs/{tab}/route", json=ends, headers=AUTH).json()
    capsys.readouterr()
    args = ["route", "--scenario", str(workspace / "surveyed.yaml"), "--from", "112.97,28.20", "--to", "113.13,27.83", "--mode", "transit", "--json"]
    assert main(args) == 0
    assert got == json.loads(capsys.readouterr().out)
    assert client.post("/api/route", json={**ends, "scenario": "surveyed.yaml"}, headers=AUTH).json() == got


def test_route_with_lat_lon_swapped_gets_the_cli_words(client: TestClient, opened: dict[str, Any]) -> None:
    swapped = {"from": [28.20, 112.97], "to": [113.13, 27.83], "scenario": "surveyed.yaml"}
    r = client.post("/api/route", json=swapped, headers=AUTH)
    assert r.status_code == 422
    assert r.json() == {"error": "request body: field 'from': [28.2, 112.97] looks like 'lat,lon'; expected 'lon,lat' (e.g. 112.97,28.20)"}
    far = client.post(f"/api/tabs/{opened['tab']}/route", json={"from": [112.97, 28.20], "to": [500.0, 27.83]}, headers=AUTH)
    assert far.status_code == 422 and "field 'to'" in far.json()["error"] and "outside the study area" in far.json()["error"]


def test_openapi_documents_route_metrics_and_effect(client: TestClient) -> None:
    paths = client.get("/api/openapi.json", headers=AUTH).json()["paths"]
    assert {"/api/route", "/api/scenarios/{file}/metrics", "/api/effect", "/api/tabs/{tab_id}/edits"} <= set(paths)


def test_effect_of_one_edit(client: TestClient) -> None:
    r = client.post("/api/effect", json={"scenario": "surveyed.yaml", "op": NEW_ROAD}, headers=AUTH)
    assert r.status_code == 200, r.text
    pair = next(p for p in r.json()["pairs"] if (p["from"], p["to"], p["mode"]) == ("changsha", "zhuzhou", "car"))
    assert pair["minutes_saved"] > 10


def test_save_writes_yaml_the_cli_validates(client: TestClient, opened: dict[str, Any], workspace: Path) -> None:
    tab = opened["tab"]
    client.post(f"/api/tabs/{tab}/edits", json={"op": {"op": "project", "project_id": "west-ring-line", "include": False}}, headers=AUTH)
    r = client.post(f"/api/tabs/{tab}/save", json={"name": "no-west-ring"}, headers=AUTH)
    assert r.status_code == 200, r.text
    saved = workspace / "no-west-ring.yaml"
    assert "west-ring-line" in saved.read_text(encoding="utf-8")
    assert main(["validate", str(saved)]) == 0
    assert client.post(f"/api/tabs/{tab}/save", json={"name": "no-west-ring"}, headers=AUTH).status_code == 409, "never over a file unasked"
    assert client.post(f"/api/tabs/{tab}/save", json={"name": "../x"}, headers=AUTH).status_code == 422
    assert list((workspace / ".workbench").glob("*.yaml")), "the log is autosaved"


def test_an_empty_folder_offers_the_shipped_scenarios_read_only(tmp_path: Path, opened: dict[str, Any]) -> None:
    """``czt-planner serve`` in an empty folder: the shipped scenarios are listed beside the (no) workspace files,
    open read only through importlib.resources, and a save writes into the workspace (planner review, finding 7)."""
    from network.paths import SCENARIO_DIR

    empty = tmp_path / "empty"
    empty.mkdir()
    shipped = {f"shipped/{p.name}" for p in SCENARIO_DIR.glob("*.yaml")}
    before = (SCENARIO_DIR / "surveyed.yaml").read_bytes()
    with make_client(empty) as c:
        meta = c.get("/api/meta", headers=AUTH).json()
        assert meta["files"] == [] and set(meta["shipped"]) == shipped and "shipped/surveyed.yaml" in shipped
        assert c.get("/api/scenarios", headers=AUTH).json() == {"files": [], "shipped": meta["shipped"]}
        r = c.post("/api/tabs", json={"file": "shipped/surveyed.yaml"}, headers=AUTH)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert _minutes(doc, "changsha", "zhuzhou", "car") == _minutes(opened, "changsha", "zhuzhou", "car"), "the shipped file's numbers"
        saved = c.post(f"/api/tabs/{doc['tab']}/save", json={"name": "my-surveyed"}, headers=AUTH)
        assert saved.status_code == 200, saved.text
        assert Path(saved.json()["path"]) == empty / "my-surveyed.yaml" and (empty / "my-surveyed.yaml").is_file()
        assert "from shipped/surveyed.yaml" in (empty / "my-surveyed.yaml").read_text(encoding="utf-8")
        assert c.get("/api/scenarios", headers=AUTH).json()["files"] == ["my-surveyed.yaml"]
        for bad in ("shipped/../surveyed.yaml", "shipped/nope.yaml", "shipped/.hidden.yaml", "shipped//etc/passwd", "shipped/sub/surveyed.yaml"):
            r = c.post("/api/tabs", json={"file": bad}, headers=AUTH)
            assert r.status_code == 422 and "shipped" in r.json()["error"], (bad, r.text)
    assert (SCENARIO_DIR / "surveyed.yaml").read_bytes() == before and not (SCENARIO_DIR / "my-surveyed.yaml").exists()
    # a workspace file of the same name hides the shipped one, as for the command line
    (empty / "surveyed.yaml").write_bytes(before)
    assert "shipped/surveyed.yaml" not in Workspace.at(empty).shipped_files()


def test_tabs_are_capped_and_never_shared(tmp_path: Path) -> None:
    from .conftest import make_workspace

    ws = make_workspace(tmp_path / "ws")
    with make_client(ws, max_tabs=1) as c:
        a = c.post("/api/tabs", json={"file": "year-2015.yaml"}, headers=AUTH).json()["tab"]
        b = c.post("/api/tabs", json={"file": "year-2015.yaml"}, headers=AUTH).json()["tab"]
        assert a != b
        gone = c.get(f"/api/tabs/{a}", headers=AUTH)
        assert gone.status_code == 404 and "autosaved" in gone.json()["error"]
        assert c.get(f"/api/tabs/{b}", headers=AUTH).json()["log"] == []


def test_a_superseded_computation_is_never_kept(workspace: Path, region: Any) -> None:
    tab = Tab(Workspace.at(workspace), "year-2015.yaml", region)
    tab.open()
    from network.serve.editlog import Append

    ops, built = tab.prepare(Append.model_validate(NEW_ROAD))
    stale = tab.accept(ops, built)
    tab.accept(*tab.prepare(None))  # a newer edit (an undo) arrives before the first is evaluated
    with pytest.raises(Superseded):
        tab.compute(stale, built)
    assert tab.current is tab.root, "the overtaken result is not shown"


def test_export_runs_the_scenario_and_the_comparison_as_the_cli_into_the_workspace(client: TestClient, opened: dict[str, Any], workspace: Path) -> None:
    tab = opened["tab"]
    assert client.post(f"/api/tabs/{tab}/base", json={"file": "year-2015.yaml"}, headers=AUTH).status_code == 200
    r = client.post(f"/api/tabs/{tab}/export", json={"name": "exported-one", "overwrite": True}, headers=AUTH)
    client.post(f"/api/tabs/{tab}/base", json={"file": None}, headers=AUTH)
    assert r.status_code == 200, r.text
    files = r.json()["files"]
    assert "/files/maps/exported-one.html" in files and "/files/outputs/exported-one/report.html" in files
    assert "/files/maps/compare-year-2015-vs-exported-one.html" in files, "with a base, the comparison map as `compare` writes it"
    page = client.get(files[0], headers=AUTH)
    assert page.status_code == 200 and "© OpenStreetMap contributors" in page.text
    metrics = json.loads((workspace / "outputs" / "exported-one" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["scenario"] == "exported-one"
    for bad in ("/files/outputs/%2e%2e/%2e%2e/surveyed.yaml", "/files/outputs/..%2fsurveyed.yaml", "/files/other/x.html"):
        assert client.get(bad, headers=AUTH).status_code in (404, 422), bad


def test_transit_edits_of_the_language_are_offered_and_applied(client: TestClient) -> None:
    """The scenario language's transit edits reach the workbench from the schema: a sparser intercity
    (headway 60 min) never speeds the transit trip up; a removed line leaves the map's rail layer (its clock
    minutes may move either way: paths are chosen by generalized cost); a drawn trip pattern (stops as
    points) is shown on the map."""
    meta = client.get("/api/meta", headers=AUTH).json()
    assert {"adjust_frequency", "add_trip_pattern", "extend_line"} <= set(meta["edit_lists"]["add"])
    doc = client.post("/api/tabs", json={"file": "surveyed.yaml"}, headers=AUTH).json()
    tab, before = doc["tab"], _minutes(doc, "changsha", "zhuzhou", "transit")
    sparse = {"op": "append", "field": "add", "item": {"type": "adjust_frequency", "name": "sparse intercity", "line": "IC-ZZ", "headway_min": 60}}
    r = client.post(f"/api/tabs/{tab}/edits", json={"op": sparse}, headers=AUTH)
    assert r.status_code == 200, r.text
    slower = _minutes(r.json(), "changsha", "zhuzhou", "transit")
    assert slower >= before
    r = client.post(f"/api/tabs/{tab}/edits", json={"op": {"op": "append", "field": "remove_lines", "item": "IC-ZZ"}}, headers=AUTH)
    assert r.status_code == 200, r.text
    rail = client.get(f"/api/tabs/{tab}/layers", headers=AUTH).json()["rail"]["features"]
    assert "IC-ZZ" not in {f["properties"]["line_id"] for f in rail}
    pattern = {
        "op": "append",
        "field": "add",
        "item": {"type": "add_trip_pattern", "name": "drawn bus", "line": "BUS-X", "kind": "bus", "headway_min": 10, "speed_kph": 25,
                 "stops": [[112.98, 28.19], [113.05, 28.0], [113.13, 27.84]]},
    }  # fmt: skip
    r = client.post(f"/api/tabs/{tab}/edits", json={"op": pattern}, headers=AUTH)
    assert r.status_code == 200, r.text
    edits = client.get(f"/api/tabs/{tab}/layers", headers=AUTH).json()["edits"]["features"]
    assert [f["properties"]["name"] for f in edits] == ["drawn bus"], "drawn entries are shown; a frequency change has no geometry"
    rail = client.get(f"/api/tabs/{tab}/layers", headers=AUTH).json()["rail"]["features"]
    assert "BUS-X" in {f["properties"]["line_id"] for f in rail}


def test_a_definition_on_the_tab_network(client: TestClient, opened: dict[str, Any]) -> None:
    tab = opened["tab"]
    r = client.get(f"/api/tabs/{tab}/definition/station_to_station", headers=AUTH)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert rows and {row["definition"] for row in rows} == {"station_to_station"}
    assert {row["tier"] for row in rows} == {"embedded"} and all(row["snapshot"] for row in rows)
    bad = client.get(f"/api/tabs/{tab}/definition/nonsense", headers=AUTH)
    assert bad.status_code == 422 and "centre_to_centre" in bad.json()["error"]


def test_another_address_needs_the_explicit_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--workspace", str(tmp_path)]) == 1
    assert "--allow-remote" in capsys.readouterr().err
