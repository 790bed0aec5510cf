"""Scenario files, the project catalogue, road edits, and resolving base + year + projects into a network state."""

__all__ = [
    "catalogue",
    "crossings",
    "dated",
    "edits",
    "resolve",
    "road_classes",
    "schema",
    "services",
    "transit_edits",
    "transit_specs",
    "urban_express",
    "validation",
    "yaml_text",
]
