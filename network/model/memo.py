"""Memo tables for pure, expensive derivations: bounded ones keyed on the content of their inputs, and one
result per live object.

A workbench edit rebuilds the network state; most of what is derived from it (rail segment run times,
grid-cell polygons) does not depend on the part an edit changed. These derivations are pure functions of
small tables and arrays, so :class:`Memo` keys them by a digest of those inputs' *content*: an edit that
changes an input changes its key, so a stale result is never returned. :class:`ObjectMemo` keys by object
identity instead, for derivations of an immutable object (a network state's transit graph), and drops a
result when its object is collected, so an identity is never reused while its result is stored.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np
import pandas as pd

V = TypeVar("V")


def array_key(a: np.ndarray) -> tuple[str, tuple[int, ...], str]:
    """A content key of a numeric array: dtype, shape and a BLAKE2 digest of its bytes."""
    c = np.ascontiguousarray(a)
    return (c.dtype.str, c.shape, hashlib.blake2b(c.tobytes(), digest_size=16).hexdigest())


def frame_key(df: pd.DataFrame) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """A content key of a table: column names, dtypes and a digest of every cell and the index.

    Cells are hashed by ``pandas.util.hash_pandas_object`` (values, not identity); object cells also by
    their ``repr`` and type name, so ``1`` and ``"1"`` or ``None`` and ``nan`` give different keys."""
    h = hashlib.blake2b(digest_size=16)
    h.update(pd.util.hash_pandas_object(df.index, index=False).to_numpy().tobytes())
    for col in df.columns:
        s = df[col]
        if s.dtype == object:
            h.update("\x1f".join(f"{type(x).__name__}:{x!r}" for x in s.tolist()).encode())
        else:
            h.update(pd.util.hash_pandas_object(s, index=False).to_numpy().tobytes())
        h.update(b"\x1e")
    return (tuple(map(str, df.columns)), tuple(map(str, df.dtypes)), h.hexdigest())


class Memo(Generic[V]):
    """A least-recently-used table of at most ``maxsize`` results; safe to share between worker threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The result stored under ``key``, or ``compute()`` stored (evicting the least recently used)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        value = compute()
        with self._lock:
            self.misses += 1
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        """How many results are held."""
        return len(self._data)


class ObjectMemo(Generic[V]):
    """One result per live object, by identity, dropped when that object is collected.

    For derivations of an immutable object (a ``NetworkState``: "never edited in place") that several
    calls ask for in turn: the result lives exactly as long as the object, so nothing is kept for an object
    no one holds and an identity is never reused while its result is stored. The result must not refer
    back to the object (it would keep it alive). Safe to share between threads (two threads may compute
    the same result once each; either is kept)."""

    def __init__(self) -> None:
        self._data: dict[int, V] = {}
        self._lock = threading.RLock()  # re-entrant: a collection inside get() may run _forget on this thread
        self.hits = 0
        self.misses = 0

    def get(self, obj: object, compute: Callable[[], V]) -> V:
        """The result stored for ``obj``, or ``compute()`` stored until ``obj`` is collected."""
        key = id(obj)
        with self._lock:
            if key in self._data:
                self.hits += 1
                return self._data[key]
        value = compute()
        with self._lock:
            self.misses += 1
            if key not in self._data:
                weakref.finalize(obj, self._forget, key)  # first: an object without weak references stores nothing
                self._data[key] = value
            return self._data[key]

    def _forget(self, key: int) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        """How many results are held."""
        return len(self._data)
