"""Start the workbench: bind 127.0.0.1 (another address only when asked, with a warning), print the page's
address with this launch's token, serve until Ctrl-C."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from network._errors import InputError
from network.serve.app import Settings, guarded
from network.serve.guard import new_token
from network.serve.workspace import Workspace

__all__ = ["Launch", "bind", "serve"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Launch:
    """Where the workbench listens and the address to open."""

    host: str
    port: int
    token: str
    url: str


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError("serve", "--port", f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(*, workspace: Path, host: str = "127.0.0.1", port: int = 8765, allow_remote: bool = False, max_tabs: int = 6, basemap: str = "none") -> int:
    """Run the workbench until interrupted (Ctrl-C: the command line then exits 130, as every command does); 0."""
    ws = Workspace.at(workspace)
    if not is_loopback(host):
        if not allow_remote:
            raise InputError("serve", "--host", f"got {host!r}: the workbench listens on 127.0.0.1 only; add --allow-remote to listen on another address")
        print(
            f"WARNING: listening on {host}: anyone who can reach this address and has the token can read and write scenario files in {ws.root}",
            file=sys.stderr,
        )
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    token = new_token()
    shown = f"[{host}]" if ":" in host else host
    hosts = {f"127.0.0.1:{bound}", f"localhost:{bound}", f"{shown}:{bound}"}
    settings = Settings(workspace=ws, token=token, hosts=frozenset(hosts), max_tabs=max_tabs, basemap=basemap)  # type: ignore[arg-type]
    page_host = "127.0.0.1" if is_loopback(host) else shown
    url = f"http://{page_host}:{bound}/?token={token}"
    print(f"workbench: {url}\n  workspace {ws.root}; Ctrl-C stops it", flush=True)
    config = uvicorn.Config(guarded(settings), log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down on Ctrl-C, then re-raises it for the caller: the stop asked for
        pass
    finally:
        sock.close()
    print("workbench stopped", flush=True)
    return 0
