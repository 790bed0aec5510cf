"""The one CRS helper, study-area check, HTML escape and number format (network/geo.py, network/formats.py)."""

from __future__ import annotations

import math

import pytest

from network.formats import esc, is_missing, number, percent
from network.geo import STUDY_BBOX, lonlat_problem, to_lonlat, to_metric
from network.paths import CRS_METRIC


def test_the_transformers_use_the_projects_metric_crs_and_invert_each_other() -> None:
    assert to_metric().target_crs.to_string() == CRS_METRIC and to_metric() is to_metric()  # one cached instance
    x, y = to_metric().transform(112.9769, 28.1960)  # 五一广场
    assert 690_000 < x < 710_000 and 3_110_000 < y < 3_130_000  # UTM 49N metres
    lon, lat = to_lonlat().transform(x, y)
    assert lon == pytest.approx(112.9769, abs=1e-9) and lat == pytest.approx(28.1960, abs=1e-9)


def test_lonlat_problem_names_swapped_and_outside_points() -> None:
    x0, y0, x1, y1 = STUDY_BBOX
    assert lonlat_problem(112.97, 28.20) is None
    assert lonlat_problem(28.20, 112.97) == "swapped"
    assert lonlat_problem(116.40, 39.90) == "outside"  # Beijing
    assert lonlat_problem(x0, y0) is None and lonlat_problem(x1 + 0.01, y1) == "outside"


def test_missing_values_read_the_same_everywhere() -> None:
    for v in (None, math.nan, math.inf):
        assert is_missing(v) and number(v) == "—" and percent(v) == "—"
    assert number(3.14159, 2) == "3.14" and number(-1.25, 1, sign=True) == "-1.2" and number(2.0, 1, sign=True) == "+2.0"
    assert percent(0.853) == "85%" and number(None, missing="") == ""


def test_esc_escapes_markup_and_quotes() -> None:
    assert esc('<img src=x onerror="a">') == "&lt;img src=x onerror=&quot;a&quot;&gt;"
    assert esc(None) == "—" and esc(math.nan, missing="") == "" and esc(0) == "0"
