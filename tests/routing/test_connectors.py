"""Connectors a planner can believe: a short trip is a short walk, close points are close, a place beyond
the connectors' documented reach is flagged (network/routing/engine.py, network/routing/route.py)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from network._errors import NetworkError
from network.analysis.metrics import Evaluation, beyond_reach_summary
from network.model.graph import NetworkState
from network.model.parameters import PARAMETERS
from network.model.region import Region
from network.routing.engine import direct_times_s, point_matrix, snap_points
from network.routing.graphs import build_mode_graph
from network.routing.route import route
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario

_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
CENTRAL = (112.975, 28.195)  # 五一广场, central 长沙
NORTH_EAST = (113.40, 28.35)  # 19 km from the embedded skeleton's nearest road


def _east(lonlat: tuple[float, float], metres: float) -> tuple[float, float]:
    x, y = _TO_M.transform(*lonlat)
    lon, lat = _TO_M.transform(x + metres, y, direction="INVERSE")
    return (float(lon), float(lat))


@pytest.mark.parametrize("mode", ["transit", "best"])
def test_a_300_m_trip_is_a_short_walk(surveyed_state: NetworkState, mode: str) -> None:
    r = route(surveyed_state, CENTRAL, _east(CENTRAL, 300.0), mode)
    assert r.direct
    assert [leg.kind for leg in r.legs] == ["walk"]
    # 300 m x the core circuity at 4.8 km/h: about 5 minutes, not two feeder buses (19.6 min before)
    detour = PARAMETERS["connector_detour_core"].value
    assert r.minutes == pytest.approx(0.3 * detour / 4.8 * 60.0, rel=0.01)
    assert r.minutes < 6.0


def test_two_close_points_are_never_far_apart_by_car(surveyed_state: NetworkState) -> None:
    # 460 m apart, far from the skeleton: a local drive, not two 19-km access legs (108 min before)
    to = _east(NORTH_EAST, 460.0)
    r = route(surveyed_state, NORTH_EAST, to, "car")
    assert r.direct and r.minutes < 5.0
    g = build_mode_graph(surveyed_state, "car")
    x, y = _TO_M.transform(np.array([NORTH_EAST[0], to[0]]), np.array([NORTH_EAST[1], to[1]]))
    snap = snap_points(g, np.asarray(x), np.asarray(y), surveyed_state.params, max_snap_m=None)
    m = point_matrix(g, snap, snap) / 60.0
    assert m[0, 1] == pytest.approx(r.minutes, abs=0.01)


def test_no_trip_is_longer_than_the_direct_one(surveyed_state: NetworkState) -> None:
    rng = np.random.default_rng(3)
    checked = 0
    for mode in ("car", "transit"):
        g = build_mode_graph(surveyed_state, mode)  # type: ignore[arg-type]
        for _ in range(4):
            a = (112.95 + rng.uniform(0, 0.08), 28.15 + rng.uniform(0, 0.08))
            b = _east(a, float(rng.uniform(200.0, 1000.0)))
            r = route(surveyed_state, a, b, mode)
            x, y = _TO_M.transform(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
            snap = snap_points(g, np.asarray(x), np.asarray(y), surveyed_state.params)
            direct_min = float(direct_times_s(snap.rows(0, 1), snap.rows(1, 2))[0, 0]) / 60.0
            # within the reach of a local drive (car) or of a walk (transit): never longer than the direct trip
            assert np.isfinite(direct_min)
            assert r.minutes <= direct_min + 1e-6
            checked += 1
    assert checked == 8


def test_a_local_drive_stops_at_the_connector_reach(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "car")
    a = (112.98, 28.19)
    b = _east(a, PARAMETERS["connector_reach_core_m"].high * 2)
    x, y = _TO_M.transform(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    snap = snap_points(g, np.asarray(x), np.asarray(y), surveyed_state.params)
    assert not np.isfinite(direct_times_s(snap.rows(0, 1), snap.rows(1, 2))[0, 0])  # farther: the modelled roads


def test_a_point_beyond_reach_is_flagged(surveyed_state: NetworkState) -> None:
    r = route(surveyed_state, NORTH_EAST, (113.0, 28.2), "car")
    assert not r.direct
    assert len(r.flags) == 1 and r.flags[0].startswith("beyond reach: --from 113.4,28.35")
    assert "documented reach" in r.to_dict()["flags"][0]
    inside = route(surveyed_state, (112.98, 28.19), (113.0, 28.2), "car")
    assert inside.flags == []
    with pytest.raises(NetworkError, match="beyond a feeder bus's reach"):
        route(surveyed_state, NORTH_EAST, (113.0, 28.2), "transit")


def test_a_feeder_bus_stops_at_its_reach(surveyed_state: NetworkState) -> None:
    g = build_mode_graph(surveyed_state, "transit")
    x, y = _TO_M.transform(np.array([NORTH_EAST[0]]), np.array([NORTH_EAST[1]]))
    snap = snap_points(g, np.asarray(x), np.asarray(y), surveyed_state.params, max_snap_m=None)
    assert snap.beyond_reach[0]
    assert not np.isfinite(snap.access_s).any()  # no connector: the feeder bus does not go 19 km


def test_metrics_count_the_population_beyond_reach(surveyed_eval: Evaluation, region: Region) -> None:
    out = beyond_reach_summary(surveyed_eval, region)
    assert set(out) == {"car", "transit"}
    for mode in ("car", "transit"):
        assert 0 < out[mode]["cells"] < len(region.grid)
        assert 0.0 < out[mode]["population_share"] < 0.5


def test_a_connector_never_joins_an_expressway_or_a_road_not_yet_open(surveyed: Scenario) -> None:
    # on the middle of the 潇湘大道 南段 segment (opened 2020-07-03) and on the G4 expressway
    xiaoxiang_mid, g4 = (112.9255, 28.0055), (113.095, 28.300)
    for year in (2019, 2020):
        state = resolve_state(surveyed.model_copy(update={"year": year, "period": "off_peak"}))
        g = build_mode_graph(state, "car")
        x, y = _TO_M.transform(np.array([xiaoxiang_mid[0], g4[0]]), np.array([xiaoxiang_mid[1], g4[1]]))
        snap = snap_points(g, np.asarray(x), np.asarray(y), state.params)
        assert (snap.nodes < g.n_road).all()  # road nodes only: the expressway layer is entered by ramps
        label = {int(k): str(lbl) for k, lbl in zip(range(len(g.edge_kind)), g.edge_kind)}
        assert snap.along is not None
        on_road = set()  # the roads along which the point joins (a column with the road's other end)
        for node, other in zip(snap.nodes[0], snap.along[3][0]):
            if other >= 0:
                lo, hi = g.csr.indptr[node], g.csr.indptr[node + 1]
                on_road |= {label[k] for k in range(lo, hi) if g.csr.indices[k] == other}
        assert on_road and "road:expressway" not in on_road
        assert ("road:suburban_arterial" in on_road) == (year == 2020)
