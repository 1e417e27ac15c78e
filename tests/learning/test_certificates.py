"""Certificates: issued only on completion, a unique code, a bilingual PDF with a QR code, the
public verification page (which reveals nothing else) and revocation."""

import io
import re
import unicodedata
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from markaz.learning import pdf, services, views
from markaz.learning.models import Certificate, Completion, CompletionRule

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^MKZ-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$")


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def completed(enrolments, sessions, trainer, coordinator, programme):
    """Salma completed (all present, passed); Youssef did not (absent everywhere)."""
    CompletionRule.objects.create(programme=programme, min_attendance_percent=80)
    for session in sessions:
        services.attendance_record(
            session=session,
            marks={e.pk: "absent" if i == 1 else "present" for i, e in enumerate(enrolments)},
            actor=trainer,
        )
    for e in enrolments[:2]:
        services.evaluation_record(
            enrolment=e,
            passed=True,
            score=Decimal("75"),
            evaluated_on=timezone.localdate(),
            actor=trainer,
        )
        services.completion_decide(enrolment=e, actor=coordinator)
    return enrolments


@pytest.fixture
def certificate(completed, coordinator):
    return services.certificate_issue(enrolment=completed[0], actor=coordinator)


def test_issue_copies_what_is_printed_with_a_unique_code(certificate, coordinator):
    assert CODE.match(certificate.code)
    assert (certificate.name_latin, certificate.name_ar) == ("Salma Bouazza", "سلمى بوعزة")
    assert (certificate.programme_fr, certificate.programme_ar) == (
        "Développement web",
        "تطوير الويب",
    )
    cohort = certificate.enrolment.cohort
    assert (certificate.start_date, certificate.end_date) == (cohort.start_date, cohort.end_date)
    assert certificate.hours == 300 and certificate.issued_by == coordinator
    assert certificate.is_valid
    codes = {services.certificate_code() for _ in range(500)}
    assert len(codes) == 500 and all(CODE.match(c) for c in codes)


def test_issuing_without_completion_is_refused_and_writes_nothing(
    completed, enrolments, coordinator, trainer
):
    with pytest.raises(ValidationError) as not_completed:
        services.certificate_issue(enrolment=completed[1], actor=coordinator)  # not completed
    assert not_completed.value.code == "not_completed"
    with pytest.raises(ValidationError):
        services.certificate_issue(enrolment=enrolments[2], actor=coordinator)  # not decided
    with pytest.raises(PermissionDenied):
        services.certificate_issue(enrolment=completed[0], actor=trainer)
    assert Certificate.objects.count() == 0
    services.certificate_issue(enrolment=completed[0], actor=coordinator)
    with pytest.raises(ValidationError):
        services.certificate_issue(enrolment=completed[0], actor=coordinator)  # twice
    assert Certificate.objects.count() == 1
    assert Completion.objects.filter(completed=True).count() == 1


def _letters(text: str) -> str:
    """Arabic letters only, in their base forms (pypdf may give presentation forms)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if "\u0621" <= ch <= "\u064a")


def test_pdf_is_one_page_with_both_names_the_code_and_the_qr(certificate):
    from pypdf import PdfReader

    url = "https://markaz.example/verify/" + certificate.code + "/"
    html = pdf.certificate_html(certificate, url)
    assert 'dir="rtl" lang="ar"' in html or 'lang="ar" dir="rtl"' in html
    assert pdf.qr_data_uri(url) in html  # the QR code encodes the verification URL

    reader = PdfReader(io.BytesIO(pdf.certificate_pdf(certificate, url)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert certificate.code in text
    assert "Salma Bouazza" in text and "Développement web" in text
    words = _letters(text.replace("\n", " "))
    # Each Arabic word of the name and programme is found, in logical or visual order.
    for word in ("سلمى", "بوعزة", "تطوير", "الويب"):
        assert word in words or word[::-1] in words, word
    assert "بوعزة" not in _letters("Salma Bouazza " + certificate.code)  # not vacuous


def test_pdf_view_for_coordinators_only(
    client, certificate, coordinator, trainer, other_coordinator
):
    url = reverse("learning:certificate_pdf", args=[certificate.pk])
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(trainer)
    assert client.get(url).status_code == 403
    client.force_login(other_coordinator)
    assert client.get(url).status_code == 404


def verify(client, code):
    return client.get(reverse("learning:verify_code", args=[code]))


def test_public_verification_shows_only_name_programme_dates_and_validity(client, certificate):
    response = verify(client, certificate.code)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="verify-valid"' in html and 'id="verify-revoked"' not in html
    assert "Salma Bouazza" in html and "سلمى بوعزة" in html and "Développement web" in html
    assert certificate.start_date.strftime("%d/%m/%Y") in html
    person = certificate.enrolment.person
    # The code itself is on the page (and may hold digits): look at everything else.
    body = html.split("<main", 1)[1].replace(certificate.code, "")
    for secret in (person.cin, person.phone, "75", "300"):
        assert secret not in body, secret


def test_typed_code_is_normalised(client, certificate):
    typed = certificate.code.lower().replace("-", " ")
    response = client.get(reverse("learning:verify"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:verify_code", args=[certificate.code])
    short = certificate.code.removeprefix("MKZ-")
    assert (
        client.get(reverse("learning:verify"), {"code": short})["Location"] == response["Location"]
    )


def test_a_mistyped_code_reveals_nothing(client, certificate):
    wrong = certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")
    response = verify(client, wrong)
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="verify-not-found"' in html
    assert "Salma" not in html and "verify-result" not in html


def test_failed_lookups_are_throttled(client, certificate):
    for i in range(views.VERIFY_LIMIT):
        assert verify(client, f"MKZ-WRONG{i:03d}").status_code == 404
    response = verify(client, certificate.code)  # even a good code waits now
    assert response.status_code == 429
    assert "Salma" not in response.content.decode()


def test_revoking_needs_a_reason_and_the_public_page_says_revoked(client, certificate, coordinator):
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=certificate, actor=coordinator, reason="  ")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and certificate.is_valid

    client.force_login(coordinator)
    url = reverse("learning:certificate_revoke", args=[certificate.pk])
    client.post(url, {"reason": "", "confirm": "yes"})
    certificate.refresh_from_db()
    assert certificate.is_valid
    # The confirmation page says what will happen; a POST without the confirmation is refused.
    page = client.get(url, {"reason": "Fraude à l'évaluation"})
    assert page.status_code == 200 and "1 certificat" in page.content.decode()
    assert client.post(url, {"reason": "Fraude à l'évaluation"}).status_code == 400
    certificate.refresh_from_db()
    assert certificate.is_valid
    client.post(url, {"reason": "Fraude à l'évaluation", "confirm": "yes"})
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert (certificate.revoked_by, certificate.revoked_reason) == (
        coordinator,
        "Fraude à l'évaluation",
    )
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=certificate, actor=coordinator, reason="again")

    client.logout()
    html = verify(client, certificate.code).content.decode()
    assert 'id="verify-revoked"' in html and 'id="verify-valid"' not in html
    assert "Fraude" not in html  # the reason stays internal


def test_only_the_centres_coordinators_revoke(client, certificate, trainer, other_coordinator):
    for user in (trainer, other_coordinator):
        with pytest.raises(PermissionDenied):
            services.certificate_revoke(certificate=certificate, actor=user, reason="x")
        client.force_login(user)
        url = reverse("learning:certificate_revoke", args=[certificate.pk])
        assert client.post(url, {"reason": "x", "confirm": "yes"}).status_code in (403, 404)
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_certificate_page_for_the_coordinator(client, certificate, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("learning:certificate_detail", args=[certificate.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="revoke-form"' in html
    assert f"http://testserver/verify/{certificate.code}/" in html


def test_pdf_has_a_signature_and_stamp_block_in_both_languages(certificate, coordinator):
    from pypdf import PdfReader

    coordinator.first_name, coordinator.last_name = "Karima", "Benali"
    coordinator.save()
    url = "https://markaz.example/verify/" + certificate.code + "/"
    html = pdf.certificate_html(certificate, url)
    sign = html.split('id="cert-sign"')[1].split('<div class="foot">')[0]
    assert "Karima Benali" in sign and 'id="cert-stamp"' in sign
    text = " ".join(
        PdfReader(io.BytesIO(pdf.certificate_pdf(certificate, url))).pages[0].extract_text().split()
    )
    for words in ("Le coordinateur du centre", "Karima Benali", "Signature", "Cachet du centre"):
        assert words in text, words
    for words in ("منسق المركز", "التوقيع", "خاتم المركز"):
        assert words in text, words  # shaped by WeasyPrint, extracted in reading order

    # Issued by an account since deleted: the role and the line stay, to be signed by hand.
    certificate.issued_by = None
    sign = pdf.certificate_html(certificate, url).split('id="cert-sign"')[1]
    assert "Karima Benali" not in sign and "Le coordinateur du centre" in sign
