"""The project's exceptions: each says what was wrong and where."""

from __future__ import annotations


class PlannerError(Exception):
    """Base class for every error the planner raises on purpose."""


class InputError(PlannerError):
    """A user-supplied file has a bad value.

    The message names the file, the field (dotted path), the value and what was expected.
    """

    def __init__(
        self,
        file: str,
        field: str,
        message: str,
        *,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.field = field
        self.line = line
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: field '{field}': {message}")


class DataError(PlannerError):
    """The project's own curated data (data/) is missing or inconsistent."""


class NetworkError(PlannerError):
    """A network state cannot answer a query (e.g. a point too far from any node)."""


class SourceUnavailable(PlannerError):
    """A network source cannot be used right now (an Overpass server that cannot be reached or answers errors)."""
