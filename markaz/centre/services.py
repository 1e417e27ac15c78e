"""Writes for the building: badges and the door (check-in under the building cap)."""

import datetime as dt
import secrets

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.core.services import audit_record

from .models import Badge, Centre, DoorEvent, Presence

BADGE_SALT = "markaz.badge"
BADGE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
REPEAT_WINDOW = dt.timedelta(minutes=3)


def badge_token(badge: Badge) -> str:
    """What the QR code holds: the badge code, signed (never the CIN)."""
    return signing.Signer(salt=BADGE_SALT).sign(badge.code)


KIOSK_SALT = "markaz.kiosk"
KIOSK_TOKEN_AGE = dt.timedelta(hours=14)


def kiosk_token(*, centre: Centre, user) -> str:
    """A signed token for the kiosk page: which centre's door it runs, opened by whom."""
    return signing.TimestampSigner(salt=KIOSK_SALT).sign(f"{centre.pk}:{user.pk}")


def kiosk_centre_id(token: str) -> int | None:
    try:
        value = signing.TimestampSigner(salt=KIOSK_SALT).unsign(token, max_age=KIOSK_TOKEN_AGE)
    except signing.BadSignature:
        return None
    return int(value.split(":")[0])


class DoorCentre:
    """The little the door needs of a centre: its id (the cap is read in SQL when needed)."""

    def __init__(self, pk: int):
        self.pk = pk
        self._max = None

    @property
    def max_occupancy(self) -> int:
        if self._max is None:
            self._max = Centre.objects.values_list("max_occupancy", flat=True).get(pk=self.pk)
        return self._max

    def with_occupancy(self, occupancy: int) -> "DoorCentre":
        self.occupancy = occupancy
        return self


def _new_code() -> str:
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(8))


@transaction.atomic
def badge_issue(*, person, actor=None) -> Badge:
    """Give a person a badge; an earlier one stops working."""
    now = timezone.now()
    Badge.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    while True:
        code = _new_code()
        if not Badge.objects.filter(code=code).exists():
            break
    badge = Badge.objects.create(centre=person.centre, person=person, code=code)
    audit_record(actor=actor, action="badge_issue", centre=person.centre, obj=badge)
    return badge


def badge_for(person) -> Badge:
    badge = Badge.objects.filter(person=person, revoked_at__isnull=True).first()
    return badge or badge_issue(person=person)


class ScanResult:
    def __init__(self, kind: str, message: str, occupancy: int, person_id=None):
        self.kind, self.message, self.occupancy, self.person_id = (
            kind,
            message,
            occupancy,
            person_id,
        )

    @property
    def ok(self) -> bool:
        return self.kind in (DoorEvent.Kind.ENTRY, DoorEvent.Kind.EXIT, DoorEvent.Kind.REPEAT)


class _Badge:
    """What the door needs to know about a badge (one query)."""

    def __init__(self, row):
        self.badge_id, self.revoked, self.person_id, self.first_name, self.merged, self.enrolled = (
            row
        )


_BADGE_SQL = """
SELECT b.id, b.revoked_at IS NOT NULL, p.id, p.first_name_latin, p.merged_into_id IS NOT NULL,
       EXISTS (SELECT 1 FROM programmes_enrolment e
               JOIN programmes_cohort c ON c.id = e.cohort_id
               WHERE e.person_id = p.id AND e.withdrawn_at IS NULL
                 AND c.centre_id = %s AND c.end_date >= %s)
FROM centre_badge b JOIN registry_person p ON p.id = b.person_id
WHERE b.code = %s AND b.centre_id = %s
"""
_LATEST_SQL = """
SELECT id, exited_at IS NULL,
       CASE WHEN exited_at IS NULL THEN entered_at > %s ELSE exited_at > %s END
FROM centre_presence WHERE person_id = %s ORDER BY entered_at DESC LIMIT 1
"""


def _resolve(centre: Centre, raw: str, today: dt.date, cursor) -> tuple[_Badge | None, str]:
    raw = (raw or "").strip()
    if not raw:
        return None, _("No badge was read.")
    if ":" in raw:
        try:
            code = signing.Signer(salt=BADGE_SALT).unsign(raw)
        except signing.BadSignature:
            return None, _("This badge is not one of ours (forged or damaged).")
    else:
        code = raw.upper().replace(" ", "").replace("-", "")
    cursor.execute(
        _BADGE_SQL, [centre.pk, connection.ops.adapt_datefield_value(today), code, centre.pk]
    )
    row = cursor.fetchone()
    if row is None:
        return None, _("Unknown badge.")
    badge = _Badge(row)
    if badge.revoked:
        return None, _("This badge was replaced by a newer one.")
    return badge, ""


def door_scan(*, centre: Centre, raw: str, now=None) -> ScanResult:
    """One scan at the door: an entry, an exit, a repeat, or a refusal — always logged.

    The building cap is the database's: the entry increments the centre's occupancy in one
    UPDATE, which its CHECK constraint refuses past the maximum, so the count stays right however
    many scans arrive at once; one open presence per person is a unique constraint. A scan within
    REPEAT_WINDOW of the person's last entry or exit is the same event.

    This is the door's hot path (a queue of scans at opening time), so it speaks SQL directly:
    seven short statements, portable between SQLite and PostgreSQL.
    """
    now = now or timezone.now()
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        badge, problem = _resolve(centre, raw, timezone.localdate(now), cursor)
        if badge is None:
            return _log(
                cursor,
                centre,
                None,
                DoorEvent.Kind.REFUSED,
                problem,
                at,
                detail=f"{problem} [{(raw or '')[:40]}]",
            )
        if badge.merged or not badge.enrolled:
            return _log(
                cursor,
                centre,
                badge.person_id,
                DoorEvent.Kind.REFUSED,
                _("No current enrolment: entry refused."),
                at,
            )
        with transaction.atomic():
            since = ops.adapt_datetimefield_value(now - REPEAT_WINDOW)
            cursor.execute(_LATEST_SQL, [since, since, badge.person_id])
            latest = cursor.fetchone()
            if latest is not None and latest[2]:
                return _log(
                    cursor,
                    centre,
                    badge.person_id,
                    DoorEvent.Kind.REPEAT,
                    _("Already recorded a moment ago."),
                    at,
                )
            if latest is not None and latest[1]:
                cursor.execute(
                    "UPDATE centre_presence SET exited_at = %s WHERE id = %s AND exited_at IS NULL",
                    [at, latest[0]],
                )
                if cursor.rowcount:
                    cursor.execute(
                        "UPDATE centre_centre SET occupancy = occupancy - 1 WHERE id = %s",
                        [centre.pk],
                    )
                    return _log(
                        cursor,
                        centre,
                        badge.person_id,
                        DoorEvent.Kind.EXIT,
                        _("Goodbye, %(name)s.") % {"name": badge.first_name},
                        at,
                    )
                return _log(
                    cursor,
                    centre,
                    badge.person_id,
                    DoorEvent.Kind.REPEAT,
                    _("Already recorded a moment ago."),
                    at,
                )
            try:
                with transaction.atomic():
                    cursor.execute(
                        "UPDATE centre_centre SET occupancy = occupancy + 1 WHERE id = %s"
                        " RETURNING occupancy, max_occupancy",
                        [centre.pk],
                    )
                    counts = cursor.fetchone()
                    cursor.execute(
                        "INSERT INTO centre_presence (centre_id, person_id, entered_at) VALUES (%s, %s, %s)",
                        [centre.pk, badge.person_id, at],
                    )
            except IntegrityError:
                cursor.execute(
                    "SELECT 1 FROM centre_presence WHERE person_id = %s AND exited_at IS NULL",
                    [badge.person_id],
                )
                if cursor.fetchone():
                    return _log(
                        cursor,
                        centre,
                        badge.person_id,
                        DoorEvent.Kind.REPEAT,
                        _("Already recorded a moment ago."),
                        at,
                    )
                return _log(
                    cursor,
                    centre,
                    badge.person_id,
                    DoorEvent.Kind.FULL,
                    _("The building is full (%(max)s people). Please wait for someone to leave.")
                    % {"max": centre.max_occupancy},
                    at,
                )
            return _log(
                cursor,
                centre,
                badge.person_id,
                DoorEvent.Kind.ENTRY,
                _("Welcome, %(name)s.") % {"name": badge.first_name},
                at,
                counts=counts,
            )


def _log(cursor, centre, person_id, kind, message, at, detail="", counts=None) -> ScanResult:
    if counts is None:
        cursor.execute(
            "SELECT occupancy, max_occupancy FROM centre_centre WHERE id = %s", [centre.pk]
        )
        counts = cursor.fetchone()
    occupancy, maximum = counts
    if isinstance(centre, DoorCentre):
        centre._max = maximum
    cursor.execute(
        "INSERT INTO centre_doorevent (centre_id, person_id, kind, at, occupancy, detail) VALUES (%s, %s, %s, %s, %s, %s)",
        [centre.pk, person_id, str(kind), at, occupancy, detail[:200]],
    )
    return ScanResult(str(kind), message, occupancy, person_id)


@transaction.atomic
def door_close_day(*, centre: Centre, actor, now=None) -> int:
    """At closing time: everyone still marked inside is checked out (the count starts at 0)."""
    now = now or timezone.now()
    n = Presence.objects.filter(centre=centre, exited_at__isnull=True).update(exited_at=now)
    Centre.objects.filter(pk=centre.pk).update(occupancy=0)
    audit_record(actor=actor, action="door_close_day", centre=centre, detail={"closed": n})
    return n


@transaction.atomic
def year_plan_save(
    *,
    centre: Centre,
    year: int,
    running_budget_mad,
    investment_mad,
    targets: dict[str, float],
    actor,
):
    """Record a year's running budget, the investment and its targets (indicator code → target).
    Raises ValidationError and writes nothing on a bad figure: an unknown indicator, a negative
    amount or target, a rate above 100 %."""
    from django.core.exceptions import ValidationError

    from markaz.engine import indicators as dictionary

    from .models import YearPlan

    problems = []
    if not 2000 <= year <= 2100:
        problems.append(_("The year %(year)s is not plausible.") % {"year": year})
    for code, value in targets.items():
        try:
            ind = dictionary.indicator(code)
        except ValueError:
            problems.append(_("There is no indicator “%(code)s”.") % {"code": code})
            continue
        if value < 0 or (ind.unit == "percent" and value > 100):
            problems.append(
                _("The target of “%(code)s” must be between 0 and %(max)s.")
                % {"code": code, "max": 100 if ind.unit == "percent" else "∞"}
            )
    if problems:
        raise ValidationError(problems)
    plan, _created = YearPlan.objects.get_or_create(centre=centre, year=year)
    plan.running_budget_mad = running_budget_mad
    plan.investment_mad = investment_mad
    plan.targets = dict(sorted(targets.items()))
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor, action="year_plan_save", centre=centre, obj=plan, detail={"year": year}
    )
    return plan
