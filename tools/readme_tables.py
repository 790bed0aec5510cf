"""Print the README's measured tables (Markdown) from the outputs of real runs, so the README is refreshed
from what the tool computes and never typed by hand.

Usage, after `./dev.sh run`, `run_scenario.py observed` and `run_scenario.py claims`:
    .venv/bin/python tools/readme_tables.py [surveyed|validation|claims]
Each table names the commit it was measured at (`git rev-parse --short HEAD`). tests/test_readme.py checks
that the README's surveyed table equals the golden headline numbers, so a change that moves them must
refresh it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "outputs"
PAIRS = [("changsha", "zhuzhou"), ("zhuzhou", "changsha"), ("changsha", "xiangtan"), ("xiangtan", "changsha"), ("zhuzhou", "xiangtan"), ("xiangtan", "zhuzhou")]


def commit() -> str:
    """The short hash of the checked-out commit (what the tables were measured at)."""
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip() or "unknown"


def surveyed_table(centre_minutes: pd.DataFrame) -> str:
    """The centre-to-centre table of the surveyed run (minutes to 1 decimal; ≤ 30 by the best mode)."""
    rows = ["| from → to | car (min) | transit (min) | best (min) | ≤ 30? |", "|---|---:|---:|---:|---|"]
    t = centre_minutes.set_index(["from", "to", "mode"])["minutes"]
    for a, b in PAIRS:
        car, transit, best = (float(t[(a, b, m)]) for m in ("car", "transit", "best"))
        rows.append(f"| {a} → {b} | {car:.1f} | {transit:.1f} | {best:.1f} | {'yes' if best <= 30 else 'no'} |")
    return "\n".join(rows)


def validation_table(rows: pd.DataFrame) -> str:
    """Row by row: observed, model, ratio, TAG and 25 % verdicts, route km against the published length."""
    out = ["| id | rel. | observed | model | ratio | TAG | 25 % | route km (model/published) |", "|---|---|---:|---:|---:|---|---|---|"]
    for _, r in rows.iterrows():
        km = f"{r['model_km']:.1f} / {r['published_km']:g}" if pd.notna(r.get("published_km")) and pd.notna(r.get("model_km")) else ""
        out.append(
            f"| {r['id']} | {r['reliability']} | {r['observed_min']:g} | {r['model_min']:.1f} | {r['ratio']:.2f} | "
            f"{'yes' if r['within_tag'] else 'no'} | {'yes' if r['within_25'] else 'no'} | {km} |"
        )
    return "\n".join(out)


def claims_table(audit: pd.DataFrame) -> str:
    """One row per claim: wording, reading, year, verdict (with independence), figures, what would have to change."""
    out = ["| claim | wording | read as | year | verdict | model figures | what would have to change |", "|---|---|---|---:|---|---|---|"]
    for _, r in audit.iterrows():
        verdict = r["verdict"] + ("" if bool(r["independent"]) else "; **not independent**")
        read = f"{r['definition']} ≤ {r['threshold_minutes']:g} min, {r['mode']}, {r['period']}"
        out.append(f"| `{r['id']}` ({r['date']}) | {r['wording_zh']} | {read} | {r['year']} | {verdict} | {r['figures']} | {r['to_change']} |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Print the tables asked for (default: all three)."""
    which = argv or ["surveyed", "validation", "claims"]
    head = commit()
    for w in which:
        if w == "surveyed":
            print(f"<!-- surveyed: run_scenario.py scenarios/surveyed.yaml at {head} -->")
            print(surveyed_table(pd.read_csv(OUT / "surveyed" / "centre_minutes.csv")))
            idx = json.loads((OUT / "surveyed" / "metrics.json").read_text(encoding="utf-8"))["half_hour_index"]["best"]
            print(f"\nHalf-hour-circle index (best): {idx:.4f}.")
        elif w == "validation":
            print(f"<!-- validation: run_scenario.py observed at {head} -->")
            print(validation_table(pd.read_csv(OUT / "observed" / "validation.csv")))
        elif w == "claims":
            print(f"<!-- claims: run_scenario.py claims at {head} -->")
            print(claims_table(pd.read_csv(OUT / "claims" / "claims_audit.csv")))
        else:
            print(f"unknown table {w!r}; expected surveyed, validation or claims", file=sys.stderr)
            return 2
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
