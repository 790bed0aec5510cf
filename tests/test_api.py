"""The public API (``import network``): the docs' example (docs/api.md) runs, and agrees with the command line's pieces."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

import network
from network.analysis.metrics import evaluate
from network.model.region import load_region
from network.scenario.resolve import resolve_state
from network.scenario.schema import load_scenario
from tools import readme_tables

ROOT = Path(__file__).resolve().parents[1]


def _docs_example() -> str:
    """Every ```python block of docs/api.md, in page order (one session: a block may use an earlier one's names)."""
    text = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text.split("## Example", 1)[1], flags=re.S)
    assert blocks, "docs/api.md: the 'Example' section has no python block"
    return "\n".join(blocks)


def test_the_docs_example_runs_and_matches_the_pieces_it_wraps() -> None:
    scope: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_docs_example(), "docs/api.md (Example)", "exec"), scope)  # noqa: S102 - the docs' own example
    printed = out.getvalue()
    assert "min via" in printed and "embedded" in printed
    ev, trip, od = scope["ev"], scope["trip"], scope["od"]
    want = evaluate(resolve_state(load_scenario(ROOT / "scenarios/year-2023.yaml")), load_region())
    np.testing.assert_array_equal(ev.centre_minutes["best"], want.centre_minutes["best"])  # type: ignore[attr-defined]
    assert trip.mode == "transit" and trip.lines and 0 < trip.minutes < 300  # type: ignore[attr-defined]
    assert list(od.columns) == ["from_id", "to_id", "mode", "minutes"]  # type: ignore[attr-defined]
    assert len(od) == 23 * 23 and set(od["mode"]) == {"best"}  # type: ignore[index,arg-type]


def test_public_names_are_documented_and_importable() -> None:
    for name in network.__all__:
        obj = getattr(network, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert "Parameters\n    ----------" in doc and "Returns\n    -------" in doc, f"network.{name}: NumPy docstring"
    with pytest.raises(AttributeError):
        network.no_such_function  # noqa: B018


def test_run_scenario_writes_outputs_and_bad_names_raise_input_error(tmp_path: Path) -> None:
    result = network.run_scenario("surveyed", output_dir=tmp_path, map_dir=tmp_path / "maps", write_map=False)
    assert result.metrics_path == tmp_path / "surveyed" / "metrics.json" and result.metrics_path.exists()
    assert result.metrics["network"]["tier"] == "embedded"
    # the README's and the docs' surveyed table is this run's, figure for figure (tools/readme_tables.py)
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in readme_tables.pages()}
    assert readme_tables.drifted("surveyed", readme_tables.render("surveyed", tmp_path), texts) == [], "run tools/readme_tables.py surveyed"
    with pytest.raises(network.InputError) as err:
        network.load_scenario("no-such-scenario")
    assert "no-such-scenario" in str(err.value)
