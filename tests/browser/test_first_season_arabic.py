"""The whole first season on an empty install, in real headless Chromium, in Arabic throughout:
the first-run page sets up the centre and its coordinator; the coordinator publishes the first
priority rule and opens a programme, a cohort and a campaign; three youth apply on their phones;
when the window has closed the coordinator allocates the seats, reviews the run and publishes;
one placed youth accepts, another declines and the seat goes to the waiting list.

Nothing is created by factories but the communes; the only step not done through the screens is
the passing of time (the campaign's dates are moved back, since a live server's clock cannot be).
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from markaz.centre.models import Centre, Room
from markaz.core.outbox import normalize_phone
from markaz.core.roles import Role
from markaz.engine.scoring import DEFAULT_RULE
from markaz.learning.models import CompletionRule
from markaz.programmes.models import (
    AllocationRun,
    Application,
    Campaign,
    Cohort,
    CohortReserve,
    Enrolment,
    Offer,
    Programme,
    ScoringRuleVersion,
    WaitlistEntry,
)
from markaz.registry.models import Person
from tests.factories import sms_code, type_apply_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Ahfir-markaz-2027"

# Three youth: a woman from a rural commune (unemployed), a man from Berkane (unemployed), and a
# worker from Ahfir. With the default rule their scores are 6, 4 and 1: the first two are placed
# on the cohort's two seats, the worker waits.
YOUTH = [
    {
        "first_latin": "Fatima",
        "last_latin": "Ziani",
        "first_ar": "فاطمة",
        "last_ar": "الزياني",
        "cin": "fb 204 118",
        "birth": "2002-03-14",
        "sex": "F",
        "phone": "06 61 20 41 18",
        "commune": "rislane",
        "activity": "unemployed",
        "education": "bac",
    },
    {
        "first_latin": "Youssef",
        "last_latin": "Bennani",
        "first_ar": "يوسف",
        "last_ar": "بناني",
        "cin": "FB310522",
        "birth": "1999-11-02",
        "sex": "M",
        "phone": "0662310522",
        "commune": "berkane",
        "activity": "unemployed",
        "education": "vocational",
    },
    {
        "first_latin": "Karim",
        "last_latin": "Ouazzani",
        "first_ar": "كريم",
        "last_ar": "الوزاني",
        "cin": "F 477 903",
        "birth": "1996-07-21",
        "sex": "M",
        "phone": "0670477903",
        "commune": "ahfir",
        "activity": "worker",
        "education": "university",
    },
]


def _cin(raw: str) -> str:
    return raw.replace(" ", "").upper()


def _rtl(page) -> None:
    """Arabic, right to left, and nothing wider than the phone's screen."""
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (page.url, width)


def _new_phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _to_arabic(page) -> None:
    page.locator("#language-switcher button[value=ar]").first.click()
    page.wait_for_selector("html[dir=rtl]")


def _set_up_the_centre(page, base, screenshot) -> Centre:
    page.goto(base + "/")
    page.wait_for_selector("#setup-form")
    assert page.url.endswith("/setup/")
    _to_arabic(page)
    page.fill("#id_centre-name_fr", "Centre d'innovation numérique d'Ahfir")
    page.fill("#id_centre-name_ar", "مركز الابتكار الرقمي بأحفير")
    page.select_option("#id_centre-commune", label="أحفير")
    page.fill("#id_centre-address", "شارع الحسن الثاني")
    page.fill("#id_centre-phone", "0536 61 00 11")
    page.fill("#id_centre-max_occupancy", "60")
    page.uncheck("#id_hours-6-open")  # closed on Sundays
    page.fill("#id_rooms-0-name_fr", "Salle de formation 1")
    page.fill("#id_rooms-0-name_ar", "قاعة التكوين 1")
    page.select_option("#id_rooms-0-kind", "training")
    page.fill("#id_rooms-0-capacity", "24")
    page.fill("#id_rooms-1-name_fr", "Salle d'encadrement")
    page.fill("#id_rooms-1-name_ar", "قاعة التأطير")
    page.select_option("#id_rooms-1-kind", "mentoring")
    page.fill("#id_rooms-1-capacity", "10")
    page.fill("#id_coordinator-username", "samira")
    page.fill("#id_coordinator-first_name", "Samira")
    page.fill("#id_coordinator-last_name", "El Amrani")
    page.fill("#id_coordinator-password1", PASSWORD)
    page.fill("#id_coordinator-password2", PASSWORD)
    page.select_option("#id_coordinator-language", "ar")
    page.fill("#id_coordinator-phone", "0661 00 11 22")
    screenshot(page, "season-1-setup-ar")
    page.locator("#setup-form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    _rtl(page)
    assert "مركز الابتكار الرقمي بأحفير" in page.locator("main").inner_text()
    assert page.locator("#synthetic-footer").count() == 0  # real people, not the demo's
    screenshot(page, "season-1-dashboard-ar")

    centre = Centre.objects.get()
    assert centre.commune.code == "ahfir"
    assert Room.objects.filter(centre=centre).count() == 2
    samira = get_user_model().objects.get(username="samira")
    assert samira.staff_profile.centre == centre
    assert samira.staff_profile.role == Role.COORDINATOR
    return centre


def _publish_the_first_rule(page, base, screenshot, centre) -> ScoringRuleVersion:
    # From the dashboard, the menu leads to the programmes page, which lists the steps of a
    # first season; the first one is the priority rule.
    page.locator("button.navbar-toggler").click()
    page.locator("nav a[href='/programmes/']").click()
    page.wait_for_selector("#first-season")
    _rtl(page)
    steps = page.locator("#first-season li")
    assert steps.count() == 4 and page.locator("#first-season .badge").count() == 0
    screenshot(page, "season-2-first-steps-ar")
    page.locator("#step-rule a").click()
    page.wait_for_selector("#scoring-form")
    _rtl(page)
    assert "لم تُنشر أي قاعدة بعد" in page.locator("#rule-versions").inner_text()
    # On an empty install the form proposes the published default rule, not zeros.
    for criterion, points in DEFAULT_RULE.weights.items():
        assert float(page.input_value(f"#id_w_{criterion}")) == points
    assert page.input_value("#id_version") == DEFAULT_RULE.version
    page.fill("#id_note", "القاعدة الأولى للمركز")
    screenshot(page, "season-2-rule-ar")
    page.locator("#scoring-form button[type=submit]").click()
    page.wait_for_selector("#rule-versions .badge")
    page.wait_for_selector(".alert-success")
    rule = ScoringRuleVersion.objects.get()
    assert rule.centre == centre and rule.version == DEFAULT_RULE.version
    assert {k: float(v) for k, v in rule.weights.items() if v} == {
        k: float(v) for k, v in DEFAULT_RULE.weights.items()
    }
    assert rule.note == "القاعدة الأولى للمركز"
    return rule


def _open_the_season(page, base, screenshot, centre, rule):
    # The programme, from the programmes page: the rule is now marked done.
    page.goto(base + "/programmes/")
    page.wait_for_selector("#season-actions")
    _rtl(page)
    assert page.locator("#step-rule .badge").count() == 1
    page.locator("#step-programme a").click()
    page.wait_for_selector("#programme-form")
    page.fill("#id_title_fr", "Développement web")
    page.fill("#id_title_ar", "تطوير الويب")
    page.select_option("#id_track", "web")
    page.fill("#id_hours", "240")
    page.fill("#id_duration_weeks", "12")
    page.select_option("#id_goal", "wage_job")
    page.select_option("#id_schedule_pattern", "evening")
    page.fill("#id_teaching_language", "العربية والفرنسية")
    page.fill("#id_completion-min_attendance_percent", "80")
    screenshot(page, "season-2-programme-ar")
    page.locator("#programme-form button[type=submit]").click()
    page.wait_for_selector("#season-actions")
    programme = Programme.objects.get()
    assert (programme.centre, programme.title_ar, programme.hours) == (centre, "تطوير الويب", 240)
    assert CompletionRule.objects.get(programme=programme).min_attendance_percent == 80
    assert "تطوير الويب" in page.locator("main").inner_text()

    # A cohort starting in about sixty days: two seats, one of them reserved for a woman.
    page.locator("#step-cohort a").click()
    page.wait_for_selector("#cohort-form")
    start = timezone.localdate() + dt.timedelta(days=60)
    page.select_option("#id_programme", str(programme.pk))
    page.fill("#id_code", "WEB-E27")
    page.select_option("#id_schedule_pattern", "evening")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", (start + dt.timedelta(weeks=12)).isoformat())
    page.fill("#id_seats", "2")
    page.fill("#id_reserve_women", "1")
    screenshot(page, "season-2-cohort-ar")
    page.locator("#cohort-form button[type=submit]").click()
    page.wait_for_selector("#cohort-edit")
    _rtl(page)
    cohort = Cohort.objects.get()
    assert (cohort.code, cohort.seats, cohort.start_date) == ("WEB-E27", 2, start)
    reserves = CohortReserve.objects.filter(cohort=cohort, seats__gt=0)
    assert [(r.group, r.seats) for r in reserves] == [("women", 1)]

    # The campaign: opens today, closes ten days before the cohort starts.
    page.goto(base + "/programmes/")
    page.locator("#step-campaign a").click()
    page.wait_for_selector("#campaign-form")
    today = timezone.localdate()
    page.fill("#id_name_fr", "Rentrée d'automne 2027")
    page.fill("#id_name_ar", "دخول خريف 2027")
    page.fill("#id_opens_on", today.isoformat())
    page.fill("#id_closes_on", (start - dt.timedelta(days=10)).isoformat())
    page.fill("#id_offer_days", "5")
    page.fill("#id_max_choices", "1")
    page.locator("#id_cohorts_0").check()
    screenshot(page, "season-2-campaign-ar")
    page.locator("#campaign-form button[type=submit]").click()
    page.wait_for_selector("#campaign-edit")
    _rtl(page)
    campaign = Campaign.objects.get()
    assert list(campaign.cohorts.all()) == [cohort]
    assert campaign.scoring_rule == rule and campaign.opens_on == today
    assert "WEB-E27" in page.locator("#campaign-cohorts").inner_text()
    # Every step done: the guide gives way to the season.
    page.goto(base + "/programmes/")
    page.wait_for_selector("#season-actions")
    assert page.locator("#first-season").count() == 0
    return programme, cohort, campaign


def _apply(browser, base, screenshot, youth: dict, cohort, n: int) -> None:
    context, page = _new_phone(browser)
    try:
        page.goto(base + "/")
        _to_arabic(page)
        page.locator("main a[href='/apply/']").first.click()
        page.wait_for_selector("#ranking")
        _rtl(page)
        # The 09-08 notice names the centre that collects the data: this one, not Berkane's.
        assert "يجمع مركز الابتكار الرقمي بأحفير" in page.locator("#notice").inner_text()
        page.fill("#id_first_name_latin", youth["first_latin"])
        page.fill("#id_last_name_latin", youth["last_latin"])
        page.fill("#id_first_name_ar", youth["first_ar"])
        page.fill("#id_last_name_ar", youth["last_ar"])
        page.fill("#id_cin", youth["cin"])
        page.fill("#id_birth_date", youth["birth"])
        page.check(f"input[name=sex][value={youth['sex']}]")
        page.fill("#id_phone", youth["phone"])
        page.select_option("#id_commune", youth["commune"])
        page.select_option("#id_activity_status", youth["activity"])
        page.select_option("#id_education_level", youth["education"])
        page.select_option("#id_rank-choice_1", str(cohort.pk))
        page.check("#id_consent")
        if n == 0:
            screenshot(page, "season-3-apply-ar-phone")
        page.locator("main form button[type=submit]").click()
        type_apply_code(
            page,
            normalize_phone(youth["phone"]),
            screenshot if n == 0 else None,
            "season-3-code-ar-phone",
        )
        page.wait_for_selector("[role=status]")
        assert "/thanks/" in page.url
        _rtl(page)
        assert "تطوير الويب" in page.locator("main").inner_text()
        if n == 0:
            screenshot(page, "season-3-thanks-ar-phone")
    finally:
        context.close()
    person = Person.objects.get(cin=_cin(youth["cin"]))
    assert person.eligible and person.commune.code == youth["commune"]
    assert (person.sex, person.source, person.first_name_ar) == (
        youth["sex"],
        "public",
        youth["first_ar"],
    )
    application = Application.objects.get(person=person)
    assert [c.cohort for c in application.choices.all()] == [cohort]


def _results(browser, base, screenshot, youth: dict, name: str):
    context, page = _new_phone(browser)
    page.goto(base + "/")
    _to_arabic(page)
    page.locator("button.navbar-toggler").click()  # the menu's "My result"
    page.locator("nav a[href='/results/']").click()
    page.wait_for_selector("#id_cin")
    _rtl(page)
    page.fill("#id_cin", youth["cin"])
    page.fill("#id_birth_date", youth["birth"])
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#explanation")
    _rtl(page)
    # CIN and birth date show the result; answering needs the code sent by SMS to the phone of
    # the application (named by its last two digits only), read here from the outbox.
    phone = normalize_phone(youth["phone"])
    sent = page.locator("#code-sent").inner_text()
    assert phone[-2:] in sent and phone[-6:] not in sent
    assert page.locator("form[action$='/accept/']").count() == 0
    page.fill("#id_code", sms_code(phone))
    page.locator("form[action$='/results/verify/'] button[type=submit]").click()
    page.wait_for_selector("#code-card", state="detached")
    page.wait_for_selector("#explanation")
    _rtl(page)
    screenshot(page, name)
    return context, page


def test_first_season_on_an_empty_install_in_arabic(
    live_server, territory, browser, screenshot, settings, tmp_path
):
    settings.MARKAZ_SYNTHETIC_DATA = False  # a real centre, as `MARKAZ_DEMO=0 make run` sets
    settings.MARKAZ_SMS_FILE = tmp_path / "sms-outbox.log"  # the codes are delivered at once
    base = live_server.url
    assert not Centre.objects.exists() and not get_user_model().objects.exists()

    # 1. The empty install: /setup/ creates the centre, its rooms and the coordinator.
    context, page = _new_phone(browser)
    try:
        centre = _set_up_the_centre(page, base, screenshot)

        # 2. The coordinator, in Arabic: the first priority rule, a programme, a cohort and a
        # campaign that opens today.
        rule = _publish_the_first_rule(page, base, screenshot, centre)
        _programme, cohort, campaign = _open_the_season(page, base, screenshot, centre, rule)

        # 3. Three youth apply on their phones, in Arabic.
        for n, youth in enumerate(YOUTH):
            _apply(browser, base, screenshot, youth, cohort, n)
        assert Application.objects.filter(campaign=campaign).count() == 3

        # While the window is open, the seats cannot be allocated: the page says why. The
        # campaign is reached from the programmes page.
        page.goto(base + "/programmes/")
        page.locator(f"main a[href='/campaigns/{campaign.pk}/']").click()
        page.wait_for_selector("#allocation-refused")
        _rtl(page)
        assert page.locator("#run-form").count() == 0
        assert "انتظر اختتام الحملة" in page.locator("#allocation-refused").inner_text()
        assert "3 " in page.locator("main p").first.inner_text()  # 3 applications

        # 4. A week later: the window has closed. The live server's clock cannot be moved, so
        # the campaign's dates are moved back instead (the only step not done on a screen).
        today = timezone.localdate()
        Campaign.objects.filter(pk=campaign.pk).update(
            opens_on=today - dt.timedelta(days=8), closes_on=today - dt.timedelta(days=1)
        )

        # 5. The coordinator runs the allocation, follows it, reviews the run and publishes.
        page.goto(base + f"/campaigns/{campaign.pk}/")
        page.wait_for_selector("#run-form")
        _rtl(page)
        screenshot(page, "season-5-campaign-ar")
        page.locator("#run-form button[type=submit]").click()
        page.wait_for_url("**/jobs/**")
        page.wait_for_selector("#job-progress a.btn-primary")
        _rtl(page)
        assert page.locator("#job-heading").inner_text() == "اكتملت العملية"  # work finished
        screenshot(page, "season-5-job-ar")
        run = AllocationRun.objects.get(campaign=campaign)
        assert run.status == AllocationRun.Status.READY and run.scoring_rule == rule
        page.locator("#job-progress a.btn-primary").click()
        page.wait_for_selector("#publish")
        _rtl(page)
        card = page.locator(f"#cohort-{cohort.pk}")
        placed = {o.application.person.cin for o in run.outcomes.filter(cohort=cohort)}
        fatima, youssef, karim = (_cin(y["cin"]) for y in YOUTH)
        assert placed == {fatima, youssef}
        waiting = WaitlistEntry.objects.filter(run=run, cohort=cohort).order_by("position")
        assert [w.application.person.cin for w in waiting] == [karim]
        # The cut-offs and the lists: the placed and the waiting, by name.
        summaries = card.locator("details summary")
        assert "(2)" in summaries.nth(0).inner_text()  # placed
        assert "(1)" in summaries.nth(1).inner_text()  # waiting list
        summaries.nth(0).click()
        summaries.nth(1).click()
        text = card.inner_text()
        assert "المقاعد المفتوحة" in text  # the seat each was placed on, in Arabic
        # The cut-offs: 6 on the open seat (Fatima, placed first), 4 on the seat reserved for
        # women, which no other woman asked for (Youssef); as stored, as shown.
        assert run.summary["cutoffs"][str(cohort.pk)] == {"open": 6.0, "women": 4.0}
        assert "6,0" in text and "4,0" in text
        assert " open" not in text and "women" not in text
        assert "Fatima Ziani" in text and "Youssef Bennani" in text and "Karim Ouazzani" in text
        screenshot(page, "season-5-run-ar")

        page.locator("#publish").click()
        page.wait_for_selector("#confirm-consequences")
        _rtl(page)
        consequences = page.locator("#confirm-consequences").inner_text()
        assert "سيتم إرسال 2 عروض برسائل نصية." in consequences  # 2 offers will be sent
        assert "سينتظر 1 مترشحين بدون مقعد" in consequences  # 1 waits on the waiting list
        assert not Offer.objects.exists()  # nothing published before the confirmation
        screenshot(page, "season-5-confirm-ar")
        page.locator("#confirm-button").click()
        page.wait_for_selector(".alert-success")
        _rtl(page)
        assert "عدد العروض المرسلة: 2" in page.locator(".alert-success").inner_text()
        run.refresh_from_db()
        assert run.status == AllocationRun.Status.PUBLISHED
        offers = Offer.objects.filter(run=run, status=Offer.Status.OFFERED)
        assert {o.application.person.cin for o in offers} == {fatima, youssef}
        assert page.locator("#publish").count() == 0  # published once, never again
    finally:
        context.close()

    # 6. Fatima accepts on her phone: she is enrolled and sees her badge.
    context, page = _results(browser, base, screenshot, YOUTH[0], "season-6-offer-ar-phone")
    try:
        page.locator("form[action$='/accept/'] button").click()
        page.wait_for_selector("#my-badge")
        _rtl(page)
        screenshot(page, "season-6-accepted-ar-phone")
    finally:
        context.close()
    enrolment = Enrolment.objects.get(person__cin=fatima)
    assert enrolment.cohort == cohort and enrolment.withdrawn_at is None
    assert Offer.objects.get(application__person__cin=fatima).status == Offer.Status.ACCEPTED

    # Youssef declines: the seat goes to Karim, first on the waiting list.
    context, page = _results(browser, base, screenshot, YOUTH[1], "season-6-offer2-ar-phone")
    try:
        # He holds the seat reserved for women that no woman asked for, and is told so.
        explanation = page.locator("#explanation").inner_text()
        assert "«النساء» لم يطلبه أي فرد من هذه الفئة" in explanation
        page.locator("form[action$='/decline/'] button").click()
        page.wait_for_selector(".alert-info")
        _rtl(page)
        screenshot(page, "season-6-declined-ar-phone")
    finally:
        context.close()
    assert Offer.objects.get(application__person__cin=youssef).status == Offer.Status.DECLINED
    assert not Enrolment.objects.filter(person__cin=youssef).exists()
    new_offer = Offer.objects.get(application__person__cin=karim)
    assert new_offer.status == Offer.Status.OFFERED and new_offer.cohort == cohort

    # Karim sees the offer on his phone.
    context, page = _results(browser, base, screenshot, YOUTH[2], "season-6-promoted-ar-phone")
    try:
        assert page.locator("form[action$='/accept/'] button").count() == 1
        # Told first that a seat became free for him, then what the allocation said.
        assert "WEB-E27" in page.locator("#from-waitlist").inner_text()
        _rtl(page)
    finally:
        context.close()

    # The coordinator logs in again (Arabic) and finds it all on the cohort's page: Fatima
    # enrolled, Karim's offer from the waiting list open, Youssef's declined.
    context, page = _new_phone(browser)
    try:
        page.goto(base + "/login/")
        _to_arabic(page)
        page.fill("#id_username", "samira")
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/dashboard/")
        page.goto(base + f"/cohorts/{cohort.pk}/")
        page.wait_for_selector("#enrolled")
        _rtl(page)
        assert page.locator("#enrolled li").all_inner_texts()[0].startswith("Fatima Ziani")
        main = page.locator("main").inner_text()
        assert "Karim Ouazzani" in main and "Youssef Bennani" in main
        screenshot(page, "season-6-cohort-ar")
    finally:
        context.close()


def test_first_season_guide_in_french_on_a_laptop(live_server, territory, browser, screenshot):
    """The same guide in French, on a laptop (a centre and its coordinator made by factories)."""
    from tests.factories import CentreFactory, staff

    centre = CentreFactory(code="ahfir", name_fr="Centre d'Ahfir", name_ar="مركز أحفير")
    staff("coordinator", Role.COORDINATOR, centre)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", "coordinator")
        page.fill("#id_password", "pw-test-12345")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/dashboard/")
        page.goto(live_server.url + "/programmes/")
        page.wait_for_selector("#first-season")
        assert page.locator("html").get_attribute("dir") == "ltr"
        guide = page.locator("#first-season").inner_text()
        assert "Votre première saison" in guide and "Publier la règle de priorité" in guide
        screenshot(page, "season-first-steps-fr")
    finally:
        context.close()
