"""A picture of a dashboard as CloudWatch would draw it, for a person without a console: an HTML page
(inline SVG, no script) with each widget where CloudWatch places it, drawn from the data given."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from demo.markdown import markdown_html

GRID_COLUMNS = 24  # CloudWatch's dashboard grid
COLUMN_PX = 60  # the board is 1,440 px wide
ROW_PX = 34  # one grid row; CloudWatch's rows are about this tall
GAP_PX = 6
TITLE_PX = 26
LEGEND_ROW_PX = 18
LEGEND_CHAR_PX = 7  # about one character of the 12 px legend font
# CloudWatch's first graph colours, in the order it gives them to a widget's metrics.
SERIES_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
STATE_ORDER = ("ALARM", "INSUFFICIENT_DATA", "OK")  # how sortBy stateUpdatedTimestamp ranks states
NO_STATE = "UNKNOWN"  # an alarm the data says nothing of
NO_DATA = "No data available."

# namespace, metric name, dimensions as (name, value) in the widget's order
MetricKey = tuple[str, str, tuple[tuple[str, str], ...]]
Contributor = tuple[Sequence[str], float]  # the contributor's keys in the rule's order, its value
Point = tuple[datetime, float]


@dataclass(frozen=True)
class WidgetData:
    """What the widgets show: top contributors by rule name (any order; ranked when drawn), time
    series by metric, alarm states (ALARM, OK, INSUFFICIENT_DATA) by alarm name. Anything absent is
    drawn as CloudWatch draws a widget without data."""

    contributors: Mapping[str, Sequence[Contributor]] = field(default_factory=dict)
    series: Mapping[MetricKey, Sequence[Point]] = field(default_factory=dict)
    alarm_states: Mapping[str, str] = field(default_factory=dict)
    # What each expression row (a SEARCH, say) returned: (label, points) per series, in its order.
    expressions: Mapping[str, Sequence[tuple[str, Sequence[Point]]]] = field(default_factory=dict)


def expression_texts(properties: Mapping[str, Any]) -> list[str]:
    """The expressions of a metric widget's rows ([{"expression": ...}])."""
    return [
        str(row[0]["expression"])
        for row in properties.get("metrics", [])
        if isinstance(row, list) and row and isinstance(row[0], dict) and "expression" in row[0]
    ]


def metric_key(namespace: str, metric: str, dimensions: Sequence[tuple[str, str]]) -> MetricKey:
    return (namespace, metric, tuple(dimensions))


@dataclass(frozen=True)
class MetricRow:
    """One line of a metric widget's "metrics" array: [namespace, metric, name, value, ..., {options}]."""

    key: MetricKey
    options: Mapping[str, Any]

    @property
    def right(self) -> bool:
        return self.options.get("yAxis") == "right"

    @property
    def label(self) -> str:
        return str(self.options.get("label") or self.key[1])


def metric_rows(properties: Mapping[str, Any]) -> list[MetricRow]:
    rows = []
    for row in properties.get("metrics", []):
        if not isinstance(row, list) or len(row) < 2 or not all(isinstance(part, str) for part in row[:2]):
            continue  # an expression row draws nothing we hold data for
        options = row[-1] if isinstance(row[-1], dict) else {}
        flat = [part for part in row[2:] if isinstance(part, str)]
        dimensions = tuple(zip(flat[::2], flat[1::2], strict=False))
        rows.append(MetricRow(metric_key(row[0], row[1], dimensions), options))
    labels = [row.label for row in rows]
    # Two rows of one metric (a load balancer behind two endpoint services) get their last dimension.
    return [
        MetricRow(row.key, {**row.options, "label": f"{row.label} {row.key[2][-1][1]}"})
        if labels.count(row.label) > 1 and row.key[2]
        else row
        for row in rows
    ]


def alarm_name_of(arn: str) -> str:
    return arn.split(":alarm:", 1)[-1]


# --- numbers and axes -------------------------------------------------------------------------


def si(value: float) -> str:
    """1.5G, 250M, 3k, 0.5: the short numbers CloudWatch puts on its axes."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def axis_top(highest: float) -> tuple[float, float]:
    """A round top for an axis from 0 and the step of its 4 or 5 ticks; 0..1 when all is 0."""
    if highest <= 0:
        return 1.0, 0.25
    raw = highest / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.ceil(highest / step) * step, step


# --- widgets ----------------------------------------------------------------------------------


def no_data(text: str = NO_DATA) -> str:
    return f'<div class="nodata">{html.escape(text)}</div>'


def alarms_html(properties: Mapping[str, Any], data: WidgetData) -> str:
    """The alarms with their states, firing ones first (sortBy stateUpdatedTimestamp); only those in
    `states` when the widget filters."""
    names = [alarm_name_of(arn) for arn in properties.get("alarms", [])]
    if not any(name in data.alarm_states for name in names):
        return no_data("No alarm states available.")
    states = {name: data.alarm_states.get(name, NO_STATE) for name in names}
    wanted = properties.get("states") or []
    shown = [name for name in names if not wanted or states[name] in wanted]
    if not shown:
        return f'<div class="calm">No alarms in {html.escape(" or ".join(wanted))}.</div>'
    rank = {state: n for n, state in enumerate(STATE_ORDER)}
    shown.sort(key=lambda name: (rank.get(states[name], len(STATE_ORDER)), name))
    items = "".join(
        f'<li class="alarm" data-state="{html.escape(states[n])}"><span class="state s-{html.escape(states[n])}">'
        f'{html.escape(states[n].replace("_", " "))}</span> <span class="name">{html.escape(n)}</span></li>'
        for n in shown
    )
    return f'<ul class="alarms">{items}</ul>'


def contributors_html(properties: Mapping[str, Any], data: WidgetData) -> str:
    """Top contributors as ranked bars, the longest for the largest value."""
    rule = properties["insightRule"]
    ranked = sorted(data.contributors.get(rule["ruleName"], ()), key=lambda c: (-c[1], list(c[0])))
    ranked = ranked[: int(rule.get("maxContributorCount", 10))]
    if not ranked:
        return no_data("No contributors available.")
    largest = max(value for _, value in ranked) or 1.0
    rows = "".join(
        f'<div class="contributor"><span class="rank">{rank}</span>'
        f'<span class="keys">{html.escape(" · ".join(keys))}</span>'
        f'<span class="track"><span class="bar" style="width:{max(value, 0) / largest * 100:.1f}%"></span></span>'
        f'<span class="value">{si(value)}</span></div>'
        for rank, (keys, value) in enumerate(ranked, 1)
    )
    return f'<div class="contributors">{rows}</div>'


@dataclass(frozen=True)
class Box:
    width: float
    height: float


def line_chart_html(properties: Mapping[str, Any], data: WidgetData, box: Box) -> str:
    """Time series as lines on a left axis, and a right one when any metric asks for it; a legend below."""
    rows = metric_rows(properties)
    drawn = [(n, row, sorted(data.series.get(row.key, ()))) for n, row in enumerate(rows)]
    for expression in expression_texts(properties):  # each series it returned, ranked as returned
        for label, points in data.expressions.get(expression, ()):
            drawn.append((len(drawn), MetricRow(metric_key("", label, ()), {"label": label}), sorted(points)))
    rows = [row for _, row, _ in drawn]
    lines = [
        (float(mark["value"]), str(mark.get("label", "")))
        for mark in properties.get("annotations", {}).get("horizontal", [])
    ]
    with_data = [(n, row, points) for n, row, points in drawn if points]
    legend = "".join(
        f'<span class="key{"" if points else " empty"}"><i style="background:{SERIES_COLOURS[n % 8]}"></i>'
        f"{html.escape(row.label)}{' (right)' if row.right else ''}{'' if points else ' (no data)'}</span>"
        for n, row, points in drawn
    )
    chars = sum(len(row.label) + 6 for row in rows)
    legend_px = LEGEND_ROW_PX * max(1, math.ceil(chars * LEGEND_CHAR_PX / box.width))
    if not with_data:
        return no_data() + f'<div class="legend">{legend}</div>'
    width, height = box.width, max(box.height - legend_px, 60)
    axes = properties.get("yAxis", {})
    has_right = any(row.right for row in rows)
    left_px, right_px, top_px, bottom_px = 52, (52 if has_right else 14), 8, 22
    plot_w, plot_h = width - left_px - right_px, height - top_px - bottom_px
    start = min(p[0] for _, _, points in with_data for p in points)
    end = max(p[0] for _, _, points in with_data for p in points)
    span = (end - start).total_seconds() or 1.0
    marks = [value for value, _ in lines]  # a threshold line stays in sight
    tops = {
        side: axis_top(
            max(
                [v for _, row, points in with_data if row.right is right for _, v in points]
                + (marks if not right else []),
                default=0,
            )
        )
        for side, right in (("left", False), ("right", True))
    }
    parts = [f'<rect x="{left_px}" y="{top_px}" width="{plot_w:.0f}" height="{plot_h:.0f}" class="plot"/>']
    for side in ("left", "right") if has_right else ("left",):
        top, step = tops[side]
        x = left_px - 4 if side == "left" else left_px + plot_w + 4
        anchor = "end" if side == "left" else "start"
        for tick in range(round(top / step) + 1):
            value = tick * step
            y = top_px + plot_h - value / top * plot_h
            if side == "left":
                grid = f'x1="{left_px}" x2="{left_px + plot_w:.0f}" y1="{y:.1f}" y2="{y:.1f}"'
                parts.append(f'<line {grid} class="grid"/>')
            parts.append(f'<text x="{x:.0f}" y="{y + 4:.1f}" text-anchor="{anchor}">{si(value)}</text>')
        label = str(axes.get(side, {}).get("label", ""))
        if label:
            lx = 12 if side == "left" else width - 6
            ly = top_px + plot_h / 2
            parts.append(
                f'<text class="axis-label" x="{lx:.0f}" y="{ly:.0f}" text-anchor="middle" '
                f'transform="rotate(-90 {lx:.0f} {ly:.0f})">{html.escape(label)}</text>'
            )
    for tick in range(5):
        moment = start.timestamp() + span * tick / 4
        x = left_px + plot_w * tick / 4
        clock = datetime.fromtimestamp(moment, UTC).strftime("%H:%M")
        parts.append(f'<text x="{x:.0f}" y="{height - 6:.0f}" text-anchor="middle">{clock}</text>')
    for n, row, points in with_data:
        top = tops["right" if row.right else "left"][0]
        coords = " ".join(
            f"{left_px + (t - start).total_seconds() / span * plot_w:.1f},{top_px + plot_h - v / top * plot_h:.1f}"
            for t, v in points
        )
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="1.6" '
            f'data-metric="{html.escape(row.label)}" data-axis="{"right" if row.right else "left"}"/>'
        )
    for value, label in lines:  # horizontal annotations, on the left axis, dashed
        y = top_px + plot_h - value / tops["left"][0] * plot_h
        parts.append(
            f'<line x1="{left_px}" x2="{left_px + plot_w:.0f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d62728" '
            f'stroke-dasharray="4 3" data-annotation="{html.escape(label)}"/>'
        )
        parts.append(f'<text x="{left_px + 4}" y="{y - 3:.1f}" fill="#d62728">{html.escape(label)} {si(value)}</text>')
    svg = (
        f'<svg class="chart" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
    return svg + f'<div class="legend">{legend}</div>'


def widget_html(widget: Mapping[str, Any], data: WidgetData) -> str:
    properties = widget.get("properties", {})
    box = Box(
        widget["width"] * COLUMN_PX - GAP_PX - 12, widget["height"] * ROW_PX - GAP_PX - TITLE_PX - 8
    )  # less padding and title
    if widget["type"] == "text":
        return f'<div class="markdown">{markdown_html(properties.get("markdown", ""))}</div>'
    if widget["type"] == "alarm":
        return alarms_html(properties, data)
    if "insightRule" in properties:
        return contributors_html(properties, data)
    return line_chart_html(properties, data, box)


def widget_title(widget: Mapping[str, Any]) -> str:
    if widget["type"] == "text":
        return ""
    return str(widget.get("properties", {}).get("title", ""))


def dashboard_html(name: str, body: str, data: WidgetData | None = None, note: str = "") -> str:
    """The page: each widget at its grid place and size, drawn from `data` (none: every widget without data)."""
    data = data or WidgetData()
    widgets = json.loads(body)["widgets"]
    height = max((w["y"] + w["height"] for w in widgets), default=0) * ROW_PX
    boxes = []
    for widget in widgets:
        kind = "insight" if "insightRule" in widget.get("properties", {}) else widget["type"]
        style = (
            f"left:{widget['x'] * COLUMN_PX}px;top:{widget['y'] * ROW_PX}px;"
            f"width:{widget['width'] * COLUMN_PX - GAP_PX}px;height:{widget['height'] * ROW_PX - GAP_PX}px"
        )
        title = widget_title(widget)
        heading = f'<div class="title">{html.escape(title)}</div>' if title else ""
        boxes.append(f'<div class="w {kind}" style="{style}">{heading}{widget_html(widget, data)}</div>')
    caption = f"<p>{html.escape(note)}</p>" if note else ""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(name)}</title>
<style>
body {{ font: 13px "Amazon Ember", system-ui, sans-serif; margin: 16px; background: #f2f3f3; color: #16191f; }}
h1.page {{ font-size: 20px; margin: 0 0 4px 0; }}
.board {{ position: relative; width: {GRID_COLUMNS * COLUMN_PX}px; height: {height}px; }}
.w {{ position: absolute; box-sizing: border-box; background: #fff; border: 1px solid #d5dbdb;
      border-radius: 2px; padding: 4px 6px; overflow: hidden; }}
.w.text {{ overflow: auto; }}
.title {{ font-weight: 700; height: {TITLE_PX - 6}px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.markdown h1, .markdown h2, .markdown h3 {{ margin: 2px 0 6px 0; }}
.markdown h2 {{ font-size: 18px; }} .markdown h3 {{ font-size: 15px; }}
.markdown p {{ margin: 0 0 6px 0; }}
.markdown table {{ border-collapse: collapse; margin: 0 0 6px 0; }}
.markdown th, .markdown td {{ border: 1px solid #d5dbdb; padding: 2px 8px; text-align: left; }}
.markdown th {{ background: #fafafa; }}
code {{ background: #f2f3f3; padding: 0 3px; border-radius: 2px; font-size: 12px; }}
pre {{ background: #f2f3f3; padding: 6px; }}
.nodata, .calm {{ color: #687078; text-align: center; padding-top: 24px; }}
.calm {{ color: #1d8102; }}
ul.alarms {{ list-style: none; margin: 0; padding: 0; }}
li.alarm {{ padding: 2px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.state {{ display: inline-block; min-width: 112px; padding: 1px 6px; border-radius: 10px; color: #fff;
          font-size: 11px; font-weight: 700; text-align: center; }}
.s-ALARM {{ background: #d13212; }} .s-OK {{ background: #1d8102; }}
.s-INSUFFICIENT_DATA, .s-{NO_STATE} {{ background: #879596; }}
.contributor {{ display: flex; align-items: center; gap: 6px; height: 16px; font-size: 12px; }}  /* 10 fit in 6 rows */
.rank {{ width: 14px; color: #687078; text-align: right; }}
.keys {{ width: 45%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.track {{ flex: 1; background: #f2f3f3; height: 10px; }}
.bar {{ display: block; height: 10px; background: #1f77b4; }}
.value {{ width: 48px; text-align: right; }}
svg.chart text {{ font-size: 10px; fill: #545b64; }}
svg.chart .axis-label {{ font-size: 11px; }}
svg.chart .plot {{ fill: none; stroke: #d5dbdb; }}
svg.chart .grid {{ stroke: #eaeded; }}
.legend {{ font-size: 12px; line-height: {LEGEND_ROW_PX}px; }}
.key {{ margin-right: 12px; white-space: nowrap; }}
.key i {{ display: inline-block; width: 10px; height: 3px; margin: 0 4px 3px 0; }}
.key.empty {{ color: #879596; }}
</style></head>
<body><h1 class="page">{html.escape(name)}</h1>{caption}
<div class="board">{"".join(boxes)}</div></body></html>
"""
