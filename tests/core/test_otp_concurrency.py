"""A code works once even when several requests type it at the same moment: the one UPDATE that
marks it used only matches while it is unused (run on SQLite and PostgreSQL)."""

import re
import threading

import pytest
from django.db import connection
from django.test import RequestFactory

from markaz.core.models import OneTimeCode, OutboxMessage
from markaz.core.otp import OtpRefused, otp_issue, otp_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_uses_of_one_code_let_exactly_one_through():
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    otp_issue(
        purpose="results",
        subject="person:1",
        phone="+212612345667",
        identity="AB1",
        request=request,
    )
    code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(kind="otp").body).group(1)
    n = 6
    barrier = threading.Barrier(n)
    outcomes, lock = [], threading.Lock()

    def use():
        try:
            barrier.wait()
            try:
                otp_verify(purpose="results", subject="person:1", code=code, request=request)
                result = "ok"
            except OtpRefused:
                result = "refused"
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * (n - 1)
    assert OneTimeCode.objects.filter(used_at__isnull=False).count() == 1
