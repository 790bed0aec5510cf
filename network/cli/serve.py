"""``run_scenario.py serve``: the workbench, a local web page to edit and compare scenarios (network.serve)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from network.cli.commands import command


def default_workspace(cwd: Path) -> Path:
    """``<cwd>/scenarios`` when it is a folder (a checkout, a planner's project), else ``cwd``: never the package's own files."""
    return cwd / "scenarios" if (cwd / "scenarios").is_dir() else cwd


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port 0-65535 (0: any free port), got {text!r}")
    return n


@command("serve", "the workbench: a local web page to draw edits, compare scenarios and see the half-hour circle change")
def configure_serve(ap: argparse.ArgumentParser) -> None:
    """Options of ``run_scenario.py serve``."""
    ap.epilog = "Example: run_scenario.py serve --workspace my-scenarios/ (then open the address it prints)"
    ap.add_argument("--port", type=_port, default=8765, help="TCP port (default 8765; 0 = any free port)")
    ap.add_argument(
        "--workspace", type=Path, default=None, help="folder of scenario YAML files the page opens and saves (default: ./scenarios if it exists, else the current folder)"
    )
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another needs --allow-remote)")
    ap.add_argument("--allow-remote", action="store_true", help="allow --host other than this machine (prints a warning)")
    ap.add_argument("--max-tabs", type=int, default=6, help="tabs held in memory at most (the least recently used is forgotten; its YAML stays autosaved)")
    ap.add_argument("--basemap", choices=["none", "osm"], default="none", help="map tiles: none (default, works offline) or osm (from the web)")
    ap.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Run ``serve`` until Ctrl-C; returns the exit code."""
    try:  # FastAPI and uvicorn are core dependencies, imported only by this command
        from network.serve.server import serve
    except ImportError as exc:  # a broken environment: say which library and how to mend it
        print(f"error: the workbench needs {exc.name}, a dependency of czt-planner that is missing here: pip install czt-planner (or: pip install {exc.name})", file=sys.stderr)
        return 2
    workspace = args.workspace if args.workspace is not None else default_workspace(Path.cwd())
    return serve(workspace=workspace, host=args.host, port=args.port, allow_remote=args.allow_remote, max_tabs=args.max_tabs, basemap=args.basemap)
