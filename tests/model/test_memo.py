"""The memo tables behind a fast workbench edit: keyed on content, bounded, and never handing out a shared result."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from network.model import rail as rail_mod
from network.model.memo import Memo, ObjectMemo, array_key, frame_key
from network.model.parameters import DEFAULTS
from network.model.rail import RailNetwork, line_segments
from network.model.region import grid_cell_polygons


def test_frame_key_follows_content_not_identity() -> None:
    a = pd.DataFrame({"x": [1.0, 2.0], "s": ["1", None]})
    assert frame_key(a) == frame_key(a.copy())
    b = a.copy()
    b.loc[1, "x"] = 2.5
    assert frame_key(a) != frame_key(b)
    c = a.copy()
    c["s"] = ["1", "2"]
    assert frame_key(a) != frame_key(c)
    o = pd.DataFrame({"s": pd.Series(["1", None], dtype=object)})
    assert frame_key(o) != frame_key(pd.DataFrame({"s": pd.Series(["1", float("nan")], dtype=object)}))
    d = a.copy()
    d["s"] = [1, None]
    assert frame_key(a) != frame_key(d)  # 1 and "1" too
    assert array_key(np.array([1.0, 2.0])) != array_key(np.array([1.0, 2.5]))


def test_memo_is_bounded_and_least_recently_used() -> None:
    m: Memo[int] = Memo(maxsize=2)
    calls: list[str] = []

    def make(k: str) -> int:
        calls.append(k)
        return len(calls)

    assert m.get("a", lambda: make("a")) == 1
    assert m.get("b", lambda: make("b")) == 2
    assert m.get("a", lambda: make("a")) == 1  # a hit; "a" is now the most recent
    m.get("c", lambda: make("c"))  # evicts "b"
    assert len(m) == 2
    m.get("b", lambda: make("b"))
    assert calls == ["a", "b", "c", "b"]


def test_object_memo_holds_one_result_per_live_object() -> None:
    class Thing:
        pass

    m: ObjectMemo[list[int]] = ObjectMemo()
    a, b = Thing(), Thing()
    first = m.get(a, lambda: [1])
    assert m.get(a, lambda: [2]) is first  # by identity, computed once
    assert m.get(b, lambda: [3]) == [3] and len(m) == 2
    del a
    gc.collect()
    assert len(m) == 1  # gone with its object
    m.clear()
    assert m.get(b, lambda: [4]) == [4]


def test_line_segments_recomputed_when_the_rail_tables_change(surveyed_state) -> None:  # type: ignore[no-untyped-def]
    rail: RailNetwork = surveyed_state.rail
    values = dict(DEFAULTS)
    first = line_segments(rail, "am_peak", values)
    first["run_s"] = -1.0  # a caller changing its copy does not change the memo's
    again = line_segments(rail, "am_peak", values)
    assert (again["run_s"] > 0).all()
    pd.testing.assert_frame_equal(again, rail_mod._line_segments(rail, "am_peak", values))
    lid = str(rail.lines["line_id"].iloc[0])
    fewer = line_segments(rail.without_lines([lid]), "am_peak", values)
    assert lid not in set(fewer["line_id"]) and lid in set(again["line_id"])
    slower = dict(values)
    kind = str(rail.lines["kind"].iloc[0])
    slower[f"dwell_{kind}_s"] = values[f"dwell_{kind}_s"] + 30.0
    changed = line_segments(rail, "am_peak", slower)
    pd.testing.assert_frame_equal(changed, rail_mod._line_segments(rail, "am_peak", slower))
    assert not changed["dwell_s"].equals(again["dwell_s"])


def test_grid_cell_polygons_follow_the_coordinates() -> None:
    x, y = np.array([0.0, 1000.0]), np.array([0.0, 0.0])
    a = grid_cell_polygons(x, y)
    b = grid_cell_polygons(x + 500.0, y)
    assert a[0].bounds != b[0].bounds
    assert grid_cell_polygons(x, y)[1].bounds == a[1].bounds


_CYCLES = """
import gc
from network.model.memo import ObjectMemo

gc.set_threshold(1)  # collect at almost every allocation, so one runs inside get()


class Held:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: freed only by the cyclic collector, which runs finalizers


memo = ObjectMemo()
for k in range(20000):
    memo.get(Held(), lambda: k)
print("done", len(memo) < 20000)
"""


def test_an_object_memo_survives_a_collection_inside_get() -> None:
    """The cyclic collector may run while ``get`` registers a finalizer and free another object of the same
    memo, whose finalizer then forgets its result on the same thread: with a plain lock that waited forever
    (found in review: the workbench would hang on its next transit route)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-c", _CYCLES], cwd=root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "done True", (r.returncode, r.stdout, r.stderr[-2000:])


def test_an_object_without_weak_references_is_not_stored() -> None:
    memo: ObjectMemo[int] = ObjectMemo()
    with pytest.raises(TypeError):
        memo.get(7, lambda: 1)  # an int takes no weak reference: nothing could forget the result
    assert len(memo) == 0
