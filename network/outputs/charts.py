"""Charts (PNG) of the timeline and of a definition's series by year: matplotlib, loaded only to draw one."""

from __future__ import annotations

import os
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from network.analysis.compare import slower_direction
from network.analysis.metrics import HALF_HOUR_MINUTES
from network.model.graph import MODES


def timeline_chart(minutes: pd.DataFrame, index: pd.DataFrame, path: Path, *, title: str = "Chang-Zhu-Tan half-hour circle") -> Path:
    """PNG: centre-to-centre minutes per mode by year against the 30-minute line, and the index."""
    import matplotlib  # heavy (plotting): loaded only to draw a chart

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # heavy (plotting): loaded only to draw a chart

    use_cjk_font()
    fig, axes = plt.subplots(1, 4, figsize=(16, 4.2), sharex=True)
    for ax, mode in zip(axes[:3], MODES):
        sub = minutes[minutes["mode"] == mode]
        for a, b, s in slower_direction(sub):
            ax.plot(s["year"], s["minutes"], marker="o", label=f"{a}–{b}")
        ax.axhline(HALF_HOUR_MINUTES, color="red", linestyle="--", linewidth=1)
        ax.text(ax.get_xlim()[0], HALF_HOUR_MINUTES + 1, "30 min", color="red", fontsize=8)
        ax.set_title(f"{mode}: centre-to-centre minutes,\nthe slower direction of each pair", fontsize=9)
        ax.set_ylim(0, max(120.0, float(sub["minutes"].max()) * 1.05))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower left")
    ax = axes[3]
    for mode in MODES:
        s = index[index["mode"] == mode].sort_values("year")
        ax.plot(s["year"], s["half_hour_index"], marker="o", label=mode)
    top = float(index["half_hour_index"].max())
    ax.set_ylim(0, max(0.01, top * 1.25))
    ax.set_title("half-hour-circle index (share of inter-city\nzone pairs within 30 min, pop.-weighted)", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    years = sorted(int(y) for y in minutes["year"].unique())
    for a in axes:
        a.set_xticks(years)
        a.set_xticklabels([str(y) for y in years], fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(path)
    return path


def use_cjk_font() -> None:
    """Prefer an installed CJK font so Chinese titles render (falls back silently)."""
    from matplotlib import font_manager, rcParams  # heavy (plotting): loaded only to draw a chart

    for name in ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "AR PL UMing CN", "Droid Sans Fallback"):
        if any(f.name == name for f in font_manager.fontManager.ttflist):
            rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
            return


def _common_prefix(names: list[str]) -> str:
    """The words all ``names`` start with (to say once, above the chart), ending at a space."""
    if len(names) < 2:
        return ""
    prefix = os.path.commonprefix(names)
    return prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""


def year_change_lines(steps: pd.DataFrame, series: set[str], years: list[int], *, top: int = 4) -> list[str]:
    """One line per year with a change: the items (projects, the remainder) with the largest effect on
    ``series``, summed over the series as absolute minutes, largest first; items with no effect left out."""
    lines = []
    st = steps[steps["series"].isin(series)]
    for y in years:
        s = st[(st["year"] == y) & st["item"].notna()]
        if not len(s):
            continue
        agg = s.groupby("item")["effect"].apply(lambda e: float(np.nansum(np.abs(e)))).sort_values(ascending=False)
        agg = agg[agg > 0.005]
        text = "; ".join(f"{k} {v:.2f}" for k, v in agg.head(top).items()) or "no change"
        more = f" (+{len(agg) - top} more)" if len(agg) > top else ""
        lines.append(f"{y}: {text}{more}")
    return lines


def definition_chart(values: pd.DataFrame, steps: pd.DataFrame, path: Path, *, title: str) -> Path:
    """PNG: each headline series over the years, the legend under the chart, and under it each year's
    change with the items that made it (sum of absolute effects over the series, in the series' unit)."""
    import matplotlib  # heavy (plotting): loaded only to draw a chart

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # heavy (plotting): loaded only to draw a chart

    use_cjk_font()
    units = sorted(set(values["unit"]))
    years = sorted(int(y) for y in values["year"].dropna().unique())
    blocks = []
    for unit in units:
        sub = values[values["unit"] == unit]
        names = sorted(str(x) for x in sub["series"].unique())
        blocks.append((unit, sub, names, year_change_lines(steps, set(names), years)))
    heights = [3.6 + 0.18 * (len(n) + 1) / 2 + 0.2 * len(lines) for _, _, n, lines in blocks]
    fig, axes = plt.subplots(len(units), 1, figsize=(11, sum(heights) + 0.8), squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, (unit, sub, names, lines) in zip(axes[:, 0], blocks):
        prefix = _common_prefix(names)
        for s, g in sub.groupby("series", sort=True):
            g = g.sort_values("year")
            ax.plot(g["year"], g["value"], marker="o", label=str(s)[len(prefix) :] or str(s))
        if unit == "minutes":
            ax.axhline(30.0, color="red", linestyle="--", linewidth=1, label="30 min")
        ax.set_ylabel(unit)
        ax.set_xticks(years)
        ax.grid(alpha=0.3)
        ax.set_title(prefix.strip() or unit, fontsize=8, loc="left")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
        if lines:
            ax.text(
                0.0,
                -0.16 - 0.045 * ((len(names) + 2) // 2),
                "each year's change (what made it):\n" + "\n".join(lines),
                transform=ax.transAxes,
                fontsize=7,
                va="top",
                color="#333",
                wrap=True,
            )
    fig.suptitle("\n".join(textwrap.wrap(title, 120)), fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # missing CJK glyphs when no CJK font is installed
        fig.savefig(tmp, dpi=90, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)
    return path
