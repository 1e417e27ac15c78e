"""The information notice shown at collection (law 09-08, art. 5) and its version.

Changing the wording of the notice means a new version: the consent record keeps which version a
person agreed to.
"""

from django.utils.translation import gettext_lazy as _

CONSENT_PURPOSE = "youth-intake"
CONSENT_VERSION = "2026-1"

NOTICE_PARAGRAPHS = [
    _(
        "%(centre)s (INDH programme 3, province of Berkane, Division de l'Action Sociale) "
        "collects the data on this form to examine your application, to allocate training places "
        "fairly, to follow your training and to measure, anonymously, what the programme changes "
        "for young people's income and employment."
    ),
    _(
        "Only the centre's staff who need it see your data; health data (a disability) is seen by "
        "the coordinators only. Figures sent to the province and to INDH never name you. Your data "
        "is kept for as long as you are followed by the centre and at most three years after your "
        "last contact, then destroyed or anonymised."
    ),
    _(
        "Under law 09-08 you may access, correct or object to the processing of your data by "
        "asking the centre's reception desk. This processing is declared to the CNDP."
    ),
]


def notice_paragraphs(centre) -> list[str]:
    """The notice in the active language, naming the centre that collects the data (the
    controller): each centre of the province has its own install or its own name."""
    return [
        str(p) % {"centre": centre.name} if i == 0 else str(p)
        for i, p in enumerate(NOTICE_PARAGRAPHS)
    ]
