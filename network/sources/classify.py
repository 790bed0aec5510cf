"""Classify untagged skeleton edges (expressway / urban arterial / rural highway).

The embedded skeleton (``scgraph-data`` world_highways) carries no OSM tags, so each straight
segment gets a class from geometry and land use, in this order:

1. ``expressway`` when the segment runs along a curated expressway corridor
   (``data/expressway_corridors.csv``): every sample point along it lies within
   ``corridor_tolerance_m`` of the same corridor polyline and its bearing is within
   ``max_bearing_diff_deg`` of the corridor's local bearing (so crossing arterials are not caught).
   (The embedded build, ``tools/build_embedded_data.py``, routes each corridor along the skeleton instead.)
2. ``urban_arterial`` when at least ``min_built_up_share`` of its length lies in built-up area: the
   1 km population cells of area type core, urban or suburban (``network.model.area``: >= 300
   persons / km², the GHSL urban-cluster threshold). A main road through a built-up place, between the
   cities as much as in them (暮云, 昭山, 易家湾, 九华, the 株洲–湘潭 belt), is a signalised arterial
   with frontage access; its class speed includes the average signal delay (CJJ 37 主干路).
3. ``rural_highway`` otherwise (一级/二级公路 through open country, running speed, no signals).

The share is measured at ``samples`` points spaced evenly along the segment (the centres of equal
pieces). Earlier builds used a disc of ``urban_radius_km`` around each city centre instead, which made
the built-up corridors between the cities 60 km/h rural highways.

All inputs are metric (UTM 49N) arrays; the functions are pure and vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from network.model.types import FloatArray, IntArray

BUILT_UP_MAX_CODE = 2
"""Area type codes 0-2 (core, urban, suburban; ``network.model.area.AREA_TYPES``) are built-up."""
DENSE_MAX_CODE = 1
"""Area type codes 0-1 (core, urban: >= 1,500 persons / km²) are the dense city, where an arterial runs at
downtown speeds; an arterial's suburban length (codes 2-3) runs at ``speed_urban_arterial_suburban_<period>_kph``."""
MIN_BUILT_UP_SHARE = 0.5
"""A segment is an urban arterial when at least this share of its length is built-up."""


def _bearing_deg(dx: FloatArray, dy: FloatArray) -> FloatArray:
    """Undirected bearing in [0, 180) degrees."""
    return np.degrees(np.arctan2(dx, dy)) % 180.0


def _angle_diff_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    d = np.abs(a - b) % 180.0
    return np.minimum(d, 180.0 - d)


def nearest_on_polyline(px: FloatArray, py: FloatArray, line_xy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distance (m) from each point to a polyline, and the bearing of the closest segment.

    Parameters
    ----------
    px, py : point coordinates (m), shape (n,)
    line_xy : polyline vertices (m), shape (k, 2), k >= 2

    Returns
    -------
    (distance_m, segment_bearing_deg), each shape (n,)
    """
    a = line_xy[:-1]
    b = line_xy[1:]
    ab = b - a
    ab_len2 = np.maximum((ab**2).sum(axis=1), 1e-9)
    apx = px[:, None] - a[None, :, 0]
    apy = py[:, None] - a[None, :, 1]
    t = np.clip((apx * ab[None, :, 0] + apy * ab[None, :, 1]) / ab_len2[None, :], 0.0, 1.0)
    cx = a[None, :, 0] + t * ab[None, :, 0]
    cy = a[None, :, 1] + t * ab[None, :, 1]
    d = np.hypot(px[:, None] - cx, py[:, None] - cy)
    j = np.argmin(d, axis=1)
    seg_bearing = _bearing_deg(ab[:, 0], ab[:, 1])
    return d[np.arange(len(px)), j], seg_bearing[j]


def built_up_share(
    ux: FloatArray,
    uy: FloatArray,
    vx: FloatArray,
    vy: FloatArray,
    *,
    area_code_at: Callable[[FloatArray, FloatArray], IntArray],
    samples: int = 9,
    max_code: int = BUILT_UP_MAX_CODE,
) -> FloatArray:
    """Share of each segment's length in built-up area (area type core, urban or suburban; with
    ``max_code=DENSE_MAX_CODE``: in the dense city, core or urban).

    Parameters
    ----------
    ux, uy, vx, vy : edge end coordinates (m), shape (m,)
    area_code_at : area type code (``network.model.area.AREA_TYPES`` index) of points (m)
    samples : points per segment, at the centres of ``samples`` equal pieces

    Returns
    -------
    share in [0, 1], shape (m,)
    """
    ts = (np.arange(samples) + 0.5) / samples
    built = np.zeros(len(ux), dtype=float)
    for t in ts:
        built += np.asarray(area_code_at(ux + t * (vx - ux), uy + t * (vy - uy))) <= max_code
    return built / samples


@dataclass(frozen=True)
class ClassifyRules:
    """The thresholds of :func:`classify_edges`: an edge is an expressway when ``samples`` points along it all lie
    within ``corridor_tolerance_m`` of a corridor, heading within ``max_bearing_diff_deg`` of it; else an
    urban arterial from ``min_built_up_share`` of its length in built-up area."""

    min_built_up_share: float = MIN_BUILT_UP_SHARE
    corridor_tolerance_m: float = 1500.0
    max_bearing_diff_deg: float = 30.0
    samples: int = 5


def classify_edges(
    ux: FloatArray,
    uy: FloatArray,
    vx: FloatArray,
    vy: FloatArray,
    *,
    corridors: list[FloatArray],
    built_up: FloatArray,
    rules: ClassifyRules = ClassifyRules(),
) -> list[str]:
    """Return a class per edge (see module docstring).

    Parameters
    ----------
    ux, uy, vx, vy : edge end coordinates (m), shape (m,)
    corridors : expressway polylines (m), each shape (k, 2)
    built_up : share of each edge's length in built-up area (``built_up_share``), shape (m,)
    rules : the thresholds (:class:`ClassifyRules`)
    """
    samples, corridor_tolerance_m, max_bearing_diff_deg = rules.samples, rules.corridor_tolerance_m, rules.max_bearing_diff_deg
    min_built_up_share = rules.min_built_up_share
    m = len(ux)
    is_express = np.zeros(m, dtype=bool)
    edge_bearing = _bearing_deg(vx - ux, vy - uy)
    ts = np.linspace(0.0, 1.0, samples)
    for line in corridors:
        ok = np.ones(m, dtype=bool)
        for t in ts:
            px = ux + t * (vx - ux)
            py = uy + t * (vy - uy)
            dist, seg_bearing = nearest_on_polyline(px, py, line)
            ok &= dist <= corridor_tolerance_m
            ok &= _angle_diff_deg(edge_bearing, seg_bearing) <= max_bearing_diff_deg
        is_express |= ok
    is_urban = np.asarray(built_up, dtype=float) >= min_built_up_share
    out = np.where(is_express, "expressway", np.where(is_urban, "urban_arterial", "rural_highway"))
    return [str(c) for c in out]
