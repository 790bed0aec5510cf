"""Each half-hour-circle definition over the years, with each year's change attributed to projects.

For a definition (``network.analysis.definitions``), the headline series (e.g. the 交通圈 minutes between
each pair of central urban areas, or the 通勤圈 share of 中心区 pairs within 30 minutes) are measured in
every year scenario. Each step between consecutive years is split into the projects that opened in
between (leave-one-out from the later year: the value without the project minus the value with it)
and a remainder (rail lines that open by date outside the catalogue, and interactions between
projects). A small or zero change is reported as such.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from network.analysis import definitions as D
from network.model.region import Region
from network.scenario.catalogue import load_catalogue
from network.scenario.resolve import ResolvedScenario, build_state

log = logging.getLogger(__name__)

NATURAL_PERIOD = {
    "centre_to_centre": "am_peak",
    "urban_area_to_urban_area": "off_peak",
    "station_to_station": "off_peak",
    "corridor_end_to_end": "off_peak",
    "accessibility": "off_peak",
    "core_area_commute": "am_peak",
}
"""The period each definition's source wording implies: 交通圈 and 生活圈 off-peak, 通勤圈 AM peak."""
KEY = ["definition", "measure", "mode", "origin", "destination", "threshold_minutes", "period", "unit"]


DATED_CHANGES = "rail lines and stations opening by date, service changes outside the catalogue"
"""What the remainder of a year's change holds besides interactions between projects."""


def headline_values(
    resolved: ResolvedScenario,
    region: Region,
    definition: str,
    *,
    active: frozenset[str] | None = None,
    period: str | None = None,
    areas: pd.Series | None = None,
) -> pd.DataFrame:
    """The definition's headline rows for ``resolved`` (or another ``active`` project set), in ``period``."""
    p = period or NATURAL_PERIOD[definition]
    state = build_state(resolved, active=active).with_params(period=p)
    t = D.measure(state, region, scenario=resolved.scenario.name, definitions=[definition], areas=areas)
    h = D.headline(t)
    h = h.assign(series=[D.series_label({str(k): v for k, v in r.items()}) for r in h.to_dict(orient="records")])
    return h


def _by_series(h: pd.DataFrame) -> dict[str, float]:
    return dict(zip(h["series"], h["value"].astype(float)))


def definition_timeline(
    resolved: list[ResolvedScenario], region: Region, definition: str, *, period: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(headline values by year, each year's change per series split into projects and a remainder)."""
    cat = load_catalogue()
    areas = D.central_urban_areas(region)
    values = []
    steps = []
    prev: ResolvedScenario | None = None
    prev_v: dict[str, float] = {}
    for r in sorted(resolved, key=lambda x: (x.year or 0, x.scenario.name)):
        h = headline_values(r, region, definition, period=period, areas=areas)
        values.append(h)
        cur_v = _by_series(h)
        if prev is not None:
            new = sorted(r.active - prev.active, key=lambda pid: list(cat).index(pid) if pid in cat else 0)
            loo = {
                pid: _by_series(headline_values(r, region, definition, active=r.active - {pid}, period=period, areas=areas)) for pid in new
            }
            for s, v in cur_v.items():
                change = v - prev_v.get(s, np.nan)
                explained = 0.0
                for pid in new:
                    effect = loo[pid].get(s, np.nan) - v  # > 0: the project lowers the value (e.g. saves minutes)
                    explained += effect if np.isfinite(effect) else 0.0
                    steps.append({"year": r.year, "from_year": prev.year, "series": s, "item": pid, "effect": -effect, "change": change})
                steps.append(
                    {
                        "year": r.year,
                        "from_year": prev.year,
                        "series": s,
                        "item": f"other ({DATED_CHANGES}, interactions)" if new else f"other (no catalogue project opened: {DATED_CHANGES})",
                        "effect": change + explained if np.isfinite(change) else np.nan,
                        "change": change,
                    }
                )
        prev, prev_v = r, cur_v
    val = pd.concat(values, ignore_index=True) if values else pd.DataFrame()
    st = pd.DataFrame(steps, columns=["year", "from_year", "series", "item", "effect", "change"])
    st["effect"] = st["effect"].astype(float).round(4)
    st["change"] = st["change"].astype(float).round(4)
    return val, st


def definition_attribution(
    resolved: ResolvedScenario, against: ResolvedScenario, region: Region, definition: str, *, period: str | None = None
) -> pd.DataFrame:
    """Per project active in ``resolved`` but not in ``against``: leave-one-out and add-one-in change of each headline series.

    ``loo`` = value(resolved without p) − value(resolved); ``aoi`` = value(against) − value(against + p) (same
    scenario year, rail and period). For minutes, positive = the project saves time; for shares and
    indices, negative = the project raises the share.
    """
    cat = load_catalogue()
    areas = D.central_urban_areas(region)
    full = _by_series(headline_values(resolved, region, definition, period=period, areas=areas))
    base = _by_series(headline_values(resolved, region, definition, active=against.active, period=period, areas=areas))
    rows = []
    for pid in sorted(resolved.active - against.active, key=lambda p: list(cat).index(p) if p in cat else 0):
        loo = _by_series(headline_values(resolved, region, definition, active=resolved.active - {pid}, period=period, areas=areas))
        aoi = _by_series(headline_values(resolved, region, definition, active=against.active | {pid}, period=period, areas=areas))
        for s, v in full.items():
            rows.append(
                {
                    "project": pid,
                    "name_zh": cat[pid].name_zh if pid in cat else pid,
                    "series": s,
                    "value": round(v, 4),
                    "loo": round(loo.get(s, np.nan) - v, 4),
                    "aoi": round(base.get(s, np.nan) - aoi.get(s, np.nan), 4),
                }
            )
    return pd.DataFrame(rows, columns=["project", "name_zh", "series", "value", "loo", "aoi"])


