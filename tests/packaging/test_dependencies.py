"""Every library the package imports is installed by a plain ``pip install``: a core dependency of
pyproject.toml, or a dependency of one (planner review, finding 6: ``czt-planner serve`` after
``pip install .`` said the 'serve' extra was missing). Read from the source (every ``import``, also the
lazy ones inside functions) and from this environment's package metadata; nothing is built."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_level_modules() -> set[str]:
    mods: set[str] = set()
    for path in (ROOT / "network").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return mods - set(sys.stdlib_module_names) - {"network", "__future__"}


def _installed_by(requirements: list[str]) -> set[str]:
    """The distributions ``pip install`` of ``requirements`` brings in (this environment's metadata; extras followed)."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = _norm(req.name)
        key = name + "[" + ",".join(sorted(req.extras)) + "]"
        if key in seen:
            continue
        seen |= {key, name}
        try:
            requires = md.requires(req.name) or []
        except md.PackageNotFoundError:
            continue
        for text in requires:
            sub = Requirement(text)
            envs = [{"extra": e} for e in req.extras] or [{"extra": ""}]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in envs):
                todo.append(sub)
    return {s for s in seen if "[" not in s}


def test_every_imported_library_comes_with_a_plain_install() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installed = _installed_by(project["dependencies"])
    owners = md.packages_distributions()
    missing = {m: owners.get(m) for m in sorted(_imported_top_level_modules()) if not any(_norm(d) in installed for d in owners.get(m, [m]))}
    assert missing == {}, f"imported by network/ but not installed by `pip install czt-planner` (add to [project] dependencies): {missing}"
    assert {"fastapi", "uvicorn"} <= installed, "the workbench (czt-planner serve) runs after a plain install"
