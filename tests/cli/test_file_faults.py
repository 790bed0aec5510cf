"""File-system faults are one clear line, exit 1, and lose nothing (issue 23 item 2).

Read-only output and map folders, a full disk (a real, tiny tmpfs in a private mount namespace, and
ENOSPC injected at fsync where namespaces are not allowed), symbolic link loops and links to nothing in
``run`` and ``--all`` (the bad entry fails alone, the rest run), unreadable files and folders, a folder
where a file belongs and a file where a folder belongs. Permission bits are enforced for root too:
the command runs under ``setpriv`` without the capabilities that bypass them.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from network.cli import main as cli_main
from network.outputs import files as output_files
from network.outputs.output_set import read_output_set

ROOT = Path(__file__).resolve().parents[2]
GOOD = "name: good\ntitle: a quick run\n"


def _no_file_powers() -> list[str]:
    """A command prefix under which file permission bits apply, also to root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits cannot be enforced")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def _cli(args: list[str], cwd: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [*(prefix or []), sys.executable, str(ROOT / "run_scenario.py"), *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _assert_one_clear_failure(code: int, err: str, *needles: str) -> None:
    assert code == 1, err
    assert "Traceback" not in err and "unexpected" not in err, err
    for n in needles:
        assert n in err, (n, err)


def _previous_set(tmp_path: Path) -> tuple[Path, str]:
    """A complete output set of scenario 'good' (run in this process), and its run id."""
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert cli_main.main([str(tmp_path / "good.yaml"), "--no-map", "--output-dir", str(out)]) == 0
    return out, read_output_set(out, "good")["run_id"]


@pytest.mark.slow
def test_read_only_output_or_map_folder_is_one_line_and_keeps_the_previous_set(tmp_path: Path) -> None:
    prefix = _no_file_powers()
    out, run_id = _previous_set(tmp_path)
    out.chmod(0o555)
    maps = tmp_path / "maps"
    maps.mkdir(mode=0o555)
    try:
        r = _cli(["good.yaml", "--no-map", "--output-dir", str(out)], tmp_path, prefix)
        _assert_one_clear_failure(r.returncode, r.stderr, f"cannot write in the output folder: {out}: permission denied [EACCES]", "good.yaml")
        r = _cli(["good.yaml", "--output-dir", str(tmp_path / "out2"), "--map-dir", str(maps)], tmp_path, prefix)
        _assert_one_clear_failure(r.returncode, r.stderr, f"cannot write in the map folder: {maps}: permission denied [EACCES]")
    finally:
        out.chmod(0o755)
        maps.chmod(0o755)
    assert read_output_set(out, "good")["run_id"] == run_id
    assert [p.name for p in out.iterdir()] == ["good"]


@pytest.mark.slow
def test_an_unreadable_previous_set_is_one_line_and_stays(tmp_path: Path) -> None:
    prefix = _no_file_powers()
    out, run_id = _previous_set(tmp_path)
    (out / "good").chmod(0o300)  # can be entered and written, not listed
    try:
        r = _cli(["good.yaml", "--no-map", "--output-dir", str(out)], tmp_path, prefix)
    finally:
        (out / "good").chmod(0o755)
    _assert_one_clear_failure(r.returncode, r.stderr, "permission denied [EACCES]", "the previous outputs are kept")
    assert read_output_set(out, "good")["run_id"] == run_id


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _namespaces_work(), reason="no user+mount namespaces here (unshare -rm); see the injected ENOSPC test")
def test_a_full_disk_is_one_line_and_keeps_the_previous_set(tmp_path: Path) -> None:
    """A real tmpfs of 6 MiB: the first run fits, then a filler takes the rest and the second run hits ENOSPC."""
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    disk = tmp_path / "disk"
    disk.mkdir()
    run = f"{sys.executable} {ROOT / 'run_scenario.py'} good.yaml --no-map --output-dir {disk}/out"
    script = f"""
        set -u
        mount -t tmpfs -o size=6m tmpfs {disk}
        {run} > first.out 2> first.err; echo $? > first.rc
        cp -a {disk}/out before
        dd if=/dev/zero of={disk}/filler bs=64k 2>/dev/null || true
        {run} > second.out 2> second.err; echo $? > second.rc
        rm -f {disk}/filler
        cp -a {disk}/out after
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=tmp_path, env=env, check=True, timeout=900)
    assert (tmp_path / "first.rc").read_text().strip() == "0", (tmp_path / "first.err").read_text()
    err = (tmp_path / "second.err").read_text()
    _assert_one_clear_failure(int((tmp_path / "second.rc").read_text()), err, "no space left on the device [ENOSPC]", "the previous outputs")
    before = read_output_set(tmp_path / "before", "good")["run_id"]
    assert read_output_set(tmp_path / "after", "good")["run_id"] == before
    assert [p.name for p in (tmp_path / "after").iterdir()] == ["good"]  # no staging folder left behind


@pytest.mark.slow
@pytest.mark.skipif(not _namespaces_work(), reason="no user+mount namespaces here (unshare -rm)")
def test_a_read_only_file_system_is_one_line(tmp_path: Path) -> None:
    out, run_id = _previous_set(tmp_path)
    script = f"mount --bind {out} {out} && mount -o remount,bind,ro {out} && exec {sys.executable} {ROOT / 'run_scenario.py'} good.yaml --no-map --output-dir {out}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    _assert_one_clear_failure(r.returncode, r.stderr, f"{out}: read-only file system [EROFS]")
    assert read_output_set(out, "good")["run_id"] == run_id


def test_enospc_while_writing_removes_the_half_written_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ENOSPC injected where a full disk reports it at the latest (fsync), without namespaces."""
    out, run_id = _previous_set(tmp_path)
    capsys.readouterr()

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output_files.os, "fsync", full)
    assert cli_main.main([str(tmp_path / "good.yaml"), "--no-map", "--output-dir", str(out)]) == 1
    monkeypatch.undo()
    err = capsys.readouterr().err
    _assert_one_clear_failure(1, err, "no space left on the device [ENOSPC]", "centre_minutes.csv is unchanged", "the previous outputs of 'good' are kept")
    assert read_output_set(out, "good")["run_id"] == run_id
    assert [p.name for p in out.iterdir()] == ["good"]


def test_symlink_loops_and_bad_entries_fail_alone_in_run_and_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "good.yaml").write_text(GOOD, encoding="utf-8")
    (scenarios / "loop.yaml").symlink_to("loop.yaml")
    (scenarios / "ring-a.yaml").symlink_to("ring-b.yaml")
    (scenarios / "ring-b.yaml").symlink_to("ring-a.yaml")
    (scenarios / "dangling.yaml").symlink_to("nowhere.yaml")
    (scenarios / "folder.yaml").mkdir()
    monkeypatch.setattr(cli_main, "SCENARIO_DIR", scenarios)
    out = tmp_path / "out"
    assert cli_main.main(["--all", "--no-map", "--output-dir", str(out)]) == 1
    err = capsys.readouterr().err
    _assert_one_clear_failure(1, err)
    assert "loop.yaml: field '<file>': is a symbolic link loop" in err
    assert "ring-a.yaml: field '<file>': is a symbolic link loop" in err and "ring-b.yaml: field '<file>': is a symbolic link loop" in err
    assert "dangling.yaml: field '<file>': is a symbolic link to 'nowhere.yaml', which does not exist" in err
    assert "folder.yaml: field '<file>': is a folder" in err
    assert read_output_set(out, "good")  # the good one ran
    assert cli_main.main(["run", str(scenarios / "loop.yaml"), str(scenarios / "good.yaml"), "--no-map", "--output-dir", str(out)]) == 1
    err = capsys.readouterr().err
    _assert_one_clear_failure(1, err, "loop.yaml: field '<file>': is a symbolic link loop", "1 scenario(s) failed to run")
    assert cli_main.main(["validate", str(scenarios / "loop.yaml")]) == 1
    assert "is a symbolic link loop" in capsys.readouterr().err


def test_unreadable_inputs_are_named(tmp_path: Path) -> None:
    prefix = _no_file_powers()
    (tmp_path / "secret.yaml").write_text("name: secret\n", encoding="utf-8")
    (tmp_path / "secret.yaml").chmod(0o000)
    (tmp_path / "pts.csv").write_text("id,lon,lat\na,112.97,28.20\nb,113.13,27.83\n", encoding="utf-8")
    (tmp_path / "pts.csv").chmod(0o000)
    (tmp_path / "pts_loop.csv").symlink_to("pts_loop.csv")
    r = _cli(["validate", "secret.yaml"], tmp_path, prefix)
    _assert_one_clear_failure(r.returncode, r.stderr, "secret.yaml: field '<file>': cannot be read (Permission denied)")
    r = _cli(["matrix", "--points", "pts.csv"], tmp_path, prefix)
    _assert_one_clear_failure(r.returncode, r.stderr, "pts.csv: field 'file': cannot be read (Permission denied)")
    r = _cli(["matrix", "--points", "pts_loop.csv"], tmp_path, prefix)
    _assert_one_clear_failure(r.returncode, r.stderr, "pts_loop.csv: field 'file': is a symbolic link loop")


def test_a_folder_where_a_file_belongs_and_a_file_where_a_folder_belongs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "junit.xml").mkdir()
    out = tmp_path / "out"
    code = cli_main.main([str(tmp_path / "good.yaml"), "--no-map", "--output-dir", str(out), "--check", "--junit", str(tmp_path / "junit.xml")])
    err = capsys.readouterr().err
    _assert_one_clear_failure(code, err, f"{tmp_path / 'junit.xml'}: is a folder; expected a file [EISDIR]")
    assert (tmp_path / "junit.xml").is_dir() and read_output_set(out, "good")  # the run itself is kept
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    code = cli_main.main([str(tmp_path / "good.yaml"), "--no-map", "--output-dir", str(tmp_path / "afile")])
    err = capsys.readouterr().err
    _assert_one_clear_failure(code, err, f"the output folder cannot be created: {tmp_path / 'afile'}: already exists and is not a folder")
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "not a folder"
