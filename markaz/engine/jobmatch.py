"""Matching youth to a job or internship opportunity (pure Python, no Django).

Each youth gets a score out of 100 and the reasons for it, as codes with parameters that the
application says in French or Arabic:

- skills (40): the opportunity's wanted skills covered by programmes the youth completed (full
  weight) or is still following (half weight); a certificate counts as completed;
- education (15): at or above the level asked; one level below still earns a third;
- distance (25): by road from the youth's commune to the opportunity's, approximated like the
  caravan does (great-circle distance x 1.3); full points up to 5 km, none beyond the farthest
  the youth accepts (or 60 km when they said nothing);
- wishes (20): the kind of contract and the sector the youth said they want (neutral half marks
  when they stated no wish);
- hours: an opportunity at the same time of day as a cohort the youth is following does not fit
  (shown with its reason, never ranked among those who fit).

Sex, disability and the household RSU index are not inputs: a youth cannot be ranked down for
them. Ties are broken by the youth's id, so the order is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

ROAD_FACTOR = 1.3  # as the caravan's tours: great-circle x 1.3 on the province's roads
EARTH_RADIUS_KM = 6371.0
NEAR_KM = 5.0
DEFAULT_MAX_KM = 60.0

W_SKILLS = 40.0
W_EDUCATION = 15.0
W_DISTANCE = 25.0
W_WISHES = 20.0


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Approximate road distance in km: great-circle distance times ROAD_FACTOR."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return ROAD_FACTOR * 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Opening:
    """What the opportunity asks. `skills`: wanted skill codes (programme tracks);
    `min_education`: a rank (0 = none asked); `pattern`: "daytime", "evening" or "weekend"."""

    kind: str
    sector: str
    skills: frozenset[str] = frozenset()
    min_education: int = 0
    lat: float | None = None
    lon: float | None = None
    pattern: str = "daytime"


@dataclass(frozen=True)
class Youth:
    """What is known of a youth that may matter to an employer, nothing more.

    `completed`: skill codes of completed programmes or certificates; `in_training`: skill codes
    of programmes being followed; `busy_patterns`: times of day taken by running cohorts;
    `wished_kinds` / `wished_sectors`: empty when the youth stated no wish; `max_km`: None when
    the youth stated no limit."""

    id: int
    education: int = 0
    completed: frozenset[str] = frozenset()
    in_training: frozenset[str] = frozenset()
    lat: float | None = None
    lon: float | None = None
    busy_patterns: frozenset[str] = frozenset()
    wished_kinds: frozenset[str] = frozenset()
    wished_sectors: frozenset[str] = frozenset()
    max_km: float | None = None


@dataclass(frozen=True)
class Reason:
    """One reason in words: `code` names the sentence, `params` fills it; `positive` says
    whether it speaks for (True) or against (False) the youth."""

    code: str
    positive: bool
    params: tuple[tuple[str, object], ...] = ()

    def as_dict(self) -> dict:
        return dict(self.params)


@dataclass(frozen=True)
class Match:
    youth_id: int
    score: float
    fits: bool
    distance_km: float | None
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def _skills(opening: Opening, youth: Youth) -> tuple[float, list[Reason]]:
    if not opening.skills:
        return W_SKILLS / 2, [Reason("skills_none_asked", True)]
    done = opening.skills & youth.completed
    doing = (opening.skills & youth.in_training) - done
    share = (len(done) + 0.5 * len(doing)) / len(opening.skills)
    reasons = []
    if done:
        reasons.append(Reason("skills_completed", True, (("skills", tuple(sorted(done))),)))
    if doing:
        reasons.append(Reason("skills_in_training", True, (("skills", tuple(sorted(doing))),)))
    missing = opening.skills - done - doing
    if missing:
        reasons.append(Reason("skills_missing", False, (("skills", tuple(sorted(missing))),)))
    return W_SKILLS * share, reasons


def _education(opening: Opening, youth: Youth) -> tuple[float, list[Reason]]:
    if opening.min_education <= 0:
        return W_EDUCATION, []
    if youth.education >= opening.min_education:
        return W_EDUCATION, [Reason("education_met", True)]
    if youth.education == opening.min_education - 1:
        return W_EDUCATION / 3, [Reason("education_one_below", False)]
    return 0.0, [Reason("education_below", False)]


def _distance(opening: Opening, youth: Youth) -> tuple[float, float | None, bool, list[Reason]]:
    """Points, km, within the youth's limit, reasons."""
    if None in (opening.lat, opening.lon, youth.lat, youth.lon):
        return W_DISTANCE / 2, None, True, [Reason("distance_unknown", False)]
    km = road_km(youth.lat, youth.lon, opening.lat, opening.lon)
    far = youth.max_km if youth.max_km is not None else DEFAULT_MAX_KM
    params = (("km", round(km)),)
    if km <= NEAR_KM:
        return W_DISTANCE, km, True, [Reason("distance_near", True, params)]
    if km > far:
        code = "distance_beyond_wish" if youth.max_km is not None else "distance_far"
        return 0.0, km, youth.max_km is None, [Reason(code, False, params)]
    points = W_DISTANCE * (1 - (km - NEAR_KM) / max(far - NEAR_KM, 1e-9))
    return points, km, True, [Reason("distance_km", points >= W_DISTANCE / 2, params)]


def _wishes(opening: Opening, youth: Youth) -> tuple[float, list[Reason]]:
    if not youth.wished_kinds and not youth.wished_sectors:
        return W_WISHES / 2, [Reason("wishes_none", True)]
    points, reasons = 0.0, []
    for wished, value, code in (
        (youth.wished_kinds, opening.kind, "kind"),
        (youth.wished_sectors, opening.sector, "sector"),
    ):
        if not wished:
            points += W_WISHES / 4
        elif value in wished:
            points += W_WISHES / 2
            reasons.append(Reason(f"wish_{code}_met", True))
        else:
            reasons.append(Reason(f"wish_{code}_other", False))
    return points, reasons


def match_one(opening: Opening, youth: Youth) -> Match:
    """The score of one youth for one opening, with its reasons (see the module's docstring)."""
    s_skills, r_skills = _skills(opening, youth)
    s_edu, r_edu = _education(opening, youth)
    s_dist, km, within, r_dist = _distance(opening, youth)
    s_wish, r_wish = _wishes(opening, youth)
    reasons = [*r_skills, *r_edu, *r_dist, *r_wish]
    fits = within
    if opening.pattern in youth.busy_patterns:
        fits = False
        reasons.append(Reason("hours_conflict", False, (("pattern", opening.pattern),)))
    score = round(s_skills + s_edu + s_dist + s_wish, 1)
    return Match(youth_id=youth.id, score=score, fits=fits, distance_km=km, reasons=tuple(reasons))


def rank(opening: Opening, youth: Iterable[Youth]) -> list[Match]:
    """Every youth's match, those who fit first, then by score (highest first), then by id."""
    matches = [match_one(opening, y) for y in youth]
    return sorted(matches, key=lambda m: (not m.fits, -m.score, m.youth_id))
