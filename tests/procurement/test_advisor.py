"""The procurement advisor, table-driven: thresholds, both periods, the experimentation clause, warnings."""

from __future__ import annotations

from datetime import date

import pytest

from govlotse.procurement import rules
from govlotse.procurement.advisor import AdviceInput, NoApplicableRule, advise

RS = rules.shipped()

# (kind, authority) → EU threshold in 2024-2025 and in 2026-2027 (Del. Reg. (EU) 2023/2495 ff. and 2025/2152 ff.)
THRESHOLDS = {
    ("supplies", "central"): (143_000, 140_000),
    ("services", "central"): (143_000, 140_000),
    ("supplies", "sub-central"): (221_000, 216_000),
    ("services", "sub-central"): (221_000, 216_000),
    ("works", "central"): (5_538_000, 5_404_000),
    ("works", "sub-central"): (5_538_000, 5_404_000),
    ("social_services", "central"): (750_000, 750_000),
    ("social_services", "sub-central"): (750_000, 750_000),
    ("supplies", "utility"): (443_000, 432_000),
    ("services", "utility"): (443_000, 432_000),
    ("works", "utility"): (5_538_000, 5_404_000),
    ("social_services", "utility"): (1_000_000, 1_000_000),
    ("supplies", "defence"): (443_000, 432_000),
    ("services", "defence"): (443_000, 432_000),
    ("works", "defence"): (5_538_000, 5_404_000),
}
DAYS = {
    0: [date(2024, 1, 1), date(2025, 6, 30), date(2025, 12, 31)],
    1: [date(2026, 1, 1), date(2026, 9, 1), date(2027, 12, 31)],
}
CASES = [
    (kind, authority, day, amounts[period], offset)
    for (kind, authority), amounts in THRESHOLDS.items()
    for period, days in DAYS.items()
    for day in days
    for offset in (-1, 0, 1)
]


def _advise(value: int, kind: str = "services", authority: str = "sub-central", **kw: object):  # type: ignore[no-untyped-def]
    data = {"value": value, "kind": kind, "authority": authority, "land": None, "start_date": date(2026, 9, 1), **kw}
    return advise(RS, AdviceInput.model_validate(data))


@pytest.mark.parametrize(("kind", "authority", "day", "threshold", "offset"), CASES)
def test_threshold_one_euro_below_at_and_above(
    kind: str, authority: str, day: date, threshold: int, offset: int
) -> None:
    result = _advise(threshold + offset, kind, authority, start_date=day)
    assert result.threshold_eur == threshold
    # § 106 Abs. 1 GWB: a value that reaches the threshold is above it
    assert result.regime == ("national" if offset < 0 else "eu")
    assert result.rules_version == RS.version
    assert any(s["rule"] == result.threshold_rule for s in result.sources)


def test_new_year_2026_changes_the_threshold() -> None:
    assert _advise(218_000, start_date=date(2025, 12, 31)).regime == "national"  # below 221,000
    assert _advise(218_000, start_date=date(2026, 1, 1)).regime == "eu"  # at or above 216,000


def test_dates_outside_the_rule_set_are_refused() -> None:
    with pytest.raises(NoApplicableRule):
        _advise(100_000, start_date=date(2028, 1, 1))


def test_eu_procedures_and_recommendation() -> None:
    plain = _advise(300_000)
    assert plain.regime == "eu"
    assert {"open_procedure", "restricted_procedure"} <= set(plain.permitted)
    assert "innovation_partnership" not in plain.permitted and plain.recommended == "open_procedure"
    assert {p.id for p in plain.conditional} >= {"negotiated_with_competition", "negotiated_without_competition"}
    open_proc = next(p for p in plain.procedures if p.id == "open_procedure")
    assert open_proc.deadlines["tender_days"] == 35 and "§ 15 VgV" in open_proc.legal_basis
    innovative = _advise(300_000, innovative=True)
    assert {"negotiated_with_competition", "competitive_dialogue", "innovation_partnership"} <= set(
        innovative.permitted
    )
    assert innovative.recommended == "negotiated_with_competition"
    assert next(r for r in innovative.special_routes if r.id == "innovation_partnership").available


def test_national_default_rules() -> None:
    small = _advise(800)
    assert small.regime == "national" and "direct_award" in small.permitted and small.recommended == "direct_award"
    above_default = _advise(1_001)
    assert "direct_award" not in above_default.permitted and above_default.recommended == "public_tender"
    federal = _advise(14_000, authority="central")
    assert "direct_award" in federal.permitted  # federal bodies: 15,000
    assert "negotiated_award" in {p.id for p in _advise(50_000).conditional}


def test_hamburg_value_limits() -> None:
    direct = _advise(5_000, land="hamburg")
    assert "direct_award" in direct.permitted
    assert "direct_award" not in _advise(5_001, land="hamburg").permitted
    negotiated = _advise(60_000, land="hamburg")
    assert {"negotiated_award", "restricted_tender_without_competition"} <= set(negotiated.permitted)
    assert negotiated.recommended == "negotiated_award"
    above = _advise(150_000, land="hamburg")
    assert "negotiated_award" not in above.permitted


BASE = {"value": 90_000, "land": "hamburg", "innovative": True, "govtech_unit": True, "term_months": 18}


def _clause(**changes: object):  # type: ignore[no-untyped-def]
    result = _advise(**{**BASE, **changes})  # type: ignore[arg-type]
    route = next(r for r in result.special_routes if r.id == "hh_experimentation_clause")
    return result, route


def test_experimentation_clause_when_every_condition_holds() -> None:
    result, route = _clause()
    assert route.available and "hh_experimentation_clause" in result.permitted
    assert result.recommended == "hh_experimentation_clause"
    assert route.valid_to == date(2026, 12, 31)
    assert all(c.met for c in route.conditions)


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"govtech_unit": False}, "govtech_unit"),
        ({"innovative": False}, "innovative"),
        ({"term_months": 25}, "term"),
        ({"term_months": None}, "term"),
        ({"value": 100_000}, "value"),
        ({"start_date": date(2027, 1, 1)}, "valid"),
    ],
)
def test_each_condition_of_the_experimentation_clause(changes: dict, failing: str) -> None:
    result, route = _clause(**changes)
    assert not route.available
    assert "hh_experimentation_clause" not in result.permitted
    assert [c.code for c in route.conditions if not c.met] == [failing]


def test_experimentation_clause_boundaries() -> None:
    assert _clause(term_months=24)[1].available
    assert _clause(value=99_999)[1].available
    assert _clause(start_date=date(2026, 12, 31))[1].available
    assert not any(r.id == "hh_experimentation_clause" for r in _advise(90_000, land=None).special_routes)


def test_warnings() -> None:
    near = _advise(205_000)
    assert "near_threshold" in {w.code for w in near.warnings}
    assert "near_threshold" not in {w.code for w in _advise(150_000).warnings}
    split = _advise(97_000, land="hamburg")
    assert any(w.code == "splitting" and "100.000" in w.text for w in split.warnings)
    expiring = _clause(start_date=date(2026, 11, 15))[0]
    assert any(w.code == "expiring" and w.rule == "route.hh_experimentation_clause" for w in expiring.warnings)
    unverified = _advise(90_000, land="hamburg", innovative=True)
    assert any(w.code == "unverified" for w in unverified.warnings)
    assert "Keine Rechtsberatung" in unverified.disclaimer
