"""What one imported file may hold (registry and caravan imports).

A centre's list of applicants or the province's schools is a few thousand rows of a dozen
columns. These caps keep a hostile or mistaken file (a sheet of a gigabyte of blanks packed into
1 MB, a cell at column XFD, 200,000 rows) from taking the web worker's memory and time. The
upload forms say them (`LIMITS_TEXT`).
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an XLSX's XML, all parts together
MAX_PACKING_RATIO = 200  # blanks pack ~1000:1; real spreadsheets stay well under 100:1
# Any XLSX part but a worksheet (shared strings, styles…) is read whole into memory: 20,000 rows
# of names in both scripts take about 5 MB of shared strings; 12 MB of the tiniest strings hold
# about 550,000 of them, some 35 MB once read.
MAX_PART_BYTES = 12 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 40
MAX_CELL_CHARS = 2_000

LIMITS_TEXT = format_lazy(
    gettext_lazy("At most {mb} MB, {rows} rows and {columns} columns per file."),
    mb=MAX_FILE_BYTES // (1024 * 1024),
    rows=MAX_ROWS,
    columns=MAX_COLUMNS,
)
