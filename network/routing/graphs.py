"""The array (CSR) form of each mode's graph, built from a ``NetworkState`` (``network.model.graph``).

``build_mode_graph`` turns an immutable network state into one ``ModeGraph`` per mode (car, transit):
road arcs with their per-period times, expressway carriageways and ramps, rail boarding, riding and
alighting arcs, walking and feeder connectors, and the generalized-cost weights transit paths are
chosen by. The engine (``network.routing.engine``) only reads these arrays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from network.model.area import area_type_codes, connector_kph
from network.model.graph import SHARED_COLUMN, GraphMode, NetworkState, RoadNetwork, StateParams
from network.model.memo import Memo, ObjectMemo
from network.model.rail import RAIL_KINDS, RailNetwork, line_segments
from network.model.speeds import ROAD_CLASSES, class_speed_kph
from network.paths import CRS_METRIC
from network.routing.csr import fastest_arcs_csr


@dataclass(frozen=True)
class ModeGraph:
    """Array form of one mode's graph (CSR), plus what a path summary needs.

    Nodes 0..n_road-1 are the road nodes (same ids as ``RoadNetwork.nodes``); transit graphs add
    station nodes and one platform node per (line, stop).
    """

    mode: GraphMode
    csr: csr_matrix
    n_road: int
    node_x: npt.NDArray[np.float64]
    node_y: npt.NDArray[np.float64]
    node_label: npt.NDArray[np.object_]
    edge_kind: npt.NDArray[np.object_]
    """Per CSR entry (same order as csr.data): 'road:<class>', 'access', 'board:<line>', 'ride:<line>', 'alight', 'transfer'."""
    edge_label: npt.NDArray[np.object_]
    edge_length_m: npt.NDArray[np.float64]
    station_nodes: npt.NDArray[np.int64]
    """Transit only: ids of station (street-level) nodes."""
    edge_clock_s: npt.NDArray[np.float64] | None = None
    """Clock seconds per CSR entry when ``csr.data`` holds generalized seconds (transit: walks and waits
    weighted, a boarding penalty); ``None`` when ``csr.data`` are clock seconds (car)."""
    cost_weight_max: float = 1.0
    """Largest weight on clock time in ``csr.data`` (bounds generalized cost by clock time for a search cutoff)."""
    boarding_penalty_s: float = 0.0
    """Generalized seconds charged per boarding (``transfer_penalty_min``); see :func:`generalized_costs`."""
    shared_pairs: npt.NDArray[np.int64] | None = None
    """Road edges every state of the tier shares (``SHARED_COLUMN``, expressways left out: never snapped to),
    as sorted keys lower node x ``n_road`` + higher node; ``None`` when the roads carry no such column (every
    road counts as shared). They set how far a point looks for candidates (:attr:`anchor_ids`)."""
    non_rail_lines: frozenset[str] = frozenset()
    """Transit only: ids of the lines whose kind is not a rail kind (``network.model.rail.RAIL_KINDS``: buses,
    trams, ferries, e.g. GTFS route_type 3); the rail-only measures leave their boardings and rides out
    (:func:`rail_system_edges`)."""

    @cached_property
    def generalized(self) -> bool:
        """True when paths are chosen by a cost other than clock time (``csr.data`` != clock seconds)."""
        return self.edge_clock_s is not None and not np.array_equal(self.edge_clock_s, self.csr.data)

    @property
    def clock_s(self) -> npt.NDArray[np.float64]:
        """Clock seconds per CSR entry (``csr.data`` when the graph is not generalized)."""
        return self.csr.data if self.edge_clock_s is None else self.edge_clock_s

    def search_limit_s(self, limit_s: float) -> float:
        """Cutoff on generalized cost that keeps every path of clock time up to ``limit_s`` with up to
        ``SEARCH_BOARDINGS`` boardings (clock time ``limit_s`` itself is then applied to the result)."""
        if not self.generalized or not np.isfinite(limit_s):
            return limit_s
        return limit_s * self.cost_weight_max + SEARCH_BOARDINGS * self.boarding_penalty_s

    @property
    def n_nodes(self) -> int:
        """Number of nodes (road, station, platform)."""
        return int(self.csr.shape[0])

    @cached_property
    def road_ids(self) -> npt.NDArray[np.int64]:
        """Road nodes with edges, outside strongly connected fragments of fewer than ``MIN_COMPONENT_NODES``
        nodes: a node whose roads are all closed or not yet open, or a fragment left by them (an
        interchange stub of an expressway not yet built), cannot be reached, so points never snap to it."""
        n = self.n_road
        sub = self.csr[:n, :n]
        if sub.nnz == 0:
            return np.zeros(0, dtype=np.int64)
        # car: connectivity through the expressway layer too (a road node reached only by a ramp is
        # reachable); a point snaps only to road nodes with a road of their own (never to an expressway)
        whole = self.csr if self.mode == "car" else sub
        _, label_all = connected_components(whole, directed=True, connection="strong")
        label = label_all[:n]
        deg = np.diff(sub.indptr) + np.bincount(sub.indices, minlength=n)
        size = np.bincount(label[deg > 0], minlength=int(label_all.max()) + 1)
        keep = size[label] >= min(MIN_COMPONENT_NODES, int(size.max()))
        return np.flatnonzero(keep & (deg > 0)).astype(np.int64)

    @cached_property
    def anchor_ids(self) -> npt.NDArray[np.int64]:
        """The connected road nodes (``road_ids``) on a shared road (:attr:`shared_pairs`): a point's ``k`` nearest
        of them set the radius within which every connected road node is a candidate (``network.routing.engine``).
        A road added by a year, project or edit adds candidates within that radius and never pushes one out."""
        ids = self.road_ids
        if self.shared_pairs is None:
            return ids
        n = np.int64(self.n_road)
        ends = np.unique(np.concatenate([self.shared_pairs // n, self.shared_pairs % n]))
        return ids[np.isin(ids, ends)]

    @cached_property
    def anchor_tree(self) -> cKDTree:
        """KD-tree over :attr:`anchor_ids` (UTM m)."""
        ids = self.anchor_ids
        return cKDTree(np.column_stack([self.node_x[ids], self.node_y[ids]]))

    @cached_property
    def road_samples(self) -> RoadSamples:
        """Points every ``SAMPLE_SPACING_M`` along the road arcs between connected nodes, for snapping a
        point onto the nearest road (not only the nearest junction)."""
        return _road_samples(self)

    @cached_property
    def road_tree(self) -> cKDTree:
        """KD-tree over the connected road nodes (``road_ids``, UTM m), built on first use and kept."""
        ids = self.road_ids
        return cKDTree(np.column_stack([self.node_x[ids], self.node_y[ids]]))

    @cached_property
    def station_tree(self) -> cKDTree | None:
        """KD-tree over the street-level station nodes (transit graphs), ``None`` without stations."""
        if len(self.station_nodes) == 0:
            return None
        return cKDTree(np.column_stack([self.node_x[self.station_nodes], self.node_y[self.station_nodes]]))

    @property
    def has_hierarchy(self) -> bool:
        """True once ``network.routing.ch.graph_hierarchy`` has built this graph's contraction hierarchy (kept with it)."""
        return "hierarchy" in self.__dict__


SEARCH_BOARDINGS = 10
"""A search cut at a clock limit on a generalized graph keeps paths with up to this many boardings."""
MIN_COMPONENT_NODES = 4
"""Strongly connected road fragments smaller than this are not snapped to (stubs left by removed roads)."""
SAMPLE_SPACING_M = 200.0
"""Spacing of the points sampled along road arcs for snapping onto the nearest road."""


@dataclass(frozen=True)
class RoadSamples:
    """Points along road arcs: position, the arc's end nodes, the fraction of the way from ``u`` to ``v``,
    and the arc's clock times each way (``inf`` where one-way) and its generalized costs (the same arrays
    unless the graph is generalized: a transit graph's feeder buses carry their line changes' weighted waits
    and penalties)."""

    tree: cKDTree
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    frac: npt.NDArray[np.float64]
    time_uv_s: npt.NDArray[np.float64]
    time_vu_s: npt.NDArray[np.float64]
    gen_uv_s: npt.NDArray[np.float64]
    gen_vu_s: npt.NDArray[np.float64]
    arc: npt.NDArray[np.int64] | None = None
    """Per sample: the index of its road (one per pair of end nodes)."""
    shared_tree: cKDTree | None = None
    """KD-tree over the samples of shared roads (``ModeGraph.shared_pairs``; every road when ``None``): the
    nearest of them sets how far a point looks for roads to join (``network.routing.engine``)."""


def _road_samples(g: ModeGraph) -> RoadSamples:
    n = g.n_road
    ok = np.zeros(g.n_nodes, dtype=bool)
    ok[g.road_ids] = True
    coo = g.csr.tocoo()
    keep = (coo.row < n) & (coo.col < n) & ok[coo.row] & ok[coo.col]
    a, b, w = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), coo.data[keep]
    clock = g.clock_s[keep] if g.generalized else w  # tocoo keeps the CSR entries' order
    if not len(a):
        empty = np.zeros(0)
        return RoadSamples(cKDTree(np.zeros((1, 2))), empty.astype(np.int64), empty.astype(np.int64), empty, empty, empty, empty, empty)
    # each road once as (lower id, higher id), in that order; its time each way (inf where there is no arc)
    n_all = np.int64(g.n_nodes)
    pair = np.unique(np.minimum(a, b) * n_all + np.maximum(a, b))
    u, v = pair // n_all, pair % n_all
    arc_key = a * n_all + b
    order = np.argsort(arc_key, kind="stable")
    t_uv = _arc_time(arc_key[order], clock[order], u * n_all + v)
    t_vu = _arc_time(arc_key[order], clock[order], v * n_all + u)
    g_uv = _arc_time(arc_key[order], w[order], u * n_all + v) if g.generalized else t_uv
    g_vu = _arc_time(arc_key[order], w[order], v * n_all + u) if g.generalized else t_vu
    length = np.hypot(g.node_x[v] - g.node_x[u], g.node_y[v] - g.node_y[u])
    count = np.maximum(np.ceil(length / SAMPLE_SPACING_M).astype(np.int64), 1) + 1
    arc = np.repeat(np.arange(len(u)), count)
    start = np.repeat(np.cumsum(count) - count, count)
    frac = (np.arange(len(arc)) - start) / np.repeat(count - 1, count)
    x = g.node_x[u[arc]] + frac * (g.node_x[v[arc]] - g.node_x[u[arc]])
    y = g.node_y[u[arc]] + frac * (g.node_y[v[arc]] - g.node_y[u[arc]])
    gen = (g_uv[arc], g_vu[arc]) if g.generalized else (t_uv[arc], t_vu[arc])
    xy = np.column_stack([x, y])
    shared_tree = None
    if g.shared_pairs is not None:
        n_road = np.int64(g.n_road)
        shared = np.isin(u * n_road + v, g.shared_pairs)[arc]
        shared_tree = cKDTree(xy[shared]) if shared.any() else None
    return RoadSamples(cKDTree(xy), u[arc], v[arc], frac, t_uv[arc], t_vu[arc], *gen, arc=arc, shared_tree=shared_tree)


def _arc_time(keys_sorted: npt.NDArray[np.int64], w: npt.NDArray[np.float64], want: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """The time of each arc ``want`` (tail x n + head) among ``keys_sorted`` (times ``w``), ``inf`` where absent
    (of parallel entries, the last)."""
    pos = np.maximum(np.searchsorted(keys_sorted, want, side="right") - 1, 0)
    return np.where(keys_sorted[pos] == want, w[pos], np.inf).astype(float)


def road_edge_times_s(roads: RoadNetwork, speed_kph: float | None, params: StateParams) -> np.ndarray:
    """Travel time (s) per road edge: at class speeds (car) or at a fixed ``speed_kph`` (feeder).

    Car times are ``length / speed + signals x signal_delay_<period>_s``: the class speed (from the
    parameter table, or the state's ``class_speeds_kph`` table; an ``urban_arterial``'s ``open_share`` of
    its length, outside the dense city, at ``speed_urban_arterial_suburban_<period>_kph``) unless the edge gives its own
    (``speed_kph``, ``speed_<period>_kph``), plus the delay of the signalised junctions the edge passes
    (column ``signals``; 0 on classes whose speeds include average delay, see ``SIGNAL_DELAY_INCLUDED``).
    """
    e = roads.edges
    length = e["length_m"].to_numpy(dtype=float)
    if speed_kph is not None:
        return length / (speed_kph / 3.6)
    classes = e["highway"].to_numpy()
    table = params.class_speeds_kph or {}
    uniq = {
        c: class_speed_kph(str(c), params.period, table=table)
        if str(c) in table or str(c) not in ROAD_CLASSES
        else params.value(f"speed_{c}_{params.period}_kph")
        for c in set(classes)
    }
    speed = np.array([uniq[c] for c in classes], dtype=float)
    if "open_share" in e.columns and "urban_arterial" not in table:
        # an arterial's length outside the dense city (suburban, rural cells) runs at its suburban speed
        share = np.where(classes == "urban_arterial", np.nan_to_num(e["open_share"].to_numpy(dtype=float)), 0.0)
        suburban_kph = params.value(f"speed_urban_arterial_suburban_{params.period}_kph")
        speed = 1.0 / ((1.0 - share) / speed + share / suburban_kph)
    for col in ("speed_kph", f"speed_{params.period}_kph"):
        if col in e.columns:
            override = e[col].to_numpy(dtype=float)
            speed = np.where(np.isfinite(override) & (override > 0), override, speed)
    t = length / (speed / 3.6)
    if "signals" in e.columns:
        t = t + np.nan_to_num(e["signals"].to_numpy(dtype=float)) * params.value(f"signal_delay_{params.period}_s")
    return t


def _assemble(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    kind: np.ndarray,
    label: np.ndarray,
    length: np.ndarray,
) -> tuple[csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """CSR with parallel edges reduced to the fastest; edge attributes in CSR order."""
    # zero weights would be dropped by scipy's sparse storage: keep them as a tiny positive time
    csr, (kind, label, length) = fastest_arcs_csr(n, src, dst, w, kind, label, length, min_time_s=1e-6)
    return csr, kind, label, length


def _assemble_generalized(
    n: int, src: np.ndarray, dst: np.ndarray, clock_s: np.ndarray, gen_s: np.ndarray, *attributes: np.ndarray
) -> tuple[csr_matrix, np.ndarray, list[np.ndarray]]:
    """CSR of generalized seconds (parallel edges reduced to the cheapest), the clock seconds and the
    attributes in CSR order. Both are floored at 1e-6 s like every graph's times (scipy drops zeros)."""
    csr, (clock, *attrs) = fastest_arcs_csr(n, src, dst, gen_s, np.asarray(clock_s, dtype=float), *attributes, min_time_s=1e-6)
    return csr, np.maximum(np.asarray(clock, dtype=float), 1e-6), attrs


@dataclass(frozen=True)
class CostWeights:
    """How a transit path is chosen: generalized seconds = in-vehicle x 1 + walking x ``walk`` + waiting x
    ``wait`` + ``boarding_penalty_s`` per boarding after the first (parameters ``walk_weight``,
    ``wait_weight``, ``transfer_penalty_min``; UK TAG M3.2)."""

    walk: float
    wait: float
    boarding_penalty_s: float

    @property
    def max_weight(self) -> float:
        """The largest weight on clock time."""
        return max(1.0, self.walk, self.wait)


def cost_weights(values: dict[str, float]) -> CostWeights:
    """The generalized-cost weights of a parameter set (see :class:`CostWeights`)."""
    return CostWeights(values["walk_weight"], values["wait_weight"], values["transfer_penalty_min"] * 60.0)


def _road_arrays(
    roads: RoadNetwork, t: np.ndarray, *, u: npt.NDArray[np.int64] | None = None, v: npt.NDArray[np.int64] | None = None
) -> tuple[np.ndarray, ...]:
    """Arcs of the road edges (both ways unless one-way); ``u`` / ``v`` replace the edges' end nodes."""
    e = roads.edges
    u = e["u"].to_numpy(dtype=np.int64) if u is None else u
    v = e["v"].to_numpy(dtype=np.int64) if v is None else v
    oneway = e["oneway"].to_numpy(dtype=bool) if "oneway" in e.columns else np.zeros(len(e), dtype=bool)
    two = ~oneway
    src = np.concatenate([u, v[two]])
    dst = np.concatenate([v, u[two]])
    w = np.concatenate([t, t[two]])
    cls = e["highway"].astype(str).to_numpy()
    kind = np.concatenate([np.char.add("road:", cls.astype(str)), np.char.add("road:", cls[two].astype(str))]).astype(object)
    names = (e["name"].astype(str) if "name" in e.columns else pd.Series([""] * len(e))).to_numpy()
    label = np.concatenate([names, names[two]]).astype(object)
    length = e["length_m"].to_numpy(dtype=float)
    return src, dst, w, kind, label, np.concatenate([length, length[two]])


EXPRESSWAY_CLASS = "expressway"
"""The closed (tolled, access-controlled) class: entered and left only through ramps and a toll station."""


@dataclass(frozen=True)
class ExpresswaySplit:
    """The car graph's expressway layer: nodes beyond the road nodes, one per carriageway through a node.

    ``u`` / ``v``: each road edge's end nodes in the car graph (an expressway edge's ends are layer
    nodes). ``node`` / ``ref``: the road node and the expressway(s) of each layer node (ids ``n_road + i``).
    ``link_*``: arcs between layers: road node <-> expressway (ramp + toll station, where the node has a
    non-expressway road) and one carriageway -> another at the same node (a ramp).
    """

    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    node: npt.NDArray[np.int64]
    ref: npt.NDArray[np.object_]
    link_src: npt.NDArray[np.int64]
    link_dst: npt.NDArray[np.int64]
    link_s: npt.NDArray[np.float64]
    link_label: npt.NDArray[np.object_]


_PIECE_OF_ROUTE = re.compile(r"^([GS]\d+)-[A-Z]+$")
"""A curated piece of a numbered expressway: route number, a hyphen, a tag (``S21-HH``: the 长株高速's north end
link to the 长永高速; ``S21-ZZ``: its 株洲 connector; data/trunk_roads.csv)."""


def expressway_route(ref: str) -> str:
    """The expressway a ref belongs to: a curated piece of a numbered expressway (``S21-HH``) is that expressway
    (``S21``): the same road in the same closed toll system, driven on without a ramp; any other ref is itself."""
    m = _PIECE_OF_ROUTE.match(ref)
    return m.group(1) if m else ref


def _carriageways(ends: list[tuple[int, float, str]]) -> list[list[int]]:
    """Group the expressway edge ends at one node into carriageways: ``ends`` are (end code, bearing away
    from the node in degrees, expressway ref). Where two ends meet the expressway goes on (a bend, or
    one corridor's label giving way to another's along the same road): one carriageway. Where more
    meet, each expressway (ref, a curated piece counted as its route: :func:`expressway_route`) is one
    carriageway, and moving between them is a system interchange (the skeleton's short spurs of one
    expressway are not told apart from its main line)."""
    if len(ends) <= 2:
        return [[code for code, _, _ in ends]]
    by_ref: dict[str, list[int]] = {}
    for code, _, r in ends:
        by_ref.setdefault(expressway_route(r), []).append(code)
    return list(by_ref.values())


def expressway_split(roads: RoadNetwork, values: dict[str, float]) -> ExpresswaySplit:
    """Separate the expressways from the other roads (Chinese expressways are closed toll systems).

    Each node an expressway edge touches gets one layer node per carriageway through it
    (:func:`_carriageways`). A car drives on along a carriageway at no cost; it changes to another
    expressway through a ramp (``expressway_ramp_s``, a system interchange), and it gets on or off only
    where the node also has a non-expressway road, through a ramp and a toll station
    (``expressway_ramp_s + expressway_toll_s`` each way). So a point never snaps onto an expressway
    mid-way, and a trip that uses an expressway pays for getting on and off it.
    """
    e = roads.edges
    n = len(roads.nodes)
    u0 = e["u"].to_numpy(dtype=np.int64)
    v0 = e["v"].to_numpy(dtype=np.int64)
    u, v = u0.copy(), v0.copy()
    is_x = (e["highway"].astype(str) == EXPRESSWAY_CLASS).to_numpy()
    refs = e["ref"].astype(str).to_numpy() if "ref" in e.columns else np.full(len(e), "", dtype=object)
    names = e["name"].astype(str).to_numpy() if "name" in e.columns else np.full(len(e), "", dtype=object)
    ref = np.where(refs != "", refs, np.where(names != "", names, EXPRESSWAY_CLASS)).astype(object)
    x = roads.nodes["x"].to_numpy(dtype=float)
    y = roads.nodes["y"].to_numpy(dtype=float)
    # expressway edge ends at each node: code 2 * edge (its u end) or 2 * edge + 1 (its v end), bearing
    at: dict[int, list[tuple[int, float, str]]] = {}
    for i in np.flatnonzero(is_x):
        for side, here, there in ((0, int(u0[i]), int(v0[i])), (1, int(v0[i]), int(u0[i]))):
            bearing = float(np.degrees(np.arctan2(x[there] - x[here], y[there] - y[here])))
            at.setdefault(here, []).append((2 * int(i) + side, bearing, str(ref[i])))
    local = set(np.r_[u0[~is_x], v0[~is_x]].tolist())
    on_off = values["expressway_ramp_s"] + values["expressway_toll_s"]
    layer_node: list[int] = []
    layer_ref: list[str] = []
    src: list[int] = []
    dst: list[int] = []
    time_s: list[float] = []
    label: list[str] = []
    for node in sorted(at):
        ids: list[int] = []
        for group in _carriageways(at[node]):
            lid = n + len(layer_node)
            gref = "/".join(dict.fromkeys(str(ref[code // 2]) for code in group))
            layer_node.append(node)
            layer_ref.append(gref)
            for code in group:
                (v if code % 2 else u)[code // 2] = lid
            if node in local:
                src += [node, lid]
                dst += [lid, node]
                time_s += [on_off, on_off]
                label += [f"on-ramp and toll station ({gref})", f"toll station and off-ramp ({gref})"]
            ids.append(lid)
        for a in ids:
            for b in ids:
                if a != b:
                    src.append(a)
                    dst.append(b)
                    time_s.append(values["expressway_ramp_s"])
                    label.append(f"interchange ramp {layer_ref[a - n]} → {layer_ref[b - n]}")
    return ExpresswaySplit(
        u=u,
        v=v,
        node=np.array(layer_node, dtype=np.int64),
        ref=np.array(layer_ref, dtype=object),
        link_src=np.array(src, dtype=np.int64),
        link_dst=np.array(dst, dtype=np.int64),
        link_s=np.array(time_s, dtype=float),
        link_label=np.array(label, dtype=object),
    )


def build_car_graph(state: NetworkState) -> ModeGraph:
    """The car graph of ``state``: road arcs at class speeds (plus signal delays), both ways unless
    one-way; expressways on a layer of their own, entered and left through ramps and toll stations
    (:func:`expressway_split`). Nodes ``0..n_road-1`` are the road nodes, the expressway layer follows."""
    roads = state.roads
    n = len(roads.nodes)
    t = road_edge_times_s(roads, None, state.params)
    split = expressway_split(roads, state.params.values())
    src, dst, w, kind, label, length = _road_arrays(roads, t, u=split.u, v=split.v)
    m = len(split.link_src)
    src = np.r_[src, split.link_src]
    dst = np.r_[dst, split.link_dst]
    w = np.r_[w, split.link_s]
    kind = np.r_[kind, np.full(m, "ramp", dtype=object)].astype(object)
    label = np.r_[label, split.link_label].astype(object)
    length = np.r_[length, np.zeros(m)]
    n_all = n + len(split.node)
    csr, kind, label, length = _assemble(n_all, src, dst, w, kind, label, length)
    rx = roads.nodes["x"].to_numpy(dtype=float)
    ry = roads.nodes["y"].to_numpy(dtype=float)
    return ModeGraph(
        mode="car",
        csr=csr,
        n_road=n,
        node_x=np.r_[rx, rx[split.node]],
        node_y=np.r_[ry, ry[split.node]],
        node_label=np.array(["road"] * n + [f"expressway {r}" for r in split.ref], dtype=object),
        edge_kind=kind,
        edge_label=label,
        edge_length_m=length,
        station_nodes=np.array([], dtype=np.int64),
        shared_pairs=shared_pairs(roads),
    )


def shared_pairs(roads: RoadNetwork) -> npt.NDArray[np.int64] | None:
    """The roads' shared edges (``SHARED_COLUMN``) that are not expressways, as sorted keys lower node x
    number of nodes + higher node (``ModeGraph.shared_pairs``); ``None`` without the column."""
    e = roads.edges
    if SHARED_COLUMN not in e.columns:
        return None
    keep = e[SHARED_COLUMN].astype("boolean").fillna(False).to_numpy(dtype=bool) & (e["highway"].astype(str).to_numpy() != EXPRESSWAY_CLASS)
    u = e["u"].to_numpy(dtype=np.int64)[keep]
    v = e["v"].to_numpy(dtype=np.int64)[keep]
    n = np.int64(len(roads.nodes))
    return np.unique(np.minimum(u, v) * n + np.maximum(u, v))


def initial_wait_s(headway_s: npt.ArrayLike, values: dict[str, float]) -> npt.NDArray[np.float64]:
    """Expected wait (s) at the first boarding: half the headway up to ``initial_wait_cap_min``, beyond
    it only ``initial_wait_slope_beyond_cap`` of the rest (a traveller who knows an hourly timetable
    does not wait 30 min). A change of train reached by a frequent line waits the same (the traveller
    times their departure, :func:`timed_feed`); one reached by a less frequent line waits the full half headway."""
    half = np.asarray(headway_s, dtype=float) / 2.0
    cap = values["initial_wait_cap_min"] * 60.0
    return np.minimum(half, cap) + values["initial_wait_slope_beyond_cap"] * np.maximum(half - cap, 0.0)


def timed_feed(headway_s: float, values: Mapping[str, float]) -> bool:
    """True when a line of ``headway_s`` is frequent enough (``transfer_timed_feed_headway_max_min``) that a
    traveller changing from it onto a less frequent train times their departure and waits at the change
    like at a first boarding (:func:`initial_wait_s`)."""
    return float(headway_s) <= float(values["transfer_timed_feed_headway_max_min"]) * 60.0


NATIONAL_RAIL_KINDS: Final = ("hsr", "conventional")
"""Line kinds boarded through national-rail ticket and security gates (the minimum transfer time applies)."""


def walk_transfer(crow_m: float, values: Mapping[str, float]) -> tuple[float, float]:
    """A walking change between two nearby stations ``crow_m`` apart (crow-fly): its length (m, x
    ``access_detour``) and clock seconds (walking + ``transfer_walk_s``); its generalized seconds are the clock
    seconds x the walk weight. The transit graph's transfer edges and the rail measure's station places use it."""
    walk_m = crow_m * values["access_detour"]
    return walk_m, walk_m / (values["walk_speed_kph"] / 3.6) + values["transfer_walk_s"]


def transfer_change_s(kind: str, values: Mapping[str, float]) -> float:
    """Time to change onto a train of ``kind`` inside a station before its wait: ``transfer_min_national_rail_s``
    (security and gates included) for HSR and conventional trains, else ``transfer_walk_s`` (platform to platform)."""
    if kind in NATIONAL_RAIL_KINDS:
        return max(float(values["transfer_min_national_rail_s"]), float(values["transfer_walk_s"]))
    return float(values["transfer_walk_s"])


def timed_change_s(kind: str, values: Mapping[str, float]) -> float:
    """Time to change onto a train of ``kind`` from a frequent line (:func:`timed_feed`) before its wait:
    onto HSR and conventional trains, entering the national-rail station as from the street (half
    ``station_access_<kind>_s``: security and gates) — the minimum transfer time is a margin against a
    missed connection, which a traveller timing their departure has in the first-boarding wait instead;
    onto other trains ``transfer_walk_s`` as any change (:func:`transfer_change_s`)."""
    if kind in NATIONAL_RAIL_KINDS:
        return max(float(values[f"station_access_{kind}_s"]) / 2.0, float(values["transfer_walk_s"]))
    return transfer_change_s(kind, values)


def feeder_edge_times_s(state: NetworkState) -> npt.NDArray[np.float64]:
    """Bus-feeder time (s) per road edge: the car time / ``bus_feeder_speed_factor``, or a fixed speed."""
    p = state.params
    if p.feeder_speed_kph is not None:
        return road_edge_times_s(state.roads, p.feeder_speed_kph, p)
    return road_edge_times_s(state.roads, None, p) / p.value("bus_feeder_speed_factor")


def feeder_change_share(length_m: npt.NDArray[np.float64], values: Mapping[str, float]) -> npt.NDArray[np.float64]:
    """Expected changes of bus line on a feeder-bus ride of ``length_m`` along the road layer: ``length_m /
    bus_line_length_m`` (a ride of d m on lines L m long changes line d / L times on average, boarding at a
    random point of a line's run). Each change waits ``bus_feeder_wait_min`` and pays ``transfer_penalty_min``;
    charged per road edge, so a path's charge is its length's share and plain Dijkstra finds it."""
    return np.asarray(length_m, dtype=float) / float(values["bus_line_length_m"])


class _Edges:
    """Edge lists being collected for one graph (kept as Python lists, turned into arrays once)."""

    def __init__(self) -> None:
        self.src: list[int] = []
        self.dst: list[int] = []
        self.w: list[float] = []
        self.kind: list[str] = []
        self.label: list[str] = []
        self.length: list[float] = []
        self.gen: list[float] = []

    def add(self, a: int, b: int, w: float, kind: str, label: str, length_m: float = 0.0, *, gen_s: float | None = None) -> None:
        """One edge of clock time ``w`` (s) and generalized cost ``gen_s`` (default: ``w``, in-vehicle)."""
        self.src.append(a)
        self.dst.append(b)
        self.w.append(w)
        self.kind.append(kind)
        self.label.append(label)
        self.length.append(length_m)
        self.gen.append(w if gen_s is None else gen_s)

    def arrays(self) -> list[np.ndarray]:
        return [
            np.array(self.src, dtype=np.int64),
            np.array(self.dst, dtype=np.int64),
            np.array(self.w, dtype=float),
            np.array(self.kind, dtype=object),
            np.array(self.label, dtype=object),
            np.array(self.length, dtype=float),
            np.array(self.gen, dtype=float),
        ]


PlatformKey = tuple[Any, Any]
"""(line id, stop sequence) of a platform, as the stops table gives them."""


def _ride_edges(
    e: _Edges,
    rail: RailNetwork,
    seg: pd.DataFrame,
    plat_keys: list[PlatformKey],
    platforms: tuple[dict[PlatformKey, int], dict[PlatformKey, int]],
    late: tuple[dict[PlatformKey, int], dict[PlatformKey, int]],
    frequent: set[str],
) -> None:
    """Riding edges: both directions between consecutive stops (a line marked one_way, e.g. one direction
    of a GTFS route, only in its stop order), and the dwell when staying on board through a stop; on a
    frequent line's second set of platforms (``late``: departure and arrival ids) as on its first."""
    one_way = set(rail.lines.loc[rail.lines["one_way"].fillna(False).astype(bool), "line_id"]) if "one_way" in rail.lines.columns else set()
    for r in seg.itertuples(index=False):
        a0, b0 = (r.line_id, r.from_seq), (r.line_id, r.to_seq)
        run_s, dist_m = float(r.run_s), float(r.distance_m)  # type: ignore[arg-type]
        for dep, arr in (platforms, late) if r.line_id in frequent else (platforms,):
            e.add(dep[a0], arr[b0], run_s, f"ride:{r.line_id}", f"{r.from_name}→{r.to_name}", dist_m)
            if r.line_id not in one_way:
                e.add(dep[b0], arr[a0], run_s, f"ride:{r.line_id}", f"{r.to_name}→{r.from_name}", dist_m)
    dwell = dict(zip(seg["line_id"], seg["dwell_s"]))
    dwell_at = {(r.line_id, r.to_seq): float(r.dwell_s) for r in seg.itertuples(index=False)}  # type: ignore[arg-type]
    for dep, arr in (platforms, late):
        for key in plat_keys:
            if key in dep:
                e.add(arr[key], dep[key], dwell_at.get(key, float(dwell[key[0]])), f"ride:{key[0]}", "dwell")


def build_transit_graph(state: NetworkState) -> ModeGraph:
    """Bus feeder on roads + rail, in layers.

    Nodes: road nodes (riding a feeder bus), one street-level node and two interchange nodes (any
    arrival; a frequent line's arrival, timed) per station name, and per (line, stop) an arrival and a departure platform node. Edges:

    - road: bus-feeder time on every road but expressways (feeder buses are local buses; intercity
      buses are services of their own, e.g. GTFS), plus each edge's share of a change of bus line
      (:func:`feeder_change_share`: ``bus_feeder_wait_min`` per ``bus_line_length_m`` ridden, and in
      generalized cost that wait weighted and a ``transfer_penalty_min``); road node <-> station: walking (or, for a station farther than the walk
      limit from every road node, the bus connector at the area's speed); leaving a station by bus waits
      ``bus_feeder_wait_min``;
    - station -> departure platform: half the line kind's street-to-platform time + the initial wait
      (:func:`initial_wait_s`); arrival platform -> station: the other half (leaving); arrival platform
      -> interchange node: alight to change; interchange -> departure platform of another line:
      ``transfer_walk_s`` (``transfer_min_national_rail_s`` onto HSR and conventional trains) + half the headway (a transfer);
      a frequent line's arrivals (:func:`timed_feed`) alight to a second, timed interchange node whose
      boardings wait like a first boarding instead (the traveller times their departure; :func:`initial_wait_s`),
      after the change time of :func:`timed_change_s`;
    - departure -> next stop's arrival: run time; arrival -> departure at the same stop: the dwell.

    Every edge carries clock seconds (``edge_clock_s``) and generalized seconds (``csr.data``, what paths
    are chosen by; :class:`CostWeights`): walking (connectors, street-to-platform, transfers) x
    ``walk_weight``, waiting (for a train or a feeder bus) x ``wait_weight``, riding x 1, and
    ``transfer_penalty_min`` on every boarding edge (a train, or a feeder bus from a station). The origin
    connectors of ``network.routing.engine.snap_points`` refund one penalty, so a trip pays it on each
    boarding after the first.
    """
    p = state.params
    v = p.values()
    cw = cost_weights(v)
    roads = state.roads
    rail = state.rail
    n_road = len(roads.nodes)
    rx = roads.nodes["x"].to_numpy(dtype=float)
    ry = roads.nodes["y"].to_numpy(dtype=float)
    # feeder buses are local buses: they do not run on expressways (intercity buses are services of their own)
    road_parts = list(_road_arrays(roads, feeder_edge_times_s(state)))
    local = road_parts[3] != f"road:{EXPRESSWAY_CLASS}"
    road_parts = [a[local] for a in road_parts]
    # riding a feeder bus: in-vehicle, plus the expected share of a change of bus line (its wait, and in
    # generalized cost its weighted wait and a transfer penalty) for every metre ridden
    changes = feeder_change_share(road_parts[5], v)
    bus_wait = v["bus_feeder_wait_min"] * 60.0
    ride_s = road_parts[2] + changes * bus_wait
    ride_gen_s = road_parts[2] + changes * (bus_wait * cw.wait + cw.boarding_penalty_s)
    parts = [[*road_parts[:2], ride_s, *road_parts[3:], ride_gen_s]]
    seg = line_segments(rail, p.period, v)
    running = set(seg["line_id"])
    stops = rail.stops[rail.stops["line_id"].isin(running)].reset_index(drop=True)
    kind_of_line = dict(zip(rail.lines["line_id"], rail.lines["kind"]))
    headway = dict(zip(seg["line_id"], seg["headway_s"]))
    st = rail.station_places()
    n_st = len(st)
    st_id = {name: n_road + k for k, name in enumerate(st["name_zh"])}
    ic_id = {name: n_road + n_st + k for k, name in enumerate(st["name_zh"])}
    # arrivals of a frequent line change at a node of their own, whose boardings wait like a first one
    timed_id = {name: n_road + 2 * n_st + k for k, name in enumerate(st["name_zh"])}
    plat_keys = list(zip(stops["line_id"], stops["seq"]))
    arr_id = {key: n_road + 3 * n_st + 2 * i for i, key in enumerate(plat_keys)}
    dep_id = {key: n_road + 3 * n_st + 2 * i + 1 for i, key in enumerate(plat_keys)}
    # a frequent line's platforms again, for a trip that reached it after a less frequent train: its
    # arrival cannot be timed, so changing from it waits the full half headway (no riding a metro one
    # stop and back to turn an untimed change into a timed one)
    frequent = {lid for lid in running if timed_feed(headway[lid], v)}
    late_keys = [key for key in plat_keys if key[0] in frequent]
    base = n_road + 3 * n_st + 2 * len(plat_keys)
    late_arr_id = {key: base + 2 * i for i, key in enumerate(late_keys)}
    late_dep_id = {key: base + 2 * i + 1 for i, key in enumerate(late_keys)}
    n = base + 2 * len(late_keys)
    walk_ms = v["walk_speed_kph"] / 3.6
    walk_max = p.walk_limit_m if p.walk_limit_m is not None else v["walk_max_m"]
    detour = v["access_detour"]
    e = _Edges()
    sxy = st[["x", "y"]].to_numpy()
    # station <-> road: walk to every road node within the walk limit; a station beyond it from every
    # node is reached by the bus connector at its area's speed (the skeleton's gap, paid once)
    connected = _connected_road_nodes(roads)
    tree = cKDTree(np.column_stack([rx[connected], ry[connected]]))
    area = area_type_codes(sxy[:, 0], sxy[:, 1])
    bus_kph = connector_kph(v, p.period) * v["bus_feeder_speed_factor"]
    for k, (name, x, y) in enumerate(zip(st["name_zh"], sxy[:, 0], sxy[:, 1])):
        near = [int(connected[j]) for j in tree.query_ball_point((x, y), r=walk_max / detour)]
        walkable = bool(near)
        if not walkable:
            near = [int(connected[j]) for j in np.atleast_1d(tree.query((x, y), k=min(3, len(connected)))[1])]
        sid = st_id[name]
        for j in near:
            d = float(np.hypot(rx[j] - x, ry[j] - y)) * detour
            if walkable:
                t = d / walk_ms
                t_gen = t * cw.walk
            else:  # a bus ride, with its share of a change of line as on the roads
                bus_s, share = d / (bus_kph[area[k]] / 3.6), float(feeder_change_share(np.array([d]), v)[0])
                t, t_gen = bus_s + share * bus_wait, bus_s + share * (bus_wait * cw.wait + cw.boarding_penalty_s)
            e.add(j, sid, t, "walk" if walkable else "feeder", name, d, gen_s=t_gen)
            # from a station onto a feeder bus: a boarding (its wait and the penalty)
            e.add(sid, j, t + bus_wait, "walk" if walkable else "feeder", name, d, gen_s=t_gen + bus_wait * cw.wait + cw.boarding_penalty_s)
    # walking transfers between nearby stations with different names (e.g. metro 长沙火车南站 <-> HSR 长沙南)
    for a, b in sorted(cKDTree(sxy).query_pairs(r=p.transfer_walk_m)) if n_st > 1 else []:
        d, t = walk_transfer(float(np.hypot(*(sxy[a] - sxy[b]))), v)
        na, nb = str(st["name_zh"][a]), str(st["name_zh"][b])
        for ic in (ic_id, timed_id):
            e.add(ic[na], ic[nb], t, "transfer", f"{na}↔{nb}", d, gen_s=t * cw.walk)
            e.add(ic[nb], ic[na], t, "transfer", f"{nb}↔{na}", d, gen_s=t * cw.walk)
    for name in st["name_zh"]:  # a traveller off a frequent line may still change as if off any line
        e.add(timed_id[name], ic_id[name], 0.0, "alight", name)
    # station levels, boarding, alighting, transfers: street <-> platform costs half the line kind's
    # street-to-platform time each way (an intercity platform at 株洲 is not behind the national-rail
    # security hall); a transfer stays inside (interchange node) and waits the full half headway
    for (lid, seq), name in zip(plat_keys, stops["name_zh"]):
        half_access = v[f"station_access_{kind_of_line[lid]}_s"] / 2.0
        hw = headway[lid]
        first_wait = float(initial_wait_s(hw, v))
        board_gen_s = half_access * cw.walk + first_wait * cw.wait + cw.boarding_penalty_s
        e.add(st_id[name], dep_id[(lid, seq)], half_access + first_wait, f"board:{lid}", name, gen_s=board_gen_s)
        change_s = transfer_change_s(kind_of_line[lid], v)
        transfer_gen_s = change_s * cw.walk + hw / 2.0 * cw.wait + cw.boarding_penalty_s
        e.add(ic_id[name], late_dep_id.get((lid, seq), dep_id[(lid, seq)]), change_s + hw / 2.0, f"board:{lid}", name, gen_s=transfer_gen_s)
        timed_s = timed_change_s(kind_of_line[lid], v)
        timed_gen_s = timed_s * cw.walk + first_wait * cw.wait + cw.boarding_penalty_s
        e.add(timed_id[name], dep_id[(lid, seq)], timed_s + first_wait, f"board:{lid}", name, gen_s=timed_gen_s)
        e.add(arr_id[(lid, seq)], (timed_id if lid in frequent else ic_id)[name], 0.0, "alight", name)
        e.add(arr_id[(lid, seq)], st_id[name], half_access, "exit", name, gen_s=half_access * cw.walk)
        if (lid, seq) in late_arr_id:
            e.add(late_arr_id[(lid, seq)], ic_id[name], 0.0, "alight", name)
            e.add(late_arr_id[(lid, seq)], st_id[name], half_access, "exit", name, gen_s=half_access * cw.walk)
    _ride_edges(e, rail, seg, plat_keys, (dep_id, arr_id), (late_dep_id, late_arr_id), frequent)
    parts.append(e.arrays())
    src, dst, clock_s, kind, label, length, gen_s = [np.concatenate([part[i] for part in parts]) for i in range(7)]
    csr, edge_clock_s, (kind, label, length) = _assemble_generalized(n, src, dst, clock_s, gen_s, kind, label, length)
    late = np.array([key[0] in frequent for key in plat_keys], dtype=bool)
    plat_xy = np.repeat(np.concatenate([stops[["x", "y"]].to_numpy(), stops.loc[late, ["x", "y"]].to_numpy()]), 2, axis=0)
    node_x = np.concatenate([rx, sxy[:, 0], sxy[:, 0], sxy[:, 0], plat_xy[:, 0]])
    node_y = np.concatenate([ry, sxy[:, 1], sxy[:, 1], sxy[:, 1], plat_xy[:, 1]])
    plat_labels = [f"{lid}:{nm}:{side}" for (lid, _), nm in zip(plat_keys, stops["name_zh"]) for side in ("arr", "dep")]
    plat_labels += [f"{lid}:{nm}:{side} (after an untimed change)" for lid, nm in zip(stops.loc[late, "line_id"], stops.loc[late, "name_zh"]) for side in ("arr", "dep")]
    node_label = np.concatenate(
        [
            np.array(["road"] * n_road, dtype=object),
            st["name_zh"].to_numpy(dtype=object),
            np.array([f"{nm} (interchange)" for nm in st["name_zh"]], dtype=object),
            np.array([f"{nm} (interchange, timed)" for nm in st["name_zh"]], dtype=object),
            np.array(plat_labels, dtype=object),
        ]
    )
    return ModeGraph(
        mode="transit",
        csr=csr,
        n_road=n_road,
        node_x=node_x,
        node_y=node_y,
        node_label=node_label,
        edge_kind=kind,
        edge_label=label,
        edge_length_m=length,
        station_nodes=np.arange(n_road, n_road + n_st, dtype=np.int64),
        edge_clock_s=edge_clock_s,
        cost_weight_max=cw.max_weight,
        boarding_penalty_s=cw.boarding_penalty_s,
        shared_pairs=shared_pairs(roads),
        non_rail_lines=frozenset(str(lid) for lid, k in kind_of_line.items() if k not in RAIL_KINDS),
    )


RAIL_SYSTEM_EXCLUDED: Final = ("walk", "feeder", "exit")
"""Edge kinds outside the rail system besides roads: street connectors, feeder buses and station exits."""


def rail_system_edges(graph: ModeGraph) -> npt.NDArray[np.bool_]:
    """Per CSR entry of a transit graph: True for an edge inside the rail system — boarding at a transfer,
    riding, dwelling or alighting a rail line (``RAIL_KINDS``), walking changes between stations. Roads,
    street connectors, feeder buses, station exits and every boarding or ride of a bus, tram or ferry line
    (``ModeGraph.non_rail_lines``) are outside."""
    codes, kinds = pd.factorize(pd.Series(graph.edge_kind, dtype=object).astype(str))
    inside = np.array([_inside_rail_system(str(k), graph.non_rail_lines) for k in kinds], dtype=bool)
    return inside[codes] if len(codes) else np.zeros(0, dtype=bool)


def _inside_rail_system(kind: str, non_rail_lines: frozenset[str]) -> bool:
    head, _, line = kind.partition(":")
    return not (head == "road" or kind in RAIL_SYSTEM_EXCLUDED or (head in ("board", "ride") and line in non_rail_lines))


def strongly_connected_nodes(roads: RoadNetwork) -> npt.NDArray[np.bool_]:
    """Per node (by position = node_id): True when the node lies in the largest strongly connected
    component of the roads. Edges removed for a year (a road not yet open) can leave nodes with no
    road or on an island; points should snap only to connected nodes."""
    n = len(roads.nodes)
    e = roads.edges
    u = e["u"].to_numpy(dtype=np.int64)
    v = e["v"].to_numpy(dtype=np.int64)
    oneway = e["oneway"].to_numpy(dtype=bool) if "oneway" in e.columns else np.zeros(len(e), dtype=bool)
    src = np.r_[u, v[~oneway]]
    dst = np.r_[v, u[~oneway]]
    g = csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, label = connected_components(g, directed=True, connection="strong")
    has_edge = np.zeros(n, dtype=bool)
    has_edge[src] = True
    if not has_edge.any():
        return has_edge
    biggest = np.bincount(label[has_edge]).argmax()
    return np.asarray((label == biggest) & has_edge)


def _connected_road_nodes(roads: RoadNetwork) -> npt.NDArray[np.int64]:
    """Road nodes with at least one edge."""
    e = roads.edges
    return np.unique(np.concatenate([e["u"].to_numpy(dtype=np.int64), e["v"].to_numpy(dtype=np.int64)]))


SNAP_ATTRS = ("road_ids", "road_samples", "road_tree", "station_tree", "anchor_ids", "anchor_tree")
"""The cached properties snapping derives from a graph (computed once, handed on to the graph's copies)."""


def _with_snapping(graph: ModeGraph) -> ModeGraph:
    """``graph`` with what snapping derives from it computed (kept graphs hand these on to their copies)."""
    for name in SNAP_ATTRS:
        getattr(graph, name)
    return graph


_CAR_GRAPHS: Memo[tuple[RoadNetwork, ModeGraph]] = Memo(maxsize=2)
"""Recent car graphs by their roads (identity, kept alive with the graph) and parameters: a state that
differs from another only in its rail (a workbench edit of a line) shares that state's car graph."""

_TRANSIT_GRAPHS: ObjectMemo[ModeGraph] = ObjectMemo()
"""The transit graph of each live state (by identity, dropped with the state): the per-row measures of
``observed`` (a rail path, a transit route) and every ``route`` of one state build it once."""


def _kept_copy(graph: ModeGraph) -> ModeGraph:
    """A copy of a memoised graph: the same arrays and snapping trees, none of the searches' caches (each
    graph object builds its own contraction hierarchy when a query asks)."""
    out = replace(graph)
    for name in SNAP_ATTRS:
        if name in graph.__dict__:
            out.__dict__[name] = graph.__dict__[name]
    return out


def build_mode_graph(state: NetworkState, mode: GraphMode) -> ModeGraph:
    """Array form of ``mode`` for ``state`` (built once per state and mode).

    The car graph reads only the roads and the parameters: states sharing both (the same ``RoadNetwork``
    object, equal parameters) get the same arrays, built once, with the snapping samples and trees derived
    from them; the transit graph is built once per state object (``_TRANSIT_GRAPHS``). Never a contraction
    hierarchy another call built (each graph object builds its own when a query asks, so which search
    answers does not depend on what ran before). Roads and states are never edited in place
    (``NetworkState``), so an object stands for its content while it is alive."""
    if mode == "car":
        roads = state.roads
        kept, graph = _CAR_GRAPHS.get((id(roads), repr(state.params)), lambda: (roads, _with_snapping(build_car_graph(state))))
        if kept is not roads:  # an id reused after the first roads were freed
            return build_car_graph(state)
        return _kept_copy(graph)
    if mode == "transit":
        return _kept_copy(_TRANSIT_GRAPHS.get(state, lambda: _with_snapping(build_transit_graph(state))))
    raise ValueError(f"unknown graph mode {mode!r}; expected 'car' or 'transit'")


def to_networkx(state: NetworkState, mode: GraphMode = "car") -> object:
    """The mode graph as an osmnx-style ``networkx.MultiDiGraph`` (edge attributes ``travel_time``, clock s, and
    ``generalized_time``, the generalized s transit paths are chosen by; equal on car graphs)."""
    import networkx as nx  # heavy, only for this export to networkx

    g = build_mode_graph(state, mode)
    G = nx.MultiDiGraph(crs=CRS_METRIC)
    for i in range(g.n_nodes):
        G.add_node(i, x=float(g.node_x[i]), y=float(g.node_y[i]))
    coo = g.csr.tocoo()
    clock = g.clock_s
    for k, (a, b, w) in enumerate(zip(coo.row, coo.col, coo.data)):
        G.add_edge(
            int(a), int(b), travel_time=float(clock[k]), generalized_time=float(w), length=float(g.edge_length_m[k]), kind=str(g.edge_kind[k])
        )
    return G
