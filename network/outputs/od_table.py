"""The OD matrix written to files: the long CSV (``from_id,to_id,mode,minutes``), the wide CSV and Parquet.

Every writer streams a chunk of origins at a time (memory stays flat) and replaces the file atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from network.analysis.od_matrix import Points, long_table
from network.model.types import FloatArray
from network.outputs.files import atomic_open

MATRIX_FORMATS = ("long", "wide", "parquet")
"""long: CSV from_id,to_id,mode,minutes; wide: CSV with one row per origin and mode, one column per
destination; parquet: the long table as Apache Parquet (compressed, typed; read with pandas/pyarrow/R/QGIS)."""
UTF8_BOM = "\ufeff"
"""Written at the start of a CSV so Excel (also on Chinese Windows, whose default is GBK) reads it as UTF-8."""


def write_long_table(
    path: Path, points: Points, minutes: dict[str, FloatArray], modes: list[str], *, origins_per_chunk: int = 200, bom: bool = True
) -> None:
    """Write the long table mode by mode, a chunk of origins at a time (memory stays flat), atomically.

    ``bom``: start with a UTF-8 byte-order mark (Excel then reads Chinese ids correctly).
    """
    with atomic_open(path) as fh:
        fh.write((UTF8_BOM if bom else "") + "from_id,to_id,mode,minutes\n")
        for mode in modes:
            for start in range(0, len(points), origins_per_chunk):
                part = long_table(points, minutes, [mode], rows=slice(start, start + origins_per_chunk))
                part.to_csv(fh, index=False, header=False, lineterminator="\n")


def write_wide_table(
    path: Path, points: Points, minutes: dict[str, FloatArray], modes: list[str], *, origins_per_chunk: int = 200, bom: bool = True
) -> None:
    """Write one row per origin and mode (``from_id, mode, <to_id>…``: minutes, empty = unreachable), atomically.

    A 3,000-point matrix is 3,002 columns: within Excel's 16,384. ``bom`` as for ``write_long_table``.
    """
    ids = np.array(points.ids, dtype=object)
    with atomic_open(path) as fh:
        header = pd.DataFrame(columns=["from_id", "mode", *points.ids]).to_csv(index=False, lineterminator="\n")
        fh.write((UTF8_BOM if bom else "") + header)
        for mode in modes:
            for start in range(0, len(points), origins_per_chunk):
                block = minutes[mode][start : start + origins_per_chunk]
                values = pd.DataFrame(np.round(np.where(np.isfinite(block), block, np.nan), 2), columns=range(len(points)))
                values.insert(0, "mode", mode)
                values.insert(0, "from_id", ids[start : start + origins_per_chunk])
                values.to_csv(fh, index=False, header=False, lineterminator="\n")


def write_parquet(
    path: Path,
    points: Points,
    minutes: dict[str, FloatArray],
    modes: list[str],
    *,
    origins_per_chunk: int = 200,
    metadata: dict[str, str] | None = None,
) -> None:
    """Write the long table as Parquet (one row group per chunk of origins; minutes null = unreachable), atomically.

    ``metadata``: key/value pairs stored in the file's schema (provenance: tier, snapshot, attribution).
    """
    import pyarrow as pa  # heavy: imported when Parquet is asked for
    import pyarrow.parquet as pq

    schema = pa.schema(
        [("from_id", pa.string()), ("to_id", pa.string()), ("mode", pa.dictionary(pa.int8(), pa.string())), ("minutes", pa.float64())],
        metadata={k.encode(): v.encode() for k, v in (metadata or {}).items()},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for mode in modes:
                for start in range(0, len(points), origins_per_chunk):
                    part = long_table(points, minutes, [mode], rows=slice(start, start + origins_per_chunk))
                    writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_matrix(
    path: Path,
    points: Points,
    minutes: dict[str, FloatArray],
    modes: list[str],
    *,
    fmt: str = "long",
    bom: bool = True,
    metadata: dict[str, str] | None = None,
) -> None:
    """Write the matrix in ``fmt`` (one of ``MATRIX_FORMATS``) to ``path``; ``metadata`` goes into Parquet files."""
    if fmt == "long":
        write_long_table(path, points, minutes, modes, bom=bom)
    elif fmt == "wide":
        write_wide_table(path, points, minutes, modes, bom=bom)
    elif fmt == "parquet":
        write_parquet(path, points, minutes, modes, metadata=metadata)
    else:
        raise ValueError(f"format {fmt!r} is not one of {MATRIX_FORMATS}")
