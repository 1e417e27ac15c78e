"""Every PDF Markaz prints, in French and in Arabic, with tables filled as in a real year (long
names, many rows), is rendered to images: nothing may be drawn in the page margins, and no
table, cell or line of text may be laid out beyond the page's content box. The pictures are kept
under var/screenshots/pdf-*.png to be looked at. All people are synthetic."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from markaz.caravan import views as caravan_views
from markaz.caravan.models import School, Tour, Visit, Workshop
from markaz.learning import pdf as certificate_pdf
from markaz.learning.models import Certificate
from markaz.reporting import exports
from markaz.reporting.selectors import indicator_pack
from markaz.territory.models import Commune
from tests import pdfcheck
from tests.factories import CohortFactory, EnrolmentFactory, PersonFactory
from tests.reporting.world import END, START, build_world

pytestmark = pytest.mark.django_db

LANGS = ["fr", "ar"]
LONG_FR = "Groupe scolaire Sidi Mohammed Ben Abdellah Al Khattabi — annexe rurale"
LONG_AR = "المجموعة المدرسية سيدي محمد بن عبد الله الخطابي — الملحقة القروية"


def assert_prints_inside(pdf: bytes, html: str, name: str, *, footer=False):
    """Nothing in the margins the document's @page rule sets, nothing laid out off the page."""
    pdfcheck.save(pdf, name, first=8)
    assert pdfcheck.overflowing_boxes(html) == []
    assert pdfcheck.ink_in_margins(pdf, pdfcheck.Margins.of(html), footer=footer) == []


def template_source(name: str) -> str:
    from django.template.loader import get_template

    return get_template(name).template.source


def lengthen_communes():
    """The longest names a commune list may hold, so every label and cell is tested at its
    widest."""
    for commune in Commune.objects.all()[:4]:
        commune.name_fr = f"{commune.name_fr} — Ouled Sidi Abdelhakem"
        commune.name_ar = f"{commune.name_ar} — أولاد سيدي عبد الحاكم"
        commune.save()


# --- The CPDH report ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_cpdh_report_tables_fit_the_page(centre, lang):
    lengthen_communes()
    build_world(centre)
    pack = indicator_pack(centre=centre, start=START, end=END, protect=True)
    compare = indicator_pack(
        centre=centre, start=START.replace(year=2024), end=END.replace(year=2024), protect=True
    )
    # With a comparison: the widest tables (six columns).
    html = exports.report_html(pack, compare, centre=centre, lang=lang)
    pdf = exports.report_pdf(pack, compare, centre=centre, lang=lang)
    assert html.count("<table") >= 6  # every section's table, and the definitions
    assert_prints_inside(pdf, html, f"report-{lang}", footer=True)


# --- The certificate ---------------------------------------------------------------------------


@pytest.fixture
def long_certificate(centre, coordinator):
    coordinator.first_name, coordinator.last_name = "Karima", "Benabdellah El Idrissi"
    coordinator.save()
    cohort = CohortFactory(
        centre=centre,
        programme__title_fr="Développement d'applications web et mobiles (niveau avancé)",
        programme__title_ar="تطوير تطبيقات الويب والهواتف المحمولة (المستوى المتقدم)",
    )
    enrolment = EnrolmentFactory(cohort=cohort)
    return Certificate.objects.create(
        enrolment=enrolment,
        code="MKZ-ABCD2345",
        name_latin="Fatima-Zahra Benabdellah El Idrissi Ouazzani",
        name_ar="فاطمة الزهراء بنعبد الله الإدريسي الوزاني",
        programme_fr=cohort.programme.title_fr,
        programme_ar=cohort.programme.title_ar,
        start_date=cohort.start_date,
        end_date=cohort.end_date,
        hours=300,
        issued_by=coordinator,
    )


@pytest.mark.parametrize("lang", LANGS)
def test_certificate_prints_inside_its_margins(long_certificate, lang):
    url = "https://markaz.example/verify/MKZ-ABCD2345/"
    with translation.override(lang):
        html = certificate_pdf.certificate_html(long_certificate, url)
        pdf = certificate_pdf.certificate_pdf(long_certificate, url)
    assert len(pdfcheck.pages(pdf)) == 1
    assert_prints_inside(pdf, html, f"certificate-{lang}")


# --- The caravan's roadbook --------------------------------------------------------------------


def busy_tour(days: int = 4, per_day: int = 4) -> Tour:
    """A tour of `days` days, `per_day` schools a day, with long names and missing contacts."""
    workshop = Workshop.objects.create(
        code="robot",
        title_fr="Robotique et programmation",
        title_ar="الروبوتيك والبرمجة",
        kind="robotics",
        duration_min=120,
        pupils_per_session=30,
        levels=["primaire"],
        kits_needed={},
    )
    start = timezone.localdate() + dt.timedelta(days=7)
    tour = Tour.objects.create(
        name="Tournée de printemps — communes rurales du nord",
        start_date=start,
        end_date=start + dt.timedelta(days=days - 1),
        workshop=workshop,
        status=Tour.Status.READY,
        result={
            "days": [
                {"id": (start + dt.timedelta(days=d)).isoformat(), "km": 80.5 + d}
                for d in range(days)
            ]
        },
    )
    communes = list(Commune.objects.order_by("code"))
    for d in range(days):
        for k in range(per_day):
            n = d * per_day + k
            commune = communes[n % len(communes)]
            school = School.objects.create(
                code=f"long{n}",
                name_fr=f"{LONG_FR} {n}",
                name_ar=f"{LONG_AR} {n}",
                commune=commune,
                level="primaire",
                area=commune.kind,
                latitude=commune.latitude,
                longitude=commune.longitude,
                director_name="" if n % 5 == 0 else f"Abdelouahed Benabdellah El Ouazzani {n}",
                director_phone="" if n % 5 == 0 else f"+2125366{n:05d}",
            )
            Visit.objects.create(
                tour=tour,
                school=school,
                workshop=workshop,
                date=start + dt.timedelta(days=d),
                start_time=dt.time(9 + 2 * k),
                end_time=dt.time(11 + 2 * k),
            )
    return tour


@pytest.mark.parametrize("lang", LANGS)
def test_roadbook_prints_inside_its_margins(centre, lang):
    lengthen_communes()
    tour = busy_tour(days=6, per_day=4)
    html = caravan_views.roadbook_html(tour, lang=lang)
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    assert_prints_inside(pdf, html, f"roadbook-{lang}")


# --- The badges sheet and the person's file ----------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_badges_sheet_prints_inside_its_margins(client, centre, coordinator, lang):
    cohort = CohortFactory(centre=centre, code="WEB-LONG-A26")
    for n in range(10):  # more than a page of eight
        EnrolmentFactory(
            cohort=cohort,
            person=PersonFactory(
                centre=centre,
                first_name_latin="Fatima-Zahra",
                last_name_latin=f"Benabdellah El Idrissi Ouazzani {n}",
                first_name_ar="فاطمة الزهراء",
                last_name_ar=f"بنعبد الله الإدريسي الوزاني {n}",
            ),
        )
    client.force_login(coordinator)
    client.cookies["markaz_language"] = lang
    response = client.post(reverse("centre:cohort_badges", args=[cohort.pk]), {"confirm": "yes"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(pdfcheck.pages(response.content)) == 2
    pdfcheck.save(response.content, f"badges-{lang}")
    margins = pdfcheck.Margins.of(template_source("centre/badges_pdf.html"))
    assert pdfcheck.ink_in_margins(response.content, margins) == []


@pytest.mark.parametrize("lang", LANGS)
def test_person_file_prints_inside_its_margins(centre, coordinator, lang):
    from markaz.registry.person_file import person_file_data, person_file_pdf

    person = PersonFactory(
        centre=centre,
        first_name_latin="Fatima-Zahra",
        last_name_latin="Benabdellah El Idrissi Ouazzani",
        first_name_ar="فاطمة الزهراء",
        last_name_ar="بنعبد الله الإدريسي الوزاني",
    )
    EnrolmentFactory(cohort=CohortFactory(centre=centre), person=person)
    with translation.override(lang):
        data = person_file_data(person)
        pdf = person_file_pdf(person, data, lang=lang)
    margins = pdfcheck.Margins.of(template_source("registry/person_file_pdf.html"))
    pdfcheck.save(pdf, f"person-file-{lang}")
    assert pdfcheck.ink_in_margins(pdf, margins, footer=True) == []
