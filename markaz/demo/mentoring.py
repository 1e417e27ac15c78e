"""The mentoring part of the Berkane demo. Synthetic, seeded and idempotent (loading twice changes
nothing).

- Four mentors (the demo "mentor" and mentor2…mentor4, same demo password) with languages,
  tracks and caseloads; the current cohorts' youth and the recent alumni of BUR-P26 assigned to
  them by the suggestion rule (balanced), some left for the coordinator to assign.
- Action plans with dated steps (some overdue) and referrals; mentoring sessions over the past
  three weeks and the next two (attendance marked for the past ones); notes, some old enough to
  raise a "no contact for 30 days" alert.
- A history for the funder's report: four cohorts of 2025 (February–June and September–December)
  with their campaigns, applicants, enrolments, completions, certificates, baselines at intake and
  follow-ups at exit, +3, +6 and +12 months with realistic outcomes (about three in four reached;
  about half of those reached at +12 in a wage job or self-employed; incomes of 1,500 to 6,000 MAD;
  a few businesses creating one to three jobs), and the year plans of 2025 and 2026.

Call it at the end of markaz.demo.load.demo_load: `demo_load_mentoring(centre, users)`.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from markaz.centre.models import Room, YearPlan
from markaz.core.models import StaffProfile
from markaz.core.roles import Role
from markaz.demo.names import FEMALE, LAST, MALE
from markaz.learning import services as learning
from markaz.learning.models import AbsenceAlert, Certificate, Completion
from markaz.mentoring import rules, services
from markaz.mentoring.models import (
    ActionPlan,
    ActionStep,
    Baseline,
    EmploymentStatus,
    FollowUp,
    Goal,
    MentorAssignment,
    MentoringNote,
    MentoringParticipant,
    MentorProfile,
    Referral,
)
from markaz.programmes.models import (
    Application,
    Campaign,
    Choice,
    Cohort,
    Enrolment,
    Programme,
    ScoringRuleVersion,
)
from markaz.registry.models import ActivityStatus, Consent, EducationLevel, Person, Source
from markaz.territory.models import Commune

SEED = 20251215
DEMO_PASSWORD = "markaz-demo-2026"
# username, first name, last name, languages, tracks
MENTORS = [
    ("mentor", "Leila", "Mentore", ["ar", "fr"], ["web", "office", "ai"]),
    ("mentor2", "Rachid", "Amrani", ["ar", "zgh"], ["ecommerce", "marketing", "office", "ai"]),
    ("mentor3", "Sanae", "El Fassi", ["fr", "ar"], ["web", "marketing", "robotics", "ai"]),
    ("mentor4", "Mustapha", "Ouazzani", ["ar", "zgh", "fr"], ["web", "robotics", "ecommerce"]),
]
CASELOAD = 25
# Share of the running cohorts' youth given a mentor in the demo (the rest wait on the caseloads
# page, with a suggested mentor).
ASSIGNED_SHARE = 0.55
# code, track, start, end, seats, campaign
HISTORY = [
    ("WEB-P25", "web", dt.date(2025, 2, 3), dt.date(2025, 6, 20), 20, "spring"),
    ("MKT-P25", "marketing", dt.date(2025, 2, 10), dt.date(2025, 5, 2), 15, "spring"),
    ("BUR-A25", "office", dt.date(2025, 9, 15), dt.date(2025, 12, 5), 15, "autumn"),
    ("ECO-A25", "ecommerce", dt.date(2025, 9, 13), dt.date(2025, 12, 6), 15, "autumn"),
]
CAMPAIGNS = {
    "spring": (
        "Session de printemps 2025",
        "دورة ربيع 2025",
        dt.date(2025, 1, 2),
        dt.date(2025, 1, 24),
    ),
    "autumn": (
        "Rentrée d'automne 2025",
        "دخول خريف 2025",
        dt.date(2025, 6, 16),
        dt.date(2025, 7, 25),
    ),
}
# Applicants of each 2025 campaign who got no seat.
NOT_ADMITTED = {"spring": 32, "autumn": 28}
# Targets by indicator code (engine.indicators); rates in percent.
YEAR_PLANS = {
    2025: (
        Decimal("1100000"),
        {
            "applicants": 150,
            "enrolled": 65,
            "completed": 52,
            "insertion_rate_12": 40,
            "businesses_created": 4,
            "jobs_created": 5,
            "completion_rate": 80,
            "reach_rate_12": 70,
            "caravan_pupils": 2500,
            "schools_reached": 30,
        },
    ),
    2026: (
        Decimal("1200000"),
        {
            "applicants": 320,
            "enrolled": 110,
            "completed": 90,
            "insertion_rate_12": 45,
            "businesses_created": 8,
            "jobs_created": 10,
            "completion_rate": 80,
            "reach_rate_12": 70,
            "caravan_pupils": 4000,
            "schools_reached": 45,
        },
    ),
}
MILESTONES = ["exit", "m3", "m6", "m12"]
REACH = {"exit": 0.9, "m3": 0.8, "m6": 0.75, "m12": 0.7}
WAGE_SECTORS = [
    "Centre d'appels",
    "Commerce",
    "Services informatiques",
    "Administration",
    "Agro-industrie",
    "Tourisme et hôtellerie",
]
SELF_SECTORS = [
    "Commerce en ligne",
    "Maintenance informatique",
    "Couture",
    "Produits du terroir",
    "Graphisme",
    "Marketing digital",
]
STEPS = {
    Goal.WAGE_JOB: [
        "Mettre à jour le CV",
        "S'inscrire à l'ANAPEC",
        "Candidater à trois offres",
        "Préparer un entretien d'embauche",
    ],
    Goal.SELF_EMPLOYMENT: [
        "Écrire le plan d'affaires",
        "Obtenir le statut d'auto-entrepreneur",
        "Préparer le dossier de financement INDH",
        "Ouvrir un compte bancaire",
    ],
    Goal.FURTHER_TRAINING: [
        "Choisir une formation qualifiante",
        "Déposer le dossier à l'OFPPT",
        "Préparer le test d'entrée",
    ],
}
SUMMARIES = {
    Goal.WAGE_JOB: "Trouver un premier emploi salarié dans le numérique, à Berkane ou à Oujda.",
    Goal.SELF_EMPLOYMENT: "Lancer une activité indépendante avec un financement de démarrage.",
    Goal.FURTHER_TRAINING: "Poursuivre une formation qualifiante après le programme.",
}
NOTES = [
    "Entretien de suivi : motivation intacte, CV mis à jour. Prochaine étape : candidatures.",
    "A présenté son idée de projet (vente en ligne de produits du terroir). À orienter vers "
    "le financement INDH.",
    "Absences liées au transport depuis sa commune ; voir avec la coordination pour une solution.",
    "تواصل جيد، يبحث عن تدريب في مجال التسويق الرقمي.",
    "Prépare un entretien dans un centre d'appels à Oujda ; simulation d'entretien faite.",
    "يرغب في إنشاء مقاولة ذاتية لصيانة الحواسيب؛ تم توجيهه نحو القروض الصغرى.",
    "Hésite entre un emploi salarié et une formation OFPPT ; en reparler après l'évaluation.",
]
TOPICS = {
    "individual": ["Point sur le plan d'action", "Préparer un entretien", "Projet d'entreprise"],
    "group": ["Atelier CV et lettre", "Atelier pitch", "Découvrir l'auto-entrepreneuriat"],
}
# Weekly pattern per mentor index: (weekday, hour, minute, minutes, kind, room index)
PATTERN = [
    [(0, 10, 0, 60, "individual", 0), (2, 16, 0, 90, "group", 0)],
    [(0, 11, 0, 60, "individual", 1), (3, 16, 0, 90, "group", 1)],
    [(1, 10, 0, 60, "individual", 0), (3, 10, 0, 60, "individual", 0)],
    [(1, 14, 30, 60, "individual", 1), (2, 10, 0, 90, "group", 1)],
]


# What a follow-up call fills in (the demo's recorded outcomes are saved with these).
_OUTCOME_FIELDS = [
    "status",
    "attempts",
    "contacted_on",
    "employment_status",
    "monthly_income_mad",
    "income_band",
    "sector",
    "formal",
    "business_created",
    "jobs_created",
    "further_training",
    "recorded_by",
    "recorded_at",
]


@transaction.atomic
def demo_load_mentoring(centre, users) -> dict:
    today = timezone.localdate()
    coordinator = users["coordinator"]
    mentors = _mentors(centre)
    _year_plans(centre)
    if not Cohort.objects.filter(centre=centre, code=HISTORY[0][0]).exists():
        _history(centre, coordinator, mentors, today)
    # Cohorts that ended (BUR-P26 of the learning demo, the history): follow-ups scheduled.
    services.followups_schedule_ended(today=today)
    if not MentorAssignment.objects.filter(centre=centre, ended_at__isnull=True).exists():
        _current(centre, coordinator, mentors, today)
    reminders = services.followup_reminders_queue(today=today, centre=centre)
    return {
        "mentors": len(mentors),
        "assignments": MentorAssignment.objects.filter(centre=centre).count(),
        "followups": FollowUp.objects.filter(centre=centre).count(),
        "reminders": reminders,
    }


# --- People and plans -------------------------------------------------------------------------


def _mentors(centre) -> list:
    from django.contrib.auth.hashers import make_password

    User = get_user_model()
    mentors = []
    hashed = None  # hashing is slow on purpose: hash the demo password once
    for username, first, last, languages, tracks in MENTORS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
            user.save(update_fields=["password"])
        StaffProfile.objects.get_or_create(
            user=user, defaults={"role": Role.MENTOR, "centre": centre}
        )
        MentorProfile.objects.get_or_create(
            user=user,
            defaults={
                "centre": centre,
                "languages": languages,
                "tracks": tracks,
                "max_caseload": CASELOAD,
            },
        )
        mentors.append(user)
    return mentors


def _year_plans(centre) -> None:
    for year, (budget, targets) in YEAR_PLANS.items():
        YearPlan.objects.get_or_create(
            centre=centre,
            year=year,
            defaults={"running_budget_mad": budget, "targets": targets},
        )


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


class _Matcher:
    """The suggestion rule (rules.suggest_mentor) over loads kept in memory while the demo
    assigns many youth at once."""

    def __init__(self, mentors):
        profiles = {p.user_id: p for p in MentorProfile.objects.filter(user__in=mentors)}
        self.users = {m.pk: m for m in mentors}
        self.loads = dict.fromkeys(self.users, 0)
        for mentor_id, n in (
            MentorAssignment.objects.filter(mentor__in=mentors, ended_at__isnull=True)
            .values("mentor_id")
            .annotate(n=Count("pk"))
            .values_list("mentor_id", "n")
        ):
            self.loads[mentor_id] = n
        self.profiles = profiles

    def pick(self, language: str, track: str | None, *, cap: int = CASELOAD):
        candidates = [
            rules.Candidate(
                mentor_id=pk,
                name=self.users[pk].username,
                languages=frozenset(p.languages),
                tracks=frozenset(p.tracks),
                load=self.loads[pk],
                max_caseload=cap,
            )
            for pk, p in self.profiles.items()
        ]
        found = rules.suggest_mentor(candidates, language=language, track=track)
        mentor_id = found.candidate.mentor_id if found else min(self.loads, key=self.loads.get)
        self.loads[mentor_id] += 1
        return self.users[mentor_id]


def _plan_rows(rng, person, goal, centre, creator, today, *, past: bool):
    """An action plan with its steps (and the steps' states) for one youth."""
    plan = ActionPlan(
        centre=centre, person=person, goal=goal, summary=SUMMARIES[goal], created_by=creator
    )
    steps = []
    titles = rng.sample(STEPS[goal], k=min(len(STEPS[goal]), rng.randint(2, 3)))
    for i, title in enumerate(titles):
        due = today + dt.timedelta(days=rng.randint(-25, 30) + 7 * i)
        done = None
        if past or (due < today and rng.random() < 0.6):
            done = min(due + dt.timedelta(days=rng.randint(-5, 3)), today)
        steps.append(ActionStep(plan=plan, title=title, due_on=due, done_on=done))
    return plan, steps


# --- The 2025 history -------------------------------------------------------------------------


def _new_cin(rng, taken: set[str]) -> str:
    while True:
        letters = rng.choice(["F", "FA", "FB", "FC", "FD", "FE", "FH", "FJ", "FK", "FL", "UA"])
        cin = letters + str(rng.randint(10000, 999999))
        if cin not in taken:
            taken.add(cin)
            return cin


def _history(centre, coordinator, mentors, today) -> None:
    from markaz.registry.consent import CONSENT_PURPOSE, CONSENT_VERSION
    from markaz.registry.services import (
        centre_eligibility_rules,
        person_evaluate,
        person_tokens_build,
    )

    rng = random.Random(f"{SEED}-history")
    rule = ScoringRuleVersion.objects.filter(centre=centre).order_by("pk").first()
    programmes = {p.track: p for p in Programme.objects.filter(centre=centre).order_by("pk")}
    if rule is None or not all(track in programmes for _c, track, *_r in HISTORY):
        return
    communes = list(Commune.objects.filter(province_id=centre.commune.province_id).order_by("code"))
    weights = [c.population_2014 or 1 for c in communes]
    taken = set(Person.objects.filter(centre=centre).values_list("cin", flat=True))
    eligibility = centre_eligibility_rules(centre)

    campaigns = {}
    for key, (fr, ar, opens, closes) in CAMPAIGNS.items():
        campaigns[key], _ = Campaign.objects.get_or_create(
            centre=centre,
            name_fr=fr,
            defaults={"name_ar": ar, "opens_on": opens, "closes_on": closes, "scoring_rule": rule},
        )
    cohorts = []
    for code, track, start, end, seats, key in HISTORY:
        programme = programmes[track]
        cohort = Cohort.objects.create(
            centre=centre,
            programme=programme,
            code=code,
            start_date=start,
            end_date=end,
            seats=seats,
            schedule_pattern=programme.schedule_pattern,
            status=Cohort.Status.FINISHED,
        )
        campaigns[key].cohorts.add(cohort)
        cohorts.append((cohort, key))

    # Applicants: those admitted (a seat each) and those who were not.
    people: list[tuple[Person, str, Cohort | None, dt.date]] = []
    for key in CAMPAIGNS:
        opens, closes = CAMPAIGNS[key][2], CAMPAIGNS[key][3]
        seats = [c for c, k in cohorts if k == key for _i in range(c.seats)]
        for cohort in seats + [None] * NOT_ADMITTED[key]:
            intake = opens + dt.timedelta(days=rng.randint(0, (closes - opens).days))
            female = rng.random() < 0.55
            first, first_ar = rng.choice(FEMALE if female else MALE)
            last, last_ar = rng.choice(LAST)
            age = rng.randint(19, 33)
            person = Person(
                centre=centre,
                first_name_latin=first,
                last_name_latin=last,
                first_name_ar=first_ar,
                last_name_ar=last_ar,
                cin=_new_cin(rng, taken),
                birth_date=intake - dt.timedelta(days=int(age * 365.25) + rng.randint(0, 300)),
                sex="F" if female else "M",
                phone=f"+2126{rng.randint(10000000, 99999999)}" if rng.random() < 0.92 else "",
                commune=rng.choices(communes, weights=weights)[0],
                activity_status=rng.choices(
                    [ActivityStatus.UNEMPLOYED, ActivityStatus.TRAINEE, ActivityStatus.WORKER],
                    weights=[75, 10, 15],
                )[0],
                education_level=rng.choice(EducationLevel.values),
                preferred_language=rng.choices(["ar", "fr", "zgh"], weights=[70, 25, 5])[0],
                source=rng.choices([Source.STAFF, Source.PUBLIC_FORM], weights=[60, 40])[0],
            )
            decision = person_evaluate(person, eligibility, intake)
            person.eligible = decision.eligible
            person.eligibility = decision.to_dict()
            people.append((person, key, cohort, intake))
    Person.objects.bulk_create([p for p, *_r in people])
    for person, _key, _cohort, intake in people:
        Person.objects.filter(pk=person.pk).update(created_at=_at(intake, 11))
    from markaz.registry.models import PersonSearchToken

    PersonSearchToken.objects.bulk_create(person_tokens_build([p for p, *_r in people]))
    Consent.objects.bulk_create(
        Consent(
            person=p,
            purpose=CONSENT_PURPOSE,
            text_version=CONSENT_VERSION,
            language=p.preferred_language,
            method=Consent.Method.DESK if p.source == Source.STAFF else Consent.Method.ONLINE,
            given_at=_at(intake, 11),
            recorded_by=coordinator if p.source == Source.STAFF else None,
        )
        for p, _k, _c, intake in people
    )
    applications = [
        Application(centre=centre, campaign=campaigns[key], person=p) for p, key, _c, _i in people
    ]
    Application.objects.bulk_create(applications)
    history_cohorts = [c for c, _k in cohorts]
    choices = []
    for application, (_p, key, cohort, _i) in zip(applications, people, strict=True):
        same = [c for c, k in cohorts if k == key]
        first = cohort or rng.choice(same)
        ranked = [first] + [c for c in same if c != first][: rng.randint(0, 1)]
        choices += [
            Choice(application=application, rank=r, cohort=c) for r, c in enumerate(ranked, 1)
        ]
    Choice.objects.bulk_create(choices)
    for key, campaign in campaigns.items():
        Application.objects.filter(campaign=campaign).update(
            created_at=_at(CAMPAIGNS[key][2] + dt.timedelta(days=10), 12)
        )

    # Enrolments (one withdrawal per cohort), completions, certificates.
    enrolments = [Enrolment(cohort=c, person=p) for p, _k, c, _i in people if c is not None]
    Enrolment.objects.bulk_create(enrolments)
    person_of = {p.pk: p for p, *_r in people}
    for cohort in history_cohorts:
        Enrolment.objects.filter(cohort=cohort).update(created_at=_at(cohort.start_date, 9))
        members = [e for e in enrolments if e.cohort_id == cohort.pk]
        Cohort.objects.filter(pk=cohort.pk).update(enrolled=len(members))
        dropout = members[rng.randrange(len(members))]
        dropout.withdrawn_at = _at(cohort.start_date + dt.timedelta(weeks=4), 12)
        Enrolment.objects.filter(pk=dropout.pk).update(withdrawn_at=dropout.withdrawn_at)
    active = [e for e in enrolments if e.withdrawn_at is None]
    completions = []
    for e in active:
        completed = rng.random() < 0.85
        percent = Decimal(rng.randint(80, 98) if completed else rng.randint(52, 78))
        completions.append(
            Completion(
                enrolment=e,
                completed=completed,
                attendance_percent=percent,
                reasons=_reasons(percent, e.cohort.programme.hours // 3, completed),
            )
        )
    Completion.objects.bulk_create(completions)
    for cohort in history_cohorts:
        Completion.objects.filter(enrolment__cohort=cohort).update(
            decided_at=_at(cohort.end_date, 16)
        )
        for e in Enrolment.objects.filter(cohort=cohort, completion__completed=True).order_by("pk"):
            learning.certificate_issue(enrolment=e, actor=coordinator)
        Certificate.objects.filter(enrolment__cohort=cohort).update(
            issued_at=_at(cohort.end_date + dt.timedelta(days=10), 11)
        )
    completed = {c.enrolment_id for c in completions if c.completed}

    # Baselines at intake: mostly unemployed, little or no income.
    baselines = []
    for p, _k, cohort, intake in people:
        if cohort is None:
            continue
        status = rng.choices(
            [
                EmploymentStatus.UNEMPLOYED,
                EmploymentStatus.INACTIVE,
                EmploymentStatus.WAGE_EMPLOYED,
                EmploymentStatus.SELF_EMPLOYED,
            ],
            weights=[70, 8, 12, 10],
        )[0]
        income = (
            Decimal(rng.randint(5, 20) * 100)
            if status in (EmploymentStatus.WAGE_EMPLOYED, EmploymentStatus.SELF_EMPLOYED)
            else Decimal(0)
        )
        baselines.append(
            Baseline(
                centre=centre,
                person=p,
                recorded_on=intake,
                recorded_by=coordinator,
                employment_status=status,
                monthly_income_mad=income,
                income_band=services.income_band_for(income),
                sector=rng.choice(WAGE_SECTORS) if income else "",
                formal=False if income else None,
            )
        )
    Baseline.objects.bulk_create(baselines)

    # Mentors during the training and six months after it (the history is closed now).
    matcher = _Matcher(mentors)
    mentor_of = {}
    assignments = []
    for e in sorted(active, key=lambda e: (e.cohort.start_date, e.pk)):
        person = person_of[e.person_id]
        mentor = matcher.pick(person.preferred_language, e.cohort.programme.track, cap=40)
        mentor_of[e.person_id] = mentor
        assignments.append(
            MentorAssignment(
                centre=centre,
                person_id=e.person_id,
                mentor=mentor,
                assigned_at=_at(e.cohort.start_date + dt.timedelta(days=7), 10),
                ended_at=_at(rules.add_months(e.cohort.end_date, 7), 10),
                assigned_by=coordinator,
            )
        )
    MentorAssignment.objects.bulk_create(assignments)

    # Follow-ups: scheduled by the service, then what the calls found.
    outcomes = []
    plans, steps, referrals = [], [], []
    for e in active:
        followups = {f.milestone: f for f in services.followups_schedule(enrolment=e)}
        trajectory = _trajectory(rng, e.pk in completed)
        outcomes += _outcomes(rng, followups, trajectory, mentor_of[e.person_id], today)
        if trajectory["inserted_at"] is not None or rng.random() < 0.3:
            plan, plan_steps, plan_referrals = _history_plan(
                rng, centre, e, trajectory, mentor_of[e.person_id]
            )
            plans.append(plan)
            steps += plan_steps
            referrals += plan_referrals
    FollowUp.objects.bulk_update(outcomes, _OUTCOME_FIELDS)
    ActionPlan.objects.bulk_create(plans)
    for s in steps:
        s.plan_id = s.plan.pk
    for r in referrals:
        r.plan_id = r.plan.pk
    ActionStep.objects.bulk_create(steps)
    Referral.objects.bulk_create(referrals)


def _reasons(percent: Decimal, counted: int, completed: bool) -> list[dict]:
    """The decision's reasons in French and Arabic, worded as learning.completion_decide does."""
    attended = round(percent * counted / 100)
    values = {"percent": percent, "min": 80, "attended": attended, "counted": counted}
    out = []
    for code, passed in (("attendance", percent >= 80), ("evaluation", completed)):
        texts = {}
        for lang in ("fr", "ar"):
            with translation.override(lang):
                if code == "attendance" and passed:
                    texts[lang] = (
                        _(
                            "Attendance %(percent)s%% (%(attended)s of %(counted)s sessions) "
                            "reaches the required %(min)s%%."
                        )
                        % values
                    )
                elif code == "attendance":
                    texts[lang] = (
                        _(
                            "Attendance %(percent)s%% (%(attended)s of %(counted)s sessions) "
                            "is below the required %(min)s%%."
                        )
                        % values
                    )
                elif passed:
                    texts[lang] = _("The final evaluation is passed.")
                else:
                    texts[lang] = _("The final evaluation is not passed.")
        out.append({"code": code, "passed": passed, **texts})
    return out


def _trajectory(rng, completed: bool) -> dict:
    """What becomes of one alumnus: whether and when they find work, of which kind."""
    inserted_at = None
    if rng.random() < (0.52 if completed else 0.3):
        inserted_at = rng.choices(MILESTONES, weights=[20, 30, 25, 25])[0]
    kind = EmploymentStatus.WAGE_EMPLOYED if rng.random() < 0.62 else EmploymentStatus.SELF_EMPLOYED
    wage = kind == EmploymentStatus.WAGE_EMPLOYED
    return {
        "inserted_at": inserted_at,
        "kind": kind,
        "income": rng.randint(26, 55) * 100 if wage else rng.randint(15, 58) * 100,
        "jobs": 0 if wage else rng.choices([0, 1, 2, 3], weights=[55, 25, 13, 7])[0],
        "formal": rng.random() < (0.7 if wage else 0.35),
        "sector": rng.choice(WAGE_SECTORS if wage else SELF_SECTORS),
        # Some who are still looking live on odd jobs: a little informal income.
        "odd_jobs": rng.randint(3, 12) * 100 if rng.random() < 0.6 else 0,
        "idle": rng.choices(
            [EmploymentStatus.UNEMPLOYED, EmploymentStatus.TRAINING, EmploymentStatus.INACTIVE],
            weights=[70, 20, 10],
        )[0],
    }


def _outcomes(rng, followups: dict, t: dict, mentor, today) -> list[FollowUp]:
    done = []
    for i, milestone in enumerate(MILESTONES):
        f = followups.get(milestone)
        if f is None or f.status != FollowUp.Status.PENDING or f.due_on > today:
            continue
        if rng.random() < 0.04:
            continue  # left to do: overdue on the coordinator's list
        f.recorded_by = mentor
        if rng.random() > REACH[milestone]:
            f.status = FollowUp.Status.UNREACHED
            f.attempts = rng.randint(2, 3)
            f.recorded_at = _at(min(f.due_on + dt.timedelta(days=14), today), 15)
            done.append(f)
            continue
        f.status = FollowUp.Status.REACHED
        f.attempts = rng.choice([1, 1, 1, 2])
        f.contacted_on = min(f.due_on + dt.timedelta(days=rng.randint(0, 12)), today)
        f.recorded_at = _at(f.contacted_on, 11)
        if t["inserted_at"] is not None and MILESTONES.index(t["inserted_at"]) <= i:
            growth = 1 + 0.05 * (i - MILESTONES.index(t["inserted_at"]))
            income = Decimal(min(round(t["income"] * growth / 50) * 50, 6000))
            f.employment_status = t["kind"]
            f.monthly_income_mad = income
            f.income_band = services.income_band_for(income)
            f.sector = t["sector"]
            f.formal = t["formal"]
            f.business_created = t["kind"] == EmploymentStatus.SELF_EMPLOYED
            f.jobs_created = t["jobs"] if f.business_created and i >= 2 else 0
        else:
            f.employment_status = t["idle"]
            odd_jobs = Decimal(t["odd_jobs"] if t["idle"] == EmploymentStatus.UNEMPLOYED else 0)
            f.monthly_income_mad = odd_jobs
            f.income_band = services.income_band_for(odd_jobs)
            f.formal = False if odd_jobs else None
            f.further_training = t["idle"] == EmploymentStatus.TRAINING
        done.append(f)
    return done


def _history_plan(rng, centre, enrolment, t: dict, mentor):
    end = enrolment.cohort.end_date
    self_employed = t["inserted_at"] is not None and t["kind"] == EmploymentStatus.SELF_EMPLOYED
    goal = Goal.SELF_EMPLOYMENT if self_employed else Goal.WAGE_JOB
    plan = ActionPlan(
        centre=centre,
        person_id=enrolment.person_id,
        goal=goal,
        summary=SUMMARIES[goal],
        created_by=mentor,
    )
    steps = [
        ActionStep(
            plan=plan,
            title=title,
            due_on=end + dt.timedelta(days=20 * (i + 1)),
            done_on=end + dt.timedelta(days=20 * (i + 1) - rng.randint(0, 6)),
        )
        for i, title in enumerate(STEPS[goal][:3])
    ]
    referrals = []
    referred_on = end + dt.timedelta(days=rng.randint(15, 60))
    if self_employed:
        indh = rng.random() < 0.5
        referrals.append(
            Referral(
                plan=plan,
                kind=Referral.Kind.INDH if indh else Referral.Kind.MICROCREDIT,
                organisation="DAS Berkane" if indh else "Association de microcrédit (Berkane)",
                referred_on=referred_on,
                status=Referral.Status.ACCEPTED,
                amount_mad=Decimal(
                    rng.randint(60, 150) * 1000 if indh else rng.randint(10, 50) * 1000
                ),
            )
        )
        if rng.random() < 0.3:
            referrals.append(
                Referral(
                    plan=plan,
                    kind=Referral.Kind.BANK,
                    organisation="Banque (agence de Berkane)",
                    referred_on=referred_on + dt.timedelta(days=10),
                    status=Referral.Status.REFUSED,
                )
            )
    else:
        referrals.append(
            Referral(
                plan=plan,
                kind=Referral.Kind.ANAPEC,
                organisation="ANAPEC Berkane",
                referred_on=referred_on,
                status=Referral.Status.ACCEPTED
                if t["inserted_at"] is not None
                else Referral.Status.SENT,
            )
        )
    return plan, steps, referrals


# --- Now: caseloads, plans, sessions, notes ---------------------------------------------------


def _current(centre, coordinator, mentors, today) -> None:
    rng = random.Random(f"{SEED}-current")
    history = [code for code, *_r in HISTORY]
    running = list(
        Enrolment.objects.filter(
            cohort__centre=centre, withdrawn_at__isnull=True, cohort__end_date__gte=today
        )
        .select_related("person", "cohort__programme")
        .order_by("cohort__code", "pk")
    )
    alumni = list(
        Enrolment.objects.filter(
            cohort__centre=centre,
            withdrawn_at__isnull=True,
            cohort__end_date__lt=today,
            cohort__end_date__gte=today - dt.timedelta(days=240),
        )
        .exclude(cohort__code__in=history)
        .select_related("person", "cohort__programme")
        .order_by("pk")
    )
    absentees = set(
        AbsenceAlert.objects.filter(enrolment__cohort__centre=centre).values_list(
            "enrolment__person_id", flat=True
        )
    )
    by_username = {m.username: m for m in mentors}
    seen: set[int] = set()
    chosen = []
    for e in alumni + running:
        if e.person_id in seen or e.person.merged_into_id is not None:
            continue
        seen.add(e.person_id)
        if e in alumni or e.person_id in absentees or rng.random() < ASSIGNED_SHARE:
            chosen.append(e)
    matcher = _Matcher(mentors)
    assignments = []
    mentor_of = {}
    for e in chosen:
        # The demo mentor follows the recent alumni (their follow-up calls are due) and the
        # youth absent twice in a row (their alert).
        if (e in alumni or e.person_id in absentees) and "mentor" in by_username:
            mentor = by_username["mentor"]
            matcher.loads[mentor.pk] += 1
        else:
            mentor = matcher.pick(e.person.preferred_language, e.cohort.programme.track)
        mentor_of[e.person_id] = mentor
        start = e.cohort.start_date + dt.timedelta(days=7)
        assignments.append(
            MentorAssignment(
                centre=centre,
                person=e.person,
                mentor=mentor,
                assigned_at=_at(min(start, today), 10),
                assigned_by=coordinator,
            )
        )
    MentorAssignment.objects.bulk_create(assignments)

    # Baselines at intake, action plans with steps and referrals.
    baselines, plans, steps, referrals = [], [], [], []
    for e in chosen:
        person = e.person
        status = (
            EmploymentStatus.WAGE_EMPLOYED
            if person.activity_status == ActivityStatus.WORKER
            else EmploymentStatus.TRAINING
            if person.activity_status == ActivityStatus.TRAINEE
            else EmploymentStatus.UNEMPLOYED
        )
        income = (
            Decimal(rng.randint(8, 25) * 100)
            if status == EmploymentStatus.WAGE_EMPLOYED
            else Decimal(0)
        )
        baselines.append(
            Baseline(
                centre=centre,
                person=person,
                # The intake interview, two weeks before the cohort started.
                recorded_on=min(e.cohort.start_date - dt.timedelta(days=14), today),
                recorded_by=coordinator,
                employment_status=status,
                monthly_income_mad=income,
                income_band=services.income_band_for(income),
                sector=rng.choice(WAGE_SECTORS) if income else "",
                formal=(rng.random() < 0.4) if income else None,
            )
        )
        if rng.random() < 0.6:
            goal = e.cohort.programme.goal
            plan, plan_steps = _plan_rows(
                rng, person, goal, centre, mentor_of[person.pk], today, past=False
            )
            plans.append(plan)
            steps += plan_steps
            if rng.random() < 0.35:
                wage = goal == Goal.WAGE_JOB
                kind = Referral.Kind.ANAPEC if wage else Referral.Kind.MICROCREDIT
                referrals.append(
                    Referral(
                        plan=plan,
                        kind=kind,
                        organisation="ANAPEC Berkane" if wage else "Association de microcrédit",
                        referred_on=today - dt.timedelta(days=rng.randint(3, 40)),
                        status=rng.choice([Referral.Status.SENT, Referral.Status.ACCEPTED]),
                        amount_mad=None if wage else Decimal(rng.randint(10, 40) * 1000),
                    )
                )
    Baseline.objects.bulk_create(baselines, ignore_conflicts=True)
    ActionPlan.objects.bulk_create(plans)
    for s in steps:
        s.plan_id = s.plan.pk
    for r in referrals:
        r.plan_id = r.plan.pk
    ActionStep.objects.bulk_create(steps)
    Referral.objects.bulk_create(referrals)

    mentees: dict[int, list[Person]] = {}
    for e in chosen:
        mentees.setdefault(mentor_of[e.person_id].pk, []).append(e.person)
    _sessions(centre, coordinator, mentors, mentees, today, rng)
    _notes(centre, mentor_of, [e.person for e in chosen], today, rng)
    _recent_alumni_outcomes(alumni, mentor_of, today, rng)


def _sessions(centre, coordinator, mentors, mentees: dict, today, rng) -> None:
    rooms = list(Room.objects.filter(centre=centre, kind=Room.Kind.MENTORING).order_by("name_fr"))
    if not rooms:
        return
    monday = today - dt.timedelta(days=today.weekday())
    now = timezone.now()
    for week in range(-3, 2):
        for i, mentor in enumerate(mentors):
            people = mentees.get(mentor.pk, [])
            if not people:
                continue
            for weekday, hour, minute, minutes, kind, room_index in PATTERN[i % len(PATTERN)]:
                day = monday + dt.timedelta(days=7 * week + weekday)
                starts_at = _at(day, hour, minute)
                size = 1 if kind == "individual" else min(len(people), rng.randint(3, 5))
                if size < (1 if kind == "individual" else 2):
                    continue
                try:
                    services.mentoring_session_book(
                        centre=centre,
                        mentor=mentor,
                        room=rooms[room_index % len(rooms)],
                        kind=kind,
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(minutes=minutes),
                        people=rng.sample(people, size),
                        topic=rng.choice(TOPICS[kind]),
                        actor=coordinator,
                    )
                except ValidationError:
                    continue  # a holiday, the room taken: the demo skips that one
    past = MentoringParticipant.objects.filter(
        session__centre=centre, session__starts_at__lt=now, attended__isnull=True
    )
    ids = list(past.order_by("pk").values_list("pk", flat=True))
    absent = {pk for pk in ids if rng.random() < 0.12}
    MentoringParticipant.objects.filter(pk__in=absent).update(attended=False)
    MentoringParticipant.objects.filter(pk__in=set(ids) - absent).update(attended=True)


def _notes(centre, mentor_of: dict, people: list, today, rng) -> None:
    now = timezone.now()
    attended = {}
    for person_id, session_id, starts_at in MentoringParticipant.objects.filter(
        session__centre=centre, attended=True
    ).values_list("person_id", "session_id", "session__starts_at"):
        attended[person_id] = (session_id, starts_at)
    notes, dates = [], []
    for person in people:
        if rng.random() > 0.85:
            continue
        for _i in range(rng.randint(1, 2)):
            session_id, when = None, now - dt.timedelta(days=rng.randint(2, 38), hours=3)
            if person.pk in attended and rng.random() < 0.5:
                session_id, starts_at = attended[person.pk]
                when = starts_at + dt.timedelta(hours=1)
            notes.append(
                MentoringNote(
                    centre=centre,
                    person=person,
                    session_id=session_id,
                    author=mentor_of[person.pk],
                    text=rng.choice(NOTES),
                )
            )
            dates.append(when)
    MentoringNote.objects.bulk_create(notes)
    for note, when in zip(notes, dates, strict=True):
        MentoringNote.objects.filter(pk=note.pk).update(created_at=when, updated_at=when)


def _recent_alumni_outcomes(alumni, mentor_of: dict, today, rng) -> None:
    """The cohort that ended a few months ago (BUR-P26): the exit follow-ups mostly done, the
    +3 months ones partly, so the mentors' due list has overdue calls."""
    outcomes = []
    for e in alumni:
        t = _trajectory(rng, completed=True)
        followups = {f.milestone: f for f in FollowUp.objects.filter(enrolment=e, status="pending")}
        if rng.random() < 0.5:
            followups.pop("m3", None)  # not called yet: overdue
        outcomes += _outcomes(rng, followups, t, mentor_of.get(e.person_id), today)
    FollowUp.objects.bulk_update(outcomes, _OUTCOME_FIELDS)
