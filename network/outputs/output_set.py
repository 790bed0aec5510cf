"""A run's outputs change as a whole: written into a staging folder, then swapped in.

A scenario run writes ``outputs/<name>/`` (metrics, tables, GeoJSON, report) and ``maps/<name>.html``.
Written one file at a time, a run killed half-way left the new metrics.json beside the old map and
report. Here every file of the run goes into a staging folder ``outputs/.<name>.staging-<pid>-<token>/``
(the map as ``map.html.pending`` inside it); when all are written, ``manifest.json`` (run id, sha256 of
each file, where the map goes) is written last, which marks the staging folder complete. The swap
then moves the map to ``maps/<name>.html`` (the step most likely to fail: another folder, maybe another
file system), renames the old folder aside, renames the staging folder to ``outputs/<name>`` and removes
the old folder.

A file-system error (read-only or full disk, no permission, a file where a folder belongs) before the
folders are renamed removes the staging folder and raises ``OutputError`` naming the file: the previous
set and map stay as they were.

A process killed at any point leaves either the old set or a complete new set behind, plus leftovers
that :func:`recover_output_set` resolves: it finishes an interrupted swap (a complete staging folder
is rolled forward, a pending map is moved into place), rolls back to the old folder when no complete
new set exists, and removes abandoned staging folders. It runs before every run of that scenario and
from :func:`read_output_set`, the reader that checks a set against its manifest.

Files that other commands put in ``outputs/<name>/`` (``attribution.csv``, ``od_matrix.*``) are not
part of a run's set: they are carried over into the new folder unchanged and listed in the manifest
under ``carried_over``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from network._errors import DataError, OutputError, os_error_message
from network._signals import sigint_deferred
from network.outputs.files import WRITE_CHECK_PREFIX, tool_stamp

log = logging.getLogger(__name__)

MANIFEST: Final[str] = "manifest.json"
PENDING_MAP: Final[str] = "map.html.pending"
"""The run's map inside its set until it is moved to ``maps/<name>.html`` (the last step of a swap)."""
OWN_FILES_KEY: Final[str] = "files"


@dataclass(frozen=True)
class Staging:
    """Where a run writes: ``folder`` (becomes ``outputs/<name>``) and ``map_file`` (becomes ``maps/<name>.html``)."""

    folder: Path
    final: Path
    map_file: Path | None
    map_target: Path | None
    run_id: str


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows: folders cannot be opened; renames are still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _staging_pid(folder: Path) -> int | None:
    try:
        return int(folder.name.split(".staging-")[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _writer_alive(staging: Path) -> bool:
    """Whether the process that made this staging folder still runs (on this machine)."""
    pid = _staging_pid(staging)
    return pid is not None and _pid_alive(pid)


def _place_map(pending: Path, target: Path) -> None:
    """Move the set's pending map to its place (atomic rename; a copy + rename across filesystems)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(pending, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise OSError(exc.errno, exc.strerror, str(target)) from None  # name the map, not the pending file
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            shutil.copyfile(pending, tmp)
            os.replace(tmp, target)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        pending.unlink()
    _fsync_dir(target.parent)


def _manifest(folder: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def recover_output_set(output_dir: Path, name: str) -> list[str]:
    """Resolve what a killed run left behind for scenario ``name``; return what was done (for logs).

    - a complete staging folder (sealed by its manifest) of a process that no longer runs becomes
      ``outputs/<name>`` (the swap is finished); else, when ``outputs/<name>`` is missing, the old folder
      put aside by a swap goes back.
    - a pending map in ``outputs/<name>`` is moved to where its manifest says.
    - staging folders of processes that are no longer running, and old folders, are removed; so are the
      empty probe files of a write check (``files.WRITE_CHECK_PREFIX``) a kill left behind.
    """
    done: list[str] = []
    final = output_dir / name
    if not output_dir.is_dir():
        return done
    for probe in output_dir.glob(f"{WRITE_CHECK_PREFIX}*"):  # a write check killed between creating and removing it
        probe.unlink(missing_ok=True)
        done.append(f"removed {probe.name}")
    stagings = sorted(output_dir.glob(f".{name}.staging-*"))
    olds = sorted(output_dir.glob(f".{name}.old-*"))
    # complete sets of runs that died before or during their swap, newest last
    complete = sorted(
        (s for s in stagings if _manifest(s) is not None and not _writer_alive(s)),
        key=lambda s: (s / MANIFEST).stat().st_mtime,
    )
    if complete:
        newest = complete[-1]
        if final.exists():
            aside = output_dir / f".{name}.old-recovered-{uuid.uuid4().hex[:8]}"
            os.replace(final, aside)
            olds.append(aside)
        os.replace(newest, final)
        stagings.remove(newest)
        done.append(f"finished an interrupted swap: {newest.name} -> {name}")
        _fsync_dir(output_dir)
    elif not final.exists():
        if olds:
            os.replace(olds[-1], final)
            olds.remove(olds[-1])
            done.append(f"restored the previous outputs of {name} (the new set was incomplete)")
            _fsync_dir(output_dir)
    pending = final / PENDING_MAP
    if pending.exists():
        doc = _manifest(final) or {}
        target = doc.get("map")
        if target:
            _place_map(pending, final / target)
            done.append(f"placed the map of {name} at {target}")
        else:
            pending.unlink()
    for s in stagings:
        if _writer_alive(s):
            continue  # another live process is still writing or swapping it
        shutil.rmtree(s, ignore_errors=True)
        done.append(f"removed {s.name}")
    for o in olds:
        shutil.rmtree(o, ignore_errors=True)
        done.append(f"removed {o.name}")
    for line in done:
        log.info("outputs: %s", line)
    return done


def recover_output_sets(output_dir: Path) -> list[str]:
    """:func:`recover_output_set` for every scenario with leftovers (staging or old folders) in ``output_dir``."""
    if not output_dir.is_dir():
        return []
    names = sorted({m.group(1) for p in output_dir.iterdir() if (m := _LEFTOVER.match(p.name))})
    return [line for name in names for line in recover_output_set(output_dir, name)]


_LEFTOVER = re.compile(r"^\.(.+)\.(?:staging|old)-")


def _carry_over(old: Path, new: Path, own: set[str]) -> list[str]:
    """Hard-link (else copy) files of the old folder that this run does not write (other commands' outputs)."""
    carried: list[str] = []
    if not old.is_dir():
        return carried
    for f in sorted(old.iterdir()):
        if not f.is_file() or f.name in own or f.name in (MANIFEST, PENDING_MAP) or f.name.startswith("."):
            continue
        try:
            os.link(f, new / f.name)
        except OSError:
            shutil.copy2(f, new / f.name)
        carried.append(f.name)
    return carried


@contextmanager
def staged_output_set(output_dir: Path, name: str, *, map_path: Path | None) -> Iterator[Staging]:
    """Write a run's outputs into a staging folder and swap them in as a whole when the block ends.

    Parameters
    ----------
    output_dir : the outputs root; the set becomes ``output_dir / name``.
    name : the scenario name (a safe folder name).
    map_path : where the run's map goes (``maps/<name>.html``), or None when the run makes no map.

    Yields
    ------
    Staging
        Write every file into ``folder`` and the map to ``map_file``. On an exception nothing is
        swapped and the staging folder is removed; the previous set stays as it was. A file-system
        error (``OSError``) comes out as ``OutputError`` naming the file.
    """
    folder: Path | None = None
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        recover_output_set(output_dir, name)
        run_id = uuid.uuid4().hex[:12]
        folder = output_dir / f".{name}.staging-{os.getpid()}-{run_id}"
        folder.mkdir()
        stage = Staging(folder, output_dir / name, folder / PENDING_MAP if map_path else None, map_path, run_id)
        yield stage
        with sigint_deferred():  # Ctrl-C during the swap takes effect once the new set is in place
            commit_output_set(stage)
    except BaseException as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)  # gone already when the swap was done
        if isinstance(exc, OSError):
            raise OutputError(
                os_error_message(exc, doing=f"cannot write the outputs of {name!r}") + "; the previous outputs are kept"
            ) from None
        if isinstance(exc, OutputError):
            raise OutputError(f"{exc}; the previous outputs of {name!r} are kept") from None
        raise


def commit_output_set(stage: Staging) -> None:
    """Seal the staging folder with its manifest, then swap it in (see the module docstring)."""
    own = sorted(f.name for f in stage.folder.iterdir() if f.is_file() and f.name != PENDING_MAP)
    if stage.map_file is not None and not stage.map_file.exists():
        raise DataError(f"{stage.folder}: the run made no map although one was asked for")
    carried = _carry_over(stage.final, stage.folder, set(own))
    manifest = {
        "run_id": stage.run_id,
        **tool_stamp(),
        OWN_FILES_KEY: {f: _sha256(stage.folder / f) for f in own},
        "carried_over": carried,
        # relative to the set's folder, so a copied or moved outputs tree still finds its map
        "map": os.path.relpath(stage.map_target, stage.final) if stage.map_target else None,
        "map_sha256": _sha256(stage.map_file) if stage.map_file is not None else None,
    }
    tmp = stage.folder / f".{MANIFEST}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, stage.folder / MANIFEST)  # from here on the new set is complete: recovery rolls it forward
    _fsync_dir(stage.folder)
    if stage.map_file is not None and stage.map_target is not None:
        # before the folders are renamed: a map that cannot be placed leaves the old set and map as they were
        _place_map(stage.map_file, stage.map_target)
    old = stage.final.with_name(f".{stage.final.name}.old-{stage.run_id}")
    if stage.final.exists():
        os.replace(stage.final, old)
    os.replace(stage.folder, stage.final)
    _fsync_dir(stage.final.parent)
    shutil.rmtree(old, ignore_errors=True)


def read_output_set(output_dir: Path, name: str) -> dict[str, Any]:
    """The manifest of scenario ``name``'s outputs, after recovery, checked file by file.

    Raises ``DataError`` naming the file when a file of the set is missing or differs from the manifest
    (e.g. edited by hand, or written by a version of the tool that wrote files one by one).
    """
    recover_output_set(output_dir, name)
    final = output_dir / name
    doc = _manifest(final)
    if doc is None:
        raise DataError(f"{final}: no {MANIFEST}; run the scenario again to write a complete set")
    for f, digest in dict(doc.get(OWN_FILES_KEY, {})).items():
        path = final / f
        if not path.exists() or _sha256(path) != digest:
            raise DataError(f"{path}: missing or not the file this run wrote (run {doc.get('run_id')}); run the scenario again")
    if doc.get("map") and doc.get("map_sha256"):
        m = Path(os.path.normpath(final / doc["map"]))
        if not m.exists() or _sha256(m) != doc["map_sha256"]:
            raise DataError(f"{m}: not the map of run {doc.get('run_id')} of {name}; run the scenario again")
    return doc


def record_file(folder: Path, filename: str) -> None:
    """Record in the set's manifest the new checksum of ``filename``, rewritten by another command.

    ``attribution`` adds its table to a scenario's report.html after the run; the manifest then names
    the rewritten file (under ``updated``) so the reader still finds the set consistent. No manifest
    (outputs of an older version, or none yet): nothing to record.
    """
    doc = _manifest(folder)
    path = folder / filename
    if doc is None or not path.is_file():
        return
    files = dict(doc.get(OWN_FILES_KEY, {}))
    files[filename] = _sha256(path)
    doc[OWN_FILES_KEY] = files
    doc["updated"] = sorted(set(doc.get("updated", [])) | {filename})
    tmp = folder / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
