"""Point-to-point queries with a readable path summary (roads and lines used, waits, transfers)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from network._errors import NetworkError
from network.model.graph import ModeGraph, NetworkState, build_mode_graph
from network.routing.engine import path_nodes, snap_points


@dataclass
class Leg:
    kind: str  # drive, feeder, access, wait, ride, transfer
    label: str
    minutes: float
    km: float


@dataclass
class Route:
    mode: str
    minutes: float
    km: float
    legs: list[Leg] = field(default_factory=list)
    waits_minutes: float = 0.0
    transfers: int = 0
    lines: list[str] = field(default_factory=list)
    tier: str = ""
    snapshot: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["minutes"] = round(self.minutes, 2)
        d["km"] = round(self.km, 2)
        d["waits_minutes"] = round(self.waits_minutes, 2)
        for leg in d["legs"]:
            leg["minutes"] = round(leg["minutes"], 2)
            leg["km"] = round(leg["km"], 2)
        return d


def _edge_lookup(g: ModeGraph, a: int, b: int) -> int:
    start, end = g.csr.indptr[a], g.csr.indptr[a + 1]
    pos = np.where(g.csr.indices[start:end] == b)[0]
    if len(pos) == 0:
        raise NetworkError(f"no edge {a}->{b}")
    return int(start + pos[0])


def _summarise(g: ModeGraph, nodes: list[int]) -> list[Leg]:
    legs: list[Leg] = []
    for a, b in zip(nodes[:-1], nodes[1:]):
        k = _edge_lookup(g, a, b)
        kind = str(g.edge_kind[k])
        minutes = float(g.csr.data[k]) / 60.0
        km = float(g.edge_length_m[k]) / 1000.0
        if kind.startswith("road:"):
            cls = kind.split(":", 1)[1]
            name = str(g.edge_label[k]) or cls
            leg_kind = "drive" if g.mode == "car" else "feeder"
            label = f"{name} ({cls})" if name != cls else cls
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
            legs[-1].km += km
        else:
            legs.append(Leg(leg_kind, label, minutes, km))
    return legs


def route(
    state: NetworkState,
    from_lonlat: tuple[float, float],
    to_lonlat: tuple[float, float],
    mode: str,
) -> Route:
    """Fastest path between two WGS-84 points by ``mode`` (car, transit or best)."""
    if mode == "best":
        options = [route(state, from_lonlat, to_lonlat, m) for m in ("car", "transit")]
        best = min(options, key=lambda r: r.minutes)
        best.mode = f"best ({best.mode})"
        return best
    if mode not in ("car", "transit"):
        raise ValueError(f"unknown mode {mode!r}; expected car, transit or best")
    from pyproj import Transformer

    to_m = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    (ox, dx), (oy, dy) = to_m.transform([from_lonlat[0], to_lonlat[0]], [from_lonlat[1], to_lonlat[1]])
    g = build_mode_graph(state, mode)  # type: ignore[arg-type]
    o = snap_points(g, np.array([ox]), np.array([oy]), state.params)
    d = snap_points(g, np.array([dx]), np.array([dy]), state.params)
    dist, pred = dijkstra(g.csr, directed=True, indices=o.nodes[0], return_predecessors=True)
    total = dist + o.access_s[0][:, None]  # (k_o, n)
    cand = total[:, d.nodes[0]] + d.access_s[0][None, :]
    i, j = np.unravel_index(int(np.argmin(cand)), cand.shape)
    minutes = float(cand[i, j]) / 60.0
    if not np.isfinite(minutes):
        raise NetworkError(f"no {mode} path between {from_lonlat} and {to_lonlat}")
    src, dst = int(o.nodes[0][i]), int(d.nodes[0][j])
    nodes = path_nodes(pred[i], src, dst)
    legs = [Leg("access", "to network", float(o.access_s[0][i]) / 60.0, 0.0)]
    legs += _summarise(g, nodes)
    legs.append(Leg("access", "from network", float(d.access_s[0][j]) / 60.0, 0.0))
    waits = sum(leg.minutes for leg in legs if leg.kind == "wait")
    boards = sum(1 for leg in legs if leg.kind == "wait")
    lines: list[str] = []
    for leg in legs:
        if leg.kind == "ride" and (not lines or lines[-1] != leg.label):
            lines.append(leg.label)
    return Route(
        mode=mode,
        minutes=minutes,
        km=sum(leg.km for leg in legs),
        legs=legs,
        waits_minutes=waits,
        transfers=max(boards - 1, 0),
        lines=lines,
        tier=state.roads.tier,
        snapshot=state.roads.snapshot,
    )
