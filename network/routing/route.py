"""Point-to-point queries with a readable path summary (roads and lines used, waits, transfers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from network._errors import NetworkError
from network.geo import to_metric
from network.model.graph import NetworkState
from network.model.memo import ObjectMemo
from network.model.rail import RAIL_KINDS, line_segments, ride_s
from network.model.speeds import Period
from network.routing.engine import Snap, direct_times_s, path_nodes, snap_points
from network.routing.graphs import ModeGraph, build_mode_graph, cost_weights, rail_system_edges, walk_transfer


@dataclass
class Leg:
    """One leg of a route: kind (road, access, wait, ride, ...), clock minutes, km, a label, and the
    generalized minutes the path was chosen by (walks and waits weighted, a boarding penalty; equal to
    ``minutes`` for car legs and rides)."""

    kind: str  # terminal, access, drive, feeder, walk, wait, ride, transfer, exit
    label: str
    minutes: float
    km: float
    generalized_minutes: float = 0.0


@dataclass
class Route:
    """A point-to-point result: clock minutes, km, legs, and for transit the lines, waits and transfers.

    ``generalized_minutes``: the cost the path was chosen by (``network.routing.graphs.CostWeights``: walking
    and waiting weighted, ``transfer_penalty_min`` per boarding after the first); for car trips the
    minutes themselves."""

    mode: str
    minutes: float
    km: float
    generalized_minutes: float = 0.0
    legs: list[Leg] = field(default_factory=list)
    waits_minutes: float = 0.0
    transfers: int = 0
    lines: list[str] = field(default_factory=list)
    tier: str = ""
    snapshot: str = ""
    direct: bool = False
    """True when the trip is the direct one over local streets (a walk, or a local drive): shorter than any
    way through the modelled network (``network.routing.engine.direct_times_s``)."""
    flags: list[str] = field(default_factory=list)
    """Warnings a planner must see beside the minutes, e.g. a trip end beyond the documented reach of a
    connector (its access leg is an estimate, not a modelled road)."""

    def to_dict(self) -> dict[str, Any]:
        """The route as JSON-ready values (minutes and km rounded to 0.01)."""
        d = asdict(self)
        d["minutes"] = round(self.minutes, 2)
        d["generalized_minutes"] = round(self.generalized_minutes, 2)
        d["km"] = round(self.km, 2)
        d["waits_minutes"] = round(self.waits_minutes, 2)
        for leg in d["legs"]:
            leg["minutes"] = round(leg["minutes"], 2)
            leg["generalized_minutes"] = round(leg["generalized_minutes"], 2)
            leg["km"] = round(leg["km"], 2)
        return d


def _find_arc(g: ModeGraph, a: int, b: int) -> int | None:
    """The CSR position of the arc a -> b, or None."""
    start, end = g.csr.indptr[a], g.csr.indptr[a + 1]
    pos = np.flatnonzero(g.csr.indices[start:end] == b)
    return int(start + pos[0]) if len(pos) else None


def _edge_lookup(g: ModeGraph, a: int, b: int) -> int:
    k = _find_arc(g, a, b)
    if k is None:
        raise NetworkError(f"no edge {a}->{b}")
    return k


def _road_leg(g: ModeGraph, k: int | None) -> tuple[str, str]:
    """(kind, label) of road arc ``k`` as a route leg shows it: a drive (car) or feeder bus (transit) on its
    named road, with its class ("road" without an arc)."""
    if k is None:
        return ("drive" if g.mode == "car" else "feeder"), "road"
    cls = str(g.edge_kind[k]).removeprefix("road:")
    name = str(g.edge_label[k]) or cls
    return ("drive" if g.mode == "car" else "feeder"), (f"{name} ({cls})" if name != cls else cls)


def _summarise(g: ModeGraph, nodes: list[int]) -> list[Leg]:
    legs: list[Leg] = []
    clock = g.clock_s
    for a, b in zip(nodes[:-1], nodes[1:]):
        k = _edge_lookup(g, a, b)
        kind = str(g.edge_kind[k])
        minutes = float(clock[k]) / 60.0
        gen_minutes = float(g.csr.data[k]) / 60.0
        km = float(g.edge_length_m[k]) / 1000.0
        if kind.startswith("road:"):
            leg_kind, label = _road_leg(g, k)
        elif kind.startswith("board:"):
            leg_kind, label = "wait", f"board {kind.split(':', 1)[1]} at {g.edge_label[k]}"
        elif kind.startswith("ride:"):
            leg_kind, label = "ride", kind.split(":", 1)[1]
        elif kind == "alight":
            continue
        else:
            leg_kind, label = kind, str(g.edge_label[k])
        if legs and legs[-1].kind == leg_kind and legs[-1].label == label and leg_kind in ("drive", "feeder", "ride"):
            legs[-1].minutes += minutes
            legs[-1].generalized_minutes += gen_minutes
            legs[-1].km += km
        else:
            legs.append(Leg(leg_kind, label, minutes, km, gen_minutes))
    return legs


def _merge_legs(legs: list[Leg]) -> list[Leg]:
    """Consecutive drive, feeder or ride legs on the same road or line as one leg."""
    out: list[Leg] = []
    for leg in legs:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == leg.kind and prev.label == leg.label and leg.kind in ("drive", "feeder", "ride"):
            out[-1] = replace(
                prev,
                minutes=prev.minutes + leg.minutes,
                km=prev.km + leg.km,
                generalized_minutes=prev.generalized_minutes + leg.generalized_minutes,
            )
        else:
            out.append(leg)
    return out


def _road_arc(g: ModeGraph, a: int, b: int) -> int | None:
    """The CSR position of the road arc a -> b, else of b -> a (a point's nearest road may be one-way), or None."""
    k = _find_arc(g, a, b)
    return _find_arc(g, b, a) if k is None else k


def _end_legs(g: ModeGraph, snap: Snap, i: int, total_s: float, gen_s: float, direction: str, node: int) -> list[Leg]:
    """The connector between a trip end and the network (candidate ``i`` of the point's ``snap``: clock
    ``total_s``, generalized ``gen_s``), split into local streets and the part run along the nearest
    road, and the car terminal time as its own leg."""
    terminal_s = float(snap.terminal_s[0])
    where = "station " + str(g.node_label[node]) if node >= g.n_road else "network"
    length_m = float(snap.connector_m[0][i]) if snap.connector_m is not None else 0.0
    road_s = road_m = 0.0
    legs: list[Leg] = []
    if snap.along is not None and int(snap.along[3][0][i]) >= 0:
        road_s = float(snap.along[0 if direction == "to" else 1][0][i])
        road_m = float(snap.along[2][0][i])
        if road_s > 0 and np.isfinite(road_s):
            arc = _road_arc(g, node, int(snap.along[3][0][i]))
            kind, label = _road_leg(g, arc)
            # generalized over clock seconds: 1 but on a transit graph's feeder buses, whose line changes weigh
            # their waits and penalties (network.routing.graphs.feeder_change_share)
            gen_per_clock = 1.0 if arc is None else float(g.csr.data[arc] / g.clock_s[arc])
            legs.append(Leg(kind, label, road_s / 60.0, road_m / 1000.0, road_s * gen_per_clock / 60.0))
        else:
            road_s = road_m = 0.0
    km = max(length_m - road_m, 0.0) / 1000.0 if np.isfinite(length_m) else 0.0
    kind, label = "access", f"{direction} {where}"
    if snap.walked is not None and not bool(snap.walked[0][i]):  # beyond walking: a bus connector, its wait included
        kind, label = "feeder", f"bus {direction} {where} (local streets, wait included)"
    legs.insert(0, Leg(kind, label, float(total_s - terminal_s - road_s) / 60.0, km, float(gen_s - terminal_s - road_s) / 60.0))
    if terminal_s > 0:
        legs.insert(0, Leg("terminal", "parking and walking", float(terminal_s) / 60.0, 0.0, float(terminal_s) / 60.0))
    return legs


def _snap_end(g: ModeGraph, x: float, y: float, state: NetworkState, which: str, lonlat: tuple[float, float]) -> Snap:
    """Connect one trip end; a point too far from the network is named by its option and lon,lat."""
    try:
        return snap_points(g, np.array([x]), np.array([y]), state.params)
    except NetworkError as exc:
        reason = str(exc).split(" is ", 1)[-1]
        raise NetworkError(f"{which} {lonlat[0]},{lonlat[1]} is {reason}: choose a point inside the study area's road network") from None


def route(
    state: NetworkState,
    from_lonlat: tuple[float, float],
    to_lonlat: tuple[float, float],
    mode: str,
    *,
    graphs: Mapping[str, ModeGraph] | None = None,
) -> Route:
    """The path between two WGS-84 points by ``mode`` (car, transit, best or rail), with its legs.

    Car: the fastest path. Transit: the path of least generalized cost (``network.routing.graphs.CostWeights``),
    reported in clock minutes (``minutes``) beside its ``generalized_minutes``. Best: the mode of fewer
    clock minutes. Rail: station to station inside the rail system between the stations nearest the
    points (:func:`rail_route`; changes of train included, no access legs). ``graphs``: the mode graphs of ``state`` already built (``Evaluation.graphs``), to save
    building them again (the same answer).
    """
    if mode == "best":
        options = [route(state, from_lonlat, to_lonlat, m, graphs=graphs) for m in ("car", "transit")]
        best = min(options, key=lambda r: r.minutes)
        best.mode = f"best ({best.mode})"
        return best
    if mode == "rail":
        return rail_route(state, from_lonlat, to_lonlat)
    if mode not in ("car", "transit"):
        raise ValueError(f"unknown mode {mode!r}; expected car, transit, best or rail")

    to_m = to_metric()
    (ox, dx), (oy, dy) = to_m.transform([from_lonlat[0], to_lonlat[0]], [from_lonlat[1], to_lonlat[1]])
    if np.hypot(ox - dx, oy - dy) < 1.0:  # the same point: no trip (as the matrices have it)
        return Route(mode=mode, minutes=0.0, km=0.0, tier=state.roads.tier, snapshot=state.roads.snapshot)
    g = graphs[mode] if graphs is not None and mode in graphs else build_mode_graph(state, mode)  # type: ignore[arg-type]
    o = _snap_end(g, ox, oy, state, "--from", from_lonlat)
    d = _snap_end(g, dx, dy, state, "--to", to_lonlat)
    dist, pred = dijkstra(g.csr, directed=True, indices=o.nodes[0], return_predecessors=True)
    total = dist + o.access_cost_s[0][:, None]  # (k_o, n), the cost paths are chosen by
    cand = total[:, d.nodes[0]] + d.egress_cost_s[0][None, :]
    i, j = np.unravel_index(int(np.argmin(cand)), cand.shape)
    direct_s = float(direct_times_s(o, d)[0, 0])
    if not np.isfinite(cand[i, j]):
        if np.isfinite(direct_s):
            return _direct_route(state, mode, o, d, direct_s)
        why = _reach_flags(mode, (from_lonlat, o), (to_lonlat, d))
        raise NetworkError(f"no {mode} path between {from_lonlat} and {to_lonlat}" + "".join(f"; {w}" for w in why))
    src, dst = int(o.nodes[0][i]), int(d.nodes[0][j])
    nodes = path_nodes(pred[i], src, dst)
    legs = _end_legs(g, o, int(i), o.access_s[0][i], o.access_cost_s[0][i], "to", int(src))
    path_legs = _summarise(g, nodes)
    if path_legs and legs[-1].generalized_minutes < legs[-1].minutes:
        # walking to a station refunds the first boarding's penalty (engine.snap_points): show it on that boarding
        refund = g.boarding_penalty_s / 60.0
        legs[-1].generalized_minutes += refund
        path_legs[0].generalized_minutes -= refund
    legs += path_legs
    legs += _end_legs(g, d, int(j), d.egress_s[0][j], d.egress_cost_s[0][j], "from", int(dst))[::-1]
    legs = _merge_legs(legs)
    if g.generalized or o.generalized or d.generalized:
        idx = [_edge_lookup(g, a, b) for a, b in zip(nodes[:-1], nodes[1:])]
        minutes = float(o.access_s[0][i] + g.clock_s[idx].sum() + d.egress_s[0][j]) / 60.0
    else:
        minutes = float(cand[i, j]) / 60.0
    if direct_s <= minutes * 60.0:
        return _direct_route(state, mode, o, d, direct_s)
    flags = _reach_flags(mode, (from_lonlat, o), (to_lonlat, d))
    waits = sum(leg.minutes for leg in legs if leg.kind == "wait")
    boards = sum(1 for leg in legs if leg.kind == "wait")
    return Route(
        mode=mode,
        minutes=minutes,
        generalized_minutes=float(cand[i, j]) / 60.0,
        km=sum(leg.km for leg in legs),
        legs=legs,
        waits_minutes=waits,
        transfers=max(boards - 1, 0),
        lines=_lines(legs),
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
        flags=flags,
    )


def via_nodes(g: ModeGraph, via_lonlat: Sequence[tuple[float, float]], *, avoid_class: str = "expressway") -> list[int]:
    """The road node nearest each waypoint among those no ``avoid_class`` edge touches (an urban corridor's
    waypoint near an interchange must not pull its route onto the expressway); ``[]`` without waypoints."""
    if not via_lonlat:
        return []
    csr = g.csr.tocoo()
    road = (csr.row < g.n_road) & (csr.col < g.n_road)
    kinds = g.edge_kind
    touches = np.zeros(g.n_road, dtype=bool)
    avoid = np.array([str(k) == f"road:{avoid_class}" for k in kinds]) & road
    touches[csr.row[avoid]] = True
    touches[csr.col[avoid]] = True
    linked = np.zeros(g.n_road, dtype=bool)
    linked[csr.row[road & ~avoid]] = True
    ok = np.flatnonzero(linked & ~touches)
    if len(ok) == 0:
        raise NetworkError(f"no road node without a {avoid_class} edge to route a corridor through")
    xs, ys = to_metric().transform([p[0] for p in via_lonlat], [p[1] for p in via_lonlat])
    out: list[int] = []
    for x, y in zip(np.atleast_1d(xs), np.atleast_1d(ys)):
        k = int(ok[np.argmin(np.hypot(g.node_x[ok] - x, g.node_y[ok] - y))])
        if not out or out[-1] != k:
            out.append(k)
    return out


def route_via(
    state: NetworkState,
    from_lonlat: tuple[float, float],
    via_lonlat: Sequence[tuple[float, float]],
    to_lonlat: tuple[float, float],
    *,
    graphs: Mapping[str, ModeGraph] | None = None,
) -> Route:
    """The car route from ``from_lonlat`` to ``to_lonlat`` through the road nodes nearest each waypoint of
    ``via_lonlat`` in order (:func:`via_nodes`): a named road driven end to end, not the fastest path
    between its ends. Each piece between consecutive waypoints is the fastest one; each trip end joins the
    road at its quickest connector (:func:`route` may join farther along where that saves time overall).
    Without waypoints it is :func:`route`. A waypoint the road cannot reach raises ``NetworkError``."""
    if not via_lonlat:
        return route(state, from_lonlat, to_lonlat, "car", graphs=graphs)
    g = graphs["car"] if graphs is not None and "car" in graphs else build_mode_graph(state, "car")
    to_m = to_metric()
    (ox, dx), (oy, dy) = to_m.transform([from_lonlat[0], to_lonlat[0]], [from_lonlat[1], to_lonlat[1]])
    o = _snap_end(g, ox, oy, state, "--from", from_lonlat)
    d = _snap_end(g, dx, dy, state, "--to", to_lonlat)
    via = via_nodes(g, via_lonlat)
    # each end joins the road at its quickest connector (the road's own end), not wherever the rest is cheapest
    i = int(np.argmin(o.access_s[0]))
    j = int(np.argmin(d.egress_s[0]))
    _, pred = dijkstra(g.csr, directed=True, indices=int(o.nodes[0][i]), return_predecessors=True)
    nodes = path_nodes(pred, int(o.nodes[0][i]), via[0])
    for a, b in zip(via[:-1], via[1:]):
        _, pred = dijkstra(g.csr, directed=True, indices=a, return_predecessors=True)
        nodes += path_nodes(pred, a, b)[1:]
    _, pred = dijkstra(g.csr, directed=True, indices=via[-1], return_predecessors=True)
    nodes += path_nodes(pred, via[-1], int(d.nodes[0][j]))[1:]
    legs = _end_legs(g, o, i, o.access_s[0][i], o.access_cost_s[0][i], "to", int(nodes[0]))
    legs += _summarise(g, nodes)
    legs += _end_legs(g, d, j, d.egress_s[0][j], d.egress_cost_s[0][j], "from", int(nodes[-1]))[::-1]
    legs = _merge_legs(legs)
    idx = [_edge_lookup(g, a, b) for a, b in zip(nodes[:-1], nodes[1:])]
    minutes = float(o.access_s[0][i] + g.clock_s[idx].sum() + d.egress_s[0][j]) / 60.0
    return Route(
        mode="car",
        minutes=minutes,
        generalized_minutes=minutes,
        km=sum(leg.km for leg in legs),
        legs=legs,
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
        flags=_reach_flags("car", (from_lonlat, o), (to_lonlat, d)),
    )


def _lines(legs: list[Leg]) -> list[str]:
    """The lines ridden, in order (a line ridden over several legs once)."""
    lines: list[str] = []
    for leg in legs:
        if leg.kind == "ride" and (not lines or lines[-1] != leg.label):
            lines.append(leg.label)
    return lines


def _reach_flags(mode: str, origin: tuple[tuple[float, float], Snap], destination: tuple[tuple[float, float], Snap]) -> list[str]:
    """The warnings for the trip ends beyond the documented connector reach (:func:`reach_flag`)."""
    ends = (("--from", *origin), ("--to", *destination))
    return [reach_flag(which, lonlat, snap, mode) for which, lonlat, snap in ends if snap.beyond_reach[0]]


def reach_flag(which: str, lonlat: tuple[float, float], snap: Snap, mode: str) -> str:
    """The warning for a trip end (of a one-point ``snap``) beyond the documented connector reach."""
    gap = float(snap.gap_m[0]) / 1000.0 if snap.gap_m is not None else float("nan")
    reach = float(snap.reach_m[0]) / 1000.0 if snap.reach_m is not None else float("nan")
    what = (
        "the access leg over local streets is an estimate, not a modelled road"
        if mode == "car"
        else "beyond a feeder bus's reach: no transit connection there"
    )
    return (
        f"beyond reach: {which} {lonlat[0]},{lonlat[1]} is {gap:.1f} km from the {mode} network (documented reach {reach:.1f} km); {what}"
    )


def _direct_route(state: NetworkState, mode: str, o: Snap, d: Snap, direct_s: float) -> Route:
    """The direct trip over local streets (a walk for transit, a local drive between two terminal times for car)."""
    assert (
        o.x_m is not None
        and o.y_m is not None
        and d.x_m is not None
        and d.y_m is not None
        and o.detour is not None
        and d.detour is not None
    )
    km = float(np.hypot(o.x_m[0] - d.x_m[0], o.y_m[0] - d.y_m[0])) * float(o.detour[0] + d.detour[0]) / 2.0 / 1000.0
    ends = float(o.terminal_s[0] + d.terminal_s[0])
    legs: list[Leg] = []
    if o.terminal_s[0] > 0:
        legs.append(Leg("terminal", "parking and walking", float(o.terminal_s[0]) / 60.0, 0.0, float(o.terminal_s[0]) / 60.0))
    kind, label = ("drive", "local streets (direct)") if mode == "car" else ("walk", "walk (direct, local streets)")
    main_min = (direct_s - ends) / 60.0
    gen_min = main_min if mode == "car" else main_min * state.params.value("walk_weight")
    legs.append(Leg(kind, label, main_min, km, gen_min))
    if d.terminal_s[0] > 0:
        legs.append(Leg("terminal", "parking and walking", float(d.terminal_s[0]) / 60.0, 0.0, float(d.terminal_s[0]) / 60.0))
    return Route(
        mode=mode,
        minutes=direct_s / 60.0,
        km=km,
        generalized_minutes=sum(leg.generalized_minutes for leg in legs),
        legs=legs,
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
        direct=True,
    )


@dataclass
class RailTime:
    """Time in the rail system between two stations (boarding to alighting; no access, no first wait)."""

    minutes: float
    from_station: str
    to_station: str
    pattern: str
    lines: list[str]
    """The services (stopping patterns) the figure is over."""
    via_route: bool = False
    """True when no single service serves both stations and the figure is the rail-only path's rides, the
    waits after its first boarding and any walking change between stations (:func:`rail_place_legs`)."""
    legs: list[Leg] = field(default_factory=list)
    """The rail-only path's legs when ``via_route``."""


_TIMED_LINES: ObjectMemo[dict[str, dict[str, tuple[pd.DataFrame, float]]]] = ObjectMemo()
"""Per state (by identity, dropped with it): each period's timed segments of every line and its headway
(:func:`_timed_lines`), which every ``rail_time`` of the state reads (``observed``: one per station-to-station row)."""


def _timed_lines(state: NetworkState, period: Period) -> dict[str, tuple[pd.DataFrame, float]]:
    """Line id -> (its timed segments in ``period``, ``network.model.rail.line_segments``; its headway, s), in
    the segments' line order; built once per state and period (read only)."""
    by_period = _TIMED_LINES.get(state, dict)
    if period not in by_period:
        seg = line_segments(state.rail, period, state.params.values())
        by_period[period] = {str(lid): (part, float(part["headway_s"].iloc[0])) for lid, part in seg.groupby("line_id", sort=False)}
    return by_period[period]


def rail_time(
    state: NetworkState,
    from_lonlat: tuple[float, float],
    to_lonlat: tuple[float, float],
    *,
    pattern: str = "typical",
) -> RailTime:
    """Station-to-station time as a timetable gives it, between the stations nearest the two points.

    ``pattern="typical"``: the mean over the services (stopping patterns) that run in the state's period
    and serve both stations, weighted by their frequency (1 / headway); ``"fastest"``: the fastest
    service that serves both on any period of the day (the fastest train of the day). When no single
    service serves both, the least-cost path inside the rail system between the two points' station
    places (``rail_place_legs``: from any station within a walking change of the nearest, changes of
    train at their minimum transfer time plus half the headway): its rides, the waits after its first
    boarding and any walking change between stations.
    """
    if pattern not in ("typical", "fastest"):
        raise ValueError(f"pattern {pattern!r}: expected 'typical' or 'fastest'")

    a, b = nearest_stations(state, from_lonlat, to_lonlat)
    periods: tuple[Period, ...] = (state.params.period,) if pattern == "typical" else ("am_peak", "off_peak")
    options: dict[str, tuple[float, float]] = {}
    rail_ids = rail_line_ids(state)
    for period in periods:
        for lid, (seg, hw) in _timed_lines(state, period).items():
            t = ride_s(seg, lid, a, b) if lid in rail_ids else None
            if t is not None:
                options.setdefault(lid, (t, hw))
    if options:
        if pattern == "fastest":
            lid = min(options, key=lambda k: options[k][0])
            return RailTime(options[lid][0] / 60.0, a, b, pattern, [lid])
        weights = np.array([1.0 / options[k][1] for k in options])
        times = np.array([options[k][0] for k in options])
        return RailTime(float((weights * times).sum() / weights.sum()) / 60.0, a, b, pattern, sorted(options))
    legs = rail_place_legs(state, from_lonlat, to_lonlat)
    rides = sum(leg.minutes for leg in legs if leg.kind == "ride")
    waits = [leg.minutes for leg in legs if leg.kind == "wait"]
    changes = sum(leg.minutes for leg in legs if leg.kind == "transfer")
    lines: list[str] = []
    for leg in legs:
        if leg.kind == "ride" and (not lines or lines[-1] != leg.label):
            lines.append(leg.label)
    return RailTime(rides + sum(waits[1:]) + changes, a, b, pattern, lines, via_route=True, legs=legs)


def rail_line_ids(state: NetworkState) -> frozenset[str]:
    """Ids of the state's lines of a rail kind (``RAIL_KINDS``: metro, maglev, intercity, hsr,
    conventional); bus, tram and ferry services (GTFS feeds, scenario services) are not rail."""
    lines = state.rail.lines
    return frozenset(lines.loc[lines["kind"].isin(RAIL_KINDS), "line_id"].astype(str))


def nearest_stations(state: NetworkState, from_lonlat: tuple[float, float], to_lonlat: tuple[float, float]) -> tuple[str, str]:
    """Names of the rail stations (stops of the rail lines in ``state``: ``rail_line_ids``, no bus stop)
    nearest each WGS-84 point."""
    to_m = to_metric()
    (ox, dx), (oy, dy) = to_m.transform([from_lonlat[0], to_lonlat[0]], [from_lonlat[1], to_lonlat[1]])
    stops = state.rail.stops
    st = stops[stops["line_id"].isin(rail_line_ids(state))].groupby("name_zh").agg(x=("x", "mean"), y=("y", "mean"))
    if st.empty:
        raise NetworkError("no rail station in this network state (rail kinds: " + ", ".join(RAIL_KINDS) + ")")
    names = st.index.to_numpy()
    xy = st[["x", "y"]].to_numpy()
    a = str(names[int(np.argmin(np.hypot(xy[:, 0] - ox, xy[:, 1] - oy)))])
    b = str(names[int(np.argmin(np.hypot(xy[:, 0] - dx, xy[:, 1] - dy)))])
    return a, b


def rail_route(state: NetworkState, from_lonlat: tuple[float, float], to_lonlat: tuple[float, float]) -> Route:
    """Mode ``rail`` of :func:`route`: station to station inside the rail system, between the station places
    of the two points (:func:`rail_place_legs`: the nearest station and every station within a walking
    change of it) — entering the first station (half its street-to-platform time), the first wait,
    rides, changes of train (minimum transfer time + half the headway), leaving the last station; no
    road, walk or feeder bus at either end or in between other than a walking change between the
    stations of one place."""
    legs = _merge_legs(rail_place_legs(state, from_lonlat, to_lonlat))
    lines: list[str] = []
    for leg in legs:
        if leg.kind == "ride" and (not lines or lines[-1] != leg.label):
            lines.append(leg.label)
    boards = sum(1 for leg in legs if leg.kind == "wait")
    return Route(
        mode="rail",
        minutes=sum(leg.minutes for leg in legs),
        generalized_minutes=sum(leg.generalized_minutes for leg in legs),
        km=sum(leg.km for leg in legs),
        legs=legs,
        waits_minutes=sum(leg.minutes for leg in legs if leg.kind == "wait"),
        transfers=max(boards - 1, 0),
        lines=lines,
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
    )


@dataclass(frozen=True)
class PlaceStation:
    """One station of a trip end's station place: its name, and the walking change from the place's
    nearest station to it (zero for the nearest itself; as the transit graph's transfer edges cost it)."""

    name: str
    walk_m: float
    walk_s: float
    walk_gen_s: float


def station_place(state: NetworkState, lonlat: tuple[float, float]) -> list[PlaceStation]:
    """The stations of the place nearest a WGS-84 point: the nearest station (``nearest_stations``) and every
    station within a walking change (``transfer_walk_m``, crow-fly, as the transit graph's walking transfers
    and ``network.routing.engine.station_candidates``) of it, nearest first — HSR 长沙南, metro 长沙火车南站
    and maglev 磁浮高铁 are one place; a rail trip from it boards whichever serves it."""
    nearest = nearest_stations(state, lonlat, lonlat)[0]
    st = state.rail.station_places()
    stops = state.rail.stops
    st = st[st["name_zh"].isin(stops.loc[stops["line_id"].isin(rail_line_ids(state)), "name_zh"])]
    names = st["name_zh"].astype(str).to_numpy()
    xs, ys = st["x"].to_numpy(dtype=float), st["y"].to_numpy(dtype=float)
    if nearest not in set(names):
        return [PlaceStation(nearest, 0.0, 0.0, 0.0)]
    v = state.params.values()
    walk_w = cost_weights(v).walk
    k0 = int(np.flatnonzero(names == nearest)[0])
    d = np.hypot(xs - xs[k0], ys - ys[k0])
    out = [PlaceStation(nearest, 0.0, 0.0, 0.0)]
    for k in np.argsort(d, kind="stable"):
        name = str(names[k])
        if name == nearest or d[k] > state.params.transfer_walk_m:
            continue
        walk_m, t = walk_transfer(float(d[k]), v)
        out.append(PlaceStation(name, walk_m, t, t * walk_w))
    return out


def rail_place_legs(state: NetworkState, from_lonlat: tuple[float, float], to_lonlat: tuple[float, float]) -> list[Leg]:
    """The legs of the least-cost trip inside the rail system between the station places of two WGS-84
    points (:func:`station_place`): it may start at any station of the origin's place and end at any of the
    destination's, a walking change from or to the nearest station shown as a ``transfer`` leg. A train is
    never ridden out and back to change platforms at the place it started from (or to end at a neighbour).

    Raises
    ------
    NetworkError
        When both points are at the same station place, or no rail path joins the two places.
    """
    a_place, b_place = station_place(state, from_lonlat), station_place(state, to_lonlat)
    if a_place[0].name == b_place[0].name:
        raise NetworkError(f"both points are nearest station {a_place[0].name}: no rail trip between them")
    a_names = {s.name for s in a_place}
    b_names = {s.name for s in b_place}
    # a station of both places is a walk, not a rail trip: each end keeps only its own
    starts = [s for s in a_place if s.name not in b_names or s.name == a_place[0].name]
    ends = [s for s in b_place if s.name not in a_names or s.name == b_place[0].name]
    return _rail_legs(state, starts, ends)


def _rail_legs(state: NetworkState, starts: list[PlaceStation], ends: list[PlaceStation]) -> list[Leg]:
    """Least-cost rail-only legs from any of ``starts`` to any of ``ends`` (each with its walking change
    from or to its place's nearest station, the first of each list)."""
    g = build_mode_graph(state, "transit")
    labels = {str(g.node_label[k]): int(k) for k in g.station_nodes}
    for s in (*starts[:1], *ends[:1]):
        if s.name not in labels:
            raise NetworkError(f"no rail station {s.name!r} in this network state")
    starts = [s for s in starts if s.name in labels]
    ends = [s for s in ends if s.name in labels]
    src = {labels[s.name]: s for s in starts}
    dst = {labels[s.name]: s for s in ends}
    n = g.csr.shape[0]
    source, sink = n, n + 1
    coo = g.csr.tocoo()
    street = np.zeros(n, dtype=bool)
    street[g.station_nodes] = True
    # inside the rail system: no road or feeder edge, and no leaving to the street between trains (a change
    # of train goes through the interchange: minimum transfer time + half the headway)
    keep = (
        (coo.row >= g.n_road)
        & (coo.col >= g.n_road)
        & (rail_system_edges(g) | (g.edge_kind == "exit"))
        & ~(street[coo.row] & ~np.isin(coo.row, list(src)))
        & ~(street[coo.col] & ~np.isin(coo.col, list(dst)))
        & ~(np.isin(coo.row, list(src)) & np.isin(coo.col, list(dst)))
    )
    rows = np.concatenate([coo.row[keep], np.full(len(src), source), np.array(list(dst), dtype=np.int64)])
    cols = np.concatenate([coo.col[keep], np.array(list(src), dtype=np.int64), np.full(len(dst), sink)])
    # a zero-cost edge would vanish from a sparse matrix: the nearest station's own edge costs a hair
    data = np.concatenate(
        [coo.data[keep], [max(s.walk_gen_s, 1e-9) for s in src.values()], [max(s.walk_gen_s, 1e-9) for s in dst.values()]]
    )
    rail_only = csr_matrix((data, (rows, cols)), shape=(n + 2, n + 2))
    dist, pred = dijkstra(rail_only, directed=True, indices=source, return_predecessors=True)
    if not np.isfinite(dist[sink]):
        names = (starts[0].name if starts else "?", ends[0].name if ends else "?")
        raise NetworkError(f"no rail path from {names[0]} to {names[1]} in this network state (a station-to-station figure needs one)")
    nodes = path_nodes(pred, source, sink)[1:-1]
    first, last = src[nodes[0]], dst[nodes[-1]]
    legs = _summarise(g, nodes)
    if first.walk_s > 0:
        legs.insert(
            0, Leg("transfer", f"{starts[0].name}↔{first.name}", first.walk_s / 60.0, first.walk_m / 1000.0, first.walk_gen_s / 60.0)
        )
    if last.walk_s > 0:
        legs.append(Leg("transfer", f"{last.name}↔{ends[0].name}", last.walk_s / 60.0, last.walk_m / 1000.0, last.walk_gen_s / 60.0))
    return legs

