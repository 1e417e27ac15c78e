"""Indicator engine: the versioned indicator dictionary, every indicator with its
disaggregations, and small-cell protection. Pure Python + numpy, no Django.

``compute(youth, caravan, centre)`` turns plain columns of facts (one position per youth, per
caravan count, plus the centre's hours and money) into a `Pack`: one `Figure` per indicator of
`DICTIONARY`, each with one `Cell` per category of each of its dimensions. ``protect(pack)``
hides the cells that rest on fewer than `threshold` people ("<5") and, so that no hidden cell can
be recovered from the published totals, a few more ("x"). ``pack_to_dict`` is the JSON the
dashboard and ``manage.py indicators --json`` print. See ``docs/algorithms/indicators.md``.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

DICTIONARY_VERSION = "2026.1"
DIMENSIONS = ("sex", "age_band", "commune", "area", "programme", "period")
CARAVAN_DIMENSIONS = ("sex", "commune", "area", "level", "period")
SCHOOL_DIMENSIONS = ("commune", "area", "level")
ALL_DIMENSIONS = (*DIMENSIONS, "level")

SEXES = ("F", "M")
AGE_BANDS = ("18-24", "25-29", "30-35", "other")
AREAS = ("urban", "rural")
LEVELS = ("primaire", "college", "lycee")
KINDS = ("count", "sum", "rate", "median", "ratio")
UNITS = ("people", "percent", "MAD", "hours", "jobs", "businesses", "pupils", "schools", "communes")
# Categories always listed (zero cells included) when `categories` does not say otherwise.
DEFAULT_CATEGORIES = {"sex": SEXES, "age_band": AGE_BANDS, "area": AREAS, "level": LEVELS}
NO_VALUE = "—"  # display of a figure with no value (zero denominator, no data)


@dataclass(frozen=True)
class Indicator:
    code: str
    name_fr: str
    name_ar: str
    definition_fr: str
    definition_ar: str
    formula: str
    kind: str  # "count" | "sum" | "rate" | "median" | "ratio"
    unit: str
    disaggregations: tuple[str, ...]
    protected: bool


def _ind(code, name_fr, name_ar, def_fr, def_ar, formula, kind, unit, dims, protected=True):
    assert kind in KINDS and unit in UNITS
    return Indicator(code, name_fr, name_ar, def_fr, def_ar, formula, kind, unit, dims, protected)


def _follow_up(months: int) -> tuple[Indicator, Indicator]:
    ar = "ستة أشهر" if months == 6 else "اثني عشر شهراً"
    return (
        _ind(
            f"reach_rate_{months}",
            f"Taux de suivi à {months} mois",
            f"نسبة التتبع بعد {months} أشهر" if months == 6 else "نسبة التتبع بعد 12 شهراً",
            f"Part des jeunes dont le suivi à {months} mois est échu et qui ont effectivement "
            "été joints.",
            f"نسبة الشباب الذين حلّ موعد تتبعهم بعد {ar} وتمّ التواصل معهم فعلاً.",
            f"count(due{months} & reached{months}) / count(due{months}) × 100",
            "rate",
            "percent",
            DIMENSIONS,
        ),
        _ind(
            f"insertion_rate_{months}",
            f"Taux d'insertion à {months} mois",
            f"نسبة الإدماج بعد {months} أشهر" if months == 6 else "نسبة الإدماج بعد 12 شهراً",
            f"Part des jeunes joints au suivi à {months} mois qui occupent un emploi salarié ou "
            "exercent une activité indépendante. Les jeunes non joints ne comptent ni comme "
            "réussite ni comme échec.",
            f"نسبة الشباب الذين تمّ التواصل معهم بعد {ar} ويشغلون منصب شغل مأجوراً أو يزاولون "
            "نشاطاً مستقلاً. ولا يُحتسب من تعذّر التواصل معهم لا نجاحاً ولا إخفاقاً.",
            f"count(reached{months} & inserted{months}) / count(reached{months}) × 100",
            "rate",
            "percent",
            DIMENSIONS,
        ),
    )


DICTIONARY: tuple[Indicator, ...] = (
    _ind(
        "applicants",
        "Candidats",
        "المترشحون",
        "Nombre de jeunes ayant déposé une candidature (accueil, formulaire public ou import) "
        "pendant la période.",
        "عدد الشباب الذين قدّموا طلب ترشيح (في الاستقبال أو عبر الاستمارة العمومية أو بالاستيراد) "
        "خلال الفترة.",
        "count(applied)",
        "count",
        "people",
        DIMENSIONS,
    ),
    _ind(
        "eligible",
        "Candidats éligibles",
        "المترشحون المؤهَّلون",
        "Nombre de candidats qui remplissent les critères d'éligibilité (âge, situation, "
        "résidence dans la province).",
        "عدد المترشحين الذين يستوفون شروط الأهلية (السن والوضعية والإقامة بالإقليم).",
        "count(applied & eligible)",
        "count",
        "people",
        DIMENSIONS,
    ),
    _ind(
        "enrolled",
        "Jeunes inscrits",
        "الشباب المسجَّلون",
        "Nombre de jeunes inscrits dans une cohorte d'un programme qui commence pendant la "
        "période.",
        "عدد الشباب المسجَّلين في فوج من أفواج أحد البرامج يبدأ خلال الفترة.",
        "count(enrolled)",
        "count",
        "people",
        DIMENSIONS,
    ),
    _ind(
        "completed",
        "Jeunes ayant achevé leur parcours",
        "الشباب الذين أتمّوا مسارهم",
        "Nombre de jeunes inscrits dont le parcours a été déclaré achevé (assiduité et "
        "évaluations requises).",
        "عدد الشباب المسجَّلين الذين اعتُبر مسارهم مكتملاً (الحضور والتقييمات المطلوبة).",
        "count(completed)",
        "count",
        "people",
        DIMENSIONS,
    ),
    _ind(
        "certified",
        "Jeunes certifiés",
        "الشباب الحاصلون على شهادة",
        "Nombre de jeunes inscrits ayant obtenu un certificat non révoqué.",
        "عدد الشباب المسجَّلين الذين حصلوا على شهادة غير ملغاة.",
        "count(certified)",
        "count",
        "people",
        DIMENSIONS,
    ),
    _ind(
        "completion_rate",
        "Taux d'achèvement",
        "نسبة الإتمام",
        "Part des jeunes ayant achevé leur parcours parmi les inscrits dont la cohorte est "
        "terminée.",
        "نسبة الشباب الذين أتمّوا مسارهم من بين المسجَّلين في أفواج انتهت.",
        "count(completed & ended) / count(ended) × 100",
        "rate",
        "percent",
        DIMENSIONS,
    ),
    _ind(
        "attendance_rate",
        "Taux d'assiduité",
        "نسبة المواظبة",
        "Part des pointages « présent » ou « en retard » parmi tous les pointages des jeunes "
        "inscrits.",
        "نسبة تسجيلات الحضور (حاضر أو متأخر) من مجموع تسجيلات الحضور الخاصة بالشباب المسجَّلين.",
        "Σ marks_present / Σ marks_total × 100 (enrolled)",
        "rate",
        "percent",
        DIMENSIONS,
    ),
    *_follow_up(6),
    *_follow_up(12),
    _ind(
        "median_income_before",
        "Revenu médian avant le programme",
        "الدخل الوسيط قبل البرنامج",
        "Revenu mensuel médian (en dirhams) déclaré à l'inscription par les jeunes joints lors "
        "d'un suivi de la période, dont le revenu est connu (les mêmes jeunes qu'après).",
        "الدخل الشهري الوسيط (بالدرهم) المصرَّح به عند التسجيل لدى الشباب الذين تم الوصول إليهم "
        "في تتبع خلال الفترة ويُعرف دخلهم (نفس الشباب بعد البرنامج).",
        "median(income_before | known)",
        "median",
        "MAD",
        DIMENSIONS,
    ),
    _ind(
        "median_income_after",
        "Revenu médian après le programme",
        "الدخل الوسيط بعد البرنامج",
        "Revenu mensuel médian (en dirhams) déclaré au dernier suivi de la période par les "
        "jeunes joints, dont le revenu est connu.",
        "الدخل الشهري الوسيط (بالدرهم) المصرَّح به عند آخر تتبع خلال الفترة لدى الشباب الذين تم "
        "الوصول إليهم ويُعرف دخلهم.",
        "median(income_after | known)",
        "median",
        "MAD",
        DIMENSIONS,
    ),
    _ind(
        "businesses_created",
        "Entreprises créées",
        "المقاولات المُحدَثة",
        "Nombre de jeunes ayant créé une entreprise, une coopérative ou une activité "
        "d'auto-entrepreneur.",
        "عدد الشباب الذين أحدثوا مقاولة أو تعاونية أو نشاطاً في إطار المقاول الذاتي.",
        "count(business_created)",
        "count",
        "businesses",
        DIMENSIONS,
    ),
    _ind(
        "jobs_created",
        "Emplois créés",
        "مناصب الشغل المُحدَثة",
        "Nombre d'emplois déclarés par les jeunes ayant créé une entreprise.",
        "عدد مناصب الشغل التي صرّح بها الشباب الذين أحدثوا مقاولة.",
        "Σ jobs_created (n = count(business_created))",
        "sum",
        "jobs",
        DIMENSIONS,
    ),
    _ind(
        "mentoring_hours",
        "Heures d'accompagnement",
        "ساعات المواكبة",
        "Total des heures de mentorat et d'accompagnement suivies par les jeunes.",
        "مجموع ساعات التأطير والمواكبة التي استفاد منها الشباب.",
        "Σ mentoring_hours (n = count(mentoring_hours > 0))",
        "sum",
        "hours",
        DIMENSIONS,
    ),
    _ind(
        "occupancy_rate",
        "Taux d'occupation du centre",
        "نسبة إشغال المركز",
        "Heures de présence des apprenants dans le bâtiment rapportées à sa capacité "
        "(occupation maximale × heures d'ouverture).",
        "ساعات حضور المستفيدين داخل المركز مقارنةً بطاقته الاستيعابية (الحد الأقصى للإشغال × "
        "ساعات الفتح).",
        "Σ occupancy_hours / Σ capacity_hours × 100",
        "rate",
        "percent",
        ("period",),
        protected=False,
    ),
    _ind(
        "caravan_pupils",
        "Élèves touchés par la caravane",
        "التلاميذ المستفيدون من القافلة",
        "Nombre d'élèves ayant participé aux ateliers de robotique et d'intelligence "
        "artificielle de la caravane « Code pour tous » ou de l'espace enfants.",
        "عدد التلاميذ الذين شاركوا في ورشات الروبوتيك والذكاء الاصطناعي لقافلة «البرمجة للجميع» "
        "أو في فضاء الأطفال.",
        "Σ pupils",
        "sum",
        "pupils",
        CARAVAN_DIMENSIONS,
        # Pupils are counted by class at a workshop, never registered as persons: a count of
        # pupils is not a record about an identifiable person, so it is published as it is.
        protected=False,
    ),
    _ind(
        "caravan_girls_share",
        "Part des filles parmi les élèves touchés",
        "نسبة الفتيات من بين التلاميذ المستفيدين",
        "Part des filles parmi les élèves touchés par la caravane.",
        "نسبة الفتيات من بين التلاميذ المستفيدين من القافلة.",
        "Σ pupils(F) / Σ pupils × 100",
        "rate",
        "percent",
        ("commune", "area", "level", "period"),
        protected=False,
    ),
    _ind(
        "schools_reached",
        "Établissements touchés",
        "المؤسسات التعليمية المستفيدة",
        "Nombre d'établissements scolaires distincts où la caravane a touché au moins un élève.",
        "عدد المؤسسات التعليمية المختلفة التي استفاد فيها تلميذ واحد على الأقل من القافلة.",
        "count(distinct school_id with pupils > 0)",
        "count",
        "schools",
        SCHOOL_DIMENSIONS,
        protected=False,
    ),
    _ind(
        "schools_reached_share",
        "Part des établissements touchés",
        "نسبة المؤسسات التعليمية المستفيدة",
        "Établissements touchés rapportés au nombre d'établissements du registre provincial "
        "(de la commune, du milieu ou du cycle).",
        "عدد المؤسسات المستفيدة مقارنةً بعدد المؤسسات المسجَّلة في السجل الإقليمي (حسب الجماعة "
        "أو الوسط أو السلك).",
        "schools_reached / schools in the register × 100",
        "rate",
        "percent",
        SCHOOL_DIMENSIONS,
        protected=False,
    ),
    _ind(
        "communes_reached",
        "Communes touchées",
        "الجماعات المستفيدة",
        "Nombre de communes où la caravane a touché au moins un élève.",
        "عدد الجماعات التي استفاد فيها تلميذ واحد على الأقل من القافلة.",
        "count(distinct commune with pupils > 0)",
        "count",
        "communes",
        ("area",),
        protected=False,
    ),
    _ind(
        "cost_per_beneficiary",
        "Coût par bénéficiaire",
        "الكلفة لكل مستفيد",
        "Investissement et budget de fonctionnement rapportés au nombre de jeunes inscrits.",
        "مجموع الاستثمار وميزانية التسيير مقسوماً على عدد الشباب المسجَّلين.",
        "(investment_mad + running_budget_mad) / enrolled",
        "ratio",
        "MAD",
        (),
    ),
    _ind(
        "running_cost_per_beneficiary",
        "Coût de fonctionnement par bénéficiaire",
        "كلفة التسيير لكل مستفيد",
        "Budget de fonctionnement rapporté au nombre de jeunes inscrits.",
        "ميزانية التسيير مقسومةً على عدد الشباب المسجَّلين.",
        "running_budget_mad / enrolled",
        "ratio",
        "MAD",
        (),
    ),
)
_BY_CODE = {ind.code: ind for ind in DICTIONARY}
CARAVAN_CODES = frozenset(
    {"caravan_pupils", "caravan_girls_share", "schools_reached", "schools_reached_share"}
    | {"communes_reached"}
)
CENTRE_CODES = frozenset({"occupancy_rate", "cost_per_beneficiary", "running_cost_per_beneficiary"})
YOUTH_CODES = frozenset(_BY_CODE) - CARAVAN_CODES - CENTRE_CODES

# The additive figures each protected indicator publishes per cell (names of the dict fields),
# which of them count people, and the "guard": the people count that makes a cell primary
# ("<5") when below the threshold. For rates the guard is the numerator: it never exceeds the
# denominator, so "numerator or denominator below the threshold" is "numerator below it".
_COUNT = (("value",), ("value",), "value")
_SUM = (("value", "n"), ("n",), "n")
_RATE = (("numerator", "denominator"), ("numerator", "denominator"), "numerator")
_MEDIAN = (("n",), ("n",), "n")
SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    **dict.fromkeys(("applicants", "eligible", "enrolled", "completed", "certified"), _COUNT),
    "businesses_created": _COUNT,
    **dict.fromkeys(("completion_rate", "reach_rate_6", "insertion_rate_6"), _RATE),
    **dict.fromkeys(("reach_rate_12", "insertion_rate_12"), _RATE),
    "attendance_rate": (("numerator", "denominator", "n"), ("n",), "n"),
    "median_income_before": _MEDIAN,
    "median_income_after": _MEDIAN,
    "jobs_created": _SUM,
    "mentoring_hours": _SUM,
    "cost_per_beneficiary": _MEDIAN,
    "running_cost_per_beneficiary": _MEDIAN,
}
assert {c for c, i in _BY_CODE.items() if i.protected} == set(SHAPES)


def indicator(code: str) -> Indicator:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown indicator code {code!r}") from None


# --- Input ---------------------------------------------------------------------------------


@dataclass
class YouthFacts:
    """Columns of equal length, one position per youth (numpy arrays or lists)."""

    person_id: Sequence[int]
    sex: Sequence[str]
    age_band: Sequence[str]
    commune: Sequence[str]
    area: Sequence[str]
    programme: Sequence[str]
    period: Sequence[str]
    applied: Sequence[bool]
    eligible: Sequence[bool]
    enrolled: Sequence[bool]
    ended: Sequence[bool]
    completed: Sequence[bool]
    certified: Sequence[bool]
    due6: Sequence[bool]
    reached6: Sequence[bool]
    inserted6: Sequence[bool]
    due12: Sequence[bool]
    reached12: Sequence[bool]
    inserted12: Sequence[bool]
    income_before: Sequence[float]
    income_after: Sequence[float]
    business_created: Sequence[bool]
    jobs_created: Sequence[int]
    mentoring_hours: Sequence[float]
    marks_present: Sequence[int]
    marks_total: Sequence[int]


@dataclass
class CaravanFacts:
    """Columns, one position per (school, period, sex) count of pupils reached."""

    commune: Sequence[str]
    area: Sequence[str]
    level: Sequence[str]
    period: Sequence[str]
    sex: Sequence[str]
    school_id: Sequence[int]
    pupils: Sequence[int]


@dataclass
class CentreFacts:
    occupancy_hours: dict[str, float]
    capacity_hours: dict[str, float]
    investment_mad: float
    running_budget_mad: float
    schools_total: int
    schools_by: dict[str, dict[str, int]]
    communes_total: int


_YOUTH_BOOLS = [
    "applied",
    "eligible",
    "enrolled",
    "ended",
    "completed",
    "certified",
    "due6",
    "reached6",
    "inserted6",
    "due12",
    "reached12",
    "inserted12",
    "business_created",
]


def _length(facts, names: Sequence[str], what: str) -> int:
    lengths = {name: len(getattr(facts, name)) for name in names}
    n = next(iter(lengths.values()))
    bad = [f"{k}={v}" for k, v in lengths.items() if v != n]
    if bad:
        raise ValueError(f"{what}: columns of different lengths ({names[0]}={n}, {bad[0]})")
    return n


def _factorise(col) -> tuple[list, np.ndarray]:
    """Distinct values and the position of each row's value among them."""
    if isinstance(col, np.ndarray):
        uniq, inverse = np.unique(col.astype(str), return_inverse=True)
        return [str(u) for u in uniq], inverse.ravel()
    seen: dict = {}
    inverse = np.fromiter((seen.setdefault(x, len(seen)) for x in col), np.int64, len(col))
    return list(seen), inverse


def _check_domain(name: str, values, allowed: Sequence[str], what: str) -> None:
    unknown = sorted(str(v) for v in set(values) - set(allowed))
    if unknown:
        raise ValueError(f"{what}: unknown {name} {unknown[0]!r} (expected one of {allowed})")


def _numbers(col, name: str, what: str, *, integer: bool, nan: bool = False) -> np.ndarray:
    arr = np.asarray(col, dtype=float).ravel()
    bad = np.isinf(arr) if nan else ~np.isfinite(arr)
    if not nan:
        bad |= arr < 0
    if integer:
        bad |= np.isfinite(arr) & (arr != np.round(arr))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{what}: bad {name} at position {i}: {arr[i]!r}")
    return arr


@dataclass
class _Youth:
    n: int
    ids: np.ndarray
    raw: dict[str, tuple[list, np.ndarray]]  # dim -> (distinct values, inverse)
    b: dict[str, np.ndarray]
    income_before: np.ndarray
    income_after: np.ndarray
    jobs: np.ndarray
    hours: np.ndarray
    present: np.ndarray
    marks: np.ndarray


def _youth(facts: YouthFacts) -> _Youth:
    what = "youth facts"
    names = ["person_id", *DIMENSIONS, *_YOUTH_BOOLS]
    names += ["income_before", "income_after", "jobs_created", "mentoring_hours"]
    names += ["marks_present", "marks_total"]
    n = _length(facts, names, what)
    raw = {dim: _factorise(getattr(facts, dim)) for dim in DIMENSIONS}
    _check_domain("sex", raw["sex"][0], SEXES, what)
    _check_domain("age band", raw["age_band"][0], AGE_BANDS, what)
    b = {name: np.asarray(getattr(facts, name), dtype=bool).ravel() for name in _YOUTH_BOOLS}
    present = _numbers(facts.marks_present, "marks_present", what, integer=True)
    marks = _numbers(facts.marks_total, "marks_total", what, integer=True)
    over = present > marks
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise ValueError(f"{what}: marks_present above marks_total at position {i}")
    return _Youth(
        n=n,
        ids=np.asarray(facts.person_id).ravel(),
        raw=raw,
        b=b,
        income_before=_numbers(facts.income_before, "income_before", what, integer=False, nan=True),
        income_after=_numbers(facts.income_after, "income_after", what, integer=False, nan=True),
        jobs=_numbers(facts.jobs_created, "jobs_created", what, integer=True),
        hours=_numbers(facts.mentoring_hours, "mentoring_hours", what, integer=False),
        present=present,
        marks=marks,
    )


@dataclass
class _Caravan:
    n: int
    raw: dict[str, tuple[list, np.ndarray]]
    school: np.ndarray
    pupils: np.ndarray


def _caravan(facts: CaravanFacts) -> _Caravan:
    what = "caravan facts"
    n = _length(facts, [*CARAVAN_DIMENSIONS, "school_id", "pupils"], what)
    raw = {dim: _factorise(getattr(facts, dim)) for dim in CARAVAN_DIMENSIONS}
    _check_domain("sex", raw["sex"][0], SEXES, what)
    _, school = _factorise(list(facts.school_id))
    pupils = _numbers(facts.pupils, "pupils", what, integer=True)
    return _Caravan(n=n, raw=raw, school=school, pupils=pupils)


def _number(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _check_centre(c: CentreFacts) -> None:
    what = "centre facts"
    for name in ("occupancy_hours", "capacity_hours"):
        for period, hours in getattr(c, name).items():
            number = _number(hours)
            if number is None or number < 0:
                raise ValueError(f"{what}: bad {name}[{period!r}]: {hours!r}")
    for name in ("investment_mad", "running_budget_mad", "schools_total", "communes_total"):
        number = _number(getattr(c, name))
        if number is None or number < 0:
            raise ValueError(f"{what}: bad {name}: {getattr(c, name)!r}")
    unknown = set(c.schools_by) - set(SCHOOL_DIMENSIONS)
    if unknown:
        raise ValueError(f"{what}: schools_by has an unknown dimension {sorted(unknown)[0]!r}")


# --- Output --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    category: str
    value: float | int | None
    numerator: float | int | None
    denominator: float | int | None
    n: int | None
    display: str
    suppressed: bool = False


@dataclass(frozen=True)
class Figure:
    """One indicator: its total (the fields) and its cells per dimension (`by`)."""

    indicator: Indicator
    value: float | int | None
    numerator: float | int | None
    denominator: float | int | None
    n: int | None
    display: str
    suppressed: bool
    target: float | None
    pct_target: float | None
    by: dict[str, tuple[Cell, ...]]


@dataclass(frozen=True)
class _Raw:
    """What protection needs of one indicator. Slot 0 is the total, then the categories of
    each dimension in order; `tables` are the additive published figures per slot."""

    dims: tuple[str, ...]
    cats: dict[str, tuple[str, ...]]
    tables: dict[str, np.ndarray]
    people: tuple[str, ...]
    guard: str
    keys: dict[str, np.ndarray]  # per people table and slot: a fingerprint of who is counted
    space: str  # "youth" | "caravan": fingerprints compare within one space only


@dataclass
class Pack:
    version: str
    window: tuple[str, str] | None
    protected: bool
    figures: tuple[Figure, ...]
    threshold: int | None = None
    # Indicators withheld whole (every figure "x"): with everything hidden, the marks alone
    # would still pin a cell (e.g. threshold 3, sex F "x" M "x" so at least 6, and three
    # programmes "<3" so at most 6: all pinned).
    residual: tuple[str, ...] = ()
    _raw: dict[str, _Raw] | None = field(default=None, repr=False, compare=False)

    def figure(self, code: str) -> Figure:
        for f in self.figures:
            if f.indicator.code == code:
                return f
        raise ValueError(f"unknown indicator code {code!r}")


def _display(value, unit: str) -> str:
    if value is None:
        return NO_VALUE
    if unit == "percent":
        return f"{value:.1f}"
    if unit == "MAD":
        return f"{value:.0f}"
    if unit == "hours":
        text = f"{value:.1f}"
        return text[:-2] if text.endswith(".0") else text
    return str(int(value))


def _rate(num, den) -> float | None:
    return round(100 * num / den, 1) if den else None


# --- Computation ---------------------------------------------------------------------------


class _Frame:
    """Rows coded by category for a fixed list of dimensions; slot 0 is the total."""

    def __init__(self, n, dims, cats, raw):
        self.n, self.dims, self.cats = n, tuple(dims), cats
        self.offsets, self.codes = {}, {}
        offset = 1
        for dim in dims:
            values, inverse = raw[dim]
            where = {c: i for i, c in enumerate(cats[dim])}
            remap = np.array([where[v] for v in values], dtype=np.int64)
            self.codes[dim] = remap[inverse] if n else np.zeros(0, np.int64)
            self.offsets[dim] = offset
            offset += len(cats[dim])
        self.nslots = offset
        self.slot_codes = (
            np.stack([self.codes[d] + self.offsets[d] for d in dims]) if dims else None
        )
        rng = np.random.default_rng(20261)
        self.salt = rng.integers(1, 2**26, size=n).astype(float)

    def sub(self, dims) -> np.ndarray:
        """Slot positions of a sub-layout (total + the given dimensions)."""
        parts = [np.zeros(1, np.int64)]
        for d in dims:
            parts.append(np.arange(len(self.cats[d])) + self.offsets[d])
        return np.concatenate(parts)

    def count(self, mask) -> tuple[np.ndarray, np.ndarray]:
        """People per slot, and a fingerprint of who they are."""
        idx = np.flatnonzero(mask)
        out = np.zeros(self.nslots)
        fp = np.zeros(self.nslots)
        if self.slot_codes is not None and idx.size:
            sc = self.slot_codes[:, idx].ravel()
            out = np.bincount(sc, minlength=self.nslots).astype(float)
            fp = np.bincount(
                sc, weights=np.tile(self.salt[idx], len(self.dims)), minlength=self.nslots
            )
        out[0] = idx.size
        fp[0] = self.salt[idx].sum() if idx.size else 0.0
        return out, fp

    def sum(self, weights) -> np.ndarray:
        out = np.zeros(self.nslots)
        for d in self.dims:
            o = self.offsets[d]
            c = len(self.cats[d])
            out[o : o + c] = np.bincount(self.codes[d], weights=weights, minlength=c)
        out[0] = weights.sum()
        return out

    def median(self, values, mask) -> list:
        """Median of `values[mask]` per slot (None if empty), rounded to 2 decimals."""
        idx = np.flatnonzero(mask)
        order = np.argsort(values[idx], kind="stable")
        idx = idx[order]
        v = values[idx]
        meds: list = [None] * self.nslots

        def put(slot0, sorted_vals, group_counts):
            ends = np.cumsum(group_counts)
            starts = ends - group_counts
            for g, k in enumerate(group_counts.tolist()):
                if k:
                    a = sorted_vals[starts[g] + (k - 1) // 2]
                    b = sorted_vals[starts[g] + k // 2]
                    meds[slot0 + g] = round(float((a + b) / 2), 2)

        put(0, v, np.array([v.size]))
        for d in self.dims:
            c = self.codes[d][idx]
            perm = np.argsort(c, kind="stable")
            put(self.offsets[d], v[perm], np.bincount(c, minlength=len(self.cats[d])))
        return meds


def _categories(given, found: dict[str, set]) -> dict[str, tuple[str, ...]]:
    given = given or {}
    out = {}
    for dim in ALL_DIMENSIONS:
        base = list(dict.fromkeys(str(c) for c in given.get(dim, DEFAULT_CATEGORIES.get(dim, ()))))
        extra = sorted(set(map(str, found.get(dim, ()))) - set(base))
        out[dim] = tuple(base + extra)
    return out


@dataclass
class _Out:
    """One indicator computed: per slot value/numerator/denominator/n (Python numbers)."""

    value: list
    numerator: list
    denominator: list
    n: list
    raw: _Raw | None = None


def _ints(arr) -> list:
    return [int(round(x)) for x in arr.tolist()]


def _youth_outputs(y: _Youth, cats) -> dict[str, _Out]:
    frame = _Frame(y.n, DIMENSIONS, cats, y.raw)
    b = y.b
    nslots = frame.nslots
    none = [None] * nslots
    out: dict[str, _Out] = {}

    def raw(tables, shape_code, keys):
        fields, people, guard = SHAPES[shape_code]
        return _Raw(
            dims=DIMENSIONS,
            cats={d: cats[d] for d in DIMENSIONS},
            tables={f: tables[f] for f in fields},
            people=people,
            guard=guard,
            keys=keys,
            space="youth",
        )

    def count(code, mask):
        c, fp = frame.count(mask)
        v = _ints(c)
        out[code] = _Out(v, none, none, v, raw({"value": c}, code, {"value": fp}))

    def rate(code, num_mask, den_mask):
        num, fpn = frame.count(num_mask)
        den, fpd = frame.count(den_mask)
        ni, di = _ints(num), _ints(den)
        value = [_rate(a, b) for a, b in zip(ni, di, strict=True)]
        tables = {"numerator": num, "denominator": den}
        out[code] = _Out(
            value, ni, di, di, raw(tables, code, {"numerator": fpn, "denominator": fpd})
        )

    applied, enrolled = b["applied"], b["enrolled"]
    count("applicants", applied)
    count("eligible", applied & b["eligible"])
    count("enrolled", enrolled)
    count("completed", b["completed"])
    count("certified", b["certified"])
    rate("completion_rate", b["completed"] & b["ended"], b["ended"])

    with_marks = enrolled & (y.marks > 0)
    num = frame.sum(np.where(enrolled, y.present, 0.0))
    den = frame.sum(np.where(enrolled, y.marks, 0.0))
    people, fp = frame.count(with_marks)
    ni, di = _ints(num), _ints(den)
    value = [_rate(a, b) for a, b in zip(ni, di, strict=True)]
    tables = {"numerator": num, "denominator": den, "n": people}
    out["attendance_rate"] = _Out(
        value, ni, di, _ints(people), raw(tables, "attendance_rate", {"n": fp})
    )

    for m in (6, 12):
        due, reached = b[f"due{m}"], b[f"reached{m}"]
        rate(f"reach_rate_{m}", due & reached, due)
        rate(f"insertion_rate_{m}", reached & b[f"inserted{m}"], reached)

    for code, income in (
        ("median_income_before", y.income_before),
        ("median_income_after", y.income_after),
    ):
        known = ~np.isnan(income)
        meds = frame.median(income, known)
        c, fp = frame.count(known)
        out[code] = _Out(meds, none, none, _ints(c), raw({"n": c}, code, {"n": fp}))

    count("businesses_created", b["business_created"])
    c, fp = frame.count(b["business_created"])
    jobs = frame.sum(y.jobs)
    out["jobs_created"] = _Out(
        _ints(jobs), none, none, _ints(c), raw({"value": jobs, "n": c}, "jobs_created", {"n": fp})
    )
    c, fp = frame.count(y.hours > 0)
    hours = frame.sum(y.hours)
    out["mentoring_hours"] = _Out(
        [round(x, 2) for x in hours.tolist()],
        none,
        none,
        _ints(c),
        raw({"value": hours, "n": c}, "mentoring_hours", {"n": fp}),
    )
    return out


def _caravan_outputs(cv: _Caravan, cats, centre: CentreFacts) -> dict[str, _Out]:
    frame = _Frame(cv.n, CARAVAN_DIMENSIONS, cats, cv.raw)
    out: dict[str, _Out] = {}
    pupils = frame.sum(cv.pupils)
    p_int = _ints(pupils)
    none = [None] * frame.nslots
    # Pupil counts are published unprotected (no `_Raw`): pupils are counted, never registered.
    out["caravan_pupils"] = _Out(p_int, none, none, p_int, None)

    girls_dims = indicator("caravan_girls_share").disaggregations
    sel = frame.sub(girls_dims)
    sexes, inverse = cv.raw["sex"]
    is_f = np.array([s == "F" for s in sexes] + [False], dtype=bool)[inverse]
    girls_w = np.where(is_f, cv.pupils, 0.0)
    girls = frame.sum(girls_w)[sel]
    g_int, d_int = _ints(girls), _ints(pupils[sel])
    out["caravan_girls_share"] = _Out(
        [_rate(a, b) for a, b in zip(g_int, d_int, strict=True)], g_int, d_int, d_int, None
    )

    # Distinct schools (and communes) with at least one pupil, per category.
    reached = cv.pupils > 0
    schools = cv.school[reached]
    nschool = int(cv.school.max()) + 1 if cv.n else 1
    sel = frame.sub(SCHOOL_DIMENSIONS)
    count = np.zeros(len(sel))
    count[0] = np.unique(schools).size
    pos = 1
    for d in SCHOOL_DIMENSIONS:
        c = frame.codes[d][reached]
        k = len(cats[d])
        pairs = np.unique(c * nschool + schools)
        count[pos : pos + k] = np.bincount(pairs // nschool, minlength=k)
        pos += k
    s_int = _ints(count)
    none = [None] * len(sel)
    out["schools_reached"] = _Out(s_int, none, none, s_int)
    dens = [centre.schools_total]
    for d in SCHOOL_DIMENSIONS:
        by = centre.schools_by.get(d, {})
        dens += [int(by.get(c, 0)) for c in cats[d]]
    out["schools_reached_share"] = _Out(
        [_rate(a, b) for a, b in zip(s_int, dens, strict=True)], s_int, dens, s_int
    )

    communes = frame.codes["commune"][reached]
    k = len(cats["area"])
    ncom = len(cats["commune"])
    pairs = np.unique(frame.codes["area"][reached] * ncom + communes)
    c_int = [int(np.unique(communes).size), *_ints(np.bincount(pairs // ncom, minlength=k))]
    out["communes_reached"] = _Out(c_int, [None] * (k + 1), [None] * (k + 1), c_int)
    return out


def _centre_outputs(centre: CentreFacts, cats, enrolled: _Out) -> dict[str, _Out]:
    out = {}
    periods = cats["period"]
    occ = [float(sum(centre.occupancy_hours.values()))]
    cap = [float(sum(centre.capacity_hours.values()))]
    occ += [float(centre.occupancy_hours.get(p, 0.0)) for p in periods]
    cap += [float(centre.capacity_hours.get(p, 0.0)) for p in periods]
    none = [None] * len(occ)
    out["occupancy_rate"] = _Out(
        [_rate(a, b) for a, b in zip(occ, cap, strict=True)],
        [round(x, 2) for x in occ],
        [round(x, 2) for x in cap],
        none,
    )
    n = enrolled.value[0]
    enrolled_raw = enrolled.raw
    for code, money in (
        ("cost_per_beneficiary", centre.investment_mad + centre.running_budget_mad),
        ("running_cost_per_beneficiary", centre.running_budget_mad),
    ):
        money = round(float(money), 2)
        out[code] = _Out(
            [round(money / n, 2) if n else None],
            [money],
            [n],
            [n],
            _Raw(
                dims=(),
                cats={},
                tables={"n": enrolled_raw.tables["value"][:1]},
                people=("n",),
                guard="n",
                keys={"n": enrolled_raw.keys["value"][:1]},
                space="youth",
            ),
        )
    return out


def _figure(ind: Indicator, o: _Out, cats, targets) -> Figure:
    by = {}
    slot = 1
    for dim in ind.disaggregations:
        cells = []
        for category in cats[dim]:
            v = o.value[slot]
            cells.append(
                Cell(
                    category,
                    v,
                    o.numerator[slot],
                    o.denominator[slot],
                    o.n[slot],
                    _display(v, ind.unit),
                )
            )
            slot += 1
        by[dim] = tuple(cells)
    target = targets.get(ind.code)
    value = o.value[0]
    pct = round(100 * value / target, 1) if target and value is not None else None
    return Figure(
        ind,
        value,
        o.numerator[0],
        o.denominator[0],
        o.n[0],
        _display(value, ind.unit),
        False,
        target,
        pct,
        by,
    )


def compute(
    youth: YouthFacts,
    caravan: CaravanFacts,
    centre: CentreFacts,
    *,
    targets: dict[str, float] | None = None,
    categories: dict[str, Sequence[str]] | None = None,
    window: tuple[str, str] | None = None,
) -> Pack:
    """Every indicator of `DICTIONARY` with its disaggregations. `categories` lists the
    categories of each dimension in display order (zero cells included); categories found in
    the data are appended, sorted. Target codes outside the dictionary and non-finite targets
    are ignored. Raises ValueError on inconsistent input."""
    y = _youth(youth)
    cv = _caravan(caravan)
    _check_centre(centre)
    found: dict[str, set] = defaultdict(set)
    for dim, (values, _) in y.raw.items():
        found[dim].update(values)
    for dim, (values, _) in cv.raw.items():
        found[dim].update(values)
    found["period"].update(centre.occupancy_hours, centre.capacity_hours)
    for dim, by in centre.schools_by.items():
        found[dim].update(by)
    cats = _categories(categories, found)
    targets = {code: _number(t) for code, t in (targets or {}).items() if code in _BY_CODE}
    targets = {code: t for code, t in targets.items() if t is not None}
    outs = _youth_outputs(y, cats)
    outs.update(_caravan_outputs(cv, cats, centre))
    outs.update(_centre_outputs(centre, cats, outs["enrolled"]))
    figures = tuple(_figure(ind, outs[ind.code], cats, targets) for ind in DICTIONARY)
    raws = {code: o.raw for code, o in outs.items() if o.raw is not None}
    return Pack(
        version=DICTIONARY_VERSION,
        window=tuple(window) if window else None,
        protected=False,
        figures=figures,
        _raw=raws,
    )


# --- Records behind a figure ---------------------------------------------------------------


def members(
    youth: YouthFacts, code: str, dimension: str | None = None, category: str | None = None
) -> dict[str, list[int]]:
    """The person ids behind a youth indicator's total (or one of its cells):
    ``{"numerator": [...]}`` for counts, sums and medians (the n people behind the figure),
    ``{"numerator": [...], "denominator": [...]}`` for rates. Raises ValueError for caravan and
    centre indicators, an unknown code or a dimension the indicator is not broken down by."""
    ind = indicator(code)
    if code not in YOUTH_CODES:
        raise ValueError(f"{code!r} is not about youth: no records behind it")
    y = _youth(youth)
    sel = np.ones(y.n, dtype=bool)
    if dimension is not None:
        if dimension not in ind.disaggregations:
            raise ValueError(f"{code!r} is not broken down by {dimension!r}")
        values, inverse = y.raw[dimension]
        hit = np.array([v == category for v in values] + [False], dtype=bool)
        sel = hit[inverse] if y.n else sel
    b = y.b
    enrolled = b["enrolled"]
    counts = {
        "applicants": b["applied"],
        "eligible": b["applied"] & b["eligible"],
        "enrolled": enrolled,
        "completed": b["completed"],
        "certified": b["certified"],
        "businesses_created": b["business_created"],
        "jobs_created": b["business_created"],
        "mentoring_hours": y.hours > 0,
        "median_income_before": ~np.isnan(y.income_before),
        "median_income_after": ~np.isnan(y.income_after),
    }
    rates = {
        "completion_rate": (b["completed"] & b["ended"], b["ended"]),
        "attendance_rate": (enrolled & (y.present > 0), enrolled & (y.marks > 0)),
    }
    for m in (6, 12):
        due, reached = b[f"due{m}"], b[f"reached{m}"]
        rates[f"reach_rate_{m}"] = (due & reached, due)
        rates[f"insertion_rate_{m}"] = (reached & b[f"inserted{m}"], reached)

    def ids(mask) -> list[int]:
        return [int(i) for i in y.ids[mask & sel].tolist()]

    if code in rates:
        num, den = rates[code]
        return {"numerator": ids(num), "denominator": ids(den)}
    return {"numerator": ids(counts[code])}


# --- Small-cell protection -----------------------------------------------------------------


@dataclass(frozen=True)
class _Structure:
    """The linear relations the published figures of one layout satisfy."""

    nslots: int
    dim_slots: tuple[tuple[str, tuple[int, ...]], ...]
    children: dict[int, tuple[int, ...]] | None  # area slot -> commune slots (hierarchy used)
    equations: np.ndarray  # one row per relation, over slots; each row sums to zero
    neighbours: tuple[frozenset[int], ...]  # per slot: slots sharing a relation with it


def _layout(dims, cats) -> tuple[int, dict[str, tuple[int, ...]]]:
    slots, pos = {}, 1
    for d in dims:
        slots[d] = tuple(range(pos, pos + len(cats[d])))
        pos += len(cats[d])
    return pos, slots


def _nesting(dims, cats, hierarchy) -> dict[int, tuple[int, ...]] | None:
    """Area slot -> its communes' slots, when the hierarchy covers every commune category."""
    hmap = (hierarchy or {}).get("commune")
    if not hmap or "commune" not in dims or "area" not in dims:
        return None
    for c in cats["commune"]:
        if c not in hmap:
            raise ValueError(f"hierarchy: commune {c!r} has no area")
        if hmap[c] not in cats["area"]:
            raise ValueError(f"hierarchy: commune {c!r} is in {hmap[c]!r}, not an area category")
    _, slots = _layout(dims, cats)
    children = {}
    for a, a_slot in zip(cats["area"], slots["area"], strict=True):
        children[a_slot] = tuple(
            s for c, s in zip(cats["commune"], slots["commune"], strict=True) if hmap[c] == a
        )
    return children


def _structure(dims, cats, children) -> _Structure:
    nslots, slots = _layout(dims, cats)
    rows = []
    for d in dims:
        row = np.zeros(nslots)
        row[0] = -1.0
        row[list(slots[d])] = 1.0
        rows.append(row)
    for a_slot, kids in (children or {}).items():
        row = np.zeros(nslots)
        row[a_slot] = -1.0
        row[list(kids)] = 1.0
        rows.append(row)
    eq = np.array(rows) if rows else np.zeros((0, nslots))
    neighbours = tuple(
        frozenset(np.flatnonzero(np.any(eq[eq[:, j] != 0] != 0, axis=0)).tolist()) - {j}
        for j in range(nslots)
    )
    return _Structure(nslots, tuple(slots.items()), children, eq, neighbours)


def _linear_recoverable(eq: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hidden slots whose value follows from the published ones by the relations alone: the
    unit vector of the slot lies in the row space of the relations restricted to the hidden
    slots, i.e. every vector of their null space is zero there (the matrix_rank test)."""
    out = np.zeros(hidden.size, dtype=bool)
    h = np.flatnonzero(hidden)
    if h.size == 0:
        return out
    a = eq[:, h]
    a = a[np.any(a != 0, axis=1)]
    if a.shape[0] == 0:
        return out
    rank = np.linalg.matrix_rank(a)
    _, _, vt = np.linalg.svd(a)
    null = vt[rank:]
    out[h] = np.all(np.abs(null) < 1e-8, axis=0) if null.shape[0] else True
    return out


def _ranges(st: _Structure, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact range of every slot given per-slot bounds (lo = hi for a published figure)
    and the relations. The relations form a tree (total -> each dimension's cells; with the
    hierarchy, total -> areas -> communes, the commune relation being implied), so interval
    propagation is exact, for integers as for reals."""
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    eff_lo, eff_hi = lo.copy(), hi.copy()
    children = st.children or {}
    for a, kids in children.items():
        eff_lo[a] = max(lo[a], lo[list(kids)].sum())
        eff_hi[a] = min(hi[a], hi[list(kids)].sum())
    groups = [s for d, s in st.dim_slots if not (children and d == "commune")]
    t_lo, t_hi = lo[0], hi[0]
    for s in groups:
        t_lo = max(t_lo, eff_lo[list(s)].sum())
        t_hi = min(t_hi, eff_hi[list(s)].sum())
    r_lo, r_hi = eff_lo.copy(), eff_hi.copy()
    r_lo[0], r_hi[0] = t_lo, t_hi

    def within(parent_lo, parent_hi, s, base_lo, base_hi):
        s = list(s)
        sl, sh = base_lo[s], base_hi[s]
        total_lo = sl.sum()
        inf = np.isinf(sh)
        finite_hi = sh[~inf].sum()
        n_inf = int(inf.sum())
        for i, slot in enumerate(s):
            others_lo = total_lo - sl[i]
            others_hi = np.inf if n_inf - int(inf[i]) > 0 else finite_hi - (0 if inf[i] else sh[i])
            r_lo[slot] = max(sl[i], parent_lo - others_hi)
            r_hi[slot] = min(sh[i], parent_hi - others_lo)

    for s in groups:
        within(t_lo, t_hi, s, eff_lo, eff_hi)
    for a, kids in children.items():
        within(r_lo[a], r_hi[a], kids, lo, hi)
    return r_lo, r_hi


def _bounds(raw: _Raw, name, values, hidden, primary, threshold):
    """What a reader knows of each slot of one table: the value if published; else [0, t-1]
    for the guard of a "<t" cell, at least t for the people counts of an "x" cell, at least
    0 otherwise."""
    lo = np.where(hidden, 0.0, values)
    hi = np.where(hidden, np.inf, values)
    if name == raw.guard:
        hi = np.where(hidden & primary, threshold - 1.0, hi)
    if name in raw.people:
        lo = np.where(hidden & ~primary, float(threshold), lo)
    return lo, hi


def _pinned(raw: _Raw, st: _Structure, tables, hidden, primary, threshold) -> np.ndarray:
    out = np.zeros(hidden.size, dtype=bool)
    for name, values in tables.items():
        lo, hi = _bounds(raw, name, values, hidden, primary, threshold)
        r_lo, r_hi = _ranges(st, lo, hi)
        scale = max(1.0, float(np.max(np.abs(np.where(hidden, 0.0, values)), initial=0.0)))
        out |= hidden & (np.abs(r_hi - r_lo) <= 1e-9 * scale)
    return out


# Subsets of a group's cells the exact search may try before it settles for the greedy choice
# (a group is one dimension, or the areas with their communes; the search almost always ends
# within a few dozen subsets).
SEARCH_BUDGET = 3000


def _bad(raw: _Raw, st: _Structure, hidden, primary, threshold: int) -> np.ndarray:
    """Hidden slots a reader can pin: linearly recoverable, or pinned by the marks' bounds."""
    bad = _linear_recoverable(st.equations, hidden)
    if not bad.any():
        bad = _pinned(raw, st, raw.tables, hidden, primary, threshold)
    return bad


def _groups(st: _Structure) -> list[np.ndarray]:
    """The slots whose relations tie them together once the total is published: each
    dimension on its own, the areas with their communes when the hierarchy holds."""
    children = st.children or {}
    out = []
    for dim, slots in st.dim_slots:
        if children and dim == "commune":
            continue
        group = list(slots)
        if children and dim == "area":
            group += sorted(k for a in slots for k in children[a])
        out.append(np.array(group, dtype=int))
    return out


def _cheapest_complement(raw, st, hidden, primary, threshold, group, cost):
    """The complementary cells of one group that protect it at the least cost (the sum over
    the added cells of their people count + 1: fewest and smallest), given a published total.
    Exact: subsets of the group's visible cells are tried in order of increasing cost (each
    once: candidates sorted by cost, a subset's successors replace its last element by the
    next candidate or append the next candidate), and the first that leaves no cell of the
    group recoverable or pinned is the cheapest. Past SEARCH_BUDGET subsets, the greedy
    choice. None when even hiding the whole group leaves a cell pinned (the total must go)."""

    def fails(h) -> bool:
        if _linear_recoverable(st.equations, h)[group].any():
            return True
        return bool(_pinned(raw, st, raw.tables, h, primary, threshold)[group].any())

    if not hidden[group].any() or not fails(hidden):
        return []
    everything = hidden.copy()
    everything[group] = True
    if fails(everything):
        return None
    cands = sorted((int(k) for k in group if not hidden[k]), key=lambda k: (cost[k], k))
    # Relations of the group: a relation with exactly one hidden cell gives it back at once,
    # a cheap test before the full one.
    rows = (st.equations[np.any(st.equations[:, group] != 0, axis=1)] != 0).astype(int)
    heap = [(cost[cands[0]], (0,))]
    tried = 0
    while heap and tried < SEARCH_BUDGET:
        c, idx = heapq.heappop(heap)
        last = idx[-1]
        if last + 1 < len(cands):
            nxt = cost[cands[last + 1]]
            heapq.heappush(heap, (c + nxt, (*idx, last + 1)))
            heapq.heappush(heap, (c - cost[cands[last]] + nxt, (*idx[:-1], last + 1)))
        trial = hidden.copy()
        trial[[cands[i] for i in idx]] = True
        if np.any(rows @ trial.astype(int) == 1):
            continue
        tried += 1
        if not fails(trial):
            return [cands[i] for i in idx]
    return _greedy_complement(raw, st, hidden, primary, threshold, group, cost)


def _greedy_complement(raw, st, hidden, primary, threshold, group, cost):
    """Hide, one at a time, the cheapest visible cell of the group that shares a relation with
    a cell still recoverable or pinned (ends: the whole group hidden protects it)."""
    trial = hidden.copy()
    members = set(group.tolist())
    while True:
        bad = _linear_recoverable(st.equations, trial)
        if not bad[group].any():
            bad = _pinned(raw, st, raw.tables, trial, primary, threshold)
        bad_slots = [j for j in np.flatnonzero(bad).tolist() if j in members]
        if not bad_slots:
            return np.flatnonzero(trial & ~hidden).tolist()
        near = {k for j in bad_slots for k in st.neighbours[j] if k in members and not trial[k]}
        near = near or {k for k in members if not trial[k]}
        trial[min(near, key=lambda k: (cost[k], k))] = True


def _suppress(raw: _Raw, st: _Structure, forced: np.ndarray, threshold: int):
    """Primary then complementary suppression of one indicator. Returns (hidden, primary,
    complementary, residual); residual is True when a hidden cell stays pinned although
    everything is hidden: the marks alone pin it.

    With the total published, the groups (each dimension; areas with their communes) share no
    hidden relation, so each is protected on its own, at the least cost (`_cheapest_complement`).
    Only when a group cannot be protected under a published total (its small cells alone give
    it: 8 certified, 4 women `<5`, 4 men `<5`) is the total withheld, and the rest chosen
    greedily: the relations then tie every group together."""
    guard = raw.tables[raw.guard]
    primary = guard < threshold
    hidden = primary | forced
    cost = np.asarray(guard, dtype=float) + 1.0
    if not hidden[0]:
        trial = hidden.copy()
        for group in _groups(st):
            extra = _cheapest_complement(raw, st, trial, primary, threshold, group, cost)
            if extra is None:
                break
            trial[extra] = True
        else:
            if not _bad(raw, st, trial, primary, threshold).any():
                return trial, primary, trial & ~hidden, False
        hidden = hidden.copy()
        hidden[0] = True  # the total must go: then hide greedily
    added = np.zeros_like(hidden)
    added[0] = hidden[0] and not (primary[0] or forced[0])
    while True:
        bad = _bad(raw, st, hidden, primary, threshold)
        if not bad.any():
            return hidden, primary, added, False
        candidates = set()
        for j in np.flatnonzero(bad).tolist():
            candidates |= {k for k in st.neighbours[j] if k and not hidden[k]}
        if candidates:
            chosen = [min(candidates, key=lambda k: (guard[k], k))]
        elif not hidden.all():
            chosen = np.flatnonzero(~hidden).tolist()
        else:
            return hidden, primary, added, True
        hidden[chosen] = True
        added[chosen] = True


def _hierarchy_holds(raw: _Raw, children) -> bool:
    for values in raw.tables.values():
        for a, kids in children.items():
            s = values[list(kids)].sum()
            if abs(s - values[a]) > 1e-9 * max(1.0, abs(values[a])):
                return False
    return True


def protect(
    pack: Pack, *, threshold: int = 5, hierarchy: dict[str, dict[str, str]] | None = None
) -> Pack:
    """A copy of an unprotected `pack` in which no published figure of a protected indicator
    rests on fewer than `threshold` people ("<5") and no hidden cell can be pinned to one value
    from the published ones ("x" marks the complementary cells). `hierarchy` =
    ``{"commune": {commune: area}}`` says communes nest in areas."""
    if pack.protected or pack._raw is None:
        raise ValueError("protect() takes the pack compute() returned, not a protected one")
    if not isinstance(threshold, int) or threshold < 2:
        raise ValueError(f"threshold must be an integer of at least 2, got {threshold!r}")
    unknown = set(hierarchy or {}) - {"commune"}
    if unknown:
        raise ValueError(f"hierarchy: only communes nest (in areas), not {sorted(unknown)[0]!r}")
    raws = pack._raw
    structures = {}
    for code, raw in raws.items():
        children = _nesting(raw.dims, raw.cats, hierarchy)
        if children is not None and not _hierarchy_holds(raw, children):
            children = None  # the data do not nest that way: nobody can use that relation
        structures[code] = _structure(raw.dims, raw.cats, children)

    # A cell of a people count that another indicator publishes too, for the same category
    # and the same people (found by fingerprint), shares its fate there when it must stay
    # hidden: a small count, a complementary cell, or a cell hidden for such a link. A cell
    # only hidden because its indicator hides the whole cell (the denominator of a rate with a
    # small numerator) may stay visible elsewhere. Equal counts in different categories are a
    # coincidence a reader cannot know, except by definition: all girls = pupils of sex F.
    groups: dict[tuple, list[tuple[str, str, int]]] = defaultdict(list)
    for code, raw in raws.items():
        labels = [("total",)] + [(d, c) for d in raw.dims for c in raw.cats[d]]
        for name in raw.people:
            counts, keys = raw.tables[name], raw.keys[name]
            for s in np.flatnonzero(counts > 0).tolist():
                label = labels[s]
                key = (raw.space, label, float(keys[s]), float(counts[s]))
                groups[key].append((code, name, s))
    links = [g for g in groups.values() if len({c for c, _, _ in g}) > 1]

    forced = {
        (code, name): np.zeros(structures[code].nslots, dtype=bool)
        for code, raw in raws.items()
        for name in raw.people
    }
    result = {}
    todo = set(raws)
    while todo:
        for code in todo:
            raw = raws[code]
            pinned = np.zeros(structures[code].nslots, dtype=bool)
            for name in raw.people:
                pinned |= forced[code, name]
            result[code] = _suppress(raw, structures[code], pinned, threshold)
        todo = set()
        for group in links:
            must = set()
            for c, name, s in group:
                hidden, _, added, _ = result[c]
                small = raws[c].tables[name][s] < threshold
                if hidden[s] and (small or added[s] or forced[c, name][s]):
                    must.add(c)
            for c, name, s in group:
                if must - {c} and not result[c][0][s] and not forced[c, name][s]:
                    forced[c, name][s] = True
                    todo.add(c)

    figures = []
    for fig in pack.figures:
        code = fig.indicator.code
        if code not in result:
            figures.append(fig)
            continue
        hidden, primary, _, residual = result[code]
        if residual:
            # Even with every figure hidden, the marks alone ("<5" at most 4, "x" at least 5)
            # pin a cell: withhold the indicator without them.
            primary = np.zeros_like(primary)
        figures.append(_suppressed_figure(fig, hidden, primary, threshold))
    return Pack(
        version=pack.version,
        window=pack.window,
        protected=True,
        figures=tuple(figures),
        threshold=threshold,
        residual=tuple(sorted(c for c, r in result.items() if r[3])),
        _raw=None,
    )


def _suppressed_figure(fig: Figure, hidden, primary, threshold) -> Figure:
    def mark(slot):
        return f"<{threshold}" if primary[slot] else "x"

    by = {}
    slot = 1
    for dim, cells in fig.by.items():
        new = []
        for cell in cells:
            if hidden[slot]:
                cell = Cell(cell.category, None, None, None, None, mark(slot), True)
            new.append(cell)
            slot += 1
        by[dim] = tuple(new)
    if hidden[0]:
        return replace(
            fig,
            value=None,
            numerator=None,
            denominator=None,
            n=None,
            display=mark(0),
            suppressed=True,
            pct_target=None,
            by=by,
        )
    return replace(fig, by=by)


def recoverable_cells(
    indicator_dict: Mapping, hierarchy: dict[str, dict[str, str]] | None = None, *, threshold=5
) -> list[tuple[str, str | None]]:
    """Audit one indicator of a protected `pack_to_dict`: the hidden cells ("total", None) or
    (dimension, category) that a reader can pin to one value from the published figures, the
    relations (each dimension sums to the total; communes sum to their area) and the bounds the
    marks give ("<t": the guard count is 0..t-1; "x": the people counts are at least t). Uses
    the published figures only. Empty list: nothing recoverable."""
    code = indicator_dict["code"]
    if code not in SHAPES:
        return []
    fields, people, guard = SHAPES[code]
    dims = tuple(indicator_dict.get("by", {}))
    cats = {d: tuple(c["category"] for c in indicator_dict["by"][d]) for d in dims}
    items = [indicator_dict] + [c for d in dims for c in indicator_dict["by"][d]]
    labels = [("total", None)] + [(d, c["category"]) for d in dims for c in indicator_dict["by"][d]]
    hidden = np.array([bool(c.get("suppressed")) for c in items])
    primary = np.array([str(c.get("display", "")).startswith("<") for c in items]) & hidden
    tables = {
        name: np.array([0.0 if c.get(name) is None else float(c[name]) for c in items])
        for name in fields
    }
    raw = _Raw(dims, cats, tables, people, guard, {}, "")
    st = _structure(dims, cats, _nesting(dims, cats, hierarchy))
    bad = _linear_recoverable(st.equations, hidden) | _pinned(
        raw, st, tables, hidden, primary, threshold
    )
    return [labels[i] for i in np.flatnonzero(bad).tolist()]


# --- JSON ----------------------------------------------------------------------------------


def _cell_dict(c: Cell) -> dict:
    return {
        "category": c.category,
        "value": c.value,
        "numerator": c.numerator,
        "denominator": c.denominator,
        "n": c.n,
        "display": c.display,
        "suppressed": c.suppressed,
    }


def pack_to_dict(pack: Pack) -> dict:
    indicators = []
    for f in pack.figures:
        ind = f.indicator
        indicators.append(
            {
                "code": ind.code,
                "name_fr": ind.name_fr,
                "name_ar": ind.name_ar,
                "definition_fr": ind.definition_fr,
                "definition_ar": ind.definition_ar,
                "formula": ind.formula,
                "kind": ind.kind,
                "unit": ind.unit,
                "value": f.value,
                "numerator": f.numerator,
                "denominator": f.denominator,
                "n": f.n,
                "display": f.display,
                "suppressed": f.suppressed,
                "target": f.target,
                "pct_target": f.pct_target,
                "by": {dim: [_cell_dict(c) for c in cells] for dim, cells in f.by.items()},
            }
        )
    window = {"from": pack.window[0], "to": pack.window[1]} if pack.window else None
    return {
        "version": pack.version,
        "window": window,
        "protected": pack.protected,
        "indicators": indicators,
    }
