"""The demo's dashboard picture: each widget kind drawn as CloudWatch would, with and without data."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from core.desire.state import desired_state
from core.settings import Settings
from demo.markdown import markdown_html
from demo.render import WidgetData, dashboard_html, metric_key, widget_html
from tests.builders import endpoint, flow_log, inventory
from tests.figures import NATIVE_WIDGETS_PER_RESOURCE, RULES_PER_RESOURCE

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NAMESPACE = "AWS/PrivateLinkEndpoints"
DIMENSIONS = (("VPC Endpoint Id", "vpce-1"),)
BOX = {"x": 0, "y": 0, "width": 12, "height": 6}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list["Element"] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def all(self, tag: str | None = None, cls: str | None = None) -> list["Element"]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes()):
                found.append(child)
            found += child.all(tag, cls)
        return found

    def full_text(self) -> str:
        return self.text + "".join(child.full_text() for child in self.children)


VOID = {"meta", "br", "img", "input", "line", "rect", "polyline", "path", "circle"}


class Tree(HTMLParser):
    """Parses the page into elements; fails on a closing tag that closes nothing open."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = Element("root", {})
        self.stack = [self.root]
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data


def parse(page: str) -> Element:
    return Tree(page).root


def points(*values: float) -> list[tuple[datetime, float]]:
    return [(START + timedelta(minutes=5 * n), value) for n, value in enumerate(values)]


def metric_widget(*rows: list) -> dict:
    return {**BOX, "type": "metric", "properties": {"title": "t", "period": 300, "metrics": list(rows)}}


def test_the_summary_markdown_becomes_headings_tables_lists_and_code() -> None:
    summary = "\n\n".join(
        [
            "## PrivateLink monitoring",
            "| resource | kind | why |\n|---|---|---|\n| vpce-gw | Gateway | no ENIs |\n| vpce-2 | Interface | no logs |",
            "- first\n- second",
            "Rendered at each reconcile. `plinsights-owner:plinsights`",
        ]
    )
    page = parse(markdown_html(summary))
    assert [h.full_text() for h in page.all("h2")] == ["PrivateLink monitoring"]
    (table,) = page.all("table")
    assert [th.full_text() for th in table.all("th")] == ["resource", "kind", "why"]
    rows = table.all("tbody")[0].all("tr")
    assert [[td.full_text() for td in row.all("td")] for row in rows] == [
        ["vpce-gw", "Gateway", "no ENIs"],
        ["vpce-2", "Interface", "no logs"],
    ]
    assert [li.full_text() for li in page.all("ul")[0].all("li")] == ["first", "second"]
    assert [c.full_text() for c in page.all("code")] == ["plinsights-owner:plinsights"]


def test_markdown_text_is_escaped_not_interpreted_as_html() -> None:
    page = parse(markdown_html("a <script>x</script> & b"))
    assert page.all("script") == [] and "<script>" in page.all("p")[0].full_text()


def alarm_widget(names: list[str], states: list[str] | None = None) -> dict:
    properties: dict = {"title": "alarms", "alarms": [f"arn:aws:cloudwatch:us-east-1:1:alarm:{n}" for n in names]}
    if states is not None:
        properties["states"] = states
    return {**BOX, "type": "alarm", "properties": properties}


STATES = {"a-ok": "OK", "b-firing": "ALARM", "c-waiting": "INSUFFICIENT_DATA", "d-firing": "ALARM"}


def test_alarms_are_listed_firing_first_each_with_its_state() -> None:
    page = parse(widget_html(alarm_widget(sorted(STATES)), WidgetData(alarm_states=STATES)))
    shown = [(li.attrs["data-state"], li.all("span", "name")[0].full_text()) for li in page.all("li", "alarm")]
    assert shown == [("ALARM", "b-firing"), ("ALARM", "d-firing"), ("INSUFFICIENT_DATA", "c-waiting"), ("OK", "a-ok")]
    badges = [span for li in page.all("li", "alarm") for span in li.all("span", "state")]
    assert [b.attrs["class"] for b in badges[:2]] == ["state s-ALARM", "state s-ALARM"]


def test_the_firing_section_shows_only_alarms_in_alarm_or_says_none_fire() -> None:
    firing = parse(widget_html(alarm_widget(sorted(STATES), ["ALARM"]), WidgetData(alarm_states=STATES)))
    assert [li.all("span", "name")[0].full_text() for li in firing.all("li", "alarm")] == ["b-firing", "d-firing"]
    calm = parse(widget_html(alarm_widget(["a-ok"], ["ALARM"]), WidgetData(alarm_states=STATES)))
    assert calm.all("li") == [] and calm.all("div", "calm")[0].full_text() == "No alarms in ALARM."


def test_alarms_without_states_draw_no_data() -> None:
    page = parse(widget_html(alarm_widget(["a-ok"]), WidgetData()))
    assert page.all("li") == [] and len(page.all("div", "nodata")) == 1


def insight_widget(rule: str, top: int = 10) -> dict:
    rule_ref = {"ruleName": rule, "maxContributorCount": top, "orderBy": "Sum"}
    return {**BOX, "type": "metric", "properties": {"title": "top", "insightRule": rule_ref}}


def test_top_contributors_draw_one_ranked_bar_each_the_largest_full_width() -> None:
    contributors = [(("10.0.0.9", "10.0.1.5"), 250.0), (("10.0.0.7", "10.0.1.5"), 1000.0), (("10.0.0.8", "x"), 500.0)]
    page = parse(widget_html(insight_widget("r"), WidgetData(contributors={"r": contributors})))
    rows = page.all("div", "contributor")
    assert [row.all("span", "keys")[0].full_text() for row in rows] == [
        "10.0.0.7 · 10.0.1.5",
        "10.0.0.8 · x",
        "10.0.0.9 · 10.0.1.5",
    ]
    widths = [bar.attrs["style"] for bar in page.all("span", "bar")]
    assert widths == ["width:100.0%", "width:50.0%", "width:25.0%"]  # 1000, 500, 250 of 1000


def test_top_contributors_stop_at_the_widgets_count_and_absent_ones_draw_no_data() -> None:
    many = [((f"10.0.0.{n}",), float(n)) for n in range(1, 8)]
    top = 3
    page = parse(widget_html(insight_widget("r", top), WidgetData(contributors={"r": many})))
    assert [row.all("span", "keys")[0].full_text() for row in page.all("div", "contributor")] == [
        "10.0.0.7",
        "10.0.0.6",
        "10.0.0.5",
    ]
    empty = parse(widget_html(insight_widget("other"), WidgetData(contributors={"r": many})))
    assert empty.all("span", "bar") == [] and len(empty.all("div", "nodata")) == 1


def test_time_series_draw_a_line_each_on_the_axis_the_widget_gives() -> None:
    flat = [d for pair in DIMENSIONS for d in pair]
    widget = metric_widget(
        [NAMESPACE, "BytesProcessed", *flat, {"stat": "Sum"}],
        [NAMESPACE, "NewConnections", *flat, {"stat": "Sum", "yAxis": "right"}],
        [NAMESPACE, "ActiveConnections", *flat, {"stat": "Average", "yAxis": "right"}],
    )
    series = {
        metric_key(NAMESPACE, "BytesProcessed", DIMENSIONS): points(1e9, 2e9, 1.5e9),
        metric_key(NAMESPACE, "NewConnections", DIMENSIONS): points(700, 800, 650),
    }
    page = parse(widget_html(widget, WidgetData(series=series)))
    lines = page.all("polyline")
    assert [(line.attrs["data-metric"], line.attrs["data-axis"]) for line in lines] == [
        ("BytesProcessed", "left"),
        ("NewConnections", "right"),
    ]
    assert all(len(line.attrs["points"].split()) == 3 for line in lines)  # a vertex per point
    ticks = page.all("svg")[0].all("text")
    assert {t.attrs["text-anchor"] for t in ticks} >= {"end", "start"}  # labels on the left and right axes
    assert "2G" in {t.full_text() for t in ticks}  # the left axis reaches the largest byte count
    legend = [key.full_text() for key in page.all("span", "key")]
    assert legend == ["BytesProcessed", "NewConnections (right)", "ActiveConnections (right) (no data)"]


def test_an_expression_draws_each_series_it_returned_in_order_and_a_threshold_line_stays_in_sight() -> None:
    expression = (
        'SORT(SEARCH(\'{ns,"Service Id","VPC Endpoint Id"} MetricName="RstPacketsSent"\', \'Sum\', 300), SUM, DESC, 10)'
    )
    widget = metric_widget([{"expression": expression, "id": "e1", "label": "${PROP('Dim.VPC Endpoint Id')}"}])
    widget["properties"]["annotations"] = {"horizontal": [{"label": "alarm: any one consumer", "value": 100}]}
    returned = [("vpce-b", points(40, 50)), ("vpce-a", points(1, 2))]
    svg = parse(widget_html(widget, WidgetData(expressions={expression: returned}))).all("svg")[0]
    assert [line.attrs["data-metric"] for line in svg.all("polyline")] == ["vpce-b", "vpce-a"]
    (mark,) = [line for line in svg.all("line") if "data-annotation" in line.attrs]
    (plot,) = svg.all("rect", "plot")
    assert float(plot.attrs["y"]) <= float(mark.attrs["y1"]) < float(plot.attrs["y"]) + float(plot.attrs["height"])
    assert "100" in {t.full_text() for t in svg.all("text")}  # the axis reaches the threshold above the data
    empty = parse(widget_html(widget, WidgetData())).all("div", "nodata")
    assert empty and empty[0].full_text() == "No data available."


def test_the_largest_value_touches_the_top_of_a_round_axis_and_zero_the_bottom() -> None:
    widget = metric_widget([NAMESPACE, "PacketsDropped", "VPC Endpoint Id", "vpce-1", {"stat": "Sum"}])
    series = {metric_key(NAMESPACE, "PacketsDropped", DIMENSIONS): points(0, 4, 0)}
    svg = parse(widget_html(widget, WidgetData(series=series))).all("svg")[0]
    (plot,) = svg.all("rect", "plot")
    top, bottom = float(plot.attrs["y"]), float(plot.attrs["y"]) + float(plot.attrs["height"])
    ys = [float(p.split(",")[1]) for p in svg.all("polyline")[0].attrs["points"].split()]
    assert ys[0] == ys[2] == round(bottom, 1) and abs(ys[1] - top) <= 0.1  # 4 is the axis top: 0..4 in steps of 1
    assert not any(t.attrs["text-anchor"] == "start" for t in svg.all("text"))  # no right axis asked for


def test_a_chart_without_data_says_so_and_draws_no_lines() -> None:
    widget = metric_widget([NAMESPACE, "BytesProcessed", "VPC Endpoint Id", "vpce-1", {"stat": "Sum"}])
    page = parse(widget_html(widget, WidgetData()))
    assert page.all("polyline") == [] and page.all("svg") == []
    assert page.all("div", "nodata")[0].full_text() == "No data available."


def test_the_page_draws_every_widget_of_a_real_dashboard_at_its_grid_place() -> None:
    state = desired_state(inventory(endpoint(), flow_log()), Settings())
    (dashboard,) = state.dashboards.values()
    widgets = json.loads(dashboard.body)["widgets"]
    page = parse(dashboard_html(dashboard.name, dashboard.body))
    boxes = page.all("div", "w")
    assert len(boxes) == len(widgets) == 1 + 1 + 1 + RULES_PER_RESOURCE + NATIVE_WIDGETS_PER_RESOURCE + 1
    # summary, firing section, the resource's header, rules, PrivateLink charts, its alarms
    assert [b.attrs["style"].split(";")[:2] for b in boxes] == [
        [f"left:{w['x'] * 60}px", f"top:{w['y'] * 34}px"] for w in widgets
    ]
    assert len(page.all("table")) == 0 and len(page.all("div", "insight")) == RULES_PER_RESOURCE
    assert len(page.all("div", "nodata")) == len(widgets) - 2  # all but the two text widgets have no data
