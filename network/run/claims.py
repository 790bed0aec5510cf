"""The ``claims`` workflow: each official half-hour-circle statement checked against its year's network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from network import OSM_ATTRIBUTION
from network._errors import InputError
from network.analysis import definitions as D
from network.analysis.claims import DEFAULT_OBSERVED, MAJORITY, SOME, Claim, audit, load_claims
from network.model.region import load_region
from network.outputs.claims_report import write_claims_report
from network.outputs.files import write_table
from network.paths import DATA_DIR, SCENARIO_DIR
from network.paths import output_dir as default_output_dir

NOTES = (
    D.POTENTIAL_BASIS + ": every figure is a travel time the model computes, not a count of people who commute.",
    "交通圈 = in-vehicle time between central urban areas, off-peak, fastest mode; 通勤圈 = door to door, AM peak, "
    "population-weighted; 生活圈 = off-peak door to door to city-level services (another city's central urban area stands for them).",
    "Central urban areas: GHSL urban centres (contiguous 1 km cells ≥ 1,500/km², ≥ 50,000 people) containing each city's centre, "
    "found on the project's proxy population grid (no 国土空间总体规划 boundary could be sourced as geometry).",
    "中心区 (长株潭区域一体化发展规划纲要 2020): 三市中心城区 + 长沙县全域 + 湘潭县易俗河镇 (data/core_area.csv; 易俗河 as a 5.6 km disc).",
    f"Verdicts: a list of items (corridors, station pairs, area pairs) is supported when all are within the threshold, partly when "
    f"some are; a share is supported from {MAJORITY:.0%}, partly from {SOME:.0%}.",
    "A claim tied to reliability-A rows of the observed journey-time set (the calibration's fit set) is marked not independent: "
    "the model reproduces those figures by construction. B rows are official figures: reported, never fitted.",
)
"""The notes printed at the top of the claims report."""

REPORT_DEFINITION_COLUMNS = ["definition", "measure", "scenario", "period", "mode", "origin", "destination", "threshold_minutes", "value", "unit"]


@dataclass(frozen=True)
class ClaimsResult:
    """The audit: one row per claim (``table``: verdict, figures, what would change it) and every measure behind it."""

    tier: str
    snapshot: str
    table: pd.DataFrame
    measured: pd.DataFrame
    csv_path: Path
    report_path: Path


def claims(
    claims_file: Path = DATA_DIR / "claims.csv",
    *,
    only: Sequence[str] | None = None,
    scenario_dir: Path = SCENARIO_DIR,
    observed: Path = DEFAULT_OBSERVED,
    output_dir: Path | None = None,
    progress: Callable[[int, int, Claim], None] | None = None,
) -> ClaimsResult:
    """Audit the claims in ``claims_file`` (or the ids in ``only``); writes ``<output_dir>/claims/`` (two CSVs, report.html).

    Parameters
    ----------
    claims_file
        The claims table (default ``data/claims.csv``).
    only
        Audit only these claim ids.
    scenario_dir
        Where the ``year-<Y>.yaml`` scenarios live.
    observed
        The observed journey times (a CSV or a folder) for the independence check.
    output_dir
        The outputs folder (None: ``network.paths.output_dir()``).
    progress
        Called as ``progress(i, n, claim)`` before the i-th of n claims is measured (the command line prints
        a line per claim with it: an audit evaluates many scenarios and takes minutes).

    Returns
    -------
    ClaimsResult
        One row per claim (verdict, figures, what would change it), the measures behind them, the files written.

    Raises
    ------
    InputError
        An id in ``only`` that the file does not have.
    """
    chosen = load_claims(claims_file)
    if only:
        unknown = sorted(set(only) - {c.id for c in chosen})
        if unknown:
            raise InputError(str(claims_file), "id", f"unknown claim id(s) {unknown}; the file has {[c.id for c in chosen]}")
        chosen = [c for c in chosen if c.id in set(only)]
    table, measured = audit(chosen, load_region(), scenario_dir=scenario_dir, observed_path=observed, progress=progress)
    out = (output_dir if output_dir is not None else default_output_dir()) / "claims"
    write_table(table, out / "claims_audit.csv", provenance={"attribution": OSM_ATTRIBUTION})
    write_table(measured, out / "claims_measures.csv", provenance={"attribution": OSM_ATTRIBUTION})
    tier = ", ".join(sorted(set(table["tier"]))) if len(table) else ""
    snap = ", ".join(sorted(set(table["snapshot"]))) if len(table) else ""
    report = write_claims_report(
        out / "report.html",
        table,
        title="长株潭半小时圈: claims audit",
        notes=NOTES,
        definitions=measured[measured["headline"].astype(bool)][REPORT_DEFINITION_COLUMNS],
    )
    return ClaimsResult(tier=tier, snapshot=snap, table=table, measured=measured, csv_path=out / "claims_audit.csv", report_path=report)
