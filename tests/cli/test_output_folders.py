"""Where outputs and maps go, and what a run prints (planner review, findings 9 and 11): ``--output-dir`` alone
keeps the maps under it, a scenario without a title is headed by its name, ``matrix --out`` into a folder that
cannot be written fails before computing, and no progress bar is drawn when stderr is not a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

import network.run.matrix as matrix_workflow
from network.cli.main import main

TWO_POINTS = "id,lon,lat\na,112.97,28.20\nb,113.13,27.83\n"


def test_output_dir_alone_puts_the_maps_under_it_and_has_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CZT_PLANNER_OUTPUT", raising=False)
    (tmp_path / "bad8.yaml").write_text("name: bad8\nperiod: off_peak\n", encoding="utf-8")  # no title
    assert main(["run", "bad8.yaml", "--output-dir", "newdir/sub", "--offline"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "newdir/sub/maps/bad8.html").is_file() and (tmp_path / "newdir/sub/bad8/metrics.json").is_file()
    assert not (tmp_path / "maps").exists(), "a run into its own folder writes no map into ./maps"
    assert "\n== bad8  [tier embedded;" in out and "bad8: " not in out, out[:300]
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--output-dir OUTPUT_DIR folder the outputs go to" in help_text
    assert "default: <output-dir>/maps when --output-dir is given, else maps" in help_text


def test_map_dir_given_or_no_output_dir_keep_their_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from network.cli.commands import output_folders

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CZT_PLANNER_OUTPUT", raising=False)
    assert output_folders(None, None) == (tmp_path / "outputs", tmp_path / "maps")
    assert output_folders(Path("o"), Path("m")) == (Path("o"), Path("m"))
    assert output_folders(Path("o"), None) == (Path("o"), Path("o/maps"))


def test_matrix_into_an_unwritable_folder_fails_before_computing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("computed before checking the output folder")

    monkeypatch.setattr(matrix_workflow, "od_minutes", never)
    (tmp_path / "pts.csv").write_text(TWO_POINTS, encoding="utf-8")
    (tmp_path / "ro").write_text("a file where the folder should be", encoding="utf-8")  # unwritable also for root
    target = tmp_path / "ro" / "m.csv"
    assert main(["matrix", "--points", str(tmp_path / "pts.csv"), "--out", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"the matrix's folder cannot be created: {tmp_path / 'ro'}: already exists and is not a folder" in err and "Traceback" not in err, err


def test_matrix_draws_no_bars_when_stderr_is_not_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pts.csv").write_text(TWO_POINTS, encoding="utf-8")
    assert main(["matrix", "--points", str(tmp_path / "pts.csv"), "--mode", "car", "--out", str(tmp_path / "m.csv")]) == 0
    err = capsys.readouterr().err
    assert "matrix rows" not in err and "contraction hierarchy" not in err and "\r" not in err, err
    assert (tmp_path / "m.csv").is_file()
