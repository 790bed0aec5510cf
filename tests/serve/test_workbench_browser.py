"""The workbench in headless Chromium (Debian ``chromium`` driven by Playwright) against the real server.

The server is started as ``run_scenario.py serve`` in its own process; the page may reach only that
server (every other request is aborted and recorded). A road is drawn with mouse events; the centre
times and the area gained against the base change; the scenario is saved, and the CLI run of the saved
file gives the same numbers. Ctrl-C (SIGINT) then stops the server cleanly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tools.workbench_screenshot import ARGS, CHROMIUM, ROAD, ROOT, LocalPage, Server, draw_road, make_workspace, wait_generation

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("serial"),  # a headless browser: one at a time (tests/conftest.py)
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (./dev.sh test installs it)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(make_workspace(tmp_path_factory.mktemp("ws")))
    yield srv
    if srv.proc.poll() is None:
        srv.proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _cell(page: Any, pair: str, mode: str) -> float:
    return float(page.locator(f'td[data-pair="{pair}"][data-mode="{mode}"]').inner_text())


def test_draw_a_road_see_the_circle_change_save_and_the_cli_agrees(server: Server, browser: Any, tmp_path: Path) -> None:
    lp = LocalPage(browser, server)
    page = lp.page
    try:
        page.goto(server.url + "&scenario=surveyed.yaml", wait_until="load")
        wait_generation(page, 0)
        page.select_option("#base", "surveyed.yaml")
        page.wait_for_selector("#gained-km2", timeout=180_000)
        assert float(page.inner_text("#gained-km2")) == 0.0, "the scenario against itself gains nothing"
        before = _cell(page, "changsha-zhuzhou", "car")
        page.select_option("#mode", "car")
        draw_road(page, ROAD, speed_kph=100)  # 长沙 → 株洲 with the mouse: click, click, double-click to finish
        wait_generation(page, 1)
        after = _cell(page, "changsha-zhuzhou", "car")
        assert after < before - 10, f"the drawn 100 km/h road shortens the car trip ({before} -> {after})"
        assert float(page.inner_text("#gained-km2")) > 0, "the area within 30 min of changsha by car grows"
        assert page.locator("#log li").count() == 1
        assert page.evaluate("() => document.querySelectorAll('#map path.leaflet-interactive').length") > 3, "isochrones, rail and the edit are drawn"
        page.fill("#save-name", "drawn-road")
        page.click("#save")
        page.wait_for_selector("#saved[data-file]", timeout=30_000)
        tab = page.evaluate("() => document.getElementById('status').dataset.tab")
        shown = {(p["from"], p["to"], p["mode"]): p["minutes"] for p in _api(server, f"/api/tabs/{tab}").json()["numbers"]["centre_minutes"]}
    finally:
        lp.close()
    assert lp.errors == [], f"console errors: {lp.errors}"
    assert lp.external == [], f"requests that would leave the machine: {lp.external}"
    saved = Path(server_workspace(server)) / "drawn-road.yaml"
    assert saved.exists()
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, str(ROOT / "run_scenario.py"), "run", str(saved), "--no-map", "--output-dir", str(out)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    metrics = json.loads((out / "drawn-road" / "metrics.json").read_text(encoding="utf-8"))
    cli = {(p["from"], p["to"], p["mode"]): p["minutes"] for p in metrics["centre_minutes"]}
    assert cli.keys() == shown.keys()
    for k in cli:
        assert abs(cli[k] - shown[k]) <= 0.01, f"{k}: CLI {cli[k]} vs workbench {shown[k]}"
    assert abs(cli[("changsha", "zhuzhou", "car")] - after) <= 0.05  # the page shows one decimal


# For every visible label holding an input or select: its own text and its control side by side on one line
# (the control right of the text, their boxes overlapping vertically); the labels where they are not.
LABELS_APART = """() => [...document.querySelectorAll('#panel label')].flatMap((label) => {
  const control = label.querySelector('input:not([type=checkbox]), select');
  const text = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  if (!control || !text) return [];
  const c = control.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(text);
  const rects = [...range.getClientRects()].filter((r) => r.width > 0);
  if (!c.width || !rects.length) return [];  // not shown (a closed <details>)
  const t = rects[rects.length - 1];
  const apart = rects.length > 1 || c.left < t.right - 1 || c.top >= t.bottom || c.bottom <= t.top;
  return apart ? [`${text.textContent.trim()}: text ${Math.round(t.left)},${Math.round(t.top)} control ${Math.round(c.left)},${Math.round(c.top)}`] : [];
})"""


def test_every_label_sits_with_its_input(server: Server, browser: Any) -> None:
    """The edit forms and pickers: each label's text and its box are one unit, never split over two lines or
    the box left of its label (planner review, finding 8: "headway_min [ ] speed_kph / [ ] run_time_min")."""
    for width in (1280, 1000):
        lp = LocalPage(browser, server, width=width)
        try:
            lp.page.goto(server.url, wait_until="load")
            lp.page.wait_for_selector(".edit-form input", timeout=120_000)
            n = lp.page.evaluate("() => document.querySelectorAll('.edit-form label').length")
            apart = lp.page.evaluate(LABELS_APART)
        finally:
            lp.close()
        assert n > 20, "the edit forms are built"
        assert apart == [], f"viewport {width}px: labels split from their input: {apart[:8]}"


def server_workspace(server: Server) -> str:
    return str(_api(server, "/api/meta").json()["workspace"])


def _api(server: Server, path: str, **headers: str) -> httpx.Response:
    h = {"X-Workbench-Token": server.token, **headers}
    return httpx.get(server.base.rstrip("/") + path, headers=h, timeout=60)


def test_foreign_origin_missing_token_and_foreign_host_are_refused(server: Server) -> None:
    assert _api(server, "/api/scenarios").status_code == 200
    assert _api(server, "/api/scenarios", Origin="http://evil.example").status_code == 403
    assert httpx.get(server.base + "api/scenarios", timeout=60).status_code == 401
    assert httpx.get(server.base + "?token=wrong", timeout=60).status_code == 401
    assert _api(server, "/api/scenarios", Host="evil.example").status_code == 421
    r = _api(server, "/api/scenarios", Origin=f"http://127.0.0.1:{server.port}")
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_the_docs_api_example_runs_against_the_server(server: Server) -> None:
    """The Python example of docs/workbench.md, run as written against the live server."""
    page = (ROOT / "docs" / "workbench.md").read_text(encoding="utf-8")
    code = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert len(code) == 1
    env = {**os.environ, "WORKBENCH_URL": server.base.rstrip("/"), "WORKBENCH_TOKEN": server.token}
    run = subprocess.run([sys.executable, "-c", code[0]], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "min:" in run.stdout and "half-hour index 2030" in run.stdout and "minutes_saved" in run.stdout


def test_ctrl_c_stops_the_server_cleanly(server: Server) -> None:
    code, out = server.stop()
    assert code == 130, out  # the project's rule for Ctrl-C on every command (network/cli/interrupt.py)
    assert "workbench stopped" in out and "Traceback" not in out
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base, timeout=5)
