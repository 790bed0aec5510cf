"""Transit paths are chosen by generalized cost and reported in clock minutes (issue 11).

Generalized seconds: in-vehicle x 1, walking x ``walk_weight``, waiting x ``wait_weight``, and
``transfer_penalty_min`` per boarding after the first (``network.routing.graphs.CostWeights``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from network.analysis.metrics import evaluate, zone_points
from network.model.graph import NetworkState, RoadNetwork, StateParams
from network.model.parameters import PARAMETERS
from network.model.rail import RailNetwork
from network.model.region import CITIES, Region
from network.routing.engine import costs_to_points, fields_from_points, snap_points
from network.routing.graphs import build_mode_graph
from network.routing.route import route
from tests.conftest import ROOT

TO_LONLAT = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)
X0, Y0 = 700_000.0, 3_100_000.0
CLOCK_CHOICE = (("walk_weight", 1.0), ("wait_weight", 1.0), ("transfer_penalty_min", 0.0))
"""Weights of 1 and no penalty: generalized cost = clock time (outside the TAG ranges, for tests only)."""


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(x, y)
    return float(lon), float(lat)


def _direct_or_transfer(overrides: tuple[tuple[str, float], ...] = ()) -> NetworkState:
    """Stations A, B, C 10 km apart on a line. D runs A-B-C at 60 km/h (20 min A->C, headway 10 min);
    F1 (A-B) and F2 (B-C) at 75 km/h (8 min each, headway 10 and 4 min: a 2 min wait to change at B).
    A->C by clock: F1 + F2 is 2 min faster (the 2 min change wait against 4 min more riding on D);
    by generalized cost the change (wait x 2 + 5 min penalty = 9 min) costs 5 min more than D.
    Trains at constant speed, no dwell, no platform walk; the roads are a slow detour far to the south."""
    xs = [X0 - 5_000, X0, X0 + 10_000, X0 + 20_000, X0 + 25_000]
    nodes = pd.DataFrame({"node_id": range(5), "x": xs, "y": [Y0 - 3_000] * 5})
    nodes["lon"], nodes["lat"] = zip(*(_lonlat(x, y) for x, y in zip(nodes["x"], nodes["y"])))
    edges = pd.DataFrame(
        {"u": [0, 1, 2, 3], "v": [1, 2, 3, 4], "length_m": [5_000.0, 10_000.0, 10_000.0, 5_000.0], "highway": ["rural_minor"] * 4}
    )
    edges["name"], edges["ref"] = "", ""
    roads = RoadNetwork(nodes=nodes, edges=edges, tier="hand", snapshot="direct-or-transfer test network")
    lines = pd.DataFrame(
        {
            "line_id": ["D", "F1", "F2"],
            "name_zh": ["直达", "一段", "二段"],
            "kind": ["intercity"] * 3,
            "top_speed_kph": [60.0, 75.0, 75.0],
            "headway_am_peak_min": [10.0, 10.0, 4.0],
            "headway_off_peak_min": [10.0, 10.0, 4.0],
            "track_detour": [1.0] * 3,
            "opened": ["2000-01-01"] * 3,
        }
    )
    stops = pd.DataFrame(
        {
            "line_id": ["D", "D", "D", "F1", "F1", "F2", "F2"],
            "seq": [0, 1, 2, 0, 1, 0, 1],
            "name_zh": ["A", "B", "C", "A", "B", "B", "C"],
            "x": [X0, X0 + 10_000, X0 + 20_000, X0, X0 + 10_000, X0 + 10_000, X0 + 20_000],
            "y": [Y0] * 7,
        }
    )
    stops["lon"], stops["lat"] = zip(*(_lonlat(x, y) for x, y in zip(stops["x"], stops["y"])))
    ideal = (("accel_intercity_mps2", 1e9), ("brake_intercity_mps2", 1e9), ("dwell_intercity_s", 0.0), ("transfer_walk_s", 0.0))
    return NetworkState(roads=roads, rail=RailNetwork(lines, stops), params=StateParams(period="off_peak", overrides=ideal + overrides), year=2020)


def test_a_direct_service_beats_a_slightly_faster_change_on_generalized_cost() -> None:
    a, c = _lonlat(X0, Y0), _lonlat(X0 + 20_000, Y0)
    chosen = route(_direct_or_transfer(), a, c, "transit")
    by_clock = route(_direct_or_transfer(CLOCK_CHOICE), a, c, "transit")
    assert chosen.lines == ["D"] and chosen.transfers == 0
    assert by_clock.lines == ["F1", "F2"] and by_clock.transfers == 1
    # reported in clock minutes: the direct train is 2 min slower, and costs 5 generalized min less
    assert chosen.minutes == pytest.approx(by_clock.minutes + 2.0, abs=0.01)
    # legs show both: clock minutes sum to the total, generalized minutes to the generalized total
    assert sum(leg.minutes for leg in chosen.legs) == pytest.approx(chosen.minutes, abs=1e-9)
    assert sum(leg.generalized_minutes for leg in chosen.legs) == pytest.approx(chosen.generalized_minutes, abs=1e-9)
    wait = next(leg for leg in chosen.legs if leg.kind == "wait")  # 2.5 min to the platform + 5 min wait, doubled; no penalty
    assert (wait.minutes, wait.generalized_minutes) == (pytest.approx(7.5), pytest.approx(15.0))
    ride = next(leg for leg in chosen.legs if leg.kind == "ride")
    assert ride.generalized_minutes == pytest.approx(ride.minutes) == pytest.approx(20.0)
    d = chosen.to_dict()
    assert {"minutes", "generalized_minutes", "legs"} <= set(d) and all("generalized_minutes" in leg for leg in d["legs"])


def test_the_change_costs_the_documented_penalty() -> None:
    a, c = _lonlat(X0, Y0), _lonlat(X0 + 20_000, Y0)
    # without D, the change it is: its boarding at B costs 2 min wait x 2 + 5 min penalty
    no_direct = _direct_or_transfer()
    no_direct = NetworkState(roads=no_direct.roads, rail=no_direct.rail.without_lines(["D"]), params=no_direct.params, year=2020)
    r = route(no_direct, a, c, "transit")
    second = [leg for leg in r.legs if leg.kind == "wait"][1]
    assert second.minutes == pytest.approx(2.0) and second.generalized_minutes == pytest.approx(2.0 * 2.0 + 5.0)
    assert r.generalized_minutes - r.minutes == pytest.approx(sum(leg.generalized_minutes - leg.minutes for leg in r.legs))


@pytest.fixture(scope="module")
def clock_state(surveyed_state: NetworkState) -> NetworkState:
    return surveyed_state.with_params(overrides=CLOCK_CHOICE)


@pytest.fixture(scope="module")
def clock_eval(clock_state: NetworkState, region: Region) -> object:
    return evaluate(clock_state, region)


def test_clock_minutes_are_never_below_the_fastest_path(surveyed_eval: object, clock_eval: object) -> None:
    for name in ("centre_minutes", "zone_minutes", "cell_minutes"):
        chosen = getattr(surveyed_eval, name)["transit"]
        fastest = getattr(clock_eval, name)["transit"]
        assert (chosen >= fastest - 1e-9).all(), name
        # and the choice matters: some trips are slower by clock than the fastest path
        assert (chosen > fastest + 1e-6).any(), name


def test_weights_of_one_and_no_penalty_reproduce_the_clock_time_choice_exactly(
    clock_state: NetworkState, clock_eval: object, region: Region
) -> None:
    g = build_mode_graph(clock_state, "transit")
    assert not g.generalized and np.array_equal(g.csr.data, g.clock_s)
    c = region.centres.set_index("city").loc[list(CITIES)]
    zx, zy = c["x_m"].to_numpy(dtype=float), c["y_m"].to_numpy(dtype=float)
    snap = snap_points(g, zx, zy, clock_state.params)
    assert not snap.generalized
    # the fastest path by hand: access + Dijkstra on clock seconds + egress, the minimum over candidates
    t = dijkstra(g.csr, directed=True, indices=snap.nodes.ravel())
    m, k = snap.nodes.shape
    per = t.reshape(m, k, -1) + snap.access_s[:, :, None]
    node_min = per.min(axis=1)
    by_hand = (node_min[:, snap.nodes] + snap.egress_s[None, :, :]).min(axis=2) / 60.0
    np.fill_diagonal(by_hand, 0.0)
    assert np.array_equal(clock_eval.centre_minutes["transit"], by_hand)  # type: ignore[attr-defined]


@pytest.mark.parametrize("line", ["IC-ZZ", "M1", "CR-ZX"])
def test_removing_a_line_never_lowers_the_generalized_cost_of_a_trip(surveyed_state: NetworkState, region: Region, line: str) -> None:
    x, y = zone_points(region)
    out = []
    for state in (surveyed_state, NetworkState(surveyed_state.roads, surveyed_state.rail.without_lines([line]), surveyed_state.params)):
        g = build_mode_graph(state, "transit")
        snap = snap_points(g, x, y, state.params, max_snap_m=None)
        out.append(costs_to_points(fields_from_points(g, snap), snap))
    assert line in set(surveyed_state.rail.lines["line_id"])
    assert (out[1].gen_s >= out[0].gen_s - 1e-6).all()
    assert (out[1].gen_s > out[0].gen_s + 1e-6).any()  # the line carries some trip


def test_the_weights_are_documented_in_the_method_page_and_the_parameter_table() -> None:
    readme = (ROOT / "docs/method.md").read_text(encoding="utf-8")
    for name in ("walk_weight", "wait_weight", "transfer_penalty_min", "generalized_minutes"):
        assert name in readme, name
        if name in PARAMETERS:
            assert "paths are chosen by" in PARAMETERS[name].source, name
