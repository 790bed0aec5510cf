"""Shared fixtures: the surveyed network and its evaluation are built once per test session (once per
worker under pytest-xdist); how tests are grouped on workers."""

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


SERIAL_GROUP = "serial"
"""xdist group of the tests that must not run beside each other: a Dask cluster, process pools, SIGKILL
timing, headless browsers, a port found free then refused. They share one worker, one at a time."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``pytest -n N --dist loadgroup`` (``./dev.sh test``) a module's tests go to one worker, so its
    module-scoped fixtures are built once; a test marked ``xdist_group(SERIAL_GROUP)`` keeps that group."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker under ``--dist loadgroup``, pytest-xdist appends each test's group to its node id
    (``...::test@group``); the controller schedules by that suffix. pytest 9.2 made ``Item.nodeid`` ignore
    it, so every test became its own unit: module fixtures were built on both workers (the claims audit twice,
    200 s each) and the 'serial' group ran beside itself. Fail the run rather than lose the grouping again."""
    if getattr(session.config.option, "loadgroup", False):
        lost = [item.nodeid for item in session.items if "@" not in item.nodeid]
        if lost:
            raise pytest.UsageError(
                f"pytest-xdist --dist loadgroup ignores xdist_group here ({len(lost)} tests without a group, "
                f"e.g. {lost[0]}): use a pytest that keeps Item.nodeid settable (pyproject.toml pins pytest<9.2)"
            )
