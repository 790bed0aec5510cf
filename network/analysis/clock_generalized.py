"""Clock against generalized minutes: flag a change whose clock minutes and generalized minutes move apart.

Transit paths are chosen by generalized cost (walking and waiting weighted, a penalty per extra boarding)
and reported in clock minutes, so a project can make a trip's clock time longer while making it better
by the cost travellers choose by (a new frequent line taken though a slower-to-board but faster train
exists), or the other way round. A table of clock minutes alone then tells a planner the project made
things worse; the note says why it did not.
"""

from __future__ import annotations

import math

import pandas as pd

SIGN_TOLERANCE_MINUTES = 0.005
"""A change within this many minutes of zero has no sign (the tables are rounded to 0.01)."""

WHY_CLOCK_WORSE = (
    "travellers take the path of least generalized cost (fewer or shorter waits, fewer changes, less walking) "
    "though a faster one by the clock exists"
)
WHY_CLOCK_BETTER = "the path of least generalized cost is faster by the clock but has longer waits, more changes or more walking"


def _sign(minutes: float) -> int:
    if not math.isfinite(minutes):
        return 0
    return 0 if abs(minutes) < SIGN_TOLERANCE_MINUTES else (1 if minutes > 0 else -1)


def signs_disagree(clock_saved: float, generalized_saved: float) -> bool:
    """True when the clock minutes saved and the generalized minutes saved have opposite signs (each
    beyond ``SIGN_TOLERANCE_MINUTES`` of zero and finite)."""
    return _sign(clock_saved) * _sign(generalized_saved) < 0


WHY_BEST = (
    "; for best, the mode it takes (the faster by the clock) may also have changed, and its generalized minutes"
    " are that mode's"
)


def disagreement_note(label: str, clock_saved: float, generalized_saved: float, *, mode: str = "") -> str | None:
    """The note for ``label`` (a project, an edit or a pair) when its clock and generalized minutes saved
    disagree in sign (:func:`signs_disagree`), else None. Positive = faster / cheaper. For ``mode`` best the
    note adds that a change of mode can be the reason (best takes the faster mode by the clock)."""
    if not signs_disagree(clock_saved, generalized_saved):
        return None
    why = (WHY_CLOCK_WORSE if clock_saved < 0 else WHY_CLOCK_BETTER) + (WHY_BEST if mode == "best" else "")
    return f"{label}: {clock_saved:+.2f} clock min, {generalized_saved:+.2f} generalized min saved: {why}"


NOTE_COLUMN = "clock_vs_generalized"
"""The column of the compare and attribution tables holding the notes ('' or None where there is none)."""

EXPLAINED = (
    "clock and generalized minutes disagree in sign: transit paths are chosen by generalized cost (walking and waiting "
    "weighted, a penalty per extra boarding) and reported in clock minutes (docs/method.md); the clock minutes stay the headline"
)
"""The line printed above a table's notes."""


def table_notes(table: pd.DataFrame) -> list[str]:
    """The notes in ``table``'s ``clock_vs_generalized`` column, in row order (none when it has no such column)."""
    if NOTE_COLUMN not in table:
        return []
    return [str(n) for n in table[NOTE_COLUMN] if isinstance(n, str) and n]
