"""Indicators from travel times: half-hour metrics, isochrones, the definitions and claims, compare and attribution
tables, OD matrices, validation against observed times and calibration. Charts are drawn in ``network.outputs``."""

__all__ = [
    "attribution_shares",
    "calibrate",
    "claims",
    "clock_generalized",
    "compare",
    "corridors",
    "definition_names",
    "definition_series",
    "definitions",
    "edit_effects",
    "isochrones",
    "loso",
    "metrics",
    "observed",
    "od_matrix",
    "placement",
    "shapley",
]
