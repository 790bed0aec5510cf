"""The ``matrix`` workflow: an origin-destination travel-time matrix for one scenario, written with its JSON sidecar."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from network import OSM_ATTRIBUTION
from network._errors import InputError
from network.analysis.od_matrix import Points, Progress, far_points, far_points_error, load_points, od_minutes, zone_centroids
from network.model.region import load_region
from network.outputs.files import atomic_write_text, check_writable_folder, dumps_metrics
from network.outputs.od_table import write_matrix
from network.paths import output_dir as default_output_dir
from network.routing.engine import Method
from network.scenario.resolve import resolve_state
from network.scenario.schema import find_scenario_file, load_scenario, scenario_at

FarPolicy = Literal["refused", "kept", "dropped"]
"""What a matrix does with points beyond reach of the network (see :func:`matrix`)."""

DEFAULT_NAMES = {"long": "od_matrix.csv", "wide": "od_matrix_wide.csv", "parquet": "od_matrix.parquet"}

COLUMNS = {
    "long": {
        "from_id": "origin point id",
        "to_id": "destination point id",
        "mode": "car, transit or best",
        "minutes": "door to door; empty = unreachable",
    },
    "wide": {
        "from_id": "origin point id",
        "mode": "car, transit or best",
        "<to_id>": "one column per destination point id: minutes door to door; empty = unreachable",
    },
    "parquet": {
        "from_id": "origin point id (string)",
        "to_id": "destination point id (string)",
        "mode": "car, transit or best (dictionary-encoded string)",
        "minutes": "door to door (float64); null = unreachable",
    },
}
"""What each column of each matrix format holds (written into the JSON sidecar)."""


def default_name(fmt: str, points: Path | None, *, year: int | None = None, period: str | None = None) -> str:
    """The output file name: ``od_matrix.csv`` (etc.) for the zones, with the points file's stem for your
    own points and ``--year`` / ``--period`` when given (``od_matrix_taz_2017_off_peak.csv``), so a matrix of
    other points or of another year never overwrites another."""
    name = DEFAULT_NAMES[fmt]
    stem, dot, ext = name.partition(".")
    parts = (
        [stem] + ([points.stem] if points is not None else []) + ([str(year)] if year is not None else []) + ([period] if period else [])
    )
    return f"{'_'.join(parts)}{dot}{ext}"


@dataclass(frozen=True)
class MatrixResult:
    """A written matrix: its path and the sidecar's content (``meta``: scenario, year, period, engines, seconds ...)."""

    scenario: str
    year: int | None
    period: str
    tier: str
    snapshot: str
    points: int
    modes: list[str]
    path: Path
    sidecar_path: Path
    meta: dict[str, Any]


@dataclass(frozen=True)
class MatrixFile:
    """How a matrix is written: ``fmt`` ``long`` (CSV from_id,to_id,mode,minutes), ``wide`` (CSV, one row per
    origin and mode) or ``parquet``; ``bom``: CSVs start with a UTF-8 byte-order mark (Excel reads Chinese ids
    right); ``path``: None for ``outputs/<scenario>/`` + :func:`default_name`."""

    fmt: str = "long"
    bom: bool = True
    path: Path | None = None


@dataclass(frozen=True)
class MatrixPoints:
    """The points of a matrix: ``path`` a CSV of ``id, lon, lat`` (WGS-84; None for the zones' population-weighted
    centroids), and what happens to points farther than ``MAX_SNAP_M`` from the network: ``refused`` (one
    ``InputError`` naming every one), ``kept`` (their times include the long access leg; listed under
    ``far_points`` in the sidecar) or ``dropped`` (left out; listed under ``dropped_points``)."""

    path: Path | None = None
    far_points_are: FarPolicy = "refused"


def matrix(
    scenario: str | Path = "surveyed",
    *,
    points: MatrixPoints = MatrixPoints(),
    modes: Sequence[str] = ("car", "transit", "best"),
    method: Method = "auto",
    year: int | None = None,
    period: str | None = None,
    output: MatrixFile = MatrixFile(),
    progress: Progress | None = None,
) -> MatrixResult:
    """Door-to-door minutes between every pair of points, written as a file with a ``.json`` sidecar beside it.

    Parameters
    ----------
    scenario
        A scenario name or path.
    points
        The points and what happens to those far from the network (:class:`MatrixPoints`; default: the zones).
    modes
        Which of ``car``, ``transit`` and ``best`` to write.
    method
        ``auto``, ``ch`` (contraction hierarchy) or ``dijkstra``; the times are the same.
    year, period
        Run the scenario in another year or period; None keeps the scenario's own.
    output
        Format, byte-order mark and path of the file (:class:`MatrixFile`).
    progress
        Called as the engines progress (the command line draws bars with it).

    Returns
    -------
    MatrixResult
        Where the matrix and its sidecar went, and the sidecar's content (engines, timings, provenance).
    """
    far_points_are = points.far_points_are
    points_csv = points.path
    path = find_scenario_file(str(scenario))
    sc = load_scenario(path)
    fmt, bom = output.fmt, output.bom
    sc = scenario_at(sc, year=year, period=period)
    pts: Points = load_points(points_csv) if points_csv is not None else zone_centroids(load_region())
    target = output.path or default_output_dir() / sc.name / default_name(fmt, points_csv, year=year, period=period)
    check_writable_folder(target.parent, what="the matrix's folder")  # a read-only or misnamed --out is said now, not after the computation
    state = resolve_state(sc, file=str(path))
    far = far_points(state, pts)
    if far and far_points_are == "refused":
        raise far_points_error(pts, far, state.roads.tier)
    if far and far_points_are == "dropped":
        pts = pts.without({p.index for p in far})
        if len(pts) == 0:
            raise InputError(pts.source, "lon,lat", "every point is beyond reach of the network; nothing is left to compute")
    t0 = time.perf_counter()
    minutes, info = od_minutes(state, pts, method=method, check_reach=False, progress=progress)
    seconds = time.perf_counter() - t0
    provenance = {"tier": state.roads.tier, "snapshot": state.roads.snapshot, "attribution": OSM_ATTRIBUTION, "scenario": sc.name}
    write_matrix(target, pts, minutes, list(modes), fmt=fmt, bom=bom, metadata=provenance)
    meta = {
        "scenario": sc.name,
        "year": state.year,
        "period": state.params.period,
        "definition": f"door to door between the points, by mode, {state.params.period.replace('_', '-')}; "
        "car: fastest path; transit: path of least generalized cost, reported in clock minutes",
        "network": {"tier": state.roads.tier, "snapshot": state.roads.snapshot},
        "attribution": OSM_ATTRIBUTION,
        "points": {"source": pts.source, "count": len(pts)},
        "far_points": [p.to_dict() for p in far] if far_points_are == "kept" else [],
        "dropped_points": [p.to_dict() for p in far] if far_points_are == "dropped" else [],
        "modes": list(modes),
        "format": fmt,
        "encoding": None if fmt == "parquet" else ("UTF-8 with byte-order mark (opens in Excel)" if bom else "UTF-8"),
        "columns": COLUMNS[fmt],
        "engines": info,
        "seconds": round(seconds, 3),
    }
    atomic_write_text(target.with_suffix(".json"), dumps_metrics(meta))
    return MatrixResult(
        scenario=sc.name,
        year=state.year,
        period=state.params.period,
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
        points=len(pts),
        modes=list(modes),
        path=target,
        sidecar_path=target.with_suffix(".json"),
        meta=meta,
    )
