"""Inline SVG charts of the HTML report: the coverage curve and percentage bars.

The SVG holds no external reference and every text is HTML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from harbor_planner._text import pct1
from harbor_planner.outputs.values import esc, pct_text

__all__ = ["bars_svg", "coverage_curve_svg"]


def _nice_step(span: float, target: int = 5) -> float:
    """A 1-2-5 step giving about ``target`` intervals over ``span``."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag  # pragma: no cover


@dataclass(frozen=True)
class _Plot:
    """The plot area of a chart in pixels and the data ranges it shows."""

    width: int
    height: int
    ml: int
    mt: int
    pw: int
    ph: int
    x_max: int
    y0: float
    y1: float

    def sx(self, i: float) -> float:
        return self.ml + self.pw * i / self.x_max

    def sy(self, v: float) -> float:
        return self.mt + self.ph * (1 - (v - self.y0) / (self.y1 - self.y0))


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _y_range(ys: list[float], start_pct: float | None) -> tuple[float, float]:
    """Rounded coverage range (within 0-100) holding every value."""
    allv = [v for v in [*ys, start_pct] if v is not None and math.isfinite(v)]
    lo, hi = (min(allv), max(allv)) if allv else (0.0, 100.0)
    step = _nice_step(max(hi - lo, 1.0))
    y0 = max(0.0, math.floor(lo / step) * step)
    y1 = min(100.0, math.ceil(hi / step) * step)
    if y1 <= y0:
        y0, y1 = max(0.0, y0 - step), min(100.0, y1 + step)
        if y1 <= y0:
            y0, y1 = 0.0, 100.0
    return y0, y1


def _grid(p: _Plot) -> list[str]:
    """Horizontal grid lines with the y ticks, x ticks below the plot."""
    parts = []
    ystep = _nice_step(p.y1 - p.y0)
    t = p.y0
    while t <= p.y1 + 1e-9:
        y = p.sy(t)
        parts.append(
            f'<line x1="{p.ml}" y1="{y:.1f}" x2="{p.ml + p.pw}" y2="{y:.1f}" stroke="#e3e3e3"/>'
            f'<text x="{p.ml - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{t:g}</text>"
        )
        t += ystep
    xstep = max(1, round(_nice_step(p.x_max, 8)))
    bottom = p.mt + p.ph
    for i in range(0, p.x_max + 1, xstep):
        x = p.sx(i)
        parts.append(
            f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" stroke="#999"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="11">'
            f"{i}</text>"
        )
    return parts


def _stage_lines(p: _Plot, stages: Sequence[str] | None, n: int) -> list[str]:
    """Dashed lines, labelled, where the stage changes."""
    parts: list[str] = []
    if stages is None or not n:
        return parts
    for i in range(1, n):
        if str(stages[i]) != str(stages[i - 1]):
            x = p.sx(i + 0.5)
            parts.append(
                f'<line class="stage" x1="{x:.1f}" y1="{p.mt}" x2="{x:.1f}" y2="{p.mt + p.ph}" '
                'stroke="#888" stroke-dasharray="4 3"/>'
                f'<text x="{x + 3:.1f}" y="{p.mt + 12}" font-size="10" fill="#555">'
                f"{esc(stages[i])}</text>"
            )
    return parts


def _curve(p: _Plot, ys: list[float], start_pct: float | None) -> list[str]:
    """The polyline, the start square and the start and end values."""
    parts = []
    start = start_pct if _finite(start_pct) else None
    pts = [(p.sx(0), p.sy(start))] if start is not None else []
    pts.extend((p.sx(i + 1), p.sy(v)) for i, v in enumerate(ys))
    if len(pts) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    if start is not None:
        x, y = p.sx(0), p.sy(start)
        parts.append(
            f'<rect class="start" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
            f'fill="#555"><title>0: {start:.2f}%</title></rect>'
        )
    ends = [(0, start)] if start is not None else []
    if ys:
        ends.append((len(ys), ys[-1]))
    for i, v in ends:
        anchor = "start" if i == 0 else "end"
        dx, dy = (8, 16) if i == 0 else (-8, -8)  # the start below the rising curve
        parts.append(
            f'<text class="end" x="{p.sx(i) + dx:.1f}" y="{p.sy(v) + dy:.1f}" '
            f'text-anchor="{anchor}" font-size="11" fill="#333">{pct1(v)}%</text>'
        )
    return parts


def _points(p: _Plot, ys: list[float], labels: Sequence[str] | None) -> list[str]:
    """One circle per added site, its name and coverage on hover."""
    r = 3.5 if len(ys) <= 60 else 2.0
    parts = []
    for i, v in enumerate(ys):
        name = f" {labels[i]}" if labels is not None else ""
        parts.append(
            f'<circle class="pt" cx="{p.sx(i + 1):.1f}" cy="{p.sy(v):.1f}" r="{r}" '
            f'fill="#c0392b"><title>{i + 1}:{esc(name)} {v:.2f}%</title></circle>'
        )
    return parts


def _axis_titles(p: _Plot, x_label: str, y_label: str) -> str:
    mid_y = p.mt + p.ph / 2
    return (
        f'<text x="{p.ml + p.pw / 2:.1f}" y="{p.height - 8}" text-anchor="middle" '
        f'font-size="12">{esc(x_label)}</text>'
        f'<text x="14" y="{mid_y:.1f}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 14 {mid_y:.1f})">{esc(y_label)}</text>'
    )


def coverage_curve_svg(
    coverage_pct: Sequence[float],
    *,
    start_pct: float | None = None,
    labels: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
    x_label: str = "sites added",
    y_label: str = "coverage (%)",
    width: int = 640,
    height: int = 300,
) -> str:
    """Inline SVG of coverage % against the number of added sites.

    One ``<circle class="pt">`` per added site (with a ``<title>`` naming it), a square for the
    coverage before any site is added, dashed lines where the stage changes. All text is
    HTML-escaped; the SVG holds no external reference.

    Parameters
    ----------
    coverage_pct
        Coverage after each added site, in rank order.
    start_pct
        Coverage before the first site (drawn at x = 0).
    labels
        Name of each site (site ids), shown on hover.
    stages
        Stage label of each site; a change of label draws a boundary.
    x_label, y_label
        Axis titles.
    width, height
        Size in pixels.

    Returns
    -------
    str
        The ``<svg>`` element.

    """
    ys = [float(v) for v in coverage_pct]
    ml, mr, mt, mb = 56, 16, 14, 44
    y0, y1 = _y_range(ys, start_pct)
    p = _Plot(width, height, ml, mt, width - ml - mr, height - mt - mb, max(len(ys), 1), y0, y1)
    parts = [
        f'<svg class="curve" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{esc(y_label)} / {esc(x_label)}">',
        f'<rect x="{ml}" y="{mt}" width="{p.pw}" height="{p.ph}" fill="#fff" stroke="#999"/>',
        *_grid(p),
        *_stage_lines(p, stages, len(ys)),
        *_curve(p, ys, start_pct),
        *_points(p, ys, labels),
        _axis_titles(p, x_label, y_label),
        "</svg>",
    ]
    return "".join(parts)


def bars_svg(rows: Sequence[tuple[str, float | None, str]], *, width: int = 520) -> str:
    """Horizontal percentage bars.

    Parameters
    ----------
    rows
        ``(label, pct, colour)`` of each bar, top to bottom.
    width
        Width in pixels.

    Returns
    -------
    str
        The ``<svg>`` element.

    """
    bar_h, gap, ml, mr = 22, 10, 150, 60
    height = len(rows) * (bar_h + gap) + gap
    pw = width - ml - mr
    parts = [
        f'<svg class="bars" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    for k, (label, pct, colour) in enumerate(rows):
        y = gap + k * (bar_h + gap)
        w = 0.0 if pct is None else pw * max(0.0, min(100.0, float(pct))) / 100
        parts.append(
            f'<text x="{ml - 8}" y="{y + 15}" text-anchor="end" font-size="12">{esc(label)}</text>'
            f'<rect x="{ml}" y="{y}" width="{pw}" height="{bar_h}" fill="#f0f0f0"/>'
            f'<rect x="{ml}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>'
            f'<text x="{ml + w + 6:.1f}" y="{y + 15}" font-size="12">{esc(pct_text(pct))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
