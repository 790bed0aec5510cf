"""The ``route`` workflow: the fastest path between two points in a scenario (in its own or another year / period)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from network import OSM_ATTRIBUTION
from network.routing.route import Route, route, route_via
from network.scenario.resolve import resolve_state
from network.scenario.schema import find_scenario_file, load_scenario, scenario_at


@dataclass(frozen=True)
class ScenarioRoute:
    """A route and the scenario, year and period it was found in."""

    route: Route
    scenario: str
    year: int | None
    period: str

    def to_dict(self) -> dict[str, Any]:
        """The route's fields with the scenario, year, period and the OSM credit (``route --json``)."""
        about = {"scenario": self.scenario, "year": self.year, "period": self.period}
        return {**self.route.to_dict(), **about, "attribution": OSM_ATTRIBUTION}


def route_in_scenario(
    scenario: str | Path,
    from_lonlat: tuple[float, float],
    to_lonlat: tuple[float, float],
    mode: str = "best",
    *,
    year: int | None = None,
    period: str | None = None,
    via: list[tuple[float, float]] | None = None,
) -> ScenarioRoute:
    """The fastest path between two points (WGS-84 lon, lat) in ``scenario``.

    Parameters
    ----------
    scenario
        A scenario name or path.
    from_lonlat, to_lonlat
        (longitude, latitude) in degrees, inside the study area.
    mode
        ``car``, ``transit`` or ``best``.
    year, period
        Run the scenario in another year or period; None keeps the scenario's own.
    via
        Car only: waypoints (lon, lat) the route passes in order (``network.routing.route.route_via``),
        e.g. a named road driven end to end.

    Returns
    -------
    ScenarioRoute
        The route (minutes, km, legs, lines) and the scenario, year and period it was found in.
    """
    path = find_scenario_file(str(scenario))
    sc = load_scenario(path)
    sc = scenario_at(sc, year=year, period=period)
    state = resolve_state(sc, file=str(path))
    r = route_via(state, from_lonlat, via, to_lonlat) if via else route(state, from_lonlat, to_lonlat, mode)
    return ScenarioRoute(route=r, scenario=sc.name, year=state.year, period=state.params.period)
