"""A tab's edit log: what the planner changed, in order; the scenario YAML is its serialisation.

An edit is one small operation on the scenario document (the YAML mapping as written): append an entry to
an edit list of the scenario language (``add``, ``remove_lines`` and whatever list the language gains; read
from ``Scenario``'s schema), remove one, include or leave out a catalogue project, or set the year or
period. Folding the log over the document opened gives the scenario; every fold goes through the same
validation as a scenario file (``parse_scenario``), so a bad edit gets the file's error and is not kept.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from network.scenario.schema import Scenario, parse_scenario

__all__ = ["EditOp", "edit_lists", "edit_variants", "fold", "scenario_of", "scenario_yaml"]

NOT_EDIT_LISTS = ("projects", "exclude", "drop_edits", "checks", "thresholds_minutes", "services")
"""List fields of a scenario that are not hand-written edits (``project`` sets the first two; a GTFS
feed names a file outside the workspace; checks and thresholds are not network edits)."""
COORD_DECIMALS = 6
"""Drawn coordinates are kept to 1e-6° (about 0.1 m)."""


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Append(_Op):
    """Append ``item`` to the scenario's edit list ``field`` (an ``add`` entry, a ``remove_lines`` id, ...)."""

    op: Literal["append"]
    field: str = Field(min_length=1, max_length=40)
    item: Any


class Remove(_Op):
    """Take out the edit named ``name`` (an entry's ``name`` or a list's id); an inherited one is dropped
    with ``drop_edits``."""

    op: Literal["remove"]
    name: str = Field(min_length=1, max_length=200)


class ProjectToggle(_Op):
    """Include (``include: true``) or leave out a catalogue project, whatever the year."""

    op: Literal["project"]
    project_id: str = Field(min_length=1, max_length=100)
    include: bool


class When(_Op):
    """Set the scenario's year and/or period (``None`` leaves the field as it is)."""

    op: Literal["when"]
    year: int | None = None
    period: str | None = None


EditOp = Annotated[Append | Remove | ProjectToggle | When, Field(discriminator="op")]


def edit_lists() -> list[str]:
    """The scenario language's edit lists (list fields of ``Scenario`` that are hand-written edits)."""
    return list(_edit_lists())


@lru_cache(maxsize=1)
def _edit_lists() -> tuple[str, ...]:
    """The schema is fixed for the life of the process; generating it costs ~0.1 s, so once."""
    props = Scenario.model_json_schema()["properties"]
    return tuple(k for k, v in props.items() if v.get("type") == "array" and k not in NOT_EDIT_LISTS)


def edit_variants() -> dict[str, Any]:
    """Per edit list, the JSON schema of its entries: ``{"add": {"new_road": {...}, ...}, "remove_lines": {"type": "string"}}``.

    A list of tagged objects (``type`` discriminator) gives one schema per type, so a new edit type of the
    scenario language shows up here (and in the page) without a change to the workbench.
    """
    schema = Scenario.model_json_schema()
    defs = schema.get("$defs", {})
    out: dict[str, Any] = {}
    for name in edit_lists():
        items = schema["properties"][name].get("items", {})
        refs = items.get("oneOf") or items.get("anyOf") or ([items] if "$ref" in items else [])
        if refs and all("$ref" in r for r in refs):
            variants = {}
            for r in refs:
                d = defs[r["$ref"].rsplit("/", 1)[1]]
                tag = d.get("properties", {}).get("type", {}).get("const", r["$ref"].rsplit("/", 1)[1])
                variants[tag] = d
            out[name] = variants
        else:
            out[name] = items
    return out


def _entry_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        for key in ("name", "id", "line_id"):
            if isinstance(entry.get(key), str):
                return str(entry[key])
    return None


def _rounded(item: Any) -> Any:
    """Floats of a drawn ``path`` rounded to COORD_DECIMALS (a click's precision is far coarser)."""
    if isinstance(item, dict) and isinstance(item.get("path"), list):
        item = dict(item)
        item["path"] = [[round(float(c), COORD_DECIMALS) for c in p] if isinstance(p, list | tuple) else p for p in item["path"]]
    return item


def _append(doc: dict[str, Any], op: Append) -> None:
    if op.field not in edit_lists():
        raise ValueError(f"field '{op.field}': not an edit list of the scenario language; expected one of {edit_lists()}")
    doc[op.field] = [*list(doc.get(op.field) or []), _rounded(op.item)]


def _remove(doc: dict[str, Any], op: Remove) -> None:
    found = False
    for name in edit_lists():
        entries = list(doc.get(name) or [])
        kept = [e for e in entries if _entry_name(e) != op.name]
        if len(kept) != len(entries):
            doc[name] = kept
            found = True
    if not found:  # an edit of the base chain: this scenario does not make it
        doc["drop_edits"] = [*list(doc.get("drop_edits") or []), op.name]


def _project(doc: dict[str, Any], op: ProjectToggle) -> None:
    add, drop = ("projects", "exclude") if op.include else ("exclude", "projects")
    doc[drop] = [p for p in (doc.get(drop) or []) if p != op.project_id]
    if op.project_id not in (doc.get(add) or []):
        doc[add] = [*list(doc.get(add) or []), op.project_id]
    for key in (add, drop):
        if not doc[key]:
            del doc[key]


def _when(doc: dict[str, Any], op: When) -> None:
    if op.year is not None:
        doc["year"] = op.year
    if op.period is not None:
        doc["period"] = op.period


def apply_op(doc: dict[str, Any], op: Append | Remove | ProjectToggle | When) -> dict[str, Any]:
    """The document after one edit (a new dict; ``doc`` is not changed).

    Raises ``ValueError`` for an operation the scenario language has no place for (an unknown list).
    """
    out = copy.deepcopy(doc)
    if isinstance(op, Append):
        _append(out, op)
    elif isinstance(op, Remove):
        _remove(out, op)
    elif isinstance(op, ProjectToggle):
        _project(out, op)
    else:
        _when(out, op)
    return out


def fold(doc: dict[str, Any], ops: Sequence[Append | Remove | ProjectToggle | When]) -> dict[str, Any]:
    """The document after every edit of the log, in order (a new dict; ``doc`` is not changed)."""
    doc = copy.deepcopy(doc)
    for op in ops:
        doc = apply_op(doc, op)
    return doc


def scenario_yaml(doc: dict[str, Any], *, header: str = "") -> str:
    """The document as scenario YAML (keys in the order written, Chinese kept readable)."""
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body


def scenario_of(doc: dict[str, Any], *, file: str) -> Scenario:
    """Validate the document as a scenario file named ``file`` would be (``InputError`` naming the field)."""
    return parse_scenario(scenario_yaml(doc), file=file)
