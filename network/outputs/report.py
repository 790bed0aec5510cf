"""The scenario report: one printable HTML file with headline, tables, charts (PNG, embedded), notes.

Every value that reaches the page is HTML-escaped (titles, project names, table cells, links); charts
are matplotlib PNGs embedded as ``data:`` URIs so the file prints and travels on its own.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from network import OSM_ATTRIBUTION
from network.analysis.metrics import half_hour_index
from network.formats import esc, number, percent
from network.model.region import CITIES, city_label
from network.outputs.files import atomic_write_text, tool_label
from network.paths import DATA_DIR

MODES = ("car", "transit", "best")
HALF_HOUR_MINUTES = 30.0
MODE_COLOURS = {"car": "#d95f02", "transit": "#1b9e77", "best": "#7570b3"}

METHOD_NOTES = (
    "Times are door to door between the city centres (五一广场, 株洲中心广场, 湘潭 centre), not station to station.",
    "car: the road skeleton at class speeds for the period (expressway, urban expressway, urban arterial, rural highway), signals and toll stations as delays, connectors by area type, parking and walking at each end.",
    "transit: walk up to 1 km or a feeder bus (car speed × 0.6 + a 4-min wait) to stations, street-to-platform time by kind, first wait half the headway up to 10 min, train kinematics + dwell, transfers wait the full half headway.",
    "best: the faster of car and transit for each origin and destination.",
    "Population within 30 min: 1 km cells (census 2020 by county, disaggregated by a proxy) whose centre is reached within 30 min.",
    "Isochrones are exact unions of the 1 km cells reached within 15/30/45/60 min, so they nest and follow the travel-time grid.",
)


def _definitions(metrics: dict[str, Any]) -> str:
    """The definition of each table of the run (metrics.json ``definitions``), as a short list; the
    ``centre_spread`` definition only when the page has no placement section to show it beside its table."""
    defs = {k: v for k, v in (metrics.get("definitions") or {}).items() if not (k == "centre_spread" and metrics.get("centre_spread"))}
    if not defs:
        return ""
    items = "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in defs.items())
    return f'<details class="meta"><summary>Definitions of these figures</summary><ul>{items}</ul></details>'


def _index_definition() -> str:
    """The half-hour-circle index's definition, from metrics.half_hour_index itself (so the two never disagree)."""
    doc = (half_hour_index.__doc__ or "").strip()
    return doc.split("\n\n")[0].replace("\n", " ").strip() or "the half-hour-circle index"


def _png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _fig_png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _minutes(rows: Sequence[dict[str, Any]], a: str, b: str, mode: str) -> float | None:
    for r in rows:
        if r["from"] == a and r["to"] == b and r["mode"] == mode:
            v = r["minutes"]
            return None if v is None else float(v)
    return None


def _pairs() -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(CITIES) for b in CITIES[i + 1 :]]


def centre_minutes_chart_png(centre_minutes: Sequence[dict[str, Any]]) -> bytes:
    """Bar chart: minutes for each centre pair (worse direction) by mode, with the 30-minute line."""
    fig = Figure(figsize=(6.4, 2.8))
    ax = fig.add_subplot()
    pairs = _pairs()
    width = 0.26
    for k, mode in enumerate(MODES):
        vals = []
        for a, b in pairs:
            there, back = _minutes(centre_minutes, a, b, mode), _minutes(centre_minutes, b, a, mode)
            vals.append(max(x for x in (there, back, 0.0) if x is not None))
        xs = [i + (k - 1) * width for i in range(len(pairs))]
        ax.bar(xs, vals, width, label=mode, color=MODE_COLOURS[mode])
    ax.axhline(HALF_HOUR_MINUTES, color="black", linestyle="--", linewidth=1)
    ax.text(len(pairs) - 0.5, HALF_HOUR_MINUTES + 2, "30 min", ha="right", fontsize=8)
    ax.set_xticks(range(len(pairs)), [f"{a} – {b}" for a, b in pairs], fontsize=8)
    ax.set_ylabel("minutes (slower direction)")
    ax.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _fig_png(fig)


def population_chart_png(population_within: Sequence[dict[str, Any]]) -> bytes:
    """Stacked bars: own-city and other-city population within 30 min of each centre, by mode."""
    df = pd.DataFrame(list(population_within))
    fig = Figure(figsize=(6.4, 2.8))
    ax = fig.add_subplot()
    width = 0.26
    for k, mode in enumerate(MODES):
        sub = df[df["mode"] == mode]
        own = [float(sub[(sub["centre"] == c) & (sub["city"] == c)]["population"].sum()) / 1e6 for c in CITIES]
        other = [float(sub[(sub["centre"] == c) & (sub["city"] != c)]["population"].sum()) / 1e6 for c in CITIES]
        xs = [i + (k - 1) * width for i in range(len(CITIES))]
        ax.bar(xs, own, width, color=MODE_COLOURS[mode], label=f"{mode}: own city")
        ax.bar(xs, other, width, bottom=own, color=MODE_COLOURS[mode], alpha=0.45, hatch="//", label=f"{mode}: other cities")
    ax.set_xticks(range(len(CITIES)), [f"from {c}" for c in CITIES], fontsize=8)
    ax.set_ylabel("people within 30 min (M)")
    ax.legend(fontsize=7, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _fig_png(fig)


def timeline_chart_png(timeline: pd.DataFrame, *, mode: str = "best") -> bytes:
    """Line chart of centre-to-centre minutes by year.

    ``timeline`` needs columns year, minutes and either ``series`` (a label) or from/to (+ optional mode,
    filtered to ``mode``).
    """
    df = timeline.copy()
    if "mode" in df and "series" not in df:
        df = df[df["mode"] == mode]
    if "series" not in df:
        df["series"] = df["from"].astype(str) + " → " + df["to"].astype(str)
    fig = Figure(figsize=(6.4, 2.8))
    ax = fig.add_subplot()
    for label, sub in df.groupby("series", sort=True):
        sub = sub.sort_values("year")
        ax.plot(sub["year"], sub["minutes"], marker="o", label=str(label))
    ax.axhline(HALF_HOUR_MINUTES, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("year")
    ax.set_ylabel(f"minutes ({mode})")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _fig_png(fig)


VALIDATION_MODE_COLOURS = {
    "car": "#d95f02",
    "intercity": "#1b9e77",
    "hsr": "#e7298a",
    "metro": "#7570b3",
    "maglev": "#66a61e",
    "rail": "#a6761d",
    "bus": "#666666",
}


def validation_scatter_png(rows: pd.DataFrame) -> bytes:
    """Scatter of model against observed minutes (one point per row), the y = x line and the ±25 % band.

    ``rows`` needs id, mode, reliability, observed_min, model_min. Reliability A rows are filled circles,
    B rows open triangles; colour = mode. Rows without a model value are left out (listed in the table).
    """
    df = rows.dropna(subset=["model_min"])
    fig = Figure(figsize=(5.6, 5.0))
    ax = fig.add_subplot()
    top = max([10.0, *df["observed_min"].astype(float), *df["model_min"].astype(float)]) * 1.1
    xs = [0.0, top]
    ax.plot(xs, xs, color="black", linewidth=1, label="model = observed")
    ax.plot(xs, [0.75 * x for x in xs], color="grey", linestyle="--", linewidth=0.8, label="±25 %")
    ax.plot(xs, [1.25 * x for x in xs], color="grey", linestyle="--", linewidth=0.8)
    for (grade, mode), sub in df.groupby(["reliability", "mode"], sort=True):
        colour = VALIDATION_MODE_COLOURS.get(str(mode), "#333333")
        filled = grade == "A"
        ax.scatter(
            sub["observed_min"].astype(float),
            sub["model_min"].astype(float),
            marker="o" if filled else "^",
            s=36,
            facecolors=colour if filled else "none",
            edgecolors=colour,
            linewidths=1.2,
            label=f"{mode} ({grade})",
        )
    # label boxes and markers in axis fractions (x0, y0, x1, y1): a label moves up until it overlaps neither
    placed = [
        (o / top - 0.012, m / top - 0.012, o / top + 0.012, m / top + 0.012)
        for o, m in zip(df["observed_min"].astype(float), df["model_min"].astype(float))
    ]
    for r in df.sort_values(["model_min", "observed_min"]).to_dict(orient="records"):
        x, y = float(r["observed_min"]), float(r["model_min"])
        fx, fy = x / top + 0.012, y / top - 0.008
        w, h = 0.0105 * len(str(r["id"])), 0.024
        while any(fx < b[2] and fx + w > b[0] and fy < b[3] and fy + h > b[1] for b in placed):
            fy += h
        placed.append((fx, fy, fx + w, fy + h))
        moved = fy - (y / top - 0.008) > 1e-9
        ax.annotate(
            str(r["id"]),
            (x, y),
            xytext=(fx * top, fy * top),
            textcoords="data",
            fontsize=6,
            arrowprops={"arrowstyle": "-", "color": "#999999", "linewidth": 0.5} if moved else None,
        )
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("observed (published) minutes")
    ax.set_ylabel("model minutes")
    ax.set_title("observed vs model (A = filled circles: fitted; B = open triangles: claims)", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _fig_png(fig)


def validation_section_html(
    *,
    rows: pd.DataFrame,
    strata: pd.DataFrame,
    changes: pd.DataFrame,
    tier: str,
    snapshot: str,
    scatter_png: bytes,
    definitions: dict[str, str] | None = None,
    thresholds: dict[str, float] | None = None,
) -> str:
    """The report section "Validation against published journey times": strata, rows, changes, scatter.

    ``thresholds`` (e.g. {"within_25_share": 0.85, "within_tag_share": 0.60}) are shown as met or not.
    Every cell is escaped.
    """
    allrow = strata[strata["group"] == "all"].iloc[0] if (strata["group"] == "all").any() else None
    parts = ['<h2 id="validation">Validation against published journey times</h2>']
    parts.append(f'<p class="meta">network tier <b>{esc(tier)}</b> · data: {esc(snapshot)} · {esc(OSM_ATTRIBUTION)}</p>')
    if allrow is not None:
        tag_share = float(allrow["within_tag_share"])
        verdict = "meets" if tag_share > 0.85 else "does not meet"
        parts.append(
            f'<p class="summary">{int(allrow["within_25"])} of {int(allrow["n"])} rows within 25 % ({percent(allrow["within_25_share"])}); '
            f"{int(allrow['within_tag'])} within the TAG 15 % / 1 min criterion ({percent(tag_share)}): {verdict} TAG M3.1 (> 85 % of routes).</p>"
        )
        if thresholds:
            checks = []
            for key, limit in thresholds.items():
                val = allrow.get(key)
                ok = val is not None and not (isinstance(val, float) and math.isnan(val)) and float(val) >= limit
                checks.append(f"{esc(key)} {percent(val)} ≥ {percent(limit)}: {'met' if ok else 'NOT met'}")
            parts.append(f"<p>CI thresholds: {' · '.join(checks)}</p>")
    shown = pd.DataFrame(
        {
            "group": strata["group"],
            "rows": strata["n"],
            "within TAG": [f"{int(a)} ({percent(b)})" for a, b in zip(strata["within_tag"], strata["within_tag_share"])],
            "within 25 %": [f"{int(a)} ({percent(b)})" for a, b in zip(strata["within_25"], strata["within_25_share"])],
            "MAPE %": [number(v) for v in strata["mape_pct"]],
            "bias %": [number(v) for v in strata["bias_pct"]],
            "bias min": [number(v) for v in strata["bias_minutes"]],
            "slope": [number(v, 2) for v in strata["slope"]],
            "changes: sign agrees": [
                f"{int(b)}/{int(a)}" if int(a) else "—" for a, b in zip(strata["changes"], strata["changes_sign_agree"])
            ],
        }
    )
    parts += [
        "<h3>Fit by group (reliability A rows are fitted; B rows are claims, reported only)</h3>",
        _table(shown, cls="validation-strata"),
    ]
    per_row = pd.DataFrame(
        {
            "id": rows["id"],
            "rel.": rows["reliability"],
            "mode · measure": rows["mode"] + " · " + rows["measure"].str.replace("_", " "),
            "year, period": rows["year"].astype(str)
            + " "
            + rows["period"].str.replace("_", "-")
            + [f" ({p})" if p else "" for p in rows["pattern"]],
            "observed": [number(v) for v in rows["observed_min"]],
            "model": [number(v) for v in rows["model_min"]],
            "ratio": [number(v, 2) for v in rows["ratio"]],
            "TAG": ["✓" if bool(v) else "✗" for v in rows["within_tag"]],
            "25 %": ["✓" if bool(v) else "✗" for v in rows["within_25"]],
            "km model / published": [
                f"{number(a)} / {number(b)}" if number(b) != "—" else "" for a, b in zip(rows["model_km"], rows["published_km"])
            ],
            "length check": rows["length_check"],
        }
    )
    parts += ["<h3>Row by row (minutes)</h3>", _table(per_row, cls="validation-rows")]
    if len(changes):
        ch = pd.DataFrame(
            {
                "id": changes["id"],
                "rel.": changes["reliability"],
                "years": changes["year_before"].astype(str) + " → " + changes["year"].astype(str),
                "observed": [
                    f"{number(a)} → {number(b)} ({number(c, 1, sign=True)})"
                    for a, b, c in zip(changes["observed_before_min"], changes["observed_after_min"], changes["observed_change_min"])
                ],
                "model": [
                    f"{number(a)} → {number(b)} ({number(c, 1, sign=True)})"
                    for a, b, c in zip(changes["model_before_min"], changes["model_after_min"], changes["model_change_min"])
                ],
                "sign": ["agrees" if bool(v) else "DISAGREES" for v in changes["sign_agrees"]],
                "note": changes["note"],
            }
        )
        parts += ["<h3>Before → after changes (minutes)</h3>", _table(ch, cls="validation-changes")]
    parts.append(f'<img class="chart" alt="observed vs model journey times" src="{_png_data_uri(scatter_png)}">')
    legs = rows[["id", "legs", "note"]]
    parts += ["<h3>The legs that explain each row (* = counted in the measure)</h3>", _table(legs, cls="validation-legs")]
    if definitions:
        parts += ["<h3>Definitions</h3>", "<ul>" + "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in definitions.items()) + "</ul>"]
    return "\n".join(parts)


def render_validation_page(section_html: str, *, title: str = "Chang-Zhu-Tan planner: model validation") -> str:
    """A standalone printable page around ``validation_section_html``."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n<h1>{esc(title)}</h1>\n{section_html}\n"
        f'<p class="meta">{esc(OSM_ATTRIBUTION)} · {esc(tool_label())}</p>\n</body></html>\n'
    )


def _table(df: pd.DataFrame, *, cls: str = "") -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if isinstance(v, int | float) else ''}>{esc(v)}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False, name=None)
    )
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _headline(metrics: dict[str, Any], base_metrics: dict[str, Any] | None) -> str:
    rows = metrics["centre_minutes"]
    cells = []
    yes_any = []
    for a, b in _pairs():
        tds = []
        for mode in MODES:
            vals = [v for v in (_minutes(rows, a, b, mode), _minutes(rows, b, a, mode)) if v is not None]
            worst = max(vals) if vals else None
            ok = worst is not None and worst <= HALF_HOUR_MINUTES
            if ok:
                yes_any.append(f"{city_label(a)} – {city_label(b)} by {mode}")
            delta = ""
            if base_metrics is not None:
                bvals = [
                    v
                    for v in (_minutes(base_metrics["centre_minutes"], a, b, mode), _minutes(base_metrics["centre_minutes"], b, a, mode))
                    if v is not None
                ]
                if bvals and worst is not None:
                    delta = f" <span class=delta>({worst - max(bvals):+.1f} vs base)</span>"
            tds.append(f'<td class="{"yes" if ok else "no"}">{"✓ yes" if ok else "✗ no"} · {number(worst)} min{delta}</td>')
        cells.append(f"<tr><th>{esc(city_label(a))} ↔ {esc(city_label(b))}</th>{''.join(tds)}</tr>")
    summary = (
        "Within 30 minutes: " + esc(", ".join(yes_any)) + "."
        if yes_any
        else "No pair of city centres is within 30 minutes of each other by any mode."
    )
    hhi = metrics.get("half_hour_index", {})
    idx = " · ".join(f"{esc(m)} {float(hhi[m]):.4f}" for m in MODES if m in hhi)
    return (
        f'<p class="summary">{summary}</p>'
        f"<table><thead><tr><th>centre pair (slower direction)</th>{''.join(f'<th>{m}</th>' for m in MODES)}</tr></thead>"
        f"<tbody>{''.join(cells)}</tbody></table>"
        f"<p>Half-hour-circle index by mode: {idx}<br><span class=meta>{esc(_index_definition())}</span></p>"
    )


def _placement(metrics: dict[str, Any]) -> str:
    """How much the headline depends on where the centre points are placed (metrics ``centre_spread``): per
    ordered pair and mode, the centre-to-centre minutes with the min–max (and median) over points within
    each centre's placement tolerance; '' for metrics without it."""
    rows = metrics.get("centre_spread") or []
    if not rows:
        return ""
    by = {(r["from"], r["to"], r["mode"]): r for r in rows}
    tol = {r["from"]: r["from_placement_m"] for r in rows}
    body = ""
    for a in CITIES:
        for b in CITIES:
            if a == b:
                continue
            tds = ""
            for mode in MODES:
                r = by.get((a, b, mode))
                if r is None:
                    tds += "<td>—</td>"
                    continue
                tds += (
                    f'<td class="num">{number(r["minutes_centre"])} <span class=delta>({number(r["minutes_min"])}–{number(r["minutes_max"])}; '
                    f"median {number(r['minutes_median'])})</span></td>"
                )
            body += f"<tr><th>{esc(city_label(a))} → {esc(city_label(b))}</th>{tds}</tr>"
    radii = ", ".join(f"{esc(city_label(c))} {number(tol.get(c), 0)} m" for c in CITIES if c in tol)
    return (
        f"<p>Each centre is a point placed within a tolerance ({radii}; data/centres.csv <code>placement_m</code>). "
        "Minutes at the centre, with the range (min–max, median) over points within each end's tolerance:</p>"
        f"<table><thead><tr><th>from → to</th>{''.join(f'<th>{m}</th>' for m in MODES)}</tr></thead><tbody>{body}</tbody></table>"
        f'<p class="meta">{esc(metrics.get("definitions", {}).get("centre_spread", ""))}</p>'
    )


def _matrix(metrics: dict[str, Any]) -> str:
    rows = metrics["centre_minutes"]
    out = []
    for mode in MODES:
        head = "".join(f"<th>to {esc(city_label(c))}</th>" for c in CITIES)
        body = ""
        for a in CITIES:
            tds = ""
            for b in CITIES:
                v = 0.0 if a == b else _minutes(rows, a, b, mode)
                cls = "diag" if a == b else ("yes" if v is not None and v <= HALF_HOUR_MINUTES else "no")
                tds += f'<td class="num {cls}">{"—" if a == b else number(v)}</td>'
            body += f"<tr><th>from {esc(city_label(a))}</th>{tds}</tr>"
        out.append(
            f'<div class="matrix"><h3>{esc(mode)} (minutes)</h3><table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table></div>'
        )
    return "".join(out)


def _population(metrics: dict[str, Any]) -> str:
    df = pd.DataFrame(metrics["population_within_30"])
    rows = []
    for c in CITIES:
        for mode in MODES:
            sub = df[(df["centre"] == c) & (df["mode"] == mode)]
            own = sub[sub["city"] == c]
            other = sub[sub["city"] != c]
            rows.append(
                {
                    "centre": city_label(c),
                    "mode": mode,
                    "own city within 30 min": f"{int(own['population'].sum()):,}",
                    "own share": f"{float(own['share'].sum()):.0%}",
                    "other two cities within 30 min": f"{int(other['population'].sum()):,}",
                }
            )
    return _table(pd.DataFrame(rows))


def _edits(metrics: dict[str, Any]) -> str:
    """The scenario's hand-written edits (metrics ``edits``): name, type, drawn length, what each changed."""
    rows = [
        {
            "edit": e.get("name"),
            "type": e.get("type"),
            "drawn km": f"{float(e['length_km']):.1f}" if e.get("length_km") is not None else None,
            "what it changed": e.get("summary"),
            "from": "base scenario" if e.get("inherited") else "this scenario",
            "warning": e.get("warning") or "",
        }
        for e in metrics.get("edits") or []
    ]
    return _table(pd.DataFrame(rows), cls="edits")


def _sources() -> str:
    items = [f"Road and rail geometry {OSM_ATTRIBUTION} (ODbL), via scgraph-data (MIT)."]
    snap = DATA_DIR / "snapshot.json"
    if snap.exists():
        try:
            doc = json.loads(snap.read_text(encoding="utf-8"))
            items += [f"{k}: {v}" for k, v in doc.items() if isinstance(v, str)]
        except json.JSONDecodeError:
            pass
    items.append("Every curated item and inference: data/SOURCES.md in the planner's repository.")
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


CSS = """
body{font:14px/1.45 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:2px;margin-top:22px} h3{font-size:14px;margin:6px 0}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px} th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
td.num{text-align:right} td.yes{background:#e5f5e0} td.no{background:#fde0dd} td.diag{color:#999}
.meta{color:#555;font-size:12px} .summary{font-size:16px;font-weight:600} .delta{color:#555;font-size:11px}
.matrix{display:inline-block;margin-right:14px;vertical-align:top} img.chart{max-width:100%;height:auto;border:0}
@media print{body{margin:0;max-width:none} a{color:#000} h2{break-after:avoid} table,img,.matrix{break-inside:avoid}}
"""


@dataclass(frozen=True)
class ReportParts:
    """The optional parts of a scenario report (see :func:`write_report`).

    ``map_href``: link to the map, relative to the report (``relative_href(map_path, report_path)``);
    ``timeline_png``: a ready chart (file or PNG bytes), else ``timeline`` (year, minutes, series or
    from/to[/mode]) is drawn; ``attribution``: any table (e.g. project, minutes saved, population gained),
    every cell escaped; ``base_metrics``: a base scenario's metrics (the headline then shows the change in
    minutes); ``notes``: extra method notes (escaped); ``validation_html``: the section from
    ``validation_section_html`` (validation against published times).
    """

    map_href: str | None = None
    timeline_png: Path | bytes | None = None
    timeline: pd.DataFrame | None = None
    attribution: pd.DataFrame | None = None
    base_metrics: dict[str, Any] | None = None
    notes: Sequence[str] = ()
    validation_html: str | None = None


def render_report(*, scenario_title: str, metrics: dict[str, Any], parts: ReportParts = ReportParts()) -> str:
    """The report page as a string (see ``write_report``)."""
    map_href, timeline_png, timeline, attribution = parts.map_href, parts.timeline_png, parts.timeline, parts.attribution
    base_metrics, notes, validation_html = parts.base_metrics, parts.notes, parts.validation_html
    net = metrics.get("network", {})
    sections = [
        f"<h1>{esc(scenario_title)}</h1>",
        f'<p class="meta">scenario <code>{esc(metrics.get("scenario"))}</code> · '
        + (f"year {esc(metrics.get('year'))}" if metrics.get("year") is not None else "as surveyed (no catalogue year)")
        + f" · period {esc(metrics.get('period'))} · "
        f"network tier <b>{esc(net.get('tier'))}</b> · data: {esc(net.get('snapshot'))} · {esc(tool_label(metrics))}"
        + (f" · compared with base <code>{esc(base_metrics.get('scenario'))}</code>" if base_metrics else "")
        + "</p>",
        _definitions(metrics),
        '<h2 id="headline">Headline: is each pair of centres within 30 minutes?</h2>',
        _headline(metrics, base_metrics),
        *(['<h2 id="placement">How much the headline depends on where the centre points are placed</h2>', _placement(metrics)] if metrics.get("centre_spread") else []),
        f'<img class="chart" alt="centre-to-centre minutes by mode" src="{_png_data_uri(centre_minutes_chart_png(metrics["centre_minutes"]))}">',
        '<h2 id="matrix">Centre-to-centre matrix</h2>',
        _matrix(metrics),
        '<h2 id="population">Population within 30 minutes of each centre</h2>',
        _population(metrics),
        f'<img class="chart" alt="population within 30 minutes" src="{_png_data_uri(population_chart_png(metrics["population_within_30"]))}">',
    ]
    if metrics.get("edits"):
        sections += ['<h2 id="edits">Edits this scenario makes (add, remove_lines)</h2>', _edits(metrics)]
    png: bytes | None = None
    if isinstance(timeline_png, bytes):
        png = timeline_png
    elif timeline_png is not None:
        png = Path(timeline_png).read_bytes()
    elif timeline is not None and len(timeline):
        png = timeline_chart_png(timeline)
    if png is not None:
        sections += ['<h2 id="timeline">Timeline</h2>', f'<img class="chart" alt="timeline" src="{_png_data_uri(png)}">']
    if attribution is not None and len(attribution):
        sections += ['<h2 id="attribution">What each project contributes</h2>', _table(attribution, cls="attribution")]
    if validation_html:
        sections.append(validation_html)
    if map_href:
        sections += [
            '<h2 id="map">Map</h2>',
            f'<p>Isochrones, rail and zones: <a id="map-link" href="{esc(map_href)}">{esc(map_href)}</a> (opens the interactive map).</p>',
        ]
    sections += [
        '<h2 id="method">Method notes</h2>',
        "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in (*METHOD_NOTES, _index_definition(), *notes)) + "</ul>",
        '<h2 id="sources">Data sources</h2>',
        _sources(),
        f'<p class="meta">{esc(metrics.get("attribution", OSM_ATTRIBUTION))}</p>',
    ]
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(scenario_title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def write_report(path: Path, *, scenario_title: str, metrics: dict[str, Any], parts: ReportParts = ReportParts()) -> Path:
    """Write the report atomically to ``path`` and return it.

    Parameters
    ----------
    scenario_title : user text (escaped).
    metrics : the scenario's metrics dict (``runner.scenario_metrics``).
    parts : the map link, timeline, attribution table, base metrics, notes and validation section (:class:`ReportParts`).
    """
    atomic_write_text(path, render_report(scenario_title=scenario_title, metrics=metrics, parts=parts))
    return path


def relative_href(target: Path, report_path: Path) -> str:
    """A URL path from the report's folder to ``target`` (forward slashes)."""
    return Path(os.path.relpath(Path(target).resolve(), Path(report_path).resolve().parent)).as_posix()
