"""Origin-destination travel-time matrices between points: the zones, or a planner's own points (TAZs).

Input points: a CSV with columns ``id, lon, lat`` (WGS-84). Output: a long table
``from_id, to_id, mode, minutes`` plus a JSON sidecar saying which network tier and data snapshot
the times came from, which engine computed them and how long it took.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Transformer

from ._errors import InputError
from .catalogue import check_path_lonlat
from .engine import MAX_SNAP_M, Method, point_matrix, snap_points, use_hierarchy
from .graph import NetworkState, build_mode_graph
from .metrics import zone_points
from .region import Region

FloatArray = npt.NDArray[np.float64]
MAX_POINTS = 3000
"""A 3,000-point matrix is 9 million pairs per mode; more than that belongs in a database, not a CSV."""
MAX_FILE_BYTES = 1 << 20
_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
_TO_LONLAT = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class Points:
    """Named points in WGS-84 and UTM 49N (m); ``line`` is each point's line in its file (0 if none)."""

    ids: list[str]
    lon: FloatArray
    lat: FloatArray
    x_m: FloatArray
    y_m: FloatArray
    source: str
    line: list[int]

    def __len__(self) -> int:
        return len(self.ids)


def zone_centroids(region: Region) -> Points:
    """The zones' population-weighted centroids (the points the half-hour index uses)."""
    x, y = zone_points(region)
    lon, lat = _TO_LONLAT.transform(x, y)
    ids = region.zones["zone_id"].astype(str).tolist()
    return Points(ids, np.asarray(lon), np.asarray(lat), x, y, "zones (population-weighted centroids)", [0] * len(ids))


def load_points(path: Path) -> Points:
    """Read ``id, lon, lat`` points; every bad value is an ``InputError`` naming the file, line and field."""
    file = str(path)
    if not path.is_file():
        raise InputError(file, "file", "does not exist (expected a CSV with columns id, lon, lat)")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(file, "file", f"is {path.stat().st_size:,} bytes; expected at most {MAX_FILE_BYTES:,}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = [c.strip() for c in (reader.fieldnames or [])]
        missing = [c for c in ("id", "lon", "lat") if c not in cols]
        if missing:
            raise InputError(file, ",".join(missing), f"missing column; the header has {cols}, expected id, lon, lat", line=1)
        ids: list[str] = []
        lon: list[float] = []
        lat: list[float] = []
        lines: list[int] = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            row = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
            pid = row["id"]
            if not pid:
                raise InputError(file, "id", "is empty; expected a name for the point", line=line)
            if pid in seen:
                raise InputError(file, "id", f"{pid!r} repeats line {seen[pid]}; expected unique ids", line=line)
            seen[pid] = line
            values = []
            for name in ("lon", "lat"):
                try:
                    v = float(row[name])
                except ValueError:
                    raise InputError(file, name, f"{row[name]!r} is not a number; expected degrees (WGS-84)", line=line) from None
                if not np.isfinite(v):
                    raise InputError(file, name, f"{row[name]!r} is not a finite number", line=line)
                values.append(v)
            try:
                check_path_lonlat([(values[0], values[1])], field="point")
            except ValueError as exc:
                raise InputError(file, "lon,lat", str(exc).replace("point[0] = ", ""), line=line) from None
            ids.append(pid)
            lon.append(values[0])
            lat.append(values[1])
            lines.append(line)
            if len(ids) > MAX_POINTS:
                raise InputError(file, "id", f"more than {MAX_POINTS:,} points; expected at most {MAX_POINTS:,}", line=line)
    if not ids:
        raise InputError(file, "id", "no points; expected at least one row under the header")
    x, y = _TO_M.transform(np.array(lon), np.array(lat))
    return Points(ids, np.array(lon), np.array(lat), np.asarray(x), np.asarray(y), file, lines)


def od_minutes(state: NetworkState, points: Points, *, method: Method = "auto") -> tuple[dict[str, FloatArray], dict[str, Any]]:
    """Minutes between every pair of points for car, transit and best (``inf``: unreachable); plus how
    they were computed."""
    out: dict[str, FloatArray] = {}
    info: dict[str, Any] = {}
    for mode in ("car", "transit"):
        g = build_mode_graph(state, mode)  # type: ignore[arg-type]
        d, _ = g.road_tree.query(np.column_stack([points.x_m, points.y_m]))
        far = np.nonzero(np.asarray(d) > MAX_SNAP_M)[0]
        if len(far):
            k = int(far[0])
            raise InputError(
                points.source,
                "lon,lat",
                f"point {points.ids[k]!r} is {float(d[k]) / 1000:.1f} km from the nearest road node; expected within {MAX_SNAP_M / 1000:.0f} km",
                line=points.line[k] or None,
            )
        snap = snap_points(g, points.x_m, points.y_m, state.params, max_snap_m=None)
        t0 = time.perf_counter()
        engine = "contraction hierarchy" if use_hierarchy(g, len(np.unique(snap.nodes)), method) else "dijkstra"
        out[mode] = point_matrix(g, snap, snap, method=method) / 60.0
        np.fill_diagonal(out[mode], 0.0)  # a point to itself: no trip
        info[mode] = {"engine": engine, "graph_nodes": g.n_nodes, "seconds": round(time.perf_counter() - t0, 3)}
    out["best"] = np.minimum(out["car"], out["transit"])
    return out, info


def long_table(points: Points, minutes: dict[str, FloatArray], modes: list[str]) -> pd.DataFrame:
    n = len(points)
    ids = np.array(points.ids, dtype=object)
    frames = [
        pd.DataFrame(
            {
                "from_id": np.repeat(ids, n),
                "to_id": np.tile(ids, n),
                "mode": mode,
                "minutes": np.round(np.where(np.isfinite(minutes[mode]), minutes[mode], np.nan).ravel(), 2),
            }
        )
        for mode in modes
    ]
    return pd.concat(frames, ignore_index=True)
