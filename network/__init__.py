"""Chang-Zhu-Tan (长株潭) half-hour-circle planner.

The package turns a base network (embedded skeleton, Overpass or a local PBF) plus scenario
projects into travel-time fields, half-hour-circle metrics, isochrone maps and reports.

Use from Python (the names in ``__all__``, defined in ``network.api``)::

    import network

    state = network.resolve_state("year-2023")
    minutes = network.evaluate(state).centre_minutes["best"]
    trip = network.route(state, (112.97, 28.20), (113.13, 27.83), mode="transit")
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from network.paths import cache_dir, checkout_dir

__version__ = "0.1.0"
"""The package version: its one source (pyproject.toml reads it; CHANGELOG.md says what changed)."""

if checkout_dir() is None:  # an installed package: numba's compiled-function cache goes to the user cache, not site-packages
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir() / "numba"))

OSM_ATTRIBUTION = "© OpenStreetMap contributors"

__all__ = [
    "OSM_ATTRIBUTION",
    "InputError",
    "PlannerError",
    "attribution",
    "build_network",
    "calibrate",
    "claims",
    "compare",
    "definition_attribution",
    "definition_timeline",
    "evaluate",
    "export",
    "load_scenario",
    "match_stations",
    "matrix",
    "network_reports",
    "observed",
    "od_matrix",
    "resolve_state",
    "route",
    "route_in_scenario",
    "run_files",
    "run_scenario",
    "run_scenarios",
    "timeline",
    "validate_scenarios",
]

if TYPE_CHECKING:
    from network._errors import InputError, PlannerError
    from network.api import (
        attribution,
        build_network,
        calibrate,
        claims,
        compare,
        definition_attribution,
        definition_timeline,
        evaluate,
        export,
        load_scenario,
        match_stations,
        matrix,
        network_reports,
        observed,
        od_matrix,
        resolve_state,
        route,
        route_in_scenario,
        run_files,
        run_scenario,
        run_scenarios,
        timeline,
        validate_scenarios,
    )


def __getattr__(name: str) -> Any:
    """The public functions, imported on first use: every module of the package imports ``network``
    (for ``OSM_ATTRIBUTION``), so importing them here at the top would load every stage for each."""
    if name in __all__:
        from network import _errors, api  # on first use, see above

        return getattr(api if hasattr(api, name) else _errors, name)
    raise AttributeError(f"module 'network' has no attribute {name!r}")
