"""How much the centre-to-centre minutes depend on where each centre point is placed.

Each city centre in ``data/centres.csv`` is a point with a placement tolerance (``placement_m``): 株洲 and
湘潭 are placed by hand (±500 m), 长沙 is a metro station whose square reaches about 300 m. Around each
centre a fixed sample of points stands for "anywhere within the tolerance": the centre, 8 points on the
circle of radius ``placement_m`` (every 45° from east) and 8 on the circle of half that radius (offset by
22.5°, so the two rings cover 16 directions). For each ordered pair of centres and each mode, the door-to-
door minutes of all 17 × 17 origin–destination pairs of samples give a spread: min, median and max
beside the centre-to-centre value. The points are connected and searched by the same snapping and
many-to-many machinery as every other point (``network.routing.engine.snap_points`` and
``point_matrix``), so the sample's centre-to-centre value is the headline's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from network.analysis.metrics import round_or_none
from network.model.graph import MODES, StateParams
from network.model.region import CITIES
from network.model.types import FloatArray
from network.routing.engine import point_matrix, snap_points
from network.routing.graphs import ModeGraph

__all__ = [
    "RING_POINTS",
    "SAMPLE_POINTS",
    "centre_spread_definition",
    "centre_spread_table",
    "placement_offsets_m",
    "placement_points",
    "sample_minutes",
]

RING_POINTS = 8
"""Points on each of the two circles around a centre."""
SAMPLE_POINTS = 1 + 2 * RING_POINTS
"""Points per centre: the centre itself and two rings."""


def placement_offsets_m(radius_m: float) -> tuple[FloatArray, FloatArray]:
    """East and north offsets (m) of the sample around one centre: (0, 0) first, then ``RING_POINTS`` on the
    circle of ``radius_m`` (at 0°, 45°, … from east) and ``RING_POINTS`` on the circle of ``radius_m / 2``
    (at 22.5°, 67.5°, …). Deterministic; ``radius_m = 0`` puts every point on the centre.

    Returns
    -------
    (dx_m, dy_m), each of length :data:`SAMPLE_POINTS`.
    """
    step = 2.0 * np.pi / RING_POINTS
    outer = np.arange(RING_POINTS) * step
    inner = outer + step / 2.0
    r = float(radius_m)
    dx = np.concatenate([[0.0], r * np.cos(outer), 0.5 * r * np.cos(inner)])
    dy = np.concatenate([[0.0], r * np.sin(outer), 0.5 * r * np.sin(inner)])
    return dx, dy


def placement_points(centres: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
    """The samples of every centre (UTM 49N m), ``CITIES`` order, :data:`SAMPLE_POINTS` per city with its centre
    first. ``centres``: ``Region.centres`` (``city``, ``x_m``, ``y_m``, ``placement_m``)."""
    c = centres.set_index("city").loc[list(CITIES)]
    x_m, y_m, tol_m = (c[col].to_numpy(dtype=float) for col in ("x_m", "y_m", "placement_m"))
    offsets = [placement_offsets_m(r) for r in tol_m]
    return np.concatenate([x + dx for x, (dx, _) in zip(x_m, offsets)]), np.concatenate([y + dy for y, (_, dy) in zip(y_m, offsets)])


def sample_minutes(
    graphs: dict[str, ModeGraph], params: StateParams, centres: pd.DataFrame, *, limit_s: float = np.inf
) -> dict[str, FloatArray]:
    """Door-to-door minutes between every pair of sample points (:func:`placement_points`), per mode (car,
    transit, best): a (3 × SAMPLE_POINTS)² array, ``inf`` beyond ``limit_s`` or unreachable. ``graphs``: the
    car and transit graphs of the evaluated network (``Evaluation.graphs``)."""
    x_m, y_m = placement_points(centres)
    out: dict[str, FloatArray] = {}
    for mode in ("car", "transit"):
        g = graphs[mode]
        snap = snap_points(g, x_m, y_m, params)
        out[mode] = point_matrix(g, snap, snap, limit_s=limit_s, method="dijkstra") / 60.0
    out["best"] = np.minimum(out["car"], out["transit"])
    return out


def centre_spread_table(minutes: dict[str, FloatArray], centres: pd.DataFrame) -> pd.DataFrame:
    """Per ordered centre pair and mode: the centre-to-centre minutes (``minutes_centre``) and the min, median
    and max over the :data:`SAMPLE_POINTS` ² sample pairs (``minutes_min``, ``minutes_median``, ``minutes_max``;
    None when no sample pair has a time), with each end's ``placement_m`` and how many sample pairs were
    unreachable. ``minutes``: from :func:`sample_minutes`."""
    n = SAMPLE_POINTS
    tol = centres.set_index("city")["placement_m"].astype(float)
    rows = []
    for mode in MODES:
        m = minutes[mode]
        for i, a in enumerate(CITIES):
            for j, b in enumerate(CITIES):
                if i == j:
                    continue
                block = m[i * n : (i + 1) * n, j * n : (j + 1) * n]
                finite = block[np.isfinite(block)]
                rows.append(
                    {
                        "from": a,
                        "to": b,
                        "mode": mode,
                        "minutes_centre": round_or_none(block[0, 0]),
                        "minutes_min": round_or_none(finite.min()) if finite.size else None,
                        "minutes_median": round_or_none(float(np.median(finite))) if finite.size else None,
                        "minutes_max": round_or_none(finite.max()) if finite.size else None,
                        "from_placement_m": float(tol[a]),
                        "to_placement_m": float(tol[b]),
                        "sample_pairs": int(block.size),
                        "unreachable_pairs": int(block.size - finite.size),
                    }
                )
    df = pd.DataFrame(rows)
    for col in ("minutes_centre", "minutes_min", "minutes_median", "minutes_max"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)  # unreachable: None, not NaN
    return df


def centre_spread_definition(period: str) -> str:
    """What the ``centre_spread`` table measures (metrics.json ``definitions``, its CSV and the report)."""
    p = period.replace("_", "-")
    return (
        "centre_spread: door-to-door minutes between points within each city centre's placement tolerance "
        "(data/centres.csv placement_m): at each end the centre point, 8 points on the circle of that radius "
        "(every 45° from east) and 8 on the circle of half that radius (offset 22.5°); min, median and max over "
        f"all {SAMPLE_POINTS}×{SAMPLE_POINTS} origin–destination pairs of these points, beside the centre-to-centre "
        f"value (minutes_centre, = centre_minutes), by mode as in centre_minutes, {p}. The spread says how much "
        "the headline depends on where the centre points are placed, not on the model's parameters"
    )
