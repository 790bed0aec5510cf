"""Folium isochrone maps: toggleable layers per centre and mode, rail, centres, legend, provenance."""

from __future__ import annotations

import html
from pathlib import Path

import folium
import geopandas as gpd
from branca.element import Element

from . import OSM_ATTRIBUTION
from .rail import RailNetwork
from .region import CITIES, Region

BAND_COLOURS = {15: "#1a9850", 30: "#91cf60", 45: "#fee08b", 60: "#fc8d59"}
MODE_DEFAULT_SHOWN = {("changsha", "best")}
CITY_ZH = {"changsha": "长沙", "zhuzhou": "株洲", "xiangtan": "湘潭"}


def _band_colour(minutes: int) -> str:
    for limit, colour in sorted(BAND_COLOURS.items()):
        if minutes <= limit:
            return colour
    return "#d73027"


def isochrone_map(
    *,
    title: str,
    isochrones: gpd.GeoDataFrame,
    rail: RailNetwork,
    region: Region,
    tier: str,
    snapshot: str,
    centre_table_html: str = "",
) -> folium.Map:
    """Build the scenario map. Every user-supplied string is HTML-escaped."""
    provenance = f"network tier: {tier} · data: {snapshot}"
    m = folium.Map(location=[27.98, 113.0], zoom_start=9, tiles=None, control_scale=True)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap", attr=OSM_ATTRIBUTION).add_to(m)
    m.get_root().html.add_child(  # type: ignore[attr-defined]
        Element(f'<meta name="czt-provenance" content="{html.escape(provenance)}">')
    )

    for centre in CITIES:
        for mode in ("best", "car", "transit"):
            sub = isochrones[(isochrones["centre"] == centre) & (isochrones["mode"] == mode)]
            fg = folium.FeatureGroup(name=f"{CITY_ZH[centre]} {centre} · {mode}", show=(centre, mode) in MODE_DEFAULT_SHOWN)
            for _, row in sub.sort_values("minutes", ascending=False).iterrows():
                if row.geometry.is_empty:
                    continue
                colour = _band_colour(int(row["minutes"]))
                folium.GeoJson(
                    row.geometry.__geo_interface__,
                    style_function=lambda _f, c=colour: {"fillColor": c, "color": c, "weight": 0.5, "fillOpacity": 0.35},
                    tooltip=html.escape(
                        f"{centre} {mode} ≤ {int(row['minutes'])} min: {row['area_km2']} km², {int(row['population']):,} people"
                    ),
                ).add_to(fg)
            fg.add_to(m)

    rail_fg = folium.FeatureGroup(name="rail lines and stations", show=True)
    colours = dict(zip(rail.lines["line_id"], rail.lines["colour"]))
    names = dict(zip(rail.lines["line_id"], rail.lines["name_zh"]))
    for lid, stops in rail.stops.groupby("line_id", sort=True):
        coords = [[float(la), float(lo)] for lo, la in zip(stops["lon"], stops["lat"])]
        folium.PolyLine(coords, color=str(colours[lid]), weight=3, opacity=0.9, tooltip=html.escape(f"{lid} {names[lid]}")).add_to(rail_fg)
        for lo, la, nm in zip(stops["lon"], stops["lat"], stops["name_zh"]):
            folium.CircleMarker(
                [float(la), float(lo)], radius=2.5, color=str(colours[lid]), fill=True, fill_opacity=1.0, tooltip=html.escape(str(nm))
            ).add_to(rail_fg)
    rail_fg.add_to(m)

    centre_fg = folium.FeatureGroup(name="city centres", show=True)
    for _, c in region.centres.iterrows():
        folium.Marker(
            [float(c["lat"]), float(c["lon"])],
            tooltip=html.escape(f"{c['name_zh']} centre"),
            popup=folium.Popup(html.escape(str(c["reason"])), max_width=300),
        ).add_to(centre_fg)
    centre_fg.add_to(m)

    legend = "".join(
        f'<div><span style="background:{c};width:14px;height:10px;display:inline-block;opacity:.7"></span> ≤ {t} min</div>'
        for t, c in sorted(BAND_COLOURS.items())
    )
    box = (
        '<div id="czt-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        'padding:8px 10px;border:1px solid #888;font:12px sans-serif;max-width:360px">'
        f"<b>{html.escape(title)}</b><br>{legend}"
        f'<div style="margin-top:4px">{centre_table_html}</div>'
        f'<div style="margin-top:4px;color:#444">{html.escape(provenance)}<br>{html.escape(OSM_ATTRIBUTION)}</div></div>'
    )
    m.get_root().html.add_child(  # type: ignore[attr-defined]
        Element(box)
    )
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def save_map(m: folium.Map, path: Path) -> None:
    """Write the map atomically (temp file + rename)."""
    from .report import atomic_write_text

    atomic_write_text(path, m.get_root().render())
