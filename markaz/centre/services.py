"""Writes for the building: badges and the door (check-in under the building cap)."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from markaz.core.services import audit_record

from . import badge_codes
from .badge_codes import BADGE_ALPHABET
from .models import Badge, Centre, DoorEvent, KioskDevice, Presence

REPEAT_WINDOW = dt.timedelta(minutes=3)


def badge_token(badge: Badge) -> str:
    """What the QR code holds: the badge code and its issue time, signed (never the CIN)."""
    return badge_codes.token_for(badge.code, badge.issued_at)


# --- Entrance tablets (kiosk devices) -------------------------------------------------------
# A tablet is paired once: a coordinator names it and gets a one-time pairing code (shown once,
# as a link and a QR code); the tablet opens the link, and the code is exchanged for the
# device's own secret, kept in a long-lived cookie on the tablet and sent with every scan.
# The database holds only SHA-256 hashes of both. No staff session is ever opened on the tablet.

KIOSK_COOKIE = "markaz_kiosk"
KIOSK_COOKIE_AGE = dt.timedelta(days=400)
KIOSK_PAIRING_AGE = dt.timedelta(minutes=15)
PAIRING_LENGTH = 12
# How stale a device's "last used" may get before a scan writes it again (once a minute at most,
# so a queue of scans does not add a write each).
KIOSK_TOUCH_EVERY = dt.timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def pairing_code_normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def kiosk_idle_age() -> dt.timedelta:
    return dt.timedelta(days=settings.MARKAZ_KIOSK_IDLE_DAYS)


def kiosk_max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.MARKAZ_KIOSK_MAX_AGE_DAYS)


def _new_pairing(device: KioskDevice, now, age: dt.timedelta, actor) -> str:
    code = "".join(secrets.choice(BADGE_ALPHABET) for _ in range(PAIRING_LENGTH))
    device.pairing_hash = _digest(code)
    device.pairing_expires_at = now + age
    device.pairing_by = actor if actor is not None and actor.is_authenticated else None
    return code


@transaction.atomic
def kiosk_device_create(
    *, centre: Centre, name: str, actor, pairing_age: dt.timedelta = KIOSK_PAIRING_AGE
) -> tuple[KioskDevice, str]:
    """A new entrance tablet for `centre`, waiting to be paired. Returns the device and its
    one-time pairing code (shown once; only its hash is kept)."""
    now = timezone.now()
    device = KioskDevice(centre=centre, name=(name or "").strip(), created_by=actor)
    code = _new_pairing(device, now, pairing_age, actor)
    device.full_clean()
    device.save()
    audit_record(actor=actor, action="kiosk_device_create", centre=centre, obj=device)
    return device, code


@transaction.atomic
def kiosk_device_pairing_renew(
    *, device: KioskDevice, actor, pairing_age: dt.timedelta = KIOSK_PAIRING_AGE
) -> str:
    """A fresh pairing code for a device not revoked (to pair a replacement tablet: pairing
    replaces the device's secret, so the old tablet stops)."""
    if device.revoked_at is not None:
        raise ValidationError(_("This tablet was revoked: pair a new one instead."))
    code = _new_pairing(device, timezone.now(), pairing_age, actor)
    device.save(update_fields=["pairing_hash", "pairing_expires_at", "pairing_by"])
    audit_record(actor=actor, action="kiosk_device_pairing", centre=device.centre, obj=device)
    return code


@transaction.atomic
def kiosk_device_pair(*, code: str) -> tuple[KioskDevice, str]:
    """Exchange a pairing code (once, before it expires) for the device's secret. Raises
    ValidationError, writing nothing, for an unknown, used or expired code."""
    normalised = pairing_code_normalise(code)
    now = timezone.now()
    device = (
        KioskDevice.objects.select_for_update()
        .filter(
            pairing_hash=_digest(normalised) if normalised else "-",
            revoked_at__isnull=True,
            pairing_expires_at__gt=now,
        )
        .first()
    )
    if device is None:
        raise ValidationError(
            _(
                "This pairing code is unknown, already used or expired. Ask a coordinator for a "
                "new one (Entrance tablets page)."
            )
        )
    secret = secrets.token_urlsafe(32)
    device.token_hash = _digest(secret)
    device.pairing_hash = None
    device.pairing_expires_at = None
    device.paired_at = now
    device.paired_by_id = device.pairing_by_id
    device.last_used_at = now
    device.save(
        update_fields=[
            "token_hash",
            "pairing_hash",
            "pairing_expires_at",
            "paired_at",
            "paired_by",
            "last_used_at",
        ]
    )
    audit_record(actor=None, action="kiosk_device_pair", centre=device.centre, obj=device)
    return device, secret


@transaction.atomic
def kiosk_device_revoke(*, device: KioskDevice, actor) -> KioskDevice:
    """Stop a tablet now: its next scan is refused."""
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.pairing_hash = None
        device.pairing_expires_at = None
        device.save(
            update_fields=["revoked_at", "revoked_by", "pairing_hash", "pairing_expires_at"]
        )
        audit_record(actor=actor, action="kiosk_device_revoke", centre=device.centre, obj=device)
    return device


_DEVICE_SQL = (
    "SELECT d.id, d.centre_id, d.last_used_at FROM centre_kioskdevice d "
    "JOIN auth_user u ON u.id = d.paired_by_id "
    "WHERE d.token_hash = %s AND d.revoked_at IS NULL AND u.is_active "
    "AND d.paired_at > %s AND d.last_used_at > %s"
)
_TOUCH_SQL = "UPDATE centre_kioskdevice SET last_used_at = %s WHERE id = %s"


def kiosk_centre_id(token: str, now=None) -> int | None:
    """The centre whose door a paired tablet's secret opens, or None: unknown, revoked, paired
    longer ago than MARKAZ_KIOSK_MAX_AGE_DAYS, unused for MARKAZ_KIOSK_IDLE_DAYS, or paired on
    the authority of a staff member whose account is now deactivated. Checked on every scan
    (one indexed read: a revoked tablet stops at its next scan); its "last used" time is written
    at most once a minute."""
    if not token or len(token) > 128:
        return None
    now = now or timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with _DoorCursor() as cursor:
        cursor.execute(
            _DEVICE_SQL,
            [_digest(token), adapt(now - kiosk_max_age()), adapt(now - kiosk_idle_age())],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        device_id, centre_id, last_used = row
        if isinstance(last_used, str):  # SQLite's driver may hand back text
            last_used = dt.datetime.fromisoformat(last_used)
        if last_used is not None and timezone.is_naive(last_used):
            last_used = last_used.replace(tzinfo=dt.UTC)
        if last_used is None or now - last_used >= KIOSK_TOUCH_EVERY:
            at = connection.ops.adapt_datetimefield_value(now)
            _write(cursor, _TOUCH_SQL, [at, device_id])
    return centre_id


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


def badges_revoke_for_person(person) -> int:
    """Stop every badge of `person` now (their identity is erased). Returns how many."""
    return Badge.objects.filter(person=person, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


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


@transaction.atomic
def cohort_badges_print(*, cohort, people: list, actor) -> list[tuple]:
    """The badges to print for `cohort`'s learners `people`: each one's current badge, a new
    one issued to those without. Recorded in the audit log (who, which cohort, how many printed,
    how many issued). Returns [(person, badge)] in the order given."""
    current = {
        b.person_id: b for b in Badge.objects.filter(person__in=people, revoked_at__isnull=True)
    }
    cards, issued = [], 0
    for person in people:
        badge = current.get(person.pk)
        if badge is None:
            badge = badge_issue(person=person, actor=actor)
            issued += 1
        cards.append((person, badge))
    audit_record(
        actor=actor,
        action="cohort_badges_print",
        centre=cohort.centre,
        obj=cohort,
        detail={"cohort": cohort.code, "printed": len(cards), "issued": issued},
    )
    return cards


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
    """What the door needs to know about a badge and its holder's last presence (one query)."""

    def __init__(self, row):
        (
            self.badge_id,
            self.revoked,
            self.expired,
            self.person_id,
            self.first_name,
            self.merged,
            self.enrolled,
            self.presence_id,
            self.inside,
            self.recent,
        ) = row


_BADGE_SQL = """
SELECT b.id, b.revoked_at IS NOT NULL OR p.anonymised_at IS NOT NULL, b.issued_at <= %s, p.id, p.first_name_latin, p.merged_into_id IS NOT NULL,
       EXISTS (SELECT 1 FROM programmes_enrolment e
               JOIN programmes_cohort c ON c.id = e.cohort_id
               WHERE e.person_id = p.id AND e.withdrawn_at IS NULL
                 AND c.centre_id = %s AND c.end_date >= %s),
       pr.id, pr.id IS NOT NULL AND pr.exited_at IS NULL,
       CASE WHEN pr.exited_at IS NULL THEN pr.entered_at > %s ELSE pr.exited_at > %s END
FROM centre_badge b JOIN registry_person p ON p.id = b.person_id
LEFT JOIN centre_presence pr ON pr.id = (
    SELECT id FROM centre_presence WHERE person_id = p.id ORDER BY entered_at DESC LIMIT 1)
WHERE b.code = %s AND b.centre_id = %s
"""


def _resolve(centre: Centre, raw: str, now: dt.datetime, cursor) -> tuple[_Badge | None, str]:
    """The badge a scan names: a QR token (signed, timed) or a typed code with its check group.
    A bare typed code is refused before any read."""
    raw = (raw or "").strip()
    if not raw:
        return None, _("No badge was read.")
    if ":" in raw:
        try:
            code = badge_codes.code_from_token(raw)
        except badge_codes.BadgeExpired:
            return None, _badge_expired()
        except signing.BadSignature:
            return None, _("This badge is not one of ours (forged or damaged).")
    else:
        code = badge_codes.code_from_typed(raw)
        if code is None:
            return None, _(
                "This code is incomplete or mistyped: type every character printed under the "
                "QR code, the last group included."
            )
    ops = connection.ops
    since = ops.adapt_datetimefield_value(now - REPEAT_WINDOW)
    cursor.execute(
        _BADGE_SQL,
        [
            ops.adapt_datetimefield_value(now - badge_codes.max_age()),
            centre.pk,
            ops.adapt_datefield_value(timezone.localdate(now)),
            since,
            since,
            code,
            centre.pk,
        ],
    )
    row = cursor.fetchone()
    if row is None:
        return None, _("Unknown badge.")
    badge = _Badge(row)
    if badge.revoked:
        return None, _("This badge was replaced by a newer one.")
    if badge.expired:
        return None, _badge_expired()
    return badge, ""


def _badge_expired() -> str:
    return _("This badge has expired: ask the reception for a new one.")


_ENTER_SQL = (
    "INSERT INTO centre_presence (centre_id, person_id, entered_at) VALUES (%s, %s, %s)"
    " ON CONFLICT (person_id) WHERE exited_at IS NULL DO NOTHING"
)
_EXIT_SQL = "UPDATE centre_presence SET exited_at = %s WHERE id = %s AND exited_at IS NULL"


class _DoorCursor:
    """The database driver's own cursor, for the door's few statements. Django's cursor wrapper
    (placeholder rewriting by regular expression, error wrapping, debug bookkeeping) cost about
    a third of a scan's time in the database; here each statement's placeholders are rewritten
    once, and the one error the door expects (the building cap's CHECK) is raised as Django's
    IntegrityError. Plain SQL with %s placeholders, run in the connection's current transaction
    (autocommit, or the caller's atomic block)."""

    _qmark_sql: dict[str, str] = {}

    def __init__(self):
        connection.ensure_connection()
        self._cursor = connection.connection.cursor()
        self._qmark = connection.vendor == "sqlite"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._cursor.close()

    def execute(self, sql: str, params: list) -> None:
        if self._qmark:
            sql = self._qmark_sql.get(sql) or self._qmark_sql.setdefault(
                sql, sql.replace("%s", "?")
            )
        try:
            self._cursor.execute(sql, params)
        except connection.Database.IntegrityError as exc:
            raise IntegrityError(*exc.args) from exc

    def fetchone(self):
        return self._cursor.fetchone()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


def door_scan(*, centre: Centre, raw: str, now=None) -> ScanResult:
    """One scan at the door: an entry, an exit, a repeat, or a refusal — always recorded: an
    entry opens a Presence and an exit closes it; a scan that changed nothing goes to the door
    log (DoorEvent), refused and forged badges included.

    The building cap is the database's: triggers keep the centre's occupancy equal to its open
    presences, and a CHECK constraint keeps it at most the maximum, so an entry past the cap
    fails as a whole however many scans arrive at once (migration centre/0007); one open
    presence per person is a unique constraint. A scan within REPEAT_WINDOW of the person's
    last entry or exit is the same event.

    This is the door's hot path (a queue of scans at opening time), so it speaks SQL directly,
    portable between SQLite and PostgreSQL: one read (the badge, its holder's enrolment and last
    presence), then one write statement — its own transaction, so SQLite's write lock is held
    only inside the database, never while the thread waits for the GIL. The read may be a moment
    old when the write runs; the write is conditional on the state it expects (no open presence
    for an entry, this presence still open for an exit), so two scans of one badge racing each
    other make one event and a repeat.
    """
    now = now or timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    with _DoorCursor() as cursor:
        badge, problem = _resolve(centre, raw, now, cursor)
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
        person_id = badge.person_id
        repeat = (DoorEvent.Kind.REPEAT, _("Already recorded a moment ago."))
        if badge.recent:
            return _log(cursor, centre, person_id, *repeat, at)
        if badge.inside:
            if not _write(cursor, _EXIT_SQL, [at, badge.presence_id]):
                # Someone else's scan of this badge got there first.
                return _log(cursor, centre, person_id, *repeat, at)
            goodbye = _("Goodbye, %(name)s.") % {"name": badge.first_name}
            return _done(centre, person_id, DoorEvent.Kind.EXIT, goodbye, _counts(cursor, centre))
        try:
            entered = _write(cursor, _ENTER_SQL, [centre.pk, person_id, at])
        except IntegrityError as exc:
            if "centre_building_cap" not in str(exc):
                raise
            counts = _counts(cursor, centre)
            full = _("The building is full (%(max)s people). Please wait for someone to leave.") % {
                "max": counts[1]
            }
            return _log(cursor, centre, person_id, DoorEvent.Kind.FULL, full, at, counts=counts)
        if not entered:  # already inside: a racing scan of this badge entered
            return _log(cursor, centre, person_id, *repeat, at)
        welcome = _("Welcome, %(name)s.") % {"name": badge.first_name}
        return _done(centre, person_id, DoorEvent.Kind.ENTRY, welcome, _counts(cursor, centre))


def _write(cursor, sql: str, params: list) -> int:
    """One write statement, its own transaction; inside a caller's transaction it gets a
    savepoint, so a refused entry leaves that transaction usable. Returns the rows written."""
    if connection.in_atomic_block:
        with transaction.atomic():
            cursor.execute(sql, params)
            return cursor.rowcount
    cursor.execute(sql, params)
    return cursor.rowcount


def _counts(cursor, centre) -> tuple[int, int]:
    cursor.execute("SELECT occupancy, max_occupancy FROM centre_centre WHERE id = %s", [centre.pk])
    return cursor.fetchone()


def _done(centre, person_id, kind, message, counts) -> ScanResult:
    """The answer to a scan; for an entry or an exit its Presence row is its whole record."""
    occupancy, maximum = counts
    if isinstance(centre, DoorCentre):
        centre._max = maximum
    return ScanResult(str(kind), message, occupancy, person_id)


def _log(cursor, centre, person_id, kind, message, at, detail="", counts=None) -> ScanResult:
    """A scan that changed nothing (a repeat, a full building, a refusal): the door log keeps it."""
    counts = counts or _counts(cursor, centre)
    cursor.execute(
        "INSERT INTO centre_doorevent (centre_id, person_id, kind, at, occupancy, detail) VALUES (%s, %s, %s, %s, %s, %s)",
        [centre.pk, person_id, str(kind), at, counts[0], detail[:200]],
    )
    return _done(centre, person_id, kind, message, counts)


@transaction.atomic
def door_close_day(*, centre: Centre, actor, now=None) -> int:
    """At closing time: everyone still marked inside is checked out (the count starts at 0)."""
    now = now or timezone.now()
    # The open presences are locked first, then closed (the triggers count each one down, so
    # the count ends at 0): an exit scanned meanwhile locks its presence, then the centre, the
    # same order, so the two can't deadlock.
    open_ids = list(
        Presence.objects.select_for_update()
        .filter(centre=centre, exited_at__isnull=True)
        .values_list("pk", flat=True)
    )
    n = Presence.objects.filter(pk__in=open_ids, exited_at__isnull=True).update(exited_at=now)
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
