"""The planner from Python: every workflow of the command line, as a function that returns data.

These functions are what ``import network`` offers (``network.__all__``); each takes scenario names
or paths the same way the command line does (``network.scenario.schema.find_scenario_file``).
``COMMAND_FUNCTIONS`` names the function behind each ``run_scenario.py`` command: the command line
only parses its arguments, calls it and prints what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from network.analysis.metrics import Evaluation
from network.analysis.metrics import evaluate as _evaluate
from network.analysis.od_matrix import Points, long_table, od_minutes, zone_centroids
from network.analysis.od_matrix import load_points as _load_points
from network.model.graph import NetworkState
from network.model.region import Region, load_region
from network.routing.engine import Method
from network.routing.route import Route
from network.routing.route import route as _route
from network.run.attribution import AttributionRun, DefinitionAttributionRun, attribution, definition_attribution
from network.run.calibrate import CalibrationResult, calibrate
from network.run.claims import ClaimsResult, claims
from network.run.compare import CompareResult, compare
from network.run.export import ExportResult, Exports, export
from network.run.matrix import MatrixFile, MatrixPoints, MatrixResult, matrix
from network.run.network import NetworkBuildOptions, NetworkBuildResult, build_network, match_stations, network_reports
from network.run.observed import ObservedResult, observed
from network.run.route import ScenarioRoute, route_in_scenario
from network.run.runner import RunResult
from network.run.runner import run_scenario as _run_scenario
from network.run.scenarios import MapOptions, run_files, run_scenarios
from network.run.timeline import DefinitionTimelineResult, TimelineResult, definition_timeline, timeline
from network.run.validate import FileCheck, validate_scenarios
from network.scenario.resolve import resolve_state as _resolve_state
from network.scenario.schema import Scenario, find_scenario_file
from network.scenario.schema import load_scenario as _load_scenario

__all__ = [
    "COMMAND_FUNCTIONS",
    "INTERACTIVE_COMMANDS",
    "AttributionRun",
    "CalibrationResult",
    "ClaimsResult",
    "CompareResult",
    "DefinitionAttributionRun",
    "DefinitionTimelineResult",
    "ExportResult",
    "Exports",
    "FileCheck",
    "MapOptions",
    "MatrixFile",
    "MatrixPoints",
    "MatrixResult",
    "NetworkBuildOptions",
    "NetworkBuildResult",
    "ObservedResult",
    "RunResult",
    "ScenarioRoute",
    "TimelineResult",
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
"""The result and option types of the workflows, and the functions ``network.__all__`` names (a test keeps the two lists equal)."""

COMMAND_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "run": ("run_files", "run_scenarios"),
    "route": ("route_in_scenario",),
    "validate": ("validate_scenarios",),
    "compare": ("compare",),
    "timeline": ("timeline", "definition_timeline"),
    "attribution": ("attribution", "definition_attribution"),
    "matrix": ("matrix",),
    "observed": ("observed",),
    "calibrate": ("calibrate",),
    "claims": ("claims",),
    "export": ("export",),
    "network build": ("build_network",),
    "network stations": ("match_stations",),
    "network report": ("network_reports",),
}
"""``run_scenario.py`` command (``network`` with its subcommand) -> the functions of this module it calls."""

INTERACTIVE_COMMANDS: tuple[str, ...] = ("serve",)
"""Commands that are not a workflow returning data: ``serve`` runs the workbench web server (``network.serve``,
which builds on this module) until it is stopped."""

ScenarioLike = Scenario | str | Path
"""A scenario object, a scenario name (``"year-2023"``) or a path to its YAML file."""


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read and validate one scenario file.

    Parameters
    ----------
    name_or_path
        A path (ending in ``.yaml``/``.yml`` or containing ``/``) or a scenario name, looked up as
        ``./<name>.yaml``, then ``scenarios/<name>.yaml``, then by the ``name:`` field.

    Returns
    -------
    Scenario
        The validated scenario (its ``base`` chain is followed when the state is resolved).

    Raises
    ------
    network.InputError
        An unknown name, an unreadable file or an invalid field (the message names file and field).
    """
    return _load_scenario(find_scenario_file(str(name_or_path)))


def resolve_state(scenario: ScenarioLike) -> NetworkState:
    """The network a scenario describes: base tier, year, projects and hand-written edits applied.

    Parameters
    ----------
    scenario
        A ``Scenario`` (its ``base`` is looked up in ``scenarios/``) or a scenario name or path.

    Returns
    -------
    NetworkState
        Roads, rail services and parameters; immutable, and the input of ``evaluate``, ``route`` and
        ``od_matrix``.
    """
    if isinstance(scenario, Scenario):
        return _resolve_state(scenario)
    path = find_scenario_file(str(scenario))
    return _resolve_state(_load_scenario(path), file=str(path))


def evaluate(state: NetworkState, region: Region | None = None) -> Evaluation:
    """Travel times from each city centre to the other centres, every grid cell and zone, per mode.

    Parameters
    ----------
    state
        A resolved network state (``resolve_state``).
    region
        Zones, grid and centres; default: the project's (``load_region()``).

    Returns
    -------
    Evaluation
        ``centre_minutes[mode]`` (3 × 3, centres in ``("changsha", "zhuzhou", "xiangtan")`` order),
        ``cell_minutes[mode]`` and ``zone_minutes[mode]``, for mode ``car``, ``transit`` and ``best``.
    """
    return _evaluate(state, region if region is not None else load_region())


def route(state: NetworkState, from_lonlat: tuple[float, float], to_lonlat: tuple[float, float], mode: str = "best") -> Route:
    """The fastest path between two points.

    Parameters
    ----------
    state
        A resolved network state.
    from_lonlat, to_lonlat
        (longitude, latitude) in WGS-84 degrees, inside the study area.
    mode
        ``"car"``, ``"transit"`` or ``"best"`` (the faster of the two).

    Returns
    -------
    Route
        ``minutes``, ``km``, the legs, and for transit the lines, waits and transfers; ``tier`` and
        ``snapshot`` name the network.
    """
    return _route(state, from_lonlat, to_lonlat, mode)


def od_matrix(
    state: NetworkState,
    points: Points | str | Path | None = None,
    *,
    modes: Sequence[str] = ("car", "transit", "best"),
    method: Method = "auto",
) -> pd.DataFrame:
    """Door-to-door minutes between every pair of points, as a long table.

    Parameters
    ----------
    state
        A resolved network state.
    points
        ``None`` for the zones' population-weighted centroids, a CSV path with columns ``id, lon, lat``
        (WGS-84), or ``Points``.
    modes
        Which of ``car``, ``transit`` and ``best`` to return.
    method
        ``"auto"``, ``"ch"`` (contraction hierarchy) or ``"dijkstra"``; the times are the same.

    Returns
    -------
    pandas.DataFrame
        Columns ``from_id, to_id, mode, minutes`` (NaN = unreachable), one row per ordered pair and mode.
    """
    if points is None:
        pts = zone_centroids(load_region())
    elif isinstance(points, Points):
        pts = points
    else:
        pts = _load_points(Path(points))
    minutes, _info = od_minutes(state, pts, method=method)
    return long_table(pts, minutes, list(modes))


def run_scenario(scenario: str | Path, *, output_dir: Path | None = None, map_dir: Path | None = None, write_map: bool = True) -> RunResult:
    """Run one scenario end to end, as ``run_scenario.py <scenario>`` does, and write its outputs.

    Parameters
    ----------
    scenario
        A scenario name or path.
    output_dir, map_dir
        Where ``<name>/metrics.json`` (with CSV tables, isochrones, report) and ``<name>.html`` go (default:
        ``network.paths.output_dir()`` and ``map_dir()``: ``./outputs`` and ``./maps``, or ``$CZT_PLANNER_OUTPUT``).
    write_map
        False to skip the HTML map.

    Returns
    -------
    RunResult
        The metrics dict (``metrics["centre_minutes"]``, ``metrics["half_hour_index"]`` ...), the paths
        written and the scenario's checks.
    """
    path = find_scenario_file(str(scenario))
    return _run_scenario(_load_scenario(path), file=str(path), output_dir=output_dir, map_dir=map_dir, write_map=write_map)
