"""Classify untagged skeleton edges (expressway / urban arterial / rural highway).

The embedded skeleton (``scgraph-data`` world_highways) carries no OSM tags, so each straight
segment gets a class from geometry alone, in this order:

1. ``expressway`` when the segment runs along a curated expressway corridor
   (``data/expressway_corridors.csv``): every sample point along it lies within
   ``corridor_tolerance_m`` of the same corridor polyline and its bearing is within
   ``max_bearing_diff_deg`` of the corridor's local bearing (so crossing arterials are not caught).
2. ``urban_arterial`` when its midpoint lies inside a city's urban core
   (a disc of ``urban_radius_km`` around the centre, in ``data/centres.csv``).
3. ``rural_highway`` otherwise.

All inputs are metric (UTM 49N) arrays; the functions are pure and vectorised.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


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


def classify_edges(
    ux: FloatArray,
    uy: FloatArray,
    vx: FloatArray,
    vy: FloatArray,
    *,
    corridors: list[FloatArray],
    centres_xy: FloatArray,
    urban_radius_m: FloatArray,
    corridor_tolerance_m: float = 1500.0,
    max_bearing_diff_deg: float = 30.0,
    samples: int = 5,
) -> list[str]:
    """Return a class per edge (see module docstring).

    Parameters
    ----------
    ux, uy, vx, vy : edge end coordinates (m), shape (m,)
    corridors : expressway polylines (m), each shape (k, 2)
    centres_xy : city centres (m), shape (c, 2)
    urban_radius_m : urban core radius per centre (m), shape (c,)
    """
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
    mx = (ux + vx) / 2.0
    my = (uy + vy) / 2.0
    dc = np.hypot(mx[:, None] - centres_xy[None, :, 0], my[:, None] - centres_xy[None, :, 1])
    is_urban = (dc <= urban_radius_m[None, :]).any(axis=1)
    out = np.where(is_express, "expressway", np.where(is_urban, "urban_arterial", "rural_highway"))
    return [str(c) for c in out]
