"""Write the measured tables of the README and the docs pages from the outputs of real runs (and the
curated data), so the pages are refreshed from what the tool computes and never typed by hand.

A table lives in a page between markers::

    <!-- table:surveyed -->
    _Measured by `run_scenario.py scenarios/surveyed.yaml` at `abc1234` (`outputs/surveyed/centre_minutes.csv`)._

    | from → to | ... |
    <!-- /table -->

Usage, after the runs a table needs (`./dev.sh run`, `run_scenario.py observed`, `claims`, `timeline`,
`attribution year-2023 --against year-2018`):

    .venv/bin/python tools/readme_tables.py [NAME ...]            # rewrite those tables in every page
    .venv/bin/python tools/readme_tables.py --check [NAME ...]    # exit 1 when a page differs from the run
    .venv/bin/python tools/readme_tables.py --print [NAME ...]    # print them
    options: --outputs DIR (default outputs/); --run makes the runs first (into --outputs), e.g.
    .venv/bin/python tools/readme_tables.py --run --outputs /tmp/tables   # every run, then every table

NAME: surveyed, timeline, attribution, attribution-shares, validation, validation-strata, validation-changes, claims (from runs) and projects, rail-lines (from data/). Without
names, every table whose inputs exist. A run table names the command and the commit it was measured at;
the commit changes only when the table does. The tests compare the pages with the golden headline
numbers and with the runs they make anyway (tests/test_readme.py, tests/test_api.py, the claims and
observed tests), so a change that moves a figure must refresh its page.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "outputs"
PAIRS = [("changsha", "zhuzhou"), ("zhuzhou", "changsha"), ("changsha", "xiangtan"), ("xiangtan", "changsha"), ("zhuzhou", "xiangtan"), ("xiangtan", "zhuzhou")]
TIMELINE_PAIRS = [
    ("changsha", "zhuzhou"),
    ("zhuzhou", "changsha"),
    ("changsha", "xiangtan"),
    ("xiangtan", "changsha"),
    ("zhuzhou", "xiangtan"),
    ("xiangtan", "zhuzhou"),
]
"""Every direction of the three centre pairs: a trip can be slower one way (one-way streets, timetables)."""
ZH = {"changsha": "长沙", "zhuzhou": "株洲", "xiangtan": "湘潭"}
BLOCK = re.compile(r"(<!-- table:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /table -->)", flags=re.S)
PROVENANCE = re.compile(r"^_Measured by .*?_\n\n?", flags=re.M)


def commit() -> str:
    """The short hash of the checked-out commit (what the tables were measured at)."""
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False)
    return done.stdout.strip() or "unknown"


# ------------------------------------------------------------------ tables (pure: data frame -> Markdown)


def surveyed_table(centre_minutes: pd.DataFrame, spread: pd.DataFrame | None = None) -> str:
    """The centre-to-centre table of the surveyed run (minutes to 1 decimal; ≤ 30 by the best mode); with
    ``spread`` (metrics ``centre_spread``) each cell shows, in brackets, the min–max over points within each
    centre's placement tolerance."""
    rows = ["| from → to | car (min) | transit (min) | best (min) | ≤ 30? |", "|---|---:|---:|---:|---|"]
    t = centre_minutes.set_index(["from", "to", "mode"])["minutes"]
    ranges = spread.set_index(["from", "to", "mode"]) if spread is not None else None

    def cell(a: str, b: str, m: str) -> str:
        text = f"{float(t[(a, b, m)]):.1f}"
        if ranges is None:
            return text
        r = ranges.loc[(a, b, m)]
        return f"{text} ({float(r['minutes_min']):.1f}–{float(r['minutes_max']):.1f})"

    for a, b in PAIRS:
        best = float(t[(a, b, "best")])
        rows.append(f"| {a} → {b} | {cell(a, b, 'car')} | {cell(a, b, 'transit')} | {cell(a, b, 'best')} | {'yes' if best <= 30 else 'no'} |")
    return "\n".join(rows)


def spread_line(spread: pd.DataFrame) -> str:
    """The sentence under the surveyed table saying what its brackets are, with each centre's tolerance."""
    tol = dict(zip(spread["from"], spread["from_placement_m"]))
    radii = ", ".join(f"{ZH[c]} {float(tol[c]):.0f} m" for c in ZH if c in tol)
    return (
        "In brackets: the range (min–max) over points within each centre's placement tolerance "
        f"(`placement_m` in data/centres.csv: {radii}; the centre and 16 points around it at each end, `outputs/surveyed/centre_spread.csv`)."
    )


def surveyed_markdown(centre_minutes: pd.DataFrame, index_best: float, spread: pd.DataFrame | None = None) -> str:
    """The surveyed table, what its brackets are (with ``spread``) and the index line under it."""
    line = f"Half-hour-circle index (population-weighted share of inter-city zone pairs within 30 min, best mode): {index_best:.4f}."
    note = "" if spread is None else spread_line(spread) + "\n\n"
    return surveyed_table(centre_minutes, spread) + "\n\n" + note + line


def timeline_table(minutes: pd.DataFrame, index: pd.DataFrame) -> str:
    """Best-mode centre-to-centre minutes and the half-hour-circle index by year (``timeline_minutes.csv``:
    year, from, to, mode, minutes; ``timeline_index.csv``: year, mode, half_hour_index)."""
    best = minutes[minutes["mode"] == "best"].set_index(["year", "from", "to"])["minutes"]
    idx = index[index["mode"] == "best"].set_index("year")["half_hour_index"]
    head = "| year | " + " | ".join(f"{ZH[a]}→{ZH[b]}" for a, b in TIMELINE_PAIRS) + " | index (best) |"
    rows = [head, "|---|" + "---:|" * (len(TIMELINE_PAIRS) + 1)]
    for year in sorted({int(y) for y in best.index.get_level_values(0)}):
        cells = " | ".join(f"{float(best[(year, a, b)]):.1f}" for a, b in TIMELINE_PAIRS)
        rows.append(f"| {year} | {cells} | {float(idx[year]):.4f} |")
    return "\n".join(rows)


def _num(value: object, fmt: str) -> str:
    return "—" if value is None or pd.isna(value) else format(float(value), fmt)  # type: ignore[arg-type]


def validation_table(rows: pd.DataFrame) -> str:
    """Row by row: reliability, use, observed, model, ratio, TAG and 25 % verdicts, route km against the published length."""
    out = ["| id | rel. | use | observed | model | ratio | TAG | 25 % | route km (model/published) |", "|---|---|---|---:|---:|---:|---|---|---|"]
    for _, r in rows.iterrows():
        km = f"{r['model_km']:.1f} / {r['published_km']:g}" if pd.notna(r.get("published_km")) and pd.notna(r.get("model_km")) else ""
        use = r["use"] if "use" in r and pd.notna(r["use"]) else "scored"
        out.append(
            f"| {r['id']} | {r['reliability']} | {use} | {r['observed_min']:g} | {_num(r['model_min'], '.1f')} | {_num(r['ratio'], '.2f')} | "
            f"{'yes' if r['within_tag'] else 'no'} | {'yes' if r['within_25'] else 'no'} | {km} |"
        )
    return "\n".join(out)


def strata_table(strata: pd.DataFrame) -> str:
    """The fit statistics of the scored rows, overall and per group (``strata.csv``)."""
    out = [
        "| group | rows | within TAG | within 25 % | MAPE % | bias % | slope | changes: sign agrees |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for _, r in strata.iterrows():
        changes = f"{int(r['changes_sign_agree'])}/{int(r['changes'])}" if int(r["changes"]) else "—"
        out.append(
            f"| {r['group']} | {int(r['n'])} | {int(r['within_tag'])} ({_num(100 * r['within_tag_share'], '.0f')} %) | "
            f"{int(r['within_25'])} ({_num(100 * r['within_25_share'], '.0f')} %) | {_num(r['mape_pct'], '.1f')} | "
            f"{_num(r['bias_pct'], '+.1f')} | {_num(r['slope'], '.2f')} | {changes} |"
        )
    return "\n".join(out)


def changes_table(changes: pd.DataFrame) -> str:
    """Before → after rows: the published change beside the model's (``changes.csv``)."""
    out = ["| id | use | years | observed (min) | model (min) | sign | ≥ ¼ of the size |", "|---|---|---|---|---|---|---|"]
    for _, r in changes.iterrows():
        obs = f"{r['observed_before_min']:g} → {r['observed_after_min']:g} ({r['observed_change_min']:+g})"
        mod = f"{_num(r['model_before_min'], '.1f')} → {_num(r['model_after_min'], '.1f')} ({_num(r['model_change_min'], '+.1f')})"
        out.append(
            f"| {r['id']} | {r['use']} | {r['year_before']}→{r['year']} | {obs} | {mod} | "
            f"{'agrees' if r['sign_agrees'] else '**disagrees**'} | {'yes' if r['change_quarter'] else 'no'} |"
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


def attribution_table(att: pd.DataFrame) -> str:
    """Per project: leave-one-out and add-one-in minutes summed over the six centre pairs (``attribution.csv``),
    the leave-one-out in generalized minutes beside them, then the notes where the two disagree in sign."""
    out = [
        "| rank | project | name | opened | LOO min | AOI min | car LOO | transit LOO | LOO generalized min |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for _, r in att.iterrows():
        out.append(
            f"| {r['rank']} | `{r['project']}` | {r['name_zh']} | {r['year']} | {r['loo_minutes_best_total']:.2f} | "
            f"{r['aoi_minutes_best_total']:.2f} | {r['loo_minutes_car_total']:.2f} | {r['loo_minutes_transit_total']:.2f} | "
            f"{r['loo_generalized_minutes_best_total']:.2f} |"
        )
    return "\n".join(out + _sign_notes(att))


def _sign_notes(table: pd.DataFrame) -> list[str]:
    """The ``clock_vs_generalized`` notes of an attribution or shares table, as a list under it (none: nothing)."""
    notes = [str(n) for n in table.get("clock_vs_generalized", pd.Series(dtype=object)) if isinstance(n, str) and n]
    head = (
        "Where clock and generalized minutes disagree in sign (transit paths are chosen by generalized cost and "
        "reported in clock minutes, docs/method.md; the clock minutes stay the headline):"
    )
    return ["", head, "", *(f"- {n}" for n in notes)] if notes else []


def attribution_shares_table(shares: pd.DataFrame, summary: dict[str, Any]) -> str:
    """Per item: Shapley share, effect alone and interaction part, best mode, minutes over the six centre pairs
    (``attribution_shares.csv``), then the sum that adds up to the total change (``attribution_summary.json``)."""
    out = ["| item | name | share (Shapley) | alone | interaction | share in generalized min |", "|---|---|---:|---:|---:|---:|"]
    for _, r in shares.iterrows():
        name = r["name_zh"] if r["item"] != "dated" else f"{r['name_zh']}: {r['includes']}"
        out.append(
            f"| `{r['project']}` | {name} | {r['shapley_minutes_best_total']:.2f} | {r['alone_minutes_best_total']:.2f} | "
            f"{r['interaction_minutes_best_total']:.2f} | {r['shapley_generalized_minutes_best_total']:.2f} |"
        )
    b = {k: float(summary[k]["best"]) for k in ("total_change", "sum_alone", "interactions", "unexplained", "sum_of_shares")}
    out.append("")
    out.append(
        f"Total change {b['total_change']:.2f} min = effects alone {b['sum_alone']:.2f} + interactions {b['interactions']:.2f} "
        f"+ unexplained {b['unexplained']:.2f} (the shares sum to {b['sum_of_shares']:.2f}; {summary['shapley']['how']})."
    )
    gen = summary.get("total_change_generalized")
    if gen:
        out.append("")
        out.append(
            f"In generalized minutes (the cost transit paths are chosen by; best: those of the mode it takes) the total change is "
            f"{float(gen['best']):.2f} (transit {float(gen['transit']):.2f}; the shares sum to {float(summary['sum_of_shares_generalized']['best']):.2f})."
        )
    return "\n".join(out + _sign_notes(shares))


def projects_table(projects: list[dict[str, object]]) -> str:
    """The project catalogue (data/projects.yaml): id, name, type, status, the year it counts from."""
    out = ["| id | name | type | status | year |", "|---|---|---|---|---:|"]
    for p in projects:
        year = str(p["opened"])[:4] if p.get("opened") else str(p.get("planned_year", ""))
        out.append(f"| `{p['id']}` | {p['name_zh']} | {p['type']} | {p.get('status', 'concept')} | {year} |")
    return "\n".join(out)


def rail_lines_table(lines: pd.DataFrame) -> str:
    """The rail services of data/rail_lines.csv (what ``remove_lines`` takes ids from)."""
    out = ["| line_id | name | kind | opened |", "|---|---|---|---|"]
    for _, r in lines.iterrows():
        out.append(f"| `{r['line_id']}` | {r['name_zh']} | {r['kind']} | {r['opened'] if pd.notna(r['opened']) else ''} |")
    return "\n".join(out)


def module_summary(path: Path) -> str:
    """The first sentence of a module's docstring (read with ``ast``: nothing is imported)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    first = re.sub(r"\s*\((?:see )?issues? \d+[^)]*\)", "", first)  # a reader cannot use an issue number
    return first.replace("|", "\\|")


def modules_table(package: Path) -> str:
    """Every module of the package by stage (sub-package), with the first sentence of its docstring."""
    out = ["| stage | module | what it holds |", "|---|---|---|"]
    for path in sorted(package.rglob("*.py"), key=lambda q: (len(q.relative_to(package).parts), str(q))):
        rel = path.relative_to(package.parent)
        if "__pycache__" in rel.parts:
            continue
        stage = rel.parts[1] if len(rel.parts) > 2 else "(top)"
        out.append(f"| {stage} | `{rel.as_posix()}` | {module_summary(path)} |")
    return "\n".join(out)


def stages_table(pyproject: Path, package: Path) -> str:
    """The import contract's layers, top to bottom (``[tool.importlinter]`` in pyproject.toml), each stage
    with the first sentence of its docstring (a sub-package's ``__init__``, or the module)."""
    contract = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"][0]
    out = ["| layer (imports go down only) | stage | what it holds |", "|---:|---|---|"]
    for k, layer in enumerate(contract["layers"], 1):
        for name in (n.strip() for n in layer.split("|")):
            path = package / name / "__init__.py" if (package / name).is_dir() else package / f"{name}.py"
            out.append(f"| {k} | `{name}` | {module_summary(path)} |")
    return "\n".join(out)


def commands_table(api: Path) -> str:
    """Each command of the command line and the ``network.api`` function(s) behind it (``COMMAND_FUNCTIONS``)."""
    tree = ast.parse(api.read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.AnnAssign | ast.Assign) and "COMMAND_FUNCTIONS" in ast.unparse(n).split("=")[0])
    mapping = ast.literal_eval(node.value)  # type: ignore[arg-type]
    out = ["| command | function(s) in `network.api` |", "|---|---|"]
    for command, functions in mapping.items():
        out.append(f"| `{command}` | " + ", ".join(f"`{f}`" for f in functions) + " |")
    return "\n".join(out)


# ------------------------------------------------------------------ where each table's inputs are


@dataclass(frozen=True)
class Source:
    """What a table is made from: the files it reads and, for a run, the command that wrote them."""

    files: tuple[str, ...]
    """Paths relative to the outputs folder (runs) or to the project (data: ``data/...``)."""
    command: str | None
    build: Callable[[list[Path]], str]
    run_args: tuple[str, ...] = ()
    """``run_scenario.py`` arguments that write the files into ``{out}`` (``--run``)."""


def _surveyed(paths: list[Path]) -> str:
    idx = json.loads(paths[1].read_text(encoding="utf-8"))["half_hour_index"]["best"]
    return surveyed_markdown(pd.read_csv(paths[0]), float(idx), pd.read_csv(paths[2]))


def _projects(paths: list[Path]) -> str:
    return projects_table(yaml.safe_load(paths[0].read_text(encoding="utf-8"))["projects"])


SOURCES: dict[str, Source] = {
    "surveyed": Source(("surveyed/centre_minutes.csv", "surveyed/metrics.json", "surveyed/centre_spread.csv"), "run_scenario.py scenarios/surveyed.yaml", _surveyed,
        ("surveyed", "--no-map", "--output-dir", "{out}")),
    "timeline": Source(
        ("timeline/timeline_minutes.csv", "timeline/timeline_index.csv"), "run_scenario.py timeline", lambda p: timeline_table(pd.read_csv(p[0]), pd.read_csv(p[1])),
        ("timeline", "--output-dir", "{out}"),
    ),
    "attribution": Source(
        ("year-2023/attribution.csv",), "run_scenario.py attribution year-2023 --against year-2018", lambda p: attribution_table(pd.read_csv(p[0])),
        ("attribution", "year-2023", "--against", "year-2018", "--output-dir", "{out}"),
    ),
    "attribution-shares": Source(
        ("year-2023/attribution_shares.csv", "year-2023/attribution_summary.json"),
        "run_scenario.py attribution year-2023 --against year-2018",
        lambda p: attribution_shares_table(pd.read_csv(p[0]), json.loads(p[1].read_text(encoding="utf-8"))),
        ("attribution", "year-2023", "--against", "year-2018", "--output-dir", "{out}"),
    ),
    "validation": Source(("observed/validation.csv",), "run_scenario.py observed", lambda p: validation_table(pd.read_csv(p[0])),
        ("observed", "--out", "{out}/observed")),
    "validation-strata": Source(("observed/strata.csv",), "run_scenario.py observed", lambda p: strata_table(pd.read_csv(p[0])),
        ("observed", "--out", "{out}/observed")),
    "validation-changes": Source(("observed/changes.csv",), "run_scenario.py observed", lambda p: changes_table(pd.read_csv(p[0])),
        ("observed", "--out", "{out}/observed")),
    "claims": Source(("claims/claims_audit.csv",), "run_scenario.py claims", lambda p: claims_table(pd.read_csv(p[0])),
        ("claims", "--output-dir", "{out}")),
    "projects": Source(("data/projects.yaml",), None, _projects),
    "stages": Source(("pyproject.toml", "network"), None, lambda p: stages_table(p[0], p[1])),
    "modules": Source(("network",), None, lambda p: modules_table(p[0])),
    "commands": Source(("network/api.py",), None, lambda p: commands_table(p[0])),
    "rail-lines": Source(("data/rail_lines.csv",), None, lambda p: rail_lines_table(pd.read_csv(p[0]))),
}


def source_paths(name: str, outputs: Path) -> list[Path]:
    """The files table ``name`` is made from."""
    src = SOURCES[name]
    return [ROOT / f if src.command is None else outputs / f for f in src.files]


def render(name: str, outputs: Path = OUT) -> str:
    """Table ``name`` as Markdown, from its run's outputs (or the curated data)."""
    return SOURCES[name].build(source_paths(name, outputs))


# ------------------------------------------------------------------ pages and their marked blocks


def pages() -> list[Path]:
    """The pages that may hold tables: the README and every docs page."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def block_tables(text: str, name: str) -> list[str]:
    """The table text (provenance line left out) of every ``name`` block in ``text``."""
    return [PROVENANCE.sub("", m["body"]).strip() for m in BLOCK.finditer(text) if m["name"] == name]


def block_body(name: str, table_md: str, head: str) -> str:
    """A block's body: the provenance line of a run table, then the table."""
    src = SOURCES[name]
    if src.command is None:
        return table_md.strip() + "\n"
    return f"_Measured by `{src.command}` at `{head}` (`outputs/{src.files[0]}`)._\n\n{table_md.strip()}\n"


def update_text(text: str, name: str, table_md: str, head: str) -> str:
    """``text`` with every ``name`` block holding ``table_md``; a block whose table is unchanged keeps its
    provenance line (its commit says when the figures were last measured, not when the script ran)."""

    def one(m: re.Match[str]) -> str:
        if m["name"] != name or PROVENANCE.sub("", m["body"]).strip() == table_md.strip():
            return m.group(0)
        return m.group(1) + block_body(name, table_md, head) + m.group(4)

    return BLOCK.sub(one, text)


def drifted(name: str, table_md: str, texts: dict[str, str]) -> list[str]:
    """The pages (of ``texts``: label -> text) whose ``name`` blocks differ from ``table_md``."""
    return [label for label, text in texts.items() if any(t != table_md.strip() for t in block_tables(text, name))]


def main(argv: list[str]) -> int:
    """Rewrite, check or print the tables asked for."""
    ap = argparse.ArgumentParser(prog="tools/readme_tables.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"tables: {', '.join(SOURCES)} (default: those whose inputs exist)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when a page's table differs from the run")
    mode.add_argument("--print", action="store_true", help="print the tables")
    ap.add_argument("--outputs", type=Path, default=OUT, help="the outputs folder of the runs (default: outputs/)")
    ap.add_argument("--run", action="store_true", help="first make the runs the tables need, into --outputs (the surveyed run without a map)")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in SOURCES]
    if unknown:
        print(f"unknown table(s) {unknown}; expected {list(SOURCES)}", file=sys.stderr)
        return 2
    if args.run:
        for run_args in dict.fromkeys(SOURCES[n].run_args for n in (args.names or SOURCES) if SOURCES[n].run_args):
            cmd = [sys.executable, str(ROOT / "run_scenario.py"), *(a.format(out=args.outputs) for a in run_args)]
            print("running", " ".join(cmd[1:]), file=sys.stderr)
            if subprocess.run(cmd, cwd=ROOT, check=False).returncode not in (0, 1):  # 1: a threshold or check failed, the outputs are complete
                print(f"{' '.join(run_args)} failed", file=sys.stderr)
                return 2
    names = args.names or [n for n in SOURCES if all(p.exists() for p in source_paths(n, args.outputs))]
    head = commit()
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in pages()}
    bad = 0
    for name in names:
        missing = [p for p in source_paths(name, args.outputs) if not p.exists()]
        if missing:
            print(f"{name}: {missing[0]} not found; run `{SOURCES[name].command}` first", file=sys.stderr)
            return 2
        table_md = render(name, args.outputs)
        if args.print:
            print(block_body(name, table_md, head))
        elif args.check:
            for label in drifted(name, table_md, texts):
                print(f"{label}: table '{name}' differs from its run or data; refresh it with tools/readme_tables.py {name}", file=sys.stderr)
                bad = 1
        else:
            for label, text in texts.items():
                new = update_text(text, name, table_md, head)
                if new != text:
                    (ROOT / label).write_text(new, encoding="utf-8")
                    texts[label] = new
                    print(f"{label}: table '{name}' refreshed")
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
