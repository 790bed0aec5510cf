"""Fixtures of the workbench tests: a workspace with copies of the project's scenarios, and a guarded app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the workbench needs FastAPI and uvicorn (core dependencies; a broken environment lacks them)")

from fastapi.testclient import TestClient  # noqa: E402

from network.serve.app import Settings, guarded  # noqa: E402
from network.serve.workspace import Workspace  # noqa: E402
from tools.workbench_screenshot import make_workspace  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
__all__ = ["make_workspace"]
TOKEN = "test-token-0123456789"
HOST = "127.0.0.1:8765"
AUTH = {"X-Workbench-Token": TOKEN, "Host": HOST}
NEW_ROAD = {
    "op": "append",
    "field": "add",
    "item": {"type": "new_road", "name": "长沙-株洲 direct", "path": [[112.98, 28.19], [113.13, 27.84]], "speed_kph": 100},
}


def make_client(workspace: Path, **kw: object) -> TestClient:
    """A client of the guarded app (Host and token as the page sends them)."""
    settings = Settings(workspace=Workspace.at(workspace), token=TOKEN, hosts=frozenset({HOST, "localhost:8765"}), **kw)  # type: ignore[arg-type]
    return TestClient(guarded(settings), base_url=f"http://{HOST}")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("workspace"))


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[TestClient]:
    with make_client(workspace) as c:
        yield c
