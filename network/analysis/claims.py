"""The claims audit: each official statement about the half-hour circle, checked against its year's network.

A claim (``data/claims.csv``) names the definition and measure it is read as, the threshold, the year it
refers to, the period, and where it was said. ``audit`` runs the year's scenario, measures the
definition (``network.analysis.definitions``) and gives a verdict with the figures and what would have
to change. The verdicts are about *potential* (time-based) measures from modelled travel times, not
observed commuting.

Verdict rules (one per kind of measure):

- minutes over a list of items (corridors, station pairs, pairs of areas): **supported** when every item
  is within the threshold, **partly** when some are, **not supported** when none is; a threshold the
  wording gives as approximate ("20分钟左右", "约20分钟") is met within the journey-time tolerance the
  validation uses (UK TAG M3.1: 15 % or 1 min, whichever is larger), and the figures say so;
- shares (通勤圈, 生活圈: a share of population or of population-weighted pairs): **supported** when the
  share is at least ``MAJORITY`` (a circle "formed" for more than half of the people), **partly** from
  ``SOME`` up, **not supported** below; a list of cities needs each city's share.

A claim whose figure the model was calibrated on cannot support itself: each claim lists the rows of the
observed journey-time set (``journey_times_calibration.csv``) that measure the same thing; reliability-A
rows are the calibration's fit set (issue 11), B rows are claims that are reported, never fitted. The
audit marks a claim tied to A rows as not independent and says so beside the verdict.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from network._errors import InputError
from network.analysis import definitions as D
from network.model.region import CITIES, Region
from network.paths import DATA_DIR, OBSERVED_DIR, SCENARIO_DIR
from network.scenario.resolve import ResolvedScenario, build_state, resolve_projects
from network.scenario.schema import Scenario, load_scenario

APPROXIMATE_WORDS = ("左右", "约", "大约", "上下")
"""Words that make a claim's figure approximate ("about 20 minutes")."""
APPROXIMATE_SHARE = 0.15
APPROXIMATE_FLOOR_MINUTES = 1.0
"""An approximate figure is met within max(15 % of it, 1 min): the TAG M3.1 journey-time tolerance."""


def allowed_minutes(claim: Claim) -> float:
    """The most minutes that still meet ``claim``'s threshold: the threshold itself, or for an
    approximate figure (:data:`APPROXIMATE_WORDS` in the wording) the threshold plus the TAG tolerance."""
    t = claim.threshold_minutes
    if any(w in claim.wording_zh for w in APPROXIMATE_WORDS):
        return t + max(APPROXIMATE_SHARE * t, APPROXIMATE_FLOOR_MINUTES)
    return t


MAJORITY = 0.5
SOME = 0.1
CLAIM_COLUMNS = (
    "id",
    "date",
    "wording_zh",
    "who",
    "definition",
    "measure",
    "scope",
    "threshold_minutes",
    "year",
    "period",
    "mode",
    "source_url",
    "calibration_rows",
    "reading",
)
MEASURES: dict[str, set[str]] = {
    "corridor_end_to_end": {"minutes"},
    "station_to_station": {"minutes"},
    "urban_area_to_urban_area": {"fastest_in_vehicle", "p10", "p50", "mean"},
    "core_area_commute": {"share_intercity_pairs_within", "share_pairs_within"},
    "accessibility": {"share_within_other_central_area"},
}
DEFAULT_OBSERVED = OBSERVED_DIR
"""The project's observed journey-time set (data/observed/, every CSV)."""


@dataclass(frozen=True)
class Claim:
    """One official statement and how it is read."""

    id: str
    date: str
    wording_zh: str
    who: str
    definition: str
    measure: str
    scope: tuple[str, ...]
    threshold_minutes: float
    year: int
    period: str
    mode: str
    source_url: str
    calibration_rows: tuple[str, ...]
    reading: str


def load_claims(path: Path = DATA_DIR / "claims.csv") -> list[Claim]:
    """Read and check the claims file; a bad row raises ``InputError`` naming the file, line and field."""
    file = str(path)
    if not path.exists():
        raise InputError(file, "-", "file not found")
    try:
        t = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(file, "-", f"not a readable UTF-8 CSV ({exc})") from None
    missing = [c for c in CLAIM_COLUMNS if c not in t.columns]
    if missing:
        raise InputError(file, ",".join(missing), f"missing column(s); expected {list(CLAIM_COLUMNS)}")
    out: list[Claim] = []
    seen: set[str] = set()
    for k, r in t.iterrows():
        line = int(str(k)) + 2

        def bad(field: str, msg: str, _line: int = line) -> InputError:
            return InputError(file, field, msg, line=_line)

        cid = r["id"].strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", cid):
            raise bad("id", f"got {cid!r}: expected a slug of a-z, 0-9, '-' or '_'")
        if cid in seen:
            raise bad("id", f"got {cid!r}: ids must be unique")
        seen.add(cid)
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", r["date"].strip()):
            raise bad("date", f"got {r['date']!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
        definition = r["definition"].strip()
        if definition not in MEASURES:
            raise bad("definition", f"got {definition!r}: expected one of {sorted(MEASURES)}")
        measure = r["measure"].strip()
        if measure not in MEASURES[definition]:
            raise bad("measure", f"got {measure!r}: a {definition} claim takes one of {sorted(MEASURES[definition])}")
        try:
            threshold = float(r["threshold_minutes"])
            year = int(r["year"])
        except ValueError:
            raise bad(
                "threshold_minutes/year", f"got {r['threshold_minutes']!r}/{r['year']!r}: expected a number of minutes and a year"
            ) from None
        if not (0 < threshold <= 240):
            raise bad("threshold_minutes", f"got {threshold}: expected minutes in (0, 240]")
        if not (1990 <= year <= 2060):
            raise bad("year", f"got {year}: expected a year in 1990..2060")
        if r["period"].strip() not in ("am_peak", "off_peak"):
            raise bad("period", f"got {r['period']!r}: expected am_peak or off_peak")
        if not r["source_url"].strip().startswith(("http://", "https://")):
            raise bad("source_url", f"got {r['source_url']!r}: every claim needs its source (an http(s) URL)")
        scope = tuple(s.strip() for s in r["scope"].split("|") if s.strip())
        if not scope:
            raise bad("scope", "empty: name the corridors, station pairs (A>B), city pairs or area the claim covers")
        _check_scope(definition, scope, bad)
        out.append(
            Claim(
                id=cid,
                date=r["date"].strip(),
                wording_zh=r["wording_zh"].strip(),
                who=r["who"].strip(),
                definition=definition,
                measure=measure,
                scope=scope,
                threshold_minutes=threshold,
                year=year,
                period=r["period"].strip(),
                mode=r["mode"].strip(),
                source_url=r["source_url"].strip(),
                calibration_rows=tuple(s.strip() for s in r["calibration_rows"].split(";") if s.strip()),
                reading=r["reading"].strip(),
            )
        )
    return out


def _check_scope(definition: str, scope: tuple[str, ...], bad: object) -> None:
    err = bad  # a callable (field, message) -> InputError
    if definition == "corridor_end_to_end":
        known = set(D.load_corridors()["corridor_id"])
        for s in scope:
            if s not in known:
                raise err("scope", f"corridor {s!r} is not in data/corridors.csv ({sorted(known)})")  # type: ignore[operator]
    elif definition in ("station_to_station", "urban_area_to_urban_area"):
        for s in scope:
            if s.count(">") != 1:
                raise err("scope", f"got {s!r}: expected pairs written FROM>TO, separated by '|'")  # type: ignore[operator]
            if definition == "urban_area_to_urban_area" and not all(x in CITIES for x in s.split(">")):
                raise err("scope", f"got {s!r}: expected city ids {list(CITIES)}")  # type: ignore[operator]
    elif definition == "core_area_commute":
        if scope not in (("中心区",), ("都市圈",)):
            raise err("scope", f"got {'|'.join(scope)!r}: expected 中心区 or 都市圈")  # type: ignore[operator]
    elif definition == "accessibility" and not all(s in CITIES for s in scope):
        raise err("scope", f"got {'|'.join(scope)!r}: expected city ids {list(CITIES)} separated by '|'")  # type: ignore[operator]


# ---------------------------------------------------------------- calibration independence


def read_observed(path: Path | None) -> pd.DataFrame | None:
    """The observed journey-time rows (id, reliability, use, ...) of a CSV or of every CSV in a folder; ``None`` when absent.

    A file without a ``use`` column scores every row (``use`` = scored)."""
    if path is None or not path.exists():
        return None
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    tables = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    tables = [t for t in tables if {"id", "reliability"} <= set(t.columns)]
    if not tables:
        return None
    t = pd.concat(tables, ignore_index=True)
    if "use" not in t.columns:
        t["use"] = "scored"
    t["use"] = t["use"].replace("", "scored")
    return t


def independence(claim: Claim, observed: pd.DataFrame | None) -> tuple[bool | None, str]:
    """(independent?, why). Not independent when any related observed row is a scored reliability-A row (fitted)
    or a model input (``use = model_input``: a published run time the model takes as data)."""
    if not claim.calibration_rows:
        return True, "no observed row measures this: the model was not fitted to it"
    if observed is None:
        return None, "the observed journey-time set was not found: independence unknown"
    rel = observed.set_index("id")["reliability"].to_dict()
    use = observed.set_index("id")["use"].to_dict() if "use" in observed.columns else {}
    fitted = [r for r in claim.calibration_rows if rel.get(r) == "A" and use.get(r, "scored") == "scored"]
    inputs = [r for r in claim.calibration_rows if use.get(r) == "model_input"]
    reported = [r for r in claim.calibration_rows if r in rel and r not in fitted and r not in inputs]
    unknown = [r for r in claim.calibration_rows if r not in rel]
    if fitted or inputs:
        why = []
        if fitted:
            why.append(f"fitted to observed rows {', '.join(fitted)} (reliability A, timetables/timed trips)")
        if inputs:
            why.append(f"taken as data from observed rows {', '.join(inputs)} (published run times the model uses as inputs)")
        return False, (
            f"not independent: the model's times for this measure are {' and '.join(why)}: the verdict restates those "
            "figures and is no independent evidence for or against the claim"
        )
    note = (
        f"related rows {', '.join(reported)} are B (official figures) or not scored (claims, model inputs): reported, never fitted, so the check is independent"
        if reported
        else ""
    )
    if unknown:
        note = (note + "; " if note else "") + f"rows {', '.join(unknown)} are not in the observed set"
    return True, note


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict, the figures it rests on, and what would have to change for it to hold."""

    verdict: str  # supported | partly | not supported | not evaluable
    figures: str
    to_change: str


def _short(minutes: float) -> str:
    return "under 0.1 min short" if minutes < 0.1 else f"{minutes:.1f} min short"


def _fmt_min(x: float) -> str:
    return "unreachable" if not np.isfinite(x) else f"{x:.1f} min"


def judge(claim: Claim, table: pd.DataFrame, names: dict[str, str] | None = None) -> Verdict:
    """The verdict of ``claim`` from the definition's tidy table (one scenario, the claim's period)."""
    names = names or {}
    t = claim.threshold_minutes
    sel = table[(table["definition"] == claim.definition) & (table["period"] == claim.period)]
    if claim.definition in ("corridor_end_to_end", "station_to_station", "urban_area_to_urban_area"):
        items: list[tuple[str, float]] = []
        for s in claim.scope:
            if claim.definition == "corridor_end_to_end":
                row = sel[(sel["measure"] == "minutes") & (sel["origin"] == s)]
                label = names.get(s, s)
            else:
                a, b = s.split(">")
                meas = "rail_in_vehicle" if claim.definition == "station_to_station" else claim.measure
                mode = (
                    None if claim.definition == "station_to_station" else ("fastest" if claim.measure == "fastest_in_vehicle" else "best")
                )
                row = sel[(sel["measure"] == meas) & (sel["origin"] == a) & (sel["destination"] == b)]
                if mode is not None:
                    row = row[row["mode"] == mode]
                label = f"{a}→{b}"
            items.append((label, float(row["value"].iloc[0]) if len(row) else float("nan")))
        if any(math.isnan(v) for _, v in items):
            missing = [lbl for lbl, v in items if math.isnan(v)]
            return Verdict("not evaluable", f"not measured: {', '.join(missing)}", "")
        limit = allowed_minutes(claim)
        ok = [v <= limit for _, v in items]
        verdict = "supported" if all(ok) else ("partly" if any(ok) else "not supported")
        figures = "; ".join(f"{lbl} {_fmt_min(v)}" for lbl, v in items)
        if limit > t:
            figures += f" (an approximate figure: met up to {_fmt_min(limit)}, the TAG tolerance)"
        short = [f"{lbl} {_fmt_min(v)}: {_short(v - limit)}" for (lbl, v), good in zip(items, ok) if not good and np.isfinite(v)]
        short += [f"{lbl}: no path in the model" for (lbl, v), good in zip(items, ok) if not good and not np.isfinite(v)]
        return Verdict(verdict, figures, "; ".join(short) or "nothing: every item is within the threshold")
    if claim.definition == "core_area_commute":
        area = claim.scope[0]
        sub = sel[(sel["origin"] == area) & (sel["mode"] == claim.mode)]
        share_row = sub[(sub["measure"] == claim.measure) & (sub["threshold_minutes"] == t)]
        if not len(share_row):
            return Verdict("not evaluable", f"{claim.measure} at {t:g} min not measured over {area}", "")
        share = float(share_row["value"].iloc[0])
        med = sub[sub["measure"] == "median_intercity_minutes"]["value"]
        median = float(med.iloc[0]) if len(med) else float("nan")
        verdict = "supported" if share >= MAJORITY else ("partly" if share >= SOME else "not supported")
        figures = f"{share:.1%} of population-weighted inter-city pairs in the {area} within {t:g} min ({claim.mode}); median pair {_fmt_min(median)}"
        change = (
            "nothing: a majority of pairs is within the threshold"
            if share >= MAJORITY
            else f"the median inter-city pair must fall from {_fmt_min(median)} to {t:g} min ({median - t:.1f} min short)"
        )
        return Verdict(verdict, figures, change)
    if claim.definition == "accessibility":
        shares: list[tuple[str, float]] = []
        for a in claim.scope:
            sub = sel[
                (sel["measure"] == claim.measure) & (sel["origin"] == a) & (sel["mode"] == claim.mode) & (sel["threshold_minutes"] == t)
            ]
            # the best other city for each resident city (the nearest other central area)
            shares.append((a, float(sub["value"].max()) if len(sub) else float("nan")))
        if any(math.isnan(v) for _, v in shares):
            return Verdict("not evaluable", "share not measured", "")
        ok = [v >= MAJORITY for _, v in shares]
        some = [v >= SOME for _, v in shares]
        verdict = "supported" if all(ok) else ("partly" if any(some) else "not supported")
        figures = "; ".join(f"{a} {v:.1%} within {t:g} min of another city's central area" for a, v in shares)
        change = "; ".join(f"{a}: {MAJORITY - v:.1%} of residents more" for a, v in shares if v < MAJORITY) or "nothing"
        return Verdict(verdict, figures, change)
    return Verdict("not evaluable", f"definition {claim.definition} has no verdict rule", "")


def year_scenario(year: int, scenario_dir: Path = SCENARIO_DIR) -> ResolvedScenario:
    """The year's scenario: ``scenarios/year-<Y>.yaml`` when it exists, else the surveyed base at year Y."""
    path = scenario_dir / f"year-{year}.yaml"
    if path.exists():
        return resolve_projects(load_scenario(path), file=str(path))
    return resolve_projects(Scenario(name=f"year-{year}", title=f"长株潭 {year}", base="surveyed", year=year))


def audit(
    claims: list[Claim],
    region: Region,
    *,
    scenario_dir: Path = SCENARIO_DIR,
    observed_path: Path | None = DEFAULT_OBSERVED,
    progress: Callable[[int, int, Claim], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every claim in its year's scenario and period; ``progress(i, n, claim)`` is called before the
    i-th of n claims (1-based) is measured.

    Returns (the audit table, one row per claim; the definition tables measured, tidy, for the record).
    """
    observed = read_observed(observed_path)
    corridor_names = dict(zip(D.load_corridors()["corridor_id"], D.load_corridors()["name_zh"]))
    areas = D.central_urban_areas(region)
    cache: dict[tuple[int, str, str], pd.DataFrame] = {}
    rows = []
    measured = []
    for i, c in enumerate(claims, start=1):
        if progress is not None:
            progress(i, len(claims), c)
        key = (c.year, c.period, c.definition)
        resolved = year_scenario(c.year, scenario_dir)
        state = build_state(resolved).with_params(period=c.period)
        if key not in cache:
            ctx = D.Context.of(state, resolved.scenario.name)
            skims = D.Skims(state)
            if c.definition == "core_area_commute":
                tab = pd.concat([D.core_area_commute(skims, region, ctx, area=a) for a in ("中心区", "都市圈")], ignore_index=True)
            else:
                tab = D.measure(state, region, scenario=resolved.scenario.name, definitions=[c.definition], areas=areas)
            cache[key] = tab
            measured.append(tab)
        table = cache[key]
        if c.definition == "station_to_station":
            pairs = [tuple(s.split(">")) for s in c.scope]
            table = D.station_to_station(D.Skims(state), D.Context.of(state, resolved.scenario.name), pairs=pairs)  # type: ignore[arg-type]
            measured.append(table)
        v = judge(c, table, corridor_names)
        indep, why = independence(c, observed)
        rows.append(
            {
                "id": c.id,
                "date": c.date,
                "wording_zh": c.wording_zh,
                "who": c.who,
                "definition": c.definition,
                "measure": c.measure,
                "threshold_minutes": c.threshold_minutes,
                "year": c.year,
                "scenario": resolved.scenario.name,
                "period": c.period,
                "mode": c.mode,
                "verdict": v.verdict,
                "independent": indep,
                "figures": v.figures,
                "to_change": v.to_change,
                "calibration_note": why,
                "reading": c.reading,
                "source_url": c.source_url,
                "tier": state.roads.tier,
                "snapshot": state.roads.snapshot,
                "basis": D.POTENTIAL_BASIS,
            }
        )
    return pd.DataFrame(rows), pd.concat(measured, ignore_index=True) if measured else pd.DataFrame(columns=D.COLUMNS)


def verdict_label(row: Mapping[str, object]) -> str:
    """The verdict with its independence caveat, e.g. 'supported (not independent: calibrated)'."""
    v = str(row["verdict"])
    if row.get("independent") is False:
        return f"{v} (not independent: calibrated on this figure)"
    return v
