"""``matrix`` outputs a planner can open (issue 13 point 14): Parquet and a wide CSV, UTF-8 CSVs that Excel
reads (byte-order mark), and progress while the hierarchy builds and the rows are computed."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from network import OSM_ATTRIBUTION
from network.cli.main import main
from network.model.graph import NetworkState
from network.model.region import Region
from network.routing.ch import build
from network.routing.graphs import build_mode_graph

BOM = b"\xef\xbb\xbf"
POINTS = "id,lon,lat\n五一广场,112.9769,28.1960\n株洲站,113.1500,27.8300\n湘潭北站,112.9000,27.9500\n"


@pytest.fixture(scope="module")
def points_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("pts") / "points.csv"
    p.write_text(POINTS, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def long_csv(points_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("long") / "od.csv"
    assert main(["matrix", "--points", str(points_csv), "--out", str(out)]) == 0
    return out


def test_csv_starts_with_a_bom_so_excel_reads_chinese_ids(long_csv: Path, points_csv: Path, tmp_path: Path) -> None:
    data = long_csv.read_bytes()
    assert data.startswith(BOM)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["from_id", "to_id", "mode", "minutes"]  # the BOM is not glued to the first column name
    assert {r[0] for r in rows[1:]} == {"五一广场", "株洲站", "湘潭北站"}
    meta = json.loads(long_csv.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["format"] == "long" and "byte-order mark" in meta["encoding"]
    # --no-bom for tools that do not expect one
    plain = tmp_path / "plain.csv"
    assert main(["matrix", "--points", str(points_csv), "--out", str(plain), "--no-bom"]) == 0
    assert plain.read_bytes().startswith(b"from_id,")


def test_wide_csv_has_one_row_per_origin_and_the_long_tables_values(long_csv: Path, points_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "wide.csv"
    assert main(["matrix", "--points", str(points_csv), "--format", "wide", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(BOM)
    wide = pd.read_csv(out, encoding="utf-8-sig", dtype={"from_id": str})
    assert list(wide.columns) == ["from_id", "mode", "五一广场", "株洲站", "湘潭北站"]
    assert len(wide) == 3 * 3  # one row per origin and mode
    long = pd.read_csv(long_csv, encoding="utf-8-sig")
    for mode in ("car", "transit", "best"):
        want = long[long["mode"] == mode].pivot(index="from_id", columns="to_id", values="minutes")
        got = wide[wide["mode"] == mode].set_index("from_id")[list(want.columns)]
        pd.testing.assert_frame_equal(got.loc[want.index], want, check_names=False)
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["format"] == "wide"


def test_parquet_holds_the_long_table_with_its_provenance(long_csv: Path, points_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "od.parquet"
    assert main(["matrix", "--points", str(points_csv), "--format", "parquet", "--out", str(out)]) == 0
    table = pq.read_table(out)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert meta["tier"] == "embedded" and meta["attribution"] == OSM_ATTRIBUTION and meta["snapshot"]
    got = table.to_pandas().astype({"mode": str})
    want = pd.read_csv(long_csv, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    with pytest.raises(SystemExit):  # a .csv path with --format parquet is refused before computing
        main(["matrix", "--points", str(points_csv), "--format", "parquet", "--out", str(tmp_path / "od.csv")])


def test_progress_while_the_hierarchy_builds_and_rows_are_computed(
    region: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """150 points (enough for the contraction hierarchy): bars for the build (nodes) and for the rows (origins),
    on a terminal (bars are off when stderr is a file or a pipe: tests/cli/test_output_folders.py)."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    g = region.grid
    cells = g[g["population"] > 0].sort_values("population", ascending=False).head(150)
    text = "id,lon,lat\n" + "".join(f"cell{int(i)},{lon:.5f},{lat:.5f}\n" for i, lon, lat in zip(cells["cell_id"], cells["lon"], cells["lat"]))
    pts = tmp_path / "cells.csv"
    pts.write_text(text, encoding="utf-8")
    assert main(["matrix", "--points", str(pts), "--format", "parquet", "--out", str(tmp_path / "cells.parquet")]) == 0
    err = capsys.readouterr().err
    # transit paths are chosen by generalized cost and reported in clock time: Dijkstra's trees, no hierarchy
    assert "car: contraction hierarchy" in err and "transit: contraction hierarchy" not in err
    assert "car: matrix rows" in err and "150/150" in err
    lines = err.replace("\r", "\n").splitlines()
    assert any("contraction hierarchy: 100%" in line and "node" in line for line in lines), err[-2000:]
    assert any("matrix rows: 100%" in line and "150/150" in line for line in lines), err[-2000:]
    meta = json.loads((tmp_path / "cells.json").read_text(encoding="utf-8"))
    assert meta["engines"]["car"]["engine"] == "contraction hierarchy" and meta["points"]["count"] == 150
    assert meta["engines"]["transit"]["engine"] == "dijkstra" and "generalized cost" in meta["engines"]["transit"]["paths_chosen_by"]


def test_hierarchy_build_counts_contracted_nodes(surveyed_state: NetworkState) -> None:
    graph = build_mode_graph(surveyed_state, "car")
    counter = np.zeros(1, np.int64)
    ch = build(graph.csr, progress=counter)
    assert int(counter[0]) == graph.n_nodes == ch.n_nodes  # every node contracted, each counted once
