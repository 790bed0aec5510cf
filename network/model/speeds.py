"""China speed profile: operating speeds by road class, context and period.

Design speeds come from the Chinese standards (JTG B01-2014 for highways, CJJ 37-2012 for urban
roads); operating speeds are set below design speed and cut further in the AM peak. The table is one
place (``CLASS_SPEEDS_KPH``, read from ``network.model.parameters``) so a scenario can override it, and
the README reprints it.

Classes used by every tier:

============== ============ ========================================= ===========
class          Chinese      design speeds (km/h, standard)            tiers
============== ============ ========================================= ===========
expressway     高速公路      120 / 100 / 80 (JTG B01)                   all
urban_express  城市快速路    100 / 80 / 60 (CJJ 37)                     all
urban_arterial 主干路        60 / 50 / 40 (CJJ 37)                      all
urban_minor    次干路/支路   50 / 40 / 30 and 40 / 30 / 20 (CJJ 37)     OSM tiers
suburban_art.  郊区高标准主干路 60-80, few signals (data/road_classes.csv)  curated corridors
rural_highway  一级/二级公路 100 / 80 / 60 (一级), 80 / 60 (二级)       all
rural_minor    三级/四级公路 40 / 30 / 20                               OSM tiers
============== ============ ========================================= ===========
"""

from __future__ import annotations

from typing import Final, Literal

from network.model.parameters import PARAMETERS

Period = Literal["off_peak", "am_peak"]
PERIODS: Final[tuple[Period, ...]] = ("off_peak", "am_peak")

ROAD_CLASSES: Final[tuple[str, ...]] = (
    "expressway",
    "urban_express",
    "urban_arterial",
    "urban_minor",
    "suburban_arterial",
    "rural_highway",
    "rural_minor",
)

# Operating speeds (km/h) by class and period, built from the one parameter table
# (network/model/parameters.py, entries ``speed_<class>_<period>_kph``, each with its range and source).
# urban_arterial and urban_minor speeds include average signal delay (their edges carry signals = 0);
# expressway, urban_express, suburban_arterial, rural_highway and rural_minor speeds are running speeds: a signalised
# junction on such an edge adds ``signal_delay_<period>_s`` (the edge's ``signals`` count).
CLASS_SPEEDS_KPH: Final[dict[str, dict[Period, float]]] = {
    c: {period: PARAMETERS[f"speed_{c}_{period}_kph"].value for period in PERIODS} for c in ROAD_CLASSES
}
SIGNAL_DELAY_INCLUDED: Final[frozenset[str]] = frozenset({"urban_arterial", "urban_minor"})
"""Classes whose speeds already include average signal delay (no per-junction delay is added on them)."""

# The embedded skeleton stores straight segments between junctions; real roads are longer. Each
# segment's length is multiplied by a detour factor by class (judgement, documented in the README:
# national road-network circuity is typically 1.1-1.3 over straight lines; expressways are straighter).
DETOUR_FACTOR: Final[dict[str, float]] = {
    "expressway": 1.05,
    "urban_express": 1.05,
    "urban_arterial": 1.10,
    "urban_minor": 1.15,
    "suburban_arterial": 1.10,
    "rural_highway": 1.15,
    "rural_minor": 1.20,
}

# OSM highway=* -> our class, by context (urban / rural). Used by the OSM tiers.
OSM_HIGHWAY_CLASS: Final[dict[str, tuple[str, str]]] = {
    # highway: (urban class, rural class)
    "motorway": ("expressway", "expressway"),
    "motorway_link": ("urban_arterial", "rural_highway"),
    "trunk": ("urban_express", "rural_highway"),
    "trunk_link": ("urban_arterial", "rural_highway"),
    "primary": ("urban_arterial", "rural_highway"),
    "primary_link": ("urban_arterial", "rural_highway"),
    "secondary": ("urban_minor", "rural_highway"),
    "secondary_link": ("urban_minor", "rural_highway"),
    "tertiary": ("urban_minor", "rural_minor"),
    "tertiary_link": ("urban_minor", "rural_minor"),
    "unclassified": ("urban_minor", "rural_minor"),
    "residential": ("urban_minor", "rural_minor"),
    "living_street": ("urban_minor", "rural_minor"),
    "road": ("urban_minor", "rural_minor"),
}


def class_speed_kph(
    road_class: str,
    period: Period,
    *,
    table: dict[str, dict[Period, float]] | None = None,
) -> float:
    """Operating speed (km/h) of ``road_class`` in ``period``.

    Parameters
    ----------
    road_class : one of ``ROAD_CLASSES``
    period : ``"off_peak"`` or ``"am_peak"``
    table : an override of ``CLASS_SPEEDS_KPH`` (classes missing from it fall back to the default)

    Raises
    ------
    KeyError if the class or period is unknown.
    """
    merged = dict(CLASS_SPEEDS_KPH)
    if table:
        merged.update(table)
    if road_class not in merged:
        raise KeyError(f"unknown road class {road_class!r}; expected one of {sorted(merged)}")
    speeds = merged[road_class]
    if period not in speeds:
        raise KeyError(f"unknown period {period!r}; expected one of {list(PERIODS)}")
    return float(speeds[period])


def parse_maxspeed_kph(value: object) -> float | None:
    """Read an OSM ``maxspeed`` tag as km/h; ``None`` when absent or unreadable.

    Accepts ``"80"``, ``"80 km/h"``, ``"50 mph"``, lists (first readable value) and numbers.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        for item in value:
            parsed = parse_maxspeed_kph(item)
            if parsed is not None:
                return parsed
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    text = str(value).strip().lower()
    factor = 1.0
    if text.endswith("mph"):
        factor = 1.609344
        text = text[:-3]
    text = text.replace("km/h", "").replace("kmh", "").replace("kph", "").strip()
    if ";" in text:
        text = text.split(";")[0].strip()
    try:
        speed = float(text) * factor
    except ValueError:
        return None
    return speed if 0 < speed <= 150 else None
