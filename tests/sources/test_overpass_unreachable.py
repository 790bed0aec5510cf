"""``network build --source overpass`` without a working server (issue 13 point 12).

Real sockets on 127.0.0.1: a port nothing listens on (connection refused), and real ``http.server``
instances that answer with errors. The build must end with one line naming the server and how to build
from a local PBF, show progress while it tries, and never print a traceback.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from network.cli.main import main

STATUS_OK = (
    "Connected as: 1\nCurrent time: 2026-11-01T00:00:00Z\nAnnounced endpoint: none\nRate limit: 2\n2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


def _refused_port() -> int:
    """A local port that refuses connections: bound once to get a free number, then closed."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


class _ErrorServer:
    """A real HTTP server on 127.0.0.1: GET /api/status answers ``status_code`` (with a valid status text
    when 200); every POST (the Overpass query) answers 500."""

    def __init__(self, status_code: int) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, code: int, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                outer.requests.append(f"GET {self.path}")
                self._answer(status_code, STATUS_OK.encode() if status_code == 200 else b"<html>Service Unavailable</html>")

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append(f"POST {self.path}")
                self._answer(500, b"<html>runtime error: out of memory</html>")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server_503() -> Iterator[_ErrorServer]:
    s = _ErrorServer(503)
    yield s
    s.close()


@pytest.fixture
def server_post_500() -> Iterator[_ErrorServer]:
    s = _ErrorServer(200)
    yield s
    s.close()


def _build(url: str, cache: Path) -> list[str]:
    return ["network", "build", "--source", "overpass", "--overpass-url", url, "--cache-dir", str(cache), "--bbox", "112.92,27.85,112.94,27.87"]


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


@pytest.mark.xdist_group("serial")  # a port found free must stay free (tests/conftest.py)
def test_refused_port_says_in_one_line_that_overpass_cannot_be_reached(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_refused_port()}/api"
    rc = main(_build(url, tmp_path))
    out, err = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out + err and "urllib3" not in err
    errors = _error_lines(err)
    assert len(errors) == 1, err
    assert url in errors[0] and "cannot be reached" in errors[0] and "connection refused" in errors[0]
    assert "--source pbf --path" in errors[0]
    # progress while it tries: one line per attempt, before the verdict
    attempts = [line for line in err.splitlines() if line.startswith("Overpass: reaching 127.0.0.1")]
    assert [a.split("(attempt ")[1][:6] for a in attempts] == ["1 of 3", "2 of 3", "3 of 3"]
    assert len(err.strip().splitlines()) == 4, err  # 3 progress lines + the error: nothing else
    assert not (tmp_path / "osm").exists()  # nothing cached


def test_server_answering_503_is_named_with_its_status(server_503: _ErrorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(_build(server_503.url, tmp_path))
    out, err = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out + err
    errors = _error_lines(err)
    assert len(errors) == 1 and "HTTP 503" in errors[0] and "--source pbf --path" in errors[0], err
    assert server_503.requests == ["GET /api/status"]


def test_download_refused_with_500_is_one_line(server_post_500: _ErrorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(_build(server_post_500.url, tmp_path))
    out, err = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out + err
    errors = _error_lines(err)
    assert len(errors) == 1 and "refused the download" in errors[0] and "500" in errors[0] and "--source pbf" in errors[0], err
    assert "POST /api/interpreter" in server_post_500.requests
