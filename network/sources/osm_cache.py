"""The on-disk cache of built OSM road networks: ``<cache>/osm/<source>-<date>-<key>/`` (``<cache>``: ``--cache-dir``,
``$CZT_CACHE_DIR`` or the user cache folder, see ``network.paths.cache_dir``).

Each entry holds ``nodes.csv``, ``edges.csv`` and ``manifest.json`` (sha256 per file, the request, the
network report). The key covers source, study area, filter, pipeline settings and snapshot date. A
truncated or edited entry is detected by checksum; entries are written to a temporary sibling and
renamed, so a crash never leaves a half entry.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from network._errors import DataError
from network.model.graph import RoadNetwork
from network.paths import cache_dir as default_cache_dir
from network.sources.osm_profile import EDGE_DTYPES, NODE_DTYPES, network_report, typed_edges

CACHE_FORMAT: Final[int] = 3
"""Bumped whenever the pipeline changes what a cache entry holds (it is part of the key)."""


def cache_root(cache_dir: Path | None = None) -> Path:
    """The cache root: ``cache_dir``, else ``$CZT_CACHE_DIR``, else the user cache folder (``network.paths.cache_dir``)."""
    return Path(cache_dir) if cache_dir is not None else default_cache_dir()


def cache_key(*, source: str, source_id: str, area: str, road_filter: str, tolerance_m: float, snapshot_date: str) -> str:
    """Cache key: a digest of source, study area, road filter, pipeline settings and snapshot date."""
    doc = {
        "format": CACHE_FORMAT,
        "source": source,
        "source_id": source_id,
        "area": area,
        "filter": road_filter,
        "tolerance_m": tolerance_m,
        "snapshot_date": snapshot_date,
    }
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]
    return f"{source}-{snapshot_date}-{digest}"


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file, read 1 MiB at a time."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()



def write_cache(roads: RoadNetwork, entry: Path, *, request: dict[str, Any]) -> Path:
    """Write ``roads`` to the cache entry directory (CSV files + manifest.json with sha256 checksums).

    Written to a temporary sibling directory and renamed, so a crash never leaves a half entry.
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
    try:
        roads.nodes.to_csv(tmp / "nodes.csv", index=False)
        roads.edges.to_csv(tmp / "edges.csv", index=False)
        manifest = {
            "format": CACHE_FORMAT,
            "tier": roads.tier,
            "snapshot": roads.snapshot,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": request,
            "report": network_report(roads),
            "files": {name: {"sha256": sha256_file(tmp / name), "bytes": (tmp / name).stat().st_size} for name in ("nodes.csv", "edges.csv")},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if entry.exists():
            shutil.rmtree(entry)
        tmp.rename(entry)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return entry


class CacheCorrupt(DataError):
    """A cache entry's files are missing or do not match their recorded checksums."""


def read_manifest(entry: Path, *, check_format: bool = True) -> dict[str, Any]:
    """A cache entry's manifest (file checksums); ``CacheCorrupt`` when unreadable or of another format."""
    try:
        doc = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CacheCorrupt(f"{entry}: manifest.json unreadable ({exc})") from None
    if not isinstance(doc, dict) or "files" not in doc:
        raise CacheCorrupt(f"{entry}: manifest.json has no file checksums")
    if check_format and doc.get("format") != CACHE_FORMAT:
        raise CacheCorrupt(f"{entry}: written by another pipeline version (cache format {doc.get('format')}, expected {CACHE_FORMAT})")
    return doc


def read_cache(entry: Path) -> RoadNetwork:
    """Read a cache entry, verifying every file against its sha256; raise ``CacheCorrupt`` on mismatch."""
    manifest = read_manifest(entry)
    for name, meta in manifest["files"].items():
        path = entry / name
        if not path.exists():
            raise CacheCorrupt(f"{path}: missing")
        if path.stat().st_size != meta["bytes"] or sha256_file(path) != meta["sha256"]:
            raise CacheCorrupt(f"{path}: checksum mismatch (truncated or edited; expected sha256 {meta['sha256'][:12]}…)")
    nodes = pd.read_csv(entry / "nodes.csv", dtype=NODE_DTYPES)
    edges = pd.read_csv(
        entry / "edges.csv",
        dtype=EDGE_DTYPES,
        keep_default_na=False,
        na_values={c: [""] for c, t in EDGE_DTYPES.items() if t is float},
    )
    edges["oneway"] = edges["oneway"].map({"True": True, "False": False, True: True, False: False}).astype(bool)
    return RoadNetwork(nodes=nodes, edges=typed_edges(edges), tier=str(manifest["tier"]), snapshot=str(manifest["snapshot"]))


def cache_entries(cache_dir: Path | None = None) -> list[Path]:
    """Cache entry directories, newest first (by creation time in the manifest, then name)."""
    root = cache_root(cache_dir) / "osm"
    if not root.is_dir():
        return []
    entries = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def created(p: Path) -> str:
        try:
            return str(read_manifest(p).get("created_utc", ""))
        except CacheCorrupt:
            return ""

    return sorted(entries, key=lambda p: (created(p), p.name), reverse=True)


# --------------------------------------------------------------------------------------------------
# build and load
# --------------------------------------------------------------------------------------------------
