"""Calibration machinery (network/analysis/calibrate.py, `run_scenario.py calibrate`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from network._errors import DataError
from network.analysis.calibrate import (
    MISSING_ROW_PENALTY,
    Calibrator,
    build_calibrator,
    coordinate_search,
    leave_one_out,
    log_ratio_objective,
    parameter_table,
    sensitivity,
    with_overrides,
)
from network.analysis.metrics import Evaluation, centre_minutes
from network.analysis.observed import COLUMNS, load_observed
from network.cli.main import main
from network.model.graph import NetworkState
from network.model.parameters import DEFAULTS, PARAMETER_TABLE, PARAMETERS, check_parameters
from network.model.region import Region

# a timed drive on 长潭西高速 (the shared file's B row, marked A here so that it may be fitted), and a B claim
# synthetic rows on the 长潭西高速 end points: 14 min for the 27.95 km the model drives in about 18 at 100 km/h
CAR_A = "ctw-a,car,corridor_end_to_end,含浦,112.862,28.100,湘潭,112.860,27.855,2006,14,,,27.95,off_peak,A,timed drive,https://example.org/a"
CAR_B = "ctw-b,car,corridor_end_to_end,含浦,112.862,28.100,湘潭,112.860,27.855,2006,14,,,27.95,off_peak,B,claim,https://example.org/b"
SPEED = "speed_expressway_off_peak_kph"


def test_every_parameter_value_lies_in_its_range() -> None:
    """CI fails when a value leaves its documented range (or a range or source is missing)."""
    assert PARAMETER_TABLE, "the parameter table is empty"
    for p in PARAMETER_TABLE:
        assert p.low < p.high, p.name
        assert p.low <= p.value <= p.high, f"{p.name} = {p.value} outside [{p.low}, {p.high}]"
        assert p.unit and p.source, p.name
    check_parameters(DEFAULTS)
    assert parameter_table()["in_range"].all()


def test_out_of_range_values_are_refused_naming_the_range() -> None:
    p = PARAMETER_TABLE[0]
    with pytest.raises(DataError, match=rf"{p.name}.*expected a value in \[{p.low:g}, {p.high:g}\]"):
        check_parameters({p.name: p.high + 1})
    with pytest.raises(DataError, match="unknown parameter 'no_such_kph'"):
        with_overrides({}, {"no_such_kph": 1.0})
    assert not parameter_table({p.name: p.high + 1}).set_index("parameter").loc[p.name, "in_range"]


def test_log_ratio_objective_hand_computed() -> None:
    assert log_ratio_objective([10, 20, 30], [20, None, 30]) == pytest.approx(math.log(2) ** 2 + MISSING_ROW_PENALTY)
    assert log_ratio_objective([10], [5]) == pytest.approx(math.log(2) ** 2)  # symmetric in the ratio


def test_coordinate_search_finds_an_interior_minimum() -> None:
    f = lambda v: (v["x"] - 3.3) ** 2 + (v["y"] + 1.0) ** 2 + 0.5 * (v["x"] - 3.3) * (v["y"] + 1.0)  # noqa: E731
    res = coordinate_search(f, {"x": (0.0, 10.0), "y": (-5.0, 5.0)}, {"x": 9.0, "y": 4.0})
    assert res.values["x"] == pytest.approx(3.3, abs=0.2) and res.values["y"] == pytest.approx(-1.0, abs=0.2)
    assert res.objective < res.start_objective and res.objective < 0.05
    assert all(0.0 <= v <= 10.0 for _, n, v, _ in res.trace if n == "x")


def test_coordinate_search_stays_inside_bounds_and_keeps_ties() -> None:
    res = coordinate_search(lambda v: (v["x"] - 20.0) ** 2, {"x": (0.0, 10.0)}, {"x": 5.0})
    assert res.values["x"] == 10.0  # the bound, not beyond
    flat = coordinate_search(lambda v: 1.0, {"x": (0.0, 10.0)}, {"x": 4.2})
    assert flat.values["x"] == 4.2 and flat.objective == 1.0  # an insensitive parameter does not move
    with pytest.raises(ValueError, match="outside"):
        coordinate_search(lambda v: 0.0, {"x": (0.0, 1.0)}, {"x": 2.0})


def test_local_search_stays_in_the_start_basin() -> None:
    """coarse=False (leave-one-out refits) searches around the start; the default sweeps the whole range first."""
    f = lambda v: min((v["x"] - 2.0) ** 2, (v["x"] - 8.0) ** 2 - 1.0)  # noqa: E731  (local minimum 2, global 8)
    local = coordinate_search(f, {"x": (0.0, 10.0)}, {"x": 2.5}, coarse=False)
    full = coordinate_search(f, {"x": (0.0, 10.0)}, {"x": 2.5})
    assert local.values["x"] == pytest.approx(2.0, abs=0.2) and full.values["x"] == pytest.approx(8.0, abs=0.2)


def test_centre_minutes_equal_the_full_evaluation(surveyed_state: NetworkState, surveyed_eval: Evaluation, region: Region) -> None:
    """The sensitivity runs' centre-only search gives the headline's centre-to-centre minutes exactly."""
    only = centre_minutes(surveyed_state, region)
    for mode in ("car", "transit", "best"):
        assert only[mode] == pytest.approx(surveyed_eval.centre_minutes[mode], abs=1e-9), mode


@pytest.fixture(scope="module")
def car_calibrator(tmp_path_factory: pytest.TempPathFactory) -> Calibrator:
    p = tmp_path_factory.mktemp("cal") / "rows.csv"
    p.write_text(",".join(COLUMNS) + "\n" + CAR_A + "\n" + CAR_B + "\n", encoding="utf-8")
    return build_calibrator(load_observed(p))


def test_fit_uses_a_rows_only_and_moves_a_physical_parameter_the_right_way(car_calibrator: Calibrator) -> None:
    cal = car_calibrator
    assert [r.id for r in cal.a_rows] == ["ctw-a"]
    with pytest.raises(ValueError, match="reliability-A rows only"):
        cal.fit([SPEED], rows=list(cal.rows))
    before = cal.objective(cal.a_rows, {})
    res = cal.fit([SPEED], grid_points=3, max_rounds=1)
    # the model drives the 14 (synthetic) minutes in about 18: a faster expressway is the fit's answer
    assert res.start_objective == pytest.approx(before)
    assert res.values[SPEED] > DEFAULTS[SPEED] and res.objective < before
    assert PARAMETERS[SPEED].low <= res.values[SPEED] <= PARAMETERS[SPEED].high


def test_leave_one_out_tables(car_calibrator: Calibrator) -> None:
    rows, params = leave_one_out(car_calibrator, [SPEED], {SPEED: 110.0}, grid_points=3, max_rounds=1)
    assert list(rows["id"]) == ["ctw-a"]  # B rows are never in the leave-one-out
    # one A row: without it nothing is left to fit, so the prediction is the centre's
    assert rows.loc[0, "loo_model_min"] == rows.loc[0, "model_min"] and rows.loc[0, "moved_most"] == "none moved"
    assert list(params["parameter"]) == [SPEED] and params.loc[0, "value"] == 110.0
    rows0, params0 = leave_one_out(car_calibrator, [], {})
    assert params0.empty and rows0.loc[0, "moved_most"].startswith("no fitted parameters")


def test_sensitivity_moves_off_peak_figures_only(car_calibrator: Calibrator) -> None:
    table, ranges = sensitivity(car_calibrator, {}, [SPEED])
    assert len(table) == len(ranges) == 7
    t = table.set_index("figure")
    assert (t["value_minus"] == 90.0).all() and (t["value_plus"] == 110.0).all() and not t["clipped"].any()
    off = [f for f in t.index if "off_peak" in f]
    am = [f for f in t.index if "am_peak" in f]
    assert all(t.loc[f, "at_plus"] <= t.loc[f, "base"] <= t.loc[f, "at_minus"] for f in off)
    assert t.loc[off, "max_abs_change"].max() > 0, "an off-peak expressway speed changes some off-peak centre time"
    assert (t.loc[am, "max_abs_change"] == 0).all(), "the off-peak speed does not touch the AM peak"
    r = ranges.set_index("figure")
    assert (r["low"] <= r["base"]).all() and (r["base"] <= r["high"]).all()


def test_calibrate_command_writes_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "rows.csv"
    p.write_text(",".join(COLUMNS) + "\n" + CAR_A + "\n" + CAR_B + "\n", encoding="utf-8")
    out = tmp_path / "cal"
    assert main(["calibrate", "--csv", str(p), "--out", str(out), "--fit", "--fit-parameters", SPEED]) == 0
    printed = capsys.readouterr().out
    assert "fit: objective" in printed and "leave-one-out" in printed and "OpenStreetMap contributors" in printed
    table = pd.read_csv(out / "parameters.csv").set_index("parameter")
    assert table.loc[SPEED, "value"] > DEFAULTS[SPEED] and table["in_range"].all()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (
        summary["a_rows"] == ["ctw-a"]
        and summary["network"]["tier"] == "embedded"
        and summary["fit"]["objective"] < summary["fit"]["start_objective"]
    )
    for f in ("loo_rows.csv", "loo_parameters.csv", "fit_trace.csv"):
        assert (out / f).stat().st_size > 0


def test_calibrate_command_refuses_unknown_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--fit-parameters", "walk_speed"])
    assert exc.value.code == 2 and "unknown parameter(s) ['walk_speed']" in capsys.readouterr().err
