"""Staff accounts through Markaz's screens: coordinators create trainers, mentors and caravan
staff of their own centre; only administrators make coordinators, administrators and
provincial viewers; deactivation (never deletion) keeps history and stops the login; the
password is set through a one-time link."""

import html
import re

import pytest
from django.contrib.auth import get_user_model

from markaz.core.models import AuditEvent, StaffProfile
from markaz.core.roles import Role

pytestmark = pytest.mark.django_db


def new_staff(**overrides):
    data = {
        "username": "salma",
        "first_name": "Salma",
        "last_name": "Bouazza",
        "role": "trainer",
        "language": "ar",
        "phone": "06 61 22 33 44",
        "email": "salma@example.org",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_trainer_who_sets_a_password_once(client, centre, coordinator):
    client.force_login(coordinator)
    response = client.post("/settings/staff/new/", new_staff())
    assert response.status_code == 302
    user = get_user_model().objects.get(username="salma")
    profile = user.staff_profile
    assert (profile.role, profile.centre, profile.language, profile.phone) == (
        Role.TRAINER,
        centre,
        "ar",
        "+212661223344",
    )
    assert not user.has_usable_password()
    page = client.get("/settings/staff/").content.decode()
    link = html.unescape(re.search(r'value="(http[^"]+/staff/password/[^"]+)"', page).group(1))
    # The link is shown once.
    assert "/staff/password/" not in client.get("/settings/staff/").content.decode()
    client.logout()
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 400
    done = client.post(
        set_url, {"new_password1": "Berkane-trainer-27", "new_password2": "Berkane-trainer-27"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Berkane-trainer-27")
    again = client.get(path, follow=True)
    assert "already used or has expired" in again.content.decode() or "déjà servi" in html.unescape(
        again.content.decode()
    )


@pytest.mark.parametrize("role", ["coordinator", "admin", "provincial"])
def test_a_coordinator_cannot_create_higher_roles(client, centre, coordinator, role):
    client.force_login(coordinator)
    response = client.post("/settings/staff/new/", new_staff(role=role))
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="salma").exists()


def test_an_admin_creates_a_coordinator_for_a_centre(client, centre, admin_user, other_centre):
    client.force_login(admin_user)
    response = client.post(
        "/settings/staff/new/", new_staff(role="coordinator", centre=str(other_centre.pk))
    )
    assert response.status_code == 302
    profile = StaffProfile.objects.get(user__username="salma")
    assert (profile.role, profile.centre) == (Role.COORDINATOR, other_centre)
    province = client.post("/settings/staff/new/", new_staff(username="wali", role="provincial"))
    assert province.status_code == 302
    assert StaffProfile.objects.get(user__username="wali").centre is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "coordinator"}, "Ce nom d'utilisateur est déjà pris"),
        ({"phone": "0612"}, "n'est pas valide"),
        ({"email": "not-an-email"}, "adresse de courriel valide"),
        ({"first_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_staff_input_writes_nothing(client, centre, coordinator, overrides, message):
    client.force_login(coordinator)
    before = get_user_model().objects.count()
    response = client.post("/settings/staff/new/", new_staff(**overrides))
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert get_user_model().objects.count() == before
    assert not AuditEvent.objects.filter(action="staff_create").exists()


def test_deactivation_stops_the_login_and_keeps_the_account(client, centre, coordinator, trainer):
    client.force_login(coordinator)
    profile = trainer.staff_profile
    assert client.post(f"/settings/staff/{profile.pk}/deactivate/").status_code == 302
    trainer.refresh_from_db()
    assert not trainer.is_active
    assert get_user_model().objects.filter(pk=trainer.pk).exists()
    client.logout()
    login = client.post("/login/", {"username": "trainer", "password": "pw-test-12345"})
    assert login.status_code == 200  # the form again: refused
    assert "_auth_user_id" not in client.session
    client.force_login(coordinator)
    assert client.post(f"/settings/staff/{profile.pk}/activate/").status_code == 302
    trainer.refresh_from_db()
    assert trainer.is_active


def test_a_deactivated_users_open_session_ends(client, centre, coordinator, trainer):
    from django.test import Client

    trainer_client = Client()
    trainer_client.force_login(trainer)
    assert trainer_client.get("/dashboard/").status_code == 200
    client.force_login(coordinator)
    client.post(f"/settings/staff/{trainer.staff_profile.pk}/deactivate/")
    assert trainer_client.get("/dashboard/").status_code == 302


def test_a_coordinator_cannot_touch_another_coordinator_or_another_centre(
    client, centre, coordinator, admin_user, other_coordinator, other_trainer
):
    client.force_login(coordinator)
    assert client.get(f"/settings/staff/{admin_user.staff_profile.pk}/").status_code == 403
    assert (
        client.post(f"/settings/staff/{admin_user.staff_profile.pk}/deactivate/").status_code == 403
    )
    assert client.get(f"/settings/staff/{other_trainer.staff_profile.pk}/").status_code == 404
    assert client.get(f"/settings/staff/{other_coordinator.staff_profile.pk}/").status_code == 404
    admin_user.refresh_from_db()
    assert admin_user.is_active
    listing = client.get("/settings/staff/").content.decode()
    assert "trainer-ahfir" not in listing


def test_nobody_deactivates_themselves(client, centre, admin_user):
    client.force_login(admin_user)
    response = client.post(f"/settings/staff/{admin_user.staff_profile.pk}/deactivate/")
    assert response.status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_edit_a_trainer(client, centre, coordinator, trainer):
    client.force_login(coordinator)
    profile = trainer.staff_profile
    response = client.post(
        f"/settings/staff/{profile.pk}/",
        {
            "first_name": "Hassan",
            "last_name": "Formateur",
            "role": "mentor",
            "language": "fr",
            "phone": "+212700112233",
            "email": "",
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.role, profile.phone) == (Role.MENTOR, "+212700112233")
    # Not into a coordinator.
    refused = client.post(
        f"/settings/staff/{profile.pk}/",
        {"first_name": "H", "last_name": "F", "role": "coordinator", "language": "fr"},
    )
    assert refused.status_code == 400
    profile.refresh_from_db()
    assert profile.role == Role.MENTOR
