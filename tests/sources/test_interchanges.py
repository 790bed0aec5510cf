"""Interchanges the skeleton lacks (data/interchanges.csv, network/sources/interchanges.py): two curated
roads crossing with no junction are joined, and the split keeps every road's length."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from network._errors import DataError
from network.paths import DATA_DIR
from network.routing.route import route
from network.scenario.resolve import resolve_state
from network.scenario.schema import Scenario
from network.sources.embedded import load_embedded_roads
from network.sources.interchanges import INTERCHANGE_COLUMNS, load_interchanges, with_interchanges

SHAOSHAN, HANPU = (112.526, 27.915), (112.862, 28.100)


def test_shaoshan_drives_the_g60_into_the_changtan_west_expressway(surveyed: Scenario) -> None:
    """红网 2013: 韶山 → 长沙河西 by 韶山高速, 沪昆高速, 长潭西高速; the skeleton's G60 and the curated G0421
    cross with no junction, so without the interchange the trip leaves the expressway for 13 km of arterial."""
    state = resolve_state(surveyed.model_copy(update={"year": 2013, "period": "off_peak"}))
    r = route(state, SHAOSHAN, HANPU, "car")
    labels = [leg.label for leg in r.legs]
    assert any("G60 → G0421" in x for x in labels), labels
    assert not any(x == "urban_arterial" and leg.km > 5.0 for x, leg in zip(labels, r.legs))


def test_the_split_keeps_the_roads_length_and_adds_one_node() -> None:
    skeleton = pd.read_csv(DATA_DIR / "road_edges.csv", keep_default_na=False)
    roads = load_embedded_roads()
    g60 = roads.edges[roads.edges["ref"] == "G60"]
    assert float(g60["length_m"].sum()) == pytest.approx(float(skeleton.loc[skeleton["ref"] == "G60", "length_m"].sum()), abs=1.0)
    assert len(g60) == (skeleton["ref"] == "G60").sum() + 1  # one G60 segment split in two
    joint = set(g60["u"]) | set(g60["v"])
    g0421 = roads.edges[roads.edges["ref"] == "G0421"]
    assert len(joint & (set(g0421["u"]) | set(g0421["v"]))) == 1  # the two roads share exactly one node


def _folder(tmp_path: Path, refs: str, lon: str = "112.861") -> Path:
    row = {"interchange": "X", "name": "x", "refs": refs, "lon": lon, "lat": "27.919", "source": "test", "inferred": ""}
    (tmp_path / "interchanges.csv").write_text(",".join(INTERCHANGE_COLUMNS) + "\n" + ",".join(row[c] for c in INTERCHANGE_COLUMNS) + "\n", encoding="utf-8")
    return tmp_path


def test_a_bad_interchange_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"interchanges\.csv: line 2, field 'refs'"):
        load_interchanges(_folder(tmp_path, "G60"))
    far = load_interchanges(_folder(tmp_path, "G60;G4", lon="112.70"))
    with pytest.raises(DataError, match=r"interchange 'X', field 'refs': road 'G60' has no edge within"):
        with_interchanges(load_embedded_roads(), far)
