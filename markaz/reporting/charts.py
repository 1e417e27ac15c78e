"""Charts drawn on the server as SVG strings, so the page and the PDF show the same picture.

Pure functions: plain data in (labels already translated, values already protected), an SVG
string out; no Django, no JavaScript, nothing fetched. Every label and title is XML-escaped here,
so callers may mark the result safe.

Right-to-left: the picture is mirrored (bars grow from the right, periods run right to left,
labels sit on the right) and every label is wrapped in a right-to-left embedding, so a label that
mixes Arabic with digits ("18-24 سنة") reads correctly in Chromium and in WeasyPrint alike,
whatever the SVG's own direction. Figures ("<5", "80.0 %") are wrapped in a left-to-right
embedding, so "<5" is never mirrored into "5>". A suppressed figure (value None) draws no bar;
its display ("<5") is written where the bar would be.

WeasyPrint draws SVG text one character at a time, without shaping or bidi, so the PDF asks
for `shaped=True`: Arabic is then written in presentation forms (joined letters, arabic-reshaper) in
visual order (`visual`, python-bidi), which any renderer draws as it is. Browsers get the plain text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import arabic_reshaper
from bidi import get_display

FONT = "DejaVu Sans, Noto Naskh Arabic, Noto Sans Arabic, sans-serif"
INK = "#1d2b2f"
MUTED = "#6c757d"
GRID = "#dee2e6"
BAR = "#0b5563"
SERIES = ("#c2410c", "#0b5563", "#6f42c1", "#198754", "#b58100", "#0d6efd")
MAP_EMPTY = "#eef3f4"
MAP_LOW = (0xCF, 0xE6, 0xEA)
MAP_HIGH = (0x0B, 0x55, 0x63)

_RLE, _LRE, _PDF = "\u202b", "\u202a", "\u202c"


@dataclass(frozen=True)
class Bar:
    """One figure: its label, its value (None when suppressed) and how it is written."""

    label: str
    value: float | None
    display: str


@dataclass(frozen=True)
class Series:
    """A named row of figures for grouped bars or a period chart (one value per group)."""

    name: str
    bars: Sequence[Bar]


# --- Arabic for renderers without shaping or bidi (WeasyPrint's SVG) ---------------------------


def shape_arabic(text: str) -> str:
    """Arabic letters replaced by their contextual presentation forms (lam-alef as one
    ligature); logical order kept (arabic-reshaper)."""
    return arabic_reshaper.reshape(str(text))


def visual(text: str, rtl: bool) -> str:
    """`text` shaped and put in visual (left-to-right drawing) order by the Unicode bidi
    algorithm (python-bidi), for a paragraph whose base direction is right-to-left (`rtl`) or
    left-to-right. WeasyPrint draws SVG text character by character, without either."""
    return get_display(shape_arabic(text), base_dir="R" if rtl else "L")


class _Text:
    """How labels and figures are written: with bidi embeddings for browsers, or already in
    visual order for renderers that draw character by character (`shaped`)."""

    def __init__(self, rtl: bool, shaped: bool):
        self.rtl, self.shaped = rtl, shaped

    def label(self, text: str) -> str:
        if self.shaped:
            return escape(visual(text, self.rtl))
        return escape(f"{_RLE}{text}{_PDF}" if self.rtl else str(text))

    def figure(self, text: str) -> str:
        if self.shaped:
            return escape(visual(text, False))
        return escape(f"{_LRE}{text}{_PDF}")


def _f(x: float) -> str:
    return f"{x:.1f}"


def _fit(text: str, room: float, font_px: float = 13) -> str:
    """`text` cut with an ellipsis to fit about `room` pixels (glyphs average ~0.6 em); the
    whole label stays in the chart's description."""
    text = str(text)
    most = max(4, int(room / (font_px * 0.6)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _open(width: float, height: float, title: str, desc: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" role="img" class="chart {css_class}" '
        # Anchors ("start", "end") mean left and right whatever the page's direction: the
        # mirroring for right-to-left is done by the drawing itself.
        f'direction="ltr" style="direction:ltr" font-family="{FONT}" font-size="13" '
        f'fill="{INK}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]


def _top(values: Sequence[float | None]) -> float:
    return max((float(v) for v in values if v is not None and v > 0), default=0.0)


def _empty(width: float, title: str, message: str, css_class: str) -> str:
    out = _open(width, 48, title, message, css_class)
    out.append(
        f'<text x="{_f(width / 2)}" y="28" text-anchor="middle" fill="{MUTED}">'
        f"{escape(message)}</text></svg>"
    )
    return "".join(out)


def _describe(bars: Sequence[Bar]) -> str:
    return "; ".join(f"{b.label}: {b.display}" for b in bars)


def hbar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    rtl: bool = False,
    width: int = 560,
    empty: str = "No data",
    label_share: float = 0.38,
    shaped: bool = False,
) -> str:
    """Horizontal bars, one per category, longest scale at the largest value."""
    tx = _Text(rtl, shaped)
    if not bars:
        return _empty(width, title, empty, "chart-hbar")
    row, pad = 26, 8
    label_w = width * label_share
    value_w = 64
    bar_w = width - label_w - value_w - 2 * pad
    height = pad * 2 + row * len(bars)
    top = _top([b.value for b in bars])
    out = _open(width, height, title, _describe(bars), "chart-hbar")
    axis = width - pad - label_w if rtl else pad + label_w
    out.append(
        f'<line x1="{_f(axis)}" y1="{pad}" x2="{_f(axis)}" y2="{_f(height - pad)}" '
        f'stroke="{GRID}"/>'
    )
    for i, b in enumerate(bars):
        y = pad + i * row
        mid = y + row / 2 + 4.5
        length = 0.0 if b.value is None or top <= 0 else max(0.0, float(b.value)) / top * bar_w
        if b.value is not None and b.value > 0:
            length = max(length, 1.5)
        if rtl:
            out.append(
                f'<text x="{_f(width - pad)}" y="{_f(mid)}" text-anchor="end">'
                f"{tx.label(_fit(b.label, label_w - 8))}</text>"
            )
            x0 = axis - length
            value_x, anchor = x0 - 4, "end"
        else:
            out.append(
                f'<text x="{_f(pad + label_w - 6)}" y="{_f(mid)}" text-anchor="end">'
                f"{tx.label(_fit(b.label, label_w - 8))}</text>"
            )
            x0 = axis
            value_x, anchor = axis + length + 4, "start"
        if length:
            out.append(
                f'<rect x="{_f(x0)}" y="{_f(y + 4)}" width="{_f(length)}" height="{row - 8}" '
                f'fill="{BAR}" rx="2"/>'
            )
        colour = MUTED if b.value is None else INK
        out.append(
            f'<text x="{_f(value_x)}" y="{_f(mid)}" text-anchor="{anchor}" fill="{colour}" '
            f'font-weight="bold">{tx.figure(b.display)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _legend(series: Sequence[Series], *, x0: float, y: float, width: float, tx: _Text) -> list[str]:
    rtl = tx.rtl
    out, step = [], min(160.0, (width - 16) / max(1, len(series)))
    for i, s in enumerate(series):
        colour = SERIES[i % len(SERIES)]
        if rtl:
            x = width - 8 - i * step
            out.append(
                f'<rect x="{_f(x - 12)}" y="{_f(y - 10)}" width="12" height="12" fill="{colour}"/>'
            )
            out.append(
                f'<text x="{_f(x - 18)}" y="{_f(y)}" text-anchor="end">{tx.label(s.name)}</text>'
            )
        else:
            x = x0 + i * step
            out.append(
                f'<rect x="{_f(x)}" y="{_f(y - 10)}" width="12" height="12" fill="{colour}"/>'
            )
            out.append(f'<text x="{_f(x + 18)}" y="{_f(y)}">{tx.label(s.name)}</text>')
    return out


def grouped_hbar_chart(
    groups: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    rtl: bool = False,
    width: int = 560,
    empty: str = "No data",
    shaped: bool = False,
) -> str:
    """Horizontal grouped bars: one group per label in `groups` (an indicator), one bar per
    series (a sex) in each group; series[i].bars[j] is the figure of series i in group j.
    Each group's label sits above its bars, across the chart, so long names fit on a phone."""
    tx = _Text(rtl, shaped)
    if not groups or not series:
        return _empty(width, title, empty, "chart-grouped")
    pad, bar_h, gap, label_h = 8, 16, 8, 18
    value_w = 60
    bar_w = width - value_w - 2 * pad
    group_h = label_h + bar_h * len(series) + gap
    legend_h = 24
    height = pad * 2 + legend_h + group_h * len(groups)
    top = _top([b.value for s in series for b in s.bars])
    desc = "; ".join(
        f"{g}: " + ", ".join(f"{s.name} {s.bars[j].display}" for s in series)
        for j, g in enumerate(groups)
    )
    out = _open(width, height, title, desc, "chart-grouped")
    out += _legend(series, x0=pad, y=pad + 12, width=width, tx=tx)
    axis = width - pad if rtl else pad
    y_top = pad + legend_h
    for j, group in enumerate(groups):
        y = y_top + j * group_h
        out.append(
            f'<text x="{_f(axis)}" y="{_f(y + 13)}" text-anchor="{"end" if rtl else "start"}" '
            f'font-size="12">{tx.label(_fit(group, width - 2 * pad, 12))}</text>'
        )
        for i, s in enumerate(series):
            b = s.bars[j]
            by = y + label_h + i * bar_h
            length = 0.0 if b.value is None or top <= 0 else max(0.0, float(b.value)) / top * bar_w
            if b.value is not None and b.value > 0:
                length = max(length, 1.5)
            x0 = axis - length if rtl else axis
            if length:
                out.append(
                    f'<rect x="{_f(x0)}" y="{_f(by + 1)}" width="{_f(length)}" '
                    f'height="{bar_h - 2}" fill="{SERIES[i % len(SERIES)]}"/>'
                )
            value_x = x0 - 4 if rtl else axis + length + 4
            anchor = "end" if rtl else "start"
            out.append(
                f'<text x="{_f(value_x)}" y="{_f(by + bar_h - 4)}" text-anchor="{anchor}" '
                f'font-size="11">{tx.figure(b.display)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def period_chart(
    series: Sequence[Series],
    *,
    title: str,
    rtl: bool = False,
    width: int = 560,
    height: int = 240,
    empty: str = "No data",
    shaped: bool = False,
) -> str:
    """Figures by period: the first series as columns, the others as lines with markers.

    Every series holds one Bar per period, in the same order (oldest first); in right-to-left
    pages the oldest period is on the right."""
    tx = _Text(rtl, shaped)
    if not series or not series[0].bars:
        return _empty(width, title, empty, "chart-period")
    periods = [b.label for b in series[0].bars]
    n = len(periods)
    pad, legend_h, axis_h = 8, 24 if len(series) > 1 else 0, 34
    plot_top = pad + legend_h + 16
    plot_bottom = height - axis_h
    left, right = pad + 4, width - pad - 4
    slot = (right - left) / n
    top = _top([b.value for s in series for b in s.bars])
    scale = (plot_bottom - plot_top) / top if top > 0 else 0.0
    desc = "; ".join(
        f"{p}: " + ", ".join(f"{s.name} {s.bars[j].display}" for s in series)
        for j, p in enumerate(periods)
    )
    out = _open(width, height, title, desc, "chart-period")
    if len(series) > 1:
        out += _legend(series, x0=pad, y=pad + 12, width=width, tx=tx)
    out.append(
        f'<line x1="{_f(left)}" y1="{_f(plot_bottom)}" x2="{_f(right)}" y2="{_f(plot_bottom)}" '
        f'stroke="{MUTED}"/>'
    )

    def centre(j: int) -> float:
        k = n - 1 - j if rtl else j
        return left + slot * (k + 0.5)

    col_w = min(48.0, slot * 0.6)
    for j, b in enumerate(series[0].bars):
        cx = centre(j)
        h = 0.0 if b.value is None else max(0.0, float(b.value)) * scale
        if b.value is not None and b.value > 0:
            h = max(h, 1.5)
        if h:
            out.append(
                f'<rect x="{_f(cx - col_w / 2)}" y="{_f(plot_bottom - h)}" width="{_f(col_w)}" '
                f'height="{_f(h)}" fill="{SERIES[0]}" rx="2"/>'
            )
        out.append(
            f'<text x="{_f(cx)}" y="{_f(plot_bottom - h - 4)}" text-anchor="middle" '
            f'font-size="11" font-weight="bold">{tx.figure(b.display)}</text>'
        )
        out.append(
            f'<text x="{_f(cx)}" y="{_f(plot_bottom + 16)}" text-anchor="middle" font-size="11">'
            f"{tx.figure(b.label)}</text>"
        )
    for i, s in enumerate(series[1:], start=1):
        colour = SERIES[i % len(SERIES)]
        points = [
            (centre(j), plot_bottom - float(b.value) * scale)
            for j, b in enumerate(s.bars)
            if b.value is not None
        ]
        if len(points) > 1:
            coords = " ".join(f"{_f(x)},{_f(y)}" for x, y in sorted(points))
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y in points:
            out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3.5" fill="{colour}"/>')
    out.append("</svg>")
    return "".join(out)


def _shade(value: float | None, top: float) -> str:
    if not value or top <= 0:
        return MAP_EMPTY
    t = max(0.0, min(1.0, float(value) / top))
    rgb = (round(lo + (hi - lo) * t) for lo, hi in zip(MAP_LOW, MAP_HIGH, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


@dataclass(frozen=True)
class Place:
    """A commune on the map: its code, its name (in the reader's language) and its position."""

    code: str
    name: str
    lat: float
    lon: float


def commune_map(
    places: Sequence[Place],
    figures: Mapping[str, Bar],
    *,
    title: str,
    rtl: bool = False,
    width: int = 560,
    uid: str = "map",
    shaped: bool = False,
) -> str:
    """The province's communes as circles shaded by a figure (darker: more), each named and
    labelled with its figure; a suppressed figure (value None, display "<5") is hatched, so
    "fewer than five" never looks like "none". Geography is never mirrored for RTL pages.

    `figures` maps commune codes to Bars (a commune without one shows no figure)."""
    tx = _Text(rtl, shaped)
    if not places:
        return _empty(width, title, "—", "chart-map")
    pad = 28
    lats = [p.lat for p in places]
    lons = [p.lon for p in places]
    pad_lat = max(0.02, (max(lats) - min(lats)) * 0.08)
    pad_lon = max(0.02, (max(lons) - min(lons)) * 0.08)
    min_lat, max_lat = min(lats) - pad_lat, max(lats) + pad_lat
    min_lon, max_lon = min(lons) - pad_lon, max(lons) + pad_lon
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (width - 2 * pad) / ((max_lon - min_lon) * kx)
    height = (max_lat - min_lat) * scale + 2 * pad

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return pad + (lon - min_lon) * kx * scale, pad + (max_lat - lat) * scale

    top = _top([b.value for b in figures.values()])
    desc = "; ".join(f"{p.name}: {figures[p.code].display}" for p in places if p.code in figures)
    out = _open(width, height, title, desc, "chart-map")
    hatch = f"{uid}-hatch"
    out.append(
        f'<defs><pattern id={quoteattr(hatch)} width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{MAP_EMPTY}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#0b5563" stroke-width="2" '
        f'stroke-opacity="0.45"/></pattern></defs>'
    )
    out.append(
        f'<rect x="0" y="0" width="{_f(width)}" height="{_f(height)}" fill="#f8fbfb" rx="6"/>'
    )
    for p in places:
        x, y = xy(p.lat, p.lon)
        bar = figures.get(p.code)
        if bar is not None and bar.value is None:
            fill = f"url(#{hatch})"
        else:
            fill = _shade(bar.value if bar else None, top)
        label = p.name if bar is None else f"{p.name}: {bar.display}"
        out.append(
            f'<g class="commune" data-code={quoteattr(p.code)}><title>{escape(label)}</title>'
            f'<circle cx="{_f(x)}" cy="{_f(y)}" r="17" fill="{fill}" stroke="#0b5563" '
            f'stroke-opacity="0.4"/></g>'
        )
    for p in places:
        x, y = xy(p.lat, p.lon)
        # A white halo drawn first (not paint-order, which not every renderer knows).
        for halo in ('stroke="#fff" stroke-width="3" aria-hidden="true" ', ""):
            out.append(
                f'<text x="{_f(x)}" y="{_f(y - 21)}" text-anchor="middle" font-size="11" '
                f"{halo}>{tx.label(p.name)}</text>"
            )
        bar = figures.get(p.code)
        if bar is not None:
            dark = bar.value is not None and top > 0 and float(bar.value) / top > 0.55
            out.append(
                f'<text x="{_f(x)}" y="{_f(y + 4)}" text-anchor="middle" font-size="11" '
                f'font-weight="bold" fill="{"#fff" if dark else INK}">{tx.figure(bar.display)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
