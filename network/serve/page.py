"""The workbench page: one HTML document with Leaflet, Leaflet-Geoman and the page's own script inlined.

Leaflet and the drawing plugin come from their npm packages through ``network.outputs.offline_assets``
(the same cache the offline maps use), so the page makes no request beyond the workbench itself; a
basemap is optional (``--basemap osm`` loads OpenStreetMap tiles from the web).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from network import OSM_ATTRIBUTION
from network.outputs.offline_assets import geoman_assets, leaflet_assets, script_safe

__all__ = ["page_html"]


def _static(name: str) -> str:
    return files("network.serve").joinpath("static", name).read_text(encoding="utf-8")


@lru_cache(maxsize=2)
def page_html(basemap: str = "none") -> str:
    """The page, ready to serve (``basemap`` 'none' or 'osm')."""
    leaflet, geoman = leaflet_assets(), geoman_assets()
    html = _static("workbench.html")
    head = (
        f"<!-- {leaflet.source} (BSD-2-Clause, © Volodymyr Agafonkin); {geoman.source} (MIT, © Geoman) -->\n"
        f"<style>{script_safe(leaflet.css)}</style>\n<style>{script_safe(geoman.css)}</style>\n"
        f"<style>{script_safe(_static('workbench.css'))}</style>\n"
        f"<script>{script_safe(leaflet.js)}</script>\n<script>{script_safe(geoman.js)}</script>\n"
    )
    config = f'<script>window.WORKBENCH = {{"basemap": "{basemap}", "attribution": "{OSM_ATTRIBUTION}"}};</script>\n'
    body = f"<script>{script_safe(_static('workbench.js'))}</script>\n"
    return html.replace("<!--HEAD-->", head + config).replace("<!--SCRIPT-->", body)
