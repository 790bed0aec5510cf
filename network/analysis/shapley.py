"""Order-independent shares of a change: Shapley values over the items that make it.

The change in minutes from a reference scenario to a scenario is made by items (catalogue projects,
hand-written edits, and the dated network changes between the two years that are not in the catalogue).
Leave-one-out and add-one-in depend on what else is there; a Shapley value averages an item's marginal
minutes over every order the items could be added in, so the shares add up to the change of all items
together exactly. Each share is split into the item's effect alone (added to the reference by itself)
and its part of the interactions (the rest). What the items do not make (what the reference has and the
scenario does not, e.g. a project the scenario excludes) is reported apart as *unexplained*, so that

    sum of effects alone + interactions + unexplained = the total change (each pair and mode).

Exact over all 2^n coalitions for up to ``EXACT_MAX_ITEMS`` items; beyond, averaged over ``SAMPLES``
random orders drawn with a fixed seed (the sample size is reported). Either way the shares add up exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from network.model.types import FloatArray

EXACT_MAX_ITEMS = 8
"""Up to this many items every coalition is evaluated (2^8 = 256 states); beyond, orders are sampled."""
SAMPLES = 64
"""Random orders averaged when there are more than EXACT_MAX_ITEMS items."""
SEED = 23
"""The sampled orders' seed: the same shares on every run."""

Value = Callable[[frozenset[Hashable]], FloatArray]
"""The metric vector (e.g. minutes of each centre pair and mode) of the reference plus a coalition of items."""


@dataclass(frozen=True)
class Shares:
    """Shapley shares of a change. ``gain[S]`` = value(∅) − value(S): positive = faster with the coalition."""

    items: list[Hashable]
    shapley: dict[Hashable, FloatArray]
    """Each item's share of the change of all items (per metric)."""
    alone: dict[Hashable, FloatArray]
    """Each item's effect added to the reference by itself."""
    all_items: FloatArray
    """The change made by all items together (= the sum of the shares)."""
    method: str
    """``exact`` or ``sampled``."""
    orders: int
    """Orders averaged: n! when exact (every order), else the sample size."""
    coalitions_evaluated: int

    def interaction(self, item: Hashable) -> FloatArray:
        """The item's part of the interactions: its share less its effect alone."""
        return self.shapley[item] - self.alone[item]

    def about(self) -> dict[str, Any]:
        """How the shares were computed, for a report."""
        how = (
            f"exact: every one of the {2 ** len(self.items)} coalitions of {len(self.items)} items"
            if self.method == "exact"
            else f"sampled: {self.orders} random orders (seed {SEED}) of {len(self.items)} items, {self.coalitions_evaluated} coalitions evaluated"
        )
        return {"method": self.method, "items": len(self.items), "orders": self.orders, "coalitions_evaluated": self.coalitions_evaluated, "how": how}


def shapley_shares(items: Sequence[Hashable], value: Value, *, exact_max_items: int = EXACT_MAX_ITEMS, samples: int = SAMPLES, seed: int = SEED) -> Shares:
    """Shapley shares of each of ``items`` in the change value(∅) − value(all items)."""
    cache: dict[frozenset[Hashable], FloatArray] = {}

    def gain(coalition: frozenset[Hashable]) -> FloatArray:
        if coalition not in cache:
            cache[coalition] = np.asarray(value(coalition), dtype=float)
        return cache[frozenset()] - cache[coalition] if coalition else np.zeros_like(cache[frozenset()])

    n = len(items)
    cache[frozenset()] = np.asarray(value(frozenset()), dtype=float)
    total = gain(frozenset(items))
    shapley: dict[Hashable, FloatArray] = {i: np.zeros_like(total) for i in items}
    if n <= exact_max_items:
        for i in items:
            others = [j for j in items if j != i]
            for k in range(len(others) + 1):
                weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                for subset in itertools.combinations(others, k):
                    s = frozenset(subset)
                    shapley[i] = shapley[i] + weight * (gain(s | {i}) - gain(s))
        method, orders = "exact", math.factorial(n)
    else:
        rng = np.random.default_rng(seed)
        for _ in range(samples):
            order = [items[k] for k in rng.permutation(n)]
            before: frozenset[Hashable] = frozenset()
            for i in order:
                after = before | {i}
                shapley[i] = shapley[i] + (gain(after) - gain(before)) / samples
                before = after
        method, orders = "sampled", samples
    alone = {i: gain(frozenset({i})) for i in items}
    return Shares(list(items), shapley, alone, total, method, orders, len(cache))
