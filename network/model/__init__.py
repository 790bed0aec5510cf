"""Plain data the rest of the package computes on: roads, rail, region (zones, grid, centres), speeds, parameters.

Nothing here builds a graph or computes a path: ``network.routing.graphs`` turns a ``NetworkState`` into arrays."""

__all__ = [
    "area",
    "graph",
    "junctions",
    "memo",
    "parameters",
    "rail",
    "region",
    "road_add",
    "speeds",
    "tables",
    "types",
]
