"""Travel-time skims in OMX (Open Matrix), the matrix format TransCAD, Visum, EMME and AequilibraE read.

One file holds one square matrix per (mode, period), named ``<mode>_<period>`` (e.g. ``car_am_peak``),
in minutes door to door (NaN = unreachable), and the point ids as an OMX mapping. OMX mappings are
unsigned 32-bit integers: integer ids (the zones' admin codes, grid block ids) are the mapping itself;
other ids get a 1-based sequence number as the mapping and the id table beside the file says which is which.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import openmatrix as omx
import pandas as pd

UINT32_MAX = 2**32 - 1


def integer_ids(ids: list[str]) -> npt.NDArray[np.int64] | None:
    """The ids as integers when every one is a whole number in OMX's mapping range; else None."""
    out = []
    for pid in ids:
        s = pid.strip()
        if not s.isdigit():
            return None
        v = int(s)
        if v > UINT32_MAX:
            return None
        out.append(v)
    if len(set(out)) != len(out):
        return None
    return np.array(out, dtype=np.int64)


def write_omx(
    path: Path,
    ids: list[str],
    matrices_minutes: Mapping[str, npt.NDArray[np.float64]],
    *,
    mapping_name: str,
    attributes: Mapping[str, str],
    matrix_descriptions: Mapping[str, str] | None = None,
) -> str:
    """Write square matrices (minutes; inf/NaN stored as NaN) with ``ids`` as an OMX mapping, atomically.

    Parameters
    ----------
    path
        The ``.omx`` file to write.
    ids
        Point ids in matrix order.
    matrices_minutes
        Name -> (n, n) array of minutes.
    mapping_name
        Name of the mapping when the ids are integers (e.g. ``zone_id``); otherwise ``seq`` is used.
    attributes
        File-level attributes (scenario, tier, snapshot, attribution, units, ...).
    matrix_descriptions
        Optional per-matrix description attribute.

    Returns
    -------
    str
        The mapping name written (``mapping_name`` or ``seq``).
    """
    n = len(ids)
    as_int = integer_ids(ids)
    name = mapping_name if as_int is not None else "seq"
    entries = as_int if as_int is not None else np.arange(1, n + 1, dtype=np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".omx", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        f = omx.open_file(str(tmp), "w")
        try:
            for key, m in matrices_minutes.items():
                arr = np.asarray(m, dtype=np.float64)
                if arr.shape != (n, n):
                    raise ValueError(f"matrix {key!r} has shape {arr.shape}; expected ({n}, {n})")
                f[key] = np.where(np.isfinite(arr), arr, np.nan)
                f[key].attrs.units = "minutes"
                if matrix_descriptions and key in matrix_descriptions:
                    f[key].attrs.description = matrix_descriptions[key]
            f.create_mapping(name, entries)
            for k, v in attributes.items():
                setattr(f.root._v_attrs, k, str(v))
            f.root._v_attrs.unreachable = "NaN"
            f.root._v_attrs.mapping = name
        finally:
            f.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return name


def id_table(ids: list[str], lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], mapping_name: str) -> pd.DataFrame:
    """The points of a skim file: ``id``, the OMX mapping value, lon and lat (WGS-84)."""
    as_int = integer_ids(ids)
    mapped = as_int if as_int is not None else np.arange(1, len(ids) + 1)
    return pd.DataFrame(
        {"id": ids, mapping_name if as_int is not None else "seq": mapped, "lon": np.round(lon, 6), "lat": np.round(lat, 6)}
    )
