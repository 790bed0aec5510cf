"""Named trunk roads driven end to end (``data/corridors.csv``): the one ``corridor_end_to_end`` measure.

A corridor has published end points and length and, in ``via``, waypoints along the named road
("lon lat; lon lat; ..." in order from ``from`` to ``to``; empty when the fastest car path between the
ends is the road itself, e.g. an expressway with no rival). "Driven end to end" means along the named
road: the car route passes the road node nearest each waypoint in order
(``network.routing.route.route_via``), even where another road between the ends is faster (the
芙蓉大道 and 洞株路 before their 2020 upgrades, when the free route took the G0401, G4 and G60
expressways). Terminal (parking) legs are not part of a timed drive and are left out.

The claims audit (``definitions.corridor_end_to_end``) and the observed-times validation
(``observed.measure`` for ``corridor_end_to_end`` rows) both time corridors here. An observed row is
the corridor whose two end points each lie within ``MATCH_TOLERANCE_M`` of the row's (either
direction): each published end point is an estimate to about 1.5-2 km, so two estimates of one junction
can differ by up to about 3 km. A row matching no corridor is timed on the free car route.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from network._errors import DataError
from network.geo import STUDY_BBOX, to_metric
from network.model.graph import NetworkState
from network.paths import DATA_DIR
from network.routing.route import Route, route_via

MATCH_TOLERANCE_M: Final = 3000.0
"""An observed corridor row is a corridor of the table when both ends lie within this distance of the corridor's."""
EXCLUDED_LEGS: Final = ("terminal",)
"""Leg kinds left out of the corridor measure (parking/terminal time is not part of a timed drive)."""

LonLat = tuple[float, float]


@lru_cache(maxsize=4)
def load_corridors(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Named trunk roads with published end points, lengths and waypoints (``data/corridors.csv``)."""
    path = data_dir / "corridors.csv"
    if not path.exists():
        raise DataError(f"{path}: missing (corridor end points)")
    t = pd.read_csv(path, dtype={"via": str})
    for col in ("from_lon", "from_lat", "to_lon", "to_lat"):
        v = pd.to_numeric(t[col], errors="coerce")
        x0, y0, x1, y1 = STUDY_BBOX
        lo, hi = (x0, x1) if col.endswith("lon") else (y0, y1)
        bad = ~v.between(lo, hi)
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}:{k + 2}: field '{col}': got {t[col].iloc[k]!r}, expected degrees in {lo}..{hi} (WGS-84)")
        t[col] = v
    t["via"] = t["via"].fillna("") if "via" in t.columns else ""
    for k, text in enumerate(t["via"].astype(str)):
        parse_via(text, where=f"{path}:{k + 2}: field 'via'")
    return t


def parse_via(text: str, *, where: str = "via") -> list[LonLat]:
    """Waypoints from ``"lon lat; lon lat"`` (empty: none); a bad one is named with ``where``."""
    out: list[LonLat] = []
    for part in (p.strip() for p in str(text).split(";")):
        if not part:
            continue
        bits = part.split()
        try:
            lon, lat = (float(b) for b in bits)
        except ValueError:
            raise DataError(f"{where}: got {part!r}; expected 'lon lat' pairs in degrees separated by ';'") from None
        if not (111.8 <= lon <= 114.4 and 26.9 <= lat <= 28.9):
            raise DataError(f"{where}: got {part!r}; expected lon in 111.8..114.4 and lat in 26.9..28.9 (WGS-84)")
        out.append((lon, lat))
    return out


def corridor_via(row: Mapping[Hashable, Any]) -> list[LonLat]:
    """The waypoints of one corridor row of :func:`load_corridors`."""
    return parse_via(str(row.get("via", "") or ""))


def matching_corridor(from_lonlat: LonLat, to_lonlat: LonLat, corridors: pd.DataFrame) -> tuple[str, list[LonLat]] | None:
    """The corridor whose ends both lie within ``MATCH_TOLERANCE_M`` of ``from_lonlat`` and ``to_lonlat``
    (closest first; either direction, the waypoints then reversed): ``(corridor_id, waypoints)``, or None."""
    tf = to_metric()
    fx, fy = tf.transform(from_lonlat[0], from_lonlat[1])
    tx, ty = tf.transform(to_lonlat[0], to_lonlat[1])
    best: tuple[float, str, list[LonLat]] | None = None
    for r in corridors.to_dict(orient="records"):
        ax, ay = tf.transform(float(r["from_lon"]), float(r["from_lat"]))
        bx, by = tf.transform(float(r["to_lon"]), float(r["to_lat"]))
        via = corridor_via(r)
        for (d1, d2), pts in (
            ((np.hypot(fx - ax, fy - ay), np.hypot(tx - bx, ty - by)), via),
            ((np.hypot(fx - bx, fy - by), np.hypot(tx - ax, ty - ay)), via[::-1]),
        ):
            if max(d1, d2) <= MATCH_TOLERANCE_M and (best is None or d1 + d2 < best[0]):
                best = (float(d1 + d2), str(r["corridor_id"]), pts)
    return None if best is None else (best[1], best[2])


def drive_corridor(state: NetworkState, from_lonlat: LonLat, via: list[LonLat], to_lonlat: LonLat) -> tuple[float, Route]:
    """Minutes driving the corridor end to end (terminal legs excluded) and the route through ``via``."""
    r = route_via(state, from_lonlat, via, to_lonlat)
    return sum(leg.minutes for leg in r.legs if leg.kind not in EXCLUDED_LEGS), r
