"""The multimodal graph: road network data, rail services and their array (CSR) form per mode.

Data flows one way: a ``NetworkState`` (roads + rail + parameters) is immutable; ``build_mode_graph``
turns it into arrays once, and the engine only reads those arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from network.model.parameters import DEFAULTS
from network.model.rail import RailNetwork, line_segments
from network.model.speeds import (
    FEEDER_SPEED_KPH,
    LOCAL_ACCESS_SPEED_KPH,
    ROAD_CLASSES,
    WALK_SPEED_KPH,
    Period,
    class_speed_kph,
)

if TYPE_CHECKING:
    from network.routing.ch import ContractionHierarchy

GraphMode = Literal["car", "transit"]
MODES: tuple[str, ...] = ("car", "transit", "best")
ACCESS_DETOUR = 1.3
"""Crow-fly distances to/from graph nodes are multiplied by this (streets are not straight)."""


@dataclass(frozen=True)
class RoadNetwork:
    """A road network in the common shape every tier produces.

    nodes: node_id (0..n-1), lon, lat, x, y (UTM 49N m).
    edges: u, v, length_m, highway (road class), name, ref, oneway; optional speed_kph override
    (NaN = class speed), per-period overrides speed_am_peak_kph / speed_off_peak_kph, and ``signals``: the
    signalised junctions the edge passes whose delay its speed excludes (each adds signal_delay_<period>_s).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    tier: str
    snapshot: str

    @cached_property
    def connected(self) -> npt.NDArray[np.bool_]:
        """Per node (by position = node_id): True when the node lies in the largest strongly connected
        component of the roads. Edges removed for a year (a road not yet open) can leave nodes with no
        road or on an island; points should snap only to connected nodes."""
        n = len(self.nodes)
        e = self.edges
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


@dataclass(frozen=True)
class StateParams:
    """Run parameters that shape the graphs."""

    period: Period = "am_peak"
    feeder_speed_kph: float = FEEDER_SPEED_KPH
    walk_speed_kph: float = WALK_SPEED_KPH
    walk_limit_m: float = 1200.0
    local_access_speed_kph: float = LOCAL_ACCESS_SPEED_KPH
    station_access_s: dict[str, float] = field(default_factory=lambda: {"metro": 120.0, "maglev": 180.0, "intercity": 300.0, "hsr": 600.0})
    """Time from street to platform (entrances, security check), by rail kind."""
    transfer_walk_m: float = 500.0
    transfer_penalty_s: float = 120.0
    class_speeds_kph: dict[str, dict[Period, float]] | None = None
    overrides: tuple[tuple[str, float], ...] = ()
    """Physical parameters changed from ``network.model.parameters`` (name, value), e.g. for sensitivity runs."""

    def value(self, name: str) -> float:
        """The value of physical parameter ``name`` in this state (override, else the table's default)."""
        for key, v in self.overrides:
            if key == name:
                return float(v)
        return DEFAULTS[name]


@dataclass(frozen=True)
class NetworkState:
    """Roads + rail + parameters for one scenario. Never edited in place."""

    roads: RoadNetwork
    rail: RailNetwork
    params: StateParams = field(default_factory=StateParams)
    projects: tuple[str, ...] = ()
    """Catalogue ids active in this state."""
    warnings: tuple[str, ...] = ()
    year: int | None = None

    def with_params(self, **changes: object) -> NetworkState:
        return replace(self, params=replace(self.params, **changes))  # type: ignore[arg-type]


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

    @property
    def n_nodes(self) -> int:
        return int(self.csr.shape[0])

    @cached_property
    def road_tree(self) -> cKDTree:
        """KD-tree over the road nodes (UTM m), built on first use and kept with this graph."""
        return cKDTree(np.column_stack([self.node_x[: self.n_road], self.node_y[: self.n_road]]))

    @cached_property
    def hierarchy(self) -> ContractionHierarchy:
        """Contraction hierarchy of this graph (exact many-to-many queries), built on first use and kept."""
        from network.routing.ch import build

        return build(self.csr)

    @property
    def has_hierarchy(self) -> bool:
        return "hierarchy" in self.__dict__


def road_edge_times_s(roads: RoadNetwork, speed_kph: float | None, params: StateParams) -> np.ndarray:
    """Travel time (s) per road edge: at class speeds (car) or at a fixed ``speed_kph`` (feeder).

    Car times are ``length / speed + signals x signal_delay_<period>_s``: the class speed (from the
    parameter table, or the state's ``class_speeds_kph`` table) unless the edge gives its own
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
    order = np.lexsort((w, dst, src))
    src, dst, w, kind, label, length = src[order], dst[order], w[order], kind[order], label[order], length[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, w, kind, label, length = src[first], dst[first], w[first], kind[first], label[first], length[first]
    # zero weights would be dropped by scipy's sparse storage: keep them as a tiny positive time
    w = np.maximum(w, 1e-6)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    indptr = np.cumsum(indptr)
    csr = csr_matrix((w, dst.astype(np.int32), indptr), shape=(n, n))
    return csr, kind, label, length


def _road_arrays(roads: RoadNetwork, t: np.ndarray) -> tuple[np.ndarray, ...]:
    e = roads.edges
    u = e["u"].to_numpy(dtype=np.int64)
    v = e["v"].to_numpy(dtype=np.int64)
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


def build_car_graph(state: NetworkState) -> ModeGraph:
    roads = state.roads
    n = len(roads.nodes)
    t = road_edge_times_s(roads, None, state.params)
    src, dst, w, kind, label, length = _road_arrays(roads, t)
    csr, kind, label, length = _assemble(n, src, dst, w, kind, label, length)
    return ModeGraph(
        mode="car",
        csr=csr,
        n_road=n,
        node_x=roads.nodes["x"].to_numpy(dtype=float),
        node_y=roads.nodes["y"].to_numpy(dtype=float),
        node_label=np.array(["road"] * n, dtype=object),
        edge_kind=kind,
        edge_label=label,
        edge_length_m=length,
        station_nodes=np.array([], dtype=np.int64),
    )


def build_transit_graph(state: NetworkState) -> ModeGraph:
    """Feeder (bus/taxi) on roads + stations + platforms with boarding waits of half the headway."""
    p = state.params
    roads = state.roads
    rail = state.rail
    n_road = len(roads.nodes)
    rx = roads.nodes["x"].to_numpy(dtype=float)
    ry = roads.nodes["y"].to_numpy(dtype=float)
    t_feed = road_edge_times_s(roads, p.feeder_speed_kph, p)
    parts = [list(_road_arrays(roads, t_feed))]

    stops = rail.stops
    kind_of_line = dict(zip(rail.lines["line_id"], rail.lines["kind"]))
    # station nodes: one per station name (interchanges share it)
    st = stops.groupby("name_zh", sort=True).agg(x=("x", "mean"), y=("y", "mean")).reset_index()
    n_st = len(st)
    st_id = {name: n_road + k for k, name in enumerate(st["name_zh"])}
    # station access time: the slowest kind of line at the station sets the street-to-platform time
    access_by_station: dict[str, float] = {}
    for name, g in stops.groupby("name_zh"):
        access_by_station[str(name)] = max(p.station_access_s.get(kind_of_line[lid], 120.0) for lid in g["line_id"])
    # platform nodes
    plat_keys = list(zip(stops["line_id"], stops["seq"]))
    plat_id = {k: n_road + n_st + i for i, k in enumerate(plat_keys)}
    n = n_road + n_st + len(plat_keys)

    feeder_ms = p.feeder_speed_kph / 3.6
    walk_ms = p.walk_speed_kph / 3.6
    # access: station <-> road nodes within walk limit (at least the nearest one)
    tree = cKDTree(np.column_stack([rx, ry]))
    sxy = st[["x", "y"]].to_numpy()
    src_l: list[Any] = []
    dst_l: list[Any] = []
    w_l: list[Any] = []
    kind_l: list[Any] = []
    lab_l: list[Any] = []
    len_l: list[Any] = []
    for k, (name, x, y) in enumerate(zip(st["name_zh"], sxy[:, 0], sxy[:, 1])):
        idx = set(tree.query_ball_point((x, y), r=p.walk_limit_m))
        idx.add(int(tree.query((x, y))[1]))
        for j in sorted(idx):
            d = float(np.hypot(rx[j] - x, ry[j] - y)) * ACCESS_DETOUR
            speed = walk_ms if d <= p.walk_limit_m else feeder_ms
            w = d / speed + access_by_station[name] / 2.0
            sid = n_road + k
            src_l += [j, sid]
            dst_l += [sid, j]
            w_l += [w, w]
            kind_l += ["access", "access"]
            lab_l += [name, name]
            len_l += [d, d]
    # transfers between nearby stations with different names (e.g. metro 长沙火车南站 <-> HSR 长沙南)
    st_tree = cKDTree(sxy)
    for a, b in sorted(st_tree.query_pairs(r=p.transfer_walk_m)):
        d = float(np.hypot(*(sxy[a] - sxy[b]))) * ACCESS_DETOUR
        w = d / walk_ms + p.transfer_penalty_s
        src_l += [n_road + a, n_road + b]
        dst_l += [n_road + b, n_road + a]
        w_l += [w, w]
        kind_l += ["transfer", "transfer"]
        lab_l += [f"{st['name_zh'][a]}↔{st['name_zh'][b]}"] * 2
        len_l += [d, d]
    # boarding / alighting
    seg = line_segments(rail, p.period)
    headway = dict(zip(rail.lines["line_id"], rail.lines[f"headway_{p.period}_min"].astype(float) * 60.0))
    for (lid, seq), name in zip(plat_keys, stops["name_zh"]):
        s_node = st_id[name]
        pl = plat_id[(lid, seq)]
        src_l += [s_node, pl]
        dst_l += [pl, s_node]
        w_l += [headway[lid] / 2.0, 0.0]
        kind_l += [f"board:{lid}", "alight"]
        lab_l += [name, name]
        len_l += [0.0, 0.0]
    # riding (both directions)
    for r in seg.itertuples(index=False):
        a = plat_id[(r.line_id, r.from_seq)]
        b = plat_id[(r.line_id, r.to_seq)]
        src_l += [a, b]
        dst_l += [b, a]
        w_l += [r.ride_s, r.ride_s]
        kind_l += [f"ride:{r.line_id}", f"ride:{r.line_id}"]
        lab_l += [f"{r.from_name}→{r.to_name}", f"{r.to_name}→{r.from_name}"]
        len_l += [r.distance_m, r.distance_m]
    parts.append(
        [
            np.array(src_l, dtype=np.int64),
            np.array(dst_l, dtype=np.int64),
            np.array(w_l, dtype=float),
            np.array(kind_l, dtype=object),
            np.array(lab_l, dtype=object),
            np.array(len_l, dtype=float),
        ]
    )
    cols = [np.concatenate([part[i] for part in parts]) for i in range(6)]
    csr, kind, label, length = _assemble(n, *cols)
    plat_xy = stops[["x", "y"]].to_numpy()
    node_x = np.concatenate([rx, sxy[:, 0], plat_xy[:, 0]])
    node_y = np.concatenate([ry, sxy[:, 1], plat_xy[:, 1]])
    node_label = np.concatenate(
        [
            np.array(["road"] * n_road, dtype=object),
            st["name_zh"].to_numpy(dtype=object),
            np.array([f"{lid}:{nm}" for (lid, _), nm in zip(plat_keys, stops["name_zh"])], dtype=object),
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
    )


def build_mode_graph(state: NetworkState, mode: GraphMode) -> ModeGraph:
    """Array form of ``mode`` for ``state`` (built once per state and mode)."""
    if mode == "car":
        return build_car_graph(state)
    if mode == "transit":
        return build_transit_graph(state)
    raise ValueError(f"unknown graph mode {mode!r}; expected 'car' or 'transit'")


def to_networkx(state: NetworkState, mode: GraphMode = "car") -> object:
    """The mode graph as an osmnx-style ``networkx.MultiDiGraph`` (edge attribute ``travel_time`` in s)."""
    import networkx as nx

    g = build_mode_graph(state, mode)
    G = nx.MultiDiGraph(crs="EPSG:32649")
    for i in range(g.n_nodes):
        G.add_node(i, x=float(g.node_x[i]), y=float(g.node_y[i]))
    coo = g.csr.tocoo()
    for k, (a, b, w) in enumerate(zip(coo.row, coo.col, coo.data)):
        G.add_edge(int(a), int(b), travel_time=float(w), length=float(g.edge_length_m[k]), kind=str(g.edge_kind[k]))
    return G
