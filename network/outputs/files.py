"""Outputs: metrics.json (deterministic), CSV tables, GeoJSON isochrones; written atomically."""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final, TextIO

import pandas as pd

from network import OSM_ATTRIBUTION, __version__
from network._errors import OutputError, os_error_message
from network.formats import number
from network.model.region import CITY_ZH
from network.paths import source_commit

MKDIR_REASONS: Final = {
    errno.ENOENT: "the file system there does not let a folder be made (or a parent folder cannot be made)",
}
"""Reasons of a failed ``mkdir`` that read otherwise than for opening a file (``os_error_message``'s own)."""


@contextlib.contextmanager
def _atomic_fd(path: Path) -> Iterator[tuple[int, str]]:
    """A temp file beside ``path`` (descriptor, name) that replaces ``path`` only when the block ends without
    error (the caller writes and fsyncs); on error the temp file is removed and ``path`` is untouched."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            os_error_message(exc, doing=f"cannot write {path.name}: its folder cannot be created", where=path.parent, reasons=MKDIR_REASONS)
        ) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(os_error_message(exc, doing="cannot write", where=path)) from None
    try:
        yield fd, tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # a full disk, a folder in the way: name the file meant, not the temp file
            raise OutputError(os_error_message(exc, doing="cannot write", where=path) + f"; {path.name} is unchanged") from None
        raise


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[TextIO]:
    """A text file that appears at ``path`` only when the block ends without error (temp file in the same
    folder, fsync, atomic rename); on error the temp file is removed and ``path`` is untouched."""
    with _atomic_fd(path) as (fd, _), os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


WRITE_CHECK_PREFIX = ".write-check-"
"""Name prefix of the empty probe file :func:`check_writable_folder` creates and removes at once (a run killed
between the two leaves it; :func:`network.outputs.output_set.recover_output_set` removes it)."""


def check_writable_folder(folder: Path, *, what: str = "the folder") -> None:
    """Raise ``OutputError`` when files cannot be written in ``folder`` (made when missing): checked before a
    long computation, so that a read-only or misnamed output folder is said at once. A folder that cannot be
    made says so, with the reason ("the output folder cannot be created: /proc/out: the file system there
    does not let a folder be made [ENOENT]"), not that it does not exist."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(os_error_message(exc, doing=f"{what} cannot be created", where=folder, reasons=MKDIR_REASONS)) from None
    try:
        fd, probe = tempfile.mkstemp(prefix=WRITE_CHECK_PREFIX, dir=folder)
        os.close(fd)
        Path(probe).unlink(missing_ok=True)  # another run's recovery may have removed it already
    except OSError as exc:
        raise OutputError(os_error_message(exc, doing=f"cannot write in {what}", where=folder)) from None


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same folder and an atomic rename."""
    with atomic_open(path) as fh:
        fh.write(text)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and an atomic rename."""
    with _atomic_fd(path) as (fd, _), os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def json_safe(doc: Any, *, path: str = "") -> tuple[Any, list[str]]:
    """``doc`` with every NaN or infinite float replaced by None (JSON ``null``), and the paths replaced.

    JSON has no NaN: ``dumps_metrics`` refuses one, so a value that could not be computed (an unreachable
    pair on a partial network) must be written as null, and said so in a warning by the caller.
    """
    if isinstance(doc, float):
        return (doc, []) if math.isfinite(doc) else (None, [path or "<value>"])
    if isinstance(doc, dict):
        out: dict[Any, Any] = {}
        bad: list[str] = []
        for k, v in doc.items():
            out[k], b = json_safe(v, path=f"{path}.{k}" if path else str(k))
            bad += b
        return out, bad
    if isinstance(doc, (list, tuple)):
        items = [json_safe(v, path=f"{path}[{i}]") for i, v in enumerate(doc)]
        return [v for v, _ in items], [b for _, bs in items for b in bs]
    return doc, []


def tool_stamp() -> dict[str, str]:
    """What wrote an output: ``tool_version`` (the package version) and, when the code runs from a git
    checkout, ``tool_commit`` (``+dirty`` for uncommitted changes). The data snapshot is named beside it
    (``snapshot``) by each output."""
    commit = source_commit()
    return {"tool_version": __version__} | ({"tool_commit": commit} if commit else {})


def tool_label(stamp: Mapping[str, Any] | None = None) -> str:
    """``czt-planner <version>`` plus `` (commit <12 hex>)`` when there is one: how pages and maps name the tool.
    ``stamp``: a document's own ``tool_version``/``tool_commit`` (default: this process's, :func:`tool_stamp`)."""
    s = tool_stamp() if stamp is None else stamp
    commit = s.get("tool_commit")
    return f"czt-planner {s.get('tool_version')}" + (f" (commit {str(commit)[:12]})" if commit else "")


def dumps_metrics(metrics: dict[str, Any]) -> str:
    """Stable JSON: sorted keys, fixed indentation, UTF-8 text, trailing newline. Every JSON document written
    this way names the tool that wrote it (:func:`tool_stamp`, added where the document does not say)."""
    doc = {**tool_stamp(), **metrics} if isinstance(metrics, dict) else metrics
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False) + "\n"


def write_table(df: pd.DataFrame, path: Path, *, provenance: Mapping[str, str] | None = None) -> None:
    """Write ``df`` as CSV at ``path`` atomically (UTF-8, LF line ends, no index). ``provenance``
    (see :func:`table_provenance`) adds its fields as constant columns, so the file says on every row
    which network tier, data snapshot and definition it is, which tool version wrote it, and credits OpenStreetMap."""
    if provenance:
        df = df.assign(**{k: v for k, v in {**provenance, **tool_stamp()}.items() if k not in df.columns})
    atomic_write_text(path, df.to_csv(index=False, lineterminator="\n"))


def table_provenance(*, tier: str, snapshot: str, definition: str) -> dict[str, str]:
    """The provenance columns of an output table: tier, snapshot, definition and the OSM credit."""
    return {"tier": tier, "snapshot": snapshot, "definition": definition, "attribution": OSM_ATTRIBUTION}


def centre_matrix_html(pairs: pd.DataFrame, mode: str = "best", spread: pd.DataFrame | None = None) -> str:
    """A small HTML table of centre-to-centre minutes for one mode (numbers only: nothing to escape); with
    ``spread`` (metrics ``centre_spread``) a column with the min–max over points within each centre's
    placement tolerance."""
    sub = pairs[pairs["mode"] == mode]
    ranges = {} if spread is None else {(str(r["from"]), str(r["to"])): r for _, r in spread[spread["mode"] == mode].iterrows()}

    def span(a: str, b: str) -> str:
        r = ranges.get((a, b))
        return "" if r is None else f"<td style='text-align:right'>{number(r['minutes_min'], 0)}–{number(r['minutes_max'], 0)}</td>"

    rows = "".join(
        f"<tr><td>{CITY_ZH.get(str(r['from']), r['from'])}→{CITY_ZH.get(str(r['to']), r['to'])}</td><td style='text-align:right'>{number(r['minutes'], 0)}</td>"
        f"{span(str(r['from']), str(r['to']))}<td>{'✓' if r['within_30'] else '✗'}</td></tr>"
        for _, r in sub.iterrows()
    )
    head = "<th>range</th>" if ranges else ""
    note = "<tr><td colspan=4>range: each centre moved within its placement_m (data/centres.csv)</td></tr>" if ranges else ""
    return f"<table style='font-size:11px'><tr><th>{mode}</th><th>min</th>{head}<th>≤30</th></tr>{rows}{note}</table>"
