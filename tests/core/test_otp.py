"""One-time codes by SMS (issue 13, "someone else's seat"): hashed, single-use, 10 minutes, a
few tries per code, limited per phone, per CIN and per client address."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation

from markaz.core.models import OneTimeCode, OutboxMessage
from markaz.core.otp import OtpRefused, otp_issue, otp_verify, phone_tail

pytestmark = pytest.mark.django_db

PHONE = "+212612345667"


def _request(remote="203.0.113.7"):
    return RequestFactory().post("/", REMOTE_ADDR=remote)


def _issue(subject="person:1", phone=PHONE, identity="AB123456", remote="203.0.113.7", **kw):
    return otp_issue(
        purpose="results",
        subject=subject,
        phone=phone,
        identity=identity,
        request=_request(remote),
        **kw,
    )


def _sent_code(phone=PHONE) -> str:
    body = OutboxMessage.objects.filter(kind="otp", phone=phone).order_by("-pk").first().body
    return re.search(r"\b(\d{6})\b", body).group(1)


def _verify(code, subject="person:1", remote="203.0.113.7"):
    return otp_verify(purpose="results", subject=subject, code=code, request=_request(remote))


def _snapshot():
    return list(OneTimeCode.objects.order_by("pk").values()), OutboxMessage.objects.count()


def test_a_code_is_six_digits_sent_by_sms_and_stored_hashed():
    row = _issue(language="fr")
    code = _sent_code()
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and len(row.code_hash) == 64
    message = OutboxMessage.objects.get(kind="otp")
    assert message.channel == "sms" and message.phone == PHONE and message.language == "fr"
    assert "10 minutes" in message.body
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)


def test_the_sms_is_in_arabic_for_an_arabic_reader():
    _issue(language="ar")
    body = OutboxMessage.objects.get(kind="otp").body
    assert re.search(r"[\u0600-\u06FF]", body) and _sent_code() in body


def test_a_code_works_once():
    _issue()
    code = _sent_code()
    row = _verify(code)
    assert row.used_at is not None
    with pytest.raises(OtpRefused) as refused:
        _verify(code)
    assert "déjà servi" in refused.value.messages[0]


def test_a_wrong_code_is_refused_and_writes_nothing():
    _issue()
    code = _sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    before = _snapshot()
    for typed in (wrong, "12", "abcdef", ""):
        with pytest.raises(OtpRefused) as refused:
            _verify(typed)
        assert "faux" in refused.value.messages[0]
    assert _snapshot() == before
    assert _verify(code).used_at is not None  # the right code still works


def test_the_refusal_is_in_arabic():
    _issue()
    with translation.override("ar"), pytest.raises(OtpRefused) as refused:
        _verify("000000" if _sent_code() != "000000" else "111111")
    assert re.search(r"[\u0600-\u06FF]", refused.value.messages[0])


def test_an_expired_code_is_refused_and_writes_nothing():
    row = _issue()
    OneTimeCode.objects.filter(pk=row.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    before = _snapshot()
    with pytest.raises(OtpRefused) as refused:
        _verify(_sent_code())
    assert "expiré" in refused.value.messages[0]
    assert _snapshot() == before


def test_after_five_wrong_tries_even_the_right_code_is_refused():
    _issue()
    code = _sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(OtpRefused):
            _verify(wrong)
    with pytest.raises(OtpRefused) as refused:
        _verify(code)
    assert "Trop d'essais faux" in refused.value.messages[0]
    assert OneTimeCode.objects.get().used_at is None


def test_a_new_code_replaces_the_old_one():
    _issue()
    old = _sent_code()
    _issue()
    new = _sent_code()
    if old != new:
        with pytest.raises(OtpRefused):
            _verify(old)
    assert _verify(new).used_at is not None


def test_a_code_of_one_subject_does_not_open_another():
    _issue(subject="person:1")
    with pytest.raises(OtpRefused):
        _verify(_sent_code(), subject="person:2")


@pytest.mark.parametrize(
    "vary",
    [
        # the same phone, from other CINs and addresses
        lambda i: {"identity": f"AB{i}", "remote": f"198.51.100.{i}"},
        # the same CIN, to other phones and from other addresses
        lambda i: {"phone": f"+21261234560{i}", "remote": f"198.51.100.{i}"},
    ],
    ids=["per-phone", "per-cin"],
)
def test_codes_are_limited_per_phone_and_per_cin(vary):
    for i in range(5):
        _issue(subject=f"person:{i}", **vary(i))
    before = _snapshot()
    with pytest.raises(OtpRefused) as refused:
        _issue(subject="person:9", **vary(9))
    assert "Trop de codes" in refused.value.messages[0]
    assert _snapshot() == before


@override_settings(MARKAZ_OTP_SENDS_PER_ADDRESS=3)
def test_codes_are_limited_per_client_address():
    for i in range(3):
        _issue(subject=f"person:{i}", phone=f"+21261234560{i}", identity=f"AB{i}")
    with pytest.raises(OtpRefused):
        _issue(subject="person:8", phone="+212612345608", identity="AB8")
    # another address is not held back by this one
    _issue(subject="person:9", phone="+212612345609", identity="AB9", remote="198.51.100.9")


def test_limits_live_in_the_shared_cache():
    for i in range(5):
        _issue(subject=f"person:{i}", remote=f"198.51.100.{i}", identity=f"AB{i}")
    cache.clear()  # what a restart of a per-process counter would do: the shared one is cleared
    _issue(subject="person:7")


def test_no_phone_no_code():
    with pytest.raises(OtpRefused) as refused:
        _issue(phone="")
    assert "pas de numéro" in refused.value.messages[0]
    assert OneTimeCode.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_only_the_last_two_digits_of_the_phone_are_shown():
    assert phone_tail("+212612345667") == "67"
    assert phone_tail("") == ""
