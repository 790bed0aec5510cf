"""``route --via`` without ``--mode`` takes car, the only mode it drives (review item 5c: it was refused
unless ``--mode car`` was given); an explicit other mode is still a usage error."""

from __future__ import annotations

import json

import pytest

from network.cli.main import main

ENDS = ["--from", "113.034,28.087", "--to", "113.105,27.895", "--year", "2018", "--period", "off_peak", "--json"]
VIA = ["--via", "113.050,28.030;113.075,27.960"]


def test_via_alone_drives_by_car(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", *VIA, *ENDS]) == 0
    implied = json.loads(capsys.readouterr().out)
    assert main(["route", "--mode", "car", *VIA, *ENDS]) == 0
    explicit = json.loads(capsys.readouterr().out)
    assert implied["mode"] == "car" and implied["minutes"] == explicit["minutes"]
    assert any("洞株路" in leg["label"] for leg in implied["legs"])
    assert main(["route", "--mode", "best", *VIA, *ENDS]) == 2
    assert "--mode car" in capsys.readouterr().err


def test_without_via_the_default_is_still_best(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", *ENDS]) == 0
    assert json.loads(capsys.readouterr().out)["mode"].startswith("best")
