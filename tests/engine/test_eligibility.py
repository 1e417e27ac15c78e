import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from markaz.engine.eligibility import (
    Applicant,
    Decision,
    EligibilityRules,
    RuleResult,
    age_on,
    evaluate,
)

BERKANE = frozenset({"berkane", "saidia", "ahfir", "aklim"})
RULES = EligibilityRules(province_communes=BERKANE)


def applicant(birth: date, status: str = "unemployed", commune: str | None = "berkane"):
    return Applicant(birth_date=birth, activity_status=status, commune=commune)


def age_passes(birth: date, on: date, rules: EligibilityRules = RULES) -> bool:
    return evaluate(applicant(birth), rules, on).rules[0].passed


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2000, 5, 10), date(2018, 5, 9), 17),
        (date(2000, 5, 10), date(2018, 5, 10), 18),
        (date(2000, 5, 10), date(2000, 5, 10), 0),
        (date(2000, 12, 31), date(2001, 1, 1), 0),
        # 29 February: birthday on 1 March in non-leap years, 29 February in leap years.
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 28), 19),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2000, 2, 28), date(2001, 2, 28), 1),
        (date(2000, 3, 1), date(2001, 2, 28), 0),
    ],
)
def test_age_on_table(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


@pytest.mark.parametrize(
    ("birth", "on", "passes"),
    [
        (date(2008, 9, 1), date(2026, 8, 31), False),  # day before the 18th birthday
        (date(2008, 9, 1), date(2026, 9, 1), True),  # the 18th birthday
        (date(1990, 9, 1), date(2026, 8, 31), True),  # day before the 36th birthday
        (date(1990, 9, 1), date(2026, 9, 1), False),  # the 36th birthday
        # Born 29 February 2008: 18 on 1 March 2026 (non-leap), not on 28 February.
        (date(2008, 2, 29), date(2026, 2, 28), False),
        (date(2008, 2, 29), date(2026, 3, 1), True),
        # Born 29 February 1992: 36 on 29 February 2028 (leap), still 35 the day before.
        (date(1992, 2, 29), date(2028, 2, 28), True),
        (date(1992, 2, 29), date(2028, 2, 29), False),
        (date(1992, 2, 29), date(2028, 3, 1), False),
        # Evaluated on 28 February / 1 March of a non-leap year: birthday on 1 March.
        (date(1991, 3, 1), date(2027, 2, 28), True),
        (date(1992, 2, 29), date(2027, 2, 28), True),
        (date(1992, 2, 29), date(2027, 3, 1), True),
    ],
)
def test_age_rule_boundaries(birth: date, on: date, passes: bool) -> None:
    assert age_passes(birth, on) is passes


def test_29_february_birth_leaving_the_band_in_a_non_leap_year() -> None:
    # Born 29 February 1988 with a 18–36 band: the 37th birthday is in 2025 (non-leap),
    # so the last eligible day is 28 February 2025 and 1 March 2025 is out.
    rules = EligibilityRules(max_age=36, province_communes=BERKANE)
    assert age_passes(date(1988, 2, 29), date(2025, 2, 28), rules)
    assert not age_passes(date(1988, 2, 29), date(2025, 3, 1), rules)


def test_age_reasons_state_the_facts() -> None:
    under = evaluate(applicant(date(2009, 5, 2)), RULES, date(2026, 9, 1)).rules[0]
    assert under.reason_fr == "Âge 17 ans le 01/09/2026 : en dessous du minimum de 18 ans."
    assert under.reason_ar == "العمر 17 سنة بتاريخ 01/09/2026: أقل من الحد الأدنى 18 سنة."
    inside = evaluate(applicant(date(2002, 5, 2)), RULES, date(2026, 9, 1)).rules[0]
    assert inside.reason_fr == "Âge 24 ans le 01/09/2026 : dans la tranche 18–35 ans."
    over = evaluate(applicant(date(1980, 1, 1)), RULES, date(2026, 9, 1)).rules[0]
    assert over.reason_fr == "Âge 46 ans le 01/09/2026 : au-dessus du maximum de 35 ans."
    assert "46" in over.reason_ar and "35" in over.reason_ar


@pytest.mark.parametrize(
    ("status", "commune", "codes_passed", "eligible"),
    [
        ("unemployed", "berkane", (True, True, True), True),
        ("trainee", "ahfir", (True, True, True), True),
        ("worker", "saidia", (True, True, True), True),
        ("student", "berkane", (True, False, True), False),
        ("unemployed", "oujda", (True, True, False), False),
        ("unemployed", None, (True, True, False), False),
        ("retired", "berkane", (True, False, True), False),  # unknown status fails closed
        ("student", None, (True, False, False), False),
    ],
)
def test_activity_and_residence(
    status: str, commune: str | None, codes_passed: tuple[bool, ...], eligible: bool
) -> None:
    decision = evaluate(applicant(date(2000, 1, 1), status, commune), RULES, date(2026, 9, 1))
    assert tuple(r.passed for r in decision.rules) == codes_passed
    assert decision.eligible is eligible


def test_student_reason() -> None:
    decision = evaluate(applicant(date(2000, 1, 1), "student"), RULES, date(2026, 9, 1))
    assert decision.rules[1].reason_fr == (
        "Étudiant·e : le programme s'adresse aux jeunes qui ne sont pas étudiants."
    )
    assert decision.rules[1].reason_ar


def test_configurable_band_and_exclusions() -> None:
    sidi_ifni = EligibilityRules(
        max_age=45, province_communes=frozenset({"x"}), excluded_statuses=frozenset()
    )
    decision = evaluate(applicant(date(1985, 1, 1), "student", "x"), sidi_ifni, date(2026, 1, 1))
    assert decision.eligible
    assert "18–45" in decision.rules[0].reason_fr


def test_empty_province_rejects_every_commune() -> None:
    decision = evaluate(applicant(date(2000, 1, 1)), EligibilityRules(), date(2026, 1, 1))
    assert not decision.rules[2].passed


def test_birth_after_reference_date_is_an_error() -> None:
    with pytest.raises(ValueError):
        evaluate(applicant(date(2026, 9, 2)), RULES, date(2026, 9, 1))
    with pytest.raises(ValueError):
        age_on(date(2026, 9, 2), date(2026, 9, 1))


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        EligibilityRules(min_age=30, max_age=20)
    with pytest.raises(TypeError):
        evaluate(applicant(date(2000, 1, 1)), RULES, datetime(2026, 1, 1))  # noqa: DTZ001


def brute_force_age(birth: date, on: date) -> int:
    """Count the birthdays from the year after birth to ``on`` (29 Feb -> 1 Mar)."""
    birthdays = 0
    for year in range(birth.year + 1, on.year + 1):
        try:
            birthday = birth.replace(year=year)
        except ValueError:  # 29 February in a non-leap year
            birthday = date(year, 3, 1)
        if birthday <= on:
            birthdays += 1
    return birthdays


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
leap_days = st.integers(min_value=0, max_value=48).map(lambda k: date(1904 + 4 * k, 2, 29))


@given(st.one_of(dates, leap_days), st.integers(min_value=0, max_value=40_000))
def test_age_on_matches_brute_force(birth: date, days: int) -> None:
    on = birth + timedelta(days=days)
    assert age_on(birth, on) == brute_force_age(birth, on)


applicants = st.builds(
    Applicant,
    birth_date=st.dates(min_value=date(1950, 1, 1), max_value=date(2026, 1, 1)),
    activity_status=st.sampled_from(["unemployed", "trainee", "worker", "student", "other"]),
    commune=st.one_of(st.none(), st.sampled_from(["berkane", "ahfir", "oujda"])),
)


@given(applicants, st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_every_decision_lists_all_rules_and_round_trips(app: Applicant, on: date) -> None:
    decision = evaluate(app, RULES, on)
    assert [r.code for r in decision.rules] == ["age", "activity", "residence"]
    assert all(r.reason_fr.strip() and r.reason_ar.strip() for r in decision.rules)
    assert decision.eligible == all(r.passed for r in decision.rules)
    assert decision.reference_date == on
    payload = json.loads(json.dumps(decision.to_dict()))
    assert Decision.from_dict(payload) == decision


def test_to_dict_shape() -> None:
    decision = Decision(True, date(2026, 9, 1), (RuleResult("age", True, "fr", "ar"),))
    assert decision.to_dict() == {
        "eligible": True,
        "reference_date": "2026-09-01",
        "rules": [{"code": "age", "passed": True, "reason_fr": "fr", "reason_ar": "ar"}],
    }
