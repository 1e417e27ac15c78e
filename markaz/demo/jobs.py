"""The Berkane demo's jobs and businesses (synthetic): employers of the province (agri-food
around Berkane, tourism in Saïdia, services, cooperatives), their opportunities, the pipeline
with hires and placements, and business projects at every stage.

Everything goes through the services (so the demo obeys the same rules as a person would).
Loading twice changes nothing: the first employer's presence says the demo is loaded.
"""

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from markaz.jobs import services
from markaz.jobs.models import Candidacy, Employer, Opportunity, Placement
from markaz.learning.models import Completion
from markaz.mentoring.models import MentorAssignment
from markaz.territory.models import Commune

SEED = "jobs-2026"

# name, kind, sector, commune, address, contact (name, position, phone, e-mail)
EMPLOYERS = [
    ("Conserverie Triffa Agrumes", "company", "agrifood", "berkane", "Zone industrielle, Berkane",
     ("Samira Ouali", "Responsable RH", "0536612030", "rh@triffa-agrumes.example")),
    ("Coopérative Al Baraka des clémentines", "cooperative", "agrifood", "madagh", "Douar Ouled Sghir",
     ("Mimoun Kaddouri", "Président", "0661203040", "")),
    ("Hôtel Mer Bleue Saïdia", "company", "tourism", "saidia", "Boulevard de la Méditerranée",
     ("Nadia Berrada", "Directrice d'exploitation", "0536624050", "direction@merbleue.example")),
    ("Résidence Marina Saïdia", "company", "tourism", "saidia", "Marina de Saïdia",
     ("Karim Tazi", "Chef de réception", "0662304050", "")),
    ("Berkane Digital Services", "company", "digital", "berkane", "Avenue Mohammed V",
     ("Yassine El Idrissi", "Gérant", "0663405060", "contact@bds.example")),
    ("Centre d'appels Oriental Contact", "company", "services", "berkane", "Quartier Hay Salam",
     ("Fatima Zahra Amrani", "Chargée de recrutement", "0664506070", "")),
    ("Coopérative féminine Tafoughalt Plantes", "cooperative", "crafts", "tafoughalt", "Centre de Tafoughalt",
     ("Khadija Moussaoui", "Trésorière", "0665607080", "")),
    ("Association Ahfir Développement", "association", "services", "ahfir", "Rue de la Poste, Ahfir",
     ("Abdelkader Benali", "Coordinateur", "0666708090", "")),
    ("Commune d'Aklim", "public", "public", "aklim", "Siège de la commune",
     ("Rachid Lamrani", "Secrétaire général", "0536615060", "")),
    ("Transports Moulouya Logistique", "company", "transport", "ain-erreggada", "Route de Berkane",
     ("Hicham Zerouali", "Responsable d'exploitation", "0667809010", "")),
]  # fmt: skip

# employer index, title, kind, skills, education, commune, pattern, hours, pay, places,
# closes in (days from today), starts in, weeks, tutor
OPPORTUNITIES = [
    (2, "Stage réception et réseaux sociaux", "internship", ["marketing", "office"], "bac",
     "saidia", "daytime", 30, 1500, 3, 20, 35, 12, "Nadia Berrada"),
    (4, "Développeur web junior (Idmaj)", "idmaj", ["web"], "bac", "berkane", "daytime", 44,
     4200, 2, 25, None, None, ""),
    (0, "Agents de conditionnement, campagne des agrumes", "seasonal", [], "", "berkane",
     "daytime", 44, 3100, 12, 10, None, None, ""),
    (5, "Téléconseillers francophones", "cdd", ["office"], "bac", "berkane", "evening", 40,
     3600, 6, 30, None, None, ""),
    (1, "Stage commerce en ligne des clémentines", "internship", ["ecommerce", "marketing"],
     "lycee", "madagh", "daytime", 25, 1000, 2, 15, 30, 8, "Mimoun Kaddouri"),
    (3, "Réceptionniste saison d'été", "seasonal", ["office"], "bac", "saidia", "daytime", 44,
     3300, 4, 40, None, None, ""),
    (6, "Apprentie vente et étiquetage", "apprenticeship", ["ecommerce"], "college",
     "tafoughalt", "daytime", 30, 800, 2, 45, None, None, ""),
    (7, "Animateur numérique (Tahfiz)", "tahfiz", ["ai", "office"], "bac", "ahfir", "weekend",
     20, 2500, 1, 20, None, None, ""),
    (8, "Agent de saisie, état civil numérique", "cdd", ["office"], "bac", "aklim", "daytime",
     40, 3000, 2, 12, None, None, ""),
    (9, "Assistant logistique (CDI)", "cdi", ["office"], "vocational", "ain-erreggada",
     "daytime", 44, 3800, 1, 28, None, None, ""),
]  # fmt: skip

PROJECTS = [
    # title, idea, sector, commune, investment, own, turnover, jobs, target stage
    ("Glacier artisanal de la plage", "Glaces aux agrumes de Berkane vendues à Saïdia l'été.",
     "tourism", "saidia", 60000, 6000, 150000, 2, "idea"),
    ("Atelier de réparation de téléphones", "Réparation et accessoires, quartier Hay Al Qods.",
     "services", "berkane", 40000, 5000, 90000, 1, "plan"),
    ("Boutique en ligne de produits du terroir", "Miel, huile d'olive et clémentines en ligne.",
     "commerce", "berkane", 55000, 8000, 120000, 2, "committee"),
    ("Studio de création de sites web", "Sites vitrines pour commerces de Berkane et Ahfir.",
     "digital", "ahfir", 70000, 7000, 180000, 3, "financed"),
    ("Coopérative de séchage de plantes", "Plantes aromatiques de Tafoughalt séchées et emballées.",
     "agrifood", "tafoughalt", 120000, 12000, 240000, 5, "created"),
    ("Cybercafé et services administratifs", "Impressions, démarches en ligne, formations courtes.",
     "services", "aklim", 80000, 10000, 110000, 2, "active12"),
    ("Location de vélos à Saïdia", "Location saisonnière de vélos sur la corniche.",
     "tourism", "saidia", 45000, 5000, 60000, 1, "closed"),
]  # fmt: skip


def _alumni(centre) -> list:
    """Youth of the centre who completed a programme (the first candidates), oldest first."""
    ids = (
        Completion.objects.filter(completed=True, enrolment__cohort__centre=centre)
        .order_by("enrolment__person_id")
        .values_list("enrolment__person_id", flat=True)
        .distinct()
    )
    from markaz.registry.models import Person

    return list(
        Person.objects.filter(
            pk__in=list(ids), merged_into__isnull=True, anonymised_at__isnull=True
        ).order_by("pk")
    )


@transaction.atomic
def demo_load_jobs(centre, users) -> dict:
    coordinator = users["coordinator"]
    if Employer.objects.filter(centre=centre, name=EMPLOYERS[0][0]).exists():
        return {"loaded": False, "fair": demo_load_fair(centre, users)}
    today = timezone.localdate()
    rng = random.Random(SEED)
    communes = {c.code: c for c in Commune.objects.all()}
    employers = []
    for name, kind, sector, commune, address, contact in EMPLOYERS:
        employer = services.employer_save(
            centre=centre,
            name=name,
            kind=kind,
            sector=sector,
            commune=communes[commune],
            address=address,
            actor=coordinator,
        )
        c_name, position, phone, email = contact
        services.employer_contact_add(
            employer=employer,
            name=c_name,
            position=position,
            phone=phone,
            email=email,
            consent_on=today - dt.timedelta(days=rng.randint(20, 200)),
            consent_method=rng.choice(["oral", "written"]),
            actor=coordinator,
        )
        employers.append(employer)

    opportunities = []
    for (e, title, kind, skills, edu, commune, pattern, hours, pay, places, closes, starts,
         weeks, tutor) in OPPORTUNITIES:  # fmt: skip
        opportunities.append(
            services.opportunity_save(
                centre=centre,
                employer=employers[e],
                title=title,
                kind=kind,
                skills=skills,
                min_education=edu,
                commune=communes[commune],
                pattern=pattern,
                hours_per_week=hours,
                pay_mad=pay,
                places=places,
                closes_on=today + dt.timedelta(days=closes),
                starts_on=today + dt.timedelta(days=starts) if starts else None,
                duration_weeks=weeks,
                tutor=tutor,
                actor=coordinator,
            )
        )
    # Two earlier offers, posted months ago and now closed, with their hires.
    past = today - dt.timedelta(days=150)
    for e, title, kind, pay in [
        (0, "Opérateurs de tri, campagne 2025-26", "seasonal", 3000),
        (2, "Stage service en salle, été 2026", "internship", 1200),
    ]:
        opp = services.opportunity_save(
            centre=centre,
            employer=employers[e],
            title=title,
            kind=kind,
            skills=["office"] if kind == "internship" else [],
            commune=employers[e].commune,
            hours_per_week=40,
            pay_mad=pay,
            places=4,
            closes_on=past + dt.timedelta(days=20),
            starts_on=past + dt.timedelta(days=30) if kind == "internship" else None,
            duration_weeks=8 if kind == "internship" else None,
            actor=coordinator,
            today=past,
        )
        opportunities.append(opp)

    alumni = _alumni(centre)
    rng.shuffle(alumni)
    placements = _pipeline(opportunities, alumni, coordinator, today, past)
    projects = _projects(centre, communes, coordinator, users, today)
    for person in alumni[30:45]:
        services.job_wish_save(
            person=person,
            kinds=rng.sample(["internship", "cdd", "cdi", "seasonal", "idmaj"], 2),
            sectors=rng.sample(["tourism", "digital", "services", "agrifood", "commerce"], 2),
            max_km=rng.choice([None, 15, 30, 50]),
            actor=coordinator,
        )
    return {
        "loaded": True,
        "fair": demo_load_fair(centre, users),
        "employers": len(employers),
        "opportunities": len(opportunities),
        "placements": placements,
        "projects": projects,
    }


def _pipeline(opportunities, alumni, coordinator, today, past) -> int:
    """Candidacies at every step, hires with their placements, a few placements found by the
    youth themselves."""
    placements = 0
    pool = iter(alumni)
    closed = opportunities[-2:]
    for opp in closed:
        people = [p for p, _i in zip(pool, range(4), strict=False)]
        if not people:
            break
        sent = services.candidacies_send(
            opportunity=opp, people=people, actor=coordinator, today=past
        )
        for i, c in enumerate(sent):
            if i < 2:
                services.candidacy_hire(
                    candidacy=c,
                    contract=opp.kind,
                    start_date=past + dt.timedelta(days=30),
                    wage_mad=opp.pay_mad,
                    decided_on=past + dt.timedelta(days=25),
                    actor=coordinator,
                    today=today,
                )
                placements += 1
                if i == 1:
                    services.candidacy_leave(
                        candidacy=Candidacy.objects.get(pk=c.pk),
                        left_on=past + dt.timedelta(days=90),
                        reason="Fin de la campagne",
                        actor=coordinator,
                        today=today,
                    )
            else:
                services.candidacy_move(
                    candidacy=c,
                    status="not_retained",
                    on=past + dt.timedelta(days=24),
                    reason="Profil retenu ailleurs",
                    actor=coordinator,
                    today=today,
                )
    for opp in opportunities[:4]:
        people = [p for p, _i in zip(pool, range(3), strict=False)]
        if not people:
            break
        sent = services.candidacies_send(opportunity=opp, people=people, actor=coordinator)
        if len(sent) >= 2:
            services.candidacy_move(
                candidacy=sent[0],
                status="interview",
                on=today + dt.timedelta(days=3),
                actor=coordinator,
            )
        if len(sent) >= 3 and opp.kind != Opportunity.Kind.INTERNSHIP:
            services.candidacy_hire(
                candidacy=sent[2],
                contract=opp.kind,
                start_date=today + dt.timedelta(days=7),
                wage_mad=opp.pay_mad,
                actor=coordinator,
            )
            placements += 1
    # Found by the youth alone: the last alumni without an ongoing placement (even in a small
    # world where the pipeline took everyone).
    free = [p for p in alumni if not Placement.objects.filter(person=p, ended_on__isnull=True)]
    for person, employer_name, contract, wage in zip(
        free[-3:],
        ["Café Al Andalous, Berkane", "Pharmacie Centrale Ahfir", "ANAPEC — Idmaj, Berkane"],
        ["cdd", "cdi", "idmaj"],
        [2800, 3200, 3500],
        strict=False,
    ):
        services.placement_record(
            person=person,
            employer_name=employer_name,
            contract=contract,
            start_date=today - dt.timedelta(days=60),
            wage_mad=wage,
            via_centre=False,
            actor=coordinator,
        )
        placements += 1
    return placements


def _projects(centre, communes, coordinator, users, today) -> int:
    """One business project at each stage, held by the demo mentor's mentees where possible."""
    mentor = users.get("mentor")
    mentees = list(
        MentorAssignment.objects.filter(
            centre=centre, mentor=mentor, ended_at__isnull=True
        ).values_list("person", flat=True)
    )
    from markaz.registry.models import Person

    people = list(Person.objects.filter(pk__in=mentees).order_by("pk")) or _alumni(centre)
    if not people:
        return 0
    count = 0
    for i, (title, idea, sector, commune, inv, own, turnover, jobs, stage) in enumerate(PROJECTS):
        members = [people[i % len(people)]]
        if stage == "created" and len(people) > 1:
            members.append(people[(i + 1) % len(people)])  # a group project (the cooperative)
        project = services.project_save(
            centre=centre,
            title=title,
            idea=idea,
            sector=sector,
            commune=communes[commune],
            members=members,
            investment_mad=inv,
            own_contribution_mad=own,
            expected_turnover_mad=turnover,
            expected_jobs=jobs,
            actor=coordinator,
        )
        count += 1
        order = ["idea", "plan", "committee", "financed", "created", "active12", "closed"]
        target = order.index(stage)
        if target >= 1:
            services.project_stage_set(project=project, stage="plan", actor=coordinator)
        if target >= 2:
            services.project_stage_set(project=project, stage="committee", actor=coordinator)
        if target == 2:
            services.financing_save(
                project=project,
                source="indh",
                organisation="CPDH Berkane",
                applied_on=today - dt.timedelta(days=20),
                requested_mad=inv - own,
                actor=coordinator,
            )
        if target >= 3:
            age = {3: 60, 4: 200, 5: 420, 6: 300}[target]
            applied = today - dt.timedelta(days=age + 60)
            granted = (inv - own) * 9 // 10
            services.financing_save(
                project=project,
                source="indh",
                organisation="CPDH Berkane",
                applied_on=applied,
                requested_mad=inv - own,
                decision="granted",
                decided_on=applied + dt.timedelta(days=40),
                granted_mad=granted,
                indh_share_mad=granted,
                actor=coordinator,
            )
            if target >= 4:
                services.financing_save(
                    project=project,
                    source="microcredit",
                    organisation="Association Al Amana",
                    applied_on=applied + dt.timedelta(days=10),
                    requested_mad=20000,
                    decision="refused" if target == 6 else "granted",
                    decided_on=applied + dt.timedelta(days=45),
                    granted_mad=None if target == 6 else 15000,
                    actor=coordinator,
                )
                created_on = today - dt.timedelta(days=age)
                services.business_creation_record(
                    project=project,
                    legal_form={4: "cooperative", 5: "auto", 6: "auto"}[target],
                    created_on=created_on,
                    registration=f"AE-BRK-{2025 + (i % 2)}-{100 + i}",
                    actor=coordinator,
                )
                for visit in project.visits.all():
                    if visit.due_on > today:
                        continue
                    closing = target == 6 and visit.months == 6
                    services.visit_record(
                        visit=visit,
                        done_on=visit.due_on + dt.timedelta(days=3),
                        turnover_band="0" if closing else "3000-9999",
                        jobs=0 if closing else jobs,
                        still_active=not closing,
                        note="Saison trop courte" if closing else "",
                        actor=coordinator,
                    )
                    if closing:
                        break
    return count


FAIR_NAME_FR = "Forum de l'emploi et des stages de Berkane"
FAIR_NAME_AR = "ملتقى التشغيل والتداريب ببركان"
# employer index, tables, most interviews, first slot there (None: from the start)
FAIR_EMPLOYERS = [(0, 2, 14, None), (1, 1, 7, None), (2, 2, 14, None), (4, 1, 8, None),
                  (5, 2, 12, 2), (3, 1, 6, None)]  # fmt: skip


def demo_load_fair(centre, users) -> dict:
    """A job fair in ten days or so: six employers with their tables, youth registered with the
    employers the matching finds for them, and the schedule made by the engine (synchronously,
    here). Held at the centre on the first weekday the building can take it, else in Saïdia's
    municipal hall. Loading twice changes nothing."""
    from markaz.core.models import OutboxMessage
    from markaz.jobs import selectors_fairs as fair_sel
    from markaz.jobs import services_fairs as fair_services
    from markaz.jobs.models import JobFair
    from markaz.registry.models import Person

    if JobFair.objects.filter(centre=centre, name_fr=FAIR_NAME_FR).exists():
        return {"loaded": False}
    coordinator = users["coordinator"]
    today = timezone.localdate()
    employers = {e.name: e for e in Employer.objects.filter(centre=centre)}
    fair = None
    for days in range(9, 30):
        day = today + dt.timedelta(days=days)
        if day.weekday() >= 5:
            continue
        try:
            with transaction.atomic():
                fair = fair_services.fair_save(
                    centre=centre,
                    name_fr=FAIR_NAME_FR,
                    name_ar=FAIR_NAME_AR,
                    date=day,
                    start_time=dt.time(9, 0),
                    end_time=dt.time(12, 0),
                    slot_minutes=20,
                    place="centre",
                    actor=coordinator,
                )
                for e, tables, most, first in FAIR_EMPLOYERS:
                    fair_services.fair_employer_register(
                        fair=fair,
                        employer=employers[EMPLOYERS[e][0]],
                        tables=tables,
                        max_interviews=most,
                        slots=list(range(first, 9)) if first else None,
                        actor=coordinator,
                    )
        except ValidationError:
            fair = None
            continue
        break
    if fair is None:
        fair = fair_services.fair_save(
            centre=centre,
            name_fr=FAIR_NAME_FR,
            name_ar=FAIR_NAME_AR,
            date=today + dt.timedelta(days=10),
            start_time=dt.time(9, 0),
            end_time=dt.time(12, 0),
            slot_minutes=20,
            place="elsewhere",
            address="Salle municipale de Saïdia",
            commune=Commune.objects.get(code="saidia"),
            actor=coordinator,
        )
        for e, tables, most, first in FAIR_EMPLOYERS:
            fair_services.fair_employer_register(
                fair=fair,
                employer=employers[EMPLOYERS[e][0]],
                tables=tables,
                max_interviews=most,
                slots=list(range(first, 9)) if first else None,
                actor=coordinator,
            )
    fair_employers = list(fair.employers.select_related("employer"))
    placed = Placement.objects.filter(ended_on__isnull=True).values("person_id")
    people = list(
        Person.objects.filter(pk__in=[p.pk for p in _alumni(centre)])
        .exclude(pk__in=placed)
        .select_related("commune")
        .order_by("pk")
    )
    values = fair_sel.pair_values(people, fair_employers)
    rng = random.Random(SEED + "-fair")
    registered = 0
    for person in people:
        if registered >= 36 or not any((person.pk, fe.pk) in values for fe in fair_employers):
            continue
        late = rng.random() < 0.25
        try:
            with transaction.atomic():
                fair_services.fair_youth_register(
                    fair=fair,
                    person=person,
                    max_interviews=rng.choice([2, 3, 3, 4]),
                    slots=list(range(3, 9)) if late else None,
                    actor=coordinator,
                )
        except ValidationError:
            break  # the building is full at that time
        registered += 1
    JobFair.objects.filter(pk=fair.pk).update(status=JobFair.Status.SCHEDULING)
    result = fair_services.fair_schedule_execute(fair_id=fair.pk, time_limit_s=5)
    fair.refresh_from_db()
    before = OutboxMessage.objects.count()
    fair_services.fair_schedule_notify(fair=fair, actor=coordinator)
    return {
        "loaded": True,
        "youth": registered,
        "interviews": result["interviews"],
        "sms": OutboxMessage.objects.count() - before,
    }
