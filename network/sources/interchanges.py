"""Interchanges the skeleton lacks (``data/interchanges.csv``): two curated roads, named by the ``ref``
their edges carry, that cross with no junction in the skeleton (its straight segments cut across each
other) are joined at the given point: the nearest edge of each is split there through one shared node.
The junction exists whenever both roads do (each keeps its own opening date)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from network._errors import DataError
from network.geo import to_metric
from network.model.graph import RoadNetwork
from network.model.junctions import nearest_edge_of, split_edge_through
from network.model.tables import read_text_table
from network.paths import DATA_DIR

INTERCHANGE_COLUMNS = ("interchange", "name", "refs", "lon", "lat", "source", "inferred")
JOIN_WITHIN_M = 2000.0
"""A road of an interchange must pass this close to its point (about the accuracy of the skeleton's straight segments)."""


@dataclass(frozen=True)
class Interchange:
    """One row of ``data/interchanges.csv``: the two road refs joined at (lon, lat)."""

    interchange: str
    name: str
    refs: tuple[str, str]
    lon: float
    lat: float


@lru_cache(maxsize=4)
def load_interchanges(data_dir: Path = DATA_DIR) -> tuple[Interchange, ...]:
    """Read ``data/interchanges.csv`` (``interchange``, ``name``, ``refs`` (two road refs, ``;``-separated),
    ``lon``, ``lat``, ``source``, ``inferred``). No file: none.

    Raises
    ------
    DataError naming the file, line and field of the first bad value.
    """
    path = data_dir / "interchanges.csv"
    out = []
    for k, r in enumerate(read_text_table(path, INTERCHANGE_COLUMNS).to_dict("records")):
        where = f"{path}: line {k + 2}"
        refs = tuple(x.strip() for x in r["refs"].split(";") if x.strip())
        if len(refs) != 2:
            raise DataError(f"{where}, field 'refs': got {r['refs']!r}; expected two road refs 'A;B'")
        try:
            lon, lat = float(r["lon"]), float(r["lat"])
        except ValueError:
            raise DataError(f"{where}, fields 'lon'/'lat': expected two numbers (WGS-84 degrees)") from None
        if not r["source"].strip():
            raise DataError(f"{where}, field 'source': empty; every interchange names its source")
        out.append(Interchange(r["interchange"], r["name"], (refs[0], refs[1]), lon, lat))
    return tuple(out)


def with_interchanges(roads: RoadNetwork, table: tuple[Interchange, ...], *, path: Path = DATA_DIR / "interchanges.csv") -> RoadNetwork:
    """``roads`` with each interchange of ``table`` built: the nearest edge of its first road split at the
    point's projection (a new node), the nearest edge of its second road made to pass through that node.

    Raises
    ------
    DataError naming the file and interchange when a road has no edge within :data:`JOIN_WITHIN_M`.
    """
    for ix in table:
        x, y = to_metric().transform(ix.lon, ix.lat)
        node: int | None = None
        for ref in ix.refs:
            pos, _, d = nearest_edge_of(roads, ref, float(x), float(y))
            if pos < 0 or d > JOIN_WITHIN_M:
                raise DataError(f"{path}: interchange {ix.interchange!r}, field 'refs': road {ref!r} has no edge within {JOIN_WITHIN_M:.0f} m of ({ix.lon}, {ix.lat})")
            roads, node = split_edge_through(roads, pos, float(x), float(y), node)
    return roads
