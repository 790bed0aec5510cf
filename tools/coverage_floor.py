"""Fail when any module of the package is less covered by the tests than the floor.

``./dev.sh test`` (hence CI) runs the whole suite under pytest-cov, writes ``coverage.json`` and calls
this with the floor from pyproject.toml (``[tool.czt.coverage] module_floor``); it prints the lowest
modules and exits 1 when one is below the floor. Usage::

    python tools/coverage_floor.py coverage.json [--floor PERCENT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def configured_floor() -> float:
    """The per-module floor (percent of statements) set in pyproject.toml."""
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return float(doc["tool"]["czt"]["coverage"]["module_floor"])


def module_coverage(report: dict[str, object]) -> dict[str, float]:
    """Percent of statements covered per module of ``network/`` (a coverage.py JSON report)."""
    files = report["files"]
    assert isinstance(files, dict)
    out = {}
    for name, data in files.items():
        path = Path(name).as_posix()
        if "network/" in path:
            out[path[path.index("network/") :]] = float(data["summary"]["percent_covered"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("report", type=Path, help="coverage.py JSON report (pytest --cov-report=json:PATH)")
    ap.add_argument("--floor", type=float, default=None, help="percent (default: pyproject.toml [tool.czt.coverage] module_floor)")
    args = ap.parse_args(argv)
    floor = args.floor if args.floor is not None else configured_floor()
    cov = module_coverage(json.loads(args.report.read_text(encoding="utf-8")))
    if not cov:
        print(f"{args.report}: no module of network/ in the report", file=sys.stderr)
        return 1
    low = sorted(cov.items(), key=lambda kv: kv[1])
    print(f"per-module coverage: {len(cov)} modules, lowest {low[0][1]:.0f}% ({low[0][0]}), floor {floor:g}%")
    for name, pct in low[:10]:
        print(f"  {pct:5.1f}%  {name}")
    below = [(n, p) for n, p in low if p < floor]
    for name, pct in below:
        print(f"FAIL {name}: {pct:.1f}% of statements covered < {floor:g}%", file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
