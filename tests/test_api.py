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


def _docs_blocks(section: str) -> str:
    """The ```python blocks of a section of docs/api.md (up to the next ``## `` heading), in page order."""
    text = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    part = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", part, flags=re.S)
    assert blocks, f"docs/api.md: the {section!r} section has no python block"
    return "\n".join(blocks)


def _docs_example() -> str:
    return _docs_blocks("Example")


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


@pytest.mark.slow
def test_every_workflow_example_of_the_docs_runs() -> None:
    """docs/api.md's example of each command's function (after the first example, one session, page order)."""
    scope: dict[str, object] = {}
    out = io.StringIO()
    code = _docs_example() + "\n" + _docs_blocks("Every command as a function")
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/api.md", "exec"), scope)  # noqa: S102 - the docs' own examples
    printed = out.getvalue()
    assert "year-2023.yaml ok" in printed and "min in 2017, off_peak" in printed
    assert scope["m"].points == 23 and scope["m"].path.exists()  # type: ignore[attr-defined]
    assert list(scope["audit"].table["id"]) == ["xhl-2023-20min"]  # type: ignore[attr-defined]
    assert scope["exported"].layer_rows["zones"] == 23  # type: ignore[attr-defined]
    assert set(scope["tl"].minutes["year"]) >= {2015, 2023}  # type: ignore[attr-defined]
