"""The OD-matrix command: planners' own points in, a long table with its provenance out; bad points refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from network import OSM_ATTRIBUTION
from network._errors import InputError
from network.analysis.metrics import Evaluation
from network.analysis.od_matrix import load_points, od_minutes, zone_centroids
from network.cli.main import main
from network.model.graph import NetworkState
from network.model.region import CITIES, Region

POINTS = "id,lon,lat\nwuyi_square,112.9769,28.1960\nzhuzhou_station,113.1500,27.8300\nxiangtan_north,112.9000,27.9500\n"


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "points.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_matrix_command_writes_long_table_and_provenance(tmp_path: Path) -> None:
    out = tmp_path / "od.csv"
    assert main(["matrix", "--points", str(_csv(tmp_path, POINTS)), "--engine", "ch", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["from_id", "to_id", "mode", "minutes"]
    assert len(table) == 3 * 3 * 3
    assert set(table["mode"]) == {"car", "transit", "best"}
    assert (table.loc[table["from_id"] == table["to_id"], "minutes"] == 0).all()
    wide = table[table["mode"] == "best"].pivot(index="from_id", columns="to_id", values="minutes")
    car = table[table["mode"] == "car"].pivot(index="from_id", columns="to_id", values="minutes")
    assert (wide <= car).all().all()
    meta = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["network"]["tier"] == "embedded" and meta["network"]["snapshot"]
    assert meta["attribution"] == OSM_ATTRIBUTION
    assert meta["engines"]["car"]["engine"] == "contraction hierarchy"
    assert meta["points"]["count"] == 3


def test_zone_matrix_agrees_with_the_evaluation(surveyed_state: NetworkState, surveyed_eval: Evaluation, region: Region) -> None:
    minutes, info = od_minutes(surveyed_state, zone_centroids(region))
    assert info["car"]["engine"] == "dijkstra"  # small graph: auto keeps Dijkstra
    for mode in ("car", "transit", "best"):
        ev = surveyed_eval.zone_minutes[mode]
        near = ~(ev < 170)  # the evaluation cuts its node fields at 3 h (+ egress); the matrix has no cutoff
        assert np.allclose(minutes[mode][~near], ev[~near], atol=1e-9)
        assert (minutes[mode][near] > 170).all() and (minutes[mode][near] <= ev[near] + 1e-9).all()


def test_matrix_between_centres_matches_the_headline_times(
    surveyed_state: NetworkState, surveyed_eval: Evaluation, region: Region, tmp_path: Path
) -> None:
    c = region.centres.set_index("city").loc[list(CITIES)]
    rows = "".join(f"{city},{r.lon},{r.lat}\n" for city, r in c.iterrows())
    minutes, _ = od_minutes(surveyed_state, load_points(_csv(tmp_path, "id,lon,lat\n" + rows)), method="ch")
    assert np.allclose(minutes["best"], surveyed_eval.centre_minutes["best"], atol=0.05)  # centres re-read from 6-decimal lon/lat


@pytest.mark.parametrize(
    ("text", "line", "field", "expected"),
    [
        ("name,lon,lat\na,112.9,28.2\n", 1, "id", "expected id, lon, lat"),
        ("id,lon,lat\na,112.9,28.2\nb,east,28.2\n", 3, "lon", "not a number"),
        ("id,lon,lat\na,28.2,112.9\n", 2, "lon,lat", "looks like [lat, lon]"),
        ("id,lon,lat\na,112.9,28.2\na,113.0,28.0\n", 3, "id", "repeats line 2"),
        ("id,lon,lat\na,100.0,28.2\n", 2, "lon,lat", "outside the study area"),
        ("id,lon,lat\n,112.9,28.2\n", 2, "id", "is empty"),
        ("id,lon,lat\n", None, "id", "no points"),
        ("id,lon,lat,id\na,112.9,28.2,b\n", 1, "id", "more than once"),
        ("id,lon,lat\na,1_12.9,28.2\n", 2, "lon", "not a number"),
        ('id,lon,lat\na,112.9,28.2,"' + "x" * 140_000 + '"\n', 2, "file", "not a readable CSV"),
    ],
)
def test_bad_points_name_file_line_and_field(tmp_path: Path, text: str, line: int | None, field: str, expected: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_points(path)
    assert err.value.file == str(path) and err.value.line == line and err.value.field == field
    assert expected in str(err.value)


def test_matrix_command_exits_nonzero_on_bad_points(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, "id,lon,lat\na,28.2,112.9\n")
    assert main(["matrix", "--points", str(path), "--out", str(tmp_path / "od.csv")]) == 1
    assert f"{path}:2" in capsys.readouterr().err
    assert not (tmp_path / "od.csv").exists()


def test_every_bad_row_is_reported_at_once_and_nothing_says_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, "id,lon,lat\na,112.9,28.2\nb,x,28.1\nc,28.1,112.9\nd,113.0,28.0\n")
    with pytest.raises(InputError) as err:
        load_points(path)
    assert err.value.line == 3 and err.value.field == "lon"
    assert f"also {path}:4: field 'lon,lat'" in str(err.value) and "looks like [lat, lon]" in str(err.value)
    assert main(["matrix", "--points", str(path), "--out", str(tmp_path / "od.csv")]) == 1
    stderr = capsys.readouterr().err
    assert f"{path}:3" in stderr and f"{path}:4" in stderr and "writing" not in stderr


def test_points_saved_by_excel_in_gbk_or_utf16_are_read(tmp_path: Path) -> None:
    text = "id,lon,lat\n长沙站,113.0130,28.1950\n株洲站,113.1500,27.8300\n"
    for enc in ("gbk", "utf-16", "utf-8-sig"):
        p = tmp_path / f"{enc}.csv"
        p.write_bytes(text.encode(enc))
        assert load_points(p).ids == ["长沙站", "株洲站"], enc


def test_unreadable_points_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        load_points(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        load_points(tmp_path / "nope.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"id,lon,lat\n\x80\xff\xfe\x81,1,2\n")
    with pytest.raises(InputError, match="CSV UTF-8"):
        load_points(binary)


def test_matrix_refuses_an_out_path_it_would_clobber_before_computing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for out in (tmp_path / "od.json", tmp_path):
        with pytest.raises(SystemExit) as exit_:
            main(["matrix", "--out", str(out)])
        assert exit_.value.code == 2
        assert "expected a CSV file path" in capsys.readouterr().err


def test_long_table_is_written_in_chunks_with_the_same_rows(tmp_path: Path, surveyed_state: NetworkState, region: Region) -> None:
    from network.analysis.od_matrix import long_table
    from network.outputs.od_table import write_long_table

    pts = zone_centroids(region)
    minutes, _ = od_minutes(surveyed_state, pts)
    path = tmp_path / "od.csv"
    write_long_table(path, pts, minutes, ["car", "best"], origins_per_chunk=5)
    got = pd.read_csv(path, dtype={"from_id": str, "to_id": str})
    want = long_table(pts, minutes, ["car", "best"])
    pd.testing.assert_frame_equal(got, want.astype({"from_id": str, "to_id": str}))


def test_a_matrix_of_your_points_in_another_year_keeps_the_zone_matrix_and_says_when(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`matrix --points taz.csv --year 2017 --period off_peak` writes od_matrix_taz_2017_off_peak.csv (not over the zone
    matrix) and its sidecar names the year and period."""
    monkeypatch.setenv("CZT_PLANNER_OUTPUT", str(tmp_path))  # the default output folder (network.paths.output_dir)
    pts = tmp_path / "taz.csv"
    pts.write_text("id,lon,lat\na,112.9708,28.1988\nb,113.1450,27.8330\n", encoding="utf-8")
    assert main(["matrix", "--points", str(pts), "--mode", "car", "--year", "2017", "--period", "off_peak"]) == 0
    meta = json.loads((tmp_path / "surveyed" / "od_matrix_taz_2017_off_peak.json").read_text(encoding="utf-8"))
    assert (meta["year"], meta["period"]) == (2017, "off_peak") and "door to door" in meta["definition"]
    assert not (tmp_path / "surveyed" / "od_matrix.csv").exists()
