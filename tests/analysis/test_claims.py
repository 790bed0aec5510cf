"""The claims audit (network/analysis/claims.py, ``run_scenario.py claims``): every claim in data/claims.csv is
evaluated for its year, verdict rules on hand-made tables, file errors, and the calibration-independence rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from network._errors import InputError
from network.analysis import claims as C
from network.model.region import Region
from network.paths import DATA_DIR

PROGRESS: list[tuple[int, int, str]] = []


@pytest.fixture(scope="module")
def audited(region: Region) -> tuple[list[C.Claim], pd.DataFrame]:
    claims = C.load_claims()
    PROGRESS.clear()
    table, _ = C.audit(claims, region, progress=lambda i, n, c: PROGRESS.append((i, n, c.id)))
    return claims, table


@pytest.mark.slow  # builds the whole audit (every claim's year scenario, ~70 s of CPU), as the tests below that share it
def test_the_audit_reports_progress_claim_by_claim(audited: tuple[list[C.Claim], pd.DataFrame]) -> None:
    """An audit takes minutes: the command line prints a line per claim as it is reached."""
    claims, _ = audited
    assert PROGRESS == [(i, len(claims), c.id) for i, c in enumerate(claims, start=1)]


def test_the_file_holds_at_least_eight_sourced_claims() -> None:
    claims = C.load_claims()
    assert len(claims) >= 8
    assert all(c.source_url.startswith("http") and c.wording_zh and c.who for c in claims)
    assert {c.definition for c in claims} >= {"corridor_end_to_end", "station_to_station", "urban_area_to_urban_area", "core_area_commute"}


@pytest.mark.slow
def test_every_claim_in_the_file_is_evaluated_for_its_year(audited: tuple[list[C.Claim], pd.DataFrame]) -> None:
    claims, table = audited
    assert list(table["id"]) == [c.id for c in claims]
    assert set(table["verdict"]) <= {"supported", "partly", "not supported"}  # none 'not evaluable'
    for c, row in zip(claims, table.to_dict(orient="records")):
        assert row["year"] == c.year and row["period"] == c.period
        assert row["scenario"] == f"year-{c.year}"
        assert row["figures"] and row["to_change"]
        assert "not observed commuting" in row["basis"]
        assert row["tier"] == "embedded"


@pytest.mark.slow
def test_the_2020_corridor_claim_names_each_road_and_what_it_lacks(audited: tuple[list[C.Claim], pd.DataFrame]) -> None:
    _, table = audited
    row = table.set_index("id").loc["sangan-2020-corridors"]
    for name in ("芙蓉大道", "洞株路", "潭州大道"):
        assert name in row["figures"]
    if row["verdict"] != "supported":
        assert "short" in row["to_change"]


@pytest.mark.slow
def test_a_claim_tied_to_fitted_rows_is_marked_not_independent(audited: tuple[list[C.Claim], pd.DataFrame]) -> None:
    _, table = audited
    t = table.set_index("id")
    assert not bool(t.loc["ic-2016-40min", "independent"])
    assert "not independent" in t.loc["ic-2016-40min", "calibration_note"]
    assert bool(t.loc["sangan-2020-corridors", "independent"])  # B rows: reported, not fitted


def _claim(**kw: object) -> C.Claim:
    base: dict[str, object] = dict(
        id="x",
        date="2020",
        wording_zh="测试",
        who="t",
        definition="corridor_end_to_end",
        measure="minutes",
        scope=("a", "b"),
        threshold_minutes=30.0,
        year=2020,
        period="off_peak",
        mode="car",
        source_url="http://x",
        calibration_rows=(),
        reading="",
    )
    base.update(kw)
    return C.Claim(**base)  # type: ignore[arg-type]


def _tab(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {"period": "off_peak", "threshold_minutes": float("nan"), "mode": "car", "destination": "", "headline": True}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_list_verdicts_supported_partly_not_and_minutes_short() -> None:
    c = _claim()
    rows = [
        {"definition": "corridor_end_to_end", "measure": "minutes", "origin": "a", "value": 28.0},
        {"definition": "corridor_end_to_end", "measure": "minutes", "origin": "b", "value": 31.0},
    ]
    v = C.judge(c, _tab(rows), {"b": "洞株路"})
    assert v.verdict == "partly" and "洞株路 31.0 min: 1.0 min short" in v.to_change
    rows[1]["value"] = 30.0
    assert C.judge(c, _tab(rows)).verdict == "supported"
    rows[0]["value"] = rows[1]["value"] = 45.0
    assert C.judge(c, _tab(rows)).verdict == "not supported"


def test_an_approximate_figure_is_met_within_the_tag_tolerance() -> None:
    """"20分钟左右" (about 20 min) is met by 20.9 and by 23.0 (15 % of 20 = 3 min) but not by 23.5; a plain
    "20分钟内" (within 20 min) is not met by 20.9."""
    about = _claim(wording_zh="通勤时间将缩短至20分钟左右", threshold_minutes=20.0, scope=("a",))
    within = _claim(wording_zh="20分钟内", threshold_minutes=20.0, scope=("a",))
    assert C.allowed_minutes(about) == 23.0 and C.allowed_minutes(within) == 20.0

    def tab(v: float) -> pd.DataFrame:
        return _tab([{"definition": "corridor_end_to_end", "measure": "minutes", "origin": "a", "value": v}])

    assert C.judge(about, tab(20.9)).verdict == "supported" and "approximate" in C.judge(about, tab(20.9)).figures
    assert C.judge(about, tab(23.0)).verdict == "supported"
    assert C.judge(about, tab(23.5)).verdict == "not supported"
    assert C.judge(within, tab(20.9)).verdict == "not supported"


def test_share_verdicts_use_the_majority_rule() -> None:
    c = _claim(definition="core_area_commute", measure="share_intercity_pairs_within", scope=("中心区",), mode="best")

    def tab(share: float) -> pd.DataFrame:
        return _tab(
            [
                {
                    "definition": "core_area_commute",
                    "measure": "share_intercity_pairs_within",
                    "origin": "中心区",
                    "mode": "best",
                    "threshold_minutes": 30.0,
                    "value": share,
                },
                {
                    "definition": "core_area_commute",
                    "measure": "median_intercity_minutes",
                    "origin": "中心区",
                    "mode": "best",
                    "value": 42.0,
                },
            ]
        )

    assert C.judge(c, tab(0.6)).verdict == "supported"
    assert C.judge(c, tab(0.2)).verdict == "partly"
    v = C.judge(c, tab(0.05))
    assert v.verdict == "not supported" and "12.0 min short" in v.to_change


def test_independence_by_reliability() -> None:
    obs = pd.DataFrame({"id": ["a1", "b1"], "reliability": ["A", "B"]})
    assert C.independence(_claim(calibration_rows=("a1",)), obs)[0] is False
    assert C.independence(_claim(calibration_rows=("b1",)), obs)[0] is True
    assert C.independence(_claim(calibration_rows=()), obs)[0] is True
    assert C.independence(_claim(calibration_rows=("a1",)), None)[0] is None


def test_independence_by_use() -> None:
    """A claim row is not fitted (independent); a model input (a published run time the model takes as data) is not independent."""
    obs = pd.DataFrame({"id": ["a1", "a2", "b1"], "reliability": ["A", "A", "B"], "use": ["claim", "model_input", "scored"]})
    assert C.independence(_claim(calibration_rows=("a1",)), obs)[0] is True
    indep, why = C.independence(_claim(calibration_rows=("a2", "b1")), obs)
    assert indep is False and "a2" in why and "inputs" in why


def test_a_bad_claims_file_names_file_line_and_field(tmp_path: Path) -> None:
    good = pd.read_csv(DATA_DIR / "claims.csv", dtype=str, keep_default_na=False)
    bad = good.copy()
    bad.loc[1, "source_url"] = ""
    p = tmp_path / "claims.csv"
    bad.to_csv(p, index=False)
    with pytest.raises(InputError, match=r"claims.csv:3: field 'source_url'"):
        C.load_claims(p)
    bad = good.copy()
    bad.loc[0, "scope"] = "no-such-road"
    bad.loc[0, "definition"] = "corridor_end_to_end"
    bad.to_csv(p, index=False)
    with pytest.raises(InputError, match="field 'scope'"):
        C.load_claims(p)


@pytest.mark.slow
def test_timeline_by_definition_attributes_the_2020_corridor_change_to_the_san_gan(region: Region) -> None:
    from network.analysis.claims import year_scenario
    from network.analysis.definition_series import definition_attribution, definition_timeline

    years = [year_scenario(y) for y in (2018, 2020)]
    values, steps = definition_timeline(years, region, "corridor_end_to_end")
    assert set(values["year"]) == {2018, 2020} and values["basis"].str.contains("not observed").all()
    own = [
        float(steps[(steps["year"] == 2020) & steps["series"].str.contains(f"{p}→") & (steps["item"] == p)]["effect"].iloc[0])
        for p in ("furong-avenue", "dongzhu-road", "tanzhou-avenue")
    ]
    assert min(own) < 0 and max(own) <= 1e-6  # a 三干 road makes its own end-to-end drive faster, none slower
    # each step's parts add up to the change
    for _, g in steps.groupby(["year", "series"]):
        assert g["effect"].sum() == pytest.approx(g["change"].iloc[0], abs=1e-3)
    att = definition_attribution(years[1], years[0], region, "corridor_end_to_end")
    assert set(att["project"]) >= {"furong-avenue", "dongzhu-road", "tanzhou-avenue"}


@pytest.mark.slow  # needs the whole audit (every claim's year), as test_every_claim_in_the_file_is_evaluated_for_its_year
def test_the_docs_claims_table_is_this_audit(audited: tuple[list[C.Claim], pd.DataFrame]) -> None:
    """docs/definitions.md shows the audit `run_scenario.py claims` computes (refresh with
    `tools/readme_tables.py claims` after `run_scenario.py claims`)."""
    from tools.readme_tables import claims_table, drifted, pages

    texts = {p.name: p.read_text(encoding="utf-8") for p in pages()}
    assert "<!-- table:claims -->" in texts["definitions.md"]
    assert drifted("claims", claims_table(audited[1]), texts) == []
