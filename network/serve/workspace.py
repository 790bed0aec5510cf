"""The workspace folder: the only place the workbench writes to, and (besides the shipped scenarios) reads from.

A file is named by its bare name (``year-2023.yaml``); a name with a folder part, a hidden name, a link
out of the folder or another suffix is refused, so no request can open or write a file elsewhere.
Autosaves go to ``<workspace>/.workbench/``.

The scenarios shipped with the package (those the command line finds by name) are offered too, read only,
as ``shipped/<name>.yaml``: read through ``importlib.resources`` and only when the name is one the package
lists, never written (saving always writes ``<workspace>/<name>.yaml``). A workspace file of the same name
hides the shipped one, as it does for the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from network._errors import InputError
from network.outputs.files import atomic_write_text
from network.scenario.validation import NAME_PATTERN

__all__ = ["Workspace"]

SUFFIXES = (".yaml", ".yml")
AUTOSAVE_DIR = ".workbench"
SHIPPED = "shipped/"
"""How the page names a scenario shipped with the package (``shipped/surveyed.yaml``): read only."""


def _shipped_folder() -> Traversable:
    return resources.files("network").joinpath("_shipped", "scenarios")


def shipped_scenarios() -> list[str]:
    """The scenario files shipped with the package, by bare name (``importlib.resources``)."""
    return sorted(t.name for t in _shipped_folder().iterdir() if t.is_file() and t.name.endswith(SUFFIXES) and not t.name.startswith("."))


@dataclass(frozen=True)
class Workspace:
    """A folder of scenario files (resolved, absolute)."""

    root: Path

    @classmethod
    def at(cls, folder: Path) -> Workspace:
        """The workspace at ``folder`` (which must exist)."""
        root = folder.expanduser().resolve()
        if not root.is_dir():
            raise InputError(str(folder), "--workspace", "is not a folder; expected the folder holding your scenario YAML files")
        return cls(root)

    def scenario_files(self) -> list[str]:
        """The scenario files at the top of the folder, by name."""
        return sorted(p.name for p in self.root.iterdir() if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith("."))

    def shipped_files(self) -> list[str]:
        """The shipped scenarios the page offers (``shipped/<name>``), read only: those no workspace file hides."""
        own = set(self.scenario_files())
        return [SHIPPED + n for n in shipped_scenarios() if n not in own]

    def is_shipped(self, name: str) -> bool:
        """True for a shipped scenario's name (``shipped/...``), which is read only."""
        return name.startswith(SHIPPED)

    def path(self, name: str) -> Path:
        """The file ``name`` inside the workspace; ``InputError`` for anything that would leave it."""
        if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name or Path(name).suffix not in SUFFIXES:
            raise InputError(name or "<empty>", "file", f"expected the bare name of a .yaml file in the workspace {self.root}")
        p = (self.root / name).resolve()
        if p.parent != self.root:
            raise InputError(name, "file", f"resolves outside the workspace {self.root}; expected a file inside it")
        return p

    def existing(self, name: str) -> Path:
        """``path(name)``, which must exist; or the shipped scenario ``shipped/<name>`` (one the package lists)."""
        if self.is_shipped(name):
            return self._shipped(name)
        p = self.path(name)
        if not p.is_file():
            raise InputError(name, "file", f"no such scenario file in the workspace; expected one of {self.scenario_files() + self.shipped_files()}")
        return p

    def _shipped(self, name: str) -> Path:
        bare = name[len(SHIPPED) :]
        if bare not in shipped_scenarios():  # an exact name from the package's own listing: nothing else is ever read
            raise InputError(name, "file", f"no such shipped scenario; expected a file of the workspace {self.root} or one of {self.shipped_files()}")
        return Path(str(_shipped_folder().joinpath(bare)))

    def save_name(self, scenario_name: str) -> str:
        """The file name a scenario called ``scenario_name`` is saved as (``<name>.yaml``)."""
        if not re.fullmatch(NAME_PATTERN, scenario_name):
            raise InputError(scenario_name, "name", f"expected a scenario name matching {NAME_PATTERN}")
        return f"{scenario_name}.yaml"

    def write(self, name: str, text: str) -> Path:
        """Write ``text`` to the workspace file ``name`` atomically."""
        p = self.path(name)
        atomic_write_text(p, text)
        return p

    def exported(self, kind: str, rel: str) -> Path:
        """A file the workbench exported (``outputs/...`` or ``maps/...`` inside the workspace); ``InputError`` otherwise."""
        folder = (self.root / kind).resolve()
        p = (folder / rel).resolve()
        if kind not in ("outputs", "maps") or not p.is_relative_to(folder) or not p.is_file():
            raise InputError(f"{kind}/{rel}", "file", f"no exported file of that name in {self.root}/{kind}")
        return p

    def autosave(self, key: str, text: str) -> Path:
        """Write a tab's scenario YAML to ``.workbench/<key>.yaml`` (kept when the page or server goes away)."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", key):
            raise ValueError(f"autosave key {key!r}")
        folder = self.root / AUTOSAVE_DIR
        folder.mkdir(exist_ok=True)
        p = folder / f"{key}.yaml"
        atomic_write_text(p, text)
        return p
