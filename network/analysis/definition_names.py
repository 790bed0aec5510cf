"""The half-hour-circle definitions by name, and what every figure is (plain constants: the command line reads them for its options)."""

from __future__ import annotations

DEFINITIONS = (
    "centre_to_centre",
    "urban_area_to_urban_area",
    "station_to_station",
    "corridor_end_to_end",
    "accessibility",
    "core_area_commute",
)
"""The definitions ``network.analysis.definitions`` measures (``timeline --definition``, ``attribution --definition``)."""
POTENTIAL_BASIS = "potential (time-based) measure from modelled travel times, not observed commuting"
"""What every definition's figure is: a travel time the model computes, not a count of commuters."""
