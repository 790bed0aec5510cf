"""The centre table `run` prints: every row's minutes start in the same column, whatever the width of the
range beside them (a 2-digit maximum such as 92.8 beside a 3-digit 113.8 shifted the row by one)."""

from __future__ import annotations

from network.cli.main import _centre_table

PAIRS = [("changsha", "zhuzhou"), ("changsha", "xiangtan"), ("zhuzhou", "xiangtan")]
MINUTES = {"changsha→zhuzhou": (95.6, 92.5, 113.8), "changsha→xiangtan": (90.3, 85.7, 92.8), "zhuzhou→xiangtan": (7.6, 7.1, 9.5)}


def _rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    rows: list[dict[str, object]] = []
    spread: list[dict[str, object]] = []
    for a, b in PAIRS:
        v, lo, hi = MINUTES[f"{a}→{b}"]
        for m in ("car", "transit", "best"):
            rows.append({"from": a, "to": b, "mode": m, "minutes": v, "within_30": v <= 30})
            spread.append({"from": a, "to": b, "mode": m, "minutes_min": lo, "minutes_max": hi})
    return rows, spread


def _value_columns(line: str) -> list[int]:
    """Column where each cell's minutes end (the character before the '*' or space that follows them)."""
    out, k = [], 24
    for v in line[24:].split():
        if v.startswith("("):
            continue
        k = line.index(v, k)
        out.append(k + len(v.rstrip("*")))
        k += len(v)
    return out


def test_minutes_line_up_whatever_the_range_width() -> None:
    rows, spread = _rows()
    lines = _centre_table(rows, spread).splitlines()
    assert len(lines) == 1 + len(PAIRS)
    ends = [_value_columns(line) for line in lines[1:]]
    assert all(len(e) == 3 for e in ends), lines
    assert ends[0] == ends[1] == ends[2], "\n".join(lines)
    # the mode names sit over the minutes
    assert [lines[0].index(m) + len(m) for m in ("car", "transit", "best")] == ends[0], "\n".join(lines)
    assert "(92.5–113.8)" in lines[1] and "(85.7–92.8)" in lines[2] and "7.6*" in lines[3]


def test_without_ranges_the_minutes_line_up_too() -> None:
    rows, _ = _rows()
    lines = _centre_table(rows).splitlines()
    ends = [_value_columns(line) for line in lines[1:]]
    assert ends[0] == ends[1] == ends[2] and len(ends[0]) == 3, "\n".join(lines)
