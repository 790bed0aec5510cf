"""``matrix`` names every point beyond reach in one message, and can keep (flagged) or drop them (issue 23 item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from network.cli.main import main

POINTS = (
    "id,lon,lat\n"
    "a,112.97,28.20\n"
    "far1,114.35,28.85\n"  # the study area's corners: 50-110 km from the embedded skeleton's nearest road
    "b,113.13,27.83\n"
    "far2,111.85,26.95\n"
    "far3,114.35,26.95\n"
)


def _points(tmp_path: Path) -> Path:
    f = tmp_path / "pts.csv"
    f.write_text(POINTS, encoding="utf-8")
    return f


def test_refused_points_are_all_named_in_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pts = _points(tmp_path)
    assert main(["matrix", "--points", str(pts), "--out", str(tmp_path / "m.csv")]) == 1
    err = capsys.readouterr().err
    assert f"{pts}:3: field 'lon,lat': 3 points are farther than 25 km" in err
    for pid, line in (("far1", 3), ("far2", 5), ("far3", 6)):
        assert f"'{pid}' (line {line}, " in err
    assert "--far-points keep" in err and "--far-points drop" in err
    assert not (tmp_path / "m.csv").exists()


def test_far_points_kept_are_flagged_and_dropped_ones_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pts = _points(tmp_path)
    assert main(["matrix", "--points", str(pts), "--far-points", "keep", "--out", str(tmp_path / "keep.csv")]) == 0
    assert main(["matrix", "--points", str(pts), "--far-points", "drop", "--out", str(tmp_path / "drop.csv")]) == 0
    err = capsys.readouterr().err
    assert "kept 3 point(s) beyond reach" in err and "left out 3 point(s) beyond reach" in err
    keep = pd.read_csv(tmp_path / "keep.csv", encoding="utf-8-sig")
    drop = pd.read_csv(tmp_path / "drop.csv", encoding="utf-8-sig")
    assert len(keep) == 5 * 5 * 3 and len(drop) == 2 * 2 * 3
    assert set(drop["from_id"]) == {"a", "b"}
    kept_meta = json.loads((tmp_path / "keep.json").read_text(encoding="utf-8"))
    drop_meta = json.loads((tmp_path / "drop.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in kept_meta["far_points"]] == ["far1", "far2", "far3"] and kept_meta["dropped_points"] == []
    assert [p["id"] for p in drop_meta["dropped_points"]] == ["far1", "far2", "far3"] and drop_meta["far_points"] == []
    assert all(p["km_from_network"] > 25 for p in kept_meta["far_points"])
    # the points within reach get the same times either way
    on = ["from_id", "to_id", "mode"]
    both = drop.merge(keep, on=on, suffixes=("_drop", "_keep"))
    assert len(both) == len(drop)
    assert (both["minutes_drop"] - both["minutes_keep"]).abs().max() < 1e-9
    # a far point kept has a time, longer than any between the reachable points
    far_rows = keep[(keep["from_id"] == "far1") & (keep["to_id"] == "a") & (keep["mode"] == "car")]
    assert float(far_rows["minutes"].iloc[0]) > float(drop["minutes"].max())
