"""A command starts fast: ``--help`` (and a command's own ``--help``) imports none of the heavy libraries.

Not a timing test (timings are measured in benchmarks and reported in commits): it checks, in a fresh
interpreter, which modules the help loaded. Each command imports its workflow, and the workflow its
stages, only when it runs (``network/cli``); a route never loads the plotting, mapping or cluster stack.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("geopandas", "folium", "matplotlib", "dask", "distributed", "osmnx", "numba", "gtfs_kit")


def _loaded_after(code: str) -> list[str]:
    probe = (
        "import contextlib, io, json, sys\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    {code}\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_no_heavy_library() -> None:
    assert _loaded_after("from network.cli.main import main; main(['--help'])") == []


@pytest.mark.parametrize("command", ["route", "validate", "observed", "calibrate", "claims", "export", "timeline", "attribution"])
def test_a_commands_help_imports_no_heavy_library(command: str) -> None:
    code = f"from network.cli.main import main\n    try:\n        main([{command!r}, '--help'])\n    except SystemExit:\n        pass"
    assert _loaded_after(code) == []


def test_the_route_workflow_loads_no_plotting_mapping_or_cluster_library() -> None:
    """geopandas is still loaded by the curated-data readers (model/rail, model/region); the rest is not."""
    assert _loaded_after("import network.run.route") in ([], ["geopandas"])


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: importing the map stage does load folium."""
    assert "folium" in _loaded_after("import network.outputs.maps")
