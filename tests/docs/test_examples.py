"""Every scenario written in the docs is a valid scenario: each ```yaml block that has a `name:` is
validated and its projects and base chain resolved, as `run_scenario.py validate` would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from network.scenario.resolve import resolve_projects
from network.scenario.schema import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md"))


def _scenario_blocks(page: Path) -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    return [b for b in blocks if isinstance(doc := yaml.safe_load(b), dict) and "name" in doc and "jobs" not in doc]


@pytest.mark.parametrize("page", [p for p in PAGES if _scenario_blocks(p)], ids=lambda p: p.name)
def test_every_scenario_example_validates_and_resolves(page: Path, tmp_path: Path) -> None:
    blocks = _scenario_blocks(page)
    paths = []
    for text in blocks:  # all of a page's examples side by side, so one may be the base of another
        path = tmp_path / f"{yaml.safe_load(text)['name']}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    for path in paths:
        scenario = load_scenario(path)
        assert isinstance(scenario, Scenario)
        resolved = resolve_projects(scenario, file=str(path), scenario_dir=tmp_path)
        assert resolved.scenario.name == scenario.name


def test_the_scenario_page_documents_every_field_and_edit_type() -> None:
    """Every field of a scenario file, of each `add` edit type, of a check and of a GTFS service is named
    on docs/scenarios.md, and every edit type has its own section."""
    from typing import get_args

    from network.scenario import schema

    page = (ROOT / "docs/scenarios.md").read_text(encoding="utf-8")
    fields = {f.alias or n for n, f in Scenario.model_fields.items()}
    fields |= {f.alias or n for n, f in schema.Check.model_fields.items()} | set(schema.GtfsServices.model_fields)
    union = get_args(get_args(schema.AdHoc)[0])
    for model in union:
        fields |= set(model.model_fields)
        for kind in get_args(model.model_fields["type"].annotation):
            assert re.search(rf"^#+ `{kind}`", page, flags=re.M), f"docs/scenarios.md: no section for edit type {kind!r}"
    missing = sorted(f for f in fields if f"`{f}`" not in page)
    assert missing == [], f"docs/scenarios.md does not name these fields: {missing}"
