"""The reports' charts: offered calls as bars and the service level as a line, per group.

Drawn on the server as inline SVG (``templates/reports/chart.html``): no script, no library, no
CDN; the page's words (the title, the legend, each bar's tooltip) are the template's, in the
page's language. This module is the geometry alone, pure (no I/O, no framework):

- one bar per group (an hour of the day, a day), its height the calls offered, against the
  axis on the reading start side (0 to a round number at or above the most offered: steps of
  1, 2 or 5 times a power of ten);
- the service level (0-100 %) as a line through the middle of each bar, against the axis on
  the reading end side, broken where a group has none (no call answered or abandoned);
- in a right-to-left page the chart is mirrored: the first group on the right, the offered
  axis on the right, the service level's on the left; numbers and hours read as ever;
- a group's label under every bar while they fit, else under every n-th, counted back from
  the last (the range's end is always named).

Sizes are the SVG's user units (``WIDTH`` by ``HEIGHT``); the page scales the whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 960
HEIGHT = 300
TOP, BOTTOM, SIDE = 18, 40, 60  # the plot's margins
#: The most group labels along the bottom (each up to six characters at the chart's size).
MAX_LABELS = 14


@dataclass(frozen=True, slots=True)
class Point:
    """One group's numbers: its short name (under its bar), the calls offered, the service
    level (None: none), and its full name (the tooltip's; "": the short one)."""

    label: str
    offered: int
    sl_pct: float | None
    full: str = ""

    @property
    def name(self) -> str:
        return self.full or self.label


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    point: Point
    middle: float  # the bar's middle, where its dot and label go
    labelled: bool


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    lines: tuple[str, ...]  # the service level's runs, as SVG polyline points
    dots: tuple[tuple[float, float, Point], ...]
    offered_ticks: tuple[Tick, ...]
    sl_ticks: tuple[Tick, ...]
    offered_x: float  # where the offered axis' numbers end (their anchor)
    sl_x: float
    offered_anchor: str  # the SVG text-anchor of each axis' numbers
    sl_anchor: str
    left: float  # the plot's edges
    right: float
    top: float
    bottom: float
    label_y: float


def nice_top(most: int) -> tuple[int, int]:
    """The offered axis' top and step: four or five steps of 1, 2 or 5 times a power of ten."""
    if most <= 0:
        return 4, 1
    rough = most / 4
    power = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    step = max(1, int(step))
    return step * math.ceil(most / step), step


def bar_line(points: Sequence[Point], *, rtl: bool = False) -> Chart:
    """The chart of ``points`` (in their order, the first at the reading start)."""
    left, right = float(SIDE), float(WIDTH - SIDE)
    top, bottom = float(TOP), float(HEIGHT - BOTTOM)
    span = bottom - top
    most, step = nice_top(max((p.offered for p in points), default=0))
    slot = (right - left) / max(1, len(points))
    width = max(1.0, slot * 0.7)
    every = max(1, math.ceil(len(points) / MAX_LABELS))

    def x_at(n: int) -> float:  # the start of slot n, mirrored in RTL
        start = left + n * slot
        return right - (start - left) - slot if rtl else start

    bars: list[Bar] = []
    for n, point in enumerate(points):
        height = span * point.offered / most
        x = x_at(n) + (slot - width) / 2
        labelled = (len(points) - 1 - n) % every == 0
        bars.append(
            Bar(
                round(x, 1), round(bottom - height, 1), round(width, 1), round(height, 1),
                point, round(x + width / 2, 1), labelled,
            )
        )  # fmt: skip
    lines: list[str] = []
    run: list[str] = []
    dots: list[tuple[float, float, Point]] = []
    for bar in bars:
        if bar.point.sl_pct is None:
            if len(run) > 1:
                lines.append(" ".join(run))
            run = []
            continue
        y = round(bottom - span * min(100.0, max(0.0, bar.point.sl_pct)) / 100, 1)
        run.append(f"{bar.middle},{y}")
        dots.append((bar.middle, y, bar.point))
    if len(run) > 1:
        lines.append(" ".join(run))
    offered_ticks = tuple(
        Tick(v, round(bottom - span * v / most, 1)) for v in range(0, most + 1, step)
    )
    sl_ticks = tuple(Tick(v, round(bottom - span * v / 100, 1)) for v in range(0, 101, 25))
    gap = 8.0
    return Chart(
        WIDTH, HEIGHT, tuple(bars), tuple(lines), tuple(dots), offered_ticks, sl_ticks,
        offered_x=right + gap if rtl else left - gap,
        sl_x=left - gap if rtl else right + gap,
        offered_anchor="start" if rtl else "end",
        sl_anchor="end" if rtl else "start",
        left=left, right=right, top=top, bottom=bottom, label_y=bottom + 24,
    )  # fmt: skip
