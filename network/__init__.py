"""Chang-Zhu-Tan (长株潭) half-hour-circle planner.

The package turns a base network (embedded skeleton, Overpass or a local PBF) plus scenario
projects into travel-time fields, half-hour-circle metrics, isochrone maps and reports.
"""

__version__ = "0.1.0"

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
