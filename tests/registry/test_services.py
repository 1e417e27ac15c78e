import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from markaz.registry import services
from markaz.registry.models import (
    Consent,
    DuplicateFlag,
    IntakeConflict,
    MergeRecord,
    Person,
    Source,
)
from tests.factories import person_data

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 9, 1)


def create(centre, **overrides):
    return services.person_create(centre=centre, data=person_data(**overrides), today=TODAY)


def test_person_create_records_consent_and_eligibility(centre, coordinator):
    person = services.person_create(
        centre=centre, data=person_data(), actor=coordinator, consent_language="ar", today=TODAY
    )
    assert person.eligible is True
    assert [r["code"] for r in person.eligibility["rules"]] == ["age", "activity", "residence"]
    assert all(
        r["passed"] and r["reason_fr"] and r["reason_ar"] for r in person.eligibility["rules"]
    )
    consent = person.consents.get()
    assert (consent.method, consent.language, consent.recorded_by) == (
        Consent.Method.DESK,
        "ar",
        coordinator,
    )
    assert consent.text_version and consent.purpose


@pytest.mark.parametrize(
    ("overrides", "failing"),
    [
        ({"activity_status": "student"}, "activity"),
        ({"commune": None}, "residence"),
        ({"birth_date": dt.date(2008, 9, 2)}, "age"),  # 17 on the reference date
        ({"birth_date": dt.date(1990, 9, 1)}, "age"),  # 36 on the reference date
    ],
)
def test_ineligible_applicants_get_reasons(centre, overrides, failing):
    person = create(centre, **overrides)
    assert person.eligible is False
    failed = [r["code"] for r in person.eligibility["rules"] if not r["passed"]]
    assert failed == [failing]


def test_centre_age_bounds_are_configuration(centre):
    centre.max_age = 45  # Sidi Ifni uses 18-45
    centre.save()
    assert create(centre, birth_date=dt.date(1985, 1, 1)).eligible is True


def test_duplicate_cin_is_refused_and_nothing_written(centre):
    create(centre)
    with pytest.raises(ValidationError) as exc:
        create(centre, first_name_latin="Autre", phone="")
    assert "cin" in exc.value.message_dict
    assert Person.objects.count() == 1
    assert Consent.objects.count() == 1


def test_same_cin_in_another_centre_is_a_separate_registry(centre, other_centre):
    create(centre)
    create(other_centre)
    assert Person.objects.filter(cin="FA123456").count() == 2
    assert DuplicateFlag.objects.count() == 0  # never compared across centres


def test_transliterated_name_with_same_birth_date_is_flagged(centre):
    first = create(centre, first_name_latin="Mohamed", last_name_latin="Benali", sex="M")
    second = create(
        centre,
        cin="FB999",
        first_name_latin="Mohammed",
        last_name_latin="Ben Ali",
        sex="M",
        phone="",
    )
    flag = DuplicateFlag.objects.get()
    assert {flag.person_id, flag.other_id} == {first.pk, second.pk}
    assert flag.status == DuplicateFlag.Status.OPEN
    assert "same_name_birth_date" in flag.reasons


def test_arabic_only_against_latin_with_same_phone_is_flagged(centre):
    create(
        centre,
        first_name_latin="Abdelkader",
        last_name_latin="El Amrani",
        first_name_ar="",
        last_name_ar="",
    )
    create(
        centre,
        cin="FC1",
        first_name_latin="Abdelkadir",
        last_name_latin="Amrani",
        first_name_ar="عبد القادر",
        last_name_ar="العمراني",
        birth_date=dt.date(1999, 1, 1),
    )
    assert DuplicateFlag.objects.count() == 1


def test_different_people_are_not_flagged(centre):
    create(centre)
    create(
        centre,
        cin="FC2",
        first_name_latin="Karim",
        last_name_latin="Tahiri",
        first_name_ar="كريم",
        last_name_ar="الطاهري",
        phone="+212661111111",
    )
    assert DuplicateFlag.objects.count() == 0


def test_public_application_never_reveals_a_known_cin(centre):
    known = create(centre)
    result, decision = services.public_application_submit(
        centre=centre,
        data=person_data(first_name_latin="Autre", activity_status="student"),
        language="ar",
    )
    assert result is None
    # The answer is the decision on what was submitted, as for anyone: nothing about the record.
    assert decision["eligible"] is False and known.eligible is True
    assert Person.objects.count() == 1
    conflict = IntakeConflict.objects.get()
    assert conflict.existing == known and conflict.submitted["first_name_latin"] == "Autre"


def test_merge_keeps_every_fact_and_can_be_undone(centre, coordinator):
    kept = create(centre, phone="", first_name_ar="", last_name_ar="")
    other = create(centre, cin="FD77", first_name_latin="Fatima-Zahra", rsu_index=None)
    flag = DuplicateFlag.objects.get()
    record = services.person_merge(kept=kept, merged=other, actor=coordinator, flag=flag)

    kept.refresh_from_db()
    other.refresh_from_db()
    flag.refresh_from_db()
    assert kept.phone == "+212612345678" and kept.first_name_ar == "فاطمة الزهراء"
    assert other.merged_into == kept  # the merged record stays
    assert kept.consents.count() == 2
    assert flag.status == DuplicateFlag.Status.MERGED
    assert set(record.filled_fields) == {"phone", "first_name_ar", "last_name_ar"}

    services.merge_undo(record=record, actor=coordinator)
    kept.refresh_from_db()
    other.refresh_from_db()
    flag.refresh_from_db()
    assert kept.phone == "" and kept.first_name_ar == ""
    assert other.merged_into is None
    assert kept.consents.count() == 1 and other.consents.count() == 1
    assert flag.status == DuplicateFlag.Status.OPEN
    assert MergeRecord.objects.get().undone_at is not None
    with pytest.raises(ValidationError):
        services.merge_undo(record=record, actor=coordinator)


def test_undo_keeps_a_correction_made_after_the_merge(centre, coordinator):
    kept = create(centre, phone="")
    other = create(centre, cin="FD78", first_name_latin="Fatima-Zahra")
    record = services.person_merge(kept=kept, merged=other, actor=coordinator)
    kept.refresh_from_db()
    kept.phone = "+212677777777"
    kept.save()
    services.merge_undo(record=record, actor=coordinator)
    kept.refresh_from_db()
    assert kept.phone == "+212677777777"


def test_merging_a_merged_record_is_refused(centre, coordinator):
    a = create(centre)
    b = create(centre, cin="FD79", first_name_latin="Fatima-Zahra")
    c = create(centre, cin="FD80", first_name_latin="Fatimazahra")
    services.person_merge(kept=a, merged=b, actor=coordinator)
    with pytest.raises(ValidationError):
        services.person_merge(kept=c, merged=b, actor=coordinator)
    assert MergeRecord.objects.count() == 1


def test_update_re_decides_eligibility(centre, coordinator):
    person = create(centre)
    data = person_data(activity_status="student")
    data["commune"] = "berkane"
    services.person_update(person=person, data=data, actor=coordinator)
    person.refresh_from_db()
    assert person.eligible is False


def test_sources_are_recorded(centre):
    person, decision = services.public_application_submit(
        centre=centre, data=person_data(), language="fr"
    )
    assert decision == person.eligibility
    assert person.source == Source.PUBLIC_FORM
    assert person.consents.get().method == Consent.Method.ONLINE
