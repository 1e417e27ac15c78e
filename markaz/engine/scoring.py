"""Priority scores for seat allocation: a published, versioned rule (pure Python).

A rule is a set of weights, shown to the public; an applicant's score is the sum of the points of
the criteria they meet, with a breakdown that explains it. Higher is better. Ties are broken
later by the allocation's seeded lottery, never here.
"""

from dataclasses import dataclass, field

CRITERIA = ("rsu_below_threshold", "unemployed", "disability", "rural", "first_training")

LABELS = {
    "rsu_below_threshold": (
        "Ménage sous le seuil RSU de {threshold}",
        "أسرة تحت عتبة السجل الاجتماعي الموحد {threshold}",
    ),
    "unemployed": ("Sans emploi / NEET", "بدون عمل ولا دراسة ولا تكوين"),
    "disability": ("Situation de handicap", "في وضعية إعاقة"),
    "rural": ("Habite une commune rurale", "يقيم في جماعة قروية"),
    "first_training": (
        "Aucune formation antérieure au centre",
        "لم يستفد من أي تكوين سابق بالمركز",
    ),
}


@dataclass(frozen=True)
class ScoringRule:
    """`weights` maps each criterion of CRITERIA to its points; `rsu_threshold` is the RSU index
    under which a household counts as in need (9.74 for direct social aid)."""

    version: str
    weights: dict[str, float] = field(default_factory=dict)
    rsu_threshold: float = 9.74

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(CRITERIA)
        if unknown:
            raise ValueError(f"unknown criteria: {', '.join(sorted(unknown))}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("weights must not be negative")


DEFAULT_RULE = ScoringRule(
    version="2026-1",
    weights={
        "rsu_below_threshold": 4,
        "unemployed": 3,
        "disability": 2,
        "rural": 2,
        "first_training": 1,
    },
)


@dataclass(frozen=True)
class Facts:
    rsu_index: float | None
    activity_status: str
    has_disability: bool
    rural: bool
    earlier_training: bool


@dataclass(frozen=True)
class Score:
    total: float
    met: tuple[str, ...]  # the criteria met, in CRITERIA order


def score(facts: Facts, rule: ScoringRule) -> Score:
    met = []
    if facts.rsu_index is not None and facts.rsu_index < rule.rsu_threshold:
        met.append("rsu_below_threshold")
    if facts.activity_status == "unemployed":
        met.append("unemployed")
    if facts.has_disability:
        met.append("disability")
    if facts.rural:
        met.append("rural")
    if not facts.earlier_training:
        met.append("first_training")
    total = float(sum(rule.weights.get(c, 0) for c in met))
    return Score(total=total, met=tuple(met))


def criterion_label(criterion: str, rule: ScoringRule, language: str) -> str:
    fr, ar = LABELS[criterion]
    text = ar if language == "ar" else fr
    return text.format(threshold=rule.rsu_threshold)
