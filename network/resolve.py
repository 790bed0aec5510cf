"""Resolve a scenario into its own network state (base network + the scenario's changes)."""

from __future__ import annotations

from functools import lru_cache

from ._errors import InputError
from .graph import NetworkState, RoadNetwork, StateParams
from .projects import add_road
from .rail import RailNetwork, load_rail
from .scenario import Scenario
from .sources.embedded import load_embedded_roads


@lru_cache(maxsize=2)
def base_network(tier: str) -> tuple[RoadNetwork, RailNetwork]:
    """The surveyed base network of a tier (read once per process)."""
    if tier != "embedded":
        from .sources.osm import load_cached_osm_roads  # type: ignore[import-not-found,unused-ignore]

        return load_cached_osm_roads(), load_rail()
    return load_embedded_roads(), load_rail()


def resolve_state(scenario: Scenario, *, file: str = "<scenario>") -> NetworkState:
    """Base network of the scenario's tier with its removals and additions applied, on copies."""
    roads, rail = base_network(scenario.tier)
    known = set(rail.lines["line_id"])
    for k, lid in enumerate(scenario.remove_lines):
        if lid not in known:
            raise InputError(file, f"remove_lines[{k}]", f"got {lid!r}: unknown rail line; expected one of {sorted(known)}")
    if scenario.remove_lines:
        rail = rail.without_lines(list(scenario.remove_lines))
    for road in scenario.add:
        roads = add_road(roads, list(road.path), name=road.name, speed_kph=road.speed_kph, highway=road.highway)
    params = StateParams(period=scenario.period, feeder_speed_kph=scenario.feeder_speed_kph, walk_limit_m=scenario.walk_limit_m)
    return NetworkState(roads=roads, rail=rail, params=params)
