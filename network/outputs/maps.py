"""Folium maps: isochrones (scenario and base), difference, projects, rail, zones, legend, provenance.

Every string that reaches the page is HTML-escaped, and every string that reaches a script is JSON-encoded
(``tojson``): folium's own ``Tooltip``/``Popup`` paste text into JavaScript template literals, where a
backtick or ``${…}`` in a project name would run, so user text never goes through them here.

Basemaps: ``osm``, ``light`` (CartoDB Positron), ``tianditu`` (key from ``$TIANDITU_KEY``), ``gaode``
(Amap; tiles are in GCJ-02, so every drawn geometry is shifted WGS-84 → GCJ-02 to line up) and ``none``.
``offline=True`` writes a page with Leaflet inlined and no external request at all (see offline_assets).
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from network import OSM_ATTRIBUTION, formats
from network._errors import PlannerError
from network.model.rail import RAIL_KINDS, RailNetwork
from network.model.region import CITIES, CITY_ZH, Region
from network.outputs.files import atomic_write_text, tool_label
from network.outputs.offline_assets import inline_offline, leaflet_assets
from network.paths import CRS_METRIC, CRS_WGS84

BAND_COLOURS = {15: "#1a9850", 30: "#91cf60", 45: "#fee08b", 60: "#fc8d59"}
DIFF_COLOURS = {"gained": "#2166ac", "lost": "#b2182b"}
PROJECT_TYPE_COLOURS = {
    "new_road": "#7b3294",
    "road_upgrade": "#e66101",
    "rail_line": "#2c7bb6",
    "rail_extension": "#1b7837",
    "rail_service": "#01665e",
    "road": "#7b3294",
    "metro": "#1b7837",
}
PROJECT_OTHER_COLOUR = "#555555"
EDIT_STYLES: dict[str, dict[str, Any]] = {
    "new_road": {"color": "#d01c8b", "weight": 6},
    "road_upgrade": {"color": "#e66101", "weight": 6},
    "road_closure": {"color": "#000000", "weight": 5, "dashArray": "6 6"},
    "remove_line": {"color": "#777777", "weight": 5, "dashArray": "2 8"},
    "add_trip_pattern": {"color": "#1a9850", "weight": 6},
    "extend_line": {"color": "#1a9850", "weight": 7},
    "add_stops": {"color": "#66bd63", "weight": 5},
    "remove_stops": {"color": "#777777", "weight": 5, "dashArray": "2 8"},
    "adjust_frequency": {"color": "#3288bd", "weight": 5, "dashArray": "10 4"},
    "adjust_speed": {"color": "#5e4fa2", "weight": 5, "dashArray": "10 4"},
    "adjust_dwell_time": {"color": "#9e0142", "weight": 4, "dashArray": "10 4"},
}
"""How a scenario's hand-written edits are drawn (removals dashed)."""
STATUS_DASH = {"opened": None, "open": None, "built": None, "under_construction": "8 5", "planned": "2 6", "concept": "1 8"}
OPENED_STATUSES = ("opened", "open", "built")
ZONE_BINS_MINUTES = (15, 30, 45, 60, 90, 120)
ZONE_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027", "#7f0000")
MODES = ("best", "car", "transit")
LEGEND_ABOVE_ATTRIBUTION_JS = (
    "(function () { function place() { var a = document.querySelector('.leaflet-control-attribution'),"
    " l = document.getElementById('czt-legend'); if (a && l) { l.style.bottom = (a.offsetHeight + 8) + 'px'; } }"
    " place(); window.addEventListener('load', place); window.addEventListener('resize', place); })();"
)
"""Keeps the legend (bottom left) above the attribution footer, however many lines the footer wraps to."""
LEGEND_WIDTH_PX = 400
"""Widest the legend box gets (bottom left); the fitted view keeps clear of it."""
DEFAULT_FOCUS = ("changsha", "best")
"""The (centre, mode) a map opens on when nothing changed (scenario maps)."""
CENTRE_FILL = "#ffd700"
PANES = {
    "czt-zones": 402,
    "czt-outlines": 404,
    "czt-isochrones": 410,
    "czt-base": 420,
    "czt-difference": 430,
    "czt-projects": 440,
    "czt-rail": 450,
    "czt-centres": 460,
}
"""Leaflet panes (z-index; Leaflet's overlayPane is 400, markers 600, tooltips 650): what lies above what."""
PANE_OF = {kind: f"czt-{kind}" for kind in ("zones", "outlines", "isochrones", "base", "difference", "projects", "rail", "centres")}
SELECTED_KINDS = ("difference", "isochrones", "base", "zones")
"""Layer kinds drawn per (centre, mode): the layer panel shows the one for the picked centre and mode."""
OTHER_KINDS_HIDDEN: tuple[str, ...] = ()
"""Other layer kinds hidden when the page opens (rail, centres, outlines, projects and added layers are shown)."""
LABEL_CSS = (
    "<style>.czt-centre-label{background:rgba(255,255,255,.9);border:1px solid #333;border-radius:3px;"
    "font:bold 13px sans-serif;padding:0 4px;box-shadow:none}.czt-centre-label:before{display:none}"
    ".czt-layers label.czt-radio{display:inline-block;margin-right:6px;white-space:nowrap}.czt-layers input{margin:0 3px 0 0}</style>"
)
BASEMAPS = ("osm", "light", "tianditu", "gaode", "none")
TIANDITU_ENV = "TIANDITU_KEY"
COORD_DECIMALS = 5
"""Drawn coordinates are rounded to 1e-5° (about 1 m)."""
ZONE_SIMPLIFY_DEG = 0.0005
"""District outlines are simplified to about 50 m for the map (they are context, not analysis)."""


class MapError(PlannerError):
    """A map cannot be made as asked (unknown basemap, missing Tianditu key, tiles on an offline page)."""


# ---------------------------------------------------------------------------------------------- text


def esc(value: object) -> str:
    """HTML-escape anything for a popup or tooltip (None and NaN → empty): ``network.formats.esc``."""
    return formats.esc(value, missing="")


class _Bind(MacroElement):
    """``parent.bindTooltip(html)`` / ``bindPopup(html)`` with the HTML JSON-encoded into the script.

    ``html_text`` must already be escaped HTML; Leaflet sets it as innerHTML, so escaped text shows as text.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.{{ this.method }}({{ this.html_text|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, popup: bool = False, **options: Any) -> None:
        super().__init__()
        self._name = "Bind"
        self.method = "bindPopup" if popup else "bindTooltip"
        self.html_text = html_text
        self.options = options or ({"maxWidth": 320} if popup else {"sticky": True})


class _Script(MacroElement):
    """A raw script block attached to the map (content built here from JSON-encoded values)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) { {{ this.code }} })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Script"
        self.code = code


# ------------------------------------------------------------------------------------ GCJ-02 (Gaode)

_A = 6378245.0
_EE = 0.00669342162296594323


def _in_china(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return (lon > 73.66) & (lon < 135.05) & (lat > 3.86) & (lat < 53.55)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The published GCJ-02 forward transform (vectorised; points outside China are unchanged).

    Cross-checked against PyPI ``prcoords`` and the reference metro table's GCJ-02/WGS-84 pairs in tests.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    d_lat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    d_lon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sq) * pi)
    d_lon = (d_lon * 180.0) / (_A / sq * np.cos(rad) * pi)
    inside = _in_china(lon, lat)
    return np.where(inside, lon + d_lon, lon), np.where(inside, lat + d_lat, lat)


def _shift_xy(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of a WGS-84 GeoDataFrame with every vertex shifted to GCJ-02 (for Gaode tiles only)."""
    out = gdf.to_crs(CRS_WGS84).copy()
    out["geometry"] = shapely.transform(out.geometry.to_numpy(), _shift_xy)
    return out


# ------------------------------------------------------------------------------------- derived data


def isochrone_difference(base: gpd.GeoDataFrame, scenario: gpd.GeoDataFrame, *, minutes: int = 30) -> gpd.GeoDataFrame:
    """Areas gained and lost within ``minutes`` per (centre, mode): scenario minus base and base minus scenario.

    Both inputs are ``isochrone_polygons`` frames. Returns columns centre, mode, minutes, change
    ('gained'/'lost'), area_km2, geometry (WGS-84); empty changes are dropped.
    """
    b = base[base["minutes"] == minutes].to_crs(CRS_METRIC).set_index(["centre", "mode"]).geometry
    s = scenario[scenario["minutes"] == minutes].to_crs(CRS_METRIC).set_index(["centre", "mode"]).geometry
    rows = []
    for key in sorted(set(b.index) | set(s.index)):
        gb = b.get(key, shapely.Polygon())
        gs = s.get(key, shapely.Polygon())
        for change, geom in (("gained", gs.difference(gb)), ("lost", gb.difference(gs))):
            if geom.is_empty or geom.area < 1.0:
                continue
            rows.append(
                {
                    "centre": key[0],
                    "mode": key[1],
                    "minutes": minutes,
                    "change": change,
                    "area_km2": round(geom.area / 1e6, 1),
                    "geometry": geom,
                }
            )
    cols = ["centre", "mode", "minutes", "change", "area_km2", "geometry"]
    return gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=CRS_METRIC).to_crs(CRS_WGS84)


def zone_minutes_table(cell_minutes: dict[str, npt.NDArray[np.float64]], region: Region, *, mode: str = "best") -> pd.DataFrame:
    """Population-weighted mean minutes from each centre to each zone's reached cells.

    Returns columns zone_id, centre, mode, minutes (None when no cell of the zone is reached) and
    reached_share (population share of the zone's cells with a finite time).
    """
    t = cell_minutes[mode]
    zone = region.grid["zone_id"].astype(str).to_numpy()
    pop = region.grid["population"].to_numpy(dtype=float)
    rows = []
    for i, centre in enumerate(CITIES):
        df = pd.DataFrame({"zone_id": zone, "pop": pop, "t": t[i]})
        df["ok"] = np.isfinite(df["t"])
        df["w"] = np.where(df["ok"], df["pop"] + 1e-9, 0.0)
        df["wt"] = np.where(df["ok"], df["t"], 0.0) * df["w"]
        g = df.groupby("zone_id").agg(w=("w", "sum"), wt=("wt", "sum"), pop=("pop", "sum"))
        okpop = df[df["ok"]].groupby("zone_id")["pop"].sum().reindex(g.index, fill_value=0.0).to_numpy(dtype=float)
        for zid, w, wt, zpop, zok in zip(g.index, g["w"], g["wt"], g["pop"], okpop):
            minutes = wt / w if w > 0 else float("nan")
            share = float(zok / zpop) if zpop > 0 else 0.0
            rows.append(
                {
                    "zone_id": str(zid),
                    "centre": centre,
                    "mode": mode,
                    "minutes": round(float(minutes), 1) if np.isfinite(minutes) else None,
                    "reached_share": round(share, 3),
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ basemap


def basemap_problem(basemap: str, *, offline: bool = False) -> str | None:
    """Why ``basemap`` cannot be used as asked (None when it can): unknown, tiles offline, no Tianditu key."""
    if basemap not in BASEMAPS:
        return f"basemap {basemap!r} is not one of {', '.join(BASEMAPS)}"
    if offline and basemap != "none":
        return f"an offline map cannot load {basemap!r} tiles (no network): use --basemap none (the default with --offline)"
    if basemap == "tianditu" and not os.environ.get(TIANDITU_ENV, "").strip():
        return (
            f"basemap 'tianditu' needs a Tianditu (天地图) browser key in the environment variable {TIANDITU_ENV} "
            "(free registration on the Tianditu developer site); the key is written into the HTML page"
        )
    return None


def _add_basemap(m: folium.Map, basemap: str, *, offline: bool) -> str:
    """Add the tile layer(s); return the tile attribution text for the legend."""
    problem = basemap_problem(basemap, offline=offline)
    if problem:
        raise MapError(problem)
    if basemap == "none":
        return "no basemap"
    if basemap == "osm":
        attr = OSM_ATTRIBUTION
        folium.TileLayer("OpenStreetMap", name="basemap: OpenStreetMap", attr=attr, control=False).add_to(m)
    elif basemap == "light":
        # CARTO Positron now needs an API key; OSM's own tiles, desaturated and lightened by CSS, need none.
        attr = f"{OSM_ATTRIBUTION} (tiles shown in light grey)"
        folium.TileLayer("OpenStreetMap", name="basemap: light", attr=attr, control=False, className="czt-light-tiles").add_to(m)
        m.get_root().header.add_child(  # type: ignore[attr-defined]
            Element("<style>.czt-light-tiles{filter:grayscale(1) brightness(1.12) contrast(.72)}</style>")
        )
    elif basemap == "tianditu":
        key = os.environ[TIANDITU_ENV].strip()
        attr = "© 天地图 Tianditu (国家地理信息公共服务平台)"
        for layer in ("vec", "cva"):
            url = (
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
                f"&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
            )
            folium.TileLayer(
                url, name=f"basemap: Tianditu {layer}", attr=attr, subdomains="01234567", control=False, overlay=layer == "cva"
            ).add_to(m)
    else:  # gaode
        attr = "© 高德地图 AutoNavi (GCJ-02; drawn data shifted to GCJ-02)"
        url = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
        folium.TileLayer(url, name="basemap: Gaode", attr=attr, subdomains="1234", control=False).add_to(m)
    return attr


# ------------------------------------------------------------------------------------------- layers


def _geojson(
    geom: Any, style: dict[str, Any], tooltip_html: str | None, popup_html: str | None = None, *, pane: str | None = None
) -> folium.GeoJson:
    extra: dict[str, Any] = {"pane": pane} if pane else {}  # GeoJson passes extra options to L.geoJson
    gj = folium.GeoJson(geom.__geo_interface__, style_function=lambda _f, s=style: s, **extra)
    if tooltip_html:
        gj.add_child(_Bind(tooltip_html))
    if popup_html:
        gj.add_child(_Bind(popup_html, popup=True))
    return gj


def _in_pane(layer: Any, pane: str) -> Any:
    """Put a folium vector layer (CircleMarker, PolyLine) in ``pane`` (folium drops unknown path options)."""
    layer.options["pane"] = pane
    return layer


def _group(m: folium.Map, label: str, kind: str, *, centre: str | None = None, mode: str | None = None) -> folium.FeatureGroup:
    """A feature group the layer panel switches: per (centre, mode) for ``SELECTED_KINDS``, else on its own.

    Groups start hidden; the panel's script shows the ones the page opens on.
    """
    fg = folium.FeatureGroup(name=esc(label), show=False, control=False)
    registry: list[dict[str, Any]] = m.__dict__.setdefault("_czt_layers", [])
    registry.append({"group": fg, "label": label, "kind": kind, "centre": centre, "mode": mode})
    return fg


def _band_colour(minutes: int) -> str:
    for limit, colour in sorted(BAND_COLOURS.items()):
        if minutes <= limit:
            return colour
    return "#d73027"


def _isochrone_layers(m: folium.Map, iso: gpd.GeoDataFrame, *, label: str, base: bool) -> list[str]:
    names = []
    for centre in CITIES:
        for mode in MODES:
            sub = iso[(iso["centre"] == centre) & (iso["mode"] == mode)]
            if sub.empty:
                continue
            name = f"{label} · {CITY_ZH.get(centre, centre)} {centre} · {mode}"
            fg = _group(m, name, "base" if base else "isochrones", centre=centre, mode=mode)
            pane = PANE_OF["base" if base else "isochrones"]
            for _, row in sub.sort_values("minutes", ascending=False).iterrows():
                if row.geometry is None or row.geometry.is_empty:
                    continue
                minutes = int(row["minutes"])
                colour = _band_colour(minutes)
                if base:
                    style = {"fill": False, "color": "#333333", "weight": 1.5 if minutes == 30 else 0.8, "dashArray": "5 4", "opacity": 0.9}
                else:
                    style = {"fillColor": colour, "color": colour, "weight": 0.5, "fillOpacity": 0.35}
                pop = row.get("population", np.nan)
                tip = f"{label}: {centre} {mode} ≤ {minutes} min — {row.get('area_km2', '')} km², " + (
                    f"{int(pop):,} people" if pd.notna(pop) else ""
                )
                _geojson(row.geometry, style, esc(tip), pane=pane).add_to(fg)
            fg.add_to(m)
            names.append(name)
    return names


def _difference_layers(m: folium.Map, diff: gpd.GeoDataFrame) -> list[str]:
    names = []
    for (centre, mode), sub in diff.groupby(["centre", "mode"], sort=True):
        name = f"difference ≤ 30 min · {CITY_ZH.get(str(centre), centre)} {centre} · {mode}"
        fg = _group(m, name, "difference", centre=str(centre), mode=str(mode))
        for _, row in sub.iterrows():
            if row.geometry is None or row.geometry.is_empty:
                continue
            change = str(row["change"])
            colour = DIFF_COLOURS.get(change, "#777777")
            style = {"fillColor": colour, "color": colour, "weight": 1, "fillOpacity": 0.55}
            minutes = int(row["minutes"]) if "minutes" in row and pd.notna(row["minutes"]) else 30
            tip = f"{change} within {minutes} min from {centre} ({mode})" + (f": {row['area_km2']} km²" if "area_km2" in row else "")
            _geojson(row.geometry, style, esc(tip), pane=PANE_OF["difference"]).add_to(fg)
        fg.add_to(m)
        names.append(name)
    return names


def difference_focus(difference: gpd.GeoDataFrame | None) -> tuple[str, str] | None:
    """The (centre, mode) whose area within 30 min changed most (gained + lost km²), preferring the best mode.

    None when nothing changed. Ties go to the first centre in ``CITIES`` order.
    """
    if difference is None or len(difference) == 0:
        return None
    area_km2 = difference.to_crs(CRS_METRIC).area.to_numpy() / 1e6
    totals: dict[tuple[str, str], float] = {}
    for centre, mode, km2 in zip(difference["centre"].astype(str), difference["mode"].astype(str), area_km2):
        totals[(centre, mode)] = totals.get((centre, mode), 0.0) + float(km2)
    order = {c: i for i, c in enumerate(CITIES)}
    for mode in MODES:  # best first: the headline mode
        ranked = sorted(
            ((-round(km2, 6), order.get(c, 99), c) for (c, mo), km2 in totals.items() if mo == mode and km2 > 0),
        )
        if ranked:
            return ranked[0][2], mode
    return None


def project_popup_html(row: pd.Series) -> str:
    """Escaped popup HTML for one project: names, type, status, opened/planned date, source (link if http)."""
    status = str(row.get("status", "") or "")
    when_label = "opened" if status in OPENED_STATUSES else "planned"
    when = str(row.get("opened", "") or "").removesuffix(" (planned)")
    source = str(row.get("source", "") or "")
    if source.startswith(("http://", "https://")):
        src_html = f'<a href="{esc(source)}" target="_blank" rel="noopener noreferrer">{esc(source)}</a>'
    else:
        src_html = esc(source)
    return (
        f"<b>{esc(row.get('name_zh', ''))}</b><br>{esc(row.get('name_en', ''))}<br>"
        f"type: {esc(row.get('type', ''))} · status: {esc(status)}<br>"
        f"{when_label}: {esc(when)}<br>source: {src_html}"
    )


def _project_layers(m: folium.Map, projects: gpd.GeoDataFrame) -> list[str]:
    names = []
    pane = PANE_OF["projects"]
    status_of = projects["status"].fillna("unknown").astype(str) if "status" in projects else pd.Series("unknown", index=projects.index)
    for status in sorted(set(status_of)):
        sub = projects[status_of == status]
        name = f"projects · {status}"
        fg = _group(m, name, "projects")
        for _, row in sub.iterrows():
            geom = row.geometry
            if geom is None or geom.is_empty:
                continue
            colour = PROJECT_TYPE_COLOURS.get(str(row.get("type", "")), PROJECT_OTHER_COLOUR)
            tip = esc(f"{row.get('name_zh', '')} {row.get('name_en', '')} ({row.get('type', '')}, {status})")
            popup = project_popup_html(row)
            if geom.geom_type in ("Point", "MultiPoint"):
                for pt in getattr(geom, "geoms", [geom]):
                    cm = folium.CircleMarker(
                        [pt.y, pt.x], radius=7, color=colour, weight=3, fill=True, fill_color="#ffffff", fill_opacity=0.9
                    )
                    cm.add_child(_Bind(tip))
                    cm.add_child(_Bind(popup, popup=True))
                    _in_pane(cm, pane).add_to(fg)
            else:
                style: dict[str, Any] = {"color": colour, "weight": 5, "opacity": 0.95, "fillOpacity": 0.2}
                dash = STATUS_DASH.get(status, "1 4")
                if dash:
                    style["dashArray"] = dash
                _geojson(geom, style, tip, popup, pane=pane).add_to(fg)
        fg.add_to(m)
        names.append(name)
    return names


def edit_popup_html(row: pd.Series | dict[str, Any]) -> str:
    """Popup of one hand-written edit (``edit_effects.edits_frame`` row): every value escaped."""
    km = row.get("length_km")
    parts = [
        f"<b>{esc(row.get('name', ''))}</b>",
        f"edit: {esc(row.get('type', ''))}" + (f" · drawn {float(km):.1f} km" if km is not None and km == km else ""),
        esc(row.get("summary", "")),
    ]
    if row.get("warning"):
        parts.append(f"<i>warning: {esc(row.get('warning'))}</i>")
    if row.get("inherited"):
        parts.append("inherited from the base scenario")
    if row.get("scenario"):
        parts.append(f"scenario: {esc(row.get('scenario'))}")
    return "<br>".join(parts)


def _edit_layers(m: folium.Map, edits: gpd.GeoDataFrame) -> list[str]:
    """One layer per scenario of its hand-written edits (``add:`` roads, ``remove_lines``), with popups."""
    names = []
    scen = edits["scenario"].fillna("").astype(str) if "scenario" in edits else pd.Series("", index=edits.index)
    for label in sorted(set(scen)):
        sub = edits[scen == label]
        name = f"edits · {label}" if label else "edits"
        fg = _group(m, name, "edits")
        for _, row in sub.iterrows():
            if row.geometry is None or row.geometry.is_empty:
                continue
            style = {"opacity": 0.95, **EDIT_STYLES.get(str(row.get("type", "")), {"color": PROJECT_OTHER_COLOUR, "weight": 5})}
            tip = esc(f"{row.get('name', '')} ({row.get('type', '')})")
            _geojson(row.geometry, style, tip, edit_popup_html(row), pane=PANE_OF["projects"]).add_to(fg)
        fg.add_to(m)
        names.append(name)
    return names


def _zone_colour(minutes: float) -> str:
    if not np.isfinite(minutes):
        return "#bdbdbd"
    for limit, colour in zip(ZONE_BINS_MINUTES, ZONE_COLOURS):
        if minutes <= limit:
            return colour
    return ZONE_COLOURS[-1]


def _zone_layers(m: folium.Map, zones: gpd.GeoDataFrame, zone_minutes: pd.DataFrame) -> list[str]:
    names = []
    zones = zones.assign(zone_id=zones["zone_id"].astype(str))
    order = {c: i for i, c in enumerate(CITIES)}
    groups = sorted(zone_minutes.groupby(["centre", "mode"]), key=lambda kv: (order.get(str(kv[0][0]), 99), str(kv[0][1])))
    for (centre, mode), sub in groups:
        lookup = dict(zip(sub["zone_id"].astype(str), sub["minutes"].astype(float)))
        name = f"zones: minutes to {CITY_ZH.get(str(centre), centre)} {centre} · {mode}"
        fg = _group(m, name, "zones", centre=str(centre), mode=str(mode))
        for _, z in zones.iterrows():
            minutes = lookup.get(str(z["zone_id"]), float("nan"))
            colour = _zone_colour(minutes)
            style = {"fillColor": colour, "color": "#444444", "weight": 0.8, "fillOpacity": 0.55}
            label = "not reached" if not np.isfinite(minutes) else f"{minutes:.0f} min"
            tip = esc(f"{z.get('name_zh', '')} ({z['zone_id']}): {label} to {centre} by {mode} (population-weighted mean)")
            _geojson(z.geometry, style, tip, pane=PANE_OF["zones"]).add_to(fg)
        fg.add_to(m)
        names.append(name)
    return names


def rail_key(rail: RailNetwork, *, rail_kinds: bool = True) -> list[tuple[str, str]]:
    """(colour, label) per line colour, in line order: lines sharing a colour (the intercity branches) share a row.
    ``rail_kinds``: the rail lines (``RAIL_KINDS``); False: the other services drawn with them (buses of a
    GTFS feed such as 201路, 滴滴城际站点巴士; trams, ferries)."""
    out: dict[str, list[str]] = {}
    for _, line in rail.lines[rail.lines["kind"].isin(RAIL_KINDS) == rail_kinds].iterrows():
        # the line's name without branch or service details: up to the first bracket or space
        short = re.split(r"[(（ ]", str(line["name_zh"]).strip())[0] or str(line["line_id"])
        names = out.setdefault(str(line["colour"]), [])
        if not any(n.startswith(short) or short.startswith(n) for n in names):  # 长株潭城际 is 长株潭城际铁路
            names.append(short)
    return [(colour, " / ".join(names)) for colour, names in out.items()]


def _rail_layer(m: folium.Map, rail: RailNetwork, shift: bool) -> str:
    name = "rail lines and stations"
    fg = _group(m, name, "rail")
    pane = PANE_OF["rail"]
    colours = dict(zip(rail.lines["line_id"], rail.lines["colour"]))
    names = dict(zip(rail.lines["line_id"], rail.lines["name_zh"]))
    for lid, stops in rail.stops.groupby("line_id", sort=True):
        lon = stops["lon"].to_numpy(dtype=float)
        lat = stops["lat"].to_numpy(dtype=float)
        if shift:
            lon, lat = wgs84_to_gcj02(lon, lat)
        colour = str(colours.get(lid, "#333333"))
        line = folium.PolyLine([[float(a), float(o)] for o, a in zip(lon, lat)], color=colour, weight=3, opacity=0.9)
        line.add_child(_Bind(esc(f"{lid} {names.get(lid, '')}")))
        _in_pane(line, pane).add_to(fg)
        for lo, la, nm in zip(lon, lat, stops["name_zh"]):
            cm = folium.CircleMarker([float(la), float(lo)], radius=2.5, color=colour, fill=True, fill_opacity=1.0)
            cm.add_child(_Bind(esc(f"{nm} ({lid})")))
            _in_pane(cm, pane).add_to(fg)
    fg.add_to(m)
    return name


def _centre_layer(m: folium.Map, region: Region, shift: bool) -> str:
    name = "city centres"
    fg = _group(m, name, "centres")
    for (_, c), pt in zip(region.centres.iterrows(), _centre_points(region, shift)):
        cm = folium.CircleMarker(
            [pt.y, pt.x], radius=8, color="#000000", weight=2, fill=True, fill_color=CENTRE_FILL, fill_opacity=1.0
        )
        # the city's name beside its marker, always shown (a permanent tooltip, so it stays above every layer)
        cm.add_child(_Bind(esc(str(c["name_zh"])), permanent=True, direction="right", offset=[8, 0], className="czt-centre-label"))
        cm.add_child(_Bind(f"<b>{esc(c['name_zh'])} centre</b><br>{esc(str(c['reason']))}", popup=True))
        _in_pane(cm, PANE_OF["centres"]).add_to(fg)
    fg.add_to(m)
    return name


def _outline_layer(m: folium.Map, zones: gpd.GeoDataFrame) -> str:
    name = "district outlines"
    fg = _group(m, name, "outlines")
    style = {"fill": False, "color": "#666666", "weight": 0.7, "opacity": 0.8}
    for _, z in zones.iterrows():
        tip = esc(f"{z.get('name_zh', '')} · population 2020: {int(z.get('population_2020', 0)):,}")
        _geojson(z.geometry, style, tip, pane=PANE_OF["outlines"]).add_to(fg)
    fg.add_to(m)
    return name


@dataclass(frozen=True)
class _LegendKeys:
    """Which keys the legend shows: base outlines, the difference (or that it is empty), project types, zones, rail lines."""

    has_diff: bool
    diff_empty: bool
    has_base: bool
    project_types: list[str]
    has_zones: bool
    rail_rows: list[tuple[str, str]]
    bus_rows: list[tuple[str, str]] = field(default_factory=list)
    """Services drawn with the rail lines that are not rail (``rail_key(rail_kinds=False)``)."""
    bus_kinds: list[str] = field(default_factory=list)
    """Their kinds (bus, tram, ferry), as the key names them."""


def _legend_html(*, title: str, provenance: str, tiles_attr: str, centre_table_html: str, keys: _LegendKeys) -> str:
    has_diff, diff_empty, has_base, project_types = keys.has_diff, keys.diff_empty, keys.has_base, keys.project_types
    has_zones, rail_rows = keys.has_zones, keys.rail_rows
    sw = 'style="background:{c};width:14px;height:10px;display:inline-block;opacity:.75;margin-right:4px"'
    bands = "".join(
        f"<span style='white-space:nowrap;margin-right:6px'><span {sw.format(c=c)}></span>≤ {t}</span>"
        for t, c in sorted(BAND_COLOURS.items())
    )
    parts = [f"<div>isochrones (min): {bands}</div>"]
    if has_base:
        parts.append(
            '<div><span style="border-top:2px dashed #333;width:14px;display:inline-block;margin-right:4px"></span>base scenario ≤ 30 min</div>'
        )
    if has_diff:
        parts.append(
            "<div>"
            + "".join(
                f"<span style='margin-right:8px'><span {sw.format(c=c)}></span>{esc(k)} within 30 min</span>"
                for k, c in DIFF_COLOURS.items()
            )
            + "</div>"
        )
    elif diff_empty:
        parts.append("<div>difference: no area gained or lost within 30 min</div>")
    if project_types:
        line = 'style="border-top:4px solid {c};width:16px;display:inline-block;margin:0 4px 2px 6px"'
        types = "".join(f"<span {line.format(c=PROJECT_TYPE_COLOURS.get(t, PROJECT_OTHER_COLOUR))}></span>{esc(t)}" for t in project_types)
        parts.append(f"<div>projects:{types}<br>solid = opened · dashed = under construction · dotted = planned/concept</div>")
    if has_zones:
        bins = " ".join(
            f"<span {sw.format(c=c)} title='≤{t}'></span>{t}" for t, c in zip((*ZONE_BINS_MINUTES, ">"), ZONE_COLOURS) if isinstance(t, int)
        )
        parts.append(f"<div>zones (min): {bins} <span {sw.format(c=ZONE_COLOURS[-1])}></span>&gt;{ZONE_BINS_MINUTES[-1]}</div>")
    centre_dot = (
        f'<span class="czt-key-centre" style="display:inline-block;width:12px;height:12px;border-radius:50%;background:{CENTRE_FILL};'
        'border:2px solid #000;box-sizing:border-box;vertical-align:middle;margin-right:4px"></span>'
    )
    parts.append(
        f"<div>{centre_dot}city centre (长沙 / 株洲 / 湘潭) · <span style='border-top:1px solid #666;width:14px;display:inline-block;margin:0 4px 3px 0'></span>district outline</div>"
    )
    if rail_rows:
        rows = "".join(
            f'<span class="czt-key-rail" data-colour="{esc(c)}" style="white-space:nowrap;margin-right:8px">'
            f'<span style="border-top:3px solid {esc(c)};width:16px;display:inline-block;margin:0 3px 3px 0"></span>{esc(label)}</span> '
            for c, label in rail_rows
        )
        parts.append(f'<div id="czt-rail-key">rail (dot = station): {rows}</div>')
    if keys.bus_rows:
        rows = "".join(
            f'<span class="czt-key-bus" data-colour="{esc(c)}" style="white-space:nowrap;margin-right:8px">'
            f'<span style="border-top:3px solid {esc(c)};width:16px;display:inline-block;margin:0 3px 3px 0"></span>{esc(label)}</span> '
            for c, label in keys.bus_rows
        )
        parts.append(f'<div id="czt-bus-key">{esc(" / ".join(keys.bus_kinds) or "bus")} (dot = stop): {rows}</div>')
    return (
        '<div id="czt-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        f'padding:8px 10px;border:1px solid #888;font:12px sans-serif;max-width:{LEGEND_WIDTH_PX}px;max-height:55vh;overflow:auto">'
        f'<div id="czt-title" style="font-weight:bold;font-size:13px">{esc(title)}</div>'
        f'<details open><summary style="cursor:pointer;color:#444">legend</summary>{"".join(parts)}'
        f'<div style="margin-top:4px">{centre_table_html}</div></details>'
        f'<div id="czt-provenance" style="margin-top:4px;color:#444">{esc(provenance)}<br>{esc(OSM_ATTRIBUTION)} · basemap: {esc(tiles_attr)}</div></div>'
    )


KIND_LABELS = {
    "difference": "gained / lost within 30 min",
    "isochrones": "isochrones (15–60 min)",
    "base": "base scenario ≤ 30 min (dashed)",
    "zones": "zones: minutes to the centre",
}


class _LayerPanel(MacroElement):
    """A small grouped layer control: pick a centre and a mode once, then which kinds of layer to show.

    Per-(centre, mode) layers (``SELECTED_KINDS``) follow the picked centre and mode, so the control has
    one row per kind instead of one per (kind, centre, mode); every other layer (rail, centres, outlines,
    projects, and any layer added later) gets its own checkbox. The panel exposes ``window.cztLayers``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var entries = [{% for e in this.entries %}{layer: {{ e.var }}, id: {{ e.id|tojson }}, kind: {{ e.kind|tojson }}, centre: {{ e.centre|tojson }}, mode: {{ e.mode|tojson }}, label: {{ e.label|tojson }}}{{ "," if not loop.last }}{% endfor %}];
            var state = {{ this.state|tojson }};
            var selected = {{ this.selected_kinds|tojson }};
            var kindLabels = {{ this.kind_labels|tojson }};
            var cityZh = {{ this.city_zh|tojson }};
            function pick(kind) {
                var same = entries.filter(function(e) { return e.kind === kind && e.centre === state.centre; });
                var exact = same.filter(function(e) { return e.mode === state.mode; });
                return exact.length ? exact[0] : (kind === "zones" && same.length ? same[0] : null);
            }
            function apply() {
                var on = {}, missing = [];
                selected.forEach(function(kind) {
                    if (!state.kinds[kind]) return;
                    var e = pick(kind);
                    if (e) { on[e.id] = true; } else if (entries.some(function(x) { return x.kind === kind; })) { missing.push(kindLabels[kind]); }
                });
                entries.forEach(function(e) {
                    var show = selected.indexOf(e.kind) >= 0 ? !!on[e.id] : !!state.other[e.id];
                    if (show && !map.hasLayer(e.layer)) { map.addLayer(e.layer); }
                    if (!show && map.hasLayer(e.layer)) { map.removeLayer(e.layer); }
                });
                var note = document.getElementById("czt-layer-note");
                if (note) {
                    note.textContent = missing.length ? "nothing to show for " + (cityZh[state.centre] || state.centre) + " · " + state.mode + ": " + missing.join(", ") : "";
                }
            }
            var Panel = L.Control.extend({
                options: {position: "topright"},
                onAdd: function() {
                    var div = L.DomUtil.create("div", "leaflet-control-layers leaflet-control czt-layers");
                    div.innerHTML = {{ this.html|tojson }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    div.querySelectorAll("input[name=czt-centre]").forEach(function(i) { i.checked = i.value === state.centre; });
                    div.querySelectorAll("input[name=czt-mode]").forEach(function(i) { i.checked = i.value === state.mode; });
                    div.querySelectorAll("input[data-kind]").forEach(function(i) { i.checked = !!state.kinds[i.dataset.kind]; });
                    div.querySelectorAll("input[data-layer]").forEach(function(i) { i.checked = !!state.other[i.dataset.layer]; });
                    div.addEventListener("change", function(ev) {
                        var t = ev.target;
                        if (t.name === "czt-centre") { state.centre = t.value; }
                        else if (t.name === "czt-mode") { state.mode = t.value; }
                        else if (t.dataset.kind) { state.kinds[t.dataset.kind] = t.checked; }
                        else if (t.dataset.layer) { state.other[t.dataset.layer] = t.checked; }
                        apply();
                    });
                    return div;
                }
            });
            new Panel().addTo(map);
            apply();
            window.cztLayers = {map: map, entries: entries, state: state, apply: apply};
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, registry: list[dict[str, Any]], *, focus: tuple[str, str], kinds_on: set[str], labels: dict[str, str]) -> None:
        super().__init__()
        self._name = "LayerPanel"
        self.entries = [
            {
                "var": e["group"].get_name(),
                "id": f"l{i}",
                "kind": e["kind"],
                "centre": e["centre"],
                "mode": e["mode"],
                "label": e["label"],
                "show": e.get("show", True),
            }
            for i, e in enumerate(registry)
        ]
        present = [k for k in SELECTED_KINDS if any(e["kind"] == k for e in registry)]
        centres = [c for c in CITIES if any(e["centre"] == c for e in registry if e["kind"] in SELECTED_KINDS)]
        modes = [mo for mo in MODES if any(e["mode"] == mo for e in registry if e["kind"] in SELECTED_KINDS)]
        self.selected_kinds = list(SELECTED_KINDS)
        self.kind_labels = {k: labels.get(k, KIND_LABELS[k]) for k in SELECTED_KINDS}
        self.city_zh = CITY_ZH
        self.state = {
            "centre": focus[0],
            "mode": focus[1],
            "kinds": {k: k in kinds_on for k in present},
            "other": {e["id"]: e["kind"] not in OTHER_KINDS_HIDDEN and e["show"] for e in self.entries if e["kind"] not in SELECTED_KINDS},
        }
        radio = '<label class="czt-radio"><input type="radio" name="{n}" value="{v}">{t}</label>'
        rows = []
        if centres:
            rows.append(
                "<div><b>centre</b> " + "".join(radio.format(n="czt-centre", v=c, t=esc(CITY_ZH.get(c, c))) for c in centres) + "</div>"
            )
        if modes:
            rows.append("<div><b>mode</b> " + "".join(radio.format(n="czt-mode", v=mo, t=esc(mo)) for mo in modes) + "</div>")
        rows += [f'<div><label><input type="checkbox" data-kind="{k}">{esc(self.kind_labels[k])}</label></div>' for k in present]
        rows.append('<div id="czt-layer-note" style="color:#a00;max-width:220px"></div>')
        others = [e for e in self.entries if e["kind"] not in SELECTED_KINDS]
        if others:
            rows.append('<div class="leaflet-control-layers-separator"></div>')
            rows.append(
                '<div class="leaflet-control-layers-overlays">'
                + "".join(f'<label><input type="checkbox" data-layer="{e["id"]}">{esc(e["label"])}</label>' for e in others)
                + "</div>"
            )
        self.html = '<div class="czt-layers-body" style="font:12px sans-serif;line-height:1.5;padding:2px 4px">' + "".join(rows) + "</div>"


@dataclass(frozen=True)
class MapLayers:
    """What a map draws besides the scenario's isochrones (see :func:`isochrone_map`): the legend's centre table,
    a base scenario's isochrones and the difference (comparison maps), projects, zone minutes, hand-written edits."""

    centre_table_html: str = ""
    base_isochrones: gpd.GeoDataFrame | None = None
    difference: gpd.GeoDataFrame | None = None
    projects: gpd.GeoDataFrame | None = None
    zone_minutes: pd.DataFrame | None = None
    edits: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class MapView:
    """How a map is shown (see :func:`isochrone_map`): tiles, offline, the data date shown, the band it opens on."""

    basemap: str = "osm"
    offline: bool = False
    data_date: str | None = None
    focus: tuple[str, str] | None = None
    when: str = ""
    """The year and period the map shows (``map_when``), named in its footer with the definition."""


MAP_DEFINITION = "door to door from each city centre, minutes by mode (best: the faster of car and transit)"
"""What a map's isochrones are, named in its footer."""
PERIOD_LABELS = {"am_peak": "AM peak", "off_peak": "off-peak"}


def map_when(year: int | None, period: str) -> str:
    """``year 2023 · AM peak`` (``as surveyed`` without a year): when the network of a map runs."""
    return f"{f'year {year}' if year is not None else 'as surveyed'} · {PERIOD_LABELS.get(period, period)}"


def isochrone_map(
    *,
    title: str,
    isochrones: gpd.GeoDataFrame,
    rail: RailNetwork,
    region: Region,
    tier: str,
    snapshot: str,
    layers: MapLayers = MapLayers(),
    view: MapView = MapView(),
) -> folium.Map:
    """Build the scenario (or comparison) map.

    Parameters
    ----------
    title : scenario title (user text: escaped).
    isochrones : ``isochrone_polygons`` frame (centre, mode, minutes, area_km2, population, geometry WGS-84).
    base_isochrones : the base scenario's isochrones, drawn as dashed outlines (comparison maps).
    difference : ``isochrone_difference`` frame (centre, mode, change 'gained'/'lost', geometry).
    projects : id, name_zh, name_en, type, status, opened, source, geometry (WGS-84 lines or points).
    zone_minutes : ``zone_minutes_table`` frame (zone_id, centre, mode, minutes): zones shaded per centre.
    edits : ``edit_effects.edits_frame`` frame: the scenario's hand-written edits, drawn with popups
        (one layer per value of its ``scenario`` column).
    centre_table_html : trusted HTML from ``report.centre_matrix_html`` (numbers only).
    basemap : one of ``BASEMAPS``. ``gaode`` shifts every drawn geometry to GCJ-02.
    offline : the page must make no network request (requires ``basemap='none'``); ``save_map`` inlines Leaflet.
    data_date : shown with the tier; defaults to ``snapshot``.
    focus : the (centre, mode) the page opens on; default: on a comparison map the one whose area within
        30 min changed most (``difference_focus``), else 长沙 by the best mode. The view is fitted to
        that centre's 30-min band (readable cell by cell on a comparison map) and, on a map with no difference,
        the three city centres too (the half-hour circle is about all three), clear of the legend (left) and
        the layer panel (right).

    Layers sit in panes stacked by kind (``PANES``: zones lowest, then outlines, isochrones, base outlines,
    differences, projects, rail, centres), so the order never depends on which layer was switched on last.
    (``base_isochrones`` ... ``centre_table_html``: :class:`MapLayers`; ``basemap`` ... ``focus``: :class:`MapView`.)
    """
    centre_table_html, base_isochrones, difference = layers.centre_table_html, layers.base_isochrones, layers.difference
    projects, zone_minutes, edits = layers.projects, layers.zone_minutes, layers.edits
    basemap, offline, data_date, focus = view.basemap, view.offline, view.data_date, view.focus
    shift = basemap == "gaode"
    m = folium.Map(location=[27.98, 113.0], zoom_start=9, tiles=None, control_scale=False, prefer_canvas=False)
    tiles_attr = _add_basemap(m, basemap, offline=offline)
    m._czt_offline = offline  # type: ignore[attr-defined]
    for pane, z_index in PANES.items():
        folium.map.CustomPane(pane, z_index=z_index, pointer_events=True).add_to(m)
    when = f" · {view.when}" if view.when else ""
    provenance = f"network tier: {tier} · data: {data_date or snapshot} · {MAP_DEFINITION}{when} · {tool_label()}"
    root = m.get_root()
    root.header.add_child(Element(f"<title>{esc(title)}</title>"))  # type: ignore[attr-defined]
    root.header.add_child(Element(f'<meta name="czt-provenance" content="{esc(provenance)}">'))  # type: ignore[attr-defined]
    root.header.add_child(Element(f'<meta name="czt-basemap" content="{esc(basemap)}">'))  # type: ignore[attr-defined]
    root.header.add_child(Element(LABEL_CSS))  # type: ignore[attr-defined]

    def prep(g: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if g is None or len(g) == 0:
            return None
        g = g.to_crs(CRS_WGS84) if g.crs is not None else g.set_crs(CRS_WGS84)
        g = to_gcj02(g) if shift else g.copy()
        g["geometry"] = shapely.transform(g.geometry.to_numpy(), lambda xy: np.round(xy, COORD_DECIMALS))  # ~1 m: smaller pages
        return g

    zones = prep(region.zones.assign(geometry=region.zones.geometry.simplify(ZONE_SIMPLIFY_DEG, preserve_topology=True)))
    assert zones is not None
    _outline_layer(m, zones)
    zm = zone_minutes if zone_minutes is not None and len(zone_minutes) else None
    if zm is not None:
        _zone_layers(m, zones, zm)
    iso = prep(isochrones)
    if iso is not None:
        _isochrone_layers(m, iso, label="scenario" if base_isochrones is not None else "isochrones", base=False)
    base = prep(base_isochrones)
    if base is not None:
        _isochrone_layers(m, base[base["minutes"] == 30], label="base ≤ 30 min", base=True)
    diff = prep(difference)
    if diff is not None:
        _difference_layers(m, diff)
    _rail_layer(m, rail, shift)
    proj = prep(projects)
    if proj is not None:
        _project_layers(m, proj)
    hand = prep(edits)
    if hand is not None:
        _edit_layers(m, hand)
    _centre_layer(m, region, shift)

    _register_other_groups(m)
    focus = focus or difference_focus(difference) or DEFAULT_FOCUS
    kinds_on = {"isochrones"} | ({"difference"} if diff is not None else set())
    m.add_child(_LayerPanel(m.__dict__.get("_czt_layers", []), focus=focus, kinds_on=kinds_on, labels=_kind_labels(base is not None)))
    # a comparison map opens on its change, readable cell by cell; a scenario map on all three cities as well
    centres = _centre_points(region, shift) if difference is None else None
    bounds = _focus_bounds([g for g in (iso, base) if g is not None], focus, also=hand, points=centres)
    if bounds is not None:
        # the view leaves the legend (left, LEGEND_WIDTH_PX) and the layer panel (top right) clear
        m.fit_bounds(bounds, padding_top_left=(LEGEND_WIDTH_PX + 30, 20), padding_bottom_right=(200, 70), max_zoom=12)
    root.html.add_child(  # type: ignore[attr-defined]
        Element(
            _legend_html(
                title=title,
                provenance=provenance,
                tiles_attr=tiles_attr,
                centre_table_html=centre_table_html,
                keys=_LegendKeys(
                    has_diff=diff is not None,
                    diff_empty=difference is not None and diff is None,
                    has_base=base is not None,
                    project_types=sorted({str(t) for t in proj["type"]}) if proj is not None and "type" in proj else [],
                    has_zones=zm is not None,
                    rail_rows=rail_key(rail),
                    bus_rows=rail_key(rail, rail_kinds=False),
                    bus_kinds=sorted({str(k) for k in rail.lines["kind"] if k not in RAIL_KINDS}),
                ),
            )
        )
    )
    attribution = esc(provenance if basemap in ("osm", "light") else f"{OSM_ATTRIBUTION} · {provenance}")
    m.add_child(_Script(f"map.attributionControl && map.attributionControl.addAttribution({json.dumps(attribution)});"))
    m.add_child(_Script(LEGEND_ABOVE_ATTRIBUTION_JS))
    # the scale sits bottom right, above the attribution, clear of the legend (bottom left)
    m.add_child(_Script('L.control.scale({position: "bottomright", imperial: false, maxWidth: 150}).addTo(map);'))
    return m


def _register_other_groups(m: folium.Map) -> None:
    """Feature groups added to the map without ``_group`` join the panel as their own checkbox (shown if they were)."""
    registry: list[dict[str, Any]] = m.__dict__.setdefault("_czt_layers", [])
    known = {id(e["group"]) for e in registry}
    for child in list(m._children.values()):
        if isinstance(child, folium.FeatureGroup) and id(child) not in known:
            registry.append(
                {
                    "group": child,
                    "label": html.unescape(child.layer_name),
                    "kind": "other",
                    "centre": None,
                    "mode": None,
                    "show": child.show,
                }
            )
            child.show = False
            child.control = False


def _kind_labels(comparison: bool) -> dict[str, str]:
    return {**KIND_LABELS, "isochrones": "scenario isochrones (15–60 min)"} if comparison else dict(KIND_LABELS)


def _centre_points(region: Region, shift: bool) -> list[shapely.Point]:
    """The city centres as points, in the map's coordinates (GCJ-02 when ``shift``)."""
    lon = region.centres["lon"].to_numpy(dtype=float)
    lat = region.centres["lat"].to_numpy(dtype=float)
    if shift:
        lon, lat = wgs84_to_gcj02(lon, lat)
    return [shapely.Point(float(x), float(y)) for x, y in zip(lon, lat)]


def _focus_bounds(
    frames: list[gpd.GeoDataFrame],
    focus: tuple[str, str],
    *,
    also: gpd.GeoDataFrame | None = None,
    points: list[shapely.Point] | None = None,
) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the focus (centre, mode)'s 30-min bands (scenario and base), of
    ``also`` (the scenario's hand-written edits: a planner's own road is in view when the page opens) and of
    ``points`` (the city centres: all three are in view)."""
    parts = [g[(g["centre"] == focus[0]) & (g["mode"] == focus[1]) & (g["minutes"] == 30)] for g in frames]
    if also is not None:
        parts.append(also)
    geoms = [geom for p in parts for geom in p.geometry if geom is not None and not geom.is_empty]
    geoms += list(points or [])
    if not geoms:
        return None
    w, s, e, n = shapely.union_all(geoms).bounds
    return [[float(s), float(w)], [float(n), float(e)]]


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(text: str) -> str:
    """Replace folium's random uuid element names by sequence numbers, so equal maps are equal bytes."""
    seen: dict[str, str] = {}

    def sub(mo: re.Match[str]) -> str:
        return seen.setdefault(mo.group(0), f"{len(seen):05d}")

    return _FOLIUM_ID.sub(sub, text)


NO_LEAFLET_NOTICE = (
    '<div id="czt-no-leaflet" role="alert" style="display:none;position:fixed;top:12px;left:50%;transform:translateX(-50%);'
    'z-index:10000;max-width:560px;background:#fff3cd;border:1px solid #d4a106;padding:10px 14px;font:14px/1.4 sans-serif">'
    "The map library (Leaflet) could not be loaded from its CDN: this computer seems to be offline. "
    "The legend and the tables beside this map are complete. For a map that needs no network, run again with "
    "<code>--offline</code>.</div>\n"
    '<script>window.addEventListener("load",function(){if(typeof L==="undefined")'
    '{document.getElementById("czt-no-leaflet").style.display="block";}});</script>\n'
)
"""Shown by an online map whose Leaflet did not load (no network): says why the page is empty and what to do."""


def render_map(m: folium.Map, *, offline: bool | None = None) -> str:
    """The page's HTML (deterministic: element names are numbered); offline pages have Leaflet inlined
    and every external link removed; online pages explain themselves when Leaflet cannot be fetched."""
    text = _stable_ids(m.get_root().render())
    if offline is None:
        offline = bool(getattr(m, "_czt_offline", False))
    if offline:
        return inline_offline(text, leaflet_assets())
    head, sep, tail = text.rpartition("</body>")
    return head + NO_LEAFLET_NOTICE + sep + tail if sep else text + NO_LEAFLET_NOTICE


def save_map(m: folium.Map, path: Path, *, offline: bool | None = None) -> None:
    """Write the map atomically (temp file + rename); ``offline`` defaults to what the map was built with."""
    atomic_write_text(path, render_map(m, offline=offline))
