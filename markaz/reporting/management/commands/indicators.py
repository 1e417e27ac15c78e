"""`python manage.py indicators --centre berkane --from 2025-01-01 --to 2025-12-31 --json`:
every indicator with its disaggregations, the same numbers as the dashboard."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from markaz.centre.models import Centre
from markaz.core.errors import UserInputError
from markaz.reporting.periods import protected_window
from markaz.reporting.selectors import indicator_pack_uncached


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = "Print the indicator pack of a centre for a window (both days included)."

    def add_arguments(self, parser):
        parser.add_argument("--centre", required=True, help="Centre code, e.g. berkane.")
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--json", action="store_true", help="Print JSON (default: a table).")
        parser.add_argument(
            "--protected",
            action="store_true",
            help='Hide small cells ("<5"), as for the provincial viewer and exports; only for a '
            "published period (a whole month, quarter, calendar year or INDH year 19 May-18 May).",
        )

    def handle(self, *args, centre, start, end, json: bool = False, protected: bool = False, **kw):
        first, last = _date(start, "--from"), _date(end, "--to")
        if last < first:
            raise CommandError(f"--to {last} comes before --from {first}")
        found = Centre.objects.filter(code=centre).first()
        if found is None:
            known = ", ".join(Centre.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"unknown centre {centre!r} (known: {known or 'none'})")
        if protected:
            # Published periods only (see markaz/reporting/periods.py: window differencing).
            try:
                with translation.override("en"):  # the command speaks English, as its help
                    window = protected_window(first, last, today=timezone.localdate(), snap=False)
            except UserInputError as error:
                raise CommandError(f"--protected: {error}") from None
            first, last = window.start, window.end
        pack = indicator_pack_uncached(centre=found, start=first, end=last, protect=protected)
        if json:
            self.stdout.write(_dumps(pack))
            return
        self.stdout.write(f"{found.code} {first} → {last} (dictionary {pack['version']})")
        for ind in pack["indicators"]:
            target = ""
            if ind["target"]:
                reached = "" if ind["pct_target"] is None else f" ({ind['pct_target']}%)"
                target = f"  target {ind['target']}{reached}"
            self.stdout.write(f"{ind['code']:32} {ind['display']:>12}{target}")


def _dumps(pack: dict) -> str:
    return json.dumps(pack, ensure_ascii=False, indent=1)
