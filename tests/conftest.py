"""Shared fixtures: the surveyed network and its evaluation are built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from network.analysis.metrics import Evaluation, evaluate
from network.model.graph import NetworkState
from network.model.region import Region, load_region
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
"""Small real-data files the tests read (sources and licences in tests/fixtures/README.md)."""


@pytest.fixture(scope="session")
def region() -> Region:
    return load_region()


@pytest.fixture(scope="session")
def surveyed() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "surveyed.yaml")


@pytest.fixture(scope="session")
def surveyed_state(surveyed: Scenario) -> NetworkState:
    return resolve_state(surveyed)


@pytest.fixture(scope="session")
def surveyed_eval(surveyed_state: NetworkState, region: Region) -> Evaluation:
    return evaluate(surveyed_state, region)
