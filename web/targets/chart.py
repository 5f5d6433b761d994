"""A target over the years as an SVG drawn on the server (docs/targets.md#the-dashboard):
a bar for each year's value, coloured by its status, and the milestones' line of what
each year asks. No script, so it prints, reads without JavaScript and passes the content
security policy; the numbers stand beside it in a table, and its description says them
in words for a screen reader."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from services import targets
from web.i18n import gettext, say

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 16, 24
COLOURS = {  # AA contrast against white for the bars' labels' sake (docs/screens.md)
    "met": "#1e6b2e",
    "on_track": "#1e6b2e",
    "behind": "#8a5a00",
    "pending": "#8a5a00",
    "not_met": "#b3261e",
    "no_data": "#8a96a3",
}


def description(view: targets.TargetView) -> str:
    return "; ".join(
        gettext(
            "%(year)s: %(value)s, target %(expected)s, %(status)s",
            year=point.year,
            value=view.target.shown(point.value),
            expected=view.target.shown(point.expected),
            status=say(targets.STATUS_WORDS[point.status]),
        )
        for point in view.points
    )


def _step(highest: float, whole: bool) -> float:
    """The grid's step: the smallest of 1, 2, 2.5 or 5 times a power of ten that reaches
    ``highest`` in at most five steps (a whole number for a count)."""
    wanted = highest / 5
    power = 10 ** math.floor(math.log10(wanted))
    step = next(factor * power for factor in (1, 2, 2.5, 5, 10) if factor * power >= wanted)
    return max(math.ceil(step), 1) if whole else step


def chart(view: targets.TargetView, element_id: str) -> Markup:
    points = view.points
    highest = max([point.value or 0 for point in points] + [point.expected or 0 for point in points] + [1])
    highest *= 1.1  # room for the value written above its bar
    step = _step(highest, whole=view.target.kind != targets.SHARE)
    lines = math.ceil(highest / step)
    top = step * lines
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / len(points)

    def y(value: float) -> float:
        return TOP + inner_h * (1 - value / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{element_id}-title {element_id}-desc" id="{element_id}">',
        f'<title id="{element_id}-title">{escape(say(view.target.name))}</title>',
        f'<desc id="{element_id}-desc">{escape(description(view))}</desc>',
    ]
    for index in range(lines + 1):  # the grid, from 0 to the top
        value = step * index
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#d5dbe3"/>'
            f'<text x="{LEFT - 4}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="10" fill="#5b6776">'
            f"{escape(view.target.shown(value))}</text>"
        )
    line = []
    for index, point in enumerate(points):
        middle = LEFT + slot * (index + 0.5)
        bar = min(slot * 0.6, 48)
        if point.value is not None:
            colour = COLOURS[point.status]
            parts.append(
                f'<rect x="{middle - bar / 2:.1f}" y="{y(point.value):.1f}" width="{bar:.1f}" '
                f'height="{TOP + inner_h - y(point.value):.1f}" fill="{colour}"/>'
                f'<text x="{middle:.1f}" y="{y(point.value) - 3:.1f}" text-anchor="middle" font-size="10" '
                f'fill="#1d2733">{escape(view.target.shown(point.value))}</text>'
            )
        parts.append(
            f'<text x="{middle:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="10" fill="#1d2733">'
            f"{point.year}</text>"
        )
        if point.expected is not None:
            line.append(f"{middle:.1f},{y(point.expected):.1f}")
    if line:
        parts.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="#0b5cad" stroke-width="2" '
            f'stroke-dasharray="5 3" class="expected"/>'
        )
        parts += [
            f'<circle cx="{spot.split(",")[0]}" cy="{spot.split(",")[1]}" r="3" fill="#0b5cad"/>'
            for spot in line
        ]
    parts.append("</svg>")
    return Markup("".join(parts))
