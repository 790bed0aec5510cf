"""Origin-destination travel-time matrices between points: the zones, or a planner's own points (TAZs).

Input points: a CSV with columns ``id, lon, lat`` (WGS-84). Output: a long table
``from_id, to_id, mode, minutes`` plus a JSON sidecar saying which network tier and data snapshot
the times came from, which engine computed them and how long it took.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from network._errors import InputError, missing_file_reason
from network._threads import HIERARCHY_THREAD_SUFFIX
from network.analysis.metrics import zone_points
from network.geo import to_lonlat, to_metric
from network.model.graph import NetworkState
from network.model.region import Region
from network.model.types import FloatArray
from network.routing.ch import graph_hierarchy
from network.routing.engine import MAX_SNAP_M, Method, point_matrix, snap_points, use_hierarchy
from network.routing.graphs import ModeGraph, build_mode_graph
from network.scenario.validation import check_path_lonlat

MAX_POINTS = 3000
"""A 3,000-point matrix is 9 million pairs per mode; more than that belongs in a database, not a CSV."""
MAX_FILE_BYTES = 1 << 20
_TO_M = to_metric()
_TO_LONLAT = to_lonlat()


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
        """Number of points."""
        return len(self.ids)

    def without(self, drop: set[int]) -> Points:
        """These points less those at the indexes in ``drop``."""
        keep = [k for k in range(len(self.ids)) if k not in drop]
        return Points(
            [self.ids[k] for k in keep],
            self.lon[keep],
            self.lat[keep],
            self.x_m[keep],
            self.y_m[keep],
            self.source,
            [self.line[k] for k in keep],
        )


@dataclass(frozen=True)
class FarPoint:
    """A point farther than MAX_SNAP_M from the nearest road node: its index, id, line in its file and distance."""

    index: int
    id: str
    line: int
    distance_m: float

    def describe(self) -> str:
        """``'a' (line 4, 31.2 km)``."""
        return f"{self.id!r} ({f'line {self.line}, ' if self.line else ''}{self.distance_m / 1000:.1f} km)"

    def to_dict(self) -> dict[str, Any]:
        """For the matrix's .json sidecar."""
        return {"id": self.id, "line": self.line or None, "km_from_network": round(self.distance_m / 1000, 2)}


def far_points(state: NetworkState, points: Points) -> list[FarPoint]:
    """Every point farther than MAX_SNAP_M from the nearest road node of the car or the transit graph, in file order."""
    far: dict[int, float] = {}
    for mode in ("car", "transit"):
        d, _ = build_mode_graph(state, mode).road_tree.query(np.column_stack([points.x_m, points.y_m]))  # type: ignore[arg-type]
        for k in np.flatnonzero(np.asarray(d) > MAX_SNAP_M):
            far[int(k)] = max(far.get(int(k), 0.0), float(d[k]))
    return [FarPoint(k, str(points.ids[k]), points.line[k], far[k]) for k in sorted(far)]


def far_points_error(points: Points, far: list[FarPoint], tier: str) -> InputError:
    """One error naming every point beyond reach, and the two ways on (``--far-points keep`` or ``drop``)."""
    sparse = " (the embedded tier is a sparse skeleton of main roads; an OSM tier covers every road)" if tier == "embedded" else ""
    what = f"point {far[0].describe()} is" if len(far) == 1 else f"{len(far)} points are"
    named = "" if len(far) == 1 else ": " + ", ".join(p.describe() for p in far)
    return InputError(
        points.source,
        "lon,lat",
        f"{what} farther than {MAX_SNAP_M / 1000:.0f} km from the nearest road node of the {tier!r} network{named}; "
        f"expected every point within {MAX_SNAP_M / 1000:.0f} km{sparse}. To go on, give --far-points keep (their times "
        "include a long access leg and they are flagged in the .json) or --far-points drop (left out of the matrix)",
        line=far[0].line or None,
    )


def zone_centroids(region: Region) -> Points:
    """The zones' population-weighted centroids (the points the half-hour index uses)."""
    x, y = zone_points(region)
    lon, lat = _TO_LONLAT.transform(x, y)
    ids = region.zones["zone_id"].astype(str).tolist()
    return Points(ids, np.asarray(lon), np.asarray(lat), x, y, "zones (population-weighted centroids)", [0] * len(ids))


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _read_text(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read with: UTF-8 (with or without BOM), UTF-16 with a BOM,
    or GB18030 (a superset of GBK, what Excel on Chinese Windows writes) when the bytes are not UTF-8."""
    file = str(path)
    try:
        if path.is_dir():
            raise InputError(file, "file", "is a folder; expected a CSV file with columns id, lon, lat")
        if not path.exists():
            raise InputError(file, "file", f"{missing_file_reason(path)} (expected a CSV with columns id, lon, lat)")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(file, "file", f"is {size:,} bytes; expected at most {MAX_FILE_BYTES:,}")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(file, "file", f"cannot be read ({exc.strerror or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for enc in encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise InputError(file, "file", f"is not text in {' or '.join(encodings)}; save it as 'CSV UTF-8'")


def _row_problem(row: dict[str, str], seen: dict[str, int], line: int) -> tuple[int, str, str] | None:
    """What is wrong with one ``id, lon, lat`` row as (line, field, message), or None when it is good."""
    pid = row["id"]
    if not pid:
        return line, "id", "is empty; expected a name for the point"
    if pid in seen:
        return line, "id", f"{pid!r} repeats line {seen[pid]}; expected unique ids"
    for name in ("lon", "lat"):
        if not _NUMBER.match(row[name]):
            return line, name, f"{row[name]!r} is not a number; expected decimal degrees (WGS-84)"
    try:
        check_path_lonlat([(float(row["lon"]), float(row["lat"]))], field="point")
    except ValueError as exc:
        return line, "lon,lat", str(exc).replace("point[0] = ", "")
    return None


def load_points(path: Path) -> Points:
    """Read ``id, lon, lat`` points; bad rows are one ``InputError`` naming the file, line and field of every one."""
    file = str(path)
    text, _encoding = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    ids: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    lines: list[int] = []
    seen: dict[str, int] = {}
    bad: list[tuple[int, str, str]] = []
    try:
        header = [c.strip() for c in next(reader, [])]
        repeated = sorted({c for c in header if c and header.count(c) > 1})
        if repeated:
            raise InputError(file, ",".join(repeated), "column named more than once in the header", line=1)
        missing = [c for c in ("id", "lon", "lat") if c not in header]
        if missing:
            raise InputError(file, ",".join(missing), f"missing column; the header has {header}, expected id, lon, lat", line=1)
        col = {name: header.index(name) for name in ("id", "lon", "lat")}
        for raw in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in raw):
                continue  # blank line
            row = {name: (raw[i].strip() if i < len(raw) else "") for name, i in col.items()}
            problem = _row_problem(row, seen, line)
            pid = row["id"]
            if pid and pid not in seen:
                seen[pid] = line
            if problem is not None:
                bad.append(problem)
                continue
            ids.append(pid)
            lon.append(float(row["lon"]))
            lat.append(float(row["lat"]))
            lines.append(line)
            if len(ids) > MAX_POINTS:
                raise InputError(file, "id", f"more than {MAX_POINTS:,} points; expected at most {MAX_POINTS:,}", line=line)
    except csv.Error as exc:
        raise InputError(file, "file", f"is not a readable CSV ({exc})", line=reader.line_num or None) from None
    if bad:  # every bad row at once, so the file is fixed in one pass
        (line0, field0, msg0), rest = bad[0], bad[1:]
        raise InputError(file, field0, msg0 + "".join(f"\n  also {file}:{ln}: field '{f}': {m}" for ln, f, m in rest), line=line0)
    if not ids:
        raise InputError(file, "id", "no points; expected at least one row under the header")
    x, y = _TO_M.transform(np.array(lon), np.array(lat))
    return Points(ids, np.array(lon), np.array(lat), np.asarray(x), np.asarray(y), file, lines)


Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is 'car hierarchy', 'car rows', 'transit hierarchy' or 'transit rows'."""
PATHS_CHOSEN_BY_GENERALIZED = (
    "generalized cost (walk x walk_weight, waits x wait_weight, transfer_penalty_min per boarding after the first); "
    "minutes are clock minutes along those paths; Dijkstra (a contraction hierarchy cannot give the clock time of its path)"
)
"""How a transit matrix's paths are chosen, as its provenance says."""
ROWS_PER_STEP = 100
"""Origins computed per step of the row progress (the matrix is computed in blocks of origins)."""
PROGRESS_INTERVAL_S = 0.25


def _build_hierarchy(graph: ModeGraph, label: str, progress: Progress) -> None:
    """Build ``graph``'s contraction hierarchy in a thread (the numba kernel releases the GIL), reporting
    the contracted node count every PROGRESS_INTERVAL_S."""
    counter = np.zeros(1, np.int64)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            graph_hierarchy(graph, progress=counter)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=work, name=f"{label}{HIERARCHY_THREAD_SUFFIX}", daemon=True)
    thread.start()
    while thread.is_alive():
        progress(f"{label} hierarchy", int(counter[0]), graph.n_nodes)
        thread.join(PROGRESS_INTERVAL_S)
    if failure:
        raise failure[0]
    progress(f"{label} hierarchy", graph.n_nodes, graph.n_nodes)


BEYOND_REACH_MEANS = {
    "car": "points farther from the road network than a connector's documented reach (connector_reach_<area type>_m): their access leg is an estimate",
    "transit": "points farther from every road and station than a feeder bus reaches (bus_feeder_max_m): no transit connection but a direct walk",
}


def od_minutes(
    state: NetworkState, points: Points, *, method: Method = "auto", check_reach: bool = True, progress: Progress | None = None
) -> tuple[dict[str, FloatArray], dict[str, Any]]:
    """Minutes between every pair of points for car, transit and best (``inf``: unreachable); plus how
    they were computed. ``check_reach=False`` accepts points beyond MAX_SNAP_M of the network (they get a
    long access leg, as the grid cells of a run do). ``progress`` is told how the hierarchy build and the
    rows advance (the CLI draws bars from it)."""
    out: dict[str, FloatArray] = {}
    info: dict[str, Any] = {}
    report: Progress = progress or (lambda _stage, _done, _total: None)
    if check_reach and (far := far_points(state, points)):
        raise far_points_error(points, far, state.roads.tier)
    for mode in ("car", "transit"):
        g = build_mode_graph(state, mode)  # type: ignore[arg-type]
        snap = snap_points(g, points.x_m, points.y_m, state.params, max_snap_m=None)
        t0 = time.perf_counter()
        hierarchy = use_hierarchy(g, len(np.unique(snap.nodes)), method)
        if hierarchy and method != "dijkstra":
            _build_hierarchy(g, mode, report)  # built once for the whole matrix; the row blocks below use it
        block_method: Method = "ch" if hierarchy else "dijkstra"
        m = np.empty((len(points), len(points)))
        for start in range(0, len(points), ROWS_PER_STEP):
            stop = min(start + ROWS_PER_STEP, len(points))
            m[start:stop] = point_matrix(g, snap.rows(start, stop), snap, method=block_method)
            report(f"{mode} rows", stop, len(points))
        out[mode] = m / 60.0
        np.fill_diagonal(out[mode], 0.0)  # a point to itself: no trip
        engine = "contraction hierarchy" if hierarchy else "dijkstra"
        info[mode] = {
            "engine": engine,
            "graph_nodes": g.n_nodes,
            "seconds": round(time.perf_counter() - t0, 3),
            "paths_chosen_by": PATHS_CHOSEN_BY_GENERALIZED if g.generalized else "clock time (the fastest path)",
            "beyond_reach": [str(points.ids[k]) for k in np.flatnonzero(snap.beyond_reach)],
            "beyond_reach_means": BEYOND_REACH_MEANS[mode],
        }
    out["best"] = np.minimum(out["car"], out["transit"])
    return out, info


def long_table(points: Points, minutes: dict[str, FloatArray], modes: list[str], *, rows: slice = slice(None)) -> pd.DataFrame:
    """``from_id, to_id, mode, minutes`` for the origins in ``rows`` (all by default); unreachable = NaN."""
    ids = np.array(points.ids, dtype=object)
    origins = ids[rows]
    frames = [
        pd.DataFrame(
            {
                "from_id": np.repeat(origins, len(ids)),
                "to_id": np.tile(ids, len(origins)),
                "mode": mode,
                "minutes": np.round(np.where(np.isfinite(m := minutes[mode][rows]), m, np.nan).ravel(), 2),
            }
        )
        for mode in modes
    ]
    return pd.concat(frames, ignore_index=True)


def grid_points(region: Region, *, block_km: float) -> Points:
    """Population-weighted centroids of ``block_km`` × ``block_km`` blocks of the 1 km grid that have people.

    Ids are integers (``column * 10000 + row`` of the block in UTM 49N), so they fit an OMX mapping.
    A 1 km block is the grid itself (18,948 cells: too many for a full matrix; see MAX_POINTS).
    """
    g = region.grid
    size_m = block_km * 1000.0
    col = np.floor(g["x_m"].to_numpy(dtype=float) / size_m).astype(np.int64)
    row = np.floor(g["y_m"].to_numpy(dtype=float) / size_m).astype(np.int64)
    df = pd.DataFrame({"col": col - col.min(), "row": row - row.min(), "x": g["x_m"], "y": g["y_m"], "pop": g["population"].astype(float)})
    df = df[df["pop"] > 0]
    df["wx"] = df["x"] * df["pop"]
    df["wy"] = df["y"] * df["pop"]
    b = df.groupby(["col", "row"], sort=True).agg(wx=("wx", "sum"), wy=("wy", "sum"), pop=("pop", "sum")).reset_index()
    x = (b["wx"] / b["pop"]).to_numpy(dtype=float)
    y = (b["wy"] / b["pop"]).to_numpy(dtype=float)
    ids = [str(int(c) * 10000 + int(r)) for c, r in zip(b["col"], b["row"])]
    if len(ids) > MAX_POINTS:
        raise InputError(
            "--grid-km", "grid-km", f"{block_km:g} km blocks give {len(ids):,} points; expected at most {MAX_POINTS:,} (use larger blocks)"
        )
    lon, lat = _TO_LONLAT.transform(x, y)
    return Points(
        ids, np.asarray(lon), np.asarray(lat), x, y, f"grid ({block_km:g} km blocks, population-weighted centroids)", [0] * len(ids)
    )
