"""Shared fixtures: the surveyed network and its evaluation are built once per test session (once per
worker under pytest-xdist); how tests are grouped on workers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


HEAVY_GROUPS_CPU_S: Mapping[str, float] = {
    SERIAL_GROUP: 149,
    "tests/analysis/test_claims.py": 80,
    "tests/cli/test_interrupt.py": 50,
    "tests/scenario/test_edits.py": 32,
    "tests/test_api.py": 32,
    "tests/cli/test_file_faults.py": 29,
    "tests/packaging/test_wheel.py": 23,
    "tests/routing/test_incremental.py": 21,
    "tests/packaging/test_clone.py": 19,
    "tests/cli/test_cli.py": 18,
    "tests/sources/test_osm_arrays.py": 18,
    "tests/benchmarks/test_harness.py": 17,
    "tests/model/test_road_model.py": 14,
    "tests/run/test_trust.py": 14,
    "tests/serve/test_workbench_api.py": 13,
    "tests/scenario/test_projects.py": 12,
    "tests/serve/test_workbench_property.py": 12,
    "tests/scenario/test_transit_edits.py": 11,
    "tests/routing/test_station_candidates.py": 10,
    "tests/analysis/test_attribution_shares.py": 10,
    "tests/analysis/test_observed.py": 10,
    "tests/sources/test_osm_coverage.py": 9,
    "tests/cli/test_year_warnings.py": 8,
    "tests/model/test_rail_model.py": 8,
    "tests/model/test_rail_timetable.py": 8,
}
"""The xdist groups that cost the most CPU seconds in a whole run (measured with per-test getrusage, see
docs/layout.md "How long the tests take"). Under ``--dist loadgroup`` a worker takes the next group when
it is nearly idle; pytest-xdist hands groups out by their number of tests, so a costly group with few tests
(the claims audit, the clone) started last and one worker ran alone at the end. These start first, the
costliest first (the rest keep xdist's order); a group missing here or costing more or less than written
only changes the order, never which tests run. tests/test_layout.py checks every name is a group."""


def group_order_key(scope: str) -> float:
    """Sort key of an xdist work unit (its group name): the costliest known group first."""
    return -HEAVY_GROUPS_CPU_S.get(scope, 0.0)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the heavy groups handed out first (longest first: both workers end together)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class HeaviestFirst(LoadGroupScheduling):  # type: ignore[misc]
        def _assign_work_unit(self, node: Any) -> None:
            first = min(self.workqueue, key=group_order_key)  # min is stable: ties keep xdist's order
            self.workqueue.move_to_end(first, last=False)
            super()._assign_work_unit(node)

    return HeaviestFirst(config, log)
