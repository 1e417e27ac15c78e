"""The caravan tablet in real headless Chromium: log in, open the app online (the week's visits
load), go offline (the app still opens), record two workshops, see them waiting, come back
online, let the app send them, replay the same upload, and find exactly two reports."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from markaz.caravan.models import School, Visit, VisitReport, Workshop
from markaz.core.roles import Role
from markaz.territory.models import Commune
from tests.factories import CentreFactory, staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# Replays the first upload exactly as the tablet sent it (every record, base_version 0).
REPLAY_JS = """async () => {
  const db = await new Promise((ok, ko) => {
    const r = indexedDB.open("markaz-caravan", 1); r.onsuccess = () => ok(r.result); r.onerror = ko;
  });
  const records = await new Promise((ok, ko) => {
    const r = db.transaction("reports").objectStore("reports").getAll();
    r.onsuccess = () => ok(r.result); r.onerror = ko;
  });
  const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
  const body = records.map((x) => ({client_id: x.client_id, base_version: 0, visit: x.visit, school: x.school,
    workshop: x.workshop, date: x.date, girls: x.girls, boys: x.boys, by_level: x.by_level,
    kits_used: x.kits_used, kits_broken: x.kits_broken, notes: x.notes, recorded_at: x.recorded_at}));
  const resp = await fetch("/caravan/tablet/api/reports/", {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": token}, body: JSON.stringify(body)});
  return {status: resp.status, body: await resp.json()};
}"""


@pytest.fixture
def week(territory):
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    staff("caravan", Role.CARAVAN, centre)
    robotics = Workshop.objects.create(
        code="robotique", title_fr="Robotique", title_ar="الروبوتيك", kind=Workshop.Kind.ROBOTICS
    )
    commune = Commune.objects.get(code="berkane")
    schools = [
        School.objects.create(
            code=code,
            name_fr=fr,
            name_ar=ar,
            commune=commune,
            level=level,
            area=School.Area.RURAL,
            latitude=Decimal("34.9"),
            longitude=Decimal("-2.3"),
        )
        for code, fr, ar, level in [
            ("ecole-al-amal", "École Al Amal", "مدرسة الأمل", School.Level.PRIMARY),
            ("college-ibn-sina", "Collège Ibn Sina", "إعدادية ابن سينا", School.Level.COLLEGE),
        ]
    ]
    today = timezone.localdate()
    return [
        Visit.objects.create(
            school=school, workshop=robotics, date=today, start_time=start, end_time=end
        )
        for school, start, end in [
            (schools[0], dt.time(9, 0), dt.time(11, 0)),
            (schools[1], dt.time(14, 0), dt.time(16, 0)),
        ]
    ]


def log_in(page, base):
    page.goto(base + "/login/")
    page.fill("#id_username", "caravan")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def record(page, visit, counts, kits, notes):
    page.locator(f"button[data-visit='{visit.pk}']").first.click()
    for name, value in counts.items():
        page.fill(f"input[name='{name}']", str(value))
    for name, value in kits.items():
        page.fill(f"input[name='{name}']", str(value))
    page.fill("#f-notes", notes)
    page.locator("#save").click()
    page.wait_for_function("() => document.getElementById('form-status').textContent.length > 0")


def test_record_offline_then_sync_once(live_server, week, phone, screenshot):
    page = phone
    context = page.context
    morning, afternoon = week
    log_in(page, live_server.url)

    page.goto(live_server.url + "/caravan/tablet/")
    page.wait_for_selector("#tablet[data-ready='1']")
    assert page.locator("#visits-today [data-visit]").count() == 2
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => !!r.active)")
    # The service worker has kept the shell: the app opens without network.
    page.reload()
    page.wait_for_selector("#tablet[data-ready='1']")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")

    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#tablet[data-ready='1']")
    assert page.locator("#net").inner_text() == "Offline" or page.locator("#net").inner_text()
    assert page.locator("#visits-today [data-visit]").count() == 2  # from IndexedDB

    record(
        page,
        morning,
        {"g-5AP-girls": 8, "g-5AP-boys": 5, "g-6AP-girls": 6, "g-6AP-boys": 7},
        {"k-robotics-used": 6, "k-robotics-broken": 1},
        "Salle sans prises électriques.",
    )
    record(page, afternoon, {"g-1AC-girls": 11, "g-1AC-boys": 13}, {"k-laptop-used": 12}, "")
    page.wait_for_function(
        "() => document.getElementById('pending-count').textContent === '2'"
    )  # IndexedDB writes are async
    assert page.locator("#records [data-state='pending']").count() == 2
    assert not VisitReport.objects.exists()
    screenshot(page, "caravan-tablet-offline-fr-phone")

    context.set_offline(False)  # the online event sends the queue
    page.wait_for_function("() => document.getElementById('pending-count').textContent === '0'")
    page.wait_for_selector("#records [data-state='sent'] >> nth=1")
    assert VisitReport.objects.count() == 2
    first = VisitReport.objects.get(visit=morning)
    assert (first.girls, first.boys, first.kits_used, first.kits_broken) == (
        14,
        12,
        {"robotics": 6},
        {"robotics": 1},
    )
    assert first.by_level == {"5AP": {"girls": 8, "boys": 5}, "6AP": {"girls": 6, "boys": 7}}
    assert set(Visit.objects.values_list("status", flat=True)) == {Visit.Status.DONE}

    # The same upload again (say its answer was lost on the way): nothing new on the server.
    replay = page.evaluate(REPLAY_JS)
    assert replay["status"] == 200
    assert [(r["status"], r["action"]) for r in replay["body"]["results"]] == [
        ("ok", "unchanged")
    ] * 2
    page.locator("#send-now").click()
    page.wait_for_function("() => !document.getElementById('send-now').disabled")
    assert VisitReport.objects.count() == 2
    screenshot(page, "caravan-tablet-synced-fr-phone")

    # A coordinator corrects the morning report on the server; the crew edits it on the tablet.
    from markaz.caravan import sync
    from markaz.caravan.sync import report_payload

    coordinator = staff("coordinator", Role.COORDINATOR, morning.school.commune.centres.first())
    server_copy = dict(report_payload(first), base_version=1, notes="Corrigé au bureau.")
    assert sync.visit_report_sync(user=coordinator, item=server_copy).action == "updated"
    page.locator(f"#records [data-client-id='{first.client_id}'] .edit").click()
    page.fill("#f-notes", "Corrigé sur la tablette.")
    page.locator("#save").click()
    page.wait_for_selector("#conflicts:not([hidden]) .keep-mine")
    assert VisitReport.objects.get(pk=first.pk).notes == "Corrigé au bureau."  # never overwritten
    screenshot(page, "caravan-tablet-conflict-fr-phone")
    page.locator("#conflicts .keep-mine").click()
    page.wait_for_selector("#conflicts[hidden]", state="attached")
    page.wait_for_selector(f"#records [data-client-id='{first.client_id}'][data-state='sent']")
    kept = VisitReport.objects.get(pk=first.pk)
    assert (kept.version, kept.notes) == (3, "Corrigé sur la tablette.")
    assert VisitReport.objects.count() == 2

    # The same screen in Arabic, right to left.
    page.locator("#language-switcher button[value=ar]").click()
    page.wait_for_selector("html[dir=rtl]")
    page.wait_for_selector("#tablet[data-ready='1']")
    page.locator(f"button[data-visit='{morning.pk}']").first.click()
    screenshot(page, "caravan-tablet-ar-phone")
    assert VisitReport.objects.count() == 2


def test_tablet_screens_on_a_tablet_in_both_languages(live_server, week, browser, screenshot):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, live_server.url)
        for lang in ("fr", "ar"):
            context.add_cookies(
                [{"name": "markaz_language", "value": lang, "url": live_server.url}]
            )
            page.goto(live_server.url + "/caravan/tablet/")
            page.wait_for_selector("#tablet[data-ready='1']")
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            page.locator(f"button[data-visit='{week[0].pk}']").first.click()
            page.fill("input[name='g-5AP-girls']", "300")
            page.locator("#save").click()
            page.wait_for_selector("#form-errors:not([hidden])")
            screenshot(page, f"caravan-tablet-{lang}-tablet")
        assert not VisitReport.objects.exists()
    finally:
        context.close()
