"""The workspace folder: the only place the workbench reads scenario files from and writes to.

A file is named by its bare name (``year-2023.yaml``); a name with a folder part, a hidden name, a link
out of the folder or another suffix is refused, so no request can open or write a file elsewhere.
Autosaves go to ``<workspace>/.workbench/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from network._errors import InputError
from network.outputs.files import atomic_write_text
from network.scenario.validation import NAME_PATTERN

__all__ = ["Workspace"]

SUFFIXES = (".yaml", ".yml")
AUTOSAVE_DIR = ".workbench"


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

    def path(self, name: str) -> Path:
        """The file ``name`` inside the workspace; ``InputError`` for anything that would leave it."""
        if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name or Path(name).suffix not in SUFFIXES:
            raise InputError(name or "<empty>", "file", f"expected the bare name of a .yaml file in the workspace {self.root}")
        p = (self.root / name).resolve()
        if p.parent != self.root:
            raise InputError(name, "file", f"resolves outside the workspace {self.root}; expected a file inside it")
        return p

    def existing(self, name: str) -> Path:
        """``path(name)``, which must exist."""
        p = self.path(name)
        if not p.is_file():
            raise InputError(name, "file", f"no such scenario file in the workspace; expected one of {self.scenario_files()}")
        return p

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
