"""Every output names the tool that wrote it (network/outputs/files.py tool_stamp): JSON documents, CSV
tables with provenance, the CI check reports; the version is network.__version__, the commit is the checkout's."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

import network
from network.outputs.checks_report import CheckRecord, junit_xml, markdown_summary
from network.outputs.files import dumps_metrics, table_provenance, tool_label, tool_stamp, write_table
from network.paths import source_commit


def test_the_stamp_is_the_package_version_and_the_checkouts_commit() -> None:
    stamp = tool_stamp()
    assert stamp["tool_version"] == network.__version__
    assert stamp.get("tool_commit") == source_commit()
    assert tool_label({"tool_version": "9.1"}) == "czt-planner 9.1"
    assert tool_label({"tool_version": "9.1", "tool_commit": "0123456789abcdef"}) == "czt-planner 9.1 (commit 0123456789ab)"


def test_json_documents_carry_the_stamp_without_overriding_their_own() -> None:
    doc = json.loads(dumps_metrics({"a": 1}))
    assert doc["tool_version"] == network.__version__ and doc["a"] == 1
    assert json.loads(dumps_metrics({"tool_version": "from-the-run"}))["tool_version"] == "from-the-run"


def test_tables_with_provenance_name_the_tool(tmp_path: Path) -> None:
    prov = table_provenance(tier="embedded", snapshot="snap", definition="d")
    write_table(pd.DataFrame({"x": [1, 2]}), tmp_path / "t.csv", provenance=prov)
    t = pd.read_csv(tmp_path / "t.csv", dtype=str)
    assert set(t["tool_version"]) == {network.__version__} and set(t["snapshot"]) == {"snap"}
    assert ("tool_commit" in t.columns) == (source_commit() is not None)


def test_check_reports_name_the_tool() -> None:
    rec = [CheckRecord("s", "centre_minutes a→b car ≤ 30", True, 20.0, 30.0)]
    props = {p.get("name"): p.get("value") for p in ET.fromstring(junit_xml(rec).split("\n", 1)[1]).iter("property")}
    assert props["tool_version"] == network.__version__
    assert tool_label() in markdown_summary(rec)
