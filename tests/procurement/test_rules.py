"""The rule set is data with a schema: bad files fail loudly and name the entry; versions are kept."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from sqlalchemy.orm import Session

from govlotse.core.actor import SYSTEM
from govlotse.errors import Forbidden
from govlotse.procurement import rules, service
from govlotse.procurement.advisor import AdviceInput
from tests.factories import make_challenge, make_org, make_user


def _shipped_data() -> dict:
    return yaml.safe_load(rules.shipped_files()[-1].read_text(encoding="utf-8"))


def test_every_rule_has_source_basis_validity_status_confidence() -> None:
    rule_set = rules.shipped()
    assert len(rule_set.rules) > 80
    for rule in rule_set.rules:
        assert rule.source and rule.legal_basis and rule.status and rule.confidence, rule.id


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["rules"][1].update(amount=-3),
            "threshold.supplies_services_central_government.2026' field amount",
        ),
        (lambda d: d["rules"][0].pop("source"), "threshold.works_classic.2026' field source"),
        (lambda d: d["rules"][2].update(valid_to="2020-01-01"), "valid_to is before valid_from"),
        (lambda d: d["rules"][3].update(confidence="maybe"), "field confidence"),
        (lambda d: d["rules"].append(dict(d["rules"][0])), "occurs twice"),
    ],
)
def test_bad_rule_files_name_the_entry(change, expected: str) -> None:  # type: ignore[no-untyped-def]
    data = _shipped_data()
    change(data)
    with pytest.raises(rules.RuleSetInvalid) as info:
        rules.parse(yaml.safe_dump(data, allow_unicode=True), name="bad.yaml")
    assert expected in info.value.detail and "bad.yaml" in info.value.detail


def test_garbage_is_refused() -> None:
    with pytest.raises(rules.RuleSetInvalid):
        rules.parse("::: not yaml [", name="x")
    with pytest.raises(rules.RuleSetInvalid):
        rules.parse("[1, 2]", name="x")


def test_new_version_is_used_and_old_advice_keeps_its_version(session: Session) -> None:
    agency = make_org(session, kind="agency")
    challenge = make_challenge(session, org=agency, budget_max=120_000)
    advice_in = AdviceInput(value=200_000, kind="services", authority="sub-central", start_date=date(2026, 9, 1))
    first, record = service.advise(session=session, actor=SYSTEM, advice_in=advice_in, challenge_id=challenge.id)
    assert first.regime == "national" and record is not None and record.rules_version == rules.shipped().version

    data = _shipped_data()
    data["version"] = "2026-12-test"
    for rule in data["rules"]:
        if rule["id"] == "threshold.supplies_services_sub_central.2026":
            rule["amount"] = 199_000  # a (hypothetical) corrected figure
    service.load_rule_set(session=session, actor=SYSTEM, text=yaml.safe_dump(data, allow_unicode=True), name="new.yaml")
    second, record2 = service.advise(session=session, actor=SYSTEM, advice_in=advice_in, challenge_id=challenge.id)
    assert second.regime == "eu" and second.rules_version == "2026-12-test"
    assert record2 is not None and record2.rules_version == "2026-12-test"
    session.refresh(record)
    assert record.rules_version == rules.shipped().version and record.result["regime"] == "national"
    assert service.rule_set_of(session, record.rules_version).version == rules.shipped().version
    versions = {v.version: v.active for v in service.list_versions(session=session)}
    assert versions == {rules.shipped().version: False, "2026-12-test": True}


def test_only_admins_load_rule_sets(session: Session) -> None:
    from govlotse.accounts.service import actor_for

    unit = actor_for(make_user(session, role="unit", org=make_org(session)))
    with pytest.raises(Forbidden):
        service.load_rule_set(session=session, actor=unit, text="x", name="x")
