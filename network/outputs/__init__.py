"""What a run writes: atomic files, folium maps, charts, the HTML report, CI check reports, GIS layers, GTFS,
skims and OD tables, offline map assets."""

__all__ = [
    "charts",
    "checks_report",
    "claims_report",
    "files",
    "gis",
    "gtfs_out",
    "maps",
    "od_table",
    "offline_assets",
    "output_set",
    "report",
    "skims",
]
