"""Build the curated 城际公交 (intercity bus) GTFS feed from the project's own tables.

Reads data/intercity_bus_lines.csv (one row per line: headways per period, opening date, sources, what
is assumed) and data/intercity_bus_stops.csv (stops in order with positions and minutes from the first
stop, each marked sourced / assumed / approximate) and writes data/gtfs/czt_intercity_bus.zip, a
frequency-based feed (network/outputs/gtfs_out.py) the planner reads back like any other feed.
The zip is byte-identical for the same tables. Run: .venv/bin/python tools/build_intercity_gtfs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from network.outputs.gtfs_out import FeedMeta, OutService, OutStop, write_feed  # noqa: E402
from network.paths import DATA_DIR  # noqa: E402

FEED = DATA_DIR / "gtfs" / "czt_intercity_bus.zip"


def build(data_dir: Path = DATA_DIR, out: Path = FEED) -> Path:
    """Write the feed from the two tables in ``data_dir``; returns its path."""
    lines = pd.read_csv(data_dir / "intercity_bus_lines.csv", dtype=str, keep_default_na=False)
    stops = pd.read_csv(data_dir / "intercity_bus_stops.csv", dtype=str, keep_default_na=False)
    stops["seq"] = stops["seq"].astype(int)
    stops["minutes_from_first"] = stops["minutes_from_first"].astype(float)
    out_stops: dict[str, OutStop] = {}
    services = []
    notes = [
        "Curated by the Chang-Zhu-Tan planner from data/intercity_bus_lines.csv and data/intercity_bus_stops.csv (sources in data/SOURCES.md)."
    ]
    for line in lines.to_dict(orient="records"):
        s = stops[stops["line_id"] == line["line_id"]].sort_values("seq")
        if len(s) < 2:
            raise SystemExit(f"{data_dir / 'intercity_bus_stops.csv'}: line {line['line_id']} has fewer than 2 stops")
        for r in s.to_dict(orient="records"):
            out_stops.setdefault(r["stop_id"], OutStop(r["stop_id"], r["name_zh"], float(r["lon"]), float(r["lat"])))
        ride = [float(m) * 60.0 for m in s["minutes_from_first"].diff().iloc[1:]]
        services.append(
            OutService(
                route_id=line["line_id"],
                short_name=line["line_id"],
                long_name=line["name_zh"],
                kind="bus",
                route_type=int(line["route_type"]),
                stop_ids=list(s["stop_id"]),
                run_s={"am_peak": ride, "off_peak": ride},
                dwell_s={"am_peak": [0.0] * len(s), "off_peak": [0.0] * len(s)},
                headway_s={"am_peak": float(line["headway_am_peak_min"]) * 60.0, "off_peak": float(line["headway_off_peak_min"]) * 60.0},
                colour=line["colour"],
                desc=f"headways: {line['headway_basis']}; run times: {'; '.join(sorted(set(s['minutes_basis']) - {'terminal'}))}",
            )
        )
        notes.append(f"{line['line_id']}: headway {line['headway_basis']}; source {line['source']}")
    meta = FeedMeta(
        publisher="Chang-Zhu-Tan half-hour-circle planner (curated 城际公交)",
        url="https://hunan.voc.com.cn/news/202601/31410359.html",
        version="czt-intercity-bus-1",
        notes=notes,
    )
    write_feed(out, sorted(out_stops.values(), key=lambda st: st.stop_id), services, meta)
    return out


if __name__ == "__main__":
    print(f"wrote {build()}")
