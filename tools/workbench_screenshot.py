"""Start the workbench, draw a road in headless Chromium, and save the page as docs/workbench.png.

    .venv/bin/python tools/workbench_screenshot.py [--out docs/workbench.png]

The same helpers drive the browser test (tests/serve/test_workbench_browser.py): ``Server`` runs
``run_scenario.py serve --port 0`` in a child process and reads the address it prints; ``draw_road``
clicks a polyline on the map with mouse events. The page may reach only the server (every other request
is aborted and recorded).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 180.0


class Server:
    """``run_scenario.py serve --port 0`` in a child process; its printed address and token."""

    def __init__(self, workspace: Path, *, env: dict[str, str] | None = None) -> None:
        env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run_scenario.py"), "serve", "--port", "0", "--workspace", str(workspace)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "workbench: http" in line or not line:
                break
        m = re.search(r"(http://127\.0\.0\.1:(\d+)/)\?token=(\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"serve printed no address: {line!r}")
        self.base, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
        self.url = f"{self.base}?token={self.token}"

    def stop(self) -> tuple[int, str]:
        """Ctrl-C (SIGINT); the exit code and the rest of the output."""
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        return self.proc.returncode, out


class LocalPage:
    """A page that may reach only ``server``; console errors and attempted outside requests are recorded."""

    def __init__(self, browser: Any, server: Server, *, width: int = 1280, height: int = 860) -> None:
        self.external: list[str] = []
        self.errors: list[str] = []
        self.own = f"http://127.0.0.1:{server.port}/"
        self.context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, r: Any) -> None:
        url = r.request.url
        if url.startswith((self.own, "data:", "blob:", "about:")):
            r.continue_()
        else:
            self.external.append(url)
            r.abort()

    def close(self) -> None:
        """Close the page's context."""
        self.context.close()


def make_workspace(folder: Path) -> Path:
    """A workspace holding copies of every scenario of the project."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in (ROOT / "scenarios").glob("*.yaml"):
        shutil.copy(f, folder / f.name)
    return folder


def wait_generation(page: Any, generation: int, timeout_ms: float = 180_000) -> None:
    """Wait until the page shows the result of ``generation`` (0 = the file as opened)."""
    # a function, not an expression string: the page's content security policy forbids eval
    page.wait_for_function("(g) => Number(document.getElementById('status').dataset.generation) >= g", arg=generation, timeout=timeout_ms)


def screen_point(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is on the screen."""
    pt = page.evaluate("([lat, lon]) => { const p = window.WORKBENCH.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lat, lon])
    box = page.locator("#map").bounding_box()
    return box["x"] + pt[0], box["y"] + pt[1]


def draw_road(page: Any, path_lonlat: Sequence[tuple[float, float]], *, speed_kph: float) -> None:
    """Draw a new road with the mouse: click each point, double-click the last to finish."""
    page.fill("#f-add-new_road-speed_kph", f"{speed_kph:g}")
    page.click('button[data-type="new_road"]')
    pts = [screen_point(page, lon, lat) for lon, lat in path_lonlat]
    for x, y in pts[:-1]:
        page.mouse.click(x, y)
    page.mouse.dblclick(*pts[-1])


ROAD = [(112.985, 28.185), (113.06, 28.0), (113.13, 27.845)]
"""A road drawn from 长沙 towards 株洲 (the docs' and the test's example)."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "workbench.png")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(make_workspace(Path(tmp) / "ws"))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
                lp = LocalPage(browser, server, width=1400, height=900)
                page = lp.page
                page.goto(server.url + "&scenario=surveyed.yaml", wait_until="load")
                wait_generation(page, 0)
                page.select_option("#base", "surveyed.yaml")
                page.wait_for_selector("#gained-km2", timeout=180_000)
                page.select_option("#mode", "car")
                draw_road(page, ROAD, speed_kph=100)
                wait_generation(page, 1)
                page.wait_for_timeout(500)
                page.screenshot(path=str(args.out))
                lp.close()
                browser.close()
                if lp.errors or lp.external:
                    print(f"console errors {lp.errors}; outside requests {lp.external}", file=sys.stderr)
                    return 1
        finally:
            server.stop()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
