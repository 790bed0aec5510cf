"""The generated map and report, opened in headless Chromium (Debian ``chromium`` driven by Playwright).

Offline output is opened with every non-``file:``/``data:`` request aborted and recorded, and Chromium is
also pointed at a dead proxy, so a page that tried to fetch anything would both fail and be caught.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest

from network.analysis.isochrones import isochrone_polygons
from network.analysis.metrics import Evaluation
from network.model.region import Region
from network.outputs.maps import MapLayers, MapView, isochrone_difference, isochrone_map, save_map
from network.run.runner import RunResult, run_scenario
from network.scenario.schema import Scenario

from .test_maps import XSS, sample_projects

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("serial"),  # a headless browser: one at a time (tests/conftest.py)
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (./dev.sh test installs it)"),
]

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",  # nothing listens there: any real request fails
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, surveyed: Scenario) -> RunResult:
    """The surveyed scenario, run end to end with an XSS title and an offline map."""
    tmp = tmp_path_factory.mktemp("browser")
    scenario = surveyed.model_copy(update={"title": XSS})
    return run_scenario(scenario, output_dir=tmp / "outputs", map_dir=tmp / "maps", offline=True)


@pytest.fixture(scope="module")
def comparison_map(tmp_path_factory: pytest.TempPathFactory, surveyed_eval: Evaluation, surveyed_state: Any, region: Region) -> Path:
    """An offline comparison map with projects (one named with an XSS payload), base outlines and a difference."""
    iso = isochrone_polygons(surveyed_eval.cell_minutes, region, [15, 30, 45, 60])
    faster = {m: t * 0.8 for m, t in surveyed_eval.cell_minutes.items()}
    scen = isochrone_polygons(faster, region, [15, 30, 45, 60])
    m = isochrone_map(title="comparison", isochrones=scen, rail=surveyed_state.rail, region=region, tier="embedded", snapshot="test", layers=MapLayers(base_isochrones=iso, difference=isochrone_difference(iso, scen), projects=sample_projects()), view=MapView(basemap="none", offline=True))
    path = tmp_path_factory.mktemp("cmp") / "comparison.html"
    save_map(m, path)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Page:
    """A page in a fresh offline context that records console errors and attempted external requests."""

    def __init__(self, browser: Any, url: str) -> None:
        self.external: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1100, "height": 760}, service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(300)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def screenshot_stats(self, **kw: Any) -> tuple[float, int]:
        from PIL import Image

        img = Image.open(io.BytesIO(self.page.screenshot(**kw))).convert("RGB")
        arr = np.asarray(img, dtype=float)
        colours = len(set(map(tuple, arr.reshape(-1, 3)[::7].astype(int).tolist())))
        return float(arr.std()), colours

    def close(self) -> None:
        self.context.close()


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("viewport", [(1100, 760), (1200, 900), (1600, 1000)])
def test_the_map_opens_on_all_three_city_centres_clear_of_legend_and_panel(browser: Any, outputs: RunResult, viewport: tuple[int, int]) -> None:
    """A half-hour-circle map is about three cities: each centre's label is in view, not under the legend or the panel."""
    assert outputs.map_path is not None
    pg = Page(browser, outputs.map_path.as_uri())
    try:
        p = pg.page
        p.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        p.reload(wait_until="load")
        p.wait_for_timeout(300)
        labels = p.locator(".czt-centre-label")
        assert labels.count() == 3
        legend = p.locator("#czt-legend").bounding_box()
        panel = p.locator(".czt-layers").bounding_box()
        footer = p.locator(".leaflet-control-attribution").bounding_box()
        assert legend is not None and panel is not None and footer is not None
        assert not _overlaps(legend, footer), (legend, footer)  # the legend sits above the attribution footer
        for i in range(3):
            box = labels.nth(i).bounding_box()
            assert box is not None
            name = labels.nth(i).inner_text()
            assert 0 <= box["x"] and box["x"] + box["width"] <= viewport[0] and 0 <= box["y"] and box["y"] + box["height"] <= viewport[1], (name, box)
            assert not _overlaps(box, legend), (name, box, legend)
            assert not _overlaps(box, panel), (name, box, panel)
    finally:
        pg.close()


def test_offline_map_initialises_with_its_layers_and_no_network(browser: Any, outputs: RunResult) -> None:
    assert outputs.map_path is not None
    html = outputs.map_path.read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html
    assert "czt-no-leaflet" not in html  # the offline page carries Leaflet: no "could not load" notice
    pg = Page(browser, outputs.map_path.as_uri())
    try:
        p = pg.page
        assert p.evaluate("typeof window.L") == "object"
        assert str(p.evaluate("window.L.version")).startswith("1.9.")  # npm 1.9.4, or 1.9.3 from the django-leaflet fallback
        assert p.locator(".leaflet-container").count() == 1
        labels = p.evaluate("window.cztLayers.entries.map(e => e.label)")  # every layer the panel switches
        assert p.locator(".czt-layers input").count() < 20  # grouped: one row per kind, not per (kind, centre, mode)
        for name in (
            "isochrones · 长沙 changsha · best",
            "isochrones · 湘潭 xiangtan · transit",
            "rail lines and stations",
            "city centres",
        ):
            assert name in labels, (name, labels)
        assert any(lbl.startswith("zones: minutes to 株洲") for lbl in labels)
        assert p.locator(".leaflet-control-scale").count() == 1
        assert "© OpenStreetMap contributors" in p.locator(".leaflet-control-attribution").inner_text()
        assert p.locator("path.leaflet-interactive").count() > 50  # isochrones, rail, outlines drawn
        std, colours = pg.screenshot_stats()
        assert std > 20 and colours > 30, (std, colours)
        # the title is shown as text, and nothing from it ran
        assert p.locator("#czt-title").inner_text() == XSS
        assert p.locator('img[src="x"]').count() == 0
        assert p.evaluate("window.__xss") is None
        assert pg.errors == []
        assert pg.external == []
    finally:
        pg.close()


def test_comparison_map_shows_projects_difference_and_escaped_popups(browser: Any, comparison_map: Path) -> None:
    pg = Page(browser, comparison_map.as_uri())
    try:
        p = pg.page
        labels = p.evaluate("window.cztLayers.entries.map(e => e.label)")
        for name in (
            "difference ≤ 30 min · 长沙 changsha · best",
            "base ≤ 30 min · 长沙 changsha · best",
            "projects · planned",
            "projects · opened",
        ):
            assert name in labels, (name, labels)
        # open every popup and tooltip: Leaflet renders them with innerHTML, so an unescaped name would run here
        texts = p.evaluate(
            """() => {
                const map = Object.values(window).find(v => v instanceof L.Map);
                const out = [];
                map.eachLayer(l => {
                    if (l.getPopup && l.getPopup()) { l.openPopup(); const el = l.getPopup().getElement(); if (el) out.push(el.innerText); }
                    if (l.getTooltip && l.getTooltip()) { l.openTooltip(); const el = l.getTooltip().getElement(); if (el) out.push(el.innerText); }
                });
                return out;
            }"""
        )
        assert any(XSS in t and "planned: 2030" in t for t in texts), texts[:5]
        assert any("`${window.__xss=2}`" in t for t in texts)
        assert p.evaluate("window.__xss") is None
        assert p.locator('img[src="x"]').count() == 0
        assert p.locator('a[href^="javascript:"]').count() == 0
        std, colours = pg.screenshot_stats()
        assert std > 20 and colours > 30
        assert pg.errors == []
        assert pg.external == []
    finally:
        pg.close()


def test_report_renders_offline_prints_and_links_the_map(browser: Any, outputs: RunResult) -> None:
    assert outputs.report_path is not None and outputs.map_path is not None
    pg = Page(browser, outputs.report_path.as_uri())
    try:
        p = pg.page
        assert p.locator("h1").inner_text() == XSS
        assert p.title() == XSS
        assert p.evaluate("window.__xss") is None
        assert p.locator('img[src="x"]').count() == 0
        widths = p.evaluate("() => Array.from(document.querySelectorAll('img.chart')).map(i => i.naturalWidth)")
        assert len(widths) == 2 and min(widths) > 300  # the two charts decoded (no timeline without a timeline)
        assert "No pair of city centres is within 30 minutes" in p.locator("p.summary").inner_text()
        href = p.locator("#map-link").get_attribute("href")
        assert (outputs.report_path.parent / href).resolve() == outputs.map_path.resolve()
        std, colours = pg.screenshot_stats(full_page=True)
        assert std > 10 and colours > 10
        pdf = p.pdf(format="A4")
        assert pdf[:4] == b"%PDF" and len(pdf) > 20_000
        assert pg.errors == []
        assert pg.external == []
    finally:
        pg.close()


def test_online_map_asks_only_for_its_tiles(browser: Any, outputs: RunResult, tmp_path: Path) -> None:
    """A default (osm) map's external requests, recorded and refused, are tiles and folium's CDN files only."""
    from network.outputs.maps import isochrone_map as build

    iso = gpd.read_file(outputs.metrics_path.parent / "isochrones.geojson")
    from network.model.rail import load_rail
    from network.model.region import load_region

    m = build(title="online", isochrones=iso, rail=load_rail(), region=load_region(), tier="embedded", snapshot="s", view=MapView(basemap="osm"))
    path = tmp_path / "online.html"
    save_map(m, path)
    pg = Page(browser, path.as_uri())
    try:
        notice = pg.page.locator("#czt-no-leaflet")
        assert notice.is_visible(), "with its CDN unreachable, the page must say why it shows no map"
        assert "--offline" in notice.inner_text()
        assert pg.external, "an online map should ask for tiles"
        hosts = {u.split("/")[2] for u in pg.external}
        assert all(h.endswith(("openstreetmap.org", "jsdelivr.net", "jquery.com", "cloudflare.com", "bootstrapcdn.com")) for h in hosts), (
            hosts
        )
    finally:
        pg.close()


EDIT_ROAD = "黄兴大道—田心大道连接线"
EDIT_SCENARIO = f"""\
name: my-scenario
title: my connector, and no intercity to Xiangtan
remove_lines: [IC-XT]
add:
  - {{type: new_road, name: {EDIT_ROAD}, path: [[113.05, 28.06], [113.12, 27.89]], speed_kph: 60}}
  - {{type: road_closure, name: close-north, path: [[112.97, 28.20], [112.99, 28.15]]}}
"""
NEW_ROAD_RGB = (0xD0, 0x1C, 0x8B)  # maps.EDIT_STYLES["new_road"]


@pytest.fixture(scope="module")
def edit_maps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A hand-written scenario's offline map, and its offline comparison with surveyed, made by the CLI."""
    from network.cli.main import main

    tmp = tmp_path_factory.mktemp("edits")
    f = tmp / "my-scenario.yaml"
    f.write_text(EDIT_SCENARIO, encoding="utf-8")
    out, maps = str(tmp / "out"), str(tmp / "maps")
    assert main([str(f), "--offline", "--output-dir", out, "--map-dir", maps]) == 0
    assert main(["compare", "surveyed", str(f), "--offline", "--output-dir", out, "--map-dir", maps]) == 0
    return tmp / "maps/my-scenario.html", tmp / "maps/compare-surveyed-vs-my-scenario.html"


def _edit_drawings(page: Any) -> list[dict[str, Any]]:
    """Every drawn vector whose popup is an edit's: its popup text, stroke colour and on-screen box."""
    return page.evaluate(
        """() => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const out = [];
            map.eachLayer(g => {
                if (!g.getPopup || !g.getPopup() || !g.eachLayer) return;
                const html = String(g.getPopup().getContent());
                if (!html.includes('edit: ')) return;
                g.eachLayer(l => {
                    if (!l._path) return;
                    g.openPopup(l.getCenter());
                    const el = g.getPopup().getElement();
                    const r = l._path.getBoundingClientRect();
                    out.push({text: el ? el.innerText : '', stroke: l._path.getAttribute('stroke'),
                              dash: l._path.getAttribute('stroke-dasharray'), w: r.width, h: r.height,
                              onMap: map.hasLayer(l)});
                    g.closePopup();
                });
            });
            return out;
        }"""
    )


@pytest.mark.parametrize("which", ["scenario", "compare"])
def test_hand_written_edits_are_drawn_with_popups(browser: Any, edit_maps: tuple[Path, Path], which: str) -> None:
    """Issue 13 point 1: the added road (and the closure and the removed line) are drawn, with popups, on both maps."""
    path = edit_maps[0] if which == "scenario" else edit_maps[1]
    pg = Page(browser, path.as_uri())
    try:
        p = pg.page
        labels = [t.strip() for t in p.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
        assert "edits · my-scenario" in labels, labels
        drawn = _edit_drawings(p)
        road = [d for d in drawn if EDIT_ROAD in d["text"]]
        assert len(road) == 1, drawn
        assert road[0]["onMap"] and road[0]["stroke"] == "#d01c8b" and road[0]["w"] + road[0]["h"] > 20, road
        assert "new_road" in road[0]["text"] and "adds 1 road edge" in road[0]["text"] and "20.1 km" in road[0]["text"]
        assert any("close-north" in d["text"] and d["dash"] for d in drawn)
        assert any("IC-XT" in d["text"] and "removes rail line" in d["text"] for d in drawn)
        # and it shows on screen: pixels of the new road's colour
        from PIL import Image

        img = np.asarray(Image.open(io.BytesIO(p.screenshot())).convert("RGB"), dtype=int)
        near = (np.abs(img - np.array(NEW_ROAD_RGB)).sum(axis=2) < 40).sum()
        assert near > 50, near
        assert pg.errors == []
        assert pg.external == []
    finally:
        pg.close()
