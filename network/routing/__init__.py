"""Shortest paths: per-mode arrays, Dijkstra, the contraction hierarchy, incremental solves, point-to-point routes."""
