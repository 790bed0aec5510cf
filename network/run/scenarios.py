"""The ``run`` workflow: scenario files (named, or every one with ``--all``) run as a batch, with CI check reports."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from network._errors import PlannerError
from network.outputs.checks_report import CheckRecord, write_check_reports
from network.paths import SCENARIO_DIR
from network.paths import output_dir as default_output_dir
from network.run.batch import BatchOutcome, MapOptions, run_batch
from network.scenario.schema import find_scenario_file


def run_files(named: Sequence[str], *, run_all: bool = False, scenario_dir: Path = SCENARIO_DIR) -> list[Path]:
    """The scenario files a run means: with ``run_all`` every ``scenario_dir/*.yaml``, then each named one.

    Names and paths go through ``schema.find_scenario_file``; a file named twice (or also under
    ``run_all``) runs once. A name that matches no file is kept as given, so that it fails alone in the
    batch with its reason while the others run.

    Parameters
    ----------
    named
        Scenario files or names, in the order given.
    run_all
        Every ``scenario_dir/*.yaml`` first.
    scenario_dir
        The project's scenarios (``--all``).

    Returns
    -------
    list[pathlib.Path]
        The files to run, each once, in order.
    """
    files = sorted(scenario_dir.glob("*.yaml")) if run_all else []
    for text in named:
        try:
            files.append(find_scenario_file(text))
        except PlannerError:
            files.append(Path(text))
    seen: set[Path] = set()
    out = []
    for f in files:
        key = Path(os.path.realpath(f))  # not Path.resolve(): a symbolic link loop must fail alone, when it runs
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def check_records(outcomes: Sequence[BatchOutcome]) -> list[CheckRecord]:
    """One record per scenario check, and one failed record per scenario that did not run."""
    records: list[CheckRecord] = []
    for o in outcomes:
        if o.result is None:
            records.append(CheckRecord(o.scenario or Path(o.file).stem, "scenario runs", False, error=str(o.error)))
            continue
        for c in o.result.checks:
            records.append(CheckRecord(str(o.scenario), c.description, c.passed, c.value, c.limit))
    return records


def run_scenarios(
    files: Sequence[Path | str],
    *,
    output_dir: Path | None = None,
    maps: MapOptions = MapOptions(),
    workers: int = 1,
    scheduler: str | None = None,
    check_reports: tuple[Path, Path] | None = None,
    on_outcome: Callable[[BatchOutcome], None] | None = None,
) -> list[BatchOutcome]:
    """Run scenario files (serially, on local processes or on a Dask cluster); one outcome per file, in order.

    A scenario that fails to run fails only itself (its outcome has ``error`` set).

    Parameters
    ----------
    files
        Scenario files (see :func:`run_files` for names and ``--all``).
    output_dir
        Where ``<name>/metrics.json``, the tables and the report go (None: ``network.paths.output_dir()``).
    maps
        The HTML maps (:class:`MapOptions`).
    workers, scheduler
        Local worker processes, or the address of a Dask scheduler (``tcp://host:8786``).
    check_reports
        (JUnit XML path, Markdown summary path) to write every scenario check into, for CI.
    on_outcome
        Called with each outcome as it completes.

    Returns
    -------
    list[BatchOutcome]
        One outcome per file, in input order: the run's result, or why it failed.
    """
    outcomes = run_batch(
        files,
        workers=workers,
        scheduler=scheduler,
        output_dir=output_dir if output_dir is not None else default_output_dir(),
        maps=maps,
        on_outcome=on_outcome,
    )
    if check_reports is not None:
        write_check_reports(check_records(outcomes), junit_path=check_reports[0], summary_path=check_reports[1])
    return outcomes
