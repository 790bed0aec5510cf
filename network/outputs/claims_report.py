"""The claims audit as a printable HTML page (``outputs/claims/report.html``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from network import OSM_ATTRIBUTION
from network.outputs.files import atomic_write_text, tool_label
from network.outputs.report import CSS, _sources, _table, esc


def _q(value: object) -> str:
    """An escaped, double-quoted HTML attribute value."""
    return '"' + esc(value) + '"'


VERDICT_CLASS = {"supported": "yes", "partly": "partly", "not supported": "no"}


def render_claims_report(audit: pd.DataFrame, *, title: str, notes: Sequence[str] = (), definitions_html: str = "") -> str:
    """The audit table (one row per claim: wording, who, definition, year, verdict, figures, what would have to change)."""
    tier = ", ".join(sorted({str(x) for x in audit.get("tier", pd.Series(dtype=str))}))
    snap = ", ".join(sorted({str(x) for x in audit.get("snapshot", pd.Series(dtype=str))}))
    rows = []
    for r in (pd.Series(x) for x in audit.to_dict(orient="records")):
        cls = VERDICT_CLASS.get(str(r["verdict"]), "")
        indep = "" if r["independent"] is not False else "<br><b>not independent</b>: calibrated on this figure"
        rows.append(
            "<tr>"
            f"<td>{esc(r['id'])}<br><span class=meta>{esc(r['date'])}</span></td>"
            f"<td>{esc(r['wording_zh'])}<br><span class=meta>{esc(r['who'])}</span><br><a href={_q(r['source_url'])}>source</a></td>"
            f"<td>{esc(r['definition'])}<br><span class=meta>{esc(r['measure'])} · {esc(r['mode'])} · {esc(r['period'])} · ≤ {float(r['threshold_minutes']):g} min</span>"
            f"<br><span class=meta>{esc(r['reading'])}</span></td>"
            f"<td class=num>{esc(r['year'])}<br><span class=meta>{esc(r['scenario'])}</span></td>"
            f"<td class={_q(cls)}>{esc(r['verdict'])}{indep}</td>"
            f"<td>{esc(r['figures'])}</td><td>{esc(r['to_change'])}</td><td class=meta>{esc(r['calibration_note'])}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "claim",
            "wording (who, source)",
            "read as",
            "year",
            "verdict",
            "model figures",
            "what would have to change",
            "calibration",
        )
    )
    counts = audit["verdict"].value_counts().to_dict() if len(audit) else {}
    summary = " · ".join(f"{esc(k)}: {v}" for k, v in counts.items())
    body = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">network tier <b>{esc(tier)}</b> · data: {esc(snap)} · {len(audit)} claims · {summary} · {esc(tool_label())}</p>',
        "<p><b>These are potential (time-based) measures from modelled travel times, not observed commuting.</b> "
        "Each claim is measured on the network of the year it refers to, in its period, by the definition it is read as.</p>",
        '<h2 id="claims">Claims audit</h2>',
        f'<table class="claims"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>',
    ]
    if definitions_html:
        body += ['<h2 id="definitions">The definitions measured</h2>', definitions_html]
    body += [
        '<h2 id="method">Method notes</h2>',
        "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>",
        '<h2 id="sources">Data sources</h2>',
        _sources(),
        f'<p class="meta">{esc(OSM_ATTRIBUTION)}</p>',
    ]
    css = CSS + "td.partly{background:#fff3cd} table.claims{font-size:12px}"
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{css}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_claims_report(
    path: Path, audit: pd.DataFrame, *, title: str, notes: Sequence[str] = (), definitions: pd.DataFrame | None = None
) -> Path:
    """Write the claims report atomically and return its path."""
    html = _table(definitions) if definitions is not None and len(definitions) else ""
    atomic_write_text(path, render_claims_report(audit, title=title, notes=notes, definitions_html=html))
    return path
