"""Window differencing (issue 13): as the provincial viewer, the protected CSV for windows ending
on D and on D+1 differed by the one person who started on D+1 (sex, age band, commune). Protected
outputs are now computed only for published periods (whole months, quarters, calendar years,
INDH years 19 May → 18 May); a period in progress is read to the end of its last complete month.
All people are synthetic."""

import csv
import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from markaz.programmes.models import Cohort, Enrolment, Programme
from markaz.registry.models import Person
from markaz.reporting import periods
from markaz.reporting.selectors import indicator_pack
from markaz.territory.models import Commune

D = dt.date(2025, 3, 14)
TODAY = dt.date(2026, 12, 7)


def _expected_published(first: dt.date, last: dt.date) -> set[tuple[dt.date, dt.date]]:
    """The published periods inside [first, last], listed independently of periods.py."""
    out = set()
    for year in range(first.year - 1, last.year + 2):
        for month in range(1, 13):
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            out.add((dt.date(year, month, 1), nxt - dt.timedelta(days=1)))
        for q in (1, 4, 7, 10):
            nxt = dt.date(year + (q == 10), (q + 2) % 12 + 1, 1)
            out.add((dt.date(year, q, 1), nxt - dt.timedelta(days=1)))
        out.add((dt.date(year, 1, 1), dt.date(year, 12, 31)))
        out.add((dt.date(year, 5, 19), dt.date(year + 1, 5, 18)))
    return {(s, e) for s, e in out if first <= s and e <= last}


def test_the_allowed_windows_are_exactly_the_published_periods():
    first, last = dt.date(2024, 12, 1), dt.date(2026, 6, 30)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    allowed = {(s, e) for i, s in enumerate(days) for e in days[i:] if periods.published(s, e)}
    assert allowed == _expected_published(first, last)
    # 19 months, 6 quarters, 1 calendar year (2025), 1 INDH year (2025-05-19 → 2026-05-18).
    assert len(allowed) == 19 + 6 + 1 + 1


@settings(max_examples=300, deadline=None)
@given(
    st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    st.integers(0, 800),
)
def test_any_window_is_refused_or_is_a_published_period(start, length):
    end = start + dt.timedelta(days=length)
    published = periods.published(start, end)
    try:
        window = periods.protected_window(start, end, today=dt.date(2200, 1, 1), snap=False)
    except periods.UserInputError:
        assert published is None
    else:
        assert published is not None and (window.start, window.end) == (start, end)
    # Snapped: a published period that contains the window, or refused.
    try:
        window = periods.protected_window(start, end, today=dt.date(2200, 1, 1), snap=True)
    except periods.UserInputError:
        assert periods.enclosing(start, end) is None
    else:
        assert window.period.start <= start and end <= window.period.end
        assert periods.published(window.start, window.end) == window.period


@settings(max_examples=200, deadline=None)
@given(
    st.dates(dt.date(2001, 1, 1), dt.date(2099, 12, 31)),
    st.dates(dt.date(2001, 1, 1), dt.date(2099, 12, 31)),
)
def test_adjacent_day_windows_are_never_both_computed(start, day):
    """Windows ending on D and D+1 are never both computed as asked; snapped, they give the same
    period or periods whose bounds fall on month (or 18/19 May) boundaries."""
    if day < start:
        start, day = day, start
    nxt = day + dt.timedelta(days=1)
    ok = []
    for end in (day, nxt):
        try:
            periods.protected_window(start, end, today=dt.date(2200, 1, 1), snap=False)
            ok.append(end)
        except periods.UserInputError:
            pass
    if len(ok) == 2:  # both published: [start, D] and [start, D+1] can only differ by a month
        assert day.month != nxt.month or (day.month, day.day) == (5, 18)


def test_in_progress_periods_are_read_to_the_last_complete_month():
    window = periods.protected_window(
        dt.date(2026, 1, 1), dt.date(2026, 12, 31), today=TODAY, snap=False
    )
    assert (window.start, window.end) == (dt.date(2026, 1, 1), dt.date(2026, 11, 30))
    # Tomorrow reads the same window: waiting a day reveals nothing.
    tomorrow = periods.protected_window(
        dt.date(2026, 1, 1), dt.date(2026, 12, 31), today=TODAY + dt.timedelta(days=1), snap=False
    )
    assert (tomorrow.start, tomorrow.end) == (window.start, window.end)
    with pytest.raises(periods.UserInputError):  # this month: nothing complete yet
        periods.protected_window(
            dt.date(2026, 12, 1), dt.date(2026, 12, 31), today=TODAY, snap=False
        )


def test_a_protected_pack_for_an_arbitrary_window_is_never_computed(db, centre):
    with pytest.raises(ValueError, match="published periods"):
        indicator_pack(centre=centre, start=dt.date(2025, 1, 1), end=D, protect=True)


# --- The attack, through the site ----------------------------------------------------------------


def _person(centre, n, commune, sex="F"):
    return Person.objects.create(
        centre=centre,
        first_name_latin=f"P{n}",
        last_name_latin="Synthetic",
        cin=f"XD{n}",
        birth_date=dt.date(2000, 1, 1),
        sex=sex,
        activity_status="unemployed",
        education_level="bac",
        eligible=True,
        commune=commune,
    )


def _cohort(centre, programme, code, day):
    return Cohort.objects.create(
        centre=centre,
        programme=programme,
        code=code,
        start_date=day,
        end_date=day + dt.timedelta(days=90),
        seats=30,
        schedule_pattern="daytime",
    )


@pytest.fixture
def attack(centre):
    """Twelve youth of Berkane start on D; one young woman of Rislane starts alone on D+1."""
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Web",
        title_ar="الويب",
        track="web",
        hours=100,
        duration_weeks=10,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="daytime",
    )
    berkane = Commune.objects.get(code="berkane")
    rislane = Commune.objects.get(code="rislane")
    first = _cohort(centre, programme, "D", D)
    for n in range(12):
        Enrolment.objects.create(cohort=first, person=_person(centre, n, berkane, "FM"[n % 2]))
    second = _cohort(centre, programme, "D1", D + dt.timedelta(days=1))
    Enrolment.objects.create(cohort=second, person=_person(centre, 99, rislane))
    return centre


def _csv(client, **params):
    response = client.get(reverse("reporting:export", args=["csv"]), params)
    if response.status_code != 200:
        return response.status_code, None
    return 200, sorted(
        tuple(r) for r in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    )


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_csv_for_windows_ending_on_d_and_d_plus_1_is_refused(
    client, provincial_viewer, attack, lang
):
    client.force_login(provincial_viewer)
    client.cookies["markaz_language"] = lang
    ends = (D, D + dt.timedelta(days=1))
    answers = [_csv(client, start="2025-01-01", end=end.isoformat()) for end in ends]
    assert [status for status, _rows in answers] == [400, 400]
    response = client.get(
        reverse("reporting:export", args=["csv"]), {"start": "2025-01-01", "end": D.isoformat()}
    )
    html = response.content.decode()
    assert ("INDH" in html) and ('dir="rtl"' in html) == (lang == "ar")
    # The published period around both days answers, and it is the same for both.
    status, rows = _csv(client, start="2025-03-01", end="2025-03-31")
    assert status == 200 and rows


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["xlsx", "csv", "pdf", "opendata"])
@pytest.mark.parametrize("persona", ["provincial_viewer", "coordinator"])
def test_every_download_refuses_an_arbitrary_window(client, attack, kind, persona, request):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("reporting:export", args=[kind])
    assert client.get(url, {"start": "2025-01-01", "end": D.isoformat()}).status_code == 400
    assert client.get(url, {"start": "2025-01-01", "end": "2025-03-31"}).status_code == 200


@pytest.mark.django_db
def test_provincial_dashboard_snaps_adjacent_windows_to_one_period(
    client, provincial_viewer, attack
):
    client.force_login(provincial_viewer)
    packs = []
    for end in (D, D + dt.timedelta(days=1)):
        response = client.get("/indicators/", {"start": "2025-03-01", "end": end.isoformat()})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="window-snapped"' in html
        packs.append(response.context["pack"])
    assert packs[0] == packs[1]
    assert packs[0]["window"] == {"from": "2025-03-01", "to": "2025-03-31"}
    # The Rislane cell (one person) is hidden.
    enrolled = next(i for i in packs[0]["indicators"] if i["code"] == "enrolled")
    rislane = next(c for c in enrolled["by"]["commune"] if c["category"] == "rislane")
    assert rislane["value"] is None


@pytest.mark.django_db
def test_provincial_dashboard_refuses_a_window_no_period_contains(
    client, provincial_viewer, attack
):
    client.force_login(provincial_viewer)
    response = client.get("/indicators/", {"start": "2024-02-10", "end": "2025-06-10"})
    assert response.status_code == 400
    assert "INDH" in response.content.decode()


@pytest.mark.django_db
def test_coordinator_keeps_arbitrary_windows_and_downloads_say_their_period(
    client, coordinator, attack
):
    client.force_login(coordinator)
    response = client.get("/indicators/", {"start": "2025-01-01", "end": D.isoformat()})
    assert response.status_code == 200
    assert response.context["pack"]["window"] == {"from": "2025-01-01", "to": D.isoformat()}
    html = response.content.decode()
    assert 'id="export-period"' in html and "start=2025-01-01&amp;end=2025-03-31" in html
    assert 'id="window-snapped"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_data_two_day_windows_give_the_province_nothing_new(
    client, provincial_viewer, centre, seed
):
    """Random people starting on random days: for random D, every protected answer for the
    windows ending on D and D+1 is either refused or the same figures."""
    rng = random.Random(seed)
    programme = Programme.objects.create(
        centre=centre,
        title_fr="Web",
        title_ar="الويب",
        track="web",
        hours=100,
        duration_weeks=10,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="daytime",
    )
    communes = list(Commune.objects.all())
    for c in range(6):
        cohort = _cohort(
            centre, programme, f"R{c}", dt.date(2025, 1, 1) + dt.timedelta(rng.randrange(150))
        )
        for n in range(rng.randrange(1, 8)):
            person = _person(centre, c * 100 + n, rng.choice(communes), rng.choice("FM"))
            Enrolment.objects.create(cohort=cohort, person=person)
    client.force_login(provincial_viewer)
    for _ in range(4):
        day = dt.date(2025, 1, 1) + dt.timedelta(rng.randrange(150))
        start = dt.date(2025, 1, 1) + dt.timedelta(
            rng.randrange((day - dt.date(2025, 1, 1)).days + 1)
        )
        answers = []
        for end in (day, day + dt.timedelta(days=1)):
            r = client.get("/indicators/", {"start": start.isoformat(), "end": end.isoformat()})
            answers.append(r.context["pack"] if r.status_code == 200 else r.status_code)
            assert _csv(client, start=start.isoformat(), end=end.isoformat())[0] == 400 or (
                periods.published(start, end)
            )
        if (
            all(isinstance(a, dict) for a in answers)
            and answers[0]["window"] != answers[1]["window"]
        ):
            # Two different periods: both are published, their bounds are month boundaries.
            for a in answers:
                s, e = (dt.date.fromisoformat(a["window"][k]) for k in ("from", "to"))
                assert periods.is_protected_window(s, e)
        elif all(isinstance(a, dict) for a in answers):
            assert answers[0] == answers[1]


@pytest.mark.django_db
def test_command_protected_refuses_an_arbitrary_window(attack):
    with pytest.raises(CommandError, match="published"):
        call_command(
            "indicators",
            "--centre",
            "berkane",
            "--from",
            "2025-01-01",
            "--to",
            D.isoformat(),
            "--protected",
            stdout=io.StringIO(),
        )
    out = io.StringIO()
    call_command(
        "indicators",
        "--centre",
        "berkane",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--protected",
        "--json",
        stdout=out,
    )
    assert '"rislane"' in out.getvalue()
