"""How the centre-to-centre minutes depend on where the centre points are placed (network/analysis/placement.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from network.analysis.metrics import FIELD_LIMIT_S, Evaluation
from network.analysis.placement import (
    SAMPLE_POINTS,
    centre_spread_definition,
    centre_spread_table,
    placement_offsets_m,
    placement_points,
    sample_minutes,
)
from network.model.graph import NetworkState
from network.model.region import CITIES, Region


@pytest.fixture(scope="module")
def spread(surveyed_eval: Evaluation, surveyed_state: NetworkState, region: Region) -> pd.DataFrame:
    return centre_spread_table(sample_minutes(surveyed_eval.graphs, surveyed_state.params, region.centres, limit_s=FIELD_LIMIT_S), region.centres)


def test_the_sample_is_the_centre_and_two_rings() -> None:
    dx, dy = placement_offsets_m(500.0)
    r = np.hypot(dx, dy)
    assert len(dx) == SAMPLE_POINTS == 17
    assert r[0] == 0.0 and np.allclose(r[1:9], 500.0) and np.allclose(r[9:], 250.0)
    angles = np.degrees(np.arctan2(dy[1:], dx[1:])) % 360.0
    assert sorted(np.round(angles, 6)) == [22.5 * k for k in range(16)]  # 16 directions, none twice


def test_the_sample_is_deterministic(region: Region) -> None:
    assert all(np.array_equal(a, b) for a, b in zip(placement_points(region.centres), placement_points(region.centres)))
    x, y = placement_points(region.centres)
    c = region.centres.set_index("city").loc[list(CITIES)]
    assert np.allclose(x[::SAMPLE_POINTS], c["x_m"]) and np.allclose(y[::SAMPLE_POINTS], c["y_m"])


def test_the_sample_minutes_are_deterministic(surveyed_eval: Evaluation, surveyed_state: NetworkState, region: Region) -> None:
    one = sample_minutes(surveyed_eval.graphs, surveyed_state.params, region.centres, limit_s=FIELD_LIMIT_S)
    two = sample_minutes(surveyed_eval.graphs, surveyed_state.params, region.centres, limit_s=FIELD_LIMIT_S)
    assert all(np.array_equal(one[m], two[m]) for m in ("car", "transit", "best"))


def test_the_centre_value_is_the_headline_and_lies_in_the_range(spread: pd.DataFrame, surveyed_eval: Evaluation) -> None:
    assert len(spread) == 18 and set(spread["sample_pairs"]) == {SAMPLE_POINTS**2}
    for r in spread.to_dict(orient="records"):
        i, j = CITIES.index(r["from"]), CITIES.index(r["to"])
        assert r["minutes_centre"] == pytest.approx(surveyed_eval.centre_minutes[r["mode"]][i, j], abs=0.01)
        assert r["minutes_min"] <= r["minutes_centre"] <= r["minutes_max"]
        assert r["minutes_min"] <= r["minutes_median"] <= r["minutes_max"]


def test_best_is_no_slower_than_either_mode_at_every_end(spread: pd.DataFrame) -> None:
    t = spread.set_index(["from", "to", "mode"])
    for a, b in {(f, to) for f, to in zip(spread["from"], spread["to"])}:
        for col in ("minutes_min", "minutes_max"):
            assert t.loc[(a, b, "best"), col] <= min(t.loc[(a, b, "car"), col], t.loc[(a, b, "transit"), col]) + 1e-9


def test_moving_the_centres_changes_some_pair(spread: pd.DataFrame) -> None:
    # with 300-500 m tolerances the points snap to other roads and stations: the spread is not empty
    assert (spread["minutes_max"] - spread["minutes_min"]).max() > 1.0


def test_a_zero_tolerance_gives_the_centre_value_only(surveyed_eval: Evaluation, surveyed_state: NetworkState, region: Region) -> None:
    pinned = region.centres.assign(placement_m=0.0)
    t = centre_spread_table(sample_minutes(surveyed_eval.graphs, surveyed_state.params, pinned, limit_s=FIELD_LIMIT_S), pinned)
    assert (t["minutes_min"] == t["minutes_centre"]).all() and (t["minutes_max"] == t["minutes_centre"]).all()
    assert (t["minutes_median"] == t["minutes_centre"]).all() and set(t["from_placement_m"]) == {0.0}
    headline = {(CITIES[i], CITIES[j], m): surveyed_eval.centre_minutes[m][i, j] for m in ("car", "transit", "best") for i in range(3) for j in range(3)}
    for r in t.to_dict(orient="records"):
        assert r["minutes_centre"] == pytest.approx(headline[(r["from"], r["to"], r["mode"])], abs=0.01)


def test_unreachable_samples_are_counted_not_ranged(region: Region) -> None:
    n = 3 * SAMPLE_POINTS
    minutes = {m: np.full((n, n), 60.0) for m in ("car", "transit", "best")}
    minutes["transit"][:SAMPLE_POINTS, SAMPLE_POINTS : 2 * SAMPLE_POINTS] = np.inf  # 长沙 → 株洲 by transit: no trip
    minutes["car"][1, SAMPLE_POINTS + 1] = np.inf  # one sample pair by car
    t = centre_spread_table(minutes, region.centres).set_index(["from", "to", "mode"])
    assert t.loc[("changsha", "zhuzhou", "transit"), "minutes_max"] is None
    assert t.loc[("changsha", "zhuzhou", "transit"), "unreachable_pairs"] == SAMPLE_POINTS**2
    assert t.loc[("changsha", "zhuzhou", "car"), "unreachable_pairs"] == 1
    assert t.loc[("changsha", "zhuzhou", "car"), "minutes_max"] == 60.0


def test_the_definition_says_what_the_range_is() -> None:
    text = centre_spread_definition("am_peak")
    assert "placement_m" in text and "17×17" in text and "am-peak" in text and "min, median and max" in text
