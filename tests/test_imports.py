"""Imports go one way: no cycle between the package's modules, and no in-package import hidden in a function.

The layers contract itself (cli -> run -> outputs -> analysis -> routing -> scenario -> sources ->
model) is checked by ``lint-imports`` in ``./dev.sh test``; these tests add what it does not check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "network"


def test_no_import_cycle_between_modules() -> None:
    graph = grimp.build_graph("network", exclude_type_checking_imports=True)
    g = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if not module.startswith(imported + "."):  # a module importing its own package's __init__
                g.add_edge(module, imported)
    cycles = list(nx.simple_cycles(g))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def _function_imports() -> list[tuple[str, int, str, str]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    name = node.module or "" if isinstance(node, ast.ImportFrom) else node.names[0].name
                    text = "\n".join(lines[node.lineno - 2 : node.end_lineno])  # the line before and the statement
                    out.append((str(path.relative_to(PACKAGE.parent)), node.lineno, name, text))
    return out


def test_imports_inside_functions_are_only_optional_heavy_dependencies_with_a_comment() -> None:
    found = _function_imports()
    assert found, "the scan found no import at all inside functions: it is not looking at the package"
    # the command line is the exception: each command imports its workflow when it runs, so that
    # ``--help`` and a light command never load the heavy stages (tests/cli/test_start.py), and the
    # 'serve' command loads the workbench (FastAPI and uvicorn, the optional extra 'serve') only when run
    in_package = [(f, m) for f, _, m, _ in found if (m == "network" or m.startswith("network.")) and not f.startswith("network/cli/")]
    # the other exceptions: ``import network`` loads the public API on first use (every module imports the
    # package for OSM_ATTRIBUTION), the engine loads the numba-compiled contraction hierarchy only when a
    # query uses one (a route never does) and the compiled tree sums when a transit field needs them, a
    # scenario with an OSM tier loads the OSM reader on demand, and
    # the workbench's first page (issue 22: ready <= 5 s after start) loads neither the map module (folium,
    # for GIS zone layers, comparisons and exports), the report (matplotlib) nor the batch runner (Dask,
    # through network.api): a request that needs them loads them (routes, comparisons, exports)
    allowed = [
        ("network/__init__.py", "network"),
        ("network/outputs/gis.py", "network.outputs.maps"),
        ("network/routing/dijkstra.py", "network.routing._tree_kernels"),
        ("network/routing/engine.py", "network.routing.ch"),
        ("network/scenario/resolve.py", "network.sources.osm"),
        ("network/serve/app.py", "network.api"),
        ("network/serve/app.py", "network.api"),
        ("network/serve/app.py", "network.run.runner"),
        ("network/serve/session.py", "network.outputs.maps"),
        ("network/serve/session.py", "network.api"),
    ]
    assert in_package == allowed, "in-package imports belong at the module top (outside network/cli/)"
    uncommented = [f"{f}:{n} {m}" for f, n, m, text in found if "#" not in text]
    assert uncommented == [], "an import inside a function needs a comment saying why (an optional heavy dependency)"
