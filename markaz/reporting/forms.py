"""The dashboard's window, comparison and breakdown (parse only: figures come from selectors)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from markaz.core.errors import UserInputError
from markaz.core.forms import BootstrapMixin, BoundedDateField

from .present import DIMENSION_LABELS, DIMENSIONS

# INDH results are presented to the provincial committee (CPDH) around 18 May: its year runs
# from 19 May to 18 May.
INDH_YEAR_END = (5, 18)
# The widest window one request may ask for (the engine is fast, but ten years of quarters on
# a phone helps no one).
MAX_WINDOW_DAYS = 366 * 5

# A year to date compares best with the same dates a year earlier (INDH's yearly reading).
COMPARE_CHOICES = [
    ("year", gettext_lazy("Same period a year earlier")),
    ("previous", gettext_lazy("Previous period")),
    ("none", gettext_lazy("No comparison")),
]


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    start: dt.date
    end: dt.date


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def indh_year(today: dt.date, offset: int = 0) -> tuple[dt.date, dt.date]:
    """The INDH year (19 May → 18 May) that contains `today`, shifted by `offset` years."""
    month, day = INDH_YEAR_END
    end_year = today.year if (today.month, today.day) <= (month, day) else today.year + 1
    end_year += offset
    return dt.date(end_year - 1, month, day + 1), dt.date(end_year, month, day)


def presets(today: dt.date) -> list[Preset]:
    this_indh = indh_year(today)
    last_indh = indh_year(today, -1)
    return [
        Preset("year", _("This year"), dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
        Preset(
            "last_year",
            _("Last year"),
            dt.date(today.year - 1, 1, 1),
            dt.date(today.year - 1, 12, 31),
        ),
        Preset(
            "indh",
            _("INDH year to 18 May %(year)s") % {"year": this_indh[1].year},
            *this_indh,
        ),
        Preset(
            "indh_last",
            _("INDH year to 18 May %(year)s") % {"year": last_indh[1].year},
            *last_indh,
        ),
    ]


def comparison_window(start: dt.date, end: dt.date, mode: str) -> tuple[dt.date, dt.date] | None:
    """The window to compare [start, end] with: the period just before it (whole months shift
    by months, so a calendar year compares with the year before), the same dates a year
    earlier, or none."""
    if mode == "none":
        return None
    if mode == "year":
        return _add_months(start, -12), _add_months(end + dt.timedelta(days=1), -12) - dt.timedelta(
            days=1
        )
    after = end + dt.timedelta(days=1)
    if after.day == start.day:
        months = (after.year - start.year) * 12 + after.month - start.month
        return _add_months(start, -months), start - dt.timedelta(days=1)
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


class WindowForm(BootstrapMixin, forms.Form):
    start = BoundedDateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = BoundedDateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    compare = forms.ChoiceField(
        label=gettext_lazy("Compare with"), choices=COMPARE_CHOICES, required=False
    )
    by = forms.ChoiceField(
        label=gettext_lazy("Breakdown"),
        choices=[(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
        required=False,
    )

    def __init__(self, data=None, *, default: tuple[dt.date, dt.date]):
        # Always bound, the default window filling what the query leaves out, so the date
        # fields show the window the figures are for.
        data = data.copy() if data is not None else {}
        for name, value in (("start", default[0]), ("end", default[1]), ("compare", "year")):
            if not data.get(name):
                data[name] = value.isoformat() if isinstance(value, dt.date) else value
        super().__init__(data)
        self.default = default

    def check(self) -> None:
        """UserInputError (a 400 page with the message) when the query is not a valid window:
        a date that is not one, or out of range (0001-01-01, 9999-12-31), an unknown choice."""
        if self.is_valid():
            return
        messages = [
            f"{self.fields[name].label}: {' '.join(errors)}" for name, errors in self.errors.items()
        ]
        raise UserInputError(" ".join(messages))

    def _clean(self, name: str, fallback):
        if self.is_bound and self.is_valid() and self.cleaned_data.get(name):
            return self.cleaned_data[name]
        return fallback

    def window(self) -> tuple[dt.date, dt.date]:
        start = self._clean("start", self.default[0])
        end = self._clean("end", self.default[1])
        if end < start:
            start, end = end, start
        if (end - start).days > MAX_WINDOW_DAYS:
            start = end - dt.timedelta(days=MAX_WINDOW_DAYS)
        return start, end

    def compare_mode(self) -> str:
        return self._clean("compare", "year")

    def comparison(self) -> tuple[dt.date, dt.date] | None:
        return comparison_window(*self.window(), self.compare_mode())

    def dimension(self) -> str:
        return self._clean("by", "sex")


class RecordsForm(forms.Form):
    """Which figure to trace: the window, and optionally one cell (dimension and category)."""

    start = BoundedDateField()
    end = BoundedDateField()
    dimension = forms.ChoiceField(choices=[(d, d) for d in DIMENSIONS], required=False)
    category = forms.CharField(max_length=40, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end of the period comes before its start."))
        if bool(data.get("dimension")) != bool(data.get("category")):
            raise forms.ValidationError(_("A breakdown needs both a dimension and a category."))
        return data
