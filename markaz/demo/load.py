"""The Berkane demo: a centre, its rooms, one user per role and 300 synthetic applicants.

Everything here is synthetic and says so. Loading twice changes nothing (idempotent): records are
found by stable keys (centre code, usernames, CINs drawn from a seeded generator).
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from markaz.centre.models import Centre, Room
from markaz.core.models import StaffProfile
from markaz.core.roles import Role
from markaz.demo.names import FEMALE, LAST, MALE, VARIANTS
from markaz.registry.models import ActivityStatus, EducationLevel, Person, Source
from markaz.territory.models import Commune

DEMO_PASSWORD = "markaz-demo-2026"
DEMO_USERS = [
    ("admin", Role.ADMIN, "Amina", "Administratrice"),
    ("coordinator", Role.COORDINATOR, "Karima", "Coordinatrice"),
    ("trainer", Role.TRAINER, "Hassan", "Formateur"),
    ("mentor", Role.MENTOR, "Leila", "Mentore"),
    ("caravan", Role.CARAVAN, "Said", "Caravane"),
    ("province", Role.PROVINCIAL, "Nour", "Province"),
]
ROOMS = [
    ("Salle de formation 1", "قاعة التكوين 1", Room.Kind.TRAINING, 24),
    ("Salle de formation 2", "قاعة التكوين 2", Room.Kind.TRAINING, 24),
    ("Atelier de travail appliqué", "ورشة الأشغال التطبيقية", Room.Kind.APPLIED, 20),
    ("Salle d'encadrement 1", "قاعة المواكبة 1", Room.Kind.MENTORING, 6),
    ("Salle d'encadrement 2", "قاعة المواكبة 2", Room.Kind.MENTORING, 6),
    (
        "Espace enfants numérique et IA",
        "فضاء الأطفال للرقمنة والذكاء الاصطناعي",
        Room.Kind.CHILDREN,
        20,
    ),
]
# Where staff alerts reach the demo's staff (fictitious numbers and addresses).
DEMO_STAFF_CONTACTS = {
    "coordinator": ("+212661100201", "coordinatrice@markaz-berkane.example"),
    "mentor": ("+212661100202", ""),
    "trainer": ("", "formateur@markaz-berkane.example"),
    "admin": ("", "admin@markaz-berkane.example"),
}
APPLICANTS = 300
REFERENCE_DATE = dt.date(2026, 9, 1)


@transaction.atomic
def demo_load(*, stdout=None) -> dict:
    berkane = Commune.objects.get(code="berkane")
    centre, _ = Centre.objects.get_or_create(
        code="berkane",
        defaults={
            "name_fr": "Centre d'innovation numérique de Berkane",
            "name_ar": "مركز الابتكار الرقمي ببركان",
            "commune": berkane,
            "floor_area_m2": 600,
            "max_occupancy": 100,
        },
    )
    for name_fr, name_ar, kind, capacity in ROOMS:
        Room.objects.get_or_create(
            centre=centre,
            name_fr=name_fr,
            defaults={"name_ar": name_ar, "kind": kind, "capacity": capacity},
        )
    users = {}
    User = get_user_model()
    for username, role, first, last in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            # The administrator configures centres, rooms, holidays and roles in /admin/.
            user.is_staff = user.is_superuser = role == Role.ADMIN
            user.save()
        StaffProfile.objects.get_or_create(
            user=user,
            defaults={"role": role, "centre": None if role == Role.PROVINCIAL else centre},
        )
        users[username] = user
        phone, email = DEMO_STAFF_CONTACTS.get(username, ("", ""))
        if phone:
            StaffProfile.objects.filter(user=user, phone="").update(phone=phone)
        if email and not user.email:
            user.email = email
            user.save(update_fields=["email"])
    created = _load_applicants(centre, users["coordinator"])
    _merge_one_pair(centre, users["coordinator"])
    _one_held_application(centre)
    from markaz.demo.programmes import demo_load_programmes

    demo_load_programmes(centre, users["coordinator"])
    from markaz.demo.centre import demo_load_centre

    demo_load_centre(centre, users)
    from markaz.demo.learning import demo_load_learning

    demo_load_learning(centre, users)
    from markaz.demo.caravan import demo_load_caravan

    demo_load_caravan(centre, users)
    from markaz.demo.mentoring import demo_load_mentoring

    demo_load_mentoring(centre, users)
    from markaz.demo.jobs import demo_load_jobs

    demo_load_jobs(centre, users)
    from markaz.demo.centre import demo_kiosk_device

    pairing_code = demo_kiosk_device(centre, users["coordinator"])
    _demo_outbox(centre)
    _demo_rights(centre, users["coordinator"])
    return {
        "centre": centre,
        "users": users,
        "applicants_created": created,
        "kiosk_pairing_code": pairing_code,
    }


def _demo_rights(centre, coordinator) -> None:
    """Law 09-08 on one applicant's page: a corrected phone (the history of corrections) and an
    objection to appearing in the indicators' lists. Idempotent."""
    from django.utils import timezone

    from markaz.registry.models import Objection
    from markaz.registry.services import PERSON_FIELDS, objection_record, person_update

    if Objection.objects.filter(centre=centre).exists():
        return
    person = (
        Person.objects.filter(centre=centre, merged_into__isnull=True, anonymised_at__isnull=True)
        .exclude(phone="")
        .order_by("pk")
        .first()
    )
    if person is None:
        return
    data = {f.removesuffix("_id"): getattr(person, f) for f in PERSON_FIELDS}
    data["commune"] = person.commune.code if person.commune_id else None
    data["phone"] = person.phone[:-1] + ("1" if person.phone[-1] != "1" else "2")
    person_update(person=person, data=data, actor=coordinator)
    objection_record(
        person=person,
        purpose="records_list",
        channel="desk",
        received_on=timezone.localdate() - dt.timedelta(days=3),
        actor=coordinator,
    )


class _DemoProvider:
    """Accepts every SMS, reaches nobody: the demo's messages look sent without a network."""

    def send_many(self, messages):
        from markaz.core.sms import SendResult

        return [SendResult(m.client_id, provider_id=f"demo-{m.client_id}") for m in messages]


def _demo_outbox(centre) -> None:
    """What the outbox looks like after a while: most messages delivered (the provider's
    reports came back), the last few sent and awaiting their report, one failed with the
    provider's reason, one youth who answered STOP, and the newest still queued for the next
    `send_outbox`. Once only: when something was already delivered, nothing changes."""
    from django.core import mail

    from markaz.core.models import OutboxMessage, SmsOptOut
    from markaz.core.outbox import outbox_deliver, outbox_reports_apply, sms_opt_out

    S = OutboxMessage.Status
    if OutboxMessage.objects.exclude(status__in=[S.QUEUED, S.FAILED, S.STOPPED]).exists():
        return
    offer = OutboxMessage.objects.filter(kind="offer", status=S.QUEUED).order_by("pk").first()
    if offer is not None and not SmsOptOut.objects.exists():
        sms_opt_out(phone=offer.phone, source=SmsOptOut.Source.REPLY, text="STOP", centre=centre)
    due = OutboxMessage.objects.filter(status=S.QUEUED).count()
    outbox_deliver(
        backend=_DemoProvider(),
        limit=max(0, due - 3),
        mail_connection=mail.get_connection("django.core.mail.backends.locmem.EmailBackend"),
    )
    sent = list(
        OutboxMessage.objects.filter(status=S.SENT, channel="sms")
        .order_by("pk")
        .values_list("client_id", flat=True)
    )
    if len(sent) < 8:
        return
    reports = []
    for i, client_id in enumerate(sent[:-5]):  # the last five: no report yet
        delivered = i != 1
        reports.append(
            {
                "messageId": str(client_id),
                "status": {
                    "groupName": "DELIVERED" if delivered else "UNDELIVERABLE",
                    "description": "Message delivered to handset"
                    if delivered
                    else "Absent subscriber: the phone stayed off for 48 hours",
                },
                "error": {"groupName": "OK" if delivered else "HANDSET_ERRORS"},
            }
        )
    outbox_reports_apply(payload={"results": reports})


def _cin(rng: random.Random) -> str:
    letters = rng.choice(["F", "FA", "FB", "FC", "FD", "FE", "FH", "FJ", "FK", "FL", "UA", "S"])
    return letters + str(rng.randint(10000, 999999))


def _phone(rng: random.Random) -> str:
    return f"+2126{rng.randint(10000000, 99999999)}"


def _applicant_rows(centre) -> list[dict]:
    """300 synthetic applicants, the same every time (seeded)."""
    rng = random.Random(20260918)
    communes = list(Commune.objects.filter(province_id=centre.commune.province_id).order_by("code"))
    weights = [c.population_2014 or 1 for c in communes]
    rows, cins = [], set()
    for _ in range(APPLICANTS):
        female = rng.random() < 0.52
        first_lat, first_ar = rng.choice(FEMALE if female else MALE)
        last_lat, last_ar = rng.choice(LAST)
        band = rng.random()
        if band < 0.06:
            age = rng.choice([16, 17])  # too young
        elif band < 0.11:
            age = rng.randint(36, 42)  # too old
        else:
            age = rng.randint(18, 35)
        birth = REFERENCE_DATE - dt.timedelta(days=int(age * 365.25) + rng.randint(0, 360))
        status = rng.choices(
            [
                ActivityStatus.UNEMPLOYED,
                ActivityStatus.TRAINEE,
                ActivityStatus.WORKER,
                ActivityStatus.STUDENT,
            ],
            weights=[55, 15, 20, 10],
        )[0]
        commune = None if rng.random() < 0.04 else rng.choices(communes, weights=weights)[0]
        cin = _cin(rng)
        while cin in cins:
            cin = _cin(rng)
        cins.add(cin)
        rows.append(
            {
                "first_name_latin": first_lat,
                "last_name_latin": last_lat,
                "first_name_ar": first_ar,
                "last_name_ar": last_ar,
                "cin": cin,
                "birth_date": birth,
                "sex": "F" if female else "M",
                "phone": _phone(rng) if rng.random() < 0.9 else "",
                "commune": commune,
                "activity_status": status,
                "education_level": rng.choice(EducationLevel.values),
                "preferred_language": rng.choices(["ar", "fr", "zgh"], weights=[70, 25, 5])[0],
                "rsu_index": Decimal(f"{rng.uniform(6.0, 13.0):.3f}")
                if rng.random() < 0.4
                else None,
                "disability": "Déficience motrice (synthétique)" if rng.random() < 0.03 else "",
                "source": rng.choices(
                    [Source.STAFF, Source.PUBLIC_FORM, Source.IMPORT], weights=[60, 30, 10]
                )[0],
            }
        )
    # Plant likely duplicates: the same person written another way, with another CIN (a typo at the
    # desk, a renewed card) and the same birth date or phone.
    planted = 0
    for row in list(rows):
        if planted >= 8:
            break
        variant_first = VARIANTS.get(row["first_name_latin"])
        variant_last = VARIANTS.get(row["last_name_latin"])
        if not (variant_first or variant_last):
            continue
        twin = dict(row)
        twin["first_name_latin"] = variant_first or row["first_name_latin"]
        twin["last_name_latin"] = variant_last or row["last_name_latin"]
        if planted % 3 == 2:
            twin["first_name_latin"] = twin["last_name_latin"] = ""
        twin["cin"] = _cin(rng)
        while twin["cin"] in cins:
            twin["cin"] = _cin(rng)
        cins.add(twin["cin"])
        if planted % 2:
            twin["phone"] = row["phone"] or _phone(rng)
        else:
            twin["phone"] = _phone(rng)
        if not twin["first_name_latin"]:
            # Arabic-only record typed at the desk: the Latin name is transliterated by staff.
            twin["first_name_latin"] = VARIANTS.get(
                row["first_name_latin"], row["first_name_latin"]
            )
            twin["last_name_latin"] = VARIANTS.get(row["last_name_latin"], row["last_name_latin"])
        rows.append(twin)
        planted += 1
    return rows


def _load_applicants(centre, coordinator) -> int:
    from markaz.registry.models import Consent
    from markaz.registry.services import centre_eligibility_rules, person_create

    rules = centre_eligibility_rules(centre)
    existing = set(Person.objects.filter(centre=centre).values_list("cin", flat=True))
    created = 0
    methods = {
        Source.STAFF: Consent.Method.DESK,
        Source.PUBLIC_FORM: Consent.Method.ONLINE,
        Source.IMPORT: Consent.Method.PAPER,
    }
    for row in _applicant_rows(centre):
        if row["cin"] in existing:
            continue
        source = row.pop("source")
        person_create(
            centre=centre,
            data=row,
            source=source,
            consent_method=methods[source],
            consent_language=row["preferred_language"],
            actor=coordinator if source != Source.PUBLIC_FORM else None,
            rules=rules,
            today=REFERENCE_DATE,
        )
        created += 1
    return created


def _one_held_application(centre) -> None:
    """Show a held application on the duplicates page: someone applied first with another
    person's CIN and a made-up birth date; the CIN's holder applies later with their real birth
    date and phone, and their application waits for staff (issue 13)."""
    from markaz.registry.models import IntakeConflict
    from markaz.registry.services import public_application_submit

    if IntakeConflict.objects.filter(centre=centre).exists():
        return
    first = Person.objects.filter(centre=centre, source=Source.PUBLIC_FORM).order_by("pk").first()
    if first is None:
        return
    data = {
        field: getattr(first, field)
        for field in (
            "first_name_latin",
            "last_name_latin",
            "first_name_ar",
            "last_name_ar",
            "cin",
            "sex",
            "commune",
            "activity_status",
            "education_level",
            "preferred_language",
            "disability",
            "rsu_index",
        )
    }
    data["birth_date"] = first.birth_date.replace(year=first.birth_date.year - 1, day=1)
    data["phone"] = "+212661000067" if first.phone != "+212661000067" else "+212661000068"
    public_application_submit(centre=centre, data=data, language=first.preferred_language)


def _merge_one_pair(centre, coordinator) -> None:
    """Show a merge in the demo's history (it can be undone from the duplicates page)."""
    from markaz.registry.models import DuplicateFlag, MergeRecord
    from markaz.registry.services import person_merge

    if MergeRecord.objects.filter(centre=centre).exists():
        return
    flag = (
        DuplicateFlag.objects.filter(centre=centre, status=DuplicateFlag.Status.OPEN)
        .order_by("-score", "pk")
        .first()
    )
    if flag is not None:
        person_merge(kept=flag.person, merged=flag.other, actor=coordinator, flag=flag)
