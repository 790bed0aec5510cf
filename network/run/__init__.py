"""The workflows: running scenarios end to end (one, a batch on local processes or Dask), compare, timeline,
attribution, matrix, observed, calibrate, claims, export, network builds, validation, routes; the golden-number
guard. Each returns data; ``network.api`` exposes them and ``network.cli`` prints them."""

__all__ = [
    "attribution",
    "batch",
    "calibrate",
    "claims",
    "compare",
    "export",
    "golden",
    "matrix",
    "network",
    "observed",
    "route",
    "runner",
    "scenarios",
    "timeline",
    "validate",
]
