"""Jobs pages by persona: coordinator and mentor work, the trainer gets 403, the provincial
viewer sees counts and no name; bad input answers 400 with the message and writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from markaz.jobs import services
from markaz.jobs.models import (
    BusinessProject,
    Candidacy,
    Employer,
    FinancingApplication,
    Opportunity,
    Placement,
)

pytestmark = pytest.mark.django_db


def opportunity_post(employer, saidia, **over):
    data = {
        "employer": employer.pk,
        "title": "Stage marketing digital",
        "kind": "internship",
        "skills": ["marketing"],
        "min_education": "bac",
        "commune": saidia.pk,
        "pattern": "daytime",
        "hours_per_week": "30",
        "pay_mad": "1 500",
        "places": "2",
        "closes_on": (timezone.localdate() + dt.timedelta(days=15)).isoformat(),
        "status": "open",
    }
    data.update(over)
    return data


@pytest.fixture
def world(internship, youth, mentee, coordinator, saidia):
    (c,) = services.candidacies_send(opportunity=internship, people=[mentee], actor=coordinator)
    project = services.project_save(
        centre=internship.centre,
        title="Glacier",
        idea="Glaces",
        sector="tourism",
        commune=saidia,
        members=[mentee],
        investment_mad="1000",
        actor=coordinator,
    )
    return {"candidacy": c, "project": project}


def urls(world, internship, employer, mentee):
    return [
        reverse("jobs:home"),
        reverse("jobs:employer_list"),
        reverse("jobs:employer_create"),
        reverse("jobs:employer_detail", args=[employer.pk]),
        reverse("jobs:employer_edit", args=[employer.pk]),
        reverse("jobs:opportunity_list"),
        reverse("jobs:opportunity_create"),
        reverse("jobs:opportunity_detail", args=[internship.pk]),
        reverse("jobs:opportunity_edit", args=[internship.pk]),
        reverse("jobs:candidacy_detail", args=[world["candidacy"].pk]),
        reverse("jobs:youth_list"),
        reverse("jobs:person_detail", args=[mentee.pk]),
        reverse("jobs:placement_list"),
        reverse("jobs:project_list"),
        reverse("jobs:project_create"),
        reverse("jobs:project_detail", args=[world["project"].pk]),
        reverse("jobs:project_edit", args=[world["project"].pk]),
    ]


@pytest.mark.parametrize("persona", ["coordinator", "mentor"])
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_page_opens(client, request, world, internship, employer, mentee, persona, language):
    client.force_login(request.getfixturevalue(persona))
    client.cookies["markaz_language"] = language
    for url in urls(world, internship, employer, mentee):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert f'dir="{"rtl" if language == "ar" else "ltr"}"' in response.content.decode()


def test_trainer_gets_403_everywhere(client, world, internship, employer, mentee, trainer):
    client.force_login(trainer)
    for url in urls(world, internship, employer, mentee):
        assert client.get(url).status_code == 403, url


def test_provincial_viewer_sees_counts_and_no_name(
    client, world, internship, employer, mentee, provincial_viewer
):
    client.force_login(provincial_viewer)
    page = client.get(reverse("jobs:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert mentee.first_name_latin not in html and employer.name not in html
    assert 'id="count-employers">1<' in html
    for url in urls(world, internship, employer, mentee)[1:]:
        assert client.get(url).status_code == 403, url


def test_coordinator_posts_an_opportunity(client, coordinator, employer, saidia):
    client.force_login(coordinator)
    response = client.post(reverse("jobs:opportunity_create"), opportunity_post(employer, saidia))
    opp = Opportunity.objects.get(title="Stage marketing digital")
    assert response.status_code == 302 and opp.pay_mad == 1500 and opp.skills == ["marketing"]


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"pay_mad": "-100"}, "inférieur à zéro"),
        ({"closes_on": "2020-01-01"}, "date de clôture ne peut pas être dans le passé"),
    ],
)
def test_bad_opportunity_is_400_and_writes_nothing(
    client, coordinator, employer, saidia, over, message
):
    client.force_login(coordinator)
    response = client.post(
        reverse("jobs:opportunity_create"), opportunity_post(employer, saidia, **over)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Opportunity.objects.count() == 0


def test_bad_opportunity_in_arabic(client, coordinator, employer, saidia):
    client.force_login(coordinator)
    client.cookies["markaz_language"] = "ar"
    response = client.post(
        reverse("jobs:opportunity_create"), opportunity_post(employer, saidia, pay_mad="-1")
    )
    assert response.status_code == 400
    assert "لا يمكن أن يكون المبلغ أقل من الصفر" in response.content.decode()


def test_send_three_and_record_a_hire(client, coordinator, internship, youth):
    client.force_login(coordinator)
    page = client.get(reverse("jobs:opportunity_detail", args=[internship.pk]))
    assert "Terminé : Développement web." in page.content.decode()
    response = client.post(
        reverse("jobs:opportunity_send", args=[internship.pk]),
        {"people": [p.pk for p in youth], "status": "sent"},
    )
    assert response.status_code == 302
    assert Candidacy.objects.filter(opportunity=internship, status="sent").count() == 3
    c = Candidacy.objects.get(person=youth[0])
    response = client.post(
        reverse("jobs:candidacy_hire", args=[c.pk]),
        {
            "hire-contract": "internship",
            "hire-start_date": timezone.localdate().isoformat(),
            "hire-wage_mad": "1500",
        },
    )
    assert response.status_code == 302
    assert Placement.objects.get().person == youth[0]
    pdf = client.get(reverse("jobs:convention_pdf", args=[c.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_hire_with_negative_wage_is_400(client, coordinator, internship, youth):
    client.force_login(coordinator)
    (c,) = services.candidacies_send(opportunity=internship, people=youth[:1], actor=coordinator)
    response = client.post(
        reverse("jobs:candidacy_hire", args=[c.pk]),
        {
            "hire-contract": "internship",
            "hire-start_date": timezone.localdate().isoformat(),
            "hire-wage_mad": "-5",
        },
    )
    assert response.status_code == 400 and "inférieur à zéro" in response.content.decode()
    assert Placement.objects.count() == 0


def test_send_nobody_is_400(client, coordinator, internship, youth):
    client.force_login(coordinator)
    response = client.post(reverse("jobs:opportunity_send", args=[internship.pk]), {})
    assert response.status_code == 400 and Candidacy.objects.count() == 0


def test_mentor_moves_a_project_to_financed(client, mentor, world):
    project = world["project"]
    client.force_login(mentor)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("jobs:financing_add", args=[project.pk]),
        {
            "financing-source": "indh",
            "financing-applied_on": today,
            "financing-requested_mad": "50000",
            "financing-decision": "granted",
            "financing-decided_on": today,
            "financing-granted_mad": "80000",
        },
    )
    assert response.status_code == 400
    assert "ne peut pas être supérieur au montant demandé" in response.content.decode()
    assert FinancingApplication.objects.count() == 0
    response = client.post(
        reverse("jobs:financing_add", args=[project.pk]),
        {
            "financing-source": "indh",
            "financing-applied_on": today,
            "financing-requested_mad": "50000",
            "financing-decision": "granted",
            "financing-decided_on": today,
            "financing-granted_mad": "40000",
            "financing-indh_share_mad": "40000",
        },
    )
    assert response.status_code == 302
    assert BusinessProject.objects.get(pk=project.pk).stage == "financed"


def test_mentor_refused_other_youths_file(client, mentor, mentee, youth):
    client.force_login(mentor)
    response = client.get(reverse("jobs:person_detail", args=[youth[1].pk]))
    assert response.status_code == 403
    assert "pas dans votre portefeuille" in response.content.decode() or response.status_code == 403


def test_employer_and_contact_screens(client, coordinator, saidia):
    client.force_login(coordinator)
    response = client.post(
        reverse("jobs:employer_create"),
        {
            "name": "Coopérative Agrumes Triffa",
            "kind": "cooperative",
            "sector": "agrifood",
            "commune": saidia.pk,
        },
    )
    employer = Employer.objects.get()
    assert response.status_code == 302
    response = client.post(
        reverse("jobs:contact_add", args=[employer.pk]),
        {"contact-name": "Hamid", "contact-phone": "0612345678"},
    )
    assert response.status_code == 400 and employer.contacts.count() == 0
    response = client.post(
        reverse("jobs:contact_add", args=[employer.pk]),
        {
            "contact-name": "Hamid",
            "contact-phone": "0612345678",
            "contact-consent_on": timezone.localdate().isoformat(),
            "contact-consent_method": "oral",
        },
    )
    assert response.status_code == 302 and employer.contacts.get().phone == "+212612345678"
