"""The internship convention as a PDF, in French and Arabic side by side. WeasyPrint
(Pango/HarfBuzz) shapes the Arabic; fonts are found as for the certificates (Noto Naskh Arabic
when present, DejaVu Sans otherwise)."""

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Candidacy


def convention_html(candidacy: Candidacy) -> str:
    opportunity = candidacy.opportunity
    contact = opportunity.employer.contacts.first()
    return render_to_string(
        "jobs/convention_pdf.html",
        {
            "candidacy": candidacy,
            "person": candidacy.person,
            "opportunity": opportunity,
            "employer": opportunity.employer,
            "contact": contact,
            "centre": candidacy.centre,
            "today": timezone.localdate(),
        },
    )


def convention_pdf(candidacy: Candidacy) -> bytes:
    from weasyprint import HTML

    return HTML(string=convention_html(candidacy)).write_pdf()
