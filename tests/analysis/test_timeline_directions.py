"""The timeline never hides the direction that got slower (issue 23 item 3): the table shows every
direction, the chart the slower of each pair (its titles say so)."""

from __future__ import annotations

import pandas as pd

from network.analysis.compare import slower_direction


def test_the_chart_draws_the_slower_direction_of_each_pair() -> None:
    rows = []
    for year, there, back in ((2015, 90.0, 80.0), (2023, 70.0, 95.0)):  # the way back got slower
        rows += [
            {"year": year, "from": "changsha", "to": "zhuzhou", "mode": "best", "minutes": there},
            {"year": year, "from": "zhuzhou", "to": "changsha", "mode": "best", "minutes": back},
        ]
    lines = {(a, b): s for a, b, s in slower_direction(pd.DataFrame(rows))}
    cz = lines[("changsha", "zhuzhou")]
    assert cz["minutes"].tolist() == [90.0, 95.0]  # 2023 shows the 95 min of the slower way back, not the 70 min
    assert len(lines) == 3
