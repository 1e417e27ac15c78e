"""The programmes part of the Berkane demo: a catalogue, cohorts whose seats add up to 100, a
closed campaign allocated and published (offers answered, a declined seat passed on from the
waiting list) and an open campaign, so the public form shows the ranking. Synthetic, idempotent.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from markaz.engine.scoring import DEFAULT_RULE
from markaz.programmes.models import (
    AllocationRun,
    Campaign,
    Cohort,
    CohortReserve,
    Offer,
    Programme,
    ScoringRuleVersion,
)
from markaz.programmes.services import (
    DAYTIME_EXCLUDED,
    allocation_publish,
    allocation_run_execute,
    application_submit,
    offer_accept,
    offer_decline,
)
from markaz.registry.models import Person

PROGRAMMES = [
    # key, title fr, title ar, track, hours, weeks, goal, language, schedule
    ("web", "Développement web", "تطوير الويب", "web", 240, 20, "wage_job", "Français", "daytime"),
    (
        "marketing",
        "Marketing digital",
        "التسويق الرقمي",
        "marketing",
        120,
        12,
        "self_employment",
        "Arabe et français",
        "evening",
    ),
    (
        "office",
        "Bureautique et informatique de base",
        "المكتبيات والمعلوميات الأساسية",
        "office",
        96,
        12,
        "wage_job",
        "Arabe",
        "daytime",
    ),
    (
        "ecommerce",
        "E-commerce et freelancing",
        "التجارة الإلكترونية والعمل الحر",
        "ecommerce",
        96,
        12,
        "self_employment",
        "Arabe et français",
        "weekend",
    ),
    (
        "ai",
        "Initiation à l'intelligence artificielle",
        "مدخل إلى الذكاء الاصطناعي",
        "ai",
        80,
        10,
        "further_training",
        "Français",
        "evening",
    ),
    (
        "robotics",
        "Robotique et objets connectés",
        "الروبوتيك والأشياء المتصلة",
        "robotics",
        96,
        12,
        "further_training",
        "Arabe et français",
        "weekend",
    ),
]
# code, programme key, seats, schedule, reserves [(group, seats)], precedence
AUTUMN = [
    ("WEB-A26", "web", 20, "daytime", [("women", 10), ("rural", 6)], "open_first"),
    ("WEB-E26", "web", 10, "evening", [("rural", 3)], "open_first"),
    ("MKT-E26", "marketing", 15, "evening", [("women", 8)], "open_first"),
    ("BUR-A26", "office", 15, "daytime", [("rural", 5)], "open_first"),
    ("ECO-W26", "ecommerce", 15, "weekend", [("women", 7), ("rural", 4)], "reserved_first"),
    ("IA-E26", "ai", 15, "evening", [("women", 8)], "open_first"),
    ("ROB-W26", "robotics", 10, "weekend", [], "open_first"),
]
SPRING = [
    ("WEB-A27", "web", 20, "daytime", [("women", 10), ("rural", 6)], "open_first"),
    ("MKT-E27", "marketing", 15, "evening", [("women", 8)], "open_first"),
    ("ECO-W27", "ecommerce", 15, "weekend", [("women", 7)], "open_first"),
    ("IA-E27", "ai", 15, "evening", [], "open_first"),
]
SEED = 20260901
RULE_V2 = (
    "2027-1",
    {
        "rsu_below_threshold": 4,
        "unemployed": 3,
        "disability": 2,
        "rural": 3,
        "first_training": 2,
    },
    "Communes rurales : 3 points (au lieu de 2) ; première formation : 2 points (au lieu de 1).",
)


@transaction.atomic
def demo_load_programmes(centre, coordinator) -> None:
    today = timezone.localdate()
    now = timezone.now()
    rule, _ = ScoringRuleVersion.objects.get_or_create(
        centre=centre,
        version=DEFAULT_RULE.version,
        defaults={
            "weights": DEFAULT_RULE.weights,
            "rsu_threshold": DEFAULT_RULE.rsu_threshold,
            "published_at": now - dt.timedelta(days=400),
            "published_by": coordinator,
            "note": "Première version publiée.",
        },
    )
    # Version 2, published a few days ago: rural communes and a first training weigh more. The
    # open campaign (not yet allocated) uses it; the autumn campaign keeps version 1.
    rule_v2, _ = ScoringRuleVersion.objects.get_or_create(
        centre=centre,
        version=RULE_V2[0],
        defaults={
            "weights": RULE_V2[1],
            "rsu_threshold": DEFAULT_RULE.rsu_threshold,
            "published_at": now - dt.timedelta(days=10),
            "published_by": coordinator,
            "note": RULE_V2[2],
        },
    )
    programmes = {}
    for key, fr, ar, track, hours, weeks, goal, lang, pattern in PROGRAMMES:
        programmes[key], _ = Programme.objects.get_or_create(
            centre=centre,
            title_fr=fr,
            defaults={
                "title_ar": ar,
                "track": track,
                "hours": hours,
                "duration_weeks": weeks,
                "goal": goal,
                "teaching_language": lang,
                "schedule_pattern": pattern,
            },
        )
    autumn_start = today - dt.timedelta(days=60)
    spring_start = today + dt.timedelta(days=75)
    autumn = _cohorts(centre, programmes, AUTUMN, autumn_start, coordinator)
    spring = _cohorts(centre, programmes, SPRING, spring_start, coordinator)
    closed, created = Campaign.objects.get_or_create(
        centre=centre,
        name_fr="Rentrée d'automne 2026",
        defaults={
            "name_ar": "دخول خريف 2026",
            "opens_on": today - dt.timedelta(days=95),
            "closes_on": today - dt.timedelta(days=75),
            "scoring_rule": rule,
        },
    )
    if created:
        closed.cohorts.set(autumn)
    open_campaign, created = Campaign.objects.get_or_create(
        centre=centre,
        name_fr="Session de printemps 2027",
        defaults={
            "name_ar": "دورة ربيع 2027",
            "opens_on": today - dt.timedelta(days=14),
            "closes_on": today + dt.timedelta(days=45),
            "scoring_rule": rule_v2,
        },
    )
    if created:
        open_campaign.cohorts.set(spring)
    if not open_campaign.runs.exists() and open_campaign.scoring_rule_id != rule_v2.pk:
        Campaign.objects.filter(pk=open_campaign.pk).update(scoring_rule=rule_v2)
    if not closed.applications.exists():
        _rank(centre, closed, autumn, closed.opens_on + dt.timedelta(days=3), share=0.9)
    if not open_campaign.applications.exists():
        _rank(centre, open_campaign, spring, today, share=0.15)
    if not closed.runs.exists():
        _allocate_and_answer(closed, coordinator)


def _cohorts(centre, programmes, rows, start, coordinator) -> list[Cohort]:
    cohorts = []
    for code, key, seats, pattern, reserves, precedence in rows:
        programme = programmes[key]
        cohort, created = Cohort.objects.get_or_create(
            centre=centre,
            code=code,
            defaults={
                "programme": programme,
                "start_date": start,
                "end_date": start + dt.timedelta(weeks=programme.duration_weeks),
                "seats": seats,
                "schedule_pattern": pattern,
                "precedence": precedence,
            },
        )
        if created:
            for i, (group, n) in enumerate(reserves):
                CohortReserve.objects.create(cohort=cohort, group=group, seats=n, order=i)
        cohorts.append(cohort)
    return cohorts


def _rank(centre, campaign, cohorts, on, share: float) -> None:
    rng = random.Random(f"{SEED}-{campaign.name_fr}")
    people = Person.objects.filter(centre=centre, eligible=True, merged_into__isnull=True).order_by(
        "pk"
    )
    for person in people:
        if rng.random() > share:
            continue
        allowed = [
            c
            for c in cohorts
            if not (person.activity_status in DAYTIME_EXCLUDED and c.schedule_pattern == "daytime")
        ]
        # Popular cohorts are ranked more often: web first, robotics last.
        weights = [
            3 if "WEB" in c.code else 2 if c.code.startswith(("MKT", "IA")) else 1 for c in allowed
        ]
        picks = []
        for _ in range(min(len(allowed), rng.randint(1, 5))):
            choice = rng.choices(allowed, weights=weights)[0]
            i = allowed.index(choice)
            picks.append(choice)
            allowed.pop(i)
            weights.pop(i)
        application_submit(person=person, campaign=campaign, cohorts=picks, today=on)


def _allocate_and_answer(campaign, coordinator) -> None:
    run = AllocationRun.objects.create(
        centre=campaign.centre,
        campaign=campaign,
        seed=SEED,
        scoring_version=campaign.scoring_rule.version,
        scoring_rule=campaign.scoring_rule,
        created_by=coordinator,
    )
    allocation_run_execute(run_id=run.pk)
    run.refresh_from_db()
    # The demo replays the past: the results were published the day after the campaign closed,
    # before the cohorts started (today they have, so publishing now is refused).
    published_on = campaign.closes_on + dt.timedelta(days=1)
    allocation_publish(run=run, actor=coordinator, today=published_on)
    answered_at = timezone.make_aware(
        dt.datetime.combine(published_on + dt.timedelta(days=2), dt.time(10))
    )
    rng = random.Random(SEED)
    offers = list(Offer.objects.filter(run=run).order_by("pk"))
    declined = 0
    for offer in offers:
        offer.refresh_from_db()
        if offer.status != Offer.Status.OFFERED:
            continue
        roll = rng.random()
        if roll < 0.8:
            offer_accept(offer=offer)
        elif declined < 4:
            # Declined before the start, so the seat went to the next on the waiting list.
            offer_decline(offer=offer, now=answered_at)
            declined += 1
