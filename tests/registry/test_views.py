import datetime as dt

import pytest
from django.urls import reverse

from markaz.registry import services
from markaz.registry.models import DuplicateFlag, IntakeConflict, MergeRecord, Person
from tests.factories import apply_post, form_post, person_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(centre):
    return services.person_create(
        centre=centre,
        data=person_data(disability="Déficience visuelle (synthétique)"),
        today=dt.date(2026, 9, 1),
    )


@pytest.fixture
def foreign_person(other_centre):
    return services.person_create(
        centre=other_centre, data=person_data(cin="FZ9"), today=dt.date(2026, 9, 1)
    )


def as_user(client, user):
    client.force_login(user)
    return client


# --- Public form ------------------------------------------------------------------------------


def test_public_form_in_arabic_is_right_to_left(client, centre):
    client.cookies["markaz_language"] = "ar"
    response = client.get(reverse("programmes:apply_centre", args=[centre.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html and "bootstrap.rtl.min.css" in html
    assert "09-08" in html  # the information notice is shown


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_notice_names_the_centre_that_collects_the_data(client, other_centre, language):
    """Law 09-08 art. 5: the notice names the controller, the install's own centre (here
    Ahfir's), not always Berkane's."""
    client.cookies["markaz_language"] = language
    html = client.get(reverse("programmes:apply_centre", args=[other_centre.code]))
    notice = html.content.decode().split('id="notice"')[1].split("</div>")[0]
    assert (other_centre.name_fr if language == "fr" else other_centre.name_ar) in notice
    assert "Berkane (" not in notice and "ببركان" not in notice


def test_public_application_creates_an_eligible_applicant(client, centre):
    response = apply_post(
        client, reverse("programmes:apply_centre", args=[centre.code]), form_post()
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.cin == "FB654321" and person.phone == "+212661234567"
    assert person.eligible and person.source == "public"


def test_public_form_bad_input_writes_nothing(client, centre):
    post = form_post(cin="123", phone="12", birth_date="2000-02-30", consent="")
    response = apply_post(client, reverse("programmes:apply_centre", args=[centre.code]), post)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"cin", "phone", "birth_date", "consent"}
    assert Person.objects.count() == 0


def test_public_form_does_not_reveal_a_known_cin(client, centre, person):
    url = reverse("programmes:apply_centre", args=[centre.code])
    new = apply_post(client, url, form_post(cin="FB111111"))
    known = apply_post(client, url, form_post(cin=person.cin))
    assert new.status_code == known.status_code == 302
    assert new["Location"] == known["Location"]
    assert IntakeConflict.objects.filter(existing=person).count() == 1


# --- Access by role ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "admin_user"])
def test_centre_staff_open_their_own_applicants(client, request, person, persona):
    user = request.getfixturevalue(persona)
    response = as_user(client, user).get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 200
    assert "Éligible" in response.content.decode()


@pytest.mark.parametrize("persona", ["trainer", "mentor"])
def test_trainers_and_mentors_do_not_open_applicants_outside_their_work(
    client, request, person, persona
):
    # Need to know (issue 12): see tests/registry/test_need_to_know.py for their own people.
    user = request.getfixturevalue(persona)
    response = as_user(client, user).get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 404


def test_trainer_of_another_centre_cannot_open_an_applicant(client, person, other_trainer):
    response = as_user(client, other_trainer).get(
        reverse("registry:person_detail", args=[person.pk])
    )
    assert response.status_code == 404


def test_search_never_crosses_centres(client, person, foreign_person, other_coordinator):
    response = as_user(client, other_coordinator).get(
        reverse("registry:person_list"), {"q": "Fatima"}
    )
    assert [p.pk for p in response.context["page"]] == [foreign_person.pk]


def test_provincial_viewer_cannot_open_any_person(client, person, provincial_viewer):
    client = as_user(client, provincial_viewer)
    assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == 403
    assert client.get(reverse("registry:person_list")).status_code == 403
    # The province reads the protected indicators only, never the registry's raw counts.
    dashboard = client.get(reverse("core:dashboard"), follow=True)
    assert dashboard.status_code == 200
    assert dashboard.redirect_chain[-1][0] == reverse("reporting:dashboard")
    assert "counts" not in dashboard.context
    assert person.last_name_latin not in dashboard.content.decode()


def test_caravan_staff_cannot_open_youth_records(client, person, caravan_staff):
    response = as_user(client, caravan_staff).get(
        reverse("registry:person_detail", args=[person.pk])
    )
    assert response.status_code == 403


def test_disability_is_visible_to_coordinators_only(client, person, coordinator, trainer):
    url = reverse("registry:person_detail", args=[person.pk])
    assert "Déficience visuelle" in as_user(client, coordinator).get(url).content.decode()
    client.logout()
    assert "Déficience visuelle" not in as_user(client, trainer).get(url).content.decode()


def test_trainer_cannot_register_or_merge(client, trainer):
    client = as_user(client, trainer)
    assert client.get(reverse("registry:person_create")).status_code == 403
    assert client.get(reverse("registry:duplicate_list")).status_code == 403
    assert client.get(reverse("registry:import_upload")).status_code == 403


def test_anonymous_is_sent_to_login(client, person):
    response = client.get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_login_is_throttled(client, coordinator):
    url = reverse("login")
    for _ in range(5):
        client.post(url, {"username": "coordinator", "password": "wrong"})
    locked = client.post(url, {"username": "coordinator", "password": "pw-test-12345"})
    assert locked.status_code == 429


# --- Staff screens ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "Fatima",
        "fatima zahra",
        "الإدريسي",
        "Al Idrissi",
        "FA123456",
        "fa 123456",
        "0612345678",
        "+212612345678",
    ],
)
def test_registry_search_by_name_script_cin_or_phone(client, person, coordinator, query):
    response = as_user(client, coordinator).get(reverse("registry:person_list"), {"q": query})
    assert [p.pk for p in response.context["page"]] == [person.pk]


def test_registry_search_finds_nobody_for_a_stranger(client, person, coordinator):
    response = as_user(client, coordinator).get(
        reverse("registry:person_list"), {"q": "Karim Tahiri"}
    )
    assert list(response.context["page"]) == []


def test_staff_intake_shows_the_decision_with_reasons(client, centre, coordinator):
    response = as_user(client, coordinator).post(
        reverse("registry:person_create"), form_post(activity_status="student"), follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Non éligible" in html
    person = Person.objects.get()
    assert any(not r["passed"] and r["code"] == "activity" for r in person.eligibility["rules"])


def test_staff_intake_duplicate_cin_shows_error_writes_nothing(client, person, coordinator):
    response = as_user(client, coordinator).post(
        reverse("registry:person_create"), form_post(cin=person.cin)
    )
    assert response.status_code == 200
    assert "cin" in response.context["form"].errors
    assert Person.objects.count() == 1


def test_duplicate_review_merge_and_undo_through_the_screens(client, centre, person, coordinator):
    twin = services.person_create(
        centre=centre,
        data=person_data(
            cin="FA654321", first_name_latin="Fatima-Zahra", last_name_latin="Al Idrissi"
        ),
        today=dt.date(2026, 9, 1),
    )
    flag = DuplicateFlag.objects.get()
    client = as_user(client, coordinator)
    page = client.get(reverse("registry:person_detail", args=[twin.pk]))
    assert reverse("registry:duplicate_review", args=[flag.pk]) in page.content.decode()
    assert client.get(reverse("registry:duplicate_review", args=[flag.pk])).status_code == 200
    url = reverse("registry:duplicate_resolve", args=[flag.pk])
    # The merge asks first, with what will happen; a POST without the confirmation merges nothing.
    page = client.get(url, {"action": "keep_first"})
    assert page.status_code == 200 and 'id="confirm-consequences"' in page.content.decode()
    assert client.post(url, {"action": "keep_first"}).status_code == 400
    assert not Person.objects.filter(merged_into__isnull=False).exists()
    assert not MergeRecord.objects.exists()
    client.post(url, {"action": "keep_first", "confirm": "yes"})
    twin.refresh_from_db()
    assert (
        twin.merged_into_id == flag.person_id
        or Person.objects.get(pk=flag.person_id).merged_into_id
    )
    record = MergeRecord.objects.get()
    client.post(reverse("registry:merge_undo", args=[record.pk]))
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_import_through_the_screens(
    client, centre, coordinator, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from markaz.registry.imports import template_rows

    content = "\n".join(",".join(r) for r in template_rows()).encode()
    client = as_user(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # the check, in the background
        uploaded = client.post(
            reverse("registry:import_upload"), {"file": SimpleUploadedFile("p.csv", content)}
        )
    preview = client.get(uploaded["Location"])
    assert preview.status_code == 200 and Person.objects.count() == 0
    batch = preview.context["batch"]
    assert batch.status == "previewed" and preview.context["summary"]["new"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_commit", args=[batch.pk]))
    done_page = client.get(response["Location"])
    assert done_page.status_code == 200 and done_page.context["job"].status == "done"
    assert done_page.context["batch"].status == "done"
    assert Person.objects.count() == 2


def test_import_bad_file_shows_errors_in_arabic(
    client, coordinator, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_user(client, coordinator)
    client.cookies["markaz_language"] = "ar"
    with django_capture_on_commit_callbacks(execute=True):  # the check, in the background
        uploaded = client.post(
            reverse("registry:import_upload"),
            {"file": SimpleUploadedFile("p.csv", "nom,prénom\né".encode("latin-1"))},
        )
    response = client.get(uploaded["Location"])
    assert response.status_code == 200
    assert "UTF-8" in response.content.decode()
    assert Person.objects.count() == 0
