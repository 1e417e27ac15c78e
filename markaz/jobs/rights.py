"""What this app holds about a person, for their file under law 09-08, and what erasing their
identity blanks here (registered with the registry in JobsConfig.ready)."""

from django.utils.translation import gettext as _

from markaz.registry.selectors import section

from .models import BusinessProject, Candidacy, FairYouth, JobWish, Placement


def person_records(person):
    return [
        section("job_wishes", _("Job wishes"), JobWish.objects.filter(person=person)),
        section("candidacies", _("Candidacies"), Candidacy.objects.filter(person=person)),
        section("placements", _("Placements"), Placement.objects.filter(person=person)),
        section(
            "business_projects",
            _("Business projects"),
            BusinessProject.objects.filter(members=person),
        ),
        section("job_fairs", _("Job fairs"), FairYouth.objects.filter(person=person)),
    ]


def person_erase_text(person):
    """Blank the free text written about the person in the pipeline (reasons for not being
    retained or for leaving, the reasons of the matching); the facts the indicators read stay."""
    Candidacy.objects.filter(person=person).update(
        reasons=[], not_retained_reason="", left_reason=""
    )
    Placement.objects.filter(person=person).update(end_reason="")
