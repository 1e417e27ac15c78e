"""The caravan's tour page and roadbook: the Arabic roadbook is shaped by WeasyPrint and laid out
right to left; a past tour reads done; the directors to notify are listed (or the page says why
none); each day's route has its colour, told in a legend, and no two place names overlap. All
people are synthetic."""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from markaz.caravan.maps import day_style
from markaz.caravan.models import Tour, Visit
from markaz.caravan.views import roadbook_html
from markaz.engine import labels
from tests import pdfcheck
from tests.test_pdf_margins import LONG_AR, LONG_FR, busy_tour

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
PRESENTATION_FORMS = re.compile(r"[\ufb50-\ufdff\ufe70-\ufeff]")


def roadbook(client, user, tour, lang):
    client.force_login(user)
    response = client.get(reverse("caravan:tour_roadbook", args=[tour.pk]), {"lang": lang})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"-{lang}.pdf" in response["Content-Disposition"]
    return response.content


# --- The Arabic roadbook -----------------------------------------------------------------------


def test_arabic_roadbook_reads_in_logical_order_and_is_not_pre_shaped(
    client, centre, caravan_staff
):
    tour = busy_tour(days=2, per_day=3)
    html = roadbook_html(tour, lang="ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert not PRESENTATION_FORMS.search(html)  # WeasyPrint shapes; nothing is pre-reshaped
    assert LONG_FR not in html  # one language: the schools' Arabic names

    pdf = roadbook(client, caravan_staff, tour, "ar")
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert not PRESENTATION_FORMS.search(text)
    # Whole Arabic phrases, letters joined and words in reading order.
    for phrase in ("البرمجة للجميع", "الروبوتيك والبرمجة", "المجموعة المدرسية سيدي محمد"):
        assert phrase in text, phrase
        assert phrase[::-1] not in text
    assert "المدرسة" in text and "المدير" in text and "غير مسجل" in text  # translated headings


def _first_line(image, top_px: int) -> tuple[int, int]:
    """The left and right ink columns of the first line of text below `top_px`."""
    import numpy as np

    ink_rows = (np.asarray(image).min(axis=2) < pdfcheck.INK).any(axis=1)
    y0 = top_px + int(np.argmax(ink_rows[top_px:]))
    y1 = y0 + int(np.argmin(ink_rows[y0:]))
    return pdfcheck.ink_columns(image, y0, y1)


@pytest.mark.parametrize(("lang", "side"), [("ar", "right"), ("fr", "left")])
def test_roadbook_title_sits_on_the_reading_side(client, centre, caravan_staff, lang, side):
    tour = busy_tour(days=1, per_day=2)
    Tour.objects.filter(pk=tour.pk).update(name="Nord")
    tour.refresh_from_db()
    pdf = roadbook(client, caravan_staff, tour, lang)
    image, width_pt, _h = pdfcheck.pages(pdf)[0]
    margin = int(14 * pdfcheck.MM * pdfcheck.SCALE)
    left_edge, right_edge = margin, int(width_pt * pdfcheck.SCALE) - margin
    middle = (left_edge + right_edge) // 2
    left, right = _first_line(image, margin)
    pdfcheck.save(pdf, f"roadbook-title-{lang}", first=1)
    if side == "right":  # right to left: the line starts at the right margin
        assert abs(right - right_edge) <= 4 and left > middle - 0.2 * (right_edge - left_edge)
    else:
        assert abs(left - left_edge) <= 4 and right < middle + 0.2 * (right_edge - left_edge)


# --- The tour page: status, directors, map -----------------------------------------------------


def _shift(tour: Tour, days: int) -> None:
    """Move a tour and its visits `days` days (into the past with a negative number)."""
    delta = dt.timedelta(days=days)
    Tour.objects.filter(pk=tour.pk).update(
        start_date=tour.start_date + delta, end_date=tour.end_date + delta
    )
    for visit in Visit.objects.filter(tour=tour):
        Visit.objects.filter(pk=visit.pk).update(date=visit.date + delta)
    tour.refresh_from_db()


def page(client, user, tour, lang="fr") -> str:
    client.force_login(user)
    client.cookies["markaz_language"] = lang
    response = client.get(reverse("caravan:tour_detail", args=[tour.pk]))
    assert response.status_code == 200
    return response.content.decode()


def status_of(html: str) -> str:
    return html.split('id="tour-status">')[1].split("</span>")[0]


def test_a_past_tour_reads_done_not_planned(client, centre, coordinator):
    tour = busy_tour(days=2, per_day=2)
    assert status_of(page(client, coordinator, tour)) == "Prévue"
    _shift(tour, -30)
    html = page(client, coordinator, tour)
    assert status_of(html) == "Terminée · 4 visites sans compte rendu"
    assert (
        html.count('text-bg-warning">sans compte rendu</span>') == 4
    )  # each unreported visit is marked
    Visit.objects.filter(tour=tour).update(status=Visit.Status.DONE)
    assert status_of(page(client, coordinator, tour)) == "Terminée"
    assert status_of(page(client, coordinator, tour, "ar")) == "منتهية"
    listing = client.get(reverse("caravan:tour_list")).content.decode()
    assert "منتهية" in listing and "مبرمج" not in listing.split("<tbody>")[1]


def test_a_tour_under_way_says_so(client, centre, coordinator):
    tour = busy_tour(days=3, per_day=1)
    _shift(tour, -8)  # started yesterday
    assert status_of(page(client, coordinator, tour)) == "En cours"


def test_directors_still_to_notify_are_listed_with_missing_contacts_named(
    client, centre, coordinator
):
    tour = busy_tour(days=2, per_day=3)  # schools long0 and long5 have no director recorded
    html = page(client, coordinator, tour)
    directors = html.split('id="directors"')[1].split("</table>")[0]
    assert directors.count("<tr>") == 1 + 6
    assert "Abdelouahed Benabdellah El Ouazzani 1" in directors
    assert directors.count("non renseigné") == 2
    assert "2 écoles n'ont ni nom ni téléphone de directeur" in html
    assert 'id="directors-none"' not in html


def test_a_past_tour_says_why_no_director_is_listed(client, centre, coordinator):
    tour = busy_tour(days=1, per_day=2)
    _shift(tour, -30)
    html = page(client, coordinator, tour)
    assert 'id="directors"' not in html
    none = html.split('id="directors-none">')[1].split("</p>")[0]
    assert none == "La tournée est terminée : il ne reste aucune visite à annoncer."
    none_ar = page(client, coordinator, tour, "ar").split('id="directors-none">')[1]
    assert none_ar.startswith("انتهت الجولة")


def test_each_day_has_its_colour_on_the_map_and_in_the_legend(client, centre, coordinator):
    tour = busy_tour(days=4, per_day=2)
    html = page(client, coordinator, tour)
    svg = html.split('id="map">')[1].split("</svg>")[0] + "</svg>"
    root = ET.fromstring(svg)
    routes = root.findall(f".//{SVG}polyline")
    colours = [r.get("stroke") for r in routes]
    assert len(routes) == 4 and len(set(colours)) == 4
    assert colours == [day_style(i)[0] for i in range(4)]
    legend = html.split('id="route-legend"')[1].split("</ul>")[0]
    days = re.findall(r'class="legend-day" data-colour="(#[0-9a-f]{6})"', legend)
    assert days == colours
    first = tour.start_date.strftime("%d/%m")
    assert f"Jour 1 ({first})" in legend
    with translation.override("ar"):
        assert f"اليوم 1 ({first})" in page(client, coordinator, tour, "ar")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_place_names_on_the_tour_map_never_overlap(client, centre, coordinator, lang):
    tour = busy_tour(days=2, per_day=2)
    html = page(client, coordinator, tour, lang)
    svg = html.split('id="map">')[1].split("</svg>")[0] + "</svg>"
    root = ET.fromstring(svg)
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    boxes = []
    for text in root.iter(f"{SVG}text"):
        w = labels.text_width(text.text, 14)
        x, y = float(text.get("x")), float(text.get("y"))
        boxes.append(labels.Rect(x - w / 2, y - 14 * 1.25 / 2, w, 14 * 1.25))
    assert len(boxes) >= 12  # most communes are named (the rest keep their tooltip)
    for i, a in enumerate(boxes):
        assert a.inside(width + 0.1, height + 0.1)
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_labels_engine_drops_a_label_rather_than_overlap():
    # Twenty labels on the same point: the free places run out, none overlaps another.
    anchors = [labels.Anchor(100, 100, 60, 16, room=10) for _ in range(20)]
    placed = labels.place(anchors, width=400, height=300)
    kept = [r for r in placed if r is not None]
    assert 6 <= len(kept) < 20
    for i, a in enumerate(kept):
        assert a.inside(400, 300)
        assert all(not a.overlaps(b) for b in kept[i + 1 :])
    # An anchor near the edge is labelled inside the picture.
    (edge,) = labels.place([labels.Anchor(395, 5, 60, 16, room=5)], width=400, height=300)
    assert edge is not None and edge.inside(400, 300)


def test_pdf_map_labels_are_html_so_arabic_is_shaped(centre):
    tour = busy_tour(days=1, per_day=2)
    html = roadbook_html(tour, lang="ar")
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert "<text" not in svg  # WeasyPrint would draw SVG text letter by letter
    assert re.search(r'<span class="map-label" dir="rtl"[^>]*>بركان</span>', html)
    assert timezone.localdate() < tour.start_date
    assert LONG_AR.split()[0] in html
