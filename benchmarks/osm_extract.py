"""A seeded synthetic OpenStreetMap extract of the whole study area, written as .osm.pbf with pyosmium.

Not a lattice: the structure of a Chinese city region as OSM maps it, so the OSM pipeline meets what a
real Hunan extract holds (the real one needs internet, which this machine does not have):

- expressways (``motorway``, ``ref`` G4/G60/G0401/S21/…, ``maxspeed=120``) as two separate one-way
  carriageways ~30 m apart on curvy alignments with shape nodes every ~60 m, crossing other roads on
  bridges (no shared node), joined to them by diamond interchanges (``motorway_link`` ramps, one way,
  curved), and to each other by directional ramps;
- the three city cores (长沙, 株洲, 湘潭 at their urban radii): street grids rotated per city, with
  ``primary`` boulevards as dual carriageways (two one-way ways ~20 m apart, signalised crossings),
  ``secondary``/``tertiary`` streets, ``residential`` blocks with missing links and dead ends;
  Changsha also gets an elevated ``trunk`` ring (dual carriageway) with ``trunk_link`` ramps;
- rural roads: towns linked by a planar (Delaunay) network of ``primary``/``secondary``/``tertiary``
  roads with curves, roundabouts (``junction=roundabout``) at some junctions, small town grids;
- villages: ``unclassified`` lanes winding to the nearest road with many shape nodes, short
  ``residential`` branches, plus ``service``/``track``/``footway`` ways the drive filter must drop;
- tags: ``name`` (generated Chinese-style names), ``ref``, ``oneway``, ``lanes``, ``bridge``,
  ``maxspeed`` on some roads, ``highway=traffic_signals`` nodes; some ``access=private`` ways.

``python benchmarks/osm_extract.py out.osm.pbf [--seed 15] [--scale 1.0]`` writes the file and prints
its size; the default covers the study area's bounding box with ≥ 600,000 raw nodes. ``scale`` < 1
thins the rural parts (for tests); the same seed and scale give the same file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import Delaunay, cKDTree

from network.geo import to_lonlat, to_metric

ROOT = Path(__file__).resolve().parent.parent
BBOX = (111.85, 27.17, 114.30, 28.70)
"""lon/lat box generated: a little larger than the study area's (111.88-114.27, 27.20-28.67), so the
build has to clip to the study-area polygon."""
CITIES = {"changsha": (112.9708, 28.1988, 10.0), "zhuzhou": (113.1450, 27.8330, 6.0), "xiangtan": (112.9260, 27.8570, 6.0)}
TO_M = to_metric()
TO_LL = to_lonlat()
CITY_EXTENT = 1.3
"""City grids reach this multiple of the urban-core radius (suburbs beyond the core)."""
OUTSIDE_DENSITY = 0.3
"""Towns and villages beyond the study area are this much sparser than inside it."""
SURNAMES = "长湘株潭岳麓芙蓉雨花天心开福望城浏阳宁乡韶山醴陵攸茶炎荷塘芦淞石峰云龙昭山九华"
SUFFIX = ["路", "街", "大道", "巷", "东路", "西路", "南路", "北路"]


@dataclass
class Road:
    """A polyline of node ids with positions (m); nodes can be inserted where other roads join."""

    nodes: list[int]
    tags: dict[str, str]
    split_m: float = 1500.0
    """Ways are cut into pieces about this long (OSM ways are split often)."""


@dataclass
class Builder:
    rng: np.random.Generator
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    signals: set[int] = field(default_factory=set)
    roads: list[Road] = field(default_factory=list)

    def node(self, x: float, y: float) -> int:
        self.x.append(float(x))
        self.y.append(float(y))
        return len(self.x) - 1

    def nodes(self, xy: npt.NDArray[np.float64]) -> list[int]:
        start = len(self.x)
        self.x.extend(xy[:, 0].tolist())
        self.y.extend(xy[:, 1].tolist())
        return list(range(start, start + len(xy)))

    def road(self, ids: list[int], split_m: float = 1500.0, **tags: str) -> Road:
        r = Road(ids, {k: v for k, v in tags.items() if v != ""}, split_m)
        self.roads.append(r)
        return r

    def name(self) -> str:
        a, b = self.rng.choice(list(SURNAMES), 2)
        return f"{a}{b}{self.rng.choice(SUFFIX)}"

    def xy(self, ids: list[int]) -> npt.NDArray[np.float64]:
        return np.array([[self.x[i], self.y[i]] for i in ids], dtype=float).reshape(-1, 2)

    def insert(self, road: Road, px: float, py: float, snap_m: float = 8.0) -> int:
        """A node of ``road`` at the point of the road nearest to (px, py): an existing node within
        ``snap_m`` or a new node inserted into the polyline."""
        xy = np.column_stack([[self.x[i] for i in road.nodes], [self.y[i] for i in road.nodes]])
        a, b = xy[:-1], xy[1:]
        ab = b - a
        t = np.clip(np.einsum("ij,ij->i", np.array([px, py]) - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-9), 0, 1)
        proj = a + ab * t[:, None]
        k = int(np.argmin(np.hypot(proj[:, 0] - px, proj[:, 1] - py)))
        q = proj[k]
        for cand in (k, k + 1):
            if math.hypot(xy[cand, 0] - q[0], xy[cand, 1] - q[1]) <= snap_m:
                return road.nodes[cand]
        nid = self.node(q[0], q[1])
        road.nodes.insert(k + 1, nid)
        return nid


def curve(
    a: npt.ArrayLike, b: npt.ArrayLike, rng: np.random.Generator, *, step_m: float, wiggle: float, n_ctrl: int = 4
) -> npt.NDArray[np.float64]:
    """Points from a to b (inclusive) every ~step_m along a smooth curve bending sideways by up to
    ``wiggle`` × length (random control offsets, cubic interpolation)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = b - a
    length = float(np.hypot(*d))
    if length < 1e-6:
        return np.array([a, b])
    nrm = np.array([-d[1], d[0]]) / length
    tc = np.linspace(0, 1, n_ctrl + 2)
    off = np.concatenate([[0.0], rng.normal(0, wiggle * length / 2, n_ctrl), [0.0]])
    n_pts = max(2, int(length * (1 + 2 * wiggle) / step_m) + 1)
    t = np.linspace(0, 1, n_pts)
    from scipy.interpolate import CubicSpline

    o = CubicSpline(tc, off, bc_type="natural")(t)
    return a + np.outer(t, d) + np.outer(o, nrm)


def offset_line(xy: npt.NDArray[np.float64], dist: float) -> npt.NDArray[np.float64]:
    """The polyline shifted ``dist`` m to its right (per-vertex normals)."""
    d = np.gradient(xy, axis=0)
    n = np.column_stack([d[:, 1], -d[:, 0]]) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    return xy + n * dist


def to_m(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_M.transform(lon, lat)
    return float(x), float(y)


# --------------------------------------------------------------------------------------------------
# city grids
# --------------------------------------------------------------------------------------------------


def city_grid(
    bld: Builder, cx: float, cy: float, radius_m: float, spacing_m: float, rotation: float, *, dual_every: int, town: bool = False
) -> list[int]:
    """A rotated street grid over a (ragged) disc; returns the ids of its boundary-ish primary nodes."""
    rng = bld.rng
    k_max = int(radius_m / spacing_m) + 1
    ks = np.arange(-k_max, k_max + 1)
    cos, sin = math.cos(rotation), math.sin(rotation)

    # per line: class and track offsets (dual carriageway: two tracks)
    def line_class(k: int) -> str:
        if k % dual_every == 0 and not town:
            return "primary"
        if k % 4 == 0:
            return "secondary" if not town else "tertiary"
        if k % 2 == 0 and not town:
            return "tertiary"
        return "residential"

    cls = {int(k): line_class(int(k)) for k in ks}
    tracks = {k: ((-10.0, 10.0) if c == "primary" else (0.0,)) for k, c in cls.items()}
    jit_h = {int(k): rng.normal(0, spacing_m * 0.06) for k in ks}
    jit_v = {int(k): rng.normal(0, spacing_m * 0.06) for k in ks}
    edge_r = radius_m * (1 + 0.12 * np.sin(np.linspace(0, 2 * np.pi, 13)[:-1] * 1 + rng.uniform(0, 6)))

    def inside(u: float, v: float) -> bool:
        ang = (math.atan2(v, u) % (2 * math.pi)) / (2 * math.pi) * 12
        return math.hypot(u, v) <= float(edge_r[int(ang) % 12])

    node_at: dict[tuple[int, int, int, int], int] = {}

    def crossing(i: int, ti: int, j: int, tj: int) -> int | None:
        key = (i, ti, j, tj)
        if key in node_at:
            return node_at[key]
        u = j * spacing_m + jit_v[j] + tracks[j][tj]
        v = i * spacing_m + jit_h[i] + tracks[i][ti]
        if not inside(u, v):
            return None
        x = cx + u * cos - v * sin
        y = cy + u * sin + v * cos
        nid = bld.node(x, y)
        node_at[key] = nid
        ci, cj = cls[i], cls[j]
        if (ci == "primary" and cj in {"primary", "secondary"}) or (cj == "primary" and ci == "secondary"):
            bld.signals.add(nid)
        return nid

    gates: list[int] = []
    dual_ends: dict[tuple[bool, int], dict[int, list[int]]] = {}
    names = {("h", int(k)): bld.name() for k in ks} | {("v", int(k)): bld.name() for k in ks}
    for horizontal in (True, False):
        for i in ks:
            i = int(i)
            c = cls[i]
            for ti, _ in enumerate(tracks[i]):
                seq: list[int | None] = []
                for j in ks:
                    j = int(j)
                    for tj in range(len(tracks[j])):
                        seq.append(crossing(i, ti, j, tj) if horizontal else crossing(j, tj, i, ti))
                # runs of consecutive inside crossings; residential blocks sometimes missing
                runs: list[list[int]] = []
                cur: list[int] = []
                for nid in seq:
                    drop = c == "residential" and rng.random() < 0.12
                    if nid is None or drop:
                        if len(cur) >= 2:
                            runs.append(cur)
                        cur = [] if nid is None else [nid]
                        continue
                    cur.append(nid)
                if len(cur) >= 2:
                    runs.append(cur)
                for run in runs:
                    ids = _with_shape_nodes(bld, run, step_m=45.0 if c == "residential" else 70.0, jitter_m=1.5)
                    one = len(tracks[i]) == 2
                    if one and ti == 0:
                        ids = ids[::-1]
                    tags = {"highway": c, "name": names[("h" if horizontal else "v", i)]}
                    if one:
                        tags |= {"oneway": "yes", "lanes": "3"}
                    elif c in {"secondary", "tertiary"}:
                        tags["lanes"] = "2"
                    if c == "residential" and rng.random() < 0.03:
                        tags["highway"] = "living_street"
                    if c == "primary" and rng.random() < 0.3:
                        tags["maxspeed"] = "60"
                    bld.road(ids, split_m=400.0, **tags)
                    if c == "primary":
                        gates += [run[0], run[-1]]
                    elif town and c == "tertiary":
                        gates += run
                    if one:
                        dual_ends.setdefault((horizontal, i), {}).setdefault(ti, []).extend([run[0], run[-1]])
    # a dual carriageway's two one-way tracks are joined where they end (no one-way dead ends)
    for tracks_ends in dual_ends.values():
        a_ends, b_ends = tracks_ends.get(0, []), tracks_ends.get(1, [])
        if not a_ends or not b_ends:
            continue
        bxy = bld.xy(b_ends)
        for a in a_ends:
            d = np.hypot(bxy[:, 0] - bld.x[a], bxy[:, 1] - bld.y[a])
            k = int(np.argmin(d))
            if d[k] < 80:
                bld.road([a, b_ends[k]], split_m=1e9, highway="primary")
    return gates


def _with_shape_nodes(bld: Builder, ids: list[int], *, step_m: float, jitter_m: float) -> list[int]:
    out = [ids[0]]
    for a, b in zip(ids[:-1], ids[1:]):
        pa = np.array([bld.x[a], bld.y[a]])
        pb = np.array([bld.x[b], bld.y[b]])
        n_mid = int(np.hypot(*(pb - pa)) // step_m)
        if n_mid > 0:
            t = np.linspace(0, 1, n_mid + 2)[1:-1]
            mid = pa + np.outer(t, pb - pa) + bld.rng.normal(0, jitter_m, (n_mid, 2))
            out += bld.nodes(mid)
        out.append(b)
    return out


# --------------------------------------------------------------------------------------------------
# expressways and interchanges
# --------------------------------------------------------------------------------------------------

MOTORWAYS = [
    ("G4", "京港澳高速", [(112.99, 28.72), (113.06, 28.40), (113.09, 28.10), (113.17, 27.86), (113.25, 27.55), (113.30, 27.15)]),
    ("G60", "沪昆高速", [(114.32, 27.65), (113.80, 27.70), (113.30, 27.78), (113.00, 27.80), (112.60, 27.78), (111.83, 27.70)]),
    ("G5513", "长张高速", [(112.93, 28.25), (112.60, 28.35), (112.20, 28.45), (111.83, 28.52)]),
    ("G0401", "长沙绕城高速", None),
    ("S21", "长株高速", [(113.02, 28.10), (113.10, 27.98), (113.13, 27.88)]),
    ("S41", "长潭西高速", [(112.90, 28.15), (112.88, 28.00), (112.90, 27.87)]),
    ("G0421", "许广高速", [(113.10, 28.72), (113.20, 28.40), (113.45, 28.00), (113.60, 27.60), (113.75, 27.15)]),
    ("S50", "长浏高速", [(113.05, 28.20), (113.40, 28.16), (113.65, 28.15), (114.32, 28.15)]),
]


def motorways(bld: Builder, bbox: tuple[float, float, float, float] = BBOX) -> list[tuple[npt.NDArray[np.float64], Road, Road, str]]:
    out = []
    rng = bld.rng
    for ref, name, pts in MOTORWAYS:
        if pts is None:  # the ring around Changsha, radius ~18 km
            cx, cy = to_m(*CITIES["changsha"][:2])
            ang = np.linspace(0, 2 * np.pi, 400)
            r = 18000 + 1500 * np.sin(3 * ang + 1.0)
            center = np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])
        else:
            ctrl = np.array([to_m(*p) for p in pts])
            parts = [curve(a, b, rng, step_m=60.0, wiggle=0.04, n_ctrl=3)[:-1] for a, b in zip(ctrl[:-1], ctrl[1:])]
            center = np.vstack([*parts, ctrl[-1:]])
        if bbox != BBOX:  # a smaller region: the longest piece inside it
            from shapely.geometry import LineString, box

            piece = LineString(center).intersection(box(*to_m(bbox[0], bbox[1]), *to_m(bbox[2], bbox[3])))
            pieces = [g for g in getattr(piece, "geoms", [piece]) if g.geom_type == "LineString" and not g.is_empty]
            if not pieces:
                continue
            center = np.asarray(max(pieces, key=lambda g: g.length).coords)
            if len(center) < 3:
                continue
        fwd = offset_line(center, 15.0)
        bwd = offset_line(center, -15.0)[::-1]
        tags = {"highway": "motorway", "name": name, "ref": ref, "oneway": "yes", "lanes": "3", "maxspeed": "120"}
        ra = bld.road(bld.nodes(fwd), split_m=2000.0, **tags)
        rb = bld.road(bld.nodes(bwd), split_m=2000.0, **tags)
        if pts is None and bbox == BBOX:  # close the ring
            ra.nodes.append(ra.nodes[0])
            rb.nodes.append(rb.nodes[0])
        out.append((center, ra, rb, ref))
    return out


def _ramp(bld: Builder, a_id: int, b_id: int, highway: str, bend: float) -> None:
    a = np.array([bld.x[a_id], bld.y[a_id]])
    b = np.array([bld.x[b_id], bld.y[b_id]])
    pts = curve(a, b, bld.rng, step_m=25.0, wiggle=bend, n_ctrl=2)
    ids = [a_id, *bld.nodes(pts[1:-1]), b_id]
    bld.road(ids, split_m=5000.0, highway=highway, oneway="yes", lanes="1")


def _arc_point(center: npt.NDArray[np.float64], s_m: float) -> npt.NDArray[np.float64]:
    seg = np.hypot(*np.diff(center, axis=0).T)
    cum = np.concatenate([[0], np.cumsum(seg)])
    s = float(np.clip(s_m, 0, cum[-1]))
    k = int(np.clip(np.searchsorted(cum, s) - 1, 0, len(seg) - 1))
    t = (s - cum[k]) / max(seg[k], 1e-9)
    return center[k] + t * (center[k + 1] - center[k])


def interchanges(bld: Builder, mways: list[tuple[npt.NDArray[np.float64], Road, Road, str]], others: list[Road]) -> int:
    """Diamond interchanges where an expressway crosses a trunk/primary/secondary road (≥ 4 km apart along
    it), and directional ramps where two expressways cross. Returns the number of interchanges."""
    from shapely.geometry import LineString

    count = 0
    lines = {id(r): LineString(bld.xy(r.nodes)) for r in others}
    for center, ra, rb, _ref in mways:
        mline = LineString(center)
        last_s = -1e9
        hits = []
        for r in others:
            inter = mline.intersection(lines[id(r)])
            for p in getattr(inter, "geoms", [inter]):
                if p.is_empty or p.geom_type != "Point":
                    continue
                hits.append((mline.project(p), p, r))
        for s, p, r in sorted(hits, key=lambda h: h[0]):
            if s - last_s < 4000 or s < 800 or s > mline.length - 800:
                continue
            last_s = s
            count += 1
            d = _arc_point(center, s + 1) - _arc_point(center, s - 1)
            d = d / max(np.hypot(*d), 1e-9)
            right = np.array([d[1], -d[0]])
            px, py = p.x, p.y
            rl = lines[id(r)]
            sr = rl.project(p)
            q1 = np.array(rl.interpolate(max(sr - 180, 0)).coords[0])
            q2 = np.array(rl.interpolate(min(sr + 180, rl.length)).coords[0])
            right_pt, left_pt = (q1, q2) if np.dot(q1 - [px, py], right) > 0 else (q2, q1)
            n_right = bld.insert(r, *right_pt)
            n_left = bld.insert(r, *left_pt)
            # carriageway A (right side, forward): off before, on after; B (left side, backward) the other way
            a_off = bld.insert(ra, *(_arc_point(center, s - 500) + right * 15))
            a_on = bld.insert(ra, *(_arc_point(center, s + 500) + right * 15))
            b_off = bld.insert(rb, *(_arc_point(center, s + 500) - right * 15))
            b_on = bld.insert(rb, *(_arc_point(center, s - 500) - right * 15))
            _ramp(bld, a_off, n_right, "motorway_link", 0.15)
            _ramp(bld, n_right, a_on, "motorway_link", 0.15)
            _ramp(bld, b_off, n_left, "motorway_link", 0.15)
            _ramp(bld, n_left, b_on, "motorway_link", 0.15)
            lines[id(r)] = LineString(bld.xy(r.nodes))
    # expressway x expressway: every carriageway before the crossing to both carriageways of the other after it
    for i in range(len(mways)):
        for j in range(i + 1, len(mways)):
            c1, a1, b1, _ = mways[i]
            c2, a2, b2, _ = mways[j]
            l1, l2 = LineString(c1), LineString(c2)
            inter = l1.intersection(l2)
            for p in getattr(inter, "geoms", [inter]):
                if p.is_empty or p.geom_type != "Point":
                    continue
                s1, s2 = l1.project(p), l2.project(p)
                if min(s1, s2) < 1200 or s1 > l1.length - 1200 or s2 > l2.length - 1200:
                    continue
                count += 1
                ends = []
                for center, ra, rb, s in ((c1, a1, b1, s1), (c2, a2, b2, s2)):
                    d = _arc_point(center, s + 1) - _arc_point(center, s - 1)
                    right = np.array([d[1], -d[0]]) / max(np.hypot(*d), 1e-9)
                    ends.append(
                        {
                            "in": [
                                bld.insert(ra, *(_arc_point(center, s - 900) + right * 15)),
                                bld.insert(rb, *(_arc_point(center, s + 900) - right * 15)),
                            ],
                            "out": [
                                bld.insert(ra, *(_arc_point(center, s + 900) + right * 15)),
                                bld.insert(rb, *(_arc_point(center, s - 900) - right * 15)),
                            ],
                        }
                    )
                for src, dst in ((ends[0], ends[1]), (ends[1], ends[0])):
                    for a in src["in"]:
                        for b in dst["out"]:
                            _ramp(bld, a, b, "motorway_link", 0.25)
    return count


# --------------------------------------------------------------------------------------------------
# rural network, towns, villages
# --------------------------------------------------------------------------------------------------


def rural(
    bld: Builder, scale: float, city_gates: list[int], bbox: tuple[float, float, float, float] = BBOX, city_extent: float = CITY_EXTENT
) -> tuple[list[Road], int]:
    """Towns on a planar road network (primary/secondary/tertiary), roundabouts, town grids, villages."""
    rng = bld.rng
    x0, y0 = to_m(bbox[0], bbox[1])
    x1, y1 = to_m(bbox[2], bbox[3])
    share = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) / ((BBOX[2] - BBOX[0]) * (BBOX[3] - BBOX[1]))
    centres = [to_m(lon, lat) + (r * 1000,) for lon, lat, r in CITIES.values()]

    def in_city(x: float, y: float, margin: float = 0.0) -> bool:
        return any(math.hypot(x - cx, y - cy) < r * city_extent + margin for cx, cy, r in centres)

    area = _study_area_m()

    def wanted(x: float, y: float) -> bool:
        # denser inside the study area, thinner beyond it (the extract is larger than the area)
        return bool(shapely.intersects_xy(area, x, y)) or rng.random() < OUTSIDE_DENSITY

    n_towns = max(3, int(260 * scale * share))
    towns = []
    while len(towns) < n_towns:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if not in_city(x, y, 1500) and wanted(x, y):
            towns.append((x, y))
    gate_xy = bld.xy(city_gates)
    pts = np.vstack([np.array(towns), gate_xy]) if len(gate_xy) else np.array(towns)
    n_t = len(towns)
    tri = Delaunay(pts)
    edges = set()
    for s in tri.simplices:
        for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
            edges.add((min(a, b), max(a, b)))
    # drop long links and links between two gates (inside the city grid already)
    kept = []
    for a, b in sorted(edges):
        length = float(np.hypot(*(pts[a] - pts[b])))
        mid = (pts[a] + pts[b]) / 2
        if a >= n_t and b >= n_t:
            continue
        if length > 22000 or in_city(*mid, -500):
            continue
        kept.append((a, b, length))
    # every city joins the rural network at least twice (its two gates nearest to any town)
    if len(pts) > n_t and n_t:
        city_of_gate = np.argmin([[math.hypot(gx - cx, gy - cy) for cx, cy, _ in centres] for gx, gy in pts[n_t:]], axis=1)
        linked = {int(city_of_gate[b - n_t]) for a, b, _ in kept if b >= n_t}
        town_tree = cKDTree(pts[:n_t])
        for c in set(city_of_gate.tolist()) - linked:
            gates_c = np.flatnonzero(city_of_gate == c) + n_t
            d, j = town_tree.query(pts[gates_c])
            for g in gates_c[np.argsort(d)[:2]]:
                kept.append((int(j[np.flatnonzero(gates_c == g)[0]]), int(g), float(d[np.flatnonzero(gates_c == g)[0]])))
    # junction nodes: towns (maybe a roundabout), gates (existing grid nodes)
    deg = np.zeros(len(pts), int)
    for a, b, _ in kept:
        deg[a] += 1
        deg[b] += 1
    roundabout: dict[int, tuple[npt.NDArray[np.float64], list[int]]] = {}
    point_node: dict[int, int] = {}
    n_round = 0
    for k in range(len(pts)):
        if k >= n_t:
            point_node[k] = city_gates[k - n_t]
        elif deg[k] >= 3 and rng.random() < 0.3:
            r = rng.uniform(18, 35)
            ang = np.linspace(0, 2 * np.pi, 13)[:-1]
            ring = bld.nodes(np.column_stack([pts[k, 0] + r * np.cos(ang), pts[k, 1] + r * np.sin(ang)]))
            bld.road([*ring, ring[0]], split_m=1e9, highway="tertiary", junction="roundabout", name=f"{bld.name()[:2]}环岛")
            roundabout[k] = (np.column_stack([pts[k, 0] + r * np.cos(ang), pts[k, 1] + r * np.sin(ang)]), ring)
            n_round += 1
        else:
            point_node[k] = bld.node(*pts[k])
            if deg[k] >= 4:
                bld.signals.add(point_node[k])

    def end_node(k: int, toward: npt.NDArray[np.float64]) -> int:
        if k in roundabout:
            ring_xy, ring = roundabout[k]
            return ring[int(np.argmin(np.hypot(*(ring_xy - toward).T)))]
        return point_node[k]

    roads: list[Road] = []
    for a, b, length in kept:
        cls = "primary" if length > 14000 else ("secondary" if length > 8000 else "tertiary")
        if rng.random() < 0.12:
            cls = "trunk" if cls == "primary" else cls
        pts_ab = curve(pts[a], pts[b], rng, step_m=55.0 if cls != "tertiary" else 40.0, wiggle=0.06, n_ctrl=5)
        na = end_node(a, pts_ab[min(3, len(pts_ab) - 1)])
        nb = end_node(b, pts_ab[max(-4, -len(pts_ab))])
        ids = [na, *bld.nodes(pts_ab[1:-1]), nb]
        tags = {"highway": cls, "name": bld.name()}
        if cls in {"trunk", "primary"}:
            tags["ref"] = f"{'G' if cls == 'trunk' else 'S'}{rng.integers(100, 400)}"
            tags["lanes"] = "4" if cls == "trunk" else "2"
        if rng.random() < 0.05:
            tags["maxspeed"] = "80" if cls in {"trunk", "primary"} else "60"
        roads.append(bld.road(ids, split_m=1200.0, **tags))
    # town grids at half the towns
    for k in range(n_t):
        if k in roundabout or rng.random() < 0.2:
            continue
        r = rng.uniform(600, 1800)
        grid_nodes = city_grid(bld, pts[k, 0], pts[k, 1], r, rng.uniform(120, 200), rng.uniform(0, np.pi / 2), dual_every=99, town=True)
        if grid_nodes:
            gxy = bld.xy(grid_nodes)
            g = grid_nodes[int(np.argmin(np.hypot(*(gxy - pts[k]).T)))]
            _link(bld, point_node[k], g, "tertiary")
    print(f"  rural roads + town grids: {len(bld.x):,} nodes so far", file=sys.stderr)
    # villages: a winding lane to the nearest road node, a few residential branches, non-drive ways
    road_ids = np.array(sorted({n for r in roads for n in r.nodes}))
    tree = cKDTree(bld.xy(road_ids.tolist()))
    n_vill = int(3800 * scale * share)
    for _ in range(n_vill):
        vx, vy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if in_city(vx, vy) or not wanted(vx, vy):
            continue
        _, j = tree.query((vx, vy))
        target = int(road_ids[j])
        hub = bld.node(vx, vy)
        lane = curve(np.array([vx, vy]), np.array([bld.x[target], bld.y[target]]), rng, step_m=32.0, wiggle=0.12, n_ctrl=4)
        bld.road(
            [hub, *bld.nodes(lane[1:-1]), target], split_m=3000.0, highway="unclassified", name=bld.name() if rng.random() < 0.3 else ""
        )
        for _b in range(int(rng.integers(2, 6))):
            ang = rng.uniform(0, 2 * np.pi)
            ln = rng.uniform(80, 350)
            end = np.array([vx + ln * math.cos(ang), vy + ln * math.sin(ang)])
            br = curve(np.array([vx, vy]), end, rng, step_m=18.0, wiggle=0.1, n_ctrl=2)
            hw = "residential" if rng.random() < 0.8 else "service"
            tags = {"highway": hw}
            if hw == "residential" and rng.random() < 0.05:
                tags["access"] = "private"
            bld.road([hub, *bld.nodes(br[1:])], split_m=1e9, **tags)
        if rng.random() < 0.5:
            end = np.array([vx + rng.normal(0, 400), vy + rng.normal(0, 400)])
            tr = curve(np.array([vx, vy]), end, rng, step_m=20.0, wiggle=0.2, n_ctrl=3)
            bld.road([hub, *bld.nodes(tr[1:])], split_m=1e9, highway=str(rng.choice(["track", "footway", "path"])))
    return roads, n_round


def _study_area_m() -> object:
    from network.sources.osm_area import study_area_polygon

    area = shapely.transform(study_area_polygon(), lambda c: np.column_stack(TO_M.transform(c[:, 0], c[:, 1])))
    shapely.prepare(area)
    return area


def _link(bld: Builder, a: int, b: int, highway: str) -> None:
    pts = curve(np.array([bld.x[a], bld.y[a]]), np.array([bld.x[b], bld.y[b]]), bld.rng, step_m=40.0, wiggle=0.05, n_ctrl=2)
    bld.road([a, *bld.nodes(pts[1:-1]), b], split_m=3000.0, highway=highway, name=bld.name())


def changsha_ring(bld: Builder, grid_primary: list[Road]) -> tuple[list[Road], int]:
    """An elevated trunk ring (dual carriageway, bridge) at ~7.5 km around Changsha, with trunk_link ramps
    down to the primary boulevards it crosses."""
    cx, cy = to_m(*CITIES["changsha"][:2])
    ang = np.linspace(0, 2 * np.pi, 700)
    r = 7500 + 400 * np.sin(2 * ang)
    center = np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])
    tags = {"highway": "trunk", "name": "三环线", "oneway": "yes", "bridge": "yes", "lanes": "3"}
    ra = bld.road(bld.nodes(offset_line(center, 12.0)), split_m=2000.0, **tags)
    rb = bld.road(bld.nodes(offset_line(center, -12.0)[::-1]), split_m=2000.0, **tags)
    ra.nodes.append(ra.nodes[0])
    rb.nodes.append(rb.nodes[0])
    from shapely.geometry import LineString

    ring_line = LineString(center)
    n = 0
    for road in grid_primary:
        line = LineString(bld.xy(road.nodes))
        inter = ring_line.intersection(line)
        for p in getattr(inter, "geoms", [inter]):
            if p.is_empty or p.geom_type != "Point":
                continue
            s = ring_line.project(p)
            d = _arc_point(center, s + 1) - _arc_point(center, s - 1)
            right = np.array([d[1], -d[0]]) / max(np.hypot(*d), 1e-9)
            sr = line.project(p)
            q1 = np.array(line.interpolate(max(sr - 150, 0)).coords[0])
            q2 = np.array(line.interpolate(min(sr + 150, line.length)).coords[0])
            near_right, near_left = (q1, q2) if np.dot(q1 - [p.x, p.y], right) > 0 else (q2, q1)
            nr = bld.insert(road, *near_right)
            nl = bld.insert(road, *near_left)
            _ramp(bld, bld.insert(ra, *(_arc_point(center, s - 300) + right * 12)), nr, "trunk_link", 0.1)
            _ramp(bld, nr, bld.insert(ra, *(_arc_point(center, s + 300) + right * 12)), "trunk_link", 0.1)
            _ramp(bld, bld.insert(rb, *(_arc_point(center, s + 300) - right * 12)), nl, "trunk_link", 0.1)
            _ramp(bld, nl, bld.insert(rb, *(_arc_point(center, s - 300) - right * 12)), "trunk_link", 0.1)
            line = LineString(bld.xy(road.nodes))
            n += 1
    return [ra, rb], n


# --------------------------------------------------------------------------------------------------
# the extract
# --------------------------------------------------------------------------------------------------


def build_extract(
    seed: int = 15, scale: float = 1.0, *, bbox: tuple[float, float, float, float] = BBOX, city_extent: float = CITY_EXTENT
) -> tuple[Builder, dict[str, int]]:
    """Generate the synthetic region (see the module docstring). Returns the builder and counts.

    ``bbox`` (lon/lat) restricts the region (towns and villages scale with its area, expressways are cut
    to it); ``city_extent`` is the city grids' radius as a multiple of the urban-core radius.
    """
    bld = Builder(np.random.default_rng(seed))
    stage_nodes: dict[str, int] = {}
    gates: list[int] = []
    grid_roads_start = len(bld.roads)
    cities = {c: v for c, v in CITIES.items() if bbox[0] <= v[0] <= bbox[2] and bbox[1] <= v[1] <= bbox[3]}
    for city, (lon, lat, r_km) in cities.items():
        cx, cy = to_m(lon, lat)
        spacing = 160.0 if city == "changsha" else 150.0
        gates += city_grid(bld, cx, cy, r_km * 1000 * city_extent, spacing, bld.rng.uniform(-0.35, 0.35), dual_every=8)
    grid_roads = bld.roads[grid_roads_start:]
    stage_nodes["city_grids"] = len(bld.x)
    print(f"  city grids: {len(bld.x):,} nodes", file=sys.stderr)
    n_ring = 0
    if "changsha" in cities and city_extent >= 1.0:
        cs = to_m(*CITIES["changsha"][:2])
        cs_primary = [
            r for r in grid_roads if r.tags.get("highway") == "primary" and float(np.hypot(*(bld.xy(r.nodes) - cs).T).min()) < 9000
        ]
        _ring, n_ring = changsha_ring(bld, cs_primary)
    # gates: a subsample of the boulevards' ends, so rural roads join the grids there
    gates = sorted(set(gates))
    gates = [g for g in gates if bld.rng.random() < 0.5]
    stage_nodes["ring"] = len(bld.x) - sum(stage_nodes.values())
    rural_roads, n_round = rural(bld, scale, gates, bbox, city_extent)
    stage_nodes["rural"] = len(bld.x) - sum(stage_nodes.values())
    mways = motorways(bld, bbox)
    crossing = [r for r in rural_roads if r.tags.get("highway") in {"trunk", "primary", "secondary"}] + [
        r for r in grid_roads if r.tags.get("highway") == "primary"
    ]
    n_ic = interchanges(bld, mways, crossing)
    stage_nodes["expressways"] = len(bld.x) - sum(stage_nodes.values())
    counts = {
        "nodes": len(bld.x),
        **{f"nodes_{k}": v for k, v in stage_nodes.items()},
        "roads": len(bld.roads),
        "roundabouts": n_round,
        "interchanges": n_ic,
        "ring_interchanges": n_ring,
    }
    return bld, counts


def write_pbf(bld: Builder, path: Path) -> dict[str, int]:
    """Write the builder's nodes and ways (split into pieces of ~split_m) as .osm.pbf; returns counts."""
    import osmium
    from osmium.osm.mutable import Node, Way

    lon, lat = TO_LL.transform(np.asarray(bld.x), np.asarray(bld.y))
    lon = np.round(lon, 7)
    lat = np.round(lat, 7)
    ways: list[tuple[list[int], dict[str, str]]] = []
    xs, ys = np.asarray(bld.x), np.asarray(bld.y)
    for r in bld.roads:
        ids = r.nodes
        if len(ids) < 2:
            continue
        seg = np.hypot(np.diff(xs[ids]), np.diff(ys[ids]))
        cum = np.concatenate([[0], np.cumsum(seg)])
        n_pieces = max(1, int(cum[-1] // r.split_m) + (1 if cum[-1] % r.split_m > r.split_m / 3 else 0))
        cuts = [0] + [int(np.searchsorted(cum, cum[-1] * k / n_pieces)) for k in range(1, n_pieces)] + [len(ids) - 1]
        for a, b in zip(cuts[:-1], cuts[1:]):
            if b > a:
                ways.append((ids[a : b + 1], r.tags))
    used = np.zeros(len(xs), dtype=bool)
    for ids, _ in ways:
        used[ids] = True
    if path.exists():
        path.unlink()
    w = osmium.SimpleWriter(str(path), 1 << 24)
    try:
        for k in np.flatnonzero(used):
            tags = {"highway": "traffic_signals"} if int(k) in bld.signals else {}
            w.add_node(Node(id=int(k) + 1, location=(float(lon[k]), float(lat[k])), tags=tags, version=1))
        for wid, (ids, tags) in enumerate(ways, start=1):
            w.add_way(Way(id=wid, nodes=[i + 1 for i in ids], tags=tags, version=1))
    finally:
        w.close()
    return {"nodes_written": int(used.sum()), "ways_written": len(ways)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--scale", type=float, default=1.0, help="rural density factor (1 = the full extract)")
    ap.add_argument("--bbox", help="west,south,east,north: a smaller region (default: the whole study area and beyond)")
    ap.add_argument("--city-extent", type=float, default=CITY_EXTENT, help="city grid radius / urban-core radius")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    bbox = tuple(float(v) for v in args.bbox.split(",")) if args.bbox else BBOX
    bld, counts = build_extract(args.seed, args.scale, bbox=bbox, city_extent=args.city_extent)  # type: ignore[arg-type]
    counts |= write_pbf(bld, args.path)
    counts["bytes"] = args.path.stat().st_size
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
