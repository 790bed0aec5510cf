"""``compare`` maps (issue 13 points 7-9): offline and basemap options, as for runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from network.cli.main import main
from network.model.rail import load_rail
from network.outputs.maps import CENTRE_FILL, PANES

from .test_browser import ARGS, CHROMIUM, Page

ROOT = Path(__file__).resolve().parents[2]

LEAFLET_CDN = ("cdn.jsdelivr", "unpkg.com", "code.jquery", "cdnjs.cloudflare", "bootstrapcdn")


SCENARIO = """name: zz-road
title: 株洲 fast connector (test)
base: surveyed
period: am_peak
add:
  - {type: new_road, name: 株洲北快速连接, path: [[113.145, 27.833], [113.09, 27.93], [113.02, 28.02]], speed_kph: 100}
"""
"""A hand-written scenario whose change is around 株洲 (not the default centre 长沙): ~110 km² gained within 30 min."""
COMPARE = "compare-surveyed-vs-zz-road"


@pytest.fixture(scope="module")
def offline_compare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``compare surveyed <file> --offline``: the folder with maps/compare-….html and outputs/compare-…/."""
    tmp = tmp_path_factory.mktemp("compare")
    (tmp / "zz-road.yaml").write_text(SCENARIO, encoding="utf-8")
    rc = main(
        [
            "compare",
            "surveyed",
            str(tmp / "zz-road.yaml"),
            "--offline",
            "--output-dir",
            str(tmp / "outputs"),
            "--map-dir",
            str(tmp / "maps"),
        ]
    )
    assert rc == 0
    return tmp


@pytest.mark.xdist_group("serial")  # on the browser tests' worker: their offline_compare is built once, not on both
def test_compare_offline_writes_a_self_contained_map(offline_compare: Path) -> None:
    page = (offline_compare / "maps" / f"{COMPARE}.html").read_text(encoding="utf-8")
    assert not [c for c in LEAFLET_CDN if c in page], "an offline compare map must not link to a CDN"
    assert "tile.openstreetmap.org" not in page
    assert '<meta name="czt-basemap" content="none">' in page
    assert "L.Map" in page or "L.map" in page  # Leaflet itself is inlined
    summary = json.loads((offline_compare / "outputs" / COMPARE / "compare.json").read_text(encoding="utf-8"))
    assert summary["network"]["tier"] == "embedded"


def test_compare_basemap_is_used(tmp_path: Path) -> None:
    rc = main(["compare", "year-2018", "year-2023", "--basemap", "gaode", "--output-dir", str(tmp_path / "o"), "--map-dir", str(tmp_path)])
    assert rc == 0
    page = (tmp_path / "compare-year-2018-vs-year-2023.html").read_text(encoding="utf-8")
    assert '<meta name="czt-basemap" content="gaode">' in page and "autonavi.com" in page


def test_compare_refuses_tiles_on_an_offline_map(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", "year-2018", "year-2023", "--offline", "--basemap", "osm", "--output-dir", str(tmp_path)])
    assert exc.value.code == 2
    assert "offline map cannot load 'osm' tiles" in capsys.readouterr().err


# ----------------------------------------------------------------------------------- in the browser
# (issue 13 points 8 and 9: real headless Chromium, offline, every console error recorded)

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def chrome() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


COMPARE_HTML = f"maps/{COMPARE}.html"

ON_MAP = """() => window.cztLayers.entries.filter(e => window.cztLayers.map.hasLayer(e.layer))
    .map(e => [e.kind, e.centre, e.mode])"""


def _most_changed(summary: dict[str, Any]) -> tuple[str, str]:
    """The (centre, mode) with the largest area gained + lost within 30 min, best mode first (computed here from compare.json)."""
    for mode in ("best", "car", "transit"):
        area: dict[str, float] = {}
        for r in summary["difference_within_30"]:
            if r["mode"] == mode:
                area[r["centre"]] = area.get(r["centre"], 0.0) + float(r["area_km2"])
        if area:
            return max(area, key=lambda c: area[c]), mode
    raise AssertionError("the comparison changes nothing")


def _summary(folder: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((folder / "outputs" / COMPARE / "compare.json").read_text(encoding="utf-8"))
    return doc


def _click(page: Any, selector: str) -> None:
    page.locator(selector).click()
    page.wait_for_timeout(50)


@pytest.mark.slow
@pytest.mark.xdist_group("serial")  # headless browser (tests/conftest.py)
@needs_chromium
def test_compare_map_opens_on_the_difference_of_the_centre_that_changed_most(chrome: Any, offline_compare: Path) -> None:
    summary = _summary(offline_compare)
    centre, mode = _most_changed(summary)
    assert (centre, mode) == ("zhuzhou", "best")  # the scenario's new road is at 株洲
    assert summary["map_opens_on"] == {"centre": centre, "mode": mode}
    pg = Page(chrome, (offline_compare / COMPARE_HTML).as_uri())
    try:
        on = pg.page.evaluate(ON_MAP)
        assert ["difference", centre, mode] in on, on  # the difference layer is on at load
        assert [k for k in on if k[0] == "difference"] == [["difference", centre, mode]]
        assert ["isochrones", centre, mode] in on
        assert pg.page.locator(".leaflet-czt-difference-pane path").count() > 0  # drawn, not just listed
        assert pg.page.locator(f'.czt-layers input[name=czt-centre][value="{centre}"]').is_checked()
        assert pg.errors == [] and pg.external == []
    finally:
        pg.close()


@pytest.mark.slow
@pytest.mark.xdist_group("serial")  # headless browser (tests/conftest.py)
@needs_chromium
def test_compare_layer_control_is_small_and_grouped_by_centre_and_mode(chrome: Any, offline_compare: Path) -> None:
    pg = Page(chrome, (offline_compare / COMPARE_HTML).as_uri())
    try:
        p = pg.page
        n_layers = p.evaluate("window.cztLayers.entries.length")
        box = p.locator(".czt-layers").bounding_box()
        view = p.viewport_size
        assert n_layers >= 25  # 9 scenario isochrones + base outlines + differences + rail, centres, outlines, projects
        assert p.locator(".czt-layers input").count() <= 20 < n_layers  # grouped: not one row per layer
        assert box is not None and box["width"] * box["height"] < 0.08 * view["width"] * view["height"], box
        # pick car: the difference layer follows the mode; the base outline follows when asked for
        _click(p, '.czt-layers input[name=czt-mode][value="car"]')
        _click(p, '.czt-layers input[data-kind="base"]')
        on = p.evaluate(ON_MAP)
        assert [k for k in on if k[0] in ("difference", "isochrones", "base")] == [
            ["isochrones", "zhuzhou", "car"],
            ["base", "zhuzhou", "car"],
            ["difference", "zhuzhou", "car"],
        ], on
        assert p.locator("#czt-layer-note").inner_text() == ""
        # a centre where nothing changed says so instead of showing nothing silently
        _click(p, '.czt-layers input[name=czt-centre][value="xiangtan"]')
        assert [k for k in p.evaluate(ON_MAP) if k[0] == "base"] == [["base", "xiangtan", "car"]]
        assert "gained / lost within 30 min" in p.locator("#czt-layer-note").inner_text()
        assert pg.errors == []
    finally:
        pg.close()


@pytest.mark.slow
@pytest.mark.xdist_group("serial")  # headless browser (tests/conftest.py)
@needs_chromium
def test_difference_stays_above_isochrones_whatever_the_toggling_order(chrome: Any, offline_compare: Path) -> None:
    pg = Page(chrome, (offline_compare / COMPARE_HTML).as_uri())
    try:
        p = pg.page
        for other in p.locator(".czt-layers input[data-layer]").all():  # rail, centres, outlines, projects off
            other.uncheck()
        # difference off, isochrones off, difference on, then isochrones on: isochrones are added last
        for kind in ("difference", "isochrones", "difference", "isochrones"):
            _click(p, f'.czt-layers input[data-kind="{kind}"]')
        on = p.evaluate(ON_MAP)
        assert any(k[0] == "difference" for k in on) and any(k[0] == "isochrones" for k in on), on
        hits = p.evaluate(
            """() => {
                const {map, entries} = window.cztLayers;
                const diff = entries.find(e => e.kind === "difference" && map.hasLayer(e.layer));
                const out = [];
                // even-odd ray casting over every ring of the polygon, in screen pixels
                const rings = ll => Array.isArray(ll[0]) ? ll.flatMap(rings) : [ll];
                const inside = (pt, rs) => rs.reduce((acc, ring) => {
                    const q = ring.map(x => map.latLngToContainerPoint(x));
                    let c = false;
                    for (let i = 0, j = q.length - 1; i < q.length; j = i++) {
                        if ((q[i].y > pt.y) !== (q[j].y > pt.y) && pt.x < (q[j].x - q[i].x) * (pt.y - q[i].y) / (q[j].y - q[i].y) + q[i].x) c = !c;
                    }
                    return acc !== c;
                }, false);
                diff.layer.eachLayer(gj => gj.eachLayer(poly => {
                    const rs = rings(poly.getLatLngs());
                    const b = L.latLngBounds(rs[0]);
                    document.getElementById("czt-legend").style.display = "none";
                    map.fitBounds(b, {animate: false});
                    const nw = map.latLngToContainerPoint(b.getNorthWest()), se = map.latLngToContainerPoint(b.getSouthEast());
                    const r = map.getContainer().getBoundingClientRect();
                    for (let k = 1; k < 20 && out.length < 5; k++) {
                        for (let l = 1; l < 20 && out.length < 5; l++) {
                            const pt = L.point(nw.x + (se.x - nw.x) * k / 20, nw.y + (se.y - nw.y) * l / 20);
                            if (!inside(pt, rs)) continue;
                            const el = document.elementFromPoint(r.left + pt.x, r.top + pt.y);
                            if (!el || el.closest(".leaflet-control-container")) continue;  // under the panel or zoom buttons
                            const pane = el.closest(".leaflet-pane:not(.leaflet-map-pane)");
                            out.push(pane ? pane.className : String(el && el.tagName));
                        }
                    }
                }));
                return out;
            }"""
        )
        assert hits and all("leaflet-czt-difference-pane" in h for h in hits), hits
        assert PANES["czt-difference"] > PANES["czt-isochrones"] > PANES["czt-zones"]
        assert pg.errors == []
    finally:
        pg.close()


@pytest.mark.slow
@pytest.mark.xdist_group("serial")  # headless browser (tests/conftest.py)
@needs_chromium
def test_legend_keys_centre_labels_panes_scale_and_readable_view(chrome: Any, offline_compare: Path) -> None:
    centre, mode = _most_changed(_summary(offline_compare))
    pg = Page(chrome, (offline_compare / COMPARE_HTML).as_uri())
    try:
        p = pg.page
        # centres labelled in Chinese beside their markers
        assert sorted(p.locator(".czt-centre-label").all_inner_texts()) == sorted(["长沙", "株洲", "湘潭"])
        # a key for every rail-line colour drawn, and for the centre marker (same colour as the marker)
        keys = p.locator("#czt-rail-key .czt-key-rail")
        drawn = {str(c).lower() for c in load_rail().lines["colour"]}
        bus = {str(c).lower() for c in pd.read_csv(ROOT / "data" / "intercity_bus_lines.csv")["colour"]}  # 城际公交 (GTFS services)
        shown = {str(k.get_attribute("data-colour")).lower() for k in keys.all()}
        assert drawn <= shown and shown - drawn <= bus
        assert "长株潭城际铁路" in p.locator("#czt-rail-key").inner_text()
        marker_fill = p.evaluate("() => document.querySelector('.leaflet-czt-centres-pane path').getAttribute('fill')")
        assert marker_fill.lower() == CENTRE_FILL
        key_bg = p.evaluate("() => getComputedStyle(document.querySelector('.czt-key-centre')).backgroundColor")
        assert key_bg == "rgb(255, 215, 0)"
        # panes: zones below lines and centres; differences above isochrones
        z = p.evaluate(
            """() => Object.fromEntries(["zones", "isochrones", "difference", "rail", "centres"].map(k =>
                [k, Number(getComputedStyle(document.querySelector(`.leaflet-czt-${k}-pane`)).zIndex)]))"""
        )
        assert z["zones"] < z["isochrones"] < z["difference"] < z["rail"] < z["centres"], z
        # the scale bar and the legend do not overlap, and both are on screen
        scale = p.locator(".leaflet-control-scale").bounding_box()
        legend = p.locator("#czt-legend").bounding_box()
        assert scale and legend
        apart = (
            scale["x"] >= legend["x"] + legend["width"]
            or legend["x"] >= scale["x"] + scale["width"]
            or scale["y"] >= legend["y"] + legend["height"]
            or legend["y"] >= scale["y"] + scale["height"]
        )
        assert apart, (scale, legend)
        # the default view: the opened centre's 15-min band is large on screen and its 30-min band fits
        sizes = p.evaluate(
            """([centre, mode]) => {
                const {map, entries} = window.cztLayers;
                const iso = entries.find(e => e.kind === "isochrones" && e.centre === centre && e.mode === mode);
                const size = map.getSize(), out = {};
                iso.layer.eachLayer(gj => {
                    const tip = gj.getTooltip ? gj.getTooltip() : null;
                    const m = tip && String(tip.getContent()).match(/≤ (\\d+) min/);
                    if (!m) return;
                    const b = gj.getBounds();
                    const a = map.latLngToContainerPoint(b.getNorthWest()), c = map.latLngToContainerPoint(b.getSouthEast());
                    out[m[1]] = {w: c.x - a.x, h: c.y - a.y, inside: a.x >= 0 && a.y >= 0 && c.x <= size.x && c.y <= size.y};
                });
                return out;
            }""",
            [centre, mode],
        )
        # readable: a 1-km cell (the bands' grain) spans at least 10 px, the 30-min band fills a good part of the
        # view and lies inside it, and the 15-min band is more than a dot
        km_per_100px = p.evaluate(
            """() => { const m = window.cztLayers.map;
                return m.distance(m.containerPointToLatLng([0, 300]), m.containerPointToLatLng([100, 300])) / 1000; }"""
        )
        assert km_per_100px <= 10.0, km_per_100px
        assert max(sizes["30"]["w"], sizes["30"]["h"]) >= 250 and sizes["30"]["inside"], sizes
        assert max(sizes["15"]["w"], sizes["15"]["h"]) >= 20, sizes
        assert pg.errors == [] and pg.external == []
    finally:
        pg.close()


@pytest.mark.slow
@pytest.mark.xdist_group("serial")  # headless browser (tests/conftest.py)
@needs_chromium
def test_scenario_map_zones_lie_below_rail_and_centres(chrome: Any, tmp_path: Path) -> None:
    rc = main(["scenarios/surveyed.yaml", "--offline", "--output-dir", str(tmp_path / "o"), "--map-dir", str(tmp_path / "m")])
    assert rc == 0
    pg = Page(chrome, (tmp_path / "m" / "surveyed.html").as_uri())
    try:
        p = pg.page
        assert p.evaluate(ON_MAP)[:1] == [["isochrones", "changsha", "best"]] or ["isochrones", "changsha", "best"] in p.evaluate(ON_MAP)
        _click(p, '.czt-layers input[data-kind="zones"]')  # zones switched on after the centres were drawn
        _click(p, '.czt-layers input[data-kind="isochrones"]')
        hit = p.evaluate(
            """() => {
                const {map} = window.cztLayers;
                const onScreen = r => r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
                const el0 = Array.from(document.querySelectorAll('.leaflet-czt-centres-pane path'))
                    .find(e => onScreen(e.getBoundingClientRect()));
                const r = el0.getBoundingClientRect();
                const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return el.closest('.leaflet-pane:not(.leaflet-map-pane)').className;
            }"""
        )
        assert "leaflet-czt-centres-pane" in hit, hit
        assert p.locator(".leaflet-czt-zones-pane path").count() > 0
        assert pg.errors == [] and pg.external == []
    finally:
        pg.close()


def test_report_tables_use_chinese_city_names_with_pinyin(tmp_path: Path) -> None:
    import re

    rc = main(["scenarios/surveyed.yaml", "--no-map", "--output-dir", str(tmp_path)])
    assert rc == 0
    page = (tmp_path / "surveyed" / "report.html").read_text(encoding="utf-8")
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", page)
    for name in ("长沙 Changsha", "株洲 Zhuzhou", "湘潭 Xiangtan"):
        assert any(name in c for c in cells), name
    assert "长沙 Changsha ↔ 株洲 Zhuzhou" in page and "from 长沙 Changsha" in page and "to 湘潭 Xiangtan" in page
    bare = [c for c in cells if re.search(r"(?<![A-Za-z])(changsha|zhuzhou|xiangtan)(?![A-Za-z])", c)]
    assert bare == [], bare[:5]
