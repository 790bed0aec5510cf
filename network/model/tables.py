"""Reading the project's curated CSV tables (data/): one place for the checks every table shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from network._errors import DataError


def read_text_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A curated CSV read as text (empty cells stay ``""``); no file: an empty table with ``columns``; a
    missing column is refused naming the file and the columns expected."""
    if not path.exists():
        return pd.DataFrame({c: [] for c in columns})
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; expected {list(columns)}")
    return table


def parse_waypoint(row: Mapping[Any, Any], where: str) -> dict[Any, Any]:
    """The typed fields of one waypoint row of a road table: ``seq`` (int), ``lon``/``lat`` (WGS-84 degrees
    inside Hunan), ``length_km`` (float, NaN when empty) and ``opened`` (a date).

    Raises
    ------
    DataError naming ``where`` (file and line) and the field.
    """
    try:
        lon, lat, seq = float(row["lon"]), float(row["lat"]), int(row["seq"])
    except ValueError:
        raise DataError(f"{where}, fields 'seq'/'lon'/'lat': expected an integer and two numbers") from None
    if not (111.0 <= lon <= 115.0 and 26.0 <= lat <= 30.0):
        raise DataError(f"{where}, fields 'lon'/'lat': ({lon}, {lat}) lies outside Hunan; expected WGS-84 degrees")
    try:
        length_km = float(row["length_km"]) if row["length_km"].strip() else float("nan")
    except ValueError:
        raise DataError(f"{where}, field 'length_km': got {row['length_km']!r}; expected km or empty") from None
    try:
        opened = dt.date.fromisoformat(row["opened"].strip())
    except ValueError:
        raise DataError(f"{where}, field 'opened': got {row['opened']!r}; expected a date YYYY-MM-DD") from None
    return {"seq": seq, "lon": lon, "lat": lat, "length_km": length_km, "opened": opened}


def check_roads(table: pd.DataFrame, key: str, same: tuple[str, ...], *, path: Path) -> None:
    """Every road (``key``) of a waypoint table has at least 2 waypoints and one value of each ``same`` field."""
    for road, g in table.groupby(key, sort=False):
        if len(g) < 2:
            raise DataError(f"{path}: {key} {road!r} has {len(g)} waypoint; expected at least 2")
        for col in same:
            if g[col].nunique() != 1:
                raise DataError(f"{path}: {key} {road!r}, field {col!r} differs between its rows")


def latest_opening(text: str, opened: dt.date | None, where: str) -> dt.date | None:
    """A row's optional ``opened_latest`` (the latest end of an opening date known only as a range): empty,
    or a date after ``opened``, which must then be a date.

    Raises
    ------
    DataError naming ``where`` (file and line) and the field.
    """
    if not text:
        return None
    try:
        latest = dt.date.fromisoformat(text)
    except ValueError:
        raise DataError(f"{where}, field 'opened_latest': got {text!r}; expected a date YYYY-MM-DD or empty") from None
    if opened is None or latest <= opened:
        raise DataError(f"{where}, field 'opened_latest': got {text!r}; expected a date after 'opened' ({opened or 'unknown'}): a range needs a known earliest end")
    return latest


def opening_at(opened: dt.date | None, latest: dt.date | None, dates: str = "earliest") -> dt.date | None:
    """The opening date a scenario taking the ``dates`` end (``earliest``/``latest``) of a range uses: ``latest``
    when asked and known, else ``opened``."""
    return latest if dates == "latest" and latest is not None else opened
