"""Issue 13, §1: the public application under load and attack.

- "Data lost under load": the person was saved and their ranking lost (two transactions), and
  failed requests still wrote a person. Now the whole application is one transaction: either
  everything is written or nothing, and a database too busy answers 503 in the user's language.
- "Who applied leaks by timing": a known CIN answered in 26 ms, a new one in 93 ms. Both paths
  now run the same database statements, the same number of them, on the same tables.
"""

import re

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from markaz.core.models import OneTimeCode
from markaz.programmes import services
from markaz.programmes.models import Application, Choice, PendingApplication
from markaz.registry import services as registry
from markaz.registry.models import Consent, DuplicateFlag, IntakeConflict, Person, PersonSearchToken
from tests.factories import apply_post, form_post, person_data, sms_code

from .test_views import open_campaign  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def apply_url(centre):
    return reverse("programmes:apply_centre", args=[centre.code])


def ranked_post(cohorts, **overrides):
    return form_post(
        activity_status="unemployed",
        **{"rank-choice_1": cohorts[1].pk, "rank-choice_2": cohorts[0].pk},
        **overrides,
    )


def written() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            Person,
            Consent,
            PersonSearchToken,
            DuplicateFlag,
            IntakeConflict,
            Application,
            Choice,
            Session,
        )
    }


NOTHING = dict.fromkeys(
    [
        "Person",
        "Consent",
        "PersonSearchToken",
        "DuplicateFlag",
        "IntakeConflict",
        "Application",
        "Choice",
        "Session",
    ],
    0,
)


def test_a_failed_ranking_leaves_no_person(client, centre, open_campaign, cohorts, monkeypatch):  # noqa: F811
    """Before: the person was committed, then the ranking failed: a person without ranking."""

    def broken(**kwargs):
        raise RuntimeError("ranking could not be saved")

    monkeypatch.setattr(services, "application_submit", broken)
    with pytest.raises(RuntimeError):
        apply_post(client, apply_url(centre), ranked_post(cohorts))
    assert written() == NOTHING
    assert OneTimeCode.objects.get().used_at is None  # the code too: it can be typed again


@pytest.mark.parametrize(
    ("language", "words"), [("fr", "réessayer"), ("ar", "أخرى")], ids=["fr", "ar"]
)
def test_a_busy_database_answers_503_and_writes_nothing(
    client,
    centre,
    open_campaign,  # noqa: F811
    cohorts,
    monkeypatch,
    language,
    words,
):
    """SQLite's busy timeout ran out after the person's row was written: the answer is a 503
    asking to try again, in the user's language, the form keeps what they typed, and the
    person's row is gone with the rest."""
    real = registry.person_tokens_refresh

    def locked(person):
        real(person)
        raise OperationalError("database is locked")

    monkeypatch.setattr(registry, "person_tokens_refresh", locked)
    client.cookies["markaz_language"] = language
    response = apply_post(client, apply_url(centre), ranked_post(cohorts))
    assert response.status_code == 503
    html = response.content.decode()
    assert words in html
    assert written() == NOTHING
    # The application still waits for its code, and the same code completes it once the
    # database answers again.
    monkeypatch.setattr(registry, "person_tokens_refresh", real)
    done = client.post(
        reverse("programmes:apply_confirm", args=[centre.code]), {"code": sms_code()}
    )
    assert done.status_code == 302 and Person.objects.count() == 1
    assert PendingApplication.objects.count() == 0


def test_success_writes_everything_and_no_session(client, centre, open_campaign, cohorts):  # noqa: F811
    response = apply_post(client, apply_url(centre), ranked_post(cohorts))
    assert response.status_code == 302
    counts = written()
    assert counts["Person"] == counts["Consent"] == counts["Application"] == 1
    assert counts["Choice"] == 2 and counts["IntakeConflict"] == 0
    # The thanks page's facts came in a signed cookie: no session row, no write outside the
    # application's transaction.
    assert counts["Session"] == 0
    thanks = client.get(response["Location"]).content.decode()
    assert "Éligible" in thanks and str(cohorts[1]) in thanks


def test_a_forged_thanks_cookie_is_ignored(client, centre):
    client.cookies["markaz_applied"] = "eyJkZWNpc2lvbiI6e319:forged:sig"
    response = client.get(reverse("programmes:apply_thanks", args=[centre.code]))
    assert response.status_code == 200
    assert 'id="eligibility"' not in response.content.decode()


SAVEPOINT = re.compile(r'"?s\d+_x\d+"?')
TABLE = re.compile(r'(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


def shape(queries) -> list[tuple[str, tuple[str, ...]]]:
    """Each statement as (verb, tables it names): what it costs, without its values. Leaving a
    savepoint is the same work whether it is kept (RELEASE) or dropped (ROLLBACK TO)."""
    out = []
    for q in queries:
        sql = SAVEPOINT.sub("SP", q["sql"]).strip()
        verb = sql.split()[0].upper()
        if verb in ("RELEASE", "ROLLBACK"):
            verb = "LEAVE SAVEPOINT"
        out.append((verb, tuple(TABLE.findall(sql))))
    return out


def two_steps(client, url, post):
    with CaptureQueriesContext(connection) as form_step:
        response = client.post(url, post)
    assert response.status_code == 302 and "/confirm/" in response["Location"]
    code = sms_code()
    with CaptureQueriesContext(connection) as code_step:
        response = client.post(response["Location"], {"code": code})
    return [form_step.captured_queries, code_step.captured_queries], response


def test_known_and_new_cin_do_the_same_database_work(client, centre, open_campaign, cohorts):  # noqa: F811
    """Before: a new CIN wrote a person, tokens, consent, flags and a ranking; a known one wrote
    one conflict row (26 ms against 93 ms). Now both run the same statements."""
    known = registry.person_create(centre=centre, data=person_data(cin="FK100000"))
    url = apply_url(centre)
    client.get(url)  # the first request of a process checks the install once (setup.py)
    # Different names, phones and birth dates, so neither submission resembles another record.
    new_post = ranked_post(
        cohorts, cin="FN200000", first_name_latin="Ali", phone="0662000001", birth_date="1999-01-02"
    )
    known_post = ranked_post(
        cohorts, cin=known.cin, first_name_latin="Omar", phone="0663000002", birth_date="1998-03-04"
    )
    # Both steps: the form (kept as pending, a code sent by SMS), then the code that completes it.
    new_queries, new = two_steps(client, url, new_post)
    before = written()
    known_queries, answer = two_steps(client, url, known_post)
    after = written()
    assert new.status_code == answer.status_code == 302
    assert new["Location"] == answer["Location"]
    for new_step, known_step in zip(new_queries, known_queries, strict=True):
        assert len(new_step) == len(known_step)
        assert shape(new_step) == shape(known_step)
    # What stayed: the new applicant's person and ranking; for the known CIN, one conflict only.
    assert Person.objects.filter(cin="FN200000").exists()
    assert {k: after[k] - before[k] for k in after} == dict(NOTHING, IntakeConflict=1)
    conflict = IntakeConflict.objects.get()
    assert conflict.existing == known and conflict.submitted["first_name_latin"] == "Omar"
    assert not Person.objects.filter(cin__startswith="ZZ").exists()


def test_the_thanks_page_is_the_same_for_a_known_cin(client, centre, open_campaign, cohorts):  # noqa: F811
    registry.person_create(centre=centre, data=person_data(cin="FK100000"))
    pages = []
    for cin in ("FN200000", "FK100000"):
        response = apply_post(client, apply_url(centre), ranked_post(cohorts, cin=cin), follow=True)
        # The CSRF token is masked afresh on every page; the rest must be identical.
        pages.append(re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode()))
    assert pages[0] == pages[1]
