"""Map labels that never overlap: each label is tried at a few places around its anchor (above,
below, right, left, then the corners, then farther out) and takes the first place that overlaps
no label already placed and stays inside the picture. A label that finds no place is left out
(the caller keeps its name elsewhere, e.g. in a tooltip). Pure: plain numbers in, rectangles out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Rect, gap: float = 0.0) -> bool:
        return not (
            self.x + self.w + gap <= other.x
            or other.x + other.w + gap <= self.x
            or self.y + self.h + gap <= other.y
            or other.y + other.h + gap <= self.y
        )

    def inside(self, width: float, height: float) -> bool:
        return (
            self.x >= 0 and self.y >= 0 and self.x + self.w <= width and self.y + self.h <= height
        )


@dataclass(frozen=True)
class Anchor:
    """A point to label: its position, the room around it (e.g. the circle's radius) and the
    size the label's text needs."""

    x: float
    y: float
    w: float
    h: float
    room: float = 0.0


def text_width(text: str, font_size: float) -> float:
    """A generous estimate of a label's width: Latin glyphs average ~0.62 em in DejaVu Sans,
    Arabic ones a little less; generous so that real text never overflows its box."""
    return sum(0.55 if "\u0600" <= ch <= "\u06ff" else 0.64 for ch in text) * font_size + 4


def _candidates(a: Anchor) -> list[Rect]:
    out = []
    for far in (1.0, 1.8, 2.8):
        d = a.room * far + 2
        cx, cy = a.x - a.w / 2, a.y - a.h / 2
        out += [
            Rect(cx, a.y - d - a.h, a.w, a.h),  # above
            Rect(cx, a.y + d, a.w, a.h),  # below
            Rect(a.x + d, cy, a.w, a.h),  # right
            Rect(a.x - d - a.w, cy, a.w, a.h),  # left
            Rect(a.x + d * 0.7, a.y - d * 0.7 - a.h, a.w, a.h),  # upper right
            Rect(a.x - d * 0.7 - a.w, a.y - d * 0.7 - a.h, a.w, a.h),  # upper left
            Rect(a.x + d * 0.7, a.y + d * 0.7, a.w, a.h),  # lower right
            Rect(a.x - d * 0.7 - a.w, a.y + d * 0.7, a.w, a.h),  # lower left
        ]
    return out


def place(
    anchors: Sequence[Anchor],
    *,
    width: float,
    height: float,
    avoid: Sequence[Rect] = (),
    gap: float = 2.0,
) -> list[Rect | None]:
    """One rectangle per anchor (None: no free place), in the anchors' order of priority."""
    placed: list[Rect] = []
    out: list[Rect | None] = []
    for anchor in anchors:
        chosen = None
        for rect in _candidates(anchor):
            if not rect.inside(width, height):
                continue
            if any(rect.overlaps(other, gap) for other in placed):
                continue
            if any(rect.overlaps(other) for other in avoid):
                continue
            chosen = rect
            break
        if chosen is not None:
            placed.append(chosen)
        out.append(chosen)
    return out
