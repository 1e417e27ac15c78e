"""The job-matching score: table-like checks and properties (no database)."""

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from markaz.engine.jobmatch import Opening, Youth, match_one, rank, road_km

BERKANE = (34.92, -2.32)
SAIDIA = (35.09, -2.23)
TAFOUGHALT = (34.81, -2.41)

INTERNSHIP = Opening(
    kind="internship",
    sector="tourism",
    skills=frozenset({"web", "marketing"}),
    min_education=4,
    lat=SAIDIA[0],
    lon=SAIDIA[1],
    pattern="daytime",
)


def codes(match):
    return [r.code for r in match.reasons]


def test_road_distance_is_great_circle_times_1_3():
    assert road_km(*BERKANE, *BERKANE) == 0
    km = road_km(*BERKANE, *SAIDIA)
    assert 25 < km < 30  # ~21 km as the crow flies, x 1.3


def test_full_match_scores_highest_with_reasons():
    best = Youth(
        id=1,
        education=5,
        completed=frozenset({"web", "marketing"}),
        lat=SAIDIA[0],
        lon=SAIDIA[1],
        wished_kinds=frozenset({"internship"}),
        wished_sectors=frozenset({"tourism"}),
    )
    m = match_one(INTERNSHIP, best)
    assert m.fits and m.score == 100.0
    assert codes(m) == [
        "skills_completed",
        "education_met",
        "distance_near",
        "wish_kind_met",
        "wish_sector_met",
    ]
    assert m.reasons[0].as_dict() == {"skills": ("marketing", "web")}


def test_skills_in_training_count_half_and_missing_are_said():
    youth = Youth(id=2, education=5, in_training=frozenset({"web"}), lat=SAIDIA[0], lon=SAIDIA[1])
    m = match_one(INTERNSHIP, youth)
    assert "skills_in_training" in codes(m) and "skills_missing" in codes(m)
    assert m.score == round(40 * 0.25 + 15 + 25 + 10, 1)


def test_education_one_below_and_below():
    base = Youth(id=3, lat=SAIDIA[0], lon=SAIDIA[1])
    assert "education_one_below" in codes(
        match_one(INTERNSHIP, dataclasses.replace(base, education=3))
    )
    assert "education_below" in codes(match_one(INTERNSHIP, dataclasses.replace(base, education=1)))


def test_distance_beyond_the_youths_limit_does_not_fit():
    youth = Youth(id=4, education=5, lat=TAFOUGHALT[0], lon=TAFOUGHALT[1], max_km=10)
    m = match_one(INTERNSHIP, youth)
    assert not m.fits and "distance_beyond_wish" in codes(m)
    assert m.distance_km > 10


def test_unknown_commune_is_said_not_hidden():
    m = match_one(INTERNSHIP, Youth(id=5, education=5))
    assert m.fits and "distance_unknown" in codes(m) and m.distance_km is None


def test_hours_conflict_with_a_running_cohort():
    youth = Youth(
        id=6, education=5, lat=SAIDIA[0], lon=SAIDIA[1], busy_patterns=frozenset({"daytime"})
    )
    m = match_one(INTERNSHIP, youth)
    assert not m.fits and "hours_conflict" in codes(m)
    evening = dataclasses.replace(INTERNSHIP, pattern="evening")
    assert match_one(evening, youth).fits


def test_rank_puts_fitting_first_then_score_then_id():
    a = Youth(id=10, education=5, completed=frozenset({"web"}), lat=SAIDIA[0], lon=SAIDIA[1])
    b = Youth(
        id=11, education=5, completed=frozenset({"web", "marketing"}), lat=SAIDIA[0], lon=SAIDIA[1]
    )
    c = Youth(
        id=9,
        education=5,
        completed=frozenset({"web", "marketing"}),
        lat=SAIDIA[0],
        lon=SAIDIA[1],
        busy_patterns=frozenset({"daytime"}),
    )
    d = dataclasses.replace(a, id=8)
    assert [m.youth_id for m in rank(INTERNSHIP, [a, b, c, d])] == [11, 8, 10, 9]


def test_no_protected_attribute_is_an_input():
    """Sex, disability and the RSU index cannot rank anyone down: matching never receives them."""
    names = {f.name for f in dataclasses.fields(Youth)}
    assert not names & {"sex", "gender", "disability", "rsu", "rsu_index"}


@given(
    education=st.integers(0, 8),
    skills=st.frozensets(st.sampled_from(["web", "marketing", "office", "ai"])),
    lat=st.floats(34.5, 35.2),
    lon=st.floats(-2.8, -1.9),
    max_km=st.one_of(st.none(), st.floats(1, 200)),
)
def test_score_is_between_0_and_100_and_more_skills_never_lower(
    education, skills, lat, lon, max_km
):
    youth = Youth(id=1, education=education, completed=skills, lat=lat, lon=lon, max_km=max_km)
    m = match_one(INTERNSHIP, youth)
    assert 0 <= m.score <= 100
    more = dataclasses.replace(youth, completed=skills | {"web"})
    assert match_one(INTERNSHIP, more).score >= m.score
    assert all(r.code in jobmatch_codes() for r in m.reasons)


def jobmatch_codes():
    from markaz.jobs.selectors import REASONS

    return set(REASONS)
