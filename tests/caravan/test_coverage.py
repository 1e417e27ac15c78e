"""Coverage figures: recomputed independently from the raw rows in plain Python, on seeded
random data, they must equal the selectors; the page, the map and the XLSX show the same."""

import datetime as dt
import io
import random
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone

from markaz.caravan import coverage as cov
from markaz.caravan.models import ChildrenBooking, Kit, School, Visit, VisitReport, Workshop
from markaz.territory.models import Commune

pytestmark = pytest.mark.django_db
PERIOD = cov.Period(dt.date(2025, 9, 1), dt.date(2026, 8, 31))
LEVELS = ["primaire", "college", "lycee"]


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def make_world(seed: int, centre) -> dict:
    """Random schools, visits, reports, bookings and kits; returns the raw rows as plain dicts."""
    rng = random.Random(seed)
    communes = list(Commune.objects.all())
    workshops = [
        Workshop.objects.create(code=f"w{k}", title_fr=k, title_ar=k, kind=k)
        for k in ("robotics", "ai", "coding")
    ]
    raw = {"schools": [], "visits": [], "reports": [], "bookings": [], "kits": []}
    schools = []
    for i in range(rng.randint(5, 40)):
        commune = rng.choice(communes)
        s = School.objects.create(
            code=f"s{seed}-{i}",
            name_fr=f"École {i}",
            name_ar=f"مدرسة {i}",
            commune=commune,
            level=rng.choice(LEVELS),
            area=rng.choice(["urban", "rural"]),
            latitude=f"{34.7 + rng.random() * 0.4:.5f}",
            longitude=f"{-2.7 + rng.random() * 0.7:.5f}",
        )
        schools.append(s)
        raw["schools"].append(
            {"id": s.pk, "commune": commune.code, "level": s.level, "area": s.area}
        )

    def a_day() -> dt.date:  # around the period, edges included
        return rng.choice(
            [PERIOD.start, PERIOD.end, PERIOD.start - dt.timedelta(days=1)]
            + [PERIOD.end + dt.timedelta(days=1)]
            + [PERIOD.start + dt.timedelta(days=rng.randint(-60, 420)) for _ in range(6)]
        )

    used = set()
    for _ in range(rng.randint(0, 60)):
        s, day = rng.choice(schools), a_day()
        if (s.pk, day) in used:
            continue
        used.add((s.pk, day))
        w = rng.choice(workshops)
        status = rng.choice(["planned", "done", "cancelled"])
        v = Visit.objects.create(
            school=s,
            workshop=w,
            date=day,
            start_time=dt.time(9),
            end_time=dt.time(11),
            status=status,
        )
        raw["visits"].append({"school": s.pk, "date": day, "status": status, "kind": w.kind})
        if status == "done" and rng.random() < 0.7:
            girls, boys = rng.randint(0, 40), rng.randint(0, 40)
            broken = {k: rng.randint(0, 3) for k in rng.sample(["robotics", "laptop", "tablet"], 2)}
            VisitReport.objects.create(
                visit=v,
                school=s,
                workshop=w,
                date=day,
                girls=girls,
                boys=boys,
                kits_broken=broken,
                recorded_at=timezone.now(),
            )
            raw["reports"].append(
                {
                    "school": s.pk,
                    "date": day,
                    "girls": girls,
                    "boys": boys,
                    "broken": broken,
                    "kind": w.kind,
                }
            )
    for _ in range(rng.randint(0, 15)):  # reports without a planned visit (made up on the spot)
        s, day, w = rng.choice(schools), a_day(), rng.choice(workshops)
        girls, boys = rng.randint(0, 30), rng.randint(0, 30)
        VisitReport.objects.create(
            school=s, workshop=w, date=day, girls=girls, boys=boys, recorded_at=timezone.now()
        )
        raw["reports"].append(
            {
                "school": s.pk,
                "date": day,
                "girls": girls,
                "boys": boys,
                "broken": {},
                "kind": w.kind,
            }
        )
    for _ in range(rng.randint(0, 12)):
        s, day, w = rng.choice(schools), a_day(), rng.choice(workshops)
        hour = rng.choice([0, 9, 14, 23])
        girls, boys = rng.randint(0, 15), rng.randint(0, 15)
        ChildrenBooking.objects.create(
            centre=centre,
            school=s,
            workshop=w,
            class_label="6A",
            starts_at=_aware(day, hour),
            ends_at=_aware(day, hour) + dt.timedelta(minutes=59),
            girls=girls,
            boys=boys,
        )
        raw["bookings"].append(
            {"school": s.pk, "date": day, "girls": girls, "boys": boys, "kind": w.kind}
        )
    for kind in ("robotics", "laptop", "tablet"):
        for condition in ("good", "worn", "broken"):
            if rng.random() < 0.8:
                n = rng.randint(0, 30)
                Kit.objects.create(kind=kind, condition=condition, count=n)
                raw["kits"].append({"kind": kind, "condition": condition, "count": n})
    return raw


def recompute(raw: dict, period: cov.Period) -> dict:
    """The definitions, written again from scratch on plain rows."""

    def inside(day):
        return period.start <= day <= period.end

    reports = [r for r in raw["reports"] if inside(r["date"])]
    done = [v for v in raw["visits"] if v["status"] == "done" and inside(v["date"])]
    bookings = [b for b in raw["bookings"] if inside(b["date"])]
    school = {s["id"]: s for s in raw["schools"]}
    reached = (
        {r["school"] for r in reports}
        | {v["school"] for v in done}
        | {b["school"] for b in bookings}
    )
    by_commune, by_level, by_area = (
        defaultdict(lambda: [0, 0]),
        defaultdict(lambda: [0, 0]),
        defaultdict(lambda: [0, 0]),
    )
    for row in reports + bookings:
        s = school[row["school"]]
        for table, key in (
            (by_commune, s["commune"]),
            (by_level, s["level"]),
            (by_area, s["area"]),
        ):
            table[key][0] += row["girls"]
            table[key][1] += row["boys"]
    schools_by_commune = Counter(s["commune"] for s in raw["schools"])
    reached_by_commune = Counter(school[i]["commune"] for i in reached)
    kits = defaultdict(lambda: {"good": 0, "worn": 0, "broken": 0, "reported": 0})
    for k in raw["kits"]:
        kits[k["kind"]][k["condition"]] += k["count"]
    for r in reports:
        for kind, n in r["broken"].items():
            kits[kind]["reported"] += n
    return {
        "total": len(raw["schools"]),
        "reached": reached,
        "share": len(reached) / len(raw["schools"]),
        "girls": sum(r["girls"] for r in reports + bookings),
        "boys": sum(r["boys"] for r in reports + bookings),
        "by_commune": {c: tuple(v) for c, v in by_commune.items()},
        "schools_by_commune": dict(schools_by_commune),
        "reached_by_commune": dict(reached_by_commune),
        "by_level": {c: tuple(v) for c, v in by_level.items()},
        "by_area": {c: tuple(v) for c, v in by_area.items()},
        "workshops": len({(r["school"], r["date"]) for r in reports + done}) + len(bookings),
        "kits": {
            k: (
                v["good"],
                v["worn"],
                v["broken"],
                v["reported"],
                max(0, v["good"] + v["worn"] - v["reported"]),
            )
            for k, v in kits.items()
        },
        "never": {s["id"] for s in raw["schools"]} - reached,
    }


def nonzero(d: dict) -> dict:
    return {k: v for k, v in d.items() if any(v)}


@pytest.mark.parametrize("seed", range(8))
def test_selectors_equal_an_independent_recomputation(centre, seed):
    raw = make_world(seed, centre)
    expected = recompute(raw, PERIOD)
    got = cov.coverage_compute(PERIOD)

    assert got.schools_total == expected["total"]
    assert got.reached_ids == expected["reached"]
    assert got.share_reached == pytest.approx(expected["share"])
    assert (got.pupils.girls, got.pupils.boys) == (expected["girls"], expected["boys"])
    assert nonzero({r.code: (r.pupils.girls, r.pupils.boys) for r in got.by_commune}) == nonzero(
        expected["by_commune"]
    )
    assert {r.code: r.schools_total for r in got.by_commune} == expected["schools_by_commune"]
    assert nonzero({r.code: (r.schools_reached,) for r in got.by_commune}) == {
        c: (n,) for c, n in expected["reached_by_commune"].items()
    }
    assert nonzero({k: (c.girls, c.boys) for k, c in got.by_level.items()}) == nonzero(
        expected["by_level"]
    )
    assert nonzero({k: (c.girls, c.boys) for k, c in got.by_area.items()}) == nonzero(
        expected["by_area"]
    )
    assert sum(c.total for c in got.by_area.values()) == got.pupils.total
    assert got.workshops_held == expected["workshops"]
    assert sum(got.workshops_by_kind.values()) == got.workshops_held
    assert nonzero(
        {k.kind: (k.good, k.worn, k.broken, k.broken_reported, k.usable) for k in got.kits}
    ) == nonzero(expected["kits"])
    assert {s.pk for s in got.never_reached} == expected["never"]


def test_a_date_range_narrows_the_figures(centre):
    raw = make_world(42, centre)
    narrow = cov.Period(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    expected = recompute(raw, narrow)
    got = cov.coverage_compute(narrow)
    assert got.reached_ids == expected["reached"]
    assert (got.pupils.girls, got.pupils.boys) == (expected["girls"], expected["boys"])
    assert got.workshops_held == expected["workshops"]


def test_no_school_gives_zero_not_an_error(territory):
    got = cov.coverage_compute(PERIOD)
    assert (got.schools_total, got.share_reached, got.pupils.total, got.never_reached) == (
        0,
        0.0,
        0,
        [],
    )


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (dt.date(2025, 9, 1), dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        (dt.date(2026, 8, 31), dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        (dt.date(2026, 1, 15), dt.date(2025, 9, 1), dt.date(2026, 8, 31)),
        (dt.date(2026, 9, 1), dt.date(2026, 9, 1), dt.date(2027, 8, 31)),
    ],
)
def test_school_year_runs_from_september_to_august(today, start, end):
    assert cov.school_year(today) == cov.Period(start, end)


# --- Pages --------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.urls("tests.caravan")
@pytest.mark.parametrize(
    "persona", ["coordinator", "admin_user", "caravan_staff", "provincial_viewer"]
)
def test_the_page_shows_figures_and_one_map_marker_per_school(client, request, centre, persona):
    make_world(3, centre)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("caravan:coverage"), {"start": "2025-09-01", "end": "2026-08-31"})
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.reached_ids == cov.coverage_compute(PERIOD).reached_ids
    html = response.content.decode()
    svg = html[html.index("<svg xmlns") : html.index("</svg>", html.index("<svg xmlns")) + 6]
    markers = [c for c in ET.fromstring(svg).iter(f"{SVG}circle") if "marker" in c.get("class", "")]
    assert len(markers) == School.objects.count()
    assert Counter(m.get("data-kind") for m in markers) == {
        k: v
        for k, v in {
            "visited": figures.schools_reached,
            "unvisited": figures.schools_total - figures.schools_reached,
        }.items()
        if v
    }


@pytest.mark.urls("tests.caravan")
def test_the_default_period_is_the_current_school_year(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("caravan:coverage"))
    assert response.context["period"] == cov.school_year()


@pytest.mark.urls("tests.caravan")
@pytest.mark.parametrize("persona", ["trainer", "mentor"])
def test_people_outside_the_caravan_cannot_see_coverage(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("caravan:coverage")).status_code == 403
    assert client.get(reverse("caravan:coverage_xlsx")).status_code == 403


@pytest.mark.urls("tests.caravan")
def test_anonymous_visitors_are_sent_to_login(client, centre):  # an installed centre
    response = client.get(reverse("caravan:coverage"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.urls("tests.caravan")
def test_the_xlsx_holds_the_same_figures_as_the_selectors(client, centre, provincial_viewer):
    from openpyxl import load_workbook

    make_world(7, centre)
    client.force_login(provincial_viewer)
    response = client.get(
        reverse("caravan:coverage_xlsx"), {"start": "2025-09-01", "end": "2026-08-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    got = cov.coverage_compute(PERIOD)

    def rows(name):
        return list(wb[name].iter_rows(min_row=2, values_only=True))

    assert {"communes", "levels", "sex", "urban_rural", "never_reached", "kits"} <= set(
        wb.sheetnames
    )
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True)}
    assert got.schools_reached in summary.values() and got.workshops_held in summary.values()
    assert {r[0]: (r[2], r[3], r[4], r[5], r[6]) for r in rows("communes")} == {
        r.code: (r.schools_total, r.schools_reached, r.pupils.girls, r.pupils.boys, r.pupils.total)
        for r in got.by_commune
    }
    assert {r[0]: (r[2], r[3], r[4]) for r in rows("levels")} == {
        k: (c.girls, c.boys, c.total) for k, c in got.by_level.items()
    }
    assert {r[0]: r[2] for r in rows("sex")} == {"girls": got.pupils.girls, "boys": got.pupils.boys}
    assert {r[0]: (r[2], r[3], r[4]) for r in rows("urban_rural")} == {
        k: (c.girls, c.boys, c.total) for k, c in got.by_area.items()
    }
    assert {r[0] for r in rows("never_reached")} == {s.code for s in got.never_reached}
    assert {r[0]: r[2:] for r in rows("kits")} == {
        k.kind: (k.good, k.worn, k.broken, k.broken_reported, k.usable) for k in got.kits
    }


@pytest.mark.browser
@pytest.mark.urls("tests.caravan")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_coverage_and_bookings_on_a_phone(live_server, browser, screenshot, territory, lang):  # noqa: F811
    """Screenshots of both pages on a phone, in French and in Arabic (right to left)."""
    from markaz.centre.models import Room
    from markaz.core.roles import Role
    from tests.factories import CentreFactory, RoomFactory, staff

    centre = CentreFactory(code="berkane")
    RoomFactory(centre=centre, kind=Room.Kind.CHILDREN, name_fr="Espace enfants", capacity=30)
    staff("coordinator", Role.COORDINATOR, centre)
    make_world(5, centre)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "pw-test-12345")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + "/caravan/coverage/?start=2025-09-01&end=2026-08-31")
    if lang == "ar":
        page.locator("#language-switcher button[value=ar]").first.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("svg.province-map circle.marker").count() == School.objects.count()
    # Nothing wider than the phone's screen (tables scroll inside their own box).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"caravan-coverage-{lang}")
    page.goto(live_server.url + "/caravan/bookings/")
    page.select_option("#id_school", index=1)
    page.select_option("#id_workshop", index=1)
    page.fill("#id_class_label", "CM2-Z")
    page.fill("#id_date", "2030-01-08")
    page.fill("#id_start_time", "13:00")
    page.fill("#id_end_time", "14:30")
    page.fill("#id_girls", "10")
    page.locator("form[action$='/bookings/new/'] button[type=submit]").click()
    assert page.locator(".alert-danger").count() == 1
    assert ChildrenBooking.objects.filter(class_label="CM2-Z").count() == 0
    screenshot(page, f"caravan-booking-refused-{lang}")
    page.fill("#id_start_time", "10:00")
    page.fill("#id_end_time", "11:30")
    page.locator("form[action$='/bookings/new/'] button[type=submit]").click()
    page.wait_for_url("**/caravan/bookings/")
    assert ChildrenBooking.objects.filter(class_label="CM2-Z").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"caravan-bookings-{lang}")
    context.close()
