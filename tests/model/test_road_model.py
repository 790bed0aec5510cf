"""The road side of the model: one parameter table for class speeds, signalised junctions as node delays."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from network._errors import DataError
from network.model.graph import NetworkState, RoadNetwork, StateParams
from network.model.parameters import DEFAULTS, PARAMETERS
from network.model.region import load_centres
from network.model.road_add import EXPRESSWAY_ACCESS_CLASS
from network.model.speeds import CLASS_SPEEDS_KPH, PERIODS, ROAD_CLASSES
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR
from network.routing.graphs import build_car_graph, road_edge_times_s, strongly_connected_nodes
from network.scenario.catalogue import load_catalogue
from network.scenario.edits import add_road
from network.scenario.resolve import base_network, build_state, resolve_projects
from network.scenario.schema import parse_scenario
from network.sources.embedded import load_trunk_roads, road_openings


def test_class_speeds_are_the_parameter_table() -> None:
    """CLASS_SPEEDS_KPH is built from the parameter table: one table, no second copy of the numbers."""
    for c in ROAD_CLASSES:
        for period in PERIODS:
            p = PARAMETERS[f"speed_{c}_{period}_kph"]
            assert CLASS_SPEEDS_KPH[c][period] == p.value and p.low <= p.value <= p.high and p.source


def _two_edges(signals: list[float]) -> RoadNetwork:
    nodes = pd.DataFrame({"node_id": [0, 1, 2], "lon": 0.0, "lat": 0.0, "x": [0.0, 1000.0, 2000.0], "y": 0.0})
    edges = pd.DataFrame(
        {
            "u": [0, 1],
            "v": [1, 2],
            "length_m": 1000.0,
            "highway": "rural_highway",
            "name": "",
            "ref": "",
            "oneway": False,
            "signals": signals,
        }
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


# --- projects change only their own road; roads open on their dates ---------------------------------

TO_M = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True)
ROAD_PROJECT_TYPES = ("road_upgrade", "new_road", "road_opening")


def _state(year: int, active: frozenset[str], period: str = "am_peak") -> NetworkState:
    sc = parse_scenario(f"name: t{year}\ntitle: t\nbase: surveyed\nyear: {year}\nperiod: {period}\n", file="<test>")
    return build_state(resolve_projects(sc, file="<test>"), active=active)


def _car_minutes(state: NetworkState, points: list[tuple[float, float]], *, on: NetworkState | None = None) -> np.ndarray:
    """Car minutes between points: crow-fly access x1.3 at 20 km/h to the 3 nearest connected road nodes
    of ``on`` (default ``state``; pass the state with fewer nodes so two states use the same access)."""
    ids = np.flatnonzero(strongly_connected_nodes((on or state).roads))
    tree = cKDTree(state.roads.nodes[["x", "y"]].to_numpy()[ids])
    x, y = TO_M.transform([p[0] for p in points], [p[1] for p in points])
    d, j = tree.query(np.column_stack([x, y]), k=3)
    nodes = ids[j]
    access_s = d * 1.3 / (20.0 / 3.6)
    t = dijkstra(build_car_graph(state).csr, indices=np.unique(nodes))
    row = {int(n): k for k, n in enumerate(np.unique(nodes))}
    out = np.full((len(points), len(points)), np.inf)
    for a in range(len(points)):
        for b in range(len(points)):
            for ka in range(3):
                for kb in range(3):
                    cand = access_s[a, ka] + t[row[int(nodes[a, ka])], nodes[b, kb]] + access_s[b, kb]
                    out[a, b] = min(out[a, b], cand)
    return out / 60.0


def _centres() -> list[tuple[float, float]]:
    c = load_centres()
    return list(zip(c["lon"].astype(float), c["lat"].astype(float)))


def _resolved_active(year: int) -> frozenset[str]:
    sc = parse_scenario(f"name: t{year}\ntitle: t\nbase: surveyed\nyear: {year}\n", file="<test>")
    return resolve_projects(sc, file="<test>").active


ROAD_PROJECTS = [pid for pid, p in load_catalogue().items() if p.type in ROAD_PROJECT_TYPES]
NO_CAR_EFFECT = {
    "new-shaoshan-south-road": "its ends join the 芙蓉大道 corridor at 暮云 and 昭山, which is an urban expressway since "
    "2020-10 (65/45 km/h off-peak/AM) over the same 6-8 km; the connector (55/40 km/h) is no faster for any car trip "
    "between its waypoints and the centres (it serves local trips the skeleton does not model)",
    "airport-huaqiang-connector": "its path (机场 link to 株洲 华强路 at 田心) runs beside the 长株高速 and its 6.9-km 株洲连接线"
    " to 田心 (data/trunk_roads.csv S21-ZZ, expressways since 2010-08-31, 100/85 km/h); as an urban express (70/55 km/h)"
    " it is no faster for any car trip between its waypoints and the centres",
}
SMALL_CAR_EFFECT: dict[str, tuple[float, str]] = {}
"""Projects whose car effect is known to be under a bound (pid -> (minutes, why)). The 机场–华强
connector was one (beside 长株高速 S21 it gained 0.28 min) until getting on and off the expressway
cost its ramps and toll stations: it now saves 1.5 min AM / 2.6 min off-peak between its waypoints."""


@pytest.mark.parametrize("pid", ROAD_PROJECTS)
def test_each_road_project_speeds_up_some_car_trip_when_it_opens(pid: str) -> None:
    """In the year a road project opens, its network beats the same year without it on some car trip
    (between its own end points, waypoints and the city centres) and is slower on none, in both periods."""
    p = load_catalogue()[pid]
    points = [tuple(q) for q in (p.path or [])] + _centres()
    active = _resolved_active(p.year) | {pid}
    for period in ("am_peak", "off_peak"):
        s_without = _state(p.year, active - {pid}, period)
        with_p = _car_minutes(_state(p.year, active, period), points, on=s_without)  # type: ignore[arg-type]
        without = _car_minutes(s_without, points)  # type: ignore[arg-type]
        gain = without - with_p
        if pid in NO_CAR_EFFECT:
            assert gain.max() < 0.01, f"{pid} now changes car times: update NO_CAR_EFFECT ({NO_CAR_EFFECT[pid]})"
            continue
        if pid in SMALL_CAR_EFFECT:
            most, why = SMALL_CAR_EFFECT[pid]
            assert gain.max() < most and gain.min() > -1e-6, f"{pid} ({period}): gain {gain.max():.2f} min; update SMALL_CAR_EFFECT ({why})"
            continue
        assert gain.max() > 0.5, f"{pid} ({period}) changes no car time between its waypoints and the centres"
        assert gain.min() > -1e-6, f"{pid} ({period}) makes a car trip slower by {-gain.min():.2f} min"


def test_tanzhou_avenue_before_after() -> None:
    """潭州大道 (Xiangtan section, 2020-10): the drive between its end points is faster in 2020 than in
    2018; before, it is a signalised arterial (5 signals), after a grade-separated urban expressway."""
    p = load_catalogue()["tanzhou-avenue"]
    ends = [tuple(p.path[0]), tuple(p.path[-1])] if p.path else []
    for period in ("am_peak", "off_peak"):
        s2018 = _state(2018, _resolved_active(2018), period)
        s2020 = _state(2020, _resolved_active(2020), period)
        road18 = s2018.roads.edges[s2018.roads.edges["ref"] == "tanzhou-avenue"]
        road20 = s2020.roads.edges[s2020.roads.edges["ref"] == "tanzhou-avenue"]
        # 14.7 km between its published end points, plus the links from each end to the nearest junction
        for road in (road18, road20):
            assert 14_700.0 <= road["length_m"].sum() <= 14_700.0 + 2 * 3_000.0 * 1.2
        assert road18["signals"].sum() == pytest.approx(5.0) and road20["signals"].sum() == 0.0
        # its published end points are nodes of the road (a trip from them can use it)
        ids = set(road20[["u", "v"]].to_numpy().ravel())
        xy = s2020.roads.nodes.set_index("node_id").loc[sorted(ids), ["lon", "lat"]].to_numpy()
        for end in ends:
            assert np.hypot(*(xy - np.array(end)).T).min() < 1e-6
        before = _car_minutes(s2018, ends)[0, 1]  # type: ignore[arg-type]
        after = _car_minutes(s2020, ends)[0, 1]  # type: ignore[arg-type]
        assert after < before - 2.0, f"{period}: {before:.1f} -> {after:.1f} min"


def test_expressway_absent_before_it_opened() -> None:
    """长株高速 (S21, opened 2010-08-31) has no edge in 2009 and all of them in 2010; every corridor
    opened after a year is absent in it, and no node it leaves behind counts as connected."""
    openings = road_openings()
    base = base_network("embedded")[0]
    s2009 = _state(2009, _resolved_active(2009))
    s2010 = _state(2010, _resolved_active(2010))
    assert (s2009.roads.edges["ref"] == "S21").sum() == 0
    assert (s2010.roads.edges["ref"] == "S21").sum() == (base.edges["ref"] == "S21").sum() > 0
    late = {ref for ref, day in openings.items() if day.year > 2009}
    assert not s2009.roads.edges["ref"].isin(late).any()
    left = set(base.edges.loc[base.edges["ref"] == "S21", ["u", "v"]].to_numpy().ravel())
    touched = set(s2009.roads.edges[["u", "v"]].to_numpy().ravel())
    assert not strongly_connected_nodes(s2009.roads)[sorted(left - touched)].any()
    assert strongly_connected_nodes(s2009.roads).sum() > 0.9 * len(s2009.roads.nodes)


def test_road_opening_dates_agree_with_the_corridor_table() -> None:
    openings = road_openings()
    for p in load_catalogue().values():
        if p.type == "road_opening":
            assert p.ref in openings and openings[p.ref] == p.opened, p.id


def test_before_states_never_touch_an_expressway() -> None:
    """In 2018 (三干 not open, their 'before' applied) every expressway edge keeps its class speed and
    the same edges as the surveyed network: an urban project never claims an expressway."""
    s2018 = _state(2018, _resolved_active(2018))
    base = base_network("embedded")[0]
    x18 = s2018.roads.edges[s2018.roads.edges["highway"] == "expressway"]
    x0 = base.edges[base.edges["highway"] == "expressway"]
    late = {ref for ref, day in road_openings().items() if day.year > 2018}
    assert len(x18) == int((~x0["ref"].isin(late)).sum())
    for col in ("speed_am_peak_kph", "speed_off_peak_kph"):
        if col in x18.columns:
            assert x18[col].isna().all()
    assert (x18.get("signals", pd.Series(0.0, index=x18.index)).fillna(0) == 0).all()


@pytest.mark.parametrize("seed", range(4))
def test_adding_a_road_never_slows_a_car_trip(seed: int) -> None:
    """A new road (random waypoints in the study area) never makes any node-to-node car time longer."""
    rng = np.random.default_rng(seed)
    state = _state(2020, _resolved_active(2020))
    path = [(float(rng.uniform(112.85, 113.2)), float(rng.uniform(27.8, 28.2))) for _ in range(int(rng.integers(2, 5)))]
    roads = add_road(state.roads, path, name="test", speed_kph=float(rng.uniform(20, 90)), highway="urban_arterial")
    n = len(state.roads.nodes)
    before = dijkstra(build_car_graph(state).csr)[:n, :n]
    after = dijkstra(build_car_graph(replace(state, roads=roads)).csr)[:n, :n]
    assert (after <= before + 1e-6).all()


# --- curated trunk roads (data/trunk_roads.csv) ------------------------------------------------------


def test_changtan_west_expressway_runs_between_its_published_end_points() -> None:
    """长潭西高速 (G0421, 2006-12-26) is a curated trunk road from 含浦 to the 潭邵 link on the west bank:
    absent in 2005; in 2006 the drive between its published end points runs on it for 27.95 km
    (±10 %) at expressway speed."""
    ends = [(112.862, 28.100), (112.860, 27.855)]
    s2005 = _state(2005, _resolved_active(2005), "off_peak")
    s2006 = _state(2006, _resolved_active(2006), "off_peak")
    assert (s2005.roads.edges["ref"] == "G0421").sum() == 0
    road = s2006.roads.edges[s2006.roads.edges["ref"] == "G0421"]
    main = road[road["highway"] == "expressway"]
    assert set(road["highway"]) == {"expressway", EXPRESSWAY_ACCESS_CLASS}  # the end links are its access roads
    assert main["length_m"].sum() == pytest.approx(27_950.0, rel=0.10)
    after = _car_minutes(s2006, ends)[0, 1]  # type: ignore[arg-type]
    before = _car_minutes(s2005, ends)[0, 1]  # type: ignore[arg-type]
    on_off_min = 2 * (DEFAULTS["expressway_ramp_s"] + DEFAULTS["expressway_toll_s"]) / 60.0  # getting on at one end, off at the other
    assert after < 27.95 / 100.0 * 60.0 + on_off_min + 2 * 1.3 * 0.5 / 20.0 * 60.0 + 0.5 and after < before - 5.0


def test_trunk_road_table_errors_name_file_line_and_field(tmp_path: Path) -> None:
    text = (DATA_DIR / "trunk_roads.csv").read_text(encoding="utf-8").splitlines()
    bad = text[:2] + [text[2].replace(",expressway,", ",motorway,")] + text[3:]
    (tmp_path / "trunk_roads.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    load_trunk_roads.cache_clear()
    with pytest.raises(DataError, match=r"trunk_roads.csv: line 3, field 'class': got 'motorway'"):
        load_trunk_roads(tmp_path)
    load_trunk_roads.cache_clear()
