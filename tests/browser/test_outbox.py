"""The coordinator's Messages page in real headless Chromium, on a phone, in French and Arabic:
filter the failed ones and send one again."""

import pytest

from markaz.core.models import OutboxMessage
from markaz.core.outbox import outbox_queue, sms_opt_out
from markaz.core.roles import Role
from tests.factories import CentreFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_sends_a_failed_message_again_on_a_phone(
    live_server, territory, phone, screenshot
):
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    staff("coordinator", Role.COORDINATOR, centre)
    texts = [
        "مركز بركان: لديك مقعد في تطوير الويب (الفوج WEB-A26). اقبل أو ارفض قبل 14/12/2026",
        "Centre de Berkane : une place s'est libérée pour vous en Marketing digital.",
        "مركز بركان: ستزور قافلة «البرمجة للجميع» مدرسة الأمل يوم 09/12/2026 من 09:00 إلى 11:00.",
    ]
    for i, text in enumerate(texts):
        outbox_queue(kind="offer", body=text, centre=centre, phone=f"+21261200001{i}", key=f"o{i}")
    OutboxMessage.objects.filter(phone="+212612000010").update(status="delivered")
    OutboxMessage.objects.filter(phone="+212612000011").update(
        status="failed", attempts=3, last_error="Absent subscriber"
    )
    sms_opt_out(phone="+212612000012", source="reply", text="STOP")

    page = phone
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + "/outbox/")
    assert page.locator("#outbox-table tbody tr").count() == 3
    screenshot(page, "outbox-fr-phone")

    page.locator("#outbox-status a[data-status=failed]").click()
    page.wait_for_url("**status=failed**")
    assert page.locator("#outbox-table tbody tr").count() == 1
    page.locator("#outbox-table tbody tr button[type=submit]").click()
    page.wait_for_url("**/outbox/**")
    assert OutboxMessage.objects.get(phone="+212612000011").status == "queued"

    page.goto(live_server.url + "/outbox/")
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")
    assert "الرسائل" in page.locator("h1").inner_text()
    assert page.locator("#opt-outs li").count() == 1
    screenshot(page, "outbox-ar-phone")
