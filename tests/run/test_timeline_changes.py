"""The timeline names every year's change: planned catalogue projects a future year's scenario assumes open
are listed beside the dated ones (the 2030 scenario takes in the G4 widening, which has no opening date)."""

from __future__ import annotations

from network.run.timeline import UNKNOWN_DATE_KIND, network_changes, year_resolved


def test_a_future_years_planned_projects_are_named_in_its_year() -> None:
    resolved = year_resolved()
    active = {r.year: r.active for r in resolved if r.year is not None}
    years = sorted(active)
    t = network_changes(years, dict.fromkeys(years, 0.0), active)
    y2030 = t[(t["year"] == 2030) & (t["kind"] != UNKNOWN_DATE_KIND)]
    newly = active[2030] - active[max(y for y in years if y < 2030)]
    assert newly, "the 2030 scenario takes in projects the 2027 one does not"
    assert newly <= set(y2030["id"]), newly - set(y2030["id"])
    assert "g4-widening" in set(y2030["id"]) or "g4-widening" in set(t["id"])


def test_without_the_scenarios_projects_only_dated_changes_are_listed() -> None:
    t = network_changes([2027, 2030], {2027: 0.0, 2030: 0.0})
    assert "g4-widening" not in set(t["id"])  # planned, no date: only a scenario's project list names it
