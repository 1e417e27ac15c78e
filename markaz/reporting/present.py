"""From an indicator pack (the dict `selectors.indicator_pack` returns) to what people read:
names in the reader's language, category labels, comparison and change, target bars, and the
charts. The page, the XLSX, the CSV and the PDF all go through here, so they agree.

Reads reference data (communes, programme titles); `record_rows` alone reads people, for the
records behind a figure, which only `selectors.figure_records` chooses.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _

from markaz.core.i18n import pick
from markaz.core.units import UNIT_LABELS
from markaz.engine import indicators as engine

from . import charts

SMALL_CELL = 5

# The order the page and the exports show the breakdowns in.
DIMENSIONS = ["sex", "age_band", "commune", "area", "programme", "period", "level"]
DIMENSION_LABELS = {
    "sex": gettext_lazy("Sex"),
    "age_band": gettext_lazy("Age band"),
    "commune": gettext_lazy("Commune"),
    "area": gettext_lazy("Urban / rural"),
    "programme": gettext_lazy("Programme"),
    "period": gettext_lazy("Period"),
    "level": gettext_lazy("School level"),
}

# Figures about pupils (counted, never registered) and about the centre itself: nothing to list.
CARAVAN_CODES = engine.CARAVAN_CODES
CENTRE_CODES = engine.CENTRE_CODES

GROUPS = [
    (
        "reach",
        gettext_lazy("Reach and training"),
        [
            "applicants",
            "eligible",
            "enrolled",
            "completed",
            "certified",
            "completion_rate",
            "attendance_rate",
        ],
    ),
    (
        "insertion",
        gettext_lazy("Insertion and income"),
        [
            "reach_rate_6",
            "insertion_rate_6",
            "reach_rate_12",
            "insertion_rate_12",
            "median_income_before",
            "median_income_after",
        ],
    ),
    (
        "enterprise",
        gettext_lazy("Businesses, jobs and mentoring"),
        ["businesses_created", "jobs_created", "mentoring_hours"],
    ),
    (
        "centre",
        gettext_lazy("The centre and its cost"),
        ["occupancy_rate", "cost_per_beneficiary", "running_cost_per_beneficiary"],
    ),
    (
        "caravan",
        gettext_lazy("School caravan"),
        [
            "caravan_pupils",
            "caravan_girls_share",
            "schools_reached",
            "schools_reached_share",
            "communes_reached",
        ],
    ),
]
_GROUP_OF = {code: key for key, _label, codes in GROUPS for code in codes}


def is_drillable(code: str) -> bool:
    """Youth indicators can be traced to the people behind them; caravan and centre ones
    cannot (pupils are minors and are only counted; the centre's figures are about rooms and
    money)."""
    return code in engine.YOUTH_CODES


def data_is_synthetic() -> bool:
    """Whether the figures come from invented people (the demo). Production sets
    MARKAZ_SYNTHETIC_DATA = False; until then every report says its data is synthetic, the
    safer mistake."""
    return bool(getattr(settings, "MARKAZ_SYNTHETIC_DATA", True))


# --- Small cells --------------------------------------------------------------------------------


def _small(x) -> bool:
    return x is not None and 0 < x < SMALL_CELL


def _guard_cell(cell: dict, fields: tuple[str, ...]) -> None:
    if not cell.get("suppressed") and any(_small(cell.get(f)) for f in fields):
        cell.update(display=f"<{SMALL_CELL}", suppressed=True)
    if cell.get("suppressed"):
        cell.update(value=None, numerator=None, denominator=None, n=None)


def guard_small_cells(pack: dict) -> dict:
    """A copy of a protected pack checked once more before it leaves the centre: in every
    indicator the dictionary protects, a cell whose people counts (the engine's `SHAPES`) are
    1 to 4 is blanked and shown "<5", and no suppressed cell ("<5" or "x") carries a value,
    numerator, denominator or n. The engine's `protect` already does this (and hides the
    complementary cells); this second lock costs nothing and keeps a bug there from leaking a
    small cell into an export."""
    pack = copy.deepcopy(pack)
    for ind in pack.get("indicators", []):
        shape = engine.SHAPES.get(ind["code"])
        fields = (*shape[1], shape[2]) if shape else ()
        _guard_cell(ind, fields)
        for cells in (ind.get("by") or {}).values():
            for cell in cells:
                _guard_cell(cell, fields)
    return pack


@dataclass(frozen=True)
class Suppression:
    """How many figures a protected pack hides, and why: `primary` ("<5": they rest on fewer
    than five people), `complementary` ("x": hidden so a "<5" cannot be worked out from the
    others), of which `totals` are an indicator's headline; `shown` figures are published."""

    primary: int
    complementary: int
    totals: int
    shown: int

    @property
    def hidden(self) -> int:
        return self.primary + self.complementary


def suppression_summary(pack: dict) -> Suppression:
    """Count the hidden figures of a protected pack (totals and cells of every indicator)."""
    primary = complementary = totals = shown = 0
    for ind in pack.get("indicators", []):
        figures = [ind] + [c for cells in (ind.get("by") or {}).values() for c in cells]
        for fig in figures:
            if not fig.get("suppressed"):
                shown += 1
            elif str(fig.get("display", "")).startswith("<"):
                primary += 1
            else:
                complementary += 1
        if ind.get("suppressed"):
            totals += 1
    return Suppression(primary, complementary, totals, shown)


# --- Category labels ----------------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Labels:
    """Names for categories, in the active language (call inside `translation.override` for a
    PDF in the other language). Loads communes and the centre's programmes once."""

    def __init__(self, centre=None):
        from markaz.programmes.models import Programme
        from markaz.territory.models import Commune

        self.communes = {c.code: c for c in Commune.objects.order_by("name_fr")}
        programmes = Programme.objects.all()
        if centre is not None:
            programmes = programmes.filter(centre=centre)
        self.programmes = {str(p.pk): (p.title_fr, p.title_ar) for p in programmes}

    def places(self) -> list[charts.Place]:
        return [
            charts.Place(c.code, pick(c.name_fr, c.name_ar), float(c.latitude), float(c.longitude))
            for c in self.communes.values()
        ]

    def category(self, dimension: str, category: str) -> str:
        from markaz.caravan.models import School
        from markaz.registry.models import Sex
        from markaz.territory.models import Commune

        category = str(category)
        if dimension == "sex":
            return str(Sex(category).label) if category in Sex.values else category
        if dimension == "age_band":
            if category == "other":
                return _("Other ages")
            return _("%(band)s years") % {"band": category}
        if dimension == "commune":
            commune = self.communes.get(category)
            if commune is not None:
                return pick(commune.name_fr, commune.name_ar)
            return _("Outside the province")
        if dimension == "area":
            if category in Commune.Kind.values:
                return str(Commune.Kind(category).label)
            return _("Outside the province")
        if dimension == "programme":
            if category in self.programmes:
                return pick(*self.programmes[category])
            return _("No programme")
        if dimension == "level":
            return (
                str(School.Level(category).label) if category in School.Level.values else category
            )
        if dimension == "period":
            m = _QUARTER.match(category)
            if m:
                return _("Q%(quarter)s %(year)s") % {"quarter": m[2], "year": m[1]}
            m = _MONTH.match(category)
            if m:
                return f"{m[2]}/{m[1]}"
        return category


def dimension_label(dimension: str) -> str:
    return str(DIMENSION_LABELS.get(dimension, dimension))


# --- Rows ---------------------------------------------------------------------------------------


@dataclass
class Cell:
    dimension: str
    category: str
    label: str
    value: float | None
    display: str
    suppressed: bool
    n: int | None = None
    url: str = ""


@dataclass
class Row:
    code: str
    name: str
    name_fr: str
    name_ar: str
    definition: str
    formula: str
    kind: str
    unit: str
    unit_label: str
    group: str
    value: float | None
    display: str
    suppressed: bool
    target: float | None
    pct_target: float | None
    drillable: bool
    compare_value: float | None = None
    compare_display: str = ""
    change: str = ""
    change_sign: int = 0
    cells: dict[str, list[Cell]] = field(default_factory=dict)
    url: str = ""

    @property
    def pct_bar(self) -> float:
        """The width of the '% of target' bar, 0 to 100."""
        return max(0.0, min(100.0, float(self.pct_target or 0)))

    @property
    def pct_display(self) -> str:
        return "" if self.pct_target is None else f"{float(self.pct_target):.0f} %"

    @property
    def target_display(self) -> str:
        return "" if self.target is None else _number(self.target)

    def dimensions(self) -> list[str]:
        return [d for d in DIMENSIONS if self.cells.get(d)]


def _number(x: float) -> str:
    x = float(x)
    if x.is_integer():
        return f"{int(x):,}".replace(",", "\u202f")
    return f"{x:,.1f}".replace(",", "\u202f")


def shown(display: str, unit: str, value) -> str:
    """The engine's display with its unit sign where it reads as part of the figure (rates)."""
    display = display or ""
    if unit == "percent" and value is not None and not display.endswith("%"):
        return f"{display}\u00a0%"
    return display


def change_text(value, previous, unit: str) -> tuple[str, int]:
    """The change from `previous` to `value` as written on the page, and its sign; empty when
    either figure is missing or suppressed. Rates change in percentage points."""
    if value is None or previous is None:
        return "", 0
    diff = float(value) - float(previous)
    sign = (diff > 0) - (diff < 0)
    if unit == "percent":
        return _("%(diff)s pts") % {"diff": f"{diff:+.1f}"}, sign
    if unit in ("MAD", "people", "pupils", "jobs", "businesses", "schools", "communes"):
        diff = round(diff)
    text = ("+" if diff > 0 else "") + _number(diff)
    if float(previous):
        text += f" ({diff / float(previous) * 100:+.0f} %)"
    return text, sign


def rows(pack: dict, compare: dict | None = None, labels: Labels | None = None) -> list[Row]:
    """One Row per indicator of `pack`, with its comparison figure from `compare` (same codes)."""
    labels = labels or Labels()
    previous = {i["code"]: i for i in (compare or {}).get("indicators", [])}
    out = []
    for ind in pack.get("indicators", []):
        unit = ind.get("unit", "")
        row = Row(
            code=ind["code"],
            name=pick(ind.get("name_fr", ""), ind.get("name_ar", "")),
            name_fr=ind.get("name_fr", ""),
            name_ar=ind.get("name_ar", ""),
            definition=pick(ind.get("definition_fr", ""), ind.get("definition_ar", "")),
            formula=ind.get("formula", ""),
            kind=ind.get("kind", ""),
            unit=unit,
            unit_label=str(UNIT_LABELS.get(unit, unit)),
            group=_GROUP_OF.get(ind["code"], "other"),
            value=ind.get("value"),
            display=shown(ind.get("display"), unit, ind.get("value")),
            suppressed=bool(ind.get("suppressed")),
            target=ind.get("target"),
            pct_target=ind.get("pct_target"),
            drillable=is_drillable(ind["code"]),
        )
        before = previous.get(ind["code"])
        if before is not None:
            row.compare_value = before.get("value")
            row.compare_display = shown(before.get("display"), unit, row.compare_value)
            row.change, row.change_sign = change_text(row.value, row.compare_value, unit)
        for dimension, cells in (ind.get("by") or {}).items():
            row.cells[dimension] = [
                Cell(
                    dimension=dimension,
                    category=str(c["category"]),
                    label=labels.category(dimension, c["category"]),
                    value=c.get("value"),
                    display=shown(c.get("display"), unit, c.get("value")),
                    suppressed=bool(c.get("suppressed")),
                    n=c.get("n"),
                )
                for c in cells
            ]
        out.append(row)
    return out


def grouped(all_rows: list[Row]) -> list[tuple[str, str, list[Row]]]:
    """Rows in their sections (key, title, rows), in the dictionary's order within each."""
    by_code = {r.code: r for r in all_rows}
    out, seen = [], set()
    for key, title, codes in GROUPS:
        members = [by_code[c] for c in codes if c in by_code]
        seen.update(r.code for r in members)
        if members:
            out.append((key, str(title), members))
    rest = [r for r in all_rows if r.code not in seen]
    if rest:
        out.append(("other", _("Other indicators"), rest))
    return out


def categories(all_rows: list[Row], dimension: str) -> list[tuple[str, str]]:
    """Every category (code, label) any indicator has in `dimension`, in first-seen order."""
    seen: dict[str, str] = {}
    for r in all_rows:
        for c in r.cells.get(dimension, []):
            seen.setdefault(c.category, c.label)
    if dimension == "commune":
        return sorted(seen.items(), key=lambda kv: kv[1])
    if dimension == "period":
        return sorted(seen.items())
    return list(seen.items())


# --- Charts -------------------------------------------------------------------------------------


def _by_titles() -> dict[str, str]:
    return {
        "age_band": _("%(indicator)s by age band"),
        "area": _("%(indicator)s by urban or rural area"),
        "programme": _("%(indicator)s by programme"),
        "commune": _("%(indicator)s by commune"),
    }


SEX_CHART_CODES = ["applicants", "enrolled", "completed", "certified", "businesses_created"]
HEADLINE = "enrolled"


def _bars(cells: list[Cell]) -> list[charts.Bar]:
    return [charts.Bar(c.label, c.value, c.display) for c in cells]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str

    def __str__(self) -> str:
        return self.svg


def build_charts(
    all_rows: list[Row], labels: Labels, *, width: int = 560, shaped: bool = False
) -> dict[str, Chart]:
    """The page's and the report's SVG charts, in the active language: by sex (grouped), by
    period, by age band, area, programme and commune (bars) and two maps (enrolled youth and
    caravan pupils by commune). Keys are stable names; each Chart has its title and SVG."""
    rtl = get_language_bidi()
    by_code = {r.code: r for r in all_rows}
    empty = _("No data for this period.")
    out: dict[str, Chart] = {}

    sex_rows = [by_code[c] for c in SEX_CHART_CODES if c in by_code and by_code[c].cells.get("sex")]
    if sex_rows:
        sexes = categories(sex_rows, "sex")
        series = []
        for code, label in sexes:
            bars = []
            for r in sex_rows:
                cell = next((c for c in r.cells["sex"] if c.category == code), None)
                bars.append(
                    charts.Bar(label, cell.value if cell else 0, cell.display if cell else "0")
                )
            series.append(charts.Series(label, bars))
        title = _("Youth by sex")
        svg = charts.grouped_hbar_chart(
            [r.name for r in sex_rows],
            series,
            title=title,
            rtl=rtl,
            width=width,
            empty=empty,
            shaped=shaped,
        )
        out["sex"] = Chart("sex", title, svg)

    headline = by_code.get(HEADLINE)
    if headline is not None:
        periods = sorted(headline.cells.get("period", []), key=lambda c: c.category)
        series = [charts.Series(headline.name, _bars(periods))]
        completed = by_code.get("completed")
        if completed is not None and completed.cells.get("period"):
            done = {c.category: c for c in completed.cells["period"]}
            series.append(
                charts.Series(
                    completed.name,
                    [
                        charts.Bar(
                            p.label,
                            done[p.category].value if p.category in done else None,
                            done[p.category].display if p.category in done else "",
                        )
                        for p in periods
                    ],
                )
            )
        title = _("%(indicator)s by period") % {"indicator": headline.name}
        svg = charts.period_chart(
            series,
            title=title,
            rtl=rtl,
            width=width,
            empty=empty,
            shaped=shaped,
        )
        out["period"] = Chart("period", title, svg)
        for dimension in ("age_band", "area", "programme", "commune"):
            cells = headline.cells.get(dimension, [])
            if dimension == "commune":
                cells = sorted(cells, key=lambda c: c.label)
            title = _by_titles()[dimension] % {"indicator": headline.name}
            svg = charts.hbar_chart(
                _bars(cells),
                title=title,
                rtl=rtl,
                width=width,
                empty=empty,
                shaped=shaped,
            )
            out[dimension] = Chart(dimension, title, svg)

    places = labels.places()
    for key, code in (("map_enrolled", HEADLINE), ("map_pupils", "caravan_pupils")):
        row = by_code.get(code)
        if row is None:
            continue
        figures = {
            c.category: charts.Bar(c.label, c.value, c.display)
            for c in row.cells.get("commune", [])
        }
        title = _("%(indicator)s by commune") % {"indicator": row.name}
        svg = charts.commune_map(
            places,
            figures,
            title=title,
            rtl=rtl,
            width=width,
            uid=key,
            shaped=shaped,
        )
        out[key] = Chart(key, title, svg)
    return out


# --- Records behind a figure --------------------------------------------------------------------

RECORDS_SHOWN = 2000


@dataclass
class Record:
    pk: int
    name: str
    name_latin: str
    commune: str
    programmes: list[str]
    url: str = ""


def record_rows(people, *, centre, links: bool) -> tuple[list[Record], int]:
    """The people `figure_records` chose, as listed on the records page (name, commune, the
    programmes they enrolled in at this centre, a link to their record when `links`), at most
    RECORDS_SHOWN of them; and how many there are in all."""
    from django.urls import reverse

    from markaz.programmes.models import Enrolment

    total = (
        people.count() if hasattr(people, "count") and not isinstance(people, list) else len(people)
    )
    people = list(people[:RECORDS_SHOWN])
    titles: dict[int, list[str]] = {}
    for pid, fr, ar in (
        Enrolment.objects.filter(person__in=[p.pk for p in people], cohort__centre=centre)
        .order_by("cohort__start_date")
        .values_list("person_id", "cohort__programme__title_fr", "cohort__programme__title_ar")
    ):
        title = pick(fr, ar)
        if title not in titles.setdefault(pid, []):
            titles[pid].append(title)
    out = []
    for p in people:
        commune = p.commune
        out.append(
            Record(
                pk=p.pk,
                name=p.full_name,
                name_latin=p.full_name_latin,
                commune=pick(commune.name_fr, commune.name_ar)
                if commune
                else _("Outside the province"),
                programmes=titles.get(p.pk, []),
                url=reverse("registry:person_detail", args=[p.pk]) if links else "",
            )
        )
    return out, total
