"""The road side of the model: one parameter table for class speeds, signalised junctions as node delays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from network.model.graph import RoadNetwork, StateParams, road_edge_times_s
from network.model.parameters import DEFAULTS, PARAMETERS
from network.model.speeds import CLASS_SPEEDS_KPH, PERIODS, ROAD_CLASSES


def test_class_speeds_are_the_parameter_table() -> None:
    """CLASS_SPEEDS_KPH is built from the parameter table: one table, no second copy of the numbers."""
    for c in ROAD_CLASSES:
        for period in PERIODS:
            p = PARAMETERS[f"speed_{c}_{period}_kph"]
            assert CLASS_SPEEDS_KPH[c][period] == p.value and p.low <= p.value <= p.high and p.source


def _two_edges(signals: list[float]) -> RoadNetwork:
    nodes = pd.DataFrame({"node_id": [0, 1, 2], "lon": 0.0, "lat": 0.0, "x": [0.0, 1000.0, 2000.0], "y": 0.0})
    edges = pd.DataFrame(
        {"u": [0, 1], "v": [1, 2], "length_m": 1000.0, "highway": "rural_highway", "name": "", "ref": "", "oneway": False, "signals": signals}
    )
    return RoadNetwork(nodes=nodes, edges=edges, tier="test", snapshot="test")


@pytest.mark.parametrize("period", PERIODS)
def test_signals_add_the_period_delay(period: str) -> None:
    """Each signalised junction an edge passes adds signal_delay_<period>_s; the AM peak delay is larger."""
    roads = _two_edges([0.0, 3.0])
    t = road_edge_times_s(roads, None, StateParams(period=period))  # type: ignore[arg-type]
    run_s = 1000.0 / (CLASS_SPEEDS_KPH["rural_highway"][period] / 3.6)  # type: ignore[index]
    np.testing.assert_allclose(t, [run_s, run_s + 3 * DEFAULTS[f"signal_delay_{period}_s"]])
    assert DEFAULTS["signal_delay_am_peak_s"] > DEFAULTS["signal_delay_off_peak_s"]


def test_parameter_overrides_reach_edge_times() -> None:
    """A sensitivity run (StateParams.overrides) changes class speeds and junction delays."""
    roads = _two_edges([0.0, 2.0])
    base = road_edge_times_s(roads, None, StateParams(period="off_peak"))
    p = StateParams(period="off_peak", overrides=(("speed_rural_highway_off_peak_kph", 50.0), ("signal_delay_off_peak_s", 30.0)))
    t = road_edge_times_s(roads, None, p)
    np.testing.assert_allclose(t, [1000 / (50 / 3.6), 1000 / (50 / 3.6) + 60.0])
    assert (t > base).all()
