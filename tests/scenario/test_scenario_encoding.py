"""Scenario files in other encodings or not text at all (issue 13 point 10): never a traceback.

UTF-8 (with or without BOM) is read silently; GBK/GB18030 and UTF-16 are read with a notice naming the
encoding; binary files are refused naming the file; ``validate`` checks every file whatever the others hold.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from network._errors import InputError
from network.cli.main import main
from network.scenario.schema import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TEXT = "name: {name}\ntitle: 长株潭 编码测试 {name}\nbase: surveyed\nperiod: am_peak\n"


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / f"{name}.yaml"
    path.write_bytes(data)
    return path


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    """One scenario file per case; each valid text decodes to a scenario named after the case."""
    return {
        "utf8": _write(tmp_path, "utf8", TEXT.format(name="utf8").encode("utf-8")),
        "bom": _write(tmp_path, "bom", b"\xef\xbb\xbf" + TEXT.format(name="bom").encode("utf-8")),
        "gbk": _write(tmp_path, "gbk", TEXT.format(name="gbk").encode("gbk")),
        "utf16": _write(tmp_path, "utf16", TEXT.format(name="utf16").encode("utf-16")),
        # a real binary file: the README's PNG picture, renamed
        "png": _write(tmp_path, "png", (ROOT / "docs" / "map.png").read_bytes()[:4096]),
        # binary without NUL bytes: invalid in UTF-8 and in GB18030
        "noise": _write(tmp_path, "noise", bytes([0x80, 0xFF, 0xFE, 0x81, 0x30]) * 20),
        "folder": _mkdir(tmp_path / "folder.yaml"),
    }


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def test_utf8_with_and_without_bom_read_silently(files: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert load_scenario(files["utf8"]).title == "长株潭 编码测试 utf8"
        assert load_scenario(files["bom"]).name == "bom"  # the BOM is not part of the first key
    assert caplog.records == []


@pytest.mark.parametrize(("case", "encoding"), [("gbk", "GBK/GB18030"), ("utf16", "UTF-16")])
def test_gbk_and_utf16_read_with_a_notice_naming_the_encoding(
    files: dict[str, Path], caplog: pytest.LogCaptureFixture, case: str, encoding: str
) -> None:
    with caplog.at_level(logging.WARNING):
        sc = load_scenario(files[case])
    assert sc.title == f"长株潭 编码测试 {case}"  # the Chinese title survives
    assert any(encoding in r.getMessage() and str(files[case]) in r.getMessage() for r in caplog.records), caplog.text


@pytest.mark.parametrize("case", ["png", "noise", "folder"])
def test_binary_files_and_folders_are_refused_naming_the_file(files: dict[str, Path], case: str) -> None:
    with pytest.raises(InputError) as exc:
        load_scenario(files[case])
    assert str(files[case]) in str(exc.value)
    assert exc.value.field == "<file>"


def test_validate_checks_every_file_and_never_prints_a_traceback(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    order = ["png", "gbk", "noise", "folder", "utf8", "utf16", "bom"]  # bad files first: the good ones after must be checked
    rc = main(["validate", *(str(files[k]) for k in order)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out + err
    for k in ("gbk", "utf8", "utf16", "bom"):
        assert f"ok   {files[k]}" in out, (k, out)
    for k in ("png", "noise", "folder"):
        assert f"FAIL {files[k]}" in err, (k, err)
    assert "GBK/GB18030" in out  # the notice for the GBK file is shown with its ok line


def test_a_run_of_a_binary_file_fails_alone(files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "outputs"
    rc = main([str(files["png"]), str(files["gbk"]), "--no-map", "--output-dir", str(out_dir)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out + err
    assert f"FAILED {files['png']}" in err
    assert (out_dir / "gbk" / "metrics.json").exists()  # the GBK scenario ran
