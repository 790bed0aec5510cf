"""The network a scenario describes, as plain data: roads (``RoadNetwork``), rail services and run parameters.

Data flows one way: a ``NetworkState`` (roads + rail + parameters) is immutable;
``network.routing.graphs.build_mode_graph`` turns it into arrays once, and the engine only reads those arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from network.model.parameters import DEFAULTS
from network.model.rail import RailNetwork
from network.model.speeds import Period

GraphMode = Literal["car", "transit"]
MODES: tuple[str, ...] = ("car", "transit", "best")
SHARED_COLUMN = "shared"
"""Edge column: True on the edges every state of a tier shares (its base roads with every dated road,
crossing and catalogue road closed: present in every year); False or absent on edges a year, a project
or an edit adds. Their nodes set how far a point looks for its candidate nodes
(``network.routing.engine.snap_points``), so that a road added never pushes a candidate out."""


@dataclass(frozen=True)
class RoadNetwork:
    """A road network in the common shape every tier produces.

    nodes: node_id (0..n-1), lon, lat, x, y (UTM 49N m).
    edges: u, v, length_m, highway (road class), name, ref, oneway; optional speed_kph override
    (NaN = class speed), per-period overrides speed_am_peak_kph / speed_off_peak_kph, and ``signals``: the
    signalised junctions the edge passes whose delay its speed excludes (each adds signal_delay_<period>_s);
    ``shared`` (:data:`SHARED_COLUMN`): the edges every state of the tier has.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    tier: str
    snapshot: str


@dataclass(frozen=True)
class StateParams:
    """Run parameters that shape the graphs. Physical parameters come from ``network.model.parameters``
    (``value(name)``); the fields here are the scenario-level switches."""

    period: Period = "am_peak"
    feeder_speed_kph: float | None = None
    """A fixed bus-feeder speed on every road; ``None``: the road's car speed x ``bus_feeder_speed_factor``."""
    walk_limit_m: float | None = None
    """Longest walk to or from the network; ``None``: the parameter ``walk_max_m``."""
    transfer_walk_m: float = 500.0
    """Stations of different names this close are linked by a walking transfer."""
    class_speeds_kph: dict[str, dict[Period, float]] | None = None
    overrides: tuple[tuple[str, float], ...] = ()
    """Physical parameters changed from ``network.model.parameters`` (name, value), e.g. for sensitivity runs."""

    def value(self, name: str) -> float:
        """The value of physical parameter ``name`` in this state (override, else the table's default)."""
        for key, v in self.overrides:
            if key == name:
                return float(v)
        return DEFAULTS[name]

    def values(self) -> dict[str, float]:
        """Every physical parameter's value in this state."""
        out = dict(DEFAULTS)
        out.update({k: float(v) for k, v in self.overrides})
        return out


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
        """A copy of this state with some parameters changed (e.g. ``signal_delay_am_peak_s=40``)."""
        return replace(self, params=replace(self.params, **changes))  # type: ignore[arg-type]
