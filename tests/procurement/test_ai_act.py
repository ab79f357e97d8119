"""EU AI Act pre-classification: risk classes and the deployer duties with their (2026-amended) dates."""

from __future__ import annotations

from datetime import date

from govlotse.procurement import compliance, rules

RS = rules.shipped()


def _check(**kw: object) -> compliance.AiActResult:
    return compliance.classify(RS, compliance.AiActAnswers.model_validate({"use_date": date(2026, 9, 1), **kw}))


def test_prohibited_practice() -> None:
    result = _check(prohibited=["Art. 5(1)(c)"], annex_iii_point=5)
    assert result.risk_class == "prohibited"


def test_annex_iii_use_is_high_risk_with_amended_dates() -> None:
    result = _check(annex_iii_point=5)
    assert result.risk_class == "high_risk"
    duties = {d.ref: d for d in result.duties}
    assert duties["Art. 27"].applies_from == date(2027, 12, 2)  # FRIA, as amended (originally 2.8.2026)
    assert duties["Art. 26(8), Art. 49(3)"].applies_from == date(2027, 12, 2)
    assert not duties["Art. 27"].applicable  # not yet on 1.9.2026
    assert duties["Art. 4"].applies_from == date(2025, 2, 2) and duties["Art. 4"].applicable
    assert any(w.code == "omnibus" for w in result.warnings)
    later = _check(annex_iii_point=5, use_date=date(2027, 12, 2))
    assert {d.ref: d for d in later.duties}["Art. 27"].applicable
    assert not {d.ref: d for d in _check(annex_iii_point=5, use_date=date(2027, 12, 1)).duties}["Art. 27"].applicable


def test_critical_infrastructure_needs_no_fria() -> None:
    refs = {d.ref for d in _check(annex_iii_point=2).duties}
    assert "Art. 27" not in refs and "Art. 26(1)-(2)" in refs


def test_narrow_task_derogation_unless_profiling() -> None:
    assert _check(annex_iii_point=4, narrow_task=True).risk_class == "minimal_risk"
    assert _check(annex_iii_point=4, narrow_task=True, profiling=True).risk_class == "high_risk"


def test_chatbot_has_transparency_duties_from_august_2026() -> None:
    result = _check(interacts_with_people=True)
    assert result.risk_class == "transparency_limited_risk"
    art50 = [d for d in result.duties if d.ref.startswith("Art. 50")]
    assert art50 and all(d.applies_from == date(2026, 8, 2) for d in art50)
    assert not any(d.ref.startswith("Art. 26") for d in result.duties)


def test_minimal_risk_keeps_ai_literacy() -> None:
    result = _check()
    assert result.risk_class == "minimal_risk"
    assert {d.ref for d in result.duties} == {"Art. 4", "Art. 5"}


def test_timeline_marks_adopted_but_unpublished_dates() -> None:
    dates = {d["date"]: d for d in _check().dates}
    assert dates["2027-12-02"]["status"] == "adopted" and dates["2025-02-02"]["status"] == "in_force"


def test_gdpr_checklist() -> None:
    assert compliance.gdpr_checklist(RS, personal_data=False) == []
    items = {
        i.check: i
        for i in compliance.gdpr_checklist(RS, personal_data=True, special_categories=True, hosting=["saas_non_eu"])
    }
    assert items["dpia"].level == "likely" and items["third_country_transfers"].level == "required"
    assert "Art. 28" in items["processor_agreement"].legal_basis


def test_evb_it() -> None:
    assert compliance.evb_it(RS, "cloud_service").contract == "EVB-IT Cloud"
    assert compliance.evb_it(RS, "custom_development").contract == "EVB-IT Erstellung"
