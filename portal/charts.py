"""Figures drawn on the server: bar charts as inline SVG, nothing loaded from outside.

``render(chart)`` turns a ``Chart`` (categories, one or more series, horizontal or vertical, stacked or side by side)
into one ``<figure>``: an ``<svg role="img">`` named by ``aria-label`` with a ``<title>`` and a ``<desc>`` that states
every number, a legend, and a 数据表 (a ``<details>`` table) with the exact values. Every string a person reads comes
from the caller (Chinese); numbers stay ``int``/``Decimal`` (no float anywhere: coordinates are computed in
``Decimal`` and written with one decimal). The SVG is 600 units wide (the 工作台's main column) and scales down (``max-width: 100%``), so it fits
the 工作台 on a 1366-px laptop; colours are the Okabe–Ito palette (told apart by people with colour-vision
deficiencies) with the legend and the table naming each series, and text takes the admin theme's colour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = Decimal | int

WIDTH = 600
FONT = 12
SMALL = 11
ROW = 28  # horizontal: one category per row
BAR = 18
LEGEND = 26
AXIS = 22
PLOT_HEIGHT = 220  # vertical: plot area
VALUE_SPACE = 96  # horizontal: room after the longest bar for its value label
MAX_LABEL = 170
ONE = Decimal("0.1")

# Okabe–Ito colours (and a neutral for "what is left"), readable on white and on the admin's dark theme.
BLUE = "#0072b2"
ORANGE = "#e69f00"
GREEN = "#009e73"
VERMILLION = "#d55e00"
SKY = "#56b4e9"
PURPLE = "#cc79a7"
GREY = "#a6b1bd"

_ids = count(1)


def plain(value: Number) -> str:
    """An integer with thousands separators, or a Decimal with two decimals (``1,234.50``)."""
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    return f"{value:,}"


def yuan(value: Number) -> str:
    """Money as people read it on a figure: 万元 with two decimals from 1 万 up, else 元 (``1,234.56 万元``)."""
    amount = Decimal(value)
    if abs(amount) >= 10000:
        return f"{(amount / 10000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,} 万元"
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,} 元"


def axis_number(value: Number) -> str:
    """An axis tick: no trailing zeros (``20``, ``2.5``, ``1,000``)."""
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount.normalize():,f}"


def yuan_axis(value: Number) -> str:
    """A money tick: ``200 万元`` from 1 万 up, else ``5,000 元``."""
    amount = Decimal(value)
    if not amount:
        return "0"
    return f"{axis_number(amount / 10000)} 万元" if abs(amount) >= 10000 else f"{axis_number(amount)} 元"


def yuan_exact(value: Number) -> str:
    return f"{plain(Decimal(value))} 元"


def pieces(value: Number) -> str:
    return f"{plain(value)} 件"


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: Sequence[Number]


@dataclass
class Chart:
    """A bar chart. ``values`` of each series line up with ``categories``; ``stacked`` draws series end to end (the
    bar's length is their sum), otherwise side by side. ``short``/``exact`` format a value for the figure and for
    the data table; ``scale_max`` fixes the axis end (e.g. 100 for a score); ``note`` is shown under the figure."""

    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    horizontal: bool = True
    stacked: bool = False
    short: Callable[[Number], str] = plain
    exact: Callable[[Number], str] = plain
    tick: Callable[[Number], str] = axis_number
    scale_max: Number | None = None
    note: str = ""
    total_label: str = "合计"
    summary: str = ""
    category_header: str = "项目"
    bar_labels: Sequence[str] = ()  # stacked: the text after each bar (default: the total, ``short``)
    percent: bool = False  # stacked, horizontal: every bar full length, segments as shares of its own total
    ident: str = field(default_factory=lambda: f"chart-{next(_ids)}")


# ------------------------------------------------------------------------------------------------- geometry
def text_width(text: str, size: int = FONT) -> int:
    """Approximate rendered width: CJK and full-width characters one em, others about half."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide * size + (len(text) - wide) * size * 6 // 10


def clip(text: str, width: int, size: int = FONT) -> str:
    """``text`` cut with an ellipsis so that it fits ``width``."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def nice_step(top: Decimal, ticks: int = 5) -> Decimal:
    """A 1-2-5 step so that about ``ticks`` steps cover ``top``."""
    if top <= 0:
        return Decimal(1)
    raw = top / ticks
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for factor in (1, 2, 5, 10):
        step = magnitude * factor
        if step >= raw:
            return step
    return magnitude * 10  # pragma: no cover - the loop always returns


def _d(value: Decimal) -> str:
    """A coordinate, one decimal, no exponent."""
    return f"{value.quantize(ONE, rounding=ROUND_HALF_UP):f}".removesuffix(".0")


def _axis(chart: Chart, length: Decimal = Decimal(400)) -> tuple[Decimal, Decimal]:
    """(axis end, tick step) covering the largest bar, with fewer ticks on a short axis (``length`` units)."""
    if chart.stacked:
        largest = max((sum((Decimal(s.values[i]) for s in chart.series), Decimal(0))
                       for i in range(len(chart.categories))), default=Decimal(0))
    else:
        largest = max((Decimal(v) for s in chart.series for v in s.values), default=Decimal(0))
    if chart.scale_max is not None:
        top = Decimal(chart.scale_max)
        return top, nice_step(top, max(2, min(5, int(length) // 90)))
    step = nice_step(largest, max(2, min(5, int(length) // 90)))
    top = step * max(Decimal(1), (largest / step).to_integral_value(rounding=ROUND_CEILING))
    return top, step


def _text(x: Decimal | int, y: Decimal | int, text: str, *, anchor: str = "start", size: int = FONT,
          cls: str = "chart-text", full: str = "") -> str:
    tip = f"<title>{escape(full)}</title>" if full and full != text else ""
    return (f'<text x="{_d(Decimal(x))}" y="{_d(Decimal(y))}" text-anchor="{anchor}" font-size="{size}" '
            f'class="{cls}" fill="#333">{tip}{escape(text)}</text>')


def _rect(x: Decimal, y: Decimal | int, w: Decimal, h: Decimal | int, colour: str, tip: str) -> str:
    return (f'<rect x="{_d(x)}" y="{_d(Decimal(y))}" width="{_d(max(w, Decimal(0)))}" height="{_d(Decimal(h))}" '
            f'fill="{colour}"><title>{escape(tip)}</title></rect>')


def _legend(chart: Chart) -> list[str]:
    out, x = [], 0
    for s in chart.series:
        out.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{s.colour}"/>')
        out.append(_text(x + 20, 18, s.label))
        x += 20 + text_width(s.label) + 24
    return out


def _totals(chart: Chart) -> list[Number]:
    """Per category, the sum of the series (an ``int`` when every value is one)."""
    return [sum((s.values[i] for s in chart.series), 0) for i in range(len(chart.categories))]


def _horizontal(chart: Chart) -> tuple[int, list[str]]:
    n = len(chart.categories)
    per_row = 1 if chart.stacked else len(chart.series)
    row = ROW if per_row == 1 else per_row * (BAR - 4) + 12
    bar = BAR if per_row == 1 else BAR - 6
    label_w = min(max((text_width(c) for c in chart.categories), default=0), MAX_LABEL)
    left = Decimal(label_w + 10)
    after = max([VALUE_SPACE] + [text_width(t, SMALL) + 12 for t in chart.bar_labels])
    plot = Decimal(WIDTH) - left - after
    top, step = (Decimal(100), Decimal(25 if plot >= 300 else 50)) if chart.percent else _axis(chart, plot)
    y0 = LEGEND
    height = y0 + n * row + AXIS
    parts = _legend(chart)
    tick = Decimal(0)
    while tick <= top:
        x = left + plot * tick / top
        parts.append(f'<line x1="{_d(x)}" y1="{y0}" x2="{_d(x)}" y2="{y0 + n * row}" class="chart-grid" '
                     f'stroke="#d0d5db"/>')
        label = f"{axis_number(tick)}%" if chart.percent else chart.tick(tick)
        parts.append(_text(x, y0 + n * row + 15, label, anchor="middle", size=SMALL))
        tick += step
    for i, category in enumerate(chart.categories):
        y = y0 + i * row
        parts.append(_text(label_w, y + row // 2 + 5, clip(category, label_w), anchor="end", full=category))
        if chart.stacked:
            x = left
            by = y + (row - bar) // 2
            whole = Decimal(_totals(chart)[i]) if chart.percent else top
            for s in chart.series:
                w = plot * Decimal(s.values[i]) / whole if whole else Decimal(0)
                parts.append(_rect(x, by, w, bar, s.colour, f"{category} {s.label}：{chart.exact(s.values[i])}"))
                x += w
            end = chart.bar_labels[i] if chart.bar_labels else chart.short(_totals(chart)[i])
            parts.append(_text(x + 6, by + bar - 5, end, size=SMALL))
        else:
            for k, s in enumerate(chart.series):
                by = y + 6 + k * (bar + 2)
                w = plot * Decimal(s.values[i]) / top
                parts.append(_rect(left, by, w, bar, s.colour, f"{category} {s.label}：{chart.exact(s.values[i])}"))
                parts.append(_text(left + w + 6, by + bar - 2, chart.short(s.values[i]), size=SMALL))
    parts.append(f'<line x1="{_d(left)}" y1="{y0}" x2="{_d(left)}" y2="{y0 + n * row}" stroke="#6b7785"/>')
    return height, parts


def _vertical(chart: Chart) -> tuple[int, list[str]]:
    n = len(chart.categories)
    top, step = _axis(chart)
    left = Decimal(max(text_width(chart.tick(top), SMALL) + 12, 40))
    plot_w = Decimal(WIDTH) - left - 8
    y0 = LEGEND + 18  # room for the value above the tallest bar
    base = y0 + PLOT_HEIGHT
    height = base + 2 * AXIS + 4
    slot = plot_w / max(n, 1)
    group = min(slot * Decimal("0.7"), Decimal(28 * (1 if chart.stacked else len(chart.series))))
    bar = group if chart.stacked else group / len(chart.series)
    parts = _legend(chart)
    tick = Decimal(0)
    while tick <= top:
        y = base - PLOT_HEIGHT * tick / top
        parts.append(f'<line x1="{_d(left)}" y1="{_d(y)}" x2="{WIDTH - 8}" y2="{_d(y)}" class="chart-grid" '
                     f'stroke="#d0d5db"/>')
        parts.append(_text(left - 6, y + 4, chart.tick(tick), anchor="end", size=SMALL))
        tick += step
    for i, category in enumerate(chart.categories):
        cx = left + slot * i + slot / 2
        first, _, second = category.partition("\n")
        parts.append(_text(cx, base + 16, clip(first, int(slot)), anchor="middle", size=SMALL, full=first))
        if second:
            parts.append(_text(cx, base + 30, clip(second, int(slot)), anchor="middle", size=SMALL, full=second))
        label = category.replace("\n", " ")
        if chart.stacked:
            y = Decimal(base)
            for s in chart.series:
                h = PLOT_HEIGHT * Decimal(s.values[i]) / top
                y -= h
                parts.append(_rect(cx - bar / 2, y, bar, h, s.colour, f"{label} {s.label}：{chart.exact(s.values[i])}"))
            if _totals(chart)[i]:
                parts.append(_text(cx, y - 4, chart.short(_totals(chart)[i]), anchor="middle", size=SMALL))
        else:
            for k, s in enumerate(chart.series):
                h = PLOT_HEIGHT * Decimal(s.values[i]) / top
                x = cx - group / 2 + bar * k
                parts.append(_rect(x, base - h, bar - 1, h, s.colour, f"{label} {s.label}：{chart.exact(s.values[i])}"))
    parts.append(f'<line x1="{_d(left)}" y1="{base}" x2="{WIDTH - 8}" y2="{base}" stroke="#6b7785"/>')
    return height, parts


# ------------------------------------------------------------------------------------------------- text
def describe(chart: Chart) -> str:
    """Every number of the chart in one paragraph (the SVG's ``<desc>``)."""
    lines = []
    for i, category in enumerate(chart.categories):
        values = "，".join(f"{s.label} {chart.exact(s.values[i])}" for s in chart.series)
        if chart.stacked and len(chart.series) > 1:
            values += f"，{chart.total_label} {chart.exact(_totals(chart)[i])}"
        lines.append(f"{category.replace(chr(10), ' ')}：{values}")
    return "；".join(lines) + "。"


def data_table(chart: Chart) -> str:
    head = "".join(f'<th scope="col">{escape(s.label)}</th>' for s in chart.series)
    with_total = chart.stacked and len(chart.series) > 1
    if with_total:
        head += f'<th scope="col">{escape(chart.total_label)}</th>'
    rows = []
    for i, category in enumerate(chart.categories):
        cells = "".join(f'<td class="num">{escape(chart.exact(s.values[i]))}</td>' for s in chart.series)
        if with_total:
            cells += f'<td class="num">{escape(chart.exact(_totals(chart)[i]))}</td>'
        rows.append(f'<tr><th scope="row">{escape(category.replace(chr(10), " "))}</th>{cells}</tr>')
    return (f'<details class="chart-data"><summary>数据表</summary><table><caption>{escape(chart.title)}</caption>'
            f'<thead><tr><th scope="col">{escape(chart.category_header)}</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></details>')


def render(chart: Chart) -> SafeString:
    """The chart as one ``<figure>`` (inline SVG, legend, data table); "暂无数据" when there is nothing to draw."""
    if not chart.categories:
        return mark_safe(  # noqa: S308 - every piece escaped
            f'<figure class="chart chart-empty" id="{chart.ident}"><figcaption>{escape(chart.title)}</figcaption>'
            f'<p>暂无数据。</p></figure>')
    height, parts = _horizontal(chart) if chart.horizontal else _vertical(chart)
    label = f"{chart.title}（{chart.summary}）" if chart.summary else chart.title
    note = f'<p class="chart-note">{escape(chart.note)}</p>' if chart.note else ""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" aria-label="{escape(label)}" '
           f'aria-describedby="{chart.ident}-desc">'
           f'<title id="{chart.ident}-title">{escape(label)}</title>'
           f'<desc id="{chart.ident}-desc">{escape(describe(chart))}</desc>'
           f'{"".join(parts)}</svg>')
    return mark_safe(  # noqa: S308 - every piece escaped
        f'<figure class="chart" id="{chart.ident}"><figcaption>{escape(chart.title)}</figcaption>{svg}{note}'
        f'{data_table(chart)}</figure>')
