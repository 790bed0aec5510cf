"""Rail lines and stations -> timed rail services (run times, dwell, headways)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from network._errors import DataError
from network.model.speeds import Period
from network.paths import CRS_METRIC, CRS_WGS84, DATA_DIR


@dataclass(frozen=True)
class RailNetwork:
    """Rail services as data.

    ``lines``: one row per service (line_id, name_zh, kind, top_speed_kph, accel_loss_s, dwell_s,
    headway_am_peak_min, headway_off_peak_min, track_detour, colour, ...).
    ``stops``: one row per (line_id, seq) with name_zh, lon, lat, x, y (UTM m).
    """

    lines: pd.DataFrame
    stops: pd.DataFrame

    def without_lines(self, line_ids: list[str]) -> RailNetwork:
        """A copy with the given services removed (the original is untouched)."""
        keep = ~self.lines["line_id"].isin(line_ids)
        return RailNetwork(
            self.lines[keep].reset_index(drop=True),
            self.stops[self.stops["line_id"].isin(self.lines.loc[keep, "line_id"])].reset_index(drop=True),
        )


def load_rail(data_dir: Path = DATA_DIR) -> RailNetwork:
    lpath = data_dir / "rail_lines.csv"
    spath = data_dir / "rail_stations.csv"
    for p in (lpath, spath):
        if not p.exists():
            raise DataError(f"{p}: missing")
    lines = pd.read_csv(lpath)
    stops = pd.read_csv(spath)
    validate_lines(lines, file=str(lpath))
    unknown = set(stops["line_id"]) - set(lines["line_id"])
    if unknown:
        raise DataError(f"{spath}: line_id values {sorted(unknown)} are not in {lpath.name}")
    pts = gpd.GeoSeries(gpd.points_from_xy(stops["lon"], stops["lat"]), crs=CRS_WGS84).to_crs(CRS_METRIC)
    stops["x"] = pts.x.to_numpy()
    stops["y"] = pts.y.to_numpy()
    stops = stops.sort_values(["line_id", "seq"], kind="stable").reset_index(drop=True)
    counts = stops.groupby("line_id").size()
    for lid in lines["line_id"]:
        if int(counts.get(lid, 0)) < 2:
            raise DataError(f"{spath}: line_id {lid!r} has {int(counts.get(lid, 0))} stop(s); a rail line needs at least 2")
    return RailNetwork(lines=lines, stops=stops)


# (column, lowest, highest): values outside are refused as absurd
LINE_LIMITS: dict[str, tuple[float, float]] = {
    "top_speed_kph": (10.0, 450.0),
    "accel_loss_s": (0.0, 600.0),
    "dwell_s": (0.0, 900.0),
    "headway_am_peak_min": (0.5, 240.0),
    "headway_off_peak_min": (0.5, 240.0),
    "track_detour": (1.0, 2.0),
}


def validate_lines(lines: pd.DataFrame, *, file: str) -> None:
    """Refuse missing columns and absurd speeds/headways, naming file, row (line), field and value."""
    missing = [c for c in ("line_id", "kind", *LINE_LIMITS) if c not in lines.columns]
    if missing:
        raise DataError(f"{file}: missing column(s) {missing}")
    for i, row in lines.iterrows():
        for col, (lo, hi) in LINE_LIMITS.items():
            v = pd.to_numeric(row[col], errors="coerce")
            if not (lo <= v <= hi):
                raise DataError(
                    f"{file}:{int(str(i)) + 2}: line {row['line_id']!r} field '{col}': got {row[col]!r}; expected a number in [{lo:g}, {hi:g}]"
                )


def run_time_s(distance_m: np.ndarray, top_speed_kph: float, accel_loss_s: float) -> np.ndarray:
    """In-motion time between adjacent stops: distance at top speed plus a fixed start/stop loss.

    The loss stands for acceleration and braking (a train covering a short hop never reaches top
    speed; the loss is what a stop costs over running through at top speed).
    """
    return distance_m / (top_speed_kph / 3.6) + accel_loss_s


def line_segments(rail: RailNetwork, period: Period) -> pd.DataFrame:
    """Timed segments between consecutive stops of every line.

    Returns columns line_id, from_seq, to_seq, from_name, to_name, distance_m, ride_s (run time + dwell
    at the arriving stop), and per line ``headway_s`` for ``period``.
    """
    out = []
    for _, line in rail.lines.iterrows():
        s = rail.stops[rail.stops["line_id"] == line["line_id"]]
        if len(s) < 2:
            continue
        x = s["x"].to_numpy()
        y = s["y"].to_numpy()
        d = np.hypot(np.diff(x), np.diff(y)) * float(line["track_detour"])
        ride = run_time_s(d, float(line["top_speed_kph"]), float(line["accel_loss_s"])) + float(line["dwell_s"])
        out.append(
            pd.DataFrame(
                {
                    "line_id": line["line_id"],
                    "from_seq": s["seq"].to_numpy()[:-1],
                    "to_seq": s["seq"].to_numpy()[1:],
                    "from_name": s["name_zh"].to_numpy()[:-1],
                    "to_name": s["name_zh"].to_numpy()[1:],
                    "distance_m": d,
                    "ride_s": ride,
                    "headway_s": float(line[f"headway_{period}_min"]) * 60.0,
                }
            )
        )
    if not out:
        return pd.DataFrame(columns=["line_id", "from_seq", "to_seq", "from_name", "to_name", "distance_m", "ride_s", "headway_s"])
    return pd.concat(out, ignore_index=True)


def without_stops(rail: RailNetwork, line_id: str, names: list[str]) -> RailNetwork:
    """A copy with ``line_id``'s stops named in ``names`` removed (an extension not yet open)."""
    drop = (rail.stops["line_id"] == line_id) & rail.stops["name_zh"].isin(names)
    return RailNetwork(rail.lines, rail.stops[~drop].reset_index(drop=True))


def with_headways(rail: RailNetwork, line_ids: list[str], am_peak_min: list[float], off_peak_min: list[float]) -> RailNetwork:
    """A copy with new headways for the given lines (same order as ``line_ids``)."""
    lines = rail.lines.copy()
    for lid, am, off in zip(line_ids, am_peak_min, off_peak_min):
        lines.loc[lines["line_id"] == lid, "headway_am_peak_min"] = float(am)
        lines.loc[lines["line_id"] == lid, "headway_off_peak_min"] = float(off)
    return RailNetwork(lines, rail.stops)


def lines_open_in(rail: RailNetwork, year: int) -> RailNetwork:
    """Only the lines opened by the end of ``year`` (their ``opened`` column)."""
    opened = pd.to_datetime(rail.lines["opened"]).dt.year
    gone = rail.lines.loc[opened > year, "line_id"].tolist()
    return rail.without_lines(gone) if gone else rail
