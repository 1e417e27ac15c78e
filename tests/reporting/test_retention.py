"""Law 09-08 retention: `retention --dry-run` changes nothing, `--apply` anonymises people and
deletes old presences and import copies in one pass, and a past year's indicators stay the
same to the last figure."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from markaz.centre.models import DoorEvent, Presence
from markaz.core.models import AuditEvent
from markaz.learning.models import Certificate
from markaz.programmes.models import Application, Campaign, ScoringRuleVersion
from markaz.registry.models import ImportBatch, IntakeConflict, Person
from markaz.reporting import retention
from markaz.reporting.selectors import indicator_pack_uncached
from tests.reporting.world import END, START, at, build_world

pytestmark = pytest.mark.django_db

LATER = dt.date(2029, 6, 1)  # past every rule for the 2025 world


@pytest.fixture
def world(centre):
    w = build_world(centre)
    rule = ScoringRuleVersion.objects.create(
        centre=centre, version="t", weights={}, rsu_threshold=9.74
    )
    campaign = Campaign.objects.create(
        centre=centre,
        name_fr="Printemps 2025",
        name_ar="ربيع 2025",
        opens_on=dt.date(2025, 1, 1),
        closes_on=dt.date(2025, 1, 31),
        scoring_rule=rule,
    )
    w.applicant = Person.objects.create(
        centre=centre,
        first_name_latin="Jamal",
        last_name_latin="Never",
        cin="JN123456",
        birth_date=dt.date(2000, 4, 4),
        sex="M",
        phone="+212611111111",
        activity_status="unemployed",
        education_level="bac",
    )
    Application.objects.create(centre=centre, campaign=campaign, person=w.applicant)
    learner = w.web_people[0]
    Presence.objects.create(
        centre=centre,
        person=learner,
        entered_at=at(dt.date(2025, 3, 3), 9),
        exited_at=at(dt.date(2025, 3, 3), 12),
    )
    IntakeConflict.objects.create(centre=centre, existing=learner, submitted={"cin": learner.cin})
    ImportBatch.objects.create(centre=centre, file_name="a.csv", sha256="0" * 64, content=b"x,y")
    # A file checked but never imported: no content kept, but its preview shows the first rows.
    ImportBatch.objects.create(
        centre=centre,
        file_name="b.csv",
        sha256="1" * 64,
        content=b"",
        preview={"rows": [{"cin": "AB123456", "last_name": "Synthétique"}]},
    )
    return w


def packs(centre):
    return [
        indicator_pack_uncached(centre=centre, start=START, end=END, protect=protect)
        for protect in (False, True)
    ]


def test_dry_run_lists_per_rule_and_changes_nothing(centre, world, monkeypatch):
    monkeypatch.setattr(retention.timezone, "localdate", lambda: LATER)
    names = sorted(Person.objects.values_list("first_name_latin", flat=True))
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    report = json.loads(out.getvalue())
    assert report["applied"] is False
    assert report["counts"] == {
        "applicants": 1,
        "learners": 20 + 8 + 6,
        "presences": 1,
        "door_events": 0,
        "import_files": 2,
        "intake_conflicts": 1,
    }
    assert sorted(Person.objects.values_list("first_name_latin", flat=True)) == names
    assert Presence.objects.count() == 1 and IntakeConflict.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_nothing_goes_before_its_time(centre, world):
    plan = retention.retention_plan(today=dt.date(2026, 6, 1))
    # The 2025 learners were followed up in December 2025; the applicant's campaign closed in
    # January 2025: three years have not passed for anyone.
    assert plan.applicants == [] and plan.learners == []


def test_apply_keeps_a_past_years_indicators_identical(centre, world):
    before = packs(centre)
    plan = retention.retention_apply(
        today=LATER, config={"presences_days": 365 * 10, "imports_days": 90}
    )
    assert plan.counts()["learners"] == 34 and plan.counts()["applicants"] == 1
    assert not Person.objects.filter(anonymised_at__isnull=True).exists()
    assert not Person.objects.filter(last_name_latin__startswith="Never").exists()
    assert set(Person.objects.values_list("phone", flat=True)) == {""}
    assert set(Certificate.objects.values_list("name_latin", flat=True)) <= {
        p.full_name_latin for p in Person.objects.all()
    }
    assert all(
        name.startswith("Anonyme")
        for name in Certificate.objects.values_list("name_latin", flat=True)
    )
    assert packs(centre) == before
    event = AuditEvent.objects.get(action="retention_apply")
    assert event.detail["counts"]["learners"] == 34
    # A second pass finds nothing more to do.
    assert retention.retention_plan(today=LATER).counts()["learners"] == 0


def test_apply_deletes_old_presences_and_import_copies(centre, world):
    plan = retention.retention_apply(today=LATER)
    assert plan.presences == 1
    assert not Presence.objects.exists() and not DoorEvent.objects.exists()
    assert not IntakeConflict.objects.exists()
    assert [bytes(b.content) for b in ImportBatch.objects.all()] == [b"", b""]
    assert [b.preview for b in ImportBatch.objects.all()] == [{}, {}]


def test_apply_is_one_transaction(centre, world, monkeypatch):
    """A failure halfway (here: the audit record) leaves everything as it was."""

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "audit_record", broken)
    with pytest.raises(RuntimeError):
        retention.retention_apply(today=LATER)
    assert not Person.objects.filter(anonymised_at__isnull=False).exists()
    assert Presence.objects.count() == 1 and IntakeConflict.objects.count() == 1
    assert Person.objects.filter(last_name_latin="Never").exists()


def test_retention_reads_are_bounded(centre, world):
    with CaptureQueriesContext(connection) as ctx:
        retention.retention_plan(today=LATER)
    assert len(ctx.captured_queries) <= 8
