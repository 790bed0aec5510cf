"""Regression guard for our own numbers: headline metrics of the shipped scenarios vs a golden file.

Update after a deliberate change (one command, documented in the README):

    .venv/bin/python -m network.run.golden --update
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from network.paths import SCENARIO_DIR, checkout_dir
from network.run.runner import scenario_metrics
from network.scenario.schema import load_scenario

GOLDEN_PATH = (checkout_dir() or Path.cwd()) / "tests" / "golden" / "headline_metrics.json"
"""The committed headline numbers (a developer tool: the checkout's tests/golden, else ./tests/golden)."""
TOLERANCE_MINUTES = 0.5
TOLERANCE_INDEX = 0.002


def headline(metrics: dict[str, Any]) -> dict[str, float]:
    """The numbers a planning document quotes: centre minutes per pair/mode and the index per mode."""
    out = {f"{r['from']}->{r['to']}:{r['mode']}": float(r["minutes"]) for r in metrics["centre_minutes"]}
    out.update({f"index:{m}": float(v) for m, v in metrics["half_hour_index"].items()})
    return out


def current_headlines(scenario_dir: Path = SCENARIO_DIR) -> dict[str, dict[str, float]]:
    """Headline numbers of every scenario in ``scenario_dir``, computed now."""
    out = {}
    for path in sorted(scenario_dir.glob("*.yaml")):
        sc = load_scenario(path)
        metrics, _, _ = scenario_metrics(sc, file=str(path))
        out[sc.name] = headline(metrics)
    return out


def differences(golden: dict[str, dict[str, float]], current: dict[str, dict[str, float]]) -> list[str]:
    """Human-readable list of headline numbers that moved beyond tolerance (or appeared/vanished)."""
    problems = []
    for name in sorted(set(golden) | set(current)):
        if name not in current:
            problems.append(f"{name}: in the golden file but no longer a shipped scenario")
            continue
        if name not in golden:
            problems.append(f"{name}: new scenario, not in the golden file")
            continue
        for key in sorted(set(golden[name]) | set(current[name])):
            g, c = golden[name].get(key), current[name].get(key)
            if g is None or c is None:
                problems.append(f"{name} {key}: golden {g}, now {c}")
                continue
            tol = TOLERANCE_INDEX if key.startswith("index") else TOLERANCE_MINUTES
            if abs(g - c) > tol:
                problems.append(f"{name} {key}: golden {g}, now {c} (tolerance {tol})")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Compare (or with ``--update`` rewrite) the golden headline numbers; returns the exit code."""
    ap = argparse.ArgumentParser(prog="python -m network.run.golden", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update", action="store_true", help="rewrite the golden file from the current code and data")
    args = ap.parse_args(argv)
    current = current_headlines()
    if args.update:
        GOLDEN_PATH.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN_PATH.write_text(json.dumps(current, sort_keys=True, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN_PATH} ({len(current)} scenarios)")
        return 0
    golden = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    problems = differences(golden, current)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
