"""Half-hour-circle indicators (network/analysis/metrics.py) and isochrones (network/analysis/isochrones.py)."""

from __future__ import annotations

import numpy as np

from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import Evaluation, centre_pairs_table, half_hour_index, population_within_table
from network.model.region import Region


def test_all_six_ordered_pairs_for_each_mode(surveyed_eval: Evaluation) -> None:
    t = centre_pairs_table(surveyed_eval)
    assert len(t) == 18
    assert set(t["mode"]) == {"car", "transit", "best"}
    assert t.groupby("mode").size().eq(6).all()
    assert t["minutes"].notna().all()


def test_best_is_the_faster_mode(surveyed_eval: Evaluation) -> None:
    c, tr, b = (surveyed_eval.centre_minutes[m] for m in ("car", "transit", "best"))
    assert np.allclose(b, np.minimum(c, tr))


def test_centre_times_are_plausible_for_40_to_60_km_trips(surveyed_eval: Evaluation) -> None:
    # straight-line centre distances are 37-45 km; no mode should be faster than 60 km/h door to door
    # nor slower than 3 h
    m = surveyed_eval.centre_minutes["best"]
    off = m[~np.eye(3, dtype=bool)]
    assert (off > 35).all() and (off < 180).all()


def test_isochrones_are_nested(surveyed_eval: Evaluation, region: Region) -> None:
    iso = isochrone_polygons(surveyed_eval.cell_minutes, region, [15, 30, 45, 60]).to_crs("EPSG:32649")
    for (_centre, _mode), g in iso.groupby(["centre", "mode"]):
        g = g.sort_values("minutes")
        geoms = list(g.geometry)
        for inner, outer in zip(geoms[:-1], geoms[1:]):
            assert inner.difference(outer).area < 1.0  # m², i.e. nothing outside
        assert list(g["population"]) == sorted(g["population"])
        assert list(g["area_km2"]) == sorted(g["area_km2"])


def test_population_within_30_counts_only_reached_cells(surveyed_eval: Evaluation, region: Region) -> None:
    t = population_within_table(surveyed_eval, region)
    own = t[(t["centre"] == "changsha") & (t["city"] == "changsha") & (t["mode"] == "car")]["population"].iloc[0]
    reach = surveyed_eval.cell_minutes["car"][0] <= 30
    expected = region.grid["population"].to_numpy()[reach & (region.grid["city"].to_numpy() == "changsha")].sum()
    assert own == expected > 0
    assert t["share"].between(0, 1).all()


def test_half_hour_index_is_a_share(surveyed_eval: Evaluation, region: Region) -> None:
    for m in ("car", "transit", "best"):
        assert 0.0 <= half_hour_index(surveyed_eval, region, m) <= 1.0
