import pytest

from markaz.core.models import OutboxMessage
from markaz.demo.learning import EARLIER_CODE, demo_load_learning
from markaz.demo.load import demo_load
from markaz.learning.models import (
    AbsenceAlert,
    AttendanceMark,
    Certificate,
    Completion,
    CompletionRule,
    Evaluation,
)
from markaz.programmes.models import Programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("territory")]


def counts():
    return [
        m.objects.count()
        for m in (
            AttendanceMark,
            AbsenceAlert,
            OutboxMessage,
            CompletionRule,
            Evaluation,
            Completion,
            Certificate,
        )
    ]


def test_learning_demo_loads_and_twice_changes_nothing():
    loaded = demo_load()
    centre, users = loaded["centre"], loaded["users"]
    # demo_load() ran the learning demo already (after the timetable's sessions).
    assert AttendanceMark.objects.values("session").distinct().count() >= 2
    assert CompletionRule.objects.count() == Programme.objects.filter(centre=centre).count()
    assert AttendanceMark.objects.filter(status="absent").exists()
    alerts = AbsenceAlert.objects.all()
    assert alerts.exists()
    messages = OutboxMessage.objects.filter(kind="absence_streak")
    assert {m.recipient.username for m in messages} == {"mentor", "coordinator"}
    earlier = Completion.objects.filter(enrolment__cohort__code=EARLIER_CODE)
    assert earlier.filter(completed=True).exists() and earlier.filter(completed=False).exists()
    certificates = Certificate.objects.filter(enrolment__cohort__code=EARLIER_CODE)
    assert certificates.count() >= 3
    assert certificates.filter(revoked_at__isnull=False).count() == 1
    before = counts()
    demo_load_learning(centre, users)
    assert counts() == before
