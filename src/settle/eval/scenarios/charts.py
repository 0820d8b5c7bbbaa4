"""Small inline-SVG charts for the HTML report: nothing external, readable printed.

Each function returns an `<svg>` element as a string; labels are escaped here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

FONT = "font-family='system-ui, sans-serif' font-size='12'"


@dataclass(frozen=True)
class Segment:
    value: float
    color: str
    name: str


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]

    @property
    def total(self) -> float:
        return sum(s.value for s in self.segments)


def bar_chart(chart_id: str, title: str, bars: list[Bar], *, legend: dict[str, str] | None = None, label_width: int = 150, width: int = 560) -> str:
    """Horizontal bars, stacked by segment, each with its total at the end; `legend` maps names to colours."""
    row, top = 26, 28
    height = top + row * max(len(bars), 1) + (34 if legend else 10)
    scale = (width - label_width - 60) / max([b.total for b in bars] + [1])
    parts = [_open(chart_id, title, width, height)]
    x = float(label_width)
    for name, color in (legend or {}).items():
        y = height - 16
        parts.append(f"<rect x='{x:.0f}' y='{y}' width='12' height='12' fill='{color}'/>")
        parts.append(f"<text x='{x + 16:.0f}' y='{y + 10}' {FONT}>{escape(name)}</text>")
        x += 30 + 7 * len(name)
    if not bars:
        parts.append(f"<text x='{label_width}' y='{top + 16}' {FONT} fill='#666'>nothing to show</text>")
    for index, bar in enumerate(bars):
        y = top + index * row
        parts.append(f"<text x='{label_width - 8}' y='{y + 15}' {FONT} text-anchor='end'>{escape(bar.label)}</text>")
        x = float(label_width)
        for segment in bar.segments:
            if segment.value <= 0:
                continue
            w = segment.value * scale
            parts.append(
                f"<rect x='{x:.1f}' y='{y + 3}' width='{max(w, 1):.1f}' height='{row - 8}' fill='{segment.color}'>"
                f"<title>{escape(bar.label)}: {escape(segment.name)} {segment.value:g}</title></rect>"
            )
            x += w
        parts.append(f"<text x='{x + 6:.1f}' y='{y + 15}' {FONT}>{bar.total:g}</text>")
    parts.append("</svg>")
    return "".join(parts)


def histogram(chart_id: str, title: str, values: list[float], *, unit: str = "ms", marks: dict[str, float] | None = None, width: int = 560) -> str:
    """Counts per bin of equal width, with vertical marks (e.g. p50, p95, a budget)."""
    height, left, bottom, top = 220, 40, 36, 28
    parts = [_open(chart_id, title, width, height)]
    if not values:
        parts.append(f"<text x='{left}' y='{top + 20}' {FONT} fill='#666'>no turns timed</text></svg>")
        return "".join(parts)
    step = nice_step(max(values) / 20)
    bins = [0] * (int(max(values) // step) + 1)
    for value in values:
        bins[int(value // step)] += 1
    plot_w, plot_h = width - left - 16, height - top - bottom
    bar_w = plot_w / len(bins)
    tallest = max(bins)
    for index, count in enumerate(bins):
        h = plot_h * count / tallest
        x = left + index * bar_w
        parts.append(
            f"<rect x='{x:.1f}' y='{top + plot_h - h:.1f}' width='{max(bar_w - 1, 1):.1f}' height='{h:.1f}' fill='#4c78a8'>"
            f"<title>{index * step:g}–{(index + 1) * step:g} {unit}: {count} turns</title></rect>"
        )
    axis_y = top + plot_h
    parts.append(f"<line x1='{left}' y1='{axis_y}' x2='{left + plot_w}' y2='{axis_y}' stroke='#333'/>")
    for index in range(0, len(bins) + 1, max(1, len(bins) // 5)):
        x = left + index * bar_w
        parts.append(f"<text x='{x:.1f}' y='{axis_y + 16}' {FONT} text-anchor='middle'>{index * step:g}</text>")
    parts.append(f"<text x='{left + plot_w}' y='{axis_y + 30}' {FONT} text-anchor='end'>{unit} per turn</text>")
    parts.append(f"<text x='{left - 6}' y='{top + 10}' {FONT} text-anchor='end'>{tallest}</text>")
    span = step * len(bins)
    for name, value in (marks or {}).items():
        if value > span:
            continue
        x = left + plot_w * value / span
        parts.append(f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{axis_y}' stroke='#d62728' stroke-dasharray='4 3'/>")
        parts.append(f"<text x='{x + 3:.1f}' y='{top + 10}' {FONT} fill='#d62728'>{escape(name)} {value:.0f}</text>")
    parts.append("</svg>")
    return "".join(parts)


def nice_step(raw: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at least `raw` (and positive)."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _open(chart_id: str, title: str, width: int, height: int) -> str:
    return (
        f"<svg id='{escape(chart_id)}' role='img' aria-labelledby='{escape(chart_id)}-title' "
        f"viewBox='0 0 {width} {height}' width='100%' style='max-width:{width}px'>"
        f"<title id='{escape(chart_id)}-title'>{escape(title)}</title>"
        f"<text x='0' y='16' font-family='system-ui, sans-serif' font-size='14' font-weight='600'>{escape(title)}</text>"
    )
