"""Shortest paths over arrays: many origins at once, compiled, with cutoffs.

Array in, array out (the Pandana shape): points are snapped to their ``k`` nearest graph nodes with a
KD-tree in UTM 49N and an access time; a field is the minimum over those candidates.

Two compiled methods: scipy's multi-source Dijkstra (fields from a few origins to every node, with a
cutoff) and a contraction hierarchy (``network.routing.ch``, numba) for many-to-many matrices on large graphs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from network._errors import NetworkError
from network.model.area import area_type_codes, connector_kph, per_area
from network.model.graph import StateParams
from network.model.memo import Memo, array_key
from network.model.types import FloatArray, IntArray
from network.routing.dijkstra import clock_along_tree, csr_costs_between, csr_times_between
from network.routing.graphs import ModeGraph, RoadSamples, cost_weights, feeder_change_share

Method = Literal["auto", "ch", "dijkstra"]
K_CANDIDATES = 3
CH_MIN_SOURCES = 100
"""``method="auto"`` builds a contraction hierarchy for a matrix with at least CH_MIN_SOURCES distinct
sources and no cutoff (or uses one the graph already has). Measured on the 268,837-node benchmark graph
(``benchmarks/RESULTS.md``): a build takes 4.1-5.1 s across runs, as long as 100-120 Dijkstra runs
(41-42 ms each), after which a 300 × 300 matrix takes 0.013 s. On the 1,165-node embedded car graph the break-even is lower
(300 sources: 0.017 s by hierarchy, 0.033 s by Dijkstra); 100 is kept for both. With a cutoff, Dijkstra
only explores within it and stays the choice."""
MAX_SNAP_M = 25_000.0
"""A point farther than this from every road node is outside the network's reach (an error)."""


@dataclass(frozen=True)
class Snap:
    """Candidate nodes per point and the time to reach each (s) from the point (``access_s``) and from
    each to the point (``egress_s``). ``terminal_s`` is the car terminal time per point (parking and
    walking, by area type; zero for transit), included in both.

    ``access_gen_s`` / ``egress_gen_s``: the same connectors in generalized seconds (transit: walking and
    waiting weighted, see ``network.routing.graphs.CostWeights``), what a candidate is chosen by; ``None``
    when equal to the clock times (car)."""

    nodes: IntArray  # (m, k): each point's candidates first (``used``), the other columns repeat its first
    access_s: FloatArray  # (m, k)
    egress_s: FloatArray  # (m, k)
    terminal_s: FloatArray  # (m,)
    access_gen_s: FloatArray | None = None  # (m, k)
    egress_gen_s: FloatArray | None = None  # (m, k)
    connector_m: FloatArray | None = None  # (m, k)
    """Length (m) of each connector: local streets (crow-fly x ``connector_detour_<type>``) plus the part of the
    nearest road run along it; what a route's access legs report as km."""
    walked: npt.NDArray[np.bool_] | None = None  # (m, k)
    """Transit: True where the connector is walked, False where it is a bus (beyond the walk limit)."""
    along: tuple[FloatArray, FloatArray, FloatArray, IntArray] | None = None
    """The part of each connector run along the nearest road: seconds in (access), seconds out (egress),
    metres, and the road's other end node (-1 for candidates that are not on it); a route shows it as a
    drive or feeder leg on that road."""
    x_m: FloatArray | None = None  # (m,)
    y_m: FloatArray | None = None  # (m,)
    """The points themselves (UTM 49N m), for the direct trip between two points (:func:`direct_times_s`)."""
    direct_ms: FloatArray | None = None  # (m,)
    """Speed (m/s) of a direct trip from or to each point over local streets: the area type's connector
    speed (car), walking (transit)."""
    detour: FloatArray | None = None  # (m,)
    """Local-street circuity at each point (``connector_detour_<type>``)."""
    direct_max_m: FloatArray | None = None  # (m,)
    """Longest direct trip from or to each point (street length, m): the connector reach for a local drive
    (car), ``bus_feeder_max_m`` for a walk (transit); a trip's limit is the shorter of its two ends'."""
    reach_m: FloatArray | None = None  # (m,)
    """The documented reach of a connector at each point (car: ``connector_reach_<type>_m``; transit:
    ``bus_feeder_max_m``)."""
    gap_m: FloatArray | None = None  # (m,)
    """Street length (m) from each point to the nearest road (car) or road or station (transit)."""
    used: IntArray | None = None  # (m,)
    """How many leading columns each point uses (the rest repeat its first); ``None``: all of them."""

    @property
    def beyond_reach(self) -> npt.NDArray[np.bool_]:
        """Per point: True when the network is farther than the documented reach (an estimated access leg
        for car; no transit connection but a direct walk)."""
        if self.gap_m is None or self.reach_m is None:
            return np.zeros(len(self.nodes), dtype=bool)
        return np.asarray(self.gap_m > self.reach_m)

    @property
    def generalized(self) -> bool:
        """True when candidates are chosen by a generalized cost other than the clock times."""
        return self.access_gen_s is not None or self.egress_gen_s is not None

    @property
    def access_cost_s(self) -> FloatArray:
        """Access in the cost candidates are chosen by (generalized s, or clock s)."""
        return self.access_s if self.access_gen_s is None else self.access_gen_s

    @property
    def egress_cost_s(self) -> FloatArray:
        """Egress in the cost candidates are chosen by (generalized s, or clock s)."""
        return self.egress_s if self.egress_gen_s is None else self.egress_gen_s

    def rows(self, start: int, stop: int) -> Snap:
        """The points ``start:stop`` (a block of origins)."""
        sl = slice(start, stop)

        def part(a: npt.NDArray[Any] | None) -> npt.NDArray[Any] | None:
            return None if a is None else a[sl]

        return Snap(
            self.nodes[sl],
            self.access_s[sl],
            self.egress_s[sl],
            self.terminal_s[sl],
            part(self.access_gen_s),
            part(self.egress_gen_s),
            part(self.connector_m),
            part(self.walked),
            None if self.along is None else (self.along[0][sl], self.along[1][sl], self.along[2][sl], self.along[3][sl]),
            x_m=part(self.x_m),
            y_m=part(self.y_m),
            direct_ms=part(self.direct_ms),
            detour=part(self.detour),
            direct_max_m=part(self.direct_max_m),
            reach_m=part(self.reach_m),
            gap_m=part(self.gap_m),
            used=part(self.used),
        )

    @property
    def columns_used(self) -> IntArray:
        """How many leading columns each point uses (all when ``used`` is not set)."""
        return np.full(len(self.nodes), self.nodes.shape[1], dtype=np.int64) if self.used is None else self.used


class Field(NamedTuple):
    """Per (origin, node): the cost paths were chosen by (``gen_s``, generalized s) and the clock seconds
    along them (``clock_s``). On graphs without generalized costs both are the same array."""

    gen_s: FloatArray
    clock_s: FloatArray

    @property
    def generalized(self) -> bool:
        """True when the two differ (transit)."""
        return self.gen_s is not self.clock_s


def _part(fraction: FloatArray, time_s: FloatArray) -> FloatArray:
    """``fraction`` of an arc's time; zero at its end node even where the arc is one-way (``inf``)."""
    return np.multiply(fraction, time_s, out=np.zeros(np.broadcast(fraction, time_s).shape), where=fraction > 0)


K_STATIONS = 2
"""Transit points also connect directly to their ``K_STATIONS`` nearest stations (a walk or a feeder bus),
and to every station within walking reach however many there are (:func:`station_candidates`)."""


def station_candidates(
    graph: ModeGraph, x_m: FloatArray, y_m: FloatArray, walk_reach_m: FloatArray, transfer_walk_m: float
) -> tuple[FloatArray, IntArray]:
    """The stations each point connects to directly (distances crow-fly m, station indices into
    ``graph.station_nodes``; shape (m, ks), nearest first).

    A point's own stations: its ``K_STATIONS`` nearest, every station within ``walk_reach_m`` (crow-fly,
    per point: the walk limit over the point's circuity) however many, and every station within a walking
    change (``transfer_walk_m``) of those nearest: a traveller walks to any station in reach, and stations
    of other lines at one place (HSR 长沙南, maglev 磁浮高铁, metro 长沙火车南站) must not crowd one
    another out. The arrays are rectangular: ``ks`` is the largest count over the set, and a point with
    fewer fills its row with its next nearest stations (candidates like any other)."""
    tree = graph.station_tree
    n_st = len(graph.station_nodes)
    m = len(x_m)
    if tree is None or n_st == 0:
        return np.zeros((m, 0)), np.zeros((m, 0), dtype=np.int64)
    k0 = min(K_STATIONS, n_st)
    pts = np.column_stack([x_m, y_m])
    d0, _ = tree.query(pts, k=k0)
    d_k = np.asarray(d0, dtype=float).reshape(m, k0)[:, -1]
    # every station of a point's set lies within this radius (a change from the K-th nearest by triangle)
    bound = np.maximum(walk_reach_m, d_k + transfer_walk_m)
    k_big = int(min(max(k0, int(np.asarray(tree.query_ball_point(pts, r=bound, return_length=True)).max(initial=0))), n_st))
    ds, js = tree.query(pts, k=k_big)
    ds = np.asarray(ds, dtype=float).reshape(m, k_big)
    js = np.asarray(js, dtype=np.int64).reshape(m, k_big)
    sxy = np.column_stack([graph.node_x[graph.station_nodes], graph.node_y[graph.station_nodes]])
    near = sxy[js[:, :k0]]  # (m, k0, 2)
    change = np.hypot(sxy[js][:, :, None, 0] - near[:, None, :, 0], sxy[js][:, :, None, 1] - near[:, None, :, 1]).min(axis=2)
    member = (np.arange(k_big)[None, :] < k0) | (ds <= walk_reach_m[:, None]) | (change <= transfer_walk_m)
    ks = int(max(k0, int(member.sum(axis=1).max(initial=0))))
    order = np.argsort(~member, axis=1, kind="stable")[:, :ks]  # members first, each part nearest first
    ds, js = np.take_along_axis(ds, order, axis=1), np.take_along_axis(js, order, axis=1)
    resort = np.argsort(ds, axis=1, kind="stable")
    return np.take_along_axis(ds, resort, axis=1), np.take_along_axis(js, resort, axis=1)


MEMO_MIN_POINTS = 64
"""Point sets at least this large (grid cells, zone centroids) are snapped through the memo; a route's
single points are cheap to snap and would only push those out."""
_SNAPS: Memo[Snap] = Memo(maxsize=8)
"""Recent snaps of large point sets: zones and cells x two modes x the last two networks evaluated."""


def snap_points(
    graph: ModeGraph, x_m: FloatArray, y_m: FloatArray, params: StateParams, *, k: int = K_CANDIDATES, max_snap_m: float | None = MAX_SNAP_M
) -> Snap:
    """Connect points to the network (:func:`_snap_points`, which says how).

    Large point sets are memoised on everything the snap reads: the points, ``k``, ``max_snap_m``, the
    mode, the parameter values, period and walk limit, and the graph's connected road nodes (ids and
    coordinates), road samples (positions, end nodes, fractions, times and generalized costs), shared roads
    (``shared_pairs``, which set each point's radius) and station nodes (ids and coordinates). A workbench edit that leaves a mode's roads and stations alone (a line removed, for car)
    then reuses that mode's snaps; any change to them is a new key. A copy is returned.
    """
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    if len(x) < MEMO_MIN_POINTS:
        return _snap_points(graph, x, y, params, k=k, max_snap_m=max_snap_m)
    ids = graph.road_ids
    rs = graph.road_samples
    st = graph.station_nodes
    key = (
        graph.mode,
        array_key(x),
        array_key(y),
        k,
        max_snap_m,
        tuple(sorted(params.values().items())),
        params.period,
        params.walk_limit_m,
        params.transfer_walk_m,
        *(array_key(a) for a in (ids, graph.node_x[ids], graph.node_y[ids], st, graph.node_x[st], graph.node_y[st])),
        *(array_key(np.asarray(a)) for a in (rs.tree.data, rs.u, rs.v, rs.frac, rs.time_uv_s, rs.time_vu_s, rs.gen_uv_s, rs.gen_vu_s)),
        None if graph.shared_pairs is None else array_key(graph.shared_pairs),
    )
    return _copy_snap(_SNAPS.get(key, lambda: _snap_points(graph, x, y, params, k=k, max_snap_m=max_snap_m)))


def _copy_snap(snap: Snap) -> Snap:
    """``snap`` with its own copies of every array (a caller may change them; the memo's stay as computed)."""
    out: dict[str, Any] = {}
    for f in fields(snap):
        v = getattr(snap, f.name)
        if isinstance(v, np.ndarray):
            v = v.copy()
        elif isinstance(v, tuple):
            v = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in v)
        out[f.name] = v
    return replace(snap, **out)


RADIUS_TOLERANCE_M = 1e-6
"""Nodes and samples this much beyond a point's radius still count as within it (the same coordinates give
the same distances; the tolerance only absorbs rounding)."""


def _within(d: FloatArray, radius_m: FloatArray) -> npt.NDArray[np.bool_]:
    return np.asarray(d <= radius_m[:, None] * (1.0 + 1e-12) + RADIUS_TOLERANCE_M)


def _nearest_within(
    tree: cKDTree, pts: FloatArray, radius_m: FloatArray, k_min: int, k_query: int | None = None
) -> tuple[FloatArray, IntArray, npt.NDArray[np.bool_]]:
    """Per point, nearest first: at least its ``k_min`` nearest entries of ``tree`` and every one within its
    ``radius_m`` (distances, indices, and which of them are these: a leading run per row). Rectangular, as
    wide as the largest count. Every point is asked for ``k_query`` entries (default ``k_min + 1``), and only
    the few with all of them within their radius are asked again, for four times as many."""
    m, n = len(pts), int(tree.n)
    k = min(k_query if k_query is not None else k_min + 1, n)
    d, idx = tree.query(pts, k=k)
    d = np.asarray(d, dtype=float).reshape(m, k)
    idx = np.asarray(idx, dtype=np.int64).reshape(m, k)
    ok = _within(d, radius_m)
    ok[:, : min(k_min, k)] = True
    rows = np.flatnonzero(_within(d[:, -1:], radius_m)[:, 0]) if k < n else np.zeros(0, dtype=np.int64)
    if len(rows):
        more = _nearest_within(tree, pts[rows], radius_m[rows], min(k_min, k), min(4 * k, n))
        d, idx, ok = _widen((d, idx, ok), rows, more, (np.inf, 0, False))
    w = int(max(min(k_min, k), int(ok.sum(axis=1).max(initial=0))))
    return d[:, :w], idx[:, :w], ok[:, :w]


def _node_candidates(graph: ModeGraph, pts: FloatArray, k: int) -> tuple[FloatArray, IntArray, npt.NDArray[np.bool_]]:
    """Candidate road nodes per point: distances (m), node ids and which columns are candidates, shape (m, w),
    nearest first.

    A point's radius is the distance to its ``k``-th nearest shared node (``ModeGraph.anchor_ids``: on roads
    every state of the tier has); every connected road node within it is a candidate (at least its ``k``
    nearest). A road a year, project or edit adds can only add candidates inside that radius, never push one
    out, so adding a road never lengthens a trip; closing a shared road may widen the radius."""
    m = len(pts)
    ids = graph.road_ids
    k = min(k, len(ids))
    if m == 0 or k == 0:
        return np.zeros((m, k)), np.zeros((m, k), dtype=np.int64), np.ones((m, k), dtype=bool)
    anchor = graph.anchor_tree if len(graph.anchor_ids) >= k else graph.road_tree
    r_k, _ = anchor.query(pts, k=k)
    radius_m = np.asarray(r_k, dtype=float).reshape(m, k)[:, -1]
    d, idx, ok = _nearest_within(graph.road_tree, pts, radius_m, k)
    return d, ids[idx], ok


def _widen(parts: tuple[npt.NDArray[Any], ...], rows: IntArray, sub: tuple[npt.NDArray[Any], ...], fill: tuple[float | bool, ...]) -> tuple[npt.NDArray[Any], ...]:
    """``parts`` (each (m, w)) with ``rows`` replaced by ``sub`` (each (len(rows), w2)), as wide as the wider."""
    w = max(parts[0].shape[1], sub[0].shape[1])
    out = []
    for a, b, f in zip(parts, sub, fill):
        wide = np.pad(a, ((0, 0), (0, w - a.shape[1])), constant_values=f) if a.shape[1] < w else a.copy()
        wide[rows] = np.pad(b, ((0, 0), (0, w - b.shape[1])), constant_values=f) if b.shape[1] < w else b
        out.append(wide)
    return tuple(out)


def _road_candidates(rs: RoadSamples, pts: FloatArray) -> tuple[FloatArray, FloatArray, IntArray, npt.NDArray[np.bool_]]:
    """The roads each point joins directly (besides its candidate nodes): the distance to the nearest road
    (m, per point), then per road joined the distance to its nearest sample, that sample's index into ``rs``
    and which columns are roads joined (a leading run per row), shape (m, w), nearest first.

    A point's radius is the distance to the nearest shared road (``RoadSamples.shared_tree``); it joins
    every road with a sample within it, each at its nearest sample, as long as that sample lies inside the
    road (at an end the road's end node is a candidate node already, and reaching the road there is the
    same trip)."""
    m, n = len(pts), len(rs.u)
    if m == 0 or n == 0:
        return np.full(m, np.inf), np.zeros((m, 0)), np.zeros((m, 0), dtype=np.int64), np.zeros((m, 0), dtype=bool)
    radius_m = np.asarray((rs.tree if rs.shared_tree is None else rs.shared_tree).query(pts)[0], dtype=float).reshape(m)
    k = min(2, n)
    d, js = rs.tree.query(pts, k=k)
    d = np.asarray(d, dtype=float).reshape(m, k)
    js = np.asarray(js, dtype=np.int64).reshape(m, k)
    nearest_m = d[:, 0].copy()
    many = np.flatnonzero(_within(d[:, -1:], radius_m)[:, 0]) if k > 1 else np.zeros(0, dtype=np.int64)
    d, js, ok = d[:, :1], js[:, :1], _inner(rs, js[:, :1])
    if len(many):  # the few points with more than one sample within their radius: each road once, at its nearest
        more = _each_road_once(rs, *_nearest_within(rs.tree, pts[many], radius_m[many], 1))
        d, js, ok = _widen((d, js, ok), many, more, (np.inf, 0, False))
    return nearest_m, d, js, ok


def _inner(rs: RoadSamples, js: IntArray) -> npt.NDArray[np.bool_]:
    """True where sample ``js`` lies inside its road (not at an end node)."""
    return np.asarray((rs.frac[js] > 0.0) & (rs.frac[js] < 1.0))


def _each_road_once(rs: RoadSamples, d: FloatArray, js: IntArray, ok: npt.NDArray[np.bool_]) -> tuple[FloatArray, IntArray, npt.NDArray[np.bool_]]:
    """Of the samples ``js`` within reach (``ok``; columns nearest first), each road's nearest inside it, first."""
    ok = ok & _inner(rs, js)
    w = js.shape[1]
    arc = rs.arc[js] if rs.arc is not None else js
    key = np.where(ok, arc, -1 - np.arange(w)[None, :])
    order = np.argsort(key, axis=1, kind="stable")  # stable: each road's samples stay nearest first
    sorted_key = np.take_along_axis(key, order, axis=1)
    first = np.ones_like(sorted_key, dtype=bool)
    first[:, 1:] = sorted_key[:, 1:] != sorted_key[:, :-1]
    keep = np.zeros_like(first)
    np.put_along_axis(keep, order, first & (sorted_key >= 0), axis=1)
    n_keep = int(max(1, int(keep.sum(axis=1).max(initial=0))))
    pick = np.argsort(~keep, axis=1, kind="stable")[:, :n_keep]  # the roads joined first, nearest first
    return np.take_along_axis(d, pick, axis=1), np.take_along_axis(js, pick, axis=1), np.take_along_axis(keep, pick, axis=1)


def _used_first(snap: Snap, ok: npt.NDArray[np.bool_]) -> Snap:
    """``snap`` with each point's candidate columns (``ok``) first, in their order, and ``used`` set: a consumer
    may skip the rest (they repeat the first column)."""
    order = np.argsort(~ok, axis=1, kind="stable")
    used = ok.sum(axis=1).astype(np.int64)
    if np.array_equal(order, np.broadcast_to(np.arange(ok.shape[1]), ok.shape)):
        return replace(snap, used=used)

    def perm(a: npt.NDArray[Any] | None) -> npt.NDArray[Any] | None:
        return None if a is None else np.take_along_axis(a, order, axis=1)

    along = None if snap.along is None else tuple(np.take_along_axis(a, order, axis=1) for a in snap.along)
    return replace(
        snap,
        nodes=np.take_along_axis(snap.nodes, order, axis=1),
        access_s=np.take_along_axis(snap.access_s, order, axis=1),
        egress_s=np.take_along_axis(snap.egress_s, order, axis=1),
        access_gen_s=perm(snap.access_gen_s),
        egress_gen_s=perm(snap.egress_gen_s),
        connector_m=perm(snap.connector_m),
        walked=perm(snap.walked),
        along=along,  # type: ignore[arg-type]
        used=used,
    )


def _fill_unused(a: npt.NDArray[Any], ok: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """``a`` (m, w) with each column a point does not use (``ok`` False) set to the point's first column."""
    return np.where(ok, a, a[:, :1]) if a.shape[1] else a


def _snap_points(
    graph: ModeGraph, x_m: FloatArray, y_m: FloatArray, params: StateParams, *, k: int = K_CANDIDATES, max_snap_m: float | None = MAX_SNAP_M
) -> Snap:
    """Connect points to the network, as a strategic model's zone connectors do.

    - car: every connected road node within the distance of the point's ``k``-th nearest node on a shared road
      (:func:`_node_candidates`; at least the ``k`` nearest) and the two ends of every road nearer than the nearest
      shared road (:func:`_road_candidates`), over local streets at the point's area-type connector
      speed (``connector_<type>_kph``, crow-fly x ``connector_detour_<type>``), plus a terminal time per trip end
      (``car_terminal_<type>_min``: parking and walking). A road added (a year, a project, an edit) only
      adds candidates, so no trip gets longer; the arrays are rectangular, a point's unused columns
      repeating its nearest node;
    - transit: the same road nodes and the ``K_STATIONS`` nearest stations, or more to include
      every station within the walk limit (:func:`station_candidates`); walking (up to the
      walk limit) or else a feeder bus at the connector speed x ``bus_feeder_speed_factor`` up to
      ``bus_feeder_max_m`` (beyond it no connector: the point has a direct walk or nothing); boarding a
      feeder bus at the start costs ``bus_feeder_wait_min``. Transit connectors also carry generalized
      seconds (``access_gen_s``, ``egress_gen_s``): walking x ``walk_weight``, waiting x ``wait_weight``;
      the first boarding pays no ``transfer_penalty_min``: walking to a station, whose every way on
      (a train, a feeder bus) is a boarding edge carrying the penalty, refunds it, and leaving a station
      by feeder bus (a boarding after the train) pays it.

    Raises ``NetworkError`` when a point is farther than ``max_snap_m`` from every node (``None``: no limit,
    for grid cells, which then carry a long access time).
    """
    v = params.values()
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    m = len(x)
    pts = np.column_stack([x, y])
    d, nodes, node_ok = _node_candidates(graph, pts, k)
    if max_snap_m is not None and m and float(d[:, 0].max()) > max_snap_m:
        worst = int(np.argmax(d[:, 0]))
        raise NetworkError(
            f"point ({x[worst]:.0f}, {y[worst]:.0f}) m is {d[worst, 0] / 1000:.1f} km from the nearest road node (limit {max_snap_m / 1000:.0f} km)"
        )
    area = area_type_codes(x, y)
    connector_ms = connector_kph(v, params.period)[area] / 3.6
    detour_pt = per_area(v, "connector_detour", "")[area]
    detour = detour_pt[:, None]
    # the roads nearby: both end nodes of each, reached along the road at the road's own speed
    rs = graph.road_samples
    nearest_road_m, d_edge, js, road_ok = _road_candidates(rs, pts)
    w = js.shape[1]
    if len(rs.u) and w:
        f = np.repeat(rs.frac[js], 2, axis=1)  # (m, 2w): each road's two ends side by side
        jj = np.repeat(js, 2, axis=1)
        at_u = np.tile([True, False], w)[None, :]
        ends = np.where(at_u, rs.u[jj], rs.v[jj])
        other = np.where(at_u, rs.v[jj], rs.u[jj])
        along_in = np.where(at_u, _part(f, rs.time_vu_s[jj]), _part(1 - f, rs.time_uv_s[jj]))
        along_out = np.where(at_u, _part(f, rs.time_uv_s[jj]), _part(1 - f, rs.time_vu_s[jj]))
        gen_in = np.where(at_u, _part(f, rs.gen_vu_s[jj]), _part(1 - f, rs.gen_uv_s[jj]))
        gen_out = np.where(at_u, _part(f, rs.gen_uv_s[jj]), _part(1 - f, rs.gen_vu_s[jj]))
        arc_m = np.hypot(graph.node_x[rs.u[jj]] - graph.node_x[rs.v[jj]], graph.node_y[rs.u[jj]] - graph.node_y[rs.v[jj]])
        along_m = np.where(at_u, f * arc_m, (1 - f) * arc_m)
        d_ends = np.repeat(d_edge, 2, axis=1)
        ends_ok = np.repeat(road_ok, 2, axis=1)
    else:
        ends = other = np.zeros((m, 0), dtype=np.int64)
        along_in = along_out = gen_in = gen_out = along_m = d_ends = np.zeros((m, 0))
        ends_ok = np.zeros((m, 0), dtype=bool)
    ok = np.concatenate([node_ok, ends_ok], axis=1)
    # a column a point does not use repeats its nearest node (the arrays stay rectangular; no new candidate)
    nodes = _fill_unused(np.concatenate([nodes, ends], axis=1), ok)
    d_all = _fill_unused(np.concatenate([d, d_ends], axis=1), ok)
    zero = np.zeros_like(d)
    in_s = _fill_unused(np.concatenate([zero, np.nan_to_num(along_in, nan=np.inf, posinf=np.inf)], axis=1), ok)
    out_s = _fill_unused(np.concatenate([zero, np.nan_to_num(along_out, nan=np.inf, posinf=np.inf)], axis=1), ok)
    along_all_m = _fill_unused(np.concatenate([zero, along_m], axis=1), ok)
    length_m = d_all * detour + along_all_m
    along = (in_s, out_s, along_all_m, _fill_unused(np.concatenate([np.full(d.shape, -1, dtype=np.int64), other], axis=1), ok))
    in_gen_s = _fill_unused(np.concatenate([zero, np.nan_to_num(gen_in, nan=np.inf, posinf=np.inf)], axis=1), ok)
    out_gen_s = _fill_unused(np.concatenate([zero, np.nan_to_num(gen_out, nan=np.inf, posinf=np.inf)], axis=1), ok)
    gap_m = np.minimum(d[:, 0], nearest_road_m) * detour_pt if d.shape[1] else np.full(m, np.inf)
    if graph.mode == "car":
        terminal = per_area(v, "car_terminal", "_min")[area] * 60.0
        conn = d_all * detour / connector_ms[:, None] + terminal[:, None]
        car = Snap(
            nodes=nodes,
            access_s=conn + in_s,
            egress_s=conn + out_s,
            terminal_s=terminal,
            connector_m=length_m,
            along=along,
            x_m=x,
            y_m=y,
            direct_ms=connector_ms,
            detour=detour_pt,
            direct_max_m=per_area(v, "connector_reach", "_m")[area],
            reach_m=per_area(v, "connector_reach", "_m")[area],
            gap_m=gap_m,
        )
        return _used_first(car, ok)
    walk_ms = v["walk_speed_kph"] / 3.6
    walk_max = params.walk_limit_m if params.walk_limit_m is not None else v["walk_max_m"]
    bus_ms = connector_ms * v["bus_feeder_speed_factor"]
    bus_wait = v["bus_feeder_wait_min"] * 60.0
    bus_max = v["bus_feeder_max_m"]

    cw = cost_weights(v)

    def leg(dist: FloatArray) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Clock and generalized seconds of a connector of ``dist`` crow-fly metres, and whether it is walked."""
        street_m = dist * detour
        walk = street_m <= walk_max
        # a feeder bus reaches only bus_feeder_max_m: beyond, no connector (intercity buses, rail, or nothing);
        # its ride carries its share of a change of bus line, as on the road layer (graphs.feeder_change_share)
        changes = feeder_change_share(street_m, v)
        ride = np.where(street_m <= bus_max, street_m / bus_ms[:, None], np.inf)
        ride_s = ride + changes * bus_wait
        ride_gen_s = ride + changes * (bus_wait * cw.wait + cw.boarding_penalty_s)
        walk_s = street_m / walk_ms
        return np.where(walk, walk_s, ride_s).astype(float), np.where(walk, walk_s * cw.walk, ride_gen_s).astype(float), walk

    t_road, road_gen, walk_road = leg(d_all)
    access = t_road + bus_wait + in_s  # on the road layer = on a feeder bus
    egress = t_road + out_s
    access_gen = road_gen + bus_wait * cw.wait + in_gen_s  # the first boarding: no penalty
    egress_gen = road_gen + out_gen_s
    st_tree = graph.station_tree
    if st_tree is not None:
        ds, jst = station_candidates(graph, x, y, walk_max / detour_pt, params.transfer_walk_m)
        ks = ds.shape[1]
        t_st, g_st, walk_st = leg(ds)
        # walking to a station: every way on from it boards (penalty), refunded here for the first boarding;
        # a feeder bus to a station is the first boarding (the train after it is a boarding with penalty)
        gen_in = np.where(walk_st, g_st - cw.boarding_penalty_s, g_st + bus_wait * cw.wait)
        gen_out = np.where(walk_st, g_st, g_st + bus_wait * cw.wait + cw.boarding_penalty_s)
        t_st = np.where(walk_st, t_st, t_st + bus_wait)
        nodes = np.concatenate([nodes, graph.station_nodes[np.asarray(jst, dtype=np.int64).reshape(m, ks)]], axis=1)
        access = np.concatenate([access, t_st], axis=1)
        egress = np.concatenate([egress, t_st], axis=1)
        access_gen = np.concatenate([access_gen, gen_in], axis=1)
        egress_gen = np.concatenate([egress_gen, gen_out], axis=1)
        length_m = np.concatenate([length_m, ds * detour], axis=1)
        gap_m = np.minimum(gap_m, ds.min(axis=1) * detour_pt)
        walk_road = np.concatenate([walk_road, walk_st], axis=1)
        ok = np.concatenate([ok, np.ones(ds.shape, dtype=bool)], axis=1)
        pad = np.zeros_like(ds)
        along = (
            np.concatenate([along[0], pad], axis=1),
            np.concatenate([along[1], pad], axis=1),
            np.concatenate([along[2], pad], axis=1),
            np.concatenate([along[3], np.full(ds.shape, -1, dtype=np.int64)], axis=1),
        )
    same = np.array_equal(access_gen, access) and np.array_equal(egress_gen, egress)
    transit = Snap(
        nodes=nodes,
        access_s=access,
        egress_s=egress,
        terminal_s=np.zeros(m),
        access_gen_s=None if same else access_gen,
        egress_gen_s=None if same else egress_gen,
        connector_m=length_m,
        walked=walk_road,
        along=along,
        x_m=x,
        y_m=y,
        direct_ms=np.full(m, walk_ms),
        detour=detour_pt,
        direct_max_m=np.full(m, bus_max),
        reach_m=np.full(m, bus_max),
        gap_m=gap_m,
    )
    return _used_first(transit, ok)


def direct_times_s(origins: Snap, targets: Snap) -> FloatArray:
    """Clock seconds of the direct trip between each origin and each target over local streets, without
    the modelled network: a walk (transit; ``inf`` beyond ``bus_feeder_max_m``) or a local drive (car,
    both terminal times included; ``inf`` beyond the connector reach of either end: a longer drive uses the
    modelled roads), at the mean of the two ends' speeds and circuities. Shape (m, n); ``inf`` when the
    snaps carry no points."""
    if origins.x_m is None or targets.x_m is None or origins.direct_ms is None or targets.direct_ms is None:
        return np.full((len(origins.nodes), len(targets.nodes)), np.inf)
    assert origins.y_m is not None and targets.y_m is not None and origins.detour is not None and targets.detour is not None
    crow = np.hypot(origins.x_m[:, None] - targets.x_m[None, :], origins.y_m[:, None] - targets.y_m[None, :])
    street_m = crow * (origins.detour[:, None] + targets.detour[None, :]) / 2.0
    pace_s_per_m = (1.0 / origins.direct_ms[:, None] + 1.0 / targets.direct_ms[None, :]) / 2.0
    t = street_m * pace_s_per_m + origins.terminal_s[:, None] + targets.terminal_s[None, :]
    if origins.direct_max_m is None or targets.direct_max_m is None:
        return t
    return np.where(street_m <= np.minimum(origins.direct_max_m[:, None], targets.direct_max_m[None, :]), t, np.inf)


def with_direct_s(times_s: FloatArray, origins: Snap, targets: Snap) -> FloatArray:
    """``times_s`` (origins x targets, through the network) where no longer than the direct trip, else the
    direct trip (:func:`direct_times_s`): no trip is longer than walking or driving straight there."""
    return np.minimum(times_s, direct_times_s(origins, targets))


def node_costs_s(graph: ModeGraph, sources: IntArray, *, limit_s: float = np.inf) -> Field:
    """From each source node to every node: the cost paths are chosen by and the clock seconds along them.

    On a generalized graph (transit) the search minimises generalized seconds, cut at
    ``graph.search_limit_s(limit_s)``, and clock seconds are summed along its shortest-path trees; a node
    whose clock time exceeds ``limit_s`` gets ``inf`` clock time (its cost kept, so that a point's candidate
    is chosen by cost whatever the limit, then found beyond it). Otherwise one compiled call gives times,
    ``inf`` beyond ``limit_s`` (both fields the same array). Shape (len(sources), n_nodes) each.
    """
    if len(sources) == 0:
        empty = np.zeros((0, graph.n_nodes))
        return Field(empty, empty)
    idx = np.asarray(sources, dtype=np.int64)
    if not graph.generalized:
        out = np.atleast_2d(np.asarray(dijkstra(graph.csr, directed=True, indices=idx, limit=limit_s), dtype=float))
        return Field(out, out)
    d, pred = dijkstra(graph.csr, directed=True, indices=idx, limit=graph.search_limit_s(limit_s), return_predecessors=True)
    gen = np.atleast_2d(np.asarray(d, dtype=float))
    clock = clock_along_tree(graph.csr, graph.clock_s, np.atleast_2d(pred), gen)
    clock[clock > limit_s] = np.inf  # the cost stays: a candidate is chosen by it, then found beyond the limit
    return Field(gen, clock)


def node_times_s(graph: ModeGraph, sources: IntArray, *, limit_s: float = np.inf) -> FloatArray:
    """Travel time (s) from each source node to every node; ``inf`` beyond ``limit_s``.

    Clock seconds along the paths the graph's cost chooses (:func:`node_costs_s`). Returns shape
    (len(sources), n_nodes).
    """
    return node_costs_s(graph, sources, limit_s=limit_s).clock_s


def fields_from_points(graph: ModeGraph, origins: Snap, *, limit_s: float = np.inf) -> Field:
    """Node fields from each origin point: the candidate (access + path) of least cost, and its clock time.

    Returns a :class:`Field` of shape (n_origins, n_nodes).
    """
    uniq = np.unique(origins.nodes.ravel())
    return fields_from_rows(node_costs_s(graph, uniq, limit_s=limit_s), uniq, origins, limit_s=limit_s)


def fields_from_rows(rows: Field | FloatArray, row_nodes: IntArray, origins: Snap, *, limit_s: float = np.inf) -> Field:
    """Point fields from node rows already computed: ``rows[i]`` holds the costs (a :class:`Field`, or
    clock times) from node ``row_nodes[i]`` (sorted, covering every candidate of ``origins``).

    Each origin's candidate is chosen by cost (access + path); its clock time is reported, ``inf``
    beyond ``limit_s``. Returns a :class:`Field` of shape (n_origins, n_nodes).
    """
    f = rows if isinstance(rows, Field) else Field(rows, rows)
    m, k = origins.nodes.shape
    idx = np.searchsorted(row_nodes, origins.nodes.ravel()).reshape(m, k)
    # candidate by candidate (one (m, n_nodes) array at a time, not (m, k, n_nodes)): the least cost, the
    # first candidate on a tie (as argmin), and the same sums (row + access) as over the whole stack
    if not f.generalized and not origins.generalized:
        out = f.clock_s[idx[:, 0]] + origins.access_s[:, 0, None]
        for j in range(1, k):
            np.minimum(out, f.clock_s[idx[:, j]] + origins.access_s[:, j, None], out=out)
        out[out > limit_s] = np.inf
        return Field(out, out)
    cost = origins.access_cost_s
    gen_best = f.gen_s[idx[:, 0]] + cost[:, 0, None]
    clock_best = f.clock_s[idx[:, 0]]
    access_best = np.repeat(origins.access_s[:, 0, None], gen_best.shape[1], axis=1)
    for j in range(1, k):
        cand = f.gen_s[idx[:, j]] + cost[:, j, None]
        better = cand < gen_best
        np.copyto(gen_best, cand, where=better)
        np.copyto(clock_best, f.clock_s[idx[:, j]], where=better)
        np.copyto(access_best, origins.access_s[:, j, None], where=better)
    clock = clock_best + access_best
    clock[~(clock <= limit_s)] = np.inf
    return Field(gen_best, clock)


def costs_to_points(node_field: Field | FloatArray, targets: Snap) -> Field:
    """Costs at target points from node fields: the candidate (field + egress) of least cost, with its
    clock seconds. ``node_field``: (n_origins, n_nodes). Returns a :class:`Field` (n_origins, n_targets)."""
    f = node_field if isinstance(node_field, Field) else Field(node_field, node_field)
    nodes, used = targets.nodes, targets.columns_used
    if not nodes.shape[1]:
        out = np.full((f.clock_s.shape[0], len(nodes)), np.inf)
        return Field(out, out)
    # column by column, each over the targets using it (``Snap.used``); the first candidate wins a tie (as argmin)
    clock = f.clock_s[:, nodes[:, 0]] + targets.egress_s[None, :, 0]
    if not f.generalized and not targets.generalized:
        for b in range(1, nodes.shape[1]):
            cols = np.flatnonzero(used > b)
            if not len(cols):
                break
            clock[:, cols] = np.minimum(clock[:, cols], f.clock_s[:, nodes[cols, b]] + targets.egress_s[None, cols, b])
        return Field(clock, clock)
    gen = f.gen_s[:, nodes[:, 0]] + targets.egress_cost_s[None, :, 0]
    for b in range(1, nodes.shape[1]):
        cols = np.flatnonzero(used > b)
        if not len(cols):
            break
        cand = f.gen_s[:, nodes[cols, b]] + targets.egress_cost_s[None, cols, b]
        better = cand < gen[:, cols]
        sub_gen, sub_clock = gen[:, cols], clock[:, cols]
        sub_gen[better] = cand[better]
        sub_clock[better] = (f.clock_s[:, nodes[cols, b]] + targets.egress_s[None, cols, b])[better]
        gen[:, cols], clock[:, cols] = sub_gen, sub_clock
    return Field(gen, clock)


def times_to_points(node_field: Field | FloatArray, targets: Snap) -> FloatArray:
    """Times (s) at target points from node fields: the clock time of the least-cost candidate
    (field + egress; on car graphs simply the fastest).

    node_field: (n_origins, n_nodes). Returns (n_origins, n_targets).
    """
    return costs_to_points(node_field, targets).clock_s


def use_hierarchy(graph: ModeGraph, n_sources: int, method: Method = "auto", *, limit_s: float = np.inf) -> bool:
    """Whether ``times_between`` answers through a contraction hierarchy (see ``CH_MIN_SOURCES``).

    Never on a generalized graph (transit): a hierarchy returns the least generalized cost but not the
    clock time along that path (unpacking every shortcut would be needed); Dijkstra's trees give both.
    """
    if method not in ("auto", "ch", "dijkstra"):
        raise ValueError(f"method {method!r}: expected 'auto', 'ch' or 'dijkstra'")
    if graph.generalized:
        return False  # the hierarchy gives costs only; clock times along the paths need the search trees
    if method != "auto":
        return method == "ch"
    return graph.has_hierarchy or (n_sources >= CH_MIN_SOURCES and not np.isfinite(limit_s))


def costs_between(
    graph: ModeGraph,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    limit_s: float = np.inf,
    method: Method = "auto",
    workers: int = 1,
) -> Field:
    """Costs and clock times (s) from each source node to each target node (:class:`Field`); ``inf`` when
    unreachable; clock time ``inf`` when it exceeds ``limit_s``.

    Returns shape (len(sources), len(targets)) each. ``method``: "dijkstra" (scipy, chunks of sources over
    ``workers`` processes, ``network.routing.dijkstra.csr_times_between``),
    "ch" (contraction hierarchy, built once per graph and kept; no cutoff during the search, ``limit_s``
    applied after) or "auto" (see ``CH_MIN_SOURCES``). A generalized graph (transit) is always searched
    by Dijkstra (see ``use_hierarchy``). Both are exact; they may differ in the last bits (sums in
    another order, ~1e-9 s).
    """
    src = np.asarray(sources, dtype=np.int64).ravel()
    tgt = np.asarray(targets, dtype=np.int64).ravel()
    uniq, inv = np.unique(src, return_inverse=True)
    same = len(uniq) == len(src) and np.array_equal(uniq, src)
    if graph.generalized:
        gen, clock = csr_costs_between(graph.csr, graph.clock_s, uniq, tgt, limit_s=graph.search_limit_s(limit_s), workers=workers)
        if not same:
            gen, clock = gen[inv], clock[inv]
        clock[~(clock <= limit_s)] = np.inf
        return Field(gen, clock)
    if use_hierarchy(graph, len(uniq), method, limit_s=limit_s):
        from network.routing.ch import graph_hierarchy, many_to_many  # numba-compiled: loaded only when a hierarchy is used

        rows = many_to_many(graph_hierarchy(graph), uniq, tgt)
    else:
        rows = csr_times_between(graph.csr, uniq, tgt, limit_s=limit_s, workers=workers)
    out = rows if same else rows[inv]  # no copy when already unique, sorted
    out[out > limit_s] = np.inf
    return Field(out, out)


def times_between(
    graph: ModeGraph,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    limit_s: float = np.inf,
    method: Method = "auto",
    workers: int = 1,
) -> FloatArray:
    """Travel times (s) from each source node to each target node; ``inf`` when unreachable or beyond ``limit_s``:
    the clock time along the least-cost path (:func:`costs_between`; on car graphs the fastest path).

    Returns shape (len(sources), len(targets)).
    """
    return costs_between(graph, sources, targets, limit_s=limit_s, method=method, workers=workers).clock_s


def point_matrix(
    graph: ModeGraph, origins: Snap, targets: Snap, *, limit_s: float = np.inf, method: Method = "auto", chunk: int = 2048
) -> FloatArray:
    """Times (s) between snapped points: the clock time of the least-cost candidate pair (access + path +
    egress; on car graphs simply the fastest).

    Same values as ``times_to_points(fields_from_points(graph, origins), targets)`` without fields over
    every node, then no longer than the direct trip (:func:`with_direct_s`). Returns shape (n_origins, n_targets).
    """
    src, s_inv = np.unique(origins.nodes.ravel(), return_inverse=True)
    tgt, t_inv = np.unique(targets.nodes.ravel(), return_inverse=True)
    nodes = costs_between(graph, src, tgt, method=method)
    si = s_inv.reshape(origins.nodes.shape)
    ti = t_inv.reshape(targets.nodes.shape)
    out = np.full((len(si), len(ti)), np.inf)
    generalized = nodes.generalized or origins.generalized or targets.generalized
    cost = np.full((len(si), len(ti)), np.inf) if generalized else out
    # candidate columns a point does not use (``Snap.used``) repeat its first: only the points using a column are computed
    used_t = targets.columns_used
    t_cols = [np.flatnonzero(used_t > b) for b in range(targets.nodes.shape[1])]
    for r in range(0, len(si), chunk):
        block = out[r : r + chunk]
        block_cost = cost[r : r + chunk]
        used_o = origins.columns_used[r : r + chunk]
        for a in range(origins.nodes.shape[1]):
            rows = np.flatnonzero(used_o > a)
            for b, cols in enumerate(t_cols):
                if not len(rows) or not len(cols):
                    break
                all_rows, all_cols = len(rows) == len(used_o), len(cols) == len(used_t)
                sel = _block_index(None if all_rows else rows, None if all_cols else cols)
                o_rows = r + rows
                pair = np.ix_(si[o_rows, a], ti[cols, b])
                cand = origins.access_s[o_rows, a, None] + nodes.clock_s[pair] + targets.egress_s[None, cols, b]
                if not generalized:
                    if all_rows and all_cols:
                        np.minimum(block, cand, out=block)
                    else:
                        block[sel] = np.minimum(block[sel], cand)
                    continue
                cand_cost = origins.access_cost_s[o_rows, a, None] + nodes.gen_s[pair] + targets.egress_cost_s[None, cols, b]
                if all_rows and all_cols:
                    better = cand_cost < block_cost
                    block_cost[better] = cand_cost[better]
                    block[better] = cand[better]
                    continue
                sub_cost, sub = block_cost[sel], block[sel]
                better = cand_cost < sub_cost
                sub_cost[better] = cand_cost[better]
                sub[better] = cand[better]
                block_cost[sel], block[sel] = sub_cost, sub
    out = with_direct_s(out, origins, targets)
    out[out > limit_s] = np.inf
    return out


def _block_index(rows: IntArray | None, cols: IntArray | None) -> Any:
    """Index of the ``rows`` x ``cols`` block of a 2-D array (``None``: all of them)."""
    if rows is None:
        return (slice(None), slice(None)) if cols is None else (slice(None), cols)
    return (rows, slice(None)) if cols is None else np.ix_(rows, cols)


def path_nodes(predecessors: IntArray, source: int, target: int) -> list[int]:
    """Node sequence from ``source`` to ``target`` given a scipy predecessor row."""
    path = [target]
    node = target
    while node != source:
        node = int(predecessors[node])
        if node < 0:
            raise NetworkError(f"node {target} is not reachable from node {source}")
        path.append(node)
    return path[::-1]
