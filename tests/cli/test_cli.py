"""End to end through the command line (network/cli/main.py, run_scenario.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from network.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_surveyed_run_writes_metrics_and_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main([str(ROOT / "scenarios/surveyed.yaml"), "--output-dir", str(tmp_path / "out"), "--map-dir", str(tmp_path / "maps")])
    assert rc == 0
    metrics = json.loads((tmp_path / "out/surveyed/metrics.json").read_text(encoding="utf-8"))
    assert len(metrics["centre_minutes"]) == 18
    assert metrics["network"]["tier"] == "embedded"
    assert "OpenStreetMap contributors" in metrics["attribution"]
    html = (tmp_path / "maps/surveyed.html").read_text(encoding="utf-8")
    assert "OpenStreetMap contributors" in html and "network tier: embedded" in html
    for f in ("centre_minutes.csv", "population_within_30.csv", "isochrones.csv", "isochrones.geojson"):
        assert (tmp_path / "out/surveyed" / f).stat().st_size > 0
    # every table names its tier, snapshot and definition and credits OSM, on every row
    import pandas as pd

    for f in ("centre_minutes", "centre_spread", "population_within_30", "isochrones", "zone_minutes"):
        t = pd.read_csv(tmp_path / f"out/surveyed/{f}.csv")
        assert set(t["tier"]) == {"embedded"} and set(t["snapshot"]) == {metrics["network"]["snapshot"]}
        assert set(t["definition"]) == {metrics["definitions"][f]} and set(t["attribution"]) == {"© OpenStreetMap contributors"}
    assert metrics["definitions"]["centre_minutes"].startswith("centre_to_centre: door to door")
    report = (tmp_path / "out/surveyed/report.html").read_text(encoding="utf-8")
    assert "as surveyed (no catalogue year)" in report and "Definitions of these figures" in report
    # the placement spread beside the headline: in metrics.json with its definition, printed, in the report
    spread = {(r["from"], r["to"], r["mode"]): r for r in metrics["centre_spread"]}
    headline = {(r["from"], r["to"], r["mode"]): r["minutes"] for r in metrics["centre_minutes"]}
    assert spread.keys() == headline.keys() and all(spread[k]["minutes_centre"] == headline[k] for k in headline)
    assert "placement_m" in metrics["definitions"]["centre_spread"]
    cz = spread[("changsha", "zhuzhou", "car")]
    printed = capsys.readouterr().out
    assert f"({cz['minutes_min']:.1f}–{cz['minutes_max']:.1f})" in printed and "placement_m" in printed
    assert 'id="placement"' in report and f"{cz['minutes_min']:.1f}–{cz['minutes_max']:.1f}" in report
    best = spread[("changsha", "zhuzhou", "best")]
    assert f"{best['minutes_min']:.0f}–{best['minutes_max']:.0f}</td>" in html and "placement_m" in html  # the map's centre table
    geo = json.loads((tmp_path / "out/surveyed/isochrones.geojson").read_text(encoding="utf-8"))
    assert (geo["tier"], geo["attribution"]) == ("embedded", "© OpenStreetMap contributors") and geo["features"]


def test_batch_continues_past_a_bad_scenario_and_exits_nonzero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nperiod: rush\n", encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text("name: good\nperiod: off_peak\n", encoding="utf-8")
    rc = main([str(bad), str(good), "--output-dir", str(tmp_path / "out"), "--no-map"])
    assert rc == 1
    assert (tmp_path / "out/good/metrics.json").exists()
    assert not (tmp_path / "out/bad").exists()


def test_failing_check_makes_exit_nonzero(tmp_path: Path) -> None:
    f = tmp_path / "strict.yaml"
    f.write_text(
        "name: strict\nchecks:\n  - {metric: centre_minutes, from: changsha, to: xiangtan, mode: best, max: 1}\n", encoding="utf-8"
    )
    assert main([str(f), "--output-dir", str(tmp_path / "out"), "--no-map"]) == 1


def test_route_json_has_minutes_and_path(capsys: pytest.CaptureFixture[str]) -> None:
    """In this process (the entry point's exit code and stderr: test_route_rejects_swapped_coordinates)."""
    args = ["route", "--scenario", "surveyed", "--from", "112.97,28.20", "--to", "113.13,27.83", "--mode", "transit", "--json"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert 30 < doc["minutes"] < 180
    assert doc["lines"], "a transit trip between the cities rides at least one line"
    assert any(leg["kind"] == "wait" for leg in doc["legs"])


def test_route_in_another_year_and_period_says_which(capsys) -> None:  # type: ignore[no-untyped-def]
    """`route --year 2015 --period off_peak` on the surveyed scenario: before the intercity opened the trip
    长沙站→株洲南 cannot ride it, and the output names the scenario, year and period it is for."""
    args = ["route", "--from", "113.0088,28.1972", "--to", "113.1628,27.7720", "--mode", "transit", "--json"]
    assert main([*args, "--year", "2015", "--period", "off_peak"]) == 0
    then = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    now = json.loads(capsys.readouterr().out)
    assert (then["scenario"], then["year"], then["period"]) == ("surveyed", 2015, "off_peak")
    assert now["year"] is None and now["period"] == "am_peak"
    assert not any(line.startswith("IC-") for line in then["lines"]) and any(line.startswith("IC-") for line in now["lines"])
    assert then["minutes"] > now["minutes"]


def test_route_rejects_swapped_coordinates() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "run_scenario.py"), "route", "--from", "28.20,112.97", "--to", "113.13,27.83"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 2 and "lat,lon" in out.stderr


@pytest.mark.slow  # every year scenario evaluated (3.5 s of CPU)
def test_timeline_writes_table_and_chart(tmp_path: Path) -> None:
    assert main(["timeline", "--output-dir", str(tmp_path)]) == 0
    import pandas as pd

    t = pd.read_csv(tmp_path / "timeline/timeline_minutes.csv")
    assert {2015, 2018, 2020, 2023, 2027, 2030} <= set(t["year"])
    assert (tmp_path / "timeline/timeline.png").stat().st_size > 10_000
    # a year no opening-date range straddles has one answer: the other end equals it
    sure = t[t["year"].isin([2015, 2023, 2027, 2030])]
    assert (sure["minutes_other_end"] == sure["minutes"]).all()
    i = pd.read_csv(tmp_path / "timeline/timeline_index.csv")
    assert "half_hour_index_other_end" in i.columns


def test_timeline_years_lists_each_calendar_years_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--years`` runs the surveyed network in every year of the span: each year's dated changes under its own year."""
    import pandas as pd

    assert main(["timeline", "--years", "2016-2017", "--output-dir", str(tmp_path)]) == 0
    lines = {ln.strip()[:5]: ln for ln in capsys.readouterr().out.splitlines() if ln.strip()[:5] in ("2016:", "2017:")}
    assert "长株潭城际铁路 [catalogue rail_line, 2016-12-26]" in lines["2016:"] and "2017-" not in lines["2016:"]
    assert "[road opened, 2017-06-30]" in lines["2017:"] and "2016-" not in lines["2017:"]
    assert set(pd.read_csv(tmp_path / "timeline/timeline_minutes.csv")["year"]) == {2016, 2017}
    for bad in ("2025-2015", "2015-2070", "twenty"):
        with pytest.raises(SystemExit) as exc:  # argparse: a usage error
            main(["timeline", "--years", bad, "--output-dir", str(tmp_path)])
        assert exc.value.code == 2
        assert "argument --years: got" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["timeline", "year-2015", "--years", "2016-2017", "--output-dir", str(tmp_path)])
    assert exc.value.code == 2 and "not both" in capsys.readouterr().err
    for argv, words in ((["--years", "2016-2017", "--definition", "centre_to_centre"], "does not combine"), (["--period", "off_peak"], "--period applies")):
        with pytest.raises(SystemExit) as exc:
            main(["timeline", *argv, "--output-dir", str(tmp_path)])
        assert exc.value.code == 2 and words in capsys.readouterr().err


def test_compare_writes_tables_and_difference_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["compare", "year-2015", "year-2023", "--output-dir", str(tmp_path / "out"), "--map-dir", str(tmp_path / "maps")])
    assert rc == 0
    doc = json.loads((tmp_path / "out/compare-year-2015-vs-year-2023/compare.json").read_text(encoding="utf-8"))
    assert "czt-intercity" in doc["projects_only_in_b"]
    assert doc["definition"].startswith("centre_to_centre door to door") and "best: the faster of car and transit" in doc["definition"]
    assert doc["period"] == {"a": "am_peak", "b": "am_peak"} and "within 30 min" in doc["population_definition"]
    printed = capsys.readouterr().out
    assert "mode best (the faster of car and transit), centre to centre door to door" in printed
    assert "a = year-2015 (am_peak), b = year-2023 (am_peak)" in printed
    assert (tmp_path / "maps/compare-year-2015-vs-year-2023.html").stat().st_size > 0
    # the intercity (2016) makes 株洲 -> 长沙 slower by the clock and better by generalized cost: both shown, and said
    zc = next(p for p in doc["pairs"] if (p["from"], p["to"], p["mode"]) == ("zhuzhou", "changsha", "best"))
    assert zc["minutes_saved"] < 0 < zc["generalized_minutes_saved"] and zc["clock_vs_generalized"].startswith("zhuzhou->changsha best: -")
    notes = doc["clock_vs_generalized"]["notes"]
    assert zc["clock_vs_generalized"] in notes and all(p["clock_vs_generalized"] in notes for p in doc["pairs"] if p["clock_vs_generalized"])
    assert "note: clock and generalized minutes disagree in sign" in printed and zc["clock_vs_generalized"] in printed


def test_check_writes_junit_naming_the_failing_check_and_others_still_run(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    (tmp_path / "ok.yaml").write_text(
        "name: ok\nchecks:\n  - {metric: centre_minutes, from: changsha, to: xiangtan, mode: best, max: 200}\n", encoding="utf-8"
    )
    (tmp_path / "miss.yaml").write_text(
        "name: miss\nchecks:\n  - {metric: centre_minutes, from: zhuzhou, to: xiangtan, mode: car, max: 5}\n", encoding="utf-8"
    )
    (tmp_path / "broken.yaml").write_text("name: broken\nmode: car\n", encoding="utf-8")
    out = tmp_path / "out"
    files = [str(tmp_path / f) for f in ("broken.yaml", "miss.yaml", "ok.yaml")]
    assert main([*files, "--check", "--no-map", "--output-dir", str(out)]) == 1
    root = ET.parse(out / "checks.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failing = cases[("scenario.miss", "centre_minutes zhuzhou→xiangtan car ≤ 5")]
    assert failing.find("failure") is not None
    assert cases[("scenario.ok", "centre_minutes changsha→xiangtan best ≤ 200")].find("failure") is None
    assert any(c.find("error") is not None for (cls, _), c in cases.items() if cls == "scenario.broken")
    assert (out / "ok/metrics.json").exists() and (out / "miss/metrics.json").exists()
    assert "❌ fail" in (out / "checks.md").read_text(encoding="utf-8")


def test_validate_reports_bad_files_without_running(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nprojects: [g4-widenin]\n", encoding="utf-8")
    assert main(["validate", str(ROOT / "scenarios/surveyed.yaml")]) == 0
    assert main(["validate", str(bad)]) == 1


def test_route_via_drives_the_named_road_and_needs_car(capsys: pytest.CaptureFixture[str]) -> None:
    """洞株路 in 2018 (before its upgrade): the fastest car path between its ends takes the expressways;
    `--via` through its waypoints (data/corridors.csv) drives the road itself, slower and named in the legs."""
    ends = ["--from", "113.034,28.087", "--to", "113.105,27.895", "--year", "2018", "--period", "off_peak", "--json"]
    assert main(["route", "--mode", "car", *ends]) == 0
    free = json.loads(capsys.readouterr().out)
    assert main(["route", "--mode", "car", "--via", "113.050,28.030;113.075,27.960", *ends]) == 0
    along = json.loads(capsys.readouterr().out)
    assert any(leg["kind"] == "ramp" for leg in free["legs"])
    assert not any(leg["kind"] == "ramp" for leg in along["legs"]) and any("洞株路" in leg["label"] for leg in along["legs"])
    assert along["minutes"] > free["minutes"]
    assert main(["route", "--mode", "transit", "--via", "113.050,28.030", *ends]) == 2
    assert "--mode car" in capsys.readouterr().err
