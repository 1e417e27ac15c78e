"""The certificate as a one-page PDF, in French and Arabic, with a QR code to its public
verification page. WeasyPrint (Pango/HarfBuzz) shapes the Arabic; the font is found through
fontconfig ("DejaVu Sans" is on every machine we ship to; Noto Naskh Arabic is used when present).
"""

import segno
from django.template.loader import render_to_string

from .models import Certificate


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def signatory(certificate: Certificate) -> str:
    """The name printed above the signature line: the coordinator who issued the certificate
    (empty when unknown: the line is then signed by hand under the printed role)."""
    user = certificate.issued_by
    if user is None:
        return ""
    return user.get_full_name() or user.username


def certificate_html(certificate: Certificate, verify_url: str) -> str:
    return render_to_string(
        "learning/certificate_pdf.html",
        {
            "certificate": certificate,
            "centre": certificate.enrolment.cohort.centre,
            "verify_url": verify_url,
            "qr": qr_data_uri(verify_url),
            "signatory": signatory(certificate),
        },
    )


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=certificate_html(certificate, verify_url)).write_pdf()
