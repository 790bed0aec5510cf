"""Array type aliases shared by the whole package (one definition each)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
"""An array of float64 values (times in s, minutes, coordinates, populations)."""
IntArray = npt.NDArray[np.int64]
"""An array of int64 values (node ids, arc ids, row indices)."""
BoolArray = npt.NDArray[np.bool_]
"""An array of booleans (masks)."""
