"""How numbers and text are written for people: one number format, one percentage, one HTML escape.

Every terminal table, HTML report and map popup uses these, so a missing value (None or NaN) reads
the same everywhere (an em dash, unless the caller asks for another mark).
"""

from __future__ import annotations

import html
import math

MISSING = "—"
"""What a missing value (None, NaN, ±inf) is shown as."""


def is_missing(value: object) -> bool:
    """True for None, NaN and ±inf (a value there is no number for)."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def number(value: object, nd: int = 1, *, sign: bool = False, missing: str = MISSING) -> str:
    """``value`` with ``nd`` decimals (``+`` shown when ``sign``), or ``missing`` for None / NaN / inf."""
    if is_missing(value):
        return missing
    return f"{float(value):{'+' if sign else ''}.{nd}f}"  # type: ignore[arg-type]


def percent(share: object, nd: int = 0, *, missing: str = MISSING) -> str:
    """A share (0.85) as a percentage (``85%``), or ``missing``."""
    if is_missing(share):
        return missing
    return f"{float(share):.{nd}%}"  # type: ignore[arg-type]


def esc(value: object, *, missing: str = MISSING) -> str:
    """HTML-escape anything (quotes too); None and NaN become ``missing``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return html.escape(str(value), quote=True)
