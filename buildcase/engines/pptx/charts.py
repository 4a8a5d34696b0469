"""The deck's charts as native PowerPoint charts, from the figures their SVG was drawn
from (`render.slides`): bars (the survey, the cost against doing nothing), the payback's
line, the plan's phases as a Gantt of stacked bars, and the risks as bubbles with their
numbered legend beside them, and the tornado as bars out from a line at the return as
estimated. Each can be restyled in PowerPoint, carries its data, and
has the SVG's text alternative as its own. Every value is labelled as the SVG writes it."""

from __future__ import annotations

import math
from typing import Any

from pptx.chart.chart import Chart as PptxChart
from pptx.chart.data import BubbleChartData, CategoryChartData, XyChartData
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_TICK_LABEL_POSITION,
    XL_TICK_MARK,
)
from pptx.enum.dml import MSO_LINE
from pptx.shapes.shapetree import SlideShapes
from pptx.util import Pt

from buildcase.engines.pptx.layout import FONT, INK, MIN_TEXT, Look, loose, rgb, text_box
from buildcase.engines.pptx.reading import Block, Para, Run
from buildcase.render.slides import (
    BarChart,
    Driver,
    PaybackChart,
    RiskChart,
    SlideData,
    TimelineChart,
    TornadoChart,
)

Box = tuple[float, float, float, float]  # x, y, width, height in points
LOSS = "B71C1C"  # the charts' loss and gain (render/charts/svg.py)


def draw_chart(
    shapes: SlideShapes, block: Block, box: Box, data: SlideData, part: tuple[int, int],
    lang: str,
) -> bool:  # fmt: skip
    """The chart `block` names, drawn natively in `box`: its `part` (index, count) of the
    parts the deck shows it in. False where the data holds no such chart."""
    chart = data.charts.get(block.chart)
    if isinstance(chart, BarChart):
        _bars(shapes, _listed(chart, block.listed), box, data)
    elif isinstance(chart, RiskChart):
        _risks(shapes, chart, box, data, part, lang)
    elif isinstance(chart, PaybackChart):
        _payback(shapes, chart, box, data)
    elif isinstance(chart, TimelineChart):
        _timeline(shapes, chart, box, data)
    elif isinstance(chart, TornadoChart):
        _tornado(shapes, chart, block.listed, box, data, lang)
    else:
        return False
    frame = next(s for s in reversed(shapes) if getattr(s, "has_chart", False))
    frame._element.xpath("./*[1]/p:cNvPr")[0].set("descr", block.alt)
    return True


def _listed(chart: BarChart, listed: str) -> BarChart:
    """The bars this part of the chart shows: those its SVG lists, in its order."""
    said = listed.replace("\xa0", " ")
    bars = [b for b in chart.bars if f"{b.label}: {b.text}" in said] or chart.bars
    return BarChart(chart.name, chart.title, chart.axis, bars, chart.percent)


def _new(shapes: SlideShapes, kind: Any, data: Any, box: Box) -> PptxChart:
    x, y, w, h = box
    chart: PptxChart = loose(shapes).add_chart(kind, Pt(x), Pt(y), Pt(w), Pt(h), data).chart
    chart.has_legend = False
    chart.has_title = False
    chart.font.size = Pt(MIN_TEXT)
    chart.font.name = FONT
    chart.font.color.rgb = rgb(INK)
    return chart


def _axis_title(axis: Any, text: str) -> None:
    axis.has_title = True
    frame = axis.axis_title.text_frame
    frame.text = text
    font = frame.paragraphs[0].runs[0].font
    font.size, font.bold, font.name = Pt(MIN_TEXT), True, FONT


def _label(point: Any, text: str, position: Any = XL_LABEL_POSITION.OUTSIDE_END) -> None:
    """A point's label, the text the SVG writes beside it (never a field)."""
    label = point.data_label
    label.has_text_frame = True
    label.text_frame.text = text
    run = label.text_frame.paragraphs[0].runs[0]
    run.font.size, run.font.bold, run.font.name = Pt(MIN_TEXT), True, FONT
    label.position = position


def _bars(shapes: SlideShapes, chart: BarChart, box: Box, data: SlideData) -> None:
    """Horizontal bars, the first at the top, each labelled with its value as written."""
    bars = list(reversed(chart.bars))  # a bar chart draws its first category at the bottom
    table = loose(CategoryChartData)(number_format="0%" if chart.percent else data.money_format)
    table.categories = [b.label for b in bars]
    table.add_series(chart.axis, [b.value for b in bars])
    drawn = _new(shapes, XL_CHART_TYPE.BAR_CLUSTERED, table, box)
    plot = drawn.plots[0]
    plot.gap_width = 45
    series = plot.series[0]
    for point, bar in zip(series.points, bars, strict=True):
        loose(point.format.fill).solid()
        point.format.fill.fore_color.rgb = rgb(bar.colour)
        _label(point, bar.text)
    axis = drawn.value_axis
    axis.minimum_scale = 0
    top = max([b.value for b in bars] + [1e-9])
    axis.maximum_scale = 1.0 if chart.percent else top * 1.7  # room for the labels
    axis.has_major_gridlines = True
    axis.tick_labels.number_format = "0%" if chart.percent else data.money_format
    axis.tick_labels.number_format_is_linked = False
    _axis_title(axis, chart.axis)


def _risks(
    shapes: SlideShapes, chart: RiskChart, box: Box, data: SlideData, part: tuple[int, int],
    lang: str,
) -> None:  # fmt: skip
    """Every risk a bubble, numbered (each part the whole plot), and beside it the part's
    share of the numbered legend: as the SVG draws it on a slide."""
    x, y, w, h = box
    table = loose(BubbleChartData)(number_format=data.money_format)
    series = table.add_series(chart.y_axis)
    for b in chart.bubbles:
        series.add_data_point(b.likelihood, b.impact, b.expected)
    plot_w = w * 0.5
    drawn = _new(shapes, XL_CHART_TYPE.BUBBLE, table, (x, y, plot_w, h))
    plot = drawn.plots[0]
    plot.bubble_scale = 60
    for point, b in zip(plot.series[0].points, chart.bubbles, strict=True):
        loose(point.format.fill).solid()
        point.format.fill.fore_color.rgb = rgb(LOSS)
        _label(point, b.number, XL_LABEL_POSITION.CENTER)
        point.data_label.text_frame.paragraphs[0].runs[0].font.color.rgb = rgb("FFFFFF")
    across, up = drawn.category_axis, drawn.value_axis
    across.minimum_scale, across.maximum_scale, across.major_unit = 0.0, 1.0, 0.25
    across.tick_labels.number_format = "0%"
    across.tick_labels.number_format_is_linked = False
    across.has_major_gridlines = True
    up.minimum_scale = 0.0
    up.maximum_scale = max([b.impact for b in chart.bubbles] + [1.0]) * 1.25
    up.tick_labels.number_format = data.money_format
    up.tick_labels.number_format_is_linked = False
    _axis_title(across, chart.x_axis)
    _axis_title(up, chart.y_axis)
    index, count = part
    n = len(chart.bubbles)
    shown = chart.bubbles[n * index // count : n * (index + 1) // count]
    lk = Look(MIN_TEXT + 1.5, False, INK)
    legend = [(Para([Run(f"{b.number}. ", True), Run(b.text)]), lk) for b in shown]
    text_box(shapes, (x + plot_w + 24, y + 10, w - plot_w - 24, h - 10), legend, lang, space=10)


def _payback(shapes: SlideShapes, chart: PaybackChart, box: Box, data: SlideData) -> None:
    """The net value month by month: solid to the horizon, dashed past it where the series
    runs on to show a later payback, the payback marked and labelled."""
    table = loose(XyChartData)(number_format=data.money_format)
    solid = table.add_series(chart.axis)
    for month, value in enumerate(chart.net[: chart.horizon + 1]):
        solid.add_data_point(month, value)
    later = chart.net[chart.horizon :]
    if len(later) > 1:
        dashed = table.add_series(chart.axis + " +")
        for month, value in enumerate(later, start=chart.horizon):
            dashed.add_data_point(month, value)
    if chart.payback is not None:
        table.add_series(chart.payback_text).add_data_point(chart.payback, 0.0)
    drawn = _new(shapes, XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS, table, box)
    lines = drawn.plots[0].series
    for i, line in enumerate(lines):
        line.smooth = False
        line.format.line.width = Pt(3.5)
        line.format.line.color.rgb = rgb(data.neutral)
        if i == 1 and len(later) > 1:
            line.format.line.dash_style = MSO_LINE.DASH
    points = lines[0].points
    _label(points[0], chart.start_text, XL_LABEL_POSITION.ABOVE)
    _label(points[chart.horizon], chart.end_text, XL_LABEL_POSITION.ABOVE)
    if chart.payback is not None:
        mark = lines[-1]
        mark.marker.style = 8  # a circle
        mark.marker.size = 12
        loose(mark.marker.format.fill).solid()
        mark.marker.format.fill.fore_color.rgb = rgb(INK)
        _label(mark.points[0], chart.payback_text, XL_LABEL_POSITION.BELOW)
    across, up = drawn.category_axis, drawn.value_axis
    across.minimum_scale, across.maximum_scale = 0, len(chart.net) - 1
    across.major_unit = _month_step(len(chart.net) - 1)
    across.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # under the plot, not at zero
    up.tick_labels.number_format = data.money_format
    up.tick_labels.number_format_is_linked = False
    up.has_major_gridlines = True
    _axis_title(across, chart.x_axis)
    _axis_title(up, chart.axis)


def _month_step(months: int) -> int:
    return next((s for s in (1, 3, 6, 12, 24) if months / s <= 8), 36)


def _timeline(shapes: SlideShapes, chart: TimelineChart, box: Box, data: SlideData) -> None:
    """The phases as a Gantt: an unfilled bar to each phase's first week, its weeks in the
    brand's colour, an unfilled bar to the plan's end; each phase labelled as the SVG
    labels it, inside its bar where it fits, else beside it; the first phase at the top."""
    phases = list(reversed(chart.phases))
    total = max([p.end for p in phases] + [1.0])
    table = loose(CategoryChartData)(number_format="0.##")
    table.categories = [p.label for p in phases]
    table.add_series("start", [p.start for p in phases])
    table.add_series(chart.axis, [p.end - p.start for p in phases])
    table.add_series("end", [total - p.end for p in phases])
    drawn = _new(shapes, XL_CHART_TYPE.BAR_STACKED, table, box)
    plot = drawn.plots[0]
    plot.gap_width = 50
    before, weeks, after = plot.series
    before.format.fill.background()
    after.format.fill.background()
    loose(weeks.format.fill).solid()
    weeks.format.fill.fore_color.rgb = rgb(data.neutral)
    # the plot takes about half the chart's width, the phases' names the rest
    week_width = box[2] * 0.5 / total
    for i, phase in enumerate(phases):
        needs = len(phase.text) * 0.55 * MIN_TEXT + 12
        if (phase.end - phase.start) * week_width >= needs:
            _label(weeks.points[i], phase.text, XL_LABEL_POSITION.INSIDE_BASE)
            white = weeks.points[i].data_label.text_frame.paragraphs[0].runs[0].font
            white.color.rgb = rgb("FFFFFF")
        elif (total - phase.end) * week_width >= needs:
            _label(after.points[i], phase.text, XL_LABEL_POSITION.INSIDE_BASE)
        else:
            _label(before.points[i], phase.text, XL_LABEL_POSITION.INSIDE_END)
    axis = drawn.value_axis
    axis.minimum_scale = 0
    axis.maximum_scale = total
    axis.has_major_gridlines = True
    _axis_title(axis, chart.axis)


def _tornado(
    shapes: SlideShapes, chart: TornadoChart, listed: str, box: Box, data: SlideData, lang: str
) -> None:
    """The estimates the SVG lists, the widest swing on top, each a row of two bars out
    from the line at the return as estimated (the category axis, crossing there): to the
    return at the low end of its range (outlined) and at the high end (filled), each end
    labelled with its return as the SVG writes it. Under the chart, the SVG's notes."""
    shown = _swings(chart, listed)
    rest = len(chart.drivers) - len(shown)
    notes = [chart.note] if any(d.default for d in shown) else []
    notes += [chart.more[rest]] if rest else []
    x, y, w, h = box
    if notes:
        h -= 30
        lk = Look(MIN_TEXT, False, INK)
        text_box(shapes, (x, y + h + 4, w, 26), [(Para([Run(" · ".join(notes))]), lk)], lang)
    rows = list(reversed(shown))  # a bar chart draws its first category at the bottom
    table = loose(CategoryChartData)(number_format=chart.percent_format)
    table.categories = [d.label for d in rows]
    table.add_series(chart.low, [d.at_low for d in rows])
    table.add_series(chart.high, [d.at_high for d in rows])
    drawn = _new(shapes, XL_CHART_TYPE.BAR_CLUSTERED, table, (x, y, w, h))
    plot = drawn.plots[0]
    plot.gap_width, plot.overlap = 40, 100  # both ends on one row, either side of the line
    low, high = plot.series
    low.format.fill.background()
    low.format.line.color.rgb = rgb(data.neutral)
    low.format.line.width = Pt(1.5)
    loose(high.format.fill).solid()
    high.format.fill.fore_color.rgb = rgb(data.neutral)
    for series, texts in ((low, [d.low_text for d in rows]), (high, [d.high_text for d in rows])):
        for point, text in zip(series.points, texts, strict=True):
            if text != chart.lead_text:  # an end at the line says nothing the line does not
                _label(point, text)
    drawn.has_legend = True
    drawn.legend.position = XL_LEGEND_POSITION.BOTTOM
    drawn.legend.include_in_layout = False
    drawn.legend.font.size = Pt(MIN_TEXT)
    across, line = drawn.value_axis, drawn.category_axis
    ends = [v for d in shown for v in (d.at_low, d.at_high)] + [chart.lead]
    step = _step(max(ends) - min(ends))
    across.minimum_scale = math.floor((min(ends) - step * 0.8) / step) * step
    across.maximum_scale = math.ceil((max(ends) + step * 0.8) / step) * step
    across.major_unit = step
    across.crosses_at = chart.lead  # the bars run out from the line at the lead
    across.has_major_gridlines = True
    across.major_gridlines.format.line.color.rgb = rgb("D9D9D9")
    across.tick_labels.number_format = chart.percent_format
    across.tick_labels.number_format_is_linked = False
    _axis_title(across, chart.line)
    line.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # the names at the left, clear
    line.major_tick_mark = XL_TICK_MARK.NONE
    line.format.line.color.rgb = rgb(INK)
    line.format.line.width = Pt(2.25)


def _swings(chart: TornadoChart, listed: str) -> list[Driver]:
    """The estimates this slide's SVG lists, in its order (the widest swing first)."""
    said = " ".join(listed.split())
    shown = [
        d for d in chart.drivers
        if " ".join(f"{d.label}: {chart.low} {d.low_text}, {chart.high} {d.high_text}".split())
        in said
    ]  # fmt: skip
    return shown or chart.drivers[:5]


def _step(span: float) -> float:
    """A round step for a value axis across `span`: 1, 2, 2.5 or 5 times a power of ten,
    about five to a span."""
    raw = max(span, 1e-9) / 5
    power = 10.0 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))
