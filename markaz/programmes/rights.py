"""What this app holds about a person, for their file under law 09-08 (registered with the
registry in ProgrammesConfig.ready)."""

from django.utils.translation import gettext as _

from markaz.registry.selectors import section

from .models import Application, Choice, Enrolment, Offer, Outcome, WaitlistEntry


def person_records(person):
    applications = Application.objects.filter(person=person)
    return [
        section("applications", _("Applications"), applications),
        section(
            "choices", _("Choices of cohorts"), Choice.objects.filter(application__in=applications)
        ),
        section("rankings", _("Rankings"), Outcome.objects.filter(application__in=applications)),
        section(
            "waitlist",
            _("Waiting lists"),
            WaitlistEntry.objects.filter(application__in=applications),
        ),
        section(
            "offers", _("Offers of a seat"), Offer.objects.filter(application__in=applications)
        ),
        section("enrolments", _("Enrolments"), Enrolment.objects.filter(person=person)),
    ]
