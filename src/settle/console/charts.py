"""Small server-rendered SVG charts: no script, no external assets, styled by console.css.

Each series is drawn with the CSS class `series-<i>`, so colours (and dark mode)
live in the stylesheet. Every mark carries a <title>, which browsers show on hover.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value`, so axis ticks land on round numbers."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def gauge(fraction: float | None, caption: str) -> Markup:
    """A ring filled to `fraction` (0–1) with the percentage in the middle; an empty ring reads "–"."""
    radius, stroke = 40.0, 11.0
    circumference = 2 * math.pi * radius
    shown = "–" if fraction is None else f"{fraction * 100:.0f}%"
    filled = 0.0 if fraction is None else max(0.0, min(1.0, fraction)) * circumference
    parts = [
        f'<svg class="chart gauge" viewBox="0 0 100 100" role="img" aria-label="{escape(caption)}: {shown}">',
        f"<title>{escape(caption)}: {shown}</title>",
        f'<circle class="gauge-track" cx="50" cy="50" r="{radius}" fill="none" stroke-width="{stroke}"/>',
    ]
    if filled:
        parts.append(
            f'<circle class="gauge-fill" cx="50" cy="50" r="{radius}" fill="none" stroke-width="{stroke}" '
            f'stroke-dasharray="{filled:.2f} {circumference:.2f}" stroke-linecap="round" transform="rotate(-90 50 50)"/>'
        )
    parts.append(f'<text class="gauge-value" x="50" y="50" text-anchor="middle" dominant-baseline="central">{shown}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(
    rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[Series], caption: str, width: int = 440, label_width: int = 150
) -> Markup:
    """One stacked bar per row, in the order given, with its total at the end."""
    row_height, bar_height = 30, 18
    plot = width - label_width - 48
    top = max((sum(values) for _, values in rows), default=0)
    height = max(1, len(rows)) * row_height + 6
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(caption)}"><title>{escape(caption)}</title>']
    if not rows or top == 0:
        parts.append(f'<text class="chart-empty" x="{width / 2}" y="{height / 2}" text-anchor="middle" dominant-baseline="central">–</text></svg>')
        return Markup("".join(parts))
    for index, (label, values) in enumerate(rows):
        y = index * row_height + 6
        parts.append(
            f'<text class="chart-label" x="{label_width - 10}" y="{y + bar_height / 2}" text-anchor="end" dominant-baseline="central">{escape(label)}</text>'
        )
        x = float(label_width)
        for value, kind in zip(values, series, strict=True):
            if value:
                length = plot * value / top
                parts.append(
                    f'<rect class="{kind.css_class}" x="{x:.2f}" y="{y}" width="{length:.2f}" height="{bar_height}" rx="3">'
                    f"<title>{escape(label)} · {escape(kind.name)}: {value}</title></rect>"
                )
                x += length
        parts.append(f'<text class="chart-value" x="{x + 8:.2f}" y="{y + bar_height / 2}" dominant-baseline="central">{sum(values)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(points: Sequence[tuple[str, Sequence[int]]], series: Sequence[Series], caption: str) -> Markup:
    """Stacked columns over time; the y axis has four whole-numbered steps, the x axis about eight labels."""
    width, height, left, bottom, top_pad = 760, 220, 36, 24, 10
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    step = max(1.0, nice_ceiling(max((sum(values) for _, values in points), default=0) / 4))
    peak = step * 4
    parts = [f'<svg class="chart columns" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(caption)}"><title>{escape(caption)}</title>']
    for tick in range(5):
        y = top_pad + plot_h - plot_h * tick / 4
        parts.append(f'<line class="chart-gridline" x1="{left}" x2="{width - 8}" y1="{y:.2f}" y2="{y:.2f}"/>')
        parts.append(f'<text class="chart-axis" x="{left - 6}" y="{y:.2f}" text-anchor="end" dominant-baseline="central">{step * tick:.0f}</text>')
    if points:
        slot = plot_w / len(points)
        bar = max(1.0, slot * 0.72)
        label_every = max(1, math.ceil(len(points) / 8))
        for index, (label, values) in enumerate(points):
            x = left + index * slot + (slot - bar) / 2
            y = top_pad + plot_h
            for value, kind in zip(values, series, strict=True):
                if value:
                    length = plot_h * value / peak
                    y -= length
                    parts.append(
                        f'<rect class="{kind.css_class}" x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{length:.2f}" rx="1.5">'
                        f"<title>{escape(label)} · {escape(kind.name)}: {value}</title></rect>"
                    )
            if index % label_every == 0:
                parts.append(
                    f'<text class="chart-axis" x="{x + bar / 2:.2f}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>'
                )
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[int], caption: str) -> Markup:
    width, height = 120, 32
    parts = [f'<svg class="chart sparkline" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(caption)}"><title>{escape(caption)}</title>']
    if len(values) >= 2:
        peak = max(max(values), 1)
        step = width / (len(values) - 1)
        points = " ".join(f"{i * step:.1f},{height - 3 - (height - 6) * v / peak:.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline class="sparkline-line" fill="none" points="{points}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
