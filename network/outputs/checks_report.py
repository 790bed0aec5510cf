"""Scenario checks for CI pipelines: JUnit XML (one test case per check) and a Markdown summary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from network.outputs.files import atomic_write_text, tool_label, tool_stamp


@dataclass(frozen=True)
class CheckRecord:
    """One check outcome, or a scenario that failed to run (``error`` set, no check)."""

    scenario: str
    description: str
    passed: bool
    value: float | None = None
    limit: float | None = None
    error: str | None = None


def junit_xml(records: list[CheckRecord], *, suite: str = "czt-scenario-checks") -> str:
    """A JUnit XML document: one <testcase> per check; a scenario that failed to run is an <error>."""
    failures = sum(1 for r in records if not r.passed and r.error is None)
    errors = sum(1 for r in records if r.error is not None)
    root = ET.Element("testsuites")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(records)), failures=str(failures), errors=str(errors))
    props = ET.SubElement(ts, "properties")
    for key, value in tool_stamp().items():
        ET.SubElement(props, "property", name=key, value=value)
    for r in records:
        tc = ET.SubElement(ts, "testcase", classname=f"scenario.{r.scenario}", name=r.description)
        if r.error is not None:
            ET.SubElement(tc, "error", message=r.error[:500]).text = r.error
        elif not r.passed:
            msg = f"{r.description}: value {r.value} exceeds {r.limit}" if r.value is not None else f"{r.description}: no value"
            ET.SubElement(tc, "failure", message=msg).text = msg
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def markdown_summary(records: list[CheckRecord]) -> str:
    """A Markdown table for a CI job summary (e.g. $GITHUB_STEP_SUMMARY)."""
    bad = [r for r in records if not r.passed]
    head = f"### Half-hour-circle scenario checks: {len(records) - len(bad)}/{len(records)} passed\n\n{tool_label()}\n\n"
    rows = ["| scenario | check | value | limit | result |", "|---|---|---:|---:|---|"]
    for r in records:
        value = "" if r.value is None else f"{r.value:.1f}"
        limit = "" if r.limit is None else f"{r.limit:g}"
        result = "✅ pass" if r.passed else ("💥 error" if r.error else "❌ fail")
        desc = (r.error or r.description).replace("|", "\\|").replace("\n", " ")
        rows.append(f"| {r.scenario} | {desc} | {value} | {limit} | {result} |")
    return head + "\n".join(rows) + "\n"


def write_check_reports(records: list[CheckRecord], *, junit_path: Path, summary_path: Path) -> None:
    """Write the checks as JUnit XML (one test case per check) and as a Markdown summary, atomically."""
    atomic_write_text(junit_path, junit_xml(records))
    atomic_write_text(summary_path, markdown_summary(records))
