"""An output folder that cannot be made says so, with the reason: `--output-dir /proc/out` said
"/proc/out: does not exist [ENOENT]" (mkdir's ENOENT where the file system refuses a new folder)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from network._errors import OutputError
from network.cli.main import main
from network.outputs.files import atomic_write_text, check_writable_folder


def _refuse(self: Path, *_a: object, **_k: object) -> None:
    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(self))


def test_a_folder_the_file_system_will_not_make_cannot_be_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Path, "mkdir", _refuse)
    with pytest.raises(OutputError) as exc:
        check_writable_folder(tmp_path / "out", what="the output folder")
    msg = str(exc.value)
    assert msg.startswith(f"the output folder cannot be created: {tmp_path / 'out'}: the file system there does not let a folder be made"), msg
    assert msg.endswith("[ENOENT]") and "does not exist" not in msg
    with pytest.raises(OutputError) as exc:
        atomic_write_text(tmp_path / "out" / "t.csv", "x")
    msg = str(exc.value)
    assert msg.startswith(f"cannot write t.csv: its folder cannot be created: {tmp_path / 'out'}: the file system there"), msg


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc, which refuses new folders")
def test_proc_out_is_said_to_be_uncreatable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--points", str(_points(tmp_path)), "--out", "/proc/czt-out/m.csv"]) == 1
    err = capsys.readouterr().err
    assert "the matrix's folder cannot be created: /proc/czt-out: the file system there does not let a folder be made" in err, err
    assert "does not exist" not in err and "Traceback" not in err, err


def _points(tmp_path: Path) -> Path:
    p = tmp_path / "pts.csv"
    p.write_text("id,lon,lat\na,112.9708,28.1988\nb,113.1450,27.8330\n", encoding="utf-8")
    return p
