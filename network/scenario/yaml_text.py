"""YAML text to data, strictly: a key written twice in one mapping is an error naming both lines.

PyYAML (like most YAML readers) keeps the last of two equal keys without a word, so a scenario with
``year: 2020`` and further down ``year: 2030`` would silently run 2030. Every YAML file the planner reads
(scenario files, the project catalogue) goes through :func:`load_yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from network._errors import InputError

MERGE_KEY = "<<"
"""YAML's merge key (``<<: *defaults``): keys merged in may be overridden, that is not a repeat."""


@dataclass(frozen=True)
class RepeatedKey:
    """A key written twice in one mapping: where (dotted path of the key) and on which lines (1-based)."""

    path: str
    key: str
    first_line: int
    second_line: int


def _key_text(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def repeated_keys(root: yaml.Node | None) -> list[RepeatedKey]:
    """Every key that appears more than once in the same mapping of a composed YAML document, in file order."""
    found: list[RepeatedKey] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes:  # an alias of a node already checked
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = _key_text(key_node)
                child = f"{path}.{key}" if path else str(key)
                if key is not None and key != MERGE_KEY:
                    line = key_node.start_mark.line + 1
                    if key in first:
                        found.append(RepeatedKey(child, key, first[key], line))
                    else:
                        first[key] = line
                stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{k}]") for k, item in enumerate(node.value))
    return sorted(found, key=lambda r: r.second_line)


def _repeat_message(r: RepeatedKey) -> str:
    return (
        f"key {r.key!r} is written twice, on line {r.first_line} and on line {r.second_line}; "
        "expected each key once (a YAML reader would silently keep only the second)"
    )


def load_yaml(text: str, *, file: str) -> Any:
    """The data of YAML ``text`` (safe types only); ``InputError`` naming ``file``, the line and the problem
    for text that is not YAML and for every key repeated within a mapping."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        repeats = repeated_keys(root)
        if not repeats:
            return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(file, "<document>", f"not valid YAML ({getattr(exc, 'problem', None) or exc})", line=line) from None
    first, others = repeats[0], repeats[1:]
    message = _repeat_message(first) + "".join(f"\n  also {file}:{r.second_line}: field '{r.path}': {_repeat_message(r)}" for r in others)
    raise InputError(file, first.path, message, line=first.second_line)
