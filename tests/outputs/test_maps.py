"""Maps (network/outputs/maps.py), offline pages (network/outputs/offline_assets.py) and the report (network/outputs/report.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import Evaluation
from network.cli.main import main
from network.model.graph import NetworkState
from network.model.region import CITIES, Region
from network.outputs.maps import (
    MapError,
    MapLayers,
    MapView,
    basemap_problem,
    isochrone_difference,
    isochrone_map,
    map_when,
    render_map,
    to_gcj02,
    wgs84_to_gcj02,
    zone_minutes_table,
)
from network.outputs.offline_assets import LEAFLET_NPM_INTEGRITY, LeafletAssets, _integrity_ok, inline_offline, leaflet_assets
from network.outputs.report import ReportParts, relative_href, render_report
from tests.conftest import FIXTURES

XSS = "<img src=x onerror=window.__xss=1>"
JS_XSS = "`${window.__xss=2}`</script><script>window.__xss=3</script>"


@pytest.fixture(scope="module")
def iso(surveyed_eval: Evaluation, region: Region) -> gpd.GeoDataFrame:
    return isochrone_polygons(surveyed_eval.cell_minutes, region, [15, 30, 45, 60])


def sample_projects() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["p1", "p2", "p3"],
            "name_zh": [XSS, "西环线", "芙蓉大道"],
            "name_en": [JS_XSS, "West Ring Line", "Furong Avenue"],
            "type": ["new_road", "metro", "urban_express"],
            "status": ["planned", "opened", "opened"],
            "opened": ["2030", "2023-06-28", "2020-10"],
            "source": ["javascript:alert(1)", "https://example.org/a?b=1&c=<2>", "news report"],
        },
        geometry=[LineString([(112.98, 28.05), (113.05, 27.95)]), LineString([(112.93, 28.0), (112.92, 27.92)]), Point(112.99, 28.1)],
        crs="EPSG:4326",
    )


# ------------------------------------------------------------------------------------- isochrones


def test_isochrone_polygons_agree_with_the_travel_time_grid(surveyed_eval: Evaluation, region: Region, iso: gpd.GeoDataFrame) -> None:
    """A populated cell's centre is inside the 30-min polygon exactly when the cell is reached within 30 min."""
    pop = region.grid["population"].to_numpy(dtype=float) > 0
    lon = region.grid["lon"].to_numpy(dtype=float)[pop]
    lat = region.grid["lat"].to_numpy(dtype=float)[pop]
    agree = total = 0
    for mode, t in surveyed_eval.cell_minutes.items():
        for i, centre in enumerate(CITIES):
            geom = iso[(iso["centre"] == centre) & (iso["mode"] == mode) & (iso["minutes"] == 30)].geometry.iloc[0]
            inside = shapely.contains_xy(geom, lon, lat)
            reached = t[i][pop] <= 30
            assert reached.any()
            agree += int((inside == reached).sum())
            total += int(pop.sum())
    share = agree / total
    print(f"cells agreeing with the travel-time grid at 30 min: {share:.4%} of {total} populated (cell, centre, mode) pairs")
    assert share >= 0.95


def test_isochrone_agreement_test_would_catch_a_hull(surveyed_eval: Evaluation, region: Region, iso: gpd.GeoDataFrame) -> None:
    """The agreement measure fails for a convex hull of the transit reach (rail patches merged over the green heart)."""
    g = iso[(iso["centre"] == "changsha") & (iso["mode"] == "transit") & (iso["minutes"] == 60)].geometry.iloc[0]
    hull = g.convex_hull
    lon = region.grid["lon"].to_numpy(dtype=float)
    lat = region.grid["lat"].to_numpy(dtype=float)
    reached = surveyed_eval.cell_minutes["transit"][0] <= 60
    assert (shapely.contains_xy(g, lon, lat) == reached).mean() > 0.99
    assert (shapely.contains_xy(hull, lon, lat) != reached).sum() > 0


def test_difference_reports_gained_and_lost_areas() -> None:
    base = gpd.GeoDataFrame(
        {"centre": ["changsha"], "mode": ["best"], "minutes": [30]}, geometry=[box(500000, 3100000, 510000, 3110000)], crs="EPSG:32649"
    ).to_crs("EPSG:4326")
    scen = gpd.GeoDataFrame(
        {"centre": ["changsha"], "mode": ["best"], "minutes": [30]}, geometry=[box(505000, 3100000, 515000, 3110000)], crs="EPSG:32649"
    ).to_crs("EPSG:4326")
    d = isochrone_difference(base, scen).set_index("change")
    assert d.loc["gained", "area_km2"] == pytest.approx(50.0, rel=0.01)
    assert d.loc["lost", "area_km2"] == pytest.approx(50.0, rel=0.01)
    assert isochrone_difference(base, base).empty


def test_zone_minutes_are_population_weighted_means_of_reached_cells(surveyed_eval: Evaluation, region: Region) -> None:
    zm = zone_minutes_table(surveyed_eval.cell_minutes, region, mode="car")
    assert set(zm["centre"]) == set(CITIES)
    assert len(zm) == 3 * region.zones["zone_id"].nunique()
    zid = str(region.zones["zone_id"].iloc[0])
    g = region.grid[region.grid["zone_id"] == zid]
    t = surveyed_eval.cell_minutes["car"][0][g.index.to_numpy()]
    w = g["population"].to_numpy(dtype=float)
    ok = np.isfinite(t)
    expected = float((t[ok] * w[ok]).sum() / w[ok].sum())
    got = zm[(zm["zone_id"] == zid) & (zm["centre"] == "changsha")]["minutes"].iloc[0]
    assert got == pytest.approx(expected, abs=0.06)


# ----------------------------------------------------------------------------------------- GCJ-02


def test_gcj02_matches_prcoords() -> None:
    prcoords = pytest.importorskip("prcoords", reason="prcoords (PyPI) is the cross-check for the GCJ-02 transform")
    rng = np.random.default_rng(1)
    lon = rng.uniform(112.3, 114.0, 200)
    lat = rng.uniform(27.2, 28.7, 200)
    glon, glat = wgs84_to_gcj02(lon, lat)
    ref = [prcoords.wgs_gcj((la, lo)) for lo, la in zip(lon, lat)]
    assert np.abs(glon - np.array([r.lon for r in ref])).max() < 1e-9
    assert np.abs(glat - np.array([r.lat for r in ref])).max() < 1e-9


def test_gcj02_reproduces_the_reference_metro_table() -> None:
    """The reference table gives each station in GCJ-02 and WGS-84: WGS → GCJ must land on the GCJ value."""
    st = pd.read_csv(FIXTURES / "rail" / "changsha_metro_line_stations.csv")
    glon, glat = wgs84_to_gcj02(st["lng_wgs84"], st["lat_wgs84"])
    err_m = np.hypot((glon - st["lng_gcj02"]) * 98_000, (glat - st["lat_gcj02"]) * 111_000)
    shift_m = np.hypot((glon - st["lng_wgs84"]) * 98_000, (glat - st["lat_wgs84"]) * 111_000)
    assert err_m.max() < 5.0  # measured 2.8 m: the table's own GCJ→WGS conversion was approximate
    assert 300 < shift_m.min() and shift_m.max() < 800  # the offset Gaode users see in Changsha


def test_gaode_map_shifts_every_drawn_layer(iso: gpd.GeoDataFrame, surveyed_state: NetworkState, region: Region) -> None:
    kw = dict(title="t", isochrones=iso, rail=surveyed_state.rail, region=region, tier="embedded", snapshot="s", layers=MapLayers(projects=sample_projects()))
    wgs = render_map(isochrone_map(view=MapView(basemap="none"), **kw))  # type: ignore[arg-type]
    gcj = render_map(isochrone_map(view=MapView(basemap="gaode"), **kw))  # type: ignore[arg-type]
    assert "autonavi.com" in gcj and "autonavi.com" not in wgs
    st = surveyed_state.rail.stops.iloc[0]
    glon, glat = wgs84_to_gcj02(float(st["lon"]), float(st["lat"]))
    assert repr(float(glat))[:8] in gcj
    # the project point appears only in its shifted form on the Gaode map
    p = to_gcj02(sample_projects()).geometry.iloc[2]
    shifted = json.dumps([round(p.y, 5), round(p.x, 5)])
    assert "[28.1, 112.99]" in wgs and shifted not in wgs
    assert shifted in gcj and "[28.1, 112.99]" not in gcj


# ---------------------------------------------------------------------------------------- layers


def test_map_has_the_requested_layers_legend_and_provenance(iso: gpd.GeoDataFrame, surveyed_state: NetworkState, region: Region) -> None:
    base = iso.copy()
    diff = isochrone_difference(base, iso.assign(geometry=iso.to_crs("EPSG:32649").buffer(2000).to_crs("EPSG:4326")))
    zm = pd.DataFrame({"zone_id": region.zones["zone_id"].astype(str), "centre": "changsha", "mode": "best", "minutes": 42.0})
    m = isochrone_map(title="plan", isochrones=iso, rail=surveyed_state.rail, region=region, tier="embedded", snapshot="snap-2024", layers=MapLayers(base_isochrones=base, difference=diff, projects=sample_projects(), zone_minutes=zm), view=MapView(basemap="light"))
    page = render_map(m)
    for name in (
        "scenario · 长沙 changsha · best",
        "base ≤ 30 min · 长沙 changsha · best",
        "difference ≤ 30 min · 长沙 changsha · best",
        "projects · planned",
        "projects · opened",
        "zones: minutes to 长沙 changsha · best",
        "rail lines and stations",
        "city centres",
    ):
        assert json.dumps(name)[1:-1] in page, name
    assert "czt-layers" in page and "L.control.scale" in page  # the grouped layer panel, not one row per layer
    assert "czt-light-tiles" in page and "tile.openstreetmap.org" in page
    assert "network tier: embedded · data: snap-2024" in page
    assert "© OpenStreetMap contributors" in page
    assert 'id="czt-legend"' in page
    # the surveyed state's GTFS buses (201路, 滴滴城际站点巴士: route_type 3) are keyed as buses, not as rail
    rail_key = re.search(r'<div id="czt-rail-key">(.*?)</div>', page)
    bus_key = re.search(r'<div id="czt-bus-key">(.*?)</div>', page)
    assert rail_key and bus_key, "both keys"
    assert "长株潭城际铁路" in rail_key.group(1) and "滴滴" not in rail_key.group(1) and "201路" not in rail_key.group(1)
    assert bus_key.group(1).startswith("bus (dot = stop)") and "滴滴" in bus_key.group(1) and "201路" in bus_key.group(1)


def test_map_footer_names_definition_year_and_period(iso: gpd.GeoDataFrame, surveyed_state: NetworkState, region: Region) -> None:
    view = MapView(basemap="none", when=map_when(2023, "off_peak"))
    page = render_map(isochrone_map(title="plan", isochrones=iso, rail=surveyed_state.rail, region=region, tier="embedded", snapshot="snap-2024", view=view))
    footer = page.split('id="czt-provenance"', 1)[1].split("</div>", 1)[0]
    assert "door to door from each city centre" in footer and "best: the faster of car and transit" in footer
    assert "year 2023 · off-peak" in footer and "network tier: embedded" in footer and "© OpenStreetMap contributors" in footer
    assert map_when(None, "am_peak") == "as surveyed · AM peak"


def test_user_text_is_escaped_in_html_and_json_encoded_in_scripts(
    iso: gpd.GeoDataFrame, surveyed_state: NetworkState, region: Region
) -> None:
    page = render_map(
        isochrone_map(title=XSS, isochrones=iso, rail=surveyed_state.rail, region=region, tier="e", snapshot="s", layers=MapLayers(projects=sample_projects()))
    )
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in page
    for line in page.splitlines():  # the backtick text only ever sits inside a JSON string of our own binding
        if "__xss=2" in line:
            assert re.fullmatch(r"\s*\w+\.bind(Tooltip|Popup)\(\"[^\"]*\", \{[^}]*\}\);", line), line
    assert "<script>window.__xss=3" not in page
    assert 'href="javascript:' not in page and "href=\\u0022javascript" not in page
    assert "https://example.org/a?b=1\\u0026amp;c=\\u0026lt;2\\u0026gt;" in page  # escaped, then JSON-encoded


def test_basemaps_need_what_they_need(
    monkeypatch: pytest.MonkeyPatch, iso: gpd.GeoDataFrame, surveyed_state: NetworkState, region: Region
) -> None:
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    assert basemap_problem("tianditu") is not None and "TIANDITU_KEY" in str(basemap_problem("tianditu"))
    assert basemap_problem("osm", offline=True) is not None
    assert basemap_problem("google") is not None
    assert basemap_problem("none", offline=True) is None
    kw = dict(title="t", isochrones=iso, rail=surveyed_state.rail, region=region, tier="e", snapshot="s")
    with pytest.raises(MapError, match="TIANDITU_KEY"):
        isochrone_map(view=MapView(basemap="tianditu"), **kw)  # type: ignore[arg-type]
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    page = render_map(isochrone_map(view=MapView(basemap="tianditu"), **kw))  # type: ignore[arg-type]
    assert "tianditu.gov.cn/vec_w" in page and "tk=abc123" in page


def test_inline_offline_removes_every_external_link() -> None:
    page = (
        '<!DOCTYPE html><html><head><script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
        '<script src="//code.jquery.com/jquery.js"></script><link rel="stylesheet" href="https://x.org/a.css"/>'
        "</head><body><script>var m = L.map('x');</script></body></html>"
    )
    out = inline_offline(page, LeafletAssets(js="window.L = {}; // </script> inside", css=".a{}", source="test"))
    assert not re.search(r"""(src|href)=["'](https?:)?//""", out)
    assert out.index("window.L = {}") < out.index("L.map('x')")
    assert "<\\/script> inside" in out


# ------------------------------------------------------------------------------------------ report


def _metrics() -> dict[str, object]:
    rows = []
    for mode, v in (("car", 71.0), ("transit", 25.0), ("best", 25.0)):
        for a in CITIES:
            for b in CITIES:
                if a != b:
                    rows.append({"from": a, "to": b, "mode": mode, "minutes": v, "within_30": v <= 30})
    pop = [
        {"centre": a, "city": b, "mode": m, "minutes": 30, "population": 1000 if a == b else 10, "share": 0.1, "other_city": a != b}
        for m in ("car", "transit", "best")
        for a in CITIES
        for b in CITIES
    ]
    return {
        "scenario": "s",
        "title": XSS,
        "period": "am_peak",
        "network": {"tier": "embedded", "snapshot": "snap"},
        "centre_minutes": rows,
        "population_within_30": pop,
        "half_hour_index": {"car": 0.0, "transit": 0.5, "best": 0.5},
        "attribution": "© OpenStreetMap contributors",
        "tool_version": "0",
    }


def test_report_has_headline_tables_charts_and_escapes_user_text() -> None:
    timeline = pd.DataFrame({"year": [2018, 2023], "from": "changsha", "to": "zhuzhou", "mode": "best", "minutes": [90.0, 80.0]})
    attribution = pd.DataFrame({"project": [XSS], "minutes_saved": [3.5]})
    page = render_report(
        scenario_title=XSS,
        metrics=_metrics(),
        parts=ReportParts(map_href='../../maps/a"b.html', timeline=timeline, attribution=attribution, base_metrics=_metrics()),
    )
    assert "<img src=x" not in page
    assert page.count("&lt;img src=x onerror=window.__xss=1&gt;") >= 3  # <title>, <h1>, attribution table
    assert 'href="../../maps/a&quot;b.html"' in page
    assert "transit ✓" not in page and "✓ yes · 25.0 min" in page and "✗ no · 71.0 min" in page
    assert "+0.0 vs base" in page
    assert page.count('src="data:image/png;base64,') == 3  # minutes, population, timeline
    for anchor in ("headline", "matrix", "population", "timeline", "attribution", "map", "method", "sources"):
        assert f'id="{anchor}"' in page
    assert "@media print" in page


def test_report_states_the_placement_definition_once() -> None:
    definition = "centre_spread: door-to-door minutes between points within each city centre placement tolerance"
    spread = [
        {"from": "changsha", "to": "zhuzhou", "mode": "car", "from_placement_m": 300.0, "minutes_centre": 90.0}
        | {"minutes_min": 88.0, "minutes_max": 99.0, "minutes_median": 91.0}
    ]
    base = _metrics() | {"definitions": {"centre_minutes": "door to door", "centre_spread": definition}}
    page = render_report(scenario_title="t", metrics=base | {"centre_spread": spread})
    assert page.count(definition) == 1 and 'id="placement"' in page  # beside its table, not again in the list
    assert "<b>centre_minutes</b>" in page
    without = render_report(scenario_title="t", metrics=base)  # no placement section: the list keeps it
    assert without.count(definition) == 1 and 'id="placement"' not in without


def test_relative_href_from_report_to_map(tmp_path: Path) -> None:
    assert relative_href(tmp_path / "maps" / "s.html", tmp_path / "outputs" / "s" / "report.html") == "../../maps/s.html"


def test_cli_refuses_tianditu_without_a_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    assert main(["scenarios/surveyed.yaml", "--basemap", "tianditu"]) == 2
    assert "TIANDITU_KEY" in capsys.readouterr().err
    assert main(["scenarios/surveyed.yaml", "--basemap", "osm", "--offline"]) == 2


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), inf_share=st.floats(0.0, 0.5))
def test_random_travel_time_fields_give_nested_polygons_that_match_the_cells(region: Region, seed: int, inf_share: float) -> None:
    """Property: for any field (with unreachable cells), bands nest and polygon membership equals t <= T."""
    rng = np.random.default_rng(seed)
    sub = Region(zones=region.zones, grid=region.grid.iloc[:600].reset_index(drop=True), centres=region.centres)
    t = rng.uniform(0, 90, (3, 600))
    t[rng.random((3, 600)) < inf_share] = np.inf
    polys = isochrone_polygons({"best": t}, sub, [15, 30, 45, 60])
    lon = sub.grid["lon"].to_numpy(dtype=float)
    lat = sub.grid["lat"].to_numpy(dtype=float)
    for i, centre in enumerate(CITIES):
        g = polys[polys["centre"] == centre].sort_values("minutes")
        for minutes, geom in zip(g["minutes"], g.geometry):
            assert (shapely.contains_xy(geom, lon, lat) == (t[i] <= minutes)).all()
        cells = list(g["cells"])
        assert cells == sorted(cells)


def test_legend_names_project_types_and_an_empty_difference(iso: gpd.GeoDataFrame, surveyed_state: NetworkState, region: Region) -> None:
    empty = isochrone_difference(iso, iso)
    page = render_map(
        isochrone_map(title="t", isochrones=iso, rail=surveyed_state.rail, region=region, tier="e", snapshot="s", layers=MapLayers(difference=empty, projects=sample_projects()), view=MapView(basemap="none"))
    )
    assert "no area gained or lost within 30 min" in page
    for t in ("metro", "new_road", "urban_express"):
        assert f"</span>{t}" in page


def test_the_same_map_renders_to_the_same_bytes(iso: gpd.GeoDataFrame, surveyed_state: NetworkState, region: Region) -> None:
    kw = dict(title="t", isochrones=iso, rail=surveyed_state.rail, region=region, tier="e", snapshot="s", layers=MapLayers(projects=sample_projects()))
    a = render_map(isochrone_map(**kw))  # type: ignore[arg-type]
    b = render_map(isochrone_map(**kw))  # type: ignore[arg-type]
    assert a == b
    assert not re.search(r"_[0-9a-f]{32}", a)


def test_leaflet_comes_from_the_cache_with_css_images_inlined(tmp_path: Path) -> None:
    folder = tmp_path / "offline" / "leaflet-1.9.4"
    (folder / "images").mkdir(parents=True)
    (folder / "leaflet.js").write_text("window.L={version:'1.9.4'};", encoding="utf-8")
    (folder / "leaflet.css").write_text(".a{background-image:url(images/layers.png)}.b{background:url(images/none.png)}", encoding="utf-8")
    (folder / "images" / "layers.png").write_bytes(b"\x89PNG fake")
    assets = leaflet_assets(tmp_path / "offline")
    assert "url(data:image/png;base64," in assets.css and "images/" not in assets.css
    assert assets.js.startswith("window.L")


def test_a_tarball_that_differs_from_the_registry_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "leaflet-1.9.4.tgz"
    f.write_bytes(b"not the real tarball")
    assert not _integrity_ok(f, LEAFLET_NPM_INTEGRITY)
    digest = base64.b64encode(hashlib.sha512(f.read_bytes()).digest()).decode()
    assert _integrity_ok(f, f"sha512-{digest}")
