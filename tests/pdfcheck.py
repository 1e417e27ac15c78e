"""Look at a PDF as a reader would: every page rendered to an image (pypdfium2), ink looked for
in the page margins, tables and lines of text checked against the page's content box
(WeasyPrint's own layout), and the pictures kept under var/screenshots to be looked at."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
MM = 72 / 25.4  # points in a millimetre
SCALE = 2  # 144 dpi: thin rules and 7 pt text still leave ink
INK = 235  # a pixel darker than this (any channel) is ink, not paper
BLEED_PX = 2  # anti-aliasing may spill this far past the content box


@dataclass(frozen=True)
class Margins:
    """The @page margins, in millimetres (top, right, bottom, left)."""

    top: float
    right: float
    bottom: float
    left: float

    @classmethod
    def of(cls, html: str) -> Margins:
        """The margins the document's first `@page { margin: ... }` rule asks for."""
        found = re.search(r"@page\s*{[^}]*?margin:\s*([\d.\smm]+);", html)
        assert found, "no @page margin in the document"
        values = [float(v) for v in re.findall(r"([\d.]+)mm", found.group(1))]
        top, right, bottom, left = {
            1: lambda v: (v[0],) * 4,
            2: lambda v: (v[0], v[1], v[0], v[1]),
            3: lambda v: (v[0], v[1], v[2], v[1]),
            4: lambda v: tuple(v),
        }[len(values)](values)
        return cls(top, right, bottom, left)


def pages(pdf: bytes) -> list:
    """Each page as an RGB image at SCALE, with its size in points."""
    document = pypdfium2.PdfDocument(pdf)
    out = []
    for page in document:
        width, height = page.get_size()
        image = page.render(scale=SCALE).to_pil().convert("RGB")
        out.append((image, width, height))
    return out


def ink_in_margins(pdf: bytes, margins: Margins, *, footer: bool = False) -> list[str]:
    """Where ink was found outside the content box, page by page (empty: nothing crosses).

    `footer`: the document prints a running footer (page numbers) in its bottom margin, as
    @page margin boxes do; ink there is allowed between the left and right margins."""
    problems = []
    for number, (image, width_pt, height_pt) in enumerate(pages(pdf), 1):
        ink = np.asarray(image).min(axis=2) < INK
        h, w = ink.shape
        left = int(margins.left * MM * SCALE) - BLEED_PX
        right = int((width_pt - margins.right * MM) * SCALE) + BLEED_PX
        top = int(margins.top * MM * SCALE) - BLEED_PX
        bottom = int((height_pt - margins.bottom * MM) * SCALE) + BLEED_PX
        zones = {
            "left": ink[:, :left],
            "right": ink[:, right:],
            "top": ink[:top, left:right],
        }
        if not footer:
            zones["bottom"] = ink[bottom:, left:right]
        for side, zone in zones.items():
            if zone.any():
                ys, xs = np.nonzero(zone)
                problems.append(
                    f"page {number}: {int(zone.sum())} ink pixels in the {side} margin "
                    f"(around x={int(xs.mean()) + (right if side == 'right' else 0)}/{w}, "
                    f"y={int(ys.mean()) + (bottom if side == 'bottom' else 0)}/{h})"
                )
    return problems


def overflowing_boxes(html: str) -> list[str]:
    """Tables, cells and lines of text that WeasyPrint laid out beyond the page's content box
    (a table too wide for the page, a figure that does not wrap): what a reader would lose."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    problems = []
    document = HTML(string=html).render()
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        left = page_box.content_box_x()
        right = left + page_box.width
        top = page_box.content_box_y()
        bottom = top + page_box.height
        roots = [b for b in page_box.children if not isinstance(b, boxes.MarginBox)]
        for root in roots:
            for box in root.descendants():
                if not isinstance(
                    box, (boxes.TableBox, boxes.TableCellBox, boxes.LineBox, boxes.TextBox)
                ):
                    continue
                x, y = box.border_box_x(), box.border_box_y()
                w, h = box.border_width(), box.border_height()
                if x < left - 0.5 or x + w > right + 0.5 or y + h > bottom + 0.5 or y < top - 0.5:
                    text = getattr(box, "text", "") or type(box).__name__
                    problems.append(
                        f"page {number}: {type(box).__name__} {text[:40]!r} at x={x:.0f}..{x + w:.0f}"
                        f" (content {left:.0f}..{right:.0f}), y={y:.0f}..{y + h:.0f}"
                        f" (content {top:.0f}..{bottom:.0f})"
                    )
    return problems


def save(pdf: bytes, name: str, *, first: int = 2) -> list[Path]:
    """The first pages as PNGs under var/screenshots (pdf-<name>-p<n>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, (image, _w, _h) in enumerate(pages(pdf)[:first], 1):
        path = SCREENSHOTS / f"pdf-{name}-p{number}.png"
        image.save(path)
        paths.append(path)
    return paths


def ink_columns(image, y0: int, y1: int) -> tuple[int, int] | None:
    """The leftmost and rightmost ink column between rows y0 and y1 (None: blank)."""
    ink = np.asarray(image)[y0:y1].min(axis=2) < INK
    cols = np.nonzero(ink.any(axis=0))[0]
    return (int(cols[0]), int(cols[-1])) if len(cols) else None
