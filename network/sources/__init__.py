"""Where a base network comes from: the embedded skeleton (tier 1) or full OSM (tiers 2 and 3), and GTFS feeds.

The OSM pipeline's internals (``osm_area``, ``osm_cache``, ``osm_profile``, ``osm_read``, ``osm_simplify``,
``osm_stations``) are private to this package: other stages use ``network.sources.osm`` (a contract in
pyproject.toml keeps it so)."""

__all__ = [
    "classify",
    "crossings",
    "embedded",
    "gtfs",
    "interchanges",
    "osm",
    "osm_coverage",
    "overpass",
]
