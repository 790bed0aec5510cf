"""Each sub-package names its public surface: ``__all__`` lists its public modules, and model/ holds data only."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import network

PACKAGE = Path(network.__file__).resolve().parent
STAGES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
PRIVATE = {"sources": {"osm_area", "osm_cache", "osm_profile", "osm_read", "osm_simplify", "osm_stations"}}
"""Modules a sub-package keeps to itself (the import-linter 'forbidden' contract keeps other stages out)."""


@pytest.mark.parametrize("stage", STAGES)
def test_every_module_is_public_or_declared_private(stage: str) -> None:
    pkg = importlib.import_module(f"network.{stage}")
    modules = {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")}
    assert set(pkg.__all__) == modules - PRIVATE.get(stage, set()), f"network/{stage}/__init__.py: __all__ out of date"
    for name in pkg.__all__:
        importlib.import_module(f"network.{stage}.{name}")


def test_model_builds_no_graph_and_draws_nothing() -> None:
    """model/ is plain data: no shortest-path or graph libraries, no plotting (graphs are built in routing/)."""
    banned = {"scipy.sparse", "scipy.sparse.csgraph", "networkx", "matplotlib", "folium", "numba"}
    found = []
    for path in sorted((PACKAGE / "model").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.name}: {n}" for n in names if any(n == b or n.startswith(b + ".") for b in banned)]
    assert found == []


def test_charts_are_drawn_only_in_outputs() -> None:
    drawing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "outputs" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "import matplotlib" in text or "from matplotlib" in text:
            drawing.append(str(path.relative_to(PACKAGE)))
    assert drawing == []
