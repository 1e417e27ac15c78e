"""What a badge carries, and how the door checks it.

- The QR code holds a signed token: the badge code and the badge's issue time, signed with the
  secret key (django.core.signing's TimestampSigner format), so the door refuses a token older
  than MARKAZ_BADGE_MAX_AGE_DAYS without reading anything.
- The typed form (printed under the QR code, for when the camera fails) is the badge code and a
  short check group: an HMAC of the code under the secret key, in an unambiguous alphabet. A
  bare code, read off someone's badge or guessed, is refused: only the server can compute the
  check group, and it is compared in constant time.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

BADGE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CHECK_LENGTH = 5  # 31**5: about 28.6 million possible check groups per code
# A new salt: tokens printed before issue times were signed (plain Signer) no longer open the door.
TOKEN_SALT = "markaz.badge.v2"
CHECK_SALT = "markaz.badge.check"


class _IssuedSigner(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is the badge's issue time, not the time of printing, so
    every print of one badge carries the same token and its age counts from the issue."""

    def __init__(self, *, issued_at: dt.datetime | None = None):
        super().__init__(salt=TOKEN_SALT)
        self._issued_at = issued_at

    def timestamp(self) -> str:
        if self._issued_at is None:
            return super().timestamp()
        return signing.b62_encode(int(self._issued_at.timestamp()))


def max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.MARKAZ_BADGE_MAX_AGE_DAYS)


def token_for(code: str, issued_at: dt.datetime) -> str:
    """What the QR code holds (never the CIN)."""
    return _IssuedSigner(issued_at=issued_at).sign(code)


class BadgeExpired(Exception):
    pass


def code_from_token(token: str) -> str:
    """The badge code a QR token names. Raises signing.BadSignature for a token we did not sign
    (or an older, untimed one) and BadgeExpired for one past the badge lifetime."""
    try:
        return _IssuedSigner().unsign(token, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise BadgeExpired from exc
    except ValueError as exc:  # signed, but without a timestamp: the old format
        raise signing.BadSignature from exc


def check_group(code: str) -> str:
    digest = salted_hmac(CHECK_SALT, code, algorithm="sha256").digest()
    number = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(CHECK_LENGTH):
        number, index = divmod(number, len(BADGE_ALPHABET))
        out.append(BADGE_ALPHABET[index])
    return "".join(out)


def typed_form(code: str) -> str:
    """The code as printed for typing: ABCD-EFGH-K7M2P (groups of four, then the check)."""
    groups = [code[i : i + 4] for i in range(0, len(code), 4)]
    return "-".join([*groups, check_group(code)])


def normalise_typed(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def code_from_typed(raw: str) -> str | None:
    """The badge code of a typed form whose check group is right, else None (a bare code, a
    typo, a guess)."""
    typed = normalise_typed(raw)
    if len(typed) <= CHECK_LENGTH:
        return None
    code, check = typed[:-CHECK_LENGTH], typed[-CHECK_LENGTH:]
    if not constant_time_compare(check, check_group(code)):
        return None
    return code
