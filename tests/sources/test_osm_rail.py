"""OSM railway stations matched to the curated rail services (by name, else nearest of the right kind)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from network.model.rail import load_rail
from network.sources import osm
from tests.conftest import FIXTURES


def test_station_names_normalise() -> None:
    assert osm.normalise_station_name("长沙南站") == "长沙南"
    assert osm.normalise_station_name("锦泰广场(城际长沙站)") == "锦泰广场"
    assert osm.normalise_station_name("五一广场地铁站") == "五一广场"
    assert osm.normalise_station_name("站") == "站" and osm.normalise_station_name(None) == ""


def test_name_beats_distance_and_kind_must_fit() -> None:
    lines = pd.DataFrame({"line_id": ["M1", "IC"], "kind": ["metro", "intercity"]})
    stops = pd.DataFrame(
        {"line_id": ["M1", "IC"], "seq": [0, 0], "name_zh": ["五一广场", "长沙"], "lon": [112.9708, 113.0088], "lat": [28.1988, 28.1972]}
    )
    osm_st = pd.DataFrame(
        {
            "name": ["黄兴广场", "五一广场站", "五一广场", "长沙站"],
            "station": ["subway", "subway", "train", "train"],
            "lon": [112.9708, 112.9718, 112.9708, 113.0100],
            "lat": [28.1990, 28.1988, 28.1988, 28.1972],
        }
    )
    m = osm.match_rail_stations(osm_st, stops, lines).set_index("name_zh")
    # the metro station takes the same-named subway point ~100 m away, not the nearer 黄兴广场 or the train point
    assert m.at["五一广场", "method"] == "name" and m.at["五一广场", "osm_name"] == "五一广场站"
    assert 90 < m.at["五一广场", "distance_m"] < 110
    assert m.at["长沙", "method"] == "name" and m.at["长沙", "osm_name"] == "长沙站"
    far = osm.match_rail_stations(osm_st.iloc[:1].assign(name="别处"), stops, lines, max_nearest_m=10).set_index("name_zh")
    assert far.at["五一广场", "method"] == "none" and far.at["长沙", "method"] == "none"


def test_curated_stations_match_the_osm_export() -> None:
    """On the real OSM station export, the intercity stations curated from OSM nodes match within 30 m."""
    stations = osm.read_osm_stations(FIXTURES / "osm" / "osm_railway_stations_czt.geojson")
    assert len(stations) == 229
    rail = load_rail()
    m = osm.match_rail_stations(stations, rail.stops, rail.lines)
    assert len(m) == len(rail.stops.merge(rail.lines[["line_id", "kind"]]).drop_duplicates(["name_zh", "kind"]))
    from_osm = set(rail.stops.loc[rail.stops["source"].eq("OSM station node"), "name_zh"])
    ic = m[(m["kind"] == "intercity") & m["name_zh"].isin(from_osm)]
    assert len(ic) >= 10 and (ic["method"] != "none").all() and (ic["distance_m"] < 30).all()
    assert m.set_index(["name_zh", "kind"]).at[("五一广场", "metro"), "method"] == "name"
    assert (m["method"] != "none").mean() > 0.95


def test_cli_stations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from network.cli.main import main

    src = FIXTURES / "osm" / "osm_railway_stations_czt.geojson"
    out = tmp_path / "match.csv"
    assert main(["network", "stations", "--path", str(src), "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert "intercity" in text and "unmatched:" in text
    assert (pd.read_csv(out)["method"] != "none").sum() > 150
