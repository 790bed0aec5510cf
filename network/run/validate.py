"""The ``validate`` workflow: check scenario files (and the catalogue and rail data they rely on) without running them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from network._errors import PlannerError
from network.model.rail import load_rail
from network.scenario.catalogue import load_catalogue
from network.scenario.resolve import build_state, resolve_projects
from network.scenario.schema import find_scenario_file, parse_scenario, read_scenario_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileCheck:
    """One scenario file checked: ``error`` None when it is valid; ``warnings`` what it should know."""

    file: str
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file is valid."""
        return self.error is None


def validate_file(named: str | Path) -> FileCheck:
    """Read, parse and resolve one scenario file or name (nothing is evaluated); every failure becomes ``error``."""
    try:
        path = find_scenario_file(str(named))
        text, notice = read_scenario_text(path)
        state = build_state(resolve_projects(parse_scenario(text, file=str(path)), file=str(path)))
        notes = ([f"{path} {notice}"] if notice else []) + list(state.warnings)
        return FileCheck(str(path), warnings=notes)
    except PlannerError as exc:
        return FileCheck(str(named), error=str(exc))
    except Exception as exc:  # noqa: BLE001 - validate reports every file; an unexpected failure is one more FAIL line
        log.debug("validate %s", named, exc_info=True)
        return FileCheck(str(named), error=f"{named}: could not be checked ({type(exc).__name__}: {exc}); please report this")


def validate_scenarios(files: Sequence[str | Path]) -> list[FileCheck]:
    """Check the project's catalogue and rail data, then each scenario file or name.

    Parameters
    ----------
    files
        Scenario files or names.

    Returns
    -------
    list[FileCheck]
        One check per file, in order (``ok``, ``error``, ``warnings``).

    Raises
    ------
    PlannerError
        The catalogue or the rail data cannot be read (no scenario could be checked).
    """
    load_catalogue()
    load_rail()
    return [validate_file(f) for f in files]
