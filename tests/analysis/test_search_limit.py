"""The search limit is the same both ways and is reported as "beyond N min", never "no route" when
``route`` finds one (issue 23 item 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from network.analysis.metrics import FIELD_LIMIT_S, beyond_limit_pairs, evaluate
from network.model.region import CITIES, Region
from network.routing.route import route
from network.scenario.resolve import resolve_state
from network.scenario.schema import load_scenario

NO_RAIL = """name: no-rail
remove_lines: [CR-CZ, CR-ZX, HSR-HKE, HSR-HKW, HSR-WG, HSR-WG-HKW, IC-T, IC-XT, IC-XT-EXP, IC-ZZ, IC-ZZ-EXP, M1, M2, M3, M4, M5, M6, S2]
exclude: [czt-bus-201, didi-intercity-bus-cs-zz]
feeder_speed_kph: 12
"""


def test_transit_beyond_the_limit_is_beyond_both_ways_and_route_agrees(tmp_path: Path, region: Region) -> None:
    f = tmp_path / "no-rail.yaml"
    f.write_text(NO_RAIL, encoding="utf-8")
    state = resolve_state(load_scenario(f), file=str(f))
    ev = evaluate(state, region)
    m = ev.centre_minutes["transit"]
    limit_min = FIELD_LIMIT_S / 60
    assert (m[np.isfinite(m)] <= limit_min).all()  # 2b06223 wrote 株洲↔湘潭 186.2 min past the 180-min limit
    assert np.array_equal(np.isfinite(m), np.isfinite(m.T))  # the limit treats both directions alike
    beyond, none = beyond_limit_pairs(ev, state, region)
    assert none == [] and len(beyond) == int((~np.isfinite(m)).sum())
    centres = region.centres.set_index("city")
    a, b = CITIES.index("changsha"), CITIES.index("zhuzhou")
    assert not np.isfinite(m[a, b])
    trip = route(state, tuple(centres.loc["changsha", ["lon", "lat"]]), tuple(centres.loc["zhuzhou", ["lon", "lat"]]), "transit")
    shown = next(t for t in beyond if "长沙 changsha → 株洲 zhuzhou by transit" in t)
    assert float(shown.rsplit("(", 1)[1].split(" min")[0]) == pytest.approx(trip.minutes, abs=0.5)


def test_a_run_says_beyond_the_limit_not_no_route(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from network.cli.main import main

    f = tmp_path / "no-rail.yaml"
    f.write_text(NO_RAIL, encoding="utf-8")
    assert main([str(f), "--no-map", "--output-dir", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "warning: beyond 180 min, the search limit (written as null; `route` gives the time): 长沙 changsha → 株洲 zhuzhou by transit (" in out
    assert "no route" not in out
