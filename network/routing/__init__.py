"""Shortest paths: the per-mode graphs in array form, Dijkstra, the contraction hierarchy, incremental solves,
point-to-point routes."""

__all__ = [
    "ch",
    "csr",
    "dijkstra",
    "engine",
    "graphs",
    "incremental",
    "route",
]
