import logging
import os
from pathlib import Path

import pytest

from markaz.core.roles import Role

from .factories import CentreFactory, RoomFactory, make_cohort, staff


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Arabic leaves Arabic active in the thread: each test starts in French."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.activate("fr")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and cached sessions live in the cache: each test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _first_run_flag():
    """The "set up" flag is cached per process: each test's database is asked again."""
    from markaz.centre.setup import forget_set_up

    forget_set_up()
    yield
    forget_set_up()


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(caplog):
    """A test that logs an error fails (ARCHITECTURE.md, conventions 8)."""
    yield
    errors = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.name not in ("django.request", "axes.watch_login")
    ]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture(autouse=True, scope="session")
def _flush_passes_the_read_log():
    """The read log is append-only down to the database (triggers refuse DELETE). A
    transactional test (browser, concurrency) empties every table with Django's `flush` when it
    ends: on SQLite that is a DELETE, so the flush lifts the read log's triggers for its own
    statements and puts them back. Nothing in the application does this."""
    from django.core.management.commands import flush
    from django.db import connections

    from markaz.core import db_triggers

    handle = flush.Command.handle

    def handle_without_triggers(self, **options):
        connection = connections[options.get("database") or "default"]
        db_triggers.execute(connection, creating=False)
        try:
            return handle(self, **options)
        finally:
            db_triggers.execute(connection, creating=True)

    flush.Command.handle = handle_without_triggers
    yield
    flush.Command.handle = handle


@pytest.fixture
def territory(db):
    """Berkane's communes. A data migration loads them, but a transactional test (browser,
    concurrency) empties the tables when it ends, so load them again where missing."""
    from markaz.territory.models import Commune, Province
    from markaz.territory.services import province_load_berkane

    if Commune.objects.count() < 16:
        province_load_berkane(province_model=Province, commune_model=Commune)


@pytest.fixture
def centre(territory):
    centre = CentreFactory(code="berkane", name_fr="Centre de Berkane", name_ar="مركز بركان")
    RoomFactory(centre=centre, capacity=24)
    return centre


@pytest.fixture
def other_centre(territory):
    return CentreFactory(code="ahfir")


# --- Programmes and cohorts: one set for every app's tests ----------------------------------------


@pytest.fixture
def rule(centre):
    from markaz.engine.scoring import DEFAULT_RULE
    from markaz.programmes.models import ScoringRuleVersion

    return ScoringRuleVersion.objects.create(
        centre=centre,
        version=DEFAULT_RULE.version,
        weights=DEFAULT_RULE.weights,
        rsu_threshold=9.74,
    )


@pytest.fixture
def programme(centre):
    from markaz.programmes.models import Programme

    return Programme.objects.create(
        centre=centre,
        title_fr="Développement web",
        title_ar="تطوير الويب",
        track="web",
        hours=300,
        duration_weeks=16,
        goal="wage_job",
        teaching_language="fr",
        schedule_pattern="evening",
    )


@pytest.fixture
def cohorts(centre, programme):
    """Three cohorts starting after the campaign (seats 2, 2 and 1; one seat of C1 for women)."""
    return [
        make_cohort(centre, programme, "C1", 2, reserves=[("women", 1)]),
        make_cohort(centre, programme, "C2", 2),
        make_cohort(centre, programme, "C3", 1, pattern="daytime"),
    ]


@pytest.fixture
def campaign(centre, rule, cohorts):
    import datetime as dt

    from markaz.programmes.models import Campaign

    campaign = Campaign.objects.create(
        centre=centre,
        name_fr="Rentrée",
        name_ar="الدخول",
        opens_on=dt.date(2026, 8, 1),
        closes_on=dt.date(2026, 9, 15),
        scoring_rule=rule,
        offer_days=7,
    )
    campaign.cohorts.set(cohorts)
    return campaign


@pytest.fixture
def cohort(centre, programme):
    """A running daytime cohort, WEB-A26: started 60 days ago, ends in 50 days, 20 seats."""
    import datetime as dt

    from django.utils import timezone

    from markaz.programmes.models import Cohort

    today = timezone.localdate()
    return Cohort.objects.create(
        centre=centre,
        programme=programme,
        code="WEB-A26",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=50),
        seats=20,
        schedule_pattern="daytime",
        status="running",
    )


@pytest.fixture
def coordinator(centre):
    return staff("coordinator", Role.COORDINATOR, centre)


@pytest.fixture
def admin_user(centre):
    return staff("admin", Role.ADMIN, centre)


@pytest.fixture
def trainer(centre):
    return staff("trainer", Role.TRAINER, centre)


@pytest.fixture
def mentor(centre):
    return staff("mentor", Role.MENTOR, centre)


@pytest.fixture
def caravan_staff(centre):
    return staff("caravan", Role.CARAVAN, centre)


@pytest.fixture
def provincial_viewer(db):
    return staff("province", Role.PROVINCIAL, None)


@pytest.fixture
def other_trainer(other_centre):
    """A trainer of another centre."""
    return staff("trainer-ahfir", Role.TRAINER, other_centre)


@pytest.fixture
def other_coordinator(other_centre):
    return staff("coordinator-ahfir", Role.COORDINATOR, other_centre)


# --- Real Chromium (Playwright driving Debian's /usr/bin/chromium) ---------------------------

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
# are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def _browser_zone() -> str:
    """The zone whose clock matches the server's now. Chromium's own data for
    Africa/Casablanca lags Python's (it shows UTC+0 while Morocco is on UTC+1), so the browser
    gets the fixed offset the server uses at this moment."""
    from django.utils import timezone

    hours = int(timezone.localtime().utcoffset().total_seconds() // 3600)
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


# Content-Security-Policy violations Chromium reported in any page's console (a blocked inline
# script, handler, style element or foreign load). tests/browser/conftest.py fails the test.
CSP_VIOLATIONS: list[str] = []


def _watch_csp(page) -> None:
    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            CSP_VIOLATIONS.append(f"{page.url}: {text}")

    page.on("console", on_console)


@pytest.fixture(autouse=True)
def _no_csp_violation(request):
    """A browser test fails if Chromium reported a Content-Security-Policy violation in any
    page's console: a script, handler or style the policy blocked is a feature that silently
    stopped working."""
    uses_browser = {"browser", "phone"} & set(request.fixturenames)
    CSP_VIOLATIONS.clear()
    yield
    found = list(CSP_VIOLATIONS)
    CSP_VIOLATIONS.clear()
    assert not (uses_browser and found), found


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        # Every page reads the centre's clock, as the kiosk and the caravan tablet do in
        # Morocco: "today" is the same day for the page and the server, even near midnight UTC.
        new_context = browser.new_context

        def new_context_in_centre_time(**options):
            options.setdefault("timezone_id", _browser_zone())
            context = new_context(**options)
            context.on("page", _watch_csp)
            return context

        browser.new_context = new_context_in_centre_time
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 × 844, touch)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
