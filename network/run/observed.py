"""The ``observed`` workflow: the model against published journey times (tables, summary, scatter, report)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from network._errors import InputError
from network.analysis.calibrate import fitted_names
from network.analysis.loso import LosoResult, leave_one_source_out
from network.analysis.observed import (
    DEFINITIONS,
    Validation,
    build_states,
    load_observed,
    state_parameters,
    state_settings,
    validate,
    validation_summary,
)
from network.formats import percent
from network.outputs.files import atomic_write_bytes, atomic_write_text, dumps_metrics, table_provenance, write_table
from network.outputs.report import render_validation_page, validation_scatter_png, validation_section_html
from network.paths import OBSERVED_DIR
from network.paths import output_dir as default_output_dir

MIN_WITHIN_25 = 0.85
"""Default threshold: the share of scored rows within 25 % of the observed time."""
MIN_TAG = 0.60
"""Default threshold: the share of scored rows within TAG (15 % / 1 min)."""


def default_observed_csv() -> Path:
    """The project's observed journey times: the folder ``data/observed/`` (every CSV in it).

    Raises
    ------
    InputError
        When the folder is missing (give ``--csv``).
    """
    if not OBSERVED_DIR.is_dir():
        raise InputError(
            str(OBSERVED_DIR), "--csv", "the project's observed journey-time folder is missing; expected --csv PATH (a CSV or a folder of CSVs)"
        )
    return OBSERVED_DIR


@dataclass(frozen=True)
class ObservedResult:
    """A validation run: the validation tables (``validation.rows``, ``.strata``, ``.changes``), ``summary.json``'s
    content, the thresholds and which of them failed (``failed``, empty when all pass)."""

    csv_path: Path
    validation: Validation
    summary: dict[str, Any]
    thresholds: dict[str, float]
    failed: list[str]
    output_dir: Path
    loso: LosoResult | None = None
    """Leave-one-source-out scores (``loso=True``), else None."""


def observed(
    csv: Path | None = None,
    *,
    min_within_25: float = MIN_WITHIN_25,
    min_tag: float = MIN_TAG,
    output_dir: Path | None = None,
    loso: bool = False,
    fit_parameters: list[str] | None = None,
    min_loso_within_25: float | None = None,
) -> ObservedResult:
    """Validate the model against observed journey times and write ``validation.csv``, ``strata.csv``,
    ``changes.csv``, ``summary.json``, ``scatter.png`` and ``report.html`` into ``output_dir``.

    Parameters
    ----------
    csv
        A CSV of observed times or a folder of them; default ``data/observed/``.
    min_within_25, min_tag
        The shares of scored rows that must be within 25 % and within TAG; a lower share is listed in ``failed``.
    output_dir
        The output folder (None: ``<network.paths.output_dir()>/observed``).
    loso
        Also score out of sample by leave-one-source-out (``network.analysis.loso``): writes ``loso_rows.csv``,
        ``loso_strata.csv``, ``loso_strata_in_sample.csv``, ``loso_folds.csv`` and ``summary.json``'s
        ``out_of_sample``; re-fits ``fit_parameters`` (default: those with ``fitted=True``).
    min_loso_within_25
        With ``loso``: the out-of-sample share of scored rows that must be within 25 % (None: no check).

    Returns
    -------
    ObservedResult
        The validation tables, summary.json's content and the thresholds that failed (empty when all pass).
    """
    csv_path = csv if csv is not None else default_observed_csv()
    rows = load_observed(csv_path)
    states = build_states(rows)
    v = validate(rows, states)
    first = next(iter(states.values()))
    summary = validation_summary(v, csv_path=str(csv_path), parameters=state_parameters(first), settings=state_settings(first))
    thresholds = {"within_25_share": min_within_25, "within_tag_share": min_tag}
    failed = []
    for key, limit in thresholds.items():
        value = v.share(key)
        if value is None or value < limit:
            failed.append(f"{key} = {percent(value)} < {percent(limit)}")
    summary["thresholds"] = thresholds
    summary["thresholds_failed"] = failed
    out = output_dir if output_dir is not None else default_output_dir() / "observed"
    prov = table_provenance(
        tier=v.tier,
        snapshot=v.snapshot,
        definition="each row's own measure (station_to_station, corridor_end_to_end, door_to_door) in the scenario of its year and period; see README 'Validation'",
    )
    write_table(v.rows, out / "validation.csv", provenance=prov)
    write_table(v.strata, out / "strata.csv", provenance=prov)
    write_table(v.changes, out / "changes.csv", provenance=prov)
    res_loso: LosoResult | None = None
    if loso:
        names = fit_parameters if fit_parameters is not None else fitted_names()
        res_loso = leave_one_source_out(rows, states, names)
        write_table(res_loso.rows, out / "loso_rows.csv", provenance=prov)
        write_table(res_loso.strata_loso, out / "loso_strata.csv", provenance=prov)
        write_table(res_loso.strata_in, out / "loso_strata_in_sample.csv", provenance=prov)
        write_table(res_loso.folds, out / "loso_folds.csv", provenance=prov)
        summary["out_of_sample"] = {
            "definition": "leave-one-source-out: rows of one source left out together, fitted parameters re-fitted on the scored A rows "
            "of the other sources (calibrate's search, local), the left-out rows predicted; in sample = fitted on all scored A rows",
            "fitted_parameters": list(res_loso.fitted),
            "in_sample_parameters": res_loso.centre,
            "seconds": res_loso.seconds,
            "strata_out_of_sample": res_loso.strata_loso.to_dict(orient="records"),
            "strata_in_sample": res_loso.strata_in.to_dict(orient="records"),
        }
        if min_loso_within_25 is not None:
            value = res_loso.share("within_25_share")
            thresholds["loso_within_25_share"] = min_loso_within_25
            if value is None or value < min_loso_within_25:
                failed.append(f"out-of-sample within_25_share = {percent(value)} < {percent(min_loso_within_25)}")
    atomic_write_text(out / "summary.json", dumps_metrics(summary))
    png = validation_scatter_png(v.rows)
    atomic_write_bytes(out / "scatter.png", png)
    section = validation_section_html(
        rows=v.rows,
        strata=v.strata,
        changes=v.changes,
        tier=v.tier,
        snapshot=v.snapshot,
        scatter_png=png,
        definitions=DEFINITIONS,
        thresholds=thresholds,
    )
    atomic_write_text(out / "report.html", render_validation_page(section))
    return ObservedResult(
        csv_path=csv_path, validation=v, summary=summary, thresholds=thresholds, failed=failed, output_dir=out, loso=res_loso
    )
