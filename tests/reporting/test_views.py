"""The indicator dashboard and the records behind a figure: who sees what, in French and Arabic,
small cells hidden from the province, every youth figure traced to the right people. All people
are synthetic (tests/reporting/world.py); the figures come from the real selectors and engine."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from markaz.reporting import charts, forms, present
from markaz.reporting.selectors import indicator_pack

from .world import END, START, WINDOW, build_world, small_cells

pytestmark = pytest.mark.django_db

DASHBOARD = "/indicators/"


@pytest.fixture
def world(centre):
    return build_world(centre)


def get(client, user, url, lang="fr", **params):
    client.force_login(user)
    client.cookies["markaz_language"] = lang
    return client.get(url, params)


class Figures(HTMLParser):
    """The dashboard's figures: totals by indicator code, cells by (code, category), and
    whether each is a link."""

    def __init__(self):
        super().__init__()
        self.totals, self.cells, self.links = {}, {}, set()
        self._row = self._where = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-code" in a and tag in ("div", "tr"):
            self._row = a["data-code"]
        if tag == "span" and "ind-value" in (a.get("class") or ""):
            self._where, self._text = ("total", self._row, None), []
        if tag == "td" and "cell" in (a.get("class") or "").split():
            self._where, self._text = ("cell", self._row, a.get("data-category")), []
        if tag == "a" and self._where and "figure-link" in (a.get("class") or ""):
            self.links.add(self._where[1:])

    def handle_data(self, data):
        if self._where:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._where and tag in ("span", "td") and (tag == "td") == (self._where[0] == "cell"):
            text = "".join(self._text).strip()
            kind, code, category = self._where
            if kind == "total":
                self.totals[code] = text
            elif category is not None:
                self.cells[(code, category)] = text
            self._where = None


def figures(html: bytes) -> Figures:
    parser = Figures()
    parser.feed(html.decode())
    return parser


# --- Pages render, in French and in Arabic ------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_coordinator_sees_the_dashboard_in_both_languages(client, coordinator, world, lang):
    r = get(client, coordinator, DASHBOARD, lang, **WINDOW, by="programme")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    pack = indicator_pack(centre=world.web.centre, start=START, end=END, protect=False)
    enrolled = next(i for i in pack["indicators"] if i["code"] == "enrolled")
    assert enrolled[f"name_{lang}"] in html
    # Programme names in the page's language in the breakdown; charts drawn on the server.
    assert (world.web.title_ar if lang == "ar" else world.web.title_fr) in html
    assert html.count("<svg") >= 6 and 'class="chart chart-map"' in html
    f = figures(r.content)
    assert f.totals["enrolled"] == "28"
    assert ("enrolled", None) in f.links  # the total is a link to its records
    assert 'id="protected-notice"' not in html
    assert 'id="synthetic-notice"' in html


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_provincial_viewer_sees_the_dashboard_protected(client, provincial_viewer, world, lang):
    r = get(client, provincial_viewer, DASHBOARD, lang, **WINDOW, by="commune")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="protected-notice"' in html
    f = figures(r.content)
    assert f.links == set() and "figure-link" not in html  # no record can be opened
    assert f.totals["enrolled"] == "28"
    assert f.cells[("enrolled", "rislane")] == "<5"


def test_coordinator_sees_small_cells_on_screen(client, coordinator, world):
    f = figures(get(client, coordinator, DASHBOARD, **WINDOW, by="commune").content)
    assert f.cells[("enrolled", "rislane")] == "3"
    assert f.totals["businesses_created"] == "1"


def test_provincial_viewer_never_sees_a_small_cell(client, provincial_viewer, world):
    centre = world.web.centre
    secrets = small_cells(indicator_pack(centre=centre, start=START, end=END, protect=False))
    assert ("enrolled", "commune", "rislane") in secrets  # the world has small cells
    assert ("businesses_created", None, None) in secrets
    checked = set()
    for dimension in present.DIMENSIONS:
        f = figures(get(client, provincial_viewer, DASHBOARD, **WINDOW, by=dimension).content)
        for (code, category), text in f.cells.items():
            if (code, dimension, category) in secrets:
                assert text in ("<5", "x"), (code, dimension, category, text)
                checked.add((code, dimension, category))
        for code, text in f.totals.items():
            if (code, None, None) in secrets:
                assert text in ("<5", "x"), (code, text)
                checked.add((code, None, None))
    assert checked == secrets  # every small figure of the world was on the page, hidden


def test_provincial_home_dashboard_shows_no_raw_small_count(client, provincial_viewer, world):
    """Issue 12: /dashboard/ showed the registry's raw counts by commune (Rislane 3) to the
    province. The province reads the protected pack only: /dashboard/ leads there, and every
    figure on the way rests on at least 5 people or is hidden."""
    from django.utils import timezone

    from markaz.registry.models import Person
    from markaz.reporting.selectors import default_window

    assert Person.objects.filter(commune__code="rislane").count() == 3  # a small cell
    client.force_login(provincial_viewer)
    r = client.get(reverse("core:dashboard"), follow=True)
    assert r.redirect_chain[-1][0] == reverse("reporting:dashboard")
    assert "counts" not in r.context and 'id="count-total"' not in r.content.decode()
    assert 'id="protected-notice"' in r.content.decode()
    start, end = default_window(timezone.localdate())
    secrets = small_cells(
        indicator_pack(centre=world.web.centre, start=start, end=end, protect=False)
    )
    for dimension in present.DIMENSIONS:
        f = figures(client.get(DASHBOARD, {"by": dimension}).content)
        for (code, category), text in f.cells.items():
            if (code, dimension, category) in secrets:
                assert text in ("<5", "x"), (code, dimension, category, text)
        for code, text in f.totals.items():
            if (code, None, None) in secrets:
                assert text in ("<5", "x"), (code, text)
    # The same window as the world's year: Rislane's 3 enrolled youth are hidden.
    f = figures(client.get(DASHBOARD, {**WINDOW, "by": "commune"}).content)
    assert f.cells[("enrolled", "rislane")] == "<5"


def test_protected_view_says_how_many_figures_are_hidden_and_why(
    client, provincial_viewer, coordinator, world
):
    """Issue 12: the page counts the hidden figures by reason, caravan pupils are shown as they
    are (counted, never registered), and a headline total stays unless it is itself small."""
    r = get(client, provincial_viewer, DASHBOARD, **WINDOW, by="commune")
    pack = r.context["pack"]
    figures_ = [f for ind in pack["indicators"] for f in [ind, *sum(ind["by"].values(), [])]]
    primary = sum(f["suppressed"] and f["display"].startswith("<") for f in figures_)
    complementary = sum(f["suppressed"] and f["display"] == "x" for f in figures_)
    summary = r.context["suppression"]
    assert (summary.primary, summary.complementary) == (primary, complementary)
    assert primary > 0 and complementary > 0
    html = r.content.decode()
    assert f"{summary.hidden} chiffres sont masqués" in html
    assert f"{primary} « <5 »" in html and f"{complementary} « x »" in html
    f = figures(r.content)
    pupils = [t for (code, _), t in f.cells.items() if code == "caravan_pupils"]
    assert pupils and not {"<5", "x"} & set(pupils)
    assert f.totals["caravan_pupils"] not in ("<5", "x")
    truth = indicator_pack(centre=world.web.centre, start=START, end=END, protect=False)
    for ind in pack["indicators"]:
        true = next(i for i in truth["indicators"] if i["code"] == ind["code"])
        if ind["suppressed"] and ind["display"] == "x":  # a withheld headline: a small one
            assert (true["n"] or 0) < 10, ind["code"]
    # Coordinators see no such notice: nothing is hidden from them.
    mine = get(client, coordinator, DASHBOARD, **WINDOW)
    assert mine.context["suppression"] is None and 'id="suppression-summary"' not in (
        mine.content.decode()
    )


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["trainer", "mentor", "caravan_staff"])
def test_staff_without_reporting_role_get_403(client, world, persona, request):
    user = request.getfixturevalue(persona)
    for url in (
        DASHBOARD,
        reverse("reporting:records", args=["enrolled"]),
        reverse("reporting:export", args=["xlsx"]),
        reverse("reporting:export", args=["pdf"]),
    ):
        assert get(client, user, url, **WINDOW).status_code == 403, url


def test_anonymous_visitor_is_sent_to_login(client, world):
    r = client.get(DASHBOARD)
    assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_menu_shows_indicators_to_the_roles_that_read_them(client, coordinator, trainer, world):
    assert 'id="nav-indicators"' in get(client, coordinator, "/dashboard/").content.decode()
    assert 'id="nav-indicators"' not in get(client, trainer, "/dashboard/").content.decode()


# --- Traceability -------------------------------------------------------------------------------


def listed(html: str, key: str) -> set[int]:
    section = re.search(rf'id="records-{key}".*?</section>', html, re.S)
    return (
        set()
        if section is None
        else {int(pk) for pk in re.findall(r'data-person="(\d+)"', section[0])}
    )


def test_a_cell_lists_the_people_behind_it(client, coordinator, world):
    r = get(
        client,
        coordinator,
        reverse("reporting:records", args=["enrolled"]),
        **WINDOW,
        dimension="commune",
        category="rislane",
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert listed(html, "numerator") == {p.pk for p in world.rislane}
    assert 'id="records-denominator"' not in html  # a count has no denominator
    person = world.rislane[0]
    assert reverse("registry:person_detail", args=[person.pk]) in html
    assert person.full_name_latin in html and "Développement web" in html
    assert re.search(r'id="records-figure">\s*3\s*<', html)


def test_a_rate_lists_its_numerator_and_denominator(client, coordinator, world):
    r = get(client, coordinator, reverse("reporting:records", args=["completion_rate"]), **WINDOW)
    html = r.content.decode()
    # The web cohort ended in 2025 (20 youth, 14 completed); marketing runs into 2026.
    assert listed(html, "numerator") == {p.pk for p in world.web_people[:14]}
    assert listed(html, "denominator") == {p.pk for p in world.web_people}


def test_every_youth_figure_on_the_dashboard_links_to_its_records(client, coordinator, world):
    html = get(client, coordinator, DASHBOARD, **WINDOW, by="sex").content.decode()
    links = set(re.findall(r'href="(/indicators/records/[^"]+)"', html))
    women = next(u for u in links if "/enrolled/" in u and "category=F" in u)
    r = client.get(women.replace("&amp;", "&"))
    assert r.status_code == 200
    expected = {p.pk for p in world.web_people[:11] + world.marketing_people[:5]}
    assert listed(r.content.decode(), "numerator") == expected
    # Caravan and centre figures have no records behind them: no link.
    assert not any("/caravan_pupils/" in u or "/occupancy_rate/" in u for u in links)


def test_caravan_figures_say_they_have_no_records(client, coordinator, world):
    r = get(client, coordinator, reverse("reporting:records", args=["caravan_pupils"]), **WINDOW)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="not-traceable"' in html and "data-person" not in html


@pytest.mark.parametrize("persona", ["provincial_viewer", "trainer"])
def test_records_are_403_for_the_province_and_trainers(client, world, persona, request):
    user = request.getfixturevalue(persona)
    url = reverse("reporting:records", args=["enrolled"])
    r = get(client, user, url, **WINDOW, dimension="commune", category="rislane")
    assert r.status_code == 403
    assert world.rislane[0].last_name_latin not in r.content.decode()


def test_records_with_a_bad_address_say_so(client, coordinator, world):
    url = reverse("reporting:records", args=["enrolled"])
    assert get(client, coordinator, url, start="2025-01-01").status_code == 400
    assert get(client, coordinator, url, **WINDOW, dimension="commune").status_code == 400
    unknown = reverse("reporting:records", args=["nope"])
    assert get(client, coordinator, unknown, **WINDOW).status_code == 404


# --- Window, comparison, targets ----------------------------------------------------------------


def test_comparison_and_target_are_shown(client, coordinator, world):
    html = get(client, coordinator, DASHBOARD, **WINDOW).content.decode()
    row = re.search(r'id="ind-enrolled".*?(?=id="ind-)', html, re.S)[0]
    # 2024 had 6 enrolled youth: +22; the 2025 target was 40, 28 is 70 %.
    assert re.search(r'compare-value">\s*6\s*<', row)
    assert "+22" in row
    assert "70\u00a0%" in row or "70 %" in row
    assert 'style="width: 70%"' in row


def test_default_window_and_presets(client, coordinator, world):
    r = get(client, coordinator, DASHBOARD)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-preset="indh"' in html and 'data-preset="last_year"' in html


def test_indh_year_runs_from_19_may_to_18_may():
    assert forms.indh_year(dt.date(2026, 11, 29)) == (dt.date(2026, 5, 19), dt.date(2027, 5, 18))
    assert forms.indh_year(dt.date(2026, 5, 18)) == (dt.date(2025, 5, 19), dt.date(2026, 5, 18))
    assert forms.indh_year(dt.date(2026, 5, 18), -1) == (dt.date(2024, 5, 19), dt.date(2025, 5, 18))


def test_comparison_windows():
    year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert forms.comparison_window(*year, "previous") == (
        dt.date(2023, 1, 1),
        dt.date(2023, 12, 31),
    )
    assert forms.comparison_window(*year, "year") == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert forms.comparison_window(*year, "none") is None
    q = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert forms.comparison_window(*q, "previous") == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    odd = (dt.date(2025, 3, 10), dt.date(2025, 3, 19))
    assert forms.comparison_window(*odd, "previous") == (dt.date(2025, 2, 28), dt.date(2025, 3, 9))


# --- Charts (pure) ------------------------------------------------------------------------------


def test_arabic_is_shaped_for_character_by_character_renderers():
    # "لا" is one ligature; letters take their joined forms; the word is drawn right to left.
    assert charts.shape_arabic("لا") == "\ufefb"
    assert charts.shape_arabic("بركان") == "\ufe91\ufeae\ufedb\ufe8e\ufee5"
    assert charts.visual("بركان", True) == "\ufee5\ufe8e\ufedb\ufeae\ufe91"
    # Digits keep their order, and in a right-to-left label they come first, on the right.
    assert charts.visual("18-24 سنة", True).startswith(charts.shape_arabic("سنة")[::-1])
    assert charts.visual("18-24 سنة", True).endswith("18-24")
    assert charts.visual("<5", False) == "<5"


def test_charts_escape_labels_and_mark_suppressed_figures():
    svg = charts.hbar_chart(
        [charts.Bar("<script>", 10, "10"), charts.Bar("Rislane", None, "<5")], title="t&t"
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "t&amp;t" in svg
    assert svg.count("<rect") == 1  # the suppressed figure draws no bar
    assert "&lt;5" in svg
