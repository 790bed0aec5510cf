"""Adding a road never lengthens a trip between two points, connectors included (network/routing/engine.py).

A point joins every road node within the distance of its ``k``-th nearest node on a shared road (the roads
every state of the tier has) and every road nearer than the nearest shared road: a road a year, project or
edit adds only adds candidates. Before, a point joined its ``k`` nearest nodes, and a new road's nodes could
push a better one out (洞株路 in 2016: 石峰区 → 昭山示范区 27.6 → 30.1 min by car)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.analysis.metrics import zone_points
from network.geo import to_metric
from network.model.graph import SHARED_COLUMN, NetworkState
from network.model.region import Region
from network.routing.engine import fields_from_points, point_matrix, snap_points, times_to_points, with_direct_s
from network.routing.graphs import build_mode_graph
from network.scenario.edits import add_road
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario

_TO_M = to_metric()


def _car_minutes(state: NetworkState, x_m: np.ndarray, y_m: np.ndarray, tx_m: np.ndarray, ty_m: np.ndarray) -> np.ndarray:
    g = build_mode_graph(state, "car")
    o = snap_points(g, x_m, y_m, state.params, max_snap_m=None)
    d = snap_points(g, tx_m, ty_m, state.params, max_snap_m=None)
    return point_matrix(g, o, d) / 60.0


# roads drawn inside the built-up triangle of the three cities, where they join the network
lon = st.floats(min_value=112.85, max_value=113.2)
lat = st.floats(min_value=27.8, max_value=28.25)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.tuples(lon, lat), min_size=2, max_size=3), speed=st.floats(min_value=30, max_value=100), seed=st.integers(0, 2**16))
def test_adding_a_road_never_slows_a_car_trip_between_points_near_it(
    surveyed_state: NetworkState, path: list[tuple[float, float]], speed: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    roads = add_road(surveyed_state.roads, path, name="test road", speed_kph=speed)
    after = NetworkState(roads=roads, rail=surveyed_state.rail, params=surveyed_state.params)
    # points within about 1.5 km of the new road's waypoints and of its middle points
    wx, wy = _TO_M.transform(np.array([p[0] for p in path]), np.array([p[1] for p in path]))
    wx, wy = np.asarray(wx, dtype=float), np.asarray(wy, dtype=float)
    base_x = np.r_[wx, (wx[1:] + wx[:-1]) / 2]
    base_y = np.r_[wy, (wy[1:] + wy[:-1]) / 2]
    x = np.repeat(base_x, 6) + rng.uniform(-1500, 1500, 6 * len(base_x))
    y = np.repeat(base_y, 6) + rng.uniform(-1500, 1500, 6 * len(base_y))
    t0 = _car_minutes(surveyed_state, x, y, x, y)
    t1 = _car_minutes(after, x, y, x, y)
    assert (t1 <= t0 + 1e-9).all(), f"slower by up to {np.max(t1 - t0):.2f} min"


def test_shared_roads_are_those_of_every_year(surveyed: Scenario) -> None:
    # 洞株路 (a catalogue road added as its own road) and dated roads are not shared; the skeleton's undated roads are
    state = resolve_state(surveyed.model_copy(update={"year": 2020}))
    e = state.roads.edges
    shared = e[SHARED_COLUMN].astype("boolean").fillna(False).to_numpy(dtype=bool)
    assert 0.5 < shared.mean() < 1.0
    assert not shared[(e["ref"].fillna("").astype(str) == "dongzhu-road").to_numpy()].any()
    early = resolve_state(surveyed.model_copy(update={"year": 1990}))
    kept = set(map(tuple, early.roads.edges[["u", "v"]].to_numpy()))
    assert all((u, v) in kept for u, v in e.loc[shared, ["u", "v"]].to_numpy())


def test_dongzhu_road_opening_does_not_slow_shifeng_to_zhaoshan(surveyed: Scenario, region: Region) -> None:
    """洞株路 opened in 2016 (its nodes exist in every year, its edges only from then): the car trip between
    the population centroids of 石峰区 (株洲) and 昭山示范区 (湘潭) was 27.6 min in 2015 and 30.1 in 2016."""
    zx, zy = zone_points(region)
    names = list(region.zones["name_zh"])
    i, j = names.index("石峰区"), names.index("昭山示范区")
    x, y = zx[[i, j]], zy[[i, j]]
    t = {year: _car_minutes(resolve_state(surveyed.model_copy(update={"year": year})), x, y, x, y) for year in (2015, 2016)}
    assert t[2015][0, 1] < 30.0  # within the half hour in 2015 ...
    assert t[2016][0, 1] <= t[2015][0, 1] + 1e-9 and t[2016][1, 0] <= t[2015][1, 0] + 1e-9  # ... and still in 2016


def test_the_surveyed_car_times_between_zones_never_rise_from_year_to_year(surveyed: Scenario, region: Region) -> None:
    """From 2014 to 2025 the years only add roads (and upgrade them): no car trip between two zones' population
    centroids gets longer, so the car half-hour index never falls."""
    zx, zy = zone_points(region)
    pop = region.zones["population_2020"].to_numpy(dtype=float)
    city = region.zones["city"].to_numpy()
    w = pop[:, None] * pop[None, :] * (city[:, None] != city[None, :])
    before: np.ndarray | None = None
    for year in range(2014, 2026):
        state = resolve_state(surveyed.model_copy(update={"year": year}))
        g = build_mode_graph(state, "car")
        s = snap_points(g, zx, zy, state.params, max_snap_m=None)
        t = with_direct_s(times_to_points(fields_from_points(g, s), s), s, s) / 60.0
        np.fill_diagonal(t, 0.0)
        if before is not None:
            worst = np.unravel_index(int(np.argmax(t - before)), t.shape)
            assert (t <= before + 1e-9).all(), f"{year}: {names_of(region, worst)} {before[worst]:.2f} -> {t[worst]:.2f} min"
            assert (w * (t <= 30.0)).sum() >= (w * (before <= 30.0)).sum()
        before = t


def names_of(region: Region, pair: tuple[np.intp, ...]) -> str:
    names = list(region.zones["name_zh"])
    return f"{names[int(pair[0])]} -> {names[int(pair[1])]}"
