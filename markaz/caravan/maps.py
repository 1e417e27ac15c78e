"""SVG maps of the province drawn from our own data (no tiles: works offline).

An equirectangular projection of the bounding box of the communes and the points (longitude
scaled by the cosine of the middle latitude, so distances look right at Berkane's latitude).
The map is geography, so it is never mirrored for right-to-left pages; text is centred
(`text-anchor="middle"`) and carries its own direction, so Arabic names read correctly.
"""

import math
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

from markaz.engine import labels as label_layout

PADDING = 24
# Marker styles by kind: (radius, fill, stroke).
MARKERS = {
    "base": (9, "#0b5563", "#ffffff"),
    "school": (5.5, "#6c757d", "#ffffff"),
    "visited": (6, "#198754", "#ffffff"),
    "unvisited": (6, "#dc3545", "#ffffff"),
}
# One colour per day of a tour (told apart in print and by colour-blind readers: a dash pattern
# repeats them after the sixth day).
DAY_COLOURS = ("#0d6efd", "#c2410c", "#198754", "#6f42c1", "#b58100", "#d63384")
DAY_DASHES = ("", "", "", "", "", "", "8 4", "8 4", "8 4", "8 4", "8 4", "8 4", "2 3")
LABEL_SIZE = 14
COMMUNE_EMPTY = "#eef3f4"
COMMUNE_LOW = (0xCF, 0xE6, 0xEA)
COMMUNE_HIGH = (0x0B, 0x55, 0x63)


def _shade(value: float, top: float) -> str:
    if not value or top <= 0:
        return COMMUNE_EMPTY
    t = max(0.0, min(1.0, value / top))
    rgb = (round(lo + (hi - lo) * t) for lo, hi in zip(COMMUNE_LOW, COMMUNE_HIGH, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _communes():
    from markaz.territory.models import Commune

    return list(Commune.objects.order_by("name_fr"))


def day_style(index: int) -> tuple[str, str]:
    """The colour and dash pattern of the `index`-th day's route (and of its legend entry)."""
    return DAY_COLOURS[index % len(DAY_COLOURS)], DAY_DASHES[index % len(DAY_DASHES)]


def province_svg(
    points, routes=(), commune_values=None, width: int = 800, *, html_labels: bool = False
) -> str:
    """An inline SVG map: communes as circles with their names (shaded by `commune_values`,
    commune code → number), `routes` as polylines of (lat, lon), and one marker per point.

    points: dicts {lat, lon, label, kind: "school"|"base"|"visited"|"unvisited", "href"?}.
    Each marker is a `<circle class="marker marker-<kind>" data-kind="<kind>">` with a `<title>`
    (its label, read by screen readers and shown on hover), inside an `<a>` when it has `href`.
    Route i is drawn in `day_style(i)` (the caller's legend uses the same), and commune names
    are placed so that no two overlap (markaz.engine.labels); a name with no free place is left
    to its circle's tooltip.

    `html_labels`: the names are HTML spans laid over the picture instead of SVG text (for the
    PDF: WeasyPrint draws SVG text letter by letter, so Arabic would come out unjoined and
    reversed, while HTML text is shaped and laid out right to left).
    """
    communes = _communes()
    commune_values = commune_values or {}
    lats = [float(c.latitude) for c in communes] + [float(p["lat"]) for p in points]
    lons = [float(c.longitude) for c in communes] + [float(p["lon"]) for p in points]
    for route in routes:
        lats += [float(lat) for lat, _lon in route]
        lons += [float(lon) for _lat, lon in route]
    if not lats:
        lats, lons = [34.92], [-2.32]  # Berkane, so an empty map still draws
    min_lat, max_lat, min_lon, max_lon = min(lats), max(lats), min(lons), max(lons)
    # A small margin of territory around the outermost features (and never a zero-size box).
    pad_lat = max(0.02, (max_lat - min_lat) * 0.06)
    pad_lon = max(0.02, (max_lon - min_lon) * 0.06)
    min_lat, max_lat, min_lon, max_lon = (
        min_lat - pad_lat,
        max_lat + pad_lat,
        min_lon - pad_lon,
        max_lon + pad_lon,
    )
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = (max_lon - min_lon) * kx
    span_y = max_lat - min_lat
    inner_w = width - 2 * PADDING
    scale = inner_w / span_x
    height = round(span_y * scale + 2 * PADDING)

    def xy(lat, lon) -> tuple[float, float]:
        x = PADDING + (float(lon) - min_lon) * kx * scale
        y = PADDING + (max_lat - float(lat)) * scale
        return x, y

    rtl = get_language_bidi()
    direction = "rtl" if rtl else "ltr"
    counts = {kind: sum(1 for p in points if p.get("kind") == kind) for kind in MARKERS}
    title = _("Map of Berkane province")
    desc = _(
        "%(communes)s communes; %(visited)s schools reached, %(unvisited)s schools not reached, "
        "%(schools)s other schools, %(routes)s routes."
    ) % {
        "communes": len(communes),
        "visited": counts["visited"],
        "unvisited": counts["unvisited"],
        "schools": counts["school"],
        "routes": len(routes),
    }
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" class="province-map" '
        f'aria-labelledby="map-title map-desc" style="max-width:{width}px;direction:ltr">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f8fbfb" rx="6"/>',
    ]

    top = max((float(v) for v in commune_values.values() if v), default=0.0)
    out.append('<g class="communes">')
    for c in communes:
        x, y = xy(c.latitude, c.longitude)
        value = commune_values.get(c.code)
        label = c.name if value is None else f"{c.name}: {value}"
        out.append(
            f'<g class="commune" data-code={quoteattr(c.code)}>'
            f"<title>{escape(label)}</title>"
            f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="22" fill="{_shade(float(value or 0), top)}" '
            f'fill-opacity="0.75" stroke="#0b5563" stroke-opacity="0.35"/></g>'
        )
    out.append("</g>")

    if routes:
        out.append('<g class="routes" fill="none" stroke-width="2.5" opacity="0.85">')
        for index, route in enumerate(routes):
            coords = " ".join(
                f"{_fmt(a)},{_fmt(b)}" for a, b in (xy(lat, lon) for lat, lon in route)
            )
            colour, dash = day_style(index)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<polyline class="route" data-day="{index + 1}" points="{coords}" '
                f'stroke="{colour}"{dash_attr} stroke-linejoin="round"/>'
            )
        out.append("</g>")

    out.append('<g class="markers">')
    # Bases last, so the caravan's base sits on top of the schools.
    for p in sorted(points, key=lambda p: p.get("kind") == "base"):
        kind = p.get("kind") if p.get("kind") in MARKERS else "school"
        r, fill, stroke = MARKERS[kind]
        x, y = xy(p["lat"], p["lon"])
        marker = (
            f'<circle class="marker marker-{kind}" data-kind="{kind}" cx="{_fmt(x)}" '
            f'cy="{_fmt(y)}" r="{r}" fill="{fill}" stroke="{stroke}" stroke-width="1">'
            f"<title>{escape(str(p.get('label', '')))}</title></circle>"
        )
        if p.get("href"):
            marker = f"<a href={quoteattr(str(p['href']))}>{marker}</a>"
        out.append(marker)
    out.append("</g>")

    # Commune names last, so markers never hide them; a white halo keeps them legible. Each name
    # takes a free place around its circle: no two names overlap.
    anchors, names = [], []
    for c in communes:
        x, y = xy(c.latitude, c.longitude)
        w = label_layout.text_width(c.name, LABEL_SIZE)
        anchors.append(label_layout.Anchor(x, y, w, LABEL_SIZE * 1.25, room=22))
        names.append(c.name)
    base = [p for p in points if p.get("kind") == "base"]
    avoid = [
        label_layout.Rect(bx - 10, by - 10, 20, 20)
        for bx, by in (xy(p["lat"], p["lon"]) for p in base)
    ]
    placed = label_layout.place(anchors, width=width, height=height, avoid=avoid)
    if html_labels:
        out.append("</svg>")
        spans = []
        for name, rect in zip(names, placed, strict=True):
            if rect is None:
                continue
            spans.append(
                f'<span class="map-label" dir="{direction}" style="left:{rect.x / width:.2%};'
                f"top:{rect.y / height:.2%};width:{rect.w / width:.2%};"
                f'height:{rect.h / height:.2%}">{escape(name)}</span>'
            )
        return '<div class="map-frame">' + "".join(out) + "".join(spans) + "</div>"
    out.append(
        f'<g class="labels" font-family="DejaVu Sans, Noto Sans Arabic, sans-serif" '
        f'font-size="{LABEL_SIZE}" text-anchor="middle" dominant-baseline="central" fill="#123" '
        f'direction="{direction}">'
    )
    for name, rect in zip(names, placed, strict=True):
        if rect is None:
            continue
        out.append(
            f'<text class="map-label" x="{_fmt(rect.x + rect.w / 2)}" '
            f'y="{_fmt(rect.y + rect.h / 2)}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke" unicode-bidi="plaintext">{escape(name)}</text>'
        )
    out.append("</g></svg>")
    return "".join(out)
