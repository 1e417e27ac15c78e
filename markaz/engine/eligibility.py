"""Eligibility of an applicant for the youth programme (INDH programme 3).

Contract: :func:`evaluate` always evaluates every rule, in the fixed order ``age``,
``activity``, ``residence``, and returns a :class:`Decision` whose ``eligible`` is true exactly
when every rule passed. Each :class:`RuleResult` carries a reason in French and in Arabic that
states the facts (age and reference date, activity status, commune), so a refusal can be shown
to the applicant as is. Rules are configuration (:class:`EligibilityRules`), not code: the age
band differs between provinces.

Age convention: ages are completed years (:func:`age_on`). Someone born on 29 February has the
birthday on 1 March in non-leap years. ``max_age`` is inclusive: an applicant is eligible until
the day before the ``(max_age + 1)``-th birthday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

__all__ = [
    "ACTIVITY_STATUSES",
    "Applicant",
    "Decision",
    "EligibilityRules",
    "RuleResult",
    "age_on",
    "evaluate",
]

RULE_CODES = ("age", "activity", "residence")

# Activity status code -> (French label, Arabic label).
ACTIVITY_STATUSES: dict[str, tuple[str, str]] = {
    "unemployed": ("Sans emploi", "بدون عمل"),
    "trainee": ("Stagiaire", "متدرب(ة)"),
    "worker": ("Travailleur·se", "عامل(ة)"),
    "student": ("Étudiant·e", "طالب(ة)"),
}


@dataclass(frozen=True)
class EligibilityRules:
    """The programme's eligibility rules for one province.

    ``max_age`` is inclusive: eligible until the day before the ``(max_age + 1)``-th birthday.
    ``province_communes`` holds the commune codes of the centre's province; when empty, no
    applicant passes the residence rule. Raises ``ValueError`` for an empty or negative band.
    """

    min_age: int = 18
    max_age: int = 35
    province_communes: frozenset[str] = frozenset()
    excluded_statuses: frozenset[str] = frozenset({"student"})

    def __post_init__(self) -> None:
        if self.min_age < 0 or self.max_age < self.min_age:
            raise ValueError(f"invalid age band {self.min_age}–{self.max_age}")


@dataclass(frozen=True)
class Applicant:
    """The facts about an applicant that eligibility needs.

    ``activity_status`` is one of ``ACTIVITY_STATUSES`` ("unemployed", "trainee", "worker",
    "student"); ``commune`` is a commune code, or ``None`` when unknown or outside the province.
    ``commune_name_fr`` / ``commune_name_ar`` name the commune in the reasons (the code if absent).
    """

    birth_date: date
    activity_status: str
    commune: str | None
    commune_name_fr: str | None = None
    commune_name_ar: str | None = None


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule (``code`` in "age", "activity", "residence") with its reasons."""

    code: str
    passed: bool
    reason_fr: str
    reason_ar: str


@dataclass(frozen=True)
class Decision:
    """All rule results for one applicant on ``reference_date``; ``eligible`` iff all passed."""

    eligible: bool
    reference_date: date
    rules: tuple[RuleResult, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (the date as ISO ``YYYY-MM-DD``); see :meth:`from_dict`."""
        return {
            "eligible": self.eligible,
            "reference_date": self.reference_date.isoformat(),
            "rules": [
                {
                    "code": r.code,
                    "passed": r.passed,
                    "reason_fr": r.reason_fr,
                    "reason_ar": r.reason_ar,
                }
                for r in self.rules
            ],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decision:
        """Rebuild a decision from :meth:`to_dict` output: ``from_dict(x.to_dict()) == x``."""
        return cls(
            eligible=bool(d["eligible"]),
            reference_date=date.fromisoformat(d["reference_date"]),
            rules=tuple(
                RuleResult(
                    code=str(r["code"]),
                    passed=bool(r["passed"]),
                    reason_fr=str(r["reason_fr"]),
                    reason_ar=str(r["reason_ar"]),
                )
                for r in d["rules"]
            ),
        )


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on ``on``.

    The birthday is reached when ``(month, day)`` of ``on`` is at or past that of the birth
    date; so a 29 February birth has its birthday on 1 March in non-leap years (and on
    29 February in leap years). Raises ``ValueError`` if ``birth_date`` is after ``on``.
    """
    if birth_date > on:
        raise ValueError(f"birth date {birth_date.isoformat()} is after {on.isoformat()}")
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _fmt(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _age_rule(applicant: Applicant, rules: EligibilityRules, on: date) -> RuleResult:
    age = age_on(applicant.birth_date, on)
    fr = f"Âge {age} ans le {_fmt(on)} : "
    ar = f"العمر {age} سنة بتاريخ {_fmt(on)}: "
    if age < rules.min_age:
        return RuleResult(
            "age",
            False,
            fr + f"en dessous du minimum de {rules.min_age} ans.",
            ar + f"أقل من الحد الأدنى {rules.min_age} سنة.",
        )
    if age > rules.max_age:
        return RuleResult(
            "age",
            False,
            fr + f"au-dessus du maximum de {rules.max_age} ans.",
            ar + f"أكثر من الحد الأقصى {rules.max_age} سنة.",
        )
    return RuleResult(
        "age",
        True,
        fr + f"dans la tranche {rules.min_age}–{rules.max_age} ans.",
        ar + f"ضمن الفئة العمرية {rules.min_age}–{rules.max_age} سنة.",
    )


def _activity_rule(applicant: Applicant, rules: EligibilityRules) -> RuleResult:
    status = applicant.activity_status
    if status not in ACTIVITY_STATUSES:
        # Fail closed: an unknown status cannot be checked against the exclusions.
        return RuleResult(
            "activity",
            False,
            f"Situation d'activité « {status} » inconnue : impossible de vérifier l'éligibilité.",
            f"الوضعية المهنية «{status}» غير معروفة: تعذر التحقق من الأهلية.",
        )
    label_fr, label_ar = ACTIVITY_STATUSES[status]
    if status in rules.excluded_statuses:
        if status == "student":
            return RuleResult(
                "activity",
                False,
                "Étudiant·e : le programme s'adresse aux jeunes qui ne sont pas étudiants.",
                "طالب(ة): البرنامج موجه للشباب غير الطلبة.",
            )
        return RuleResult(
            "activity",
            False,
            f"{label_fr} : cette situation n'est pas admise par le programme.",
            f"{label_ar}: هذه الوضعية غير مقبولة في البرنامج.",
        )
    return RuleResult(
        "activity",
        True,
        f"{label_fr} : situation admise par le programme.",
        f"{label_ar}: وضعية مقبولة في البرنامج.",
    )


def _residence_rule(applicant: Applicant, rules: EligibilityRules) -> RuleResult:
    commune = applicant.commune
    if commune is None:
        return RuleResult(
            "residence",
            False,
            "Commune de résidence inconnue ou hors de la province.",
            "جماعة الإقامة غير معروفة أو خارج الإقليم.",
        )
    name_fr = applicant.commune_name_fr or commune
    name_ar = applicant.commune_name_ar or commune
    if commune not in rules.province_communes:
        return RuleResult(
            "residence",
            False,
            f"Commune {name_fr} : hors de la province du centre.",
            f"الجماعة {name_ar}: خارج إقليم المركز.",
        )
    return RuleResult(
        "residence",
        True,
        f"Commune {name_fr} : dans la province du centre.",
        f"جماعة {name_ar}: داخل إقليم المركز.",
    )


def evaluate(applicant: Applicant, rules: EligibilityRules, on: date) -> Decision:
    """Evaluate every rule for ``applicant`` on the reference date ``on``.

    Returns a :class:`Decision` listing the three rules in the order age, activity, residence
    (all of them, even after a failure), eligible iff all passed. An unknown activity status
    fails the activity rule. Raises ``ValueError`` if the birth date is after ``on`` and
    ``TypeError`` if ``on`` is a ``datetime`` (pass the local calendar date).
    """
    if isinstance(on, datetime):
        raise TypeError("the reference date must be a date, not a datetime")
    results = (
        _age_rule(applicant, rules, on),
        _activity_rule(applicant, rules),
        _residence_rule(applicant, rules),
    )
    return Decision(
        eligible=all(r.passed for r in results),
        reference_date=on,
        rules=results,
    )
