"""The project's exceptions: each says what was wrong and where."""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping


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


def one_input_error(errors: list[InputError]) -> InputError:
    """Several problems as one ``InputError``: the first, then each other as ``also <file>:<line>: field ...``
    on its own line (the way a scenario's schema errors are listed), so a file is fixed in one pass."""
    first = errors[0]
    where = f"{first.file}:{first.line}" if first.line else first.file
    message = str(first).removeprefix(f"{where}: field '{first.field}': ")
    return InputError(first.file, first.field, message + "".join(f"\n  also {e}" for e in errors[1:]), line=first.line)


class DataError(PlannerError):
    """The project's own curated data (data/) is missing or inconsistent."""


class NetworkError(PlannerError):
    """A network state cannot answer a query (e.g. a point too far from any node)."""


class SourceUnavailable(PlannerError):
    """A network source cannot be used right now (an Overpass server that cannot be reached or answers errors)."""


class OutputError(PlannerError):
    """An output cannot be written (read-only or full file system, no permission, a file in the way)."""


_OS_REASONS: dict[int, str] = {
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ELOOP: "a symbolic link loop (a link that points back to itself)",
    errno.EISDIR: "is a folder; expected a file",
    errno.ENOTDIR: "a part of the path is a file; expected a folder",
    errno.ENOENT: "does not exist",
    errno.EEXIST: "already exists and is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "input/output error (the disk or the network share failed)",
}


def os_error_message(exc: OSError, *, doing: str = "", where: object = None, reasons: Mapping[int, str] | None = None) -> str:
    """One line for a file-system error: the file (or files), what went wrong, in words.

    ``doing`` (e.g. ``"cannot write the outputs"``) is put first; ``where`` names the file or folder meant
    when the error's own file name is a temporary one; ``reasons`` (errno -> words) replaces the usual words
    where the operation gives an errno another meaning (``mkdir``'s ENOENT). The errno's name is kept at the end so that a
    message can be searched for (``[EROFS]``).
    """
    if where is None:
        where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None) or "<file>"
    reason = (reasons or {}).get(exc.errno or -1) or _OS_REASONS.get(exc.errno or -1) or (exc.strerror or str(exc))
    code = f" [{errno.errorcode[exc.errno]}]" if exc.errno is not None and exc.errno in errno.errorcode else ""
    return f"{doing + ': ' if doing else ''}{where}: {reason}{code}"



def missing_file_reason(path: os.PathLike[str] | str) -> str:
    """Why ``path`` cannot be opened though it may be listed in its folder, in words: a symbolic link loop,
    a symbolic link to nothing, or not there at all ("does not exist")."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop (following it leads back to itself)"
        if os.path.islink(path):
            return f"is a symbolic link to {os.readlink(path)!r}, which does not exist"
    return "does not exist"
