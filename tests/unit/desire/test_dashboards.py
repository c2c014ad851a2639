import itertools
import json
import math

import pytest

from core.artifacts.ownership import is_ours
from core.desire.dashboards import (
    FIRING_HEIGHT,
    MAX_ALARMS_PER_WIDGET,
    MAX_WIDGETS,
    Section,
    firing_widgets,
    render_dashboards,
    split_parts,
)
from core.desire.state import desired_state
from core.model import Coverage, FlowLog, Resource, ResourceKind, RuleKind
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory, load_balancer, shared_name_of
from tests.figures import ALARMS_PER_ENDPOINT, NATIVE_WIDGETS_PER_RESOURCE, RULES_PER_RESOURCE

SETTINGS = Settings()


def widgets(body: str) -> list[dict]:
    return json.loads(body)["widgets"]


def is_firing_section(widget: dict) -> bool:
    return widget["type"] == "alarm" and widget["properties"].get("states") == ["ALARM"]


def axis_of(row: list) -> str:
    return row[-1].get("yAxis", "left") if isinstance(row[-1], dict) else "left"


def metrics_by_axis(widget: dict) -> dict[str, set[str]]:
    axes: dict[str, set[str]] = {}
    for row in widget["properties"]["metrics"]:
        axes.setdefault(axis_of(row), set()).add(row[1])
    return axes


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_one_dashboard_per_region_named_with_the_prefix_and_region() -> None:
    state = desired_state(inventory(endpoint(), load_balancer(), flow_log()), SETTINGS)
    assert list(state.dashboards) == ["PrivateLink-us-east-1"]
    custom = desired_state(inventory(endpoint(), flow_log()), Settings(dashboard_prefix="TeamA"))
    assert list(custom.dashboards) == ["TeamA-us-east-1"]


def test_summary_on_top_then_a_section_per_resource_with_rules_metrics_and_alarms() -> None:
    state = desired_state(
        inventory(endpoint(), endpoint("vpce-gw", eni_ids=(), kind=ResourceKind.GATEWAY_ENDPOINT), flow_log()), SETTINGS
    )
    found = widgets(state.dashboards["PrivateLink-us-east-1"].body)
    summary = found[0]["properties"]["markdown"]
    assert found[0]["y"] == FIRING_HEIGHT and found[0]["width"] == 24  # right below the firing alarms
    assert "1 resources monitored with flow-log rules" in summary
    assert "vpce-gw" in summary and "gateway endpoints have no network interfaces" in summary
    assert is_firing_section(found[1])
    header = found[2]["properties"]["markdown"]
    assert "vpce-1" in header and "vpc-1" in header and "/flow/vpc" in header
    assert shared_name_of(RuleKind.BYTES) in header
    rules = [w["properties"]["insightRule"]["ruleName"] for w in found if "insightRule" in w.get("properties", {})]
    assert sorted(rules) == sorted(state.rules)
    native = next(w for w in found if w["properties"].get("metrics"))
    shown = {row[1] for w in found if w["properties"].get("metrics") for row in w["properties"]["metrics"]}
    assert shown >= {"BytesProcessed", "PacketsDropped"}
    assert native["properties"]["metrics"][0][2:10] == [
        "Endpoint Type",
        "Interface",
        "Service Name",
        "com.amazonaws.vpce.us-east-1.vpce-svc-1",
        "VPC Endpoint Id",
        "vpce-1",
        "VPC Id",
        "vpc-1",
    ]
    alarms = next(w for w in found if w["type"] == "alarm" and not is_firing_section(w))
    assert alarms["properties"]["alarms"] == [
        f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{n}" for n in sorted(state.alarms)
    ]


def test_widgets_never_overlap_and_stay_on_the_grid() -> None:
    many = [endpoint(f"vpce-{i}", eni_ids=(f"eni-{i}a", f"eni-{i}b")) for i in range(7)]
    state = desired_state(inventory(*many, load_balancer(), flow_log(), flow_log(on="subnet-a", group="/g2")), SETTINGS)
    found = widgets(state.dashboards["PrivateLink-us-east-1"].body)
    assert all(w["x"] >= 0 and w["x"] + w["width"] <= 24 for w in found)
    assert not any(overlaps(a, b) for i, a in enumerate(found) for b in found[i + 1 :])


def test_past_500_widgets_the_dashboards_split_into_numbered_parts() -> None:
    # Each: its text, a widget per rule, PrivateLink traffic and packets, alarms; just past one dashboard's worth.
    per_resource = 1 + RULES_PER_RESOURCE + NATIVE_WIDGETS_PER_RESOURCE + 1
    many = MAX_WIDGETS // per_resource + 1
    resources = [endpoint(f"vpce-{i:04d}", eni_ids=(f"eni-{i}",), dedicated=True) for i in range(many)]
    state = desired_state(inventory(*resources, flow_log()), SETTINGS)
    assert list(state.dashboards) == ["PrivateLink-us-east-1", "PrivateLink-us-east-1-2"]
    parts = [widgets(d.body) for d in state.dashboards.values()]
    assert all(len(found) <= MAX_WIDGETS for found in parts)
    sections = [[w for w in found[1:] if not is_firing_section(w)] for found in parts]  # less summary and top
    assert sum(len(found) for found in sections) == many * per_resource
    for found, section_widgets in zip(parts, sections, strict=True):
        listed = [a for w in section_widgets if w["type"] == "alarm" for a in w["properties"]["alarms"]]
        firing = [w for w in found if is_firing_section(w)]
        assert len(firing) == math.ceil(len(listed) / MAX_ALARMS_PER_WIDGET)  # each part lists its own alarms
        assert [a for w in firing for a in w["properties"]["alarms"]] == listed
    second = widgets(state.dashboards["PrivateLink-us-east-1-2"].body)
    assert "part 2 of 2" in second[0]["properties"]["markdown"]
    rules_shown = {
        w["properties"]["insightRule"]["ruleName"]
        for d in state.dashboards.values()
        for w in widgets(d.body)
        if "insightRule" in w["properties"]
    }
    assert rules_shown == set(state.rules)


def test_bytes_and_packet_counts_never_share_an_axis() -> None:
    # Bytes reach GB while drops and resets are about 0: on one axis a drop would draw as a flat line.
    state = desired_state(inventory(endpoint(), load_balancer(), flow_log()), SETTINGS)
    found = widgets(state.dashboards["PrivateLink-us-east-1"].body)
    # the endpoint's and the load balancer's own series (its consumers' rankings are SEARCH expressions)
    charts = [w for w in found if w["properties"].get("metrics") and isinstance(w["properties"]["metrics"][0][0], str)]
    assert len(charts) == NATIVE_WIDGETS_PER_RESOURCE * 2
    packets = {"PacketsDropped", "RstPacketsReceived", "RstPacketsSent"}
    for chart in charts:
        axes = metrics_by_axis(chart)
        if "BytesProcessed" in axes.get("left", set()):
            assert axes == {"left": {"BytesProcessed"}, "right": {"NewConnections", "ActiveConnections"}}
            assert chart["properties"]["yAxis"]["left"]["label"] == "bytes"
            assert chart["properties"]["yAxis"]["right"]["label"] == "connections"
        else:
            assert set(axes) == {"left"} and axes["left"] <= packets and axes["left"]
            assert chart["properties"]["yAxis"] == {"left": {"label": "packets", "min": 0}}
    drops = [c for c in charts if "PacketsDropped" in metrics_by_axis(c).get("left", set())]
    sent = [c for c in charts if "RstPacketsSent" in metrics_by_axis(c).get("left", set())]
    assert len(drops) == 1 and len(sent) == 1  # the endpoint's drops; the endpoint service's resets


def test_the_firing_alarms_head_the_dashboard_and_the_summary_stays_first_for_ownership() -> None:
    own = (endpoint("vpce-1", dedicated=True), endpoint("vpce-2", eni_ids=("eni-3",), dedicated=True))
    state = desired_state(inventory(*own, flow_log()), SETTINGS)
    body = state.dashboards["PrivateLink-us-east-1"].body
    found = widgets(body)
    (firing,) = [w for w in found if is_firing_section(w)]
    assert (firing["x"], firing["y"], firing["width"]) == (0, 0, 24)
    assert firing["properties"]["sortBy"] == "stateUpdatedTimestamp"
    assert sorted(firing["properties"]["alarms"]) == sorted(
        f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{n}" for n in state.alarms
    )
    assert len(state.alarms) == 2 * ALARMS_PER_ENDPOINT
    assert all(w["y"] >= FIRING_HEIGHT for w in found if w is not firing)
    assert "markdown" in found[0]["properties"] and is_ours(body, SETTINGS)


def test_an_alarm_on_a_shared_rule_shows_in_each_section_it_serves_and_once_among_the_firing() -> None:
    state = desired_state(inventory(endpoint("vpce-1"), endpoint("vpce-2", eni_ids=("eni-3",)), flow_log()), SETTINGS)
    found = widgets(state.dashboards["PrivateLink-us-east-1"].body)
    (firing,) = [w for w in found if is_firing_section(w)]
    assert sorted(firing["properties"]["alarms"]) == sorted(
        f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{n}" for n in state.alarms
    )
    shared = [n for n, a in state.alarms.items() if not a.resource_id]
    sections = [w["properties"]["alarms"] for w in found if w["type"] == "alarm" and not is_firing_section(w)]
    assert len(sections) == 2 and all(any(name in arn for arn in s) for s in sections for name in shared)
    titles = [w["properties"]["title"] for w in found if "insightRule" in w.get("properties", {})]
    assert (
        sorted(title.split(", shared with ")[1] for title in titles) == ["vpce-1, by ENI"] * 3 + ["vpce-2, by ENI"] * 3
    )


def test_past_100_alarms_the_firing_section_takes_another_widget() -> None:
    resources = MAX_ALARMS_PER_WIDGET // ALARMS_PER_ENDPOINT + 1
    many = [endpoint(f"vpce-{i:03d}", eni_ids=(f"eni-{i}",), dedicated=True) for i in range(resources)]
    state = desired_state(inventory(*many, flow_log()), SETTINGS)
    found = widgets(state.dashboards["PrivateLink-us-east-1"].body)
    firing = [w for w in found if is_firing_section(w)]
    total = resources * ALARMS_PER_ENDPOINT
    assert [len(w["properties"]["alarms"]) for w in firing] == [MAX_ALARMS_PER_WIDGET, total - MAX_ALARMS_PER_WIDGET]
    assert [w["properties"]["title"] for w in firing] == ["Alarms in ALARM (1 of 2)", "Alarms in ALARM (2 of 2)"]
    assert [w["y"] for w in firing] == [0, FIRING_HEIGHT]  # stacked, full width, before everything else
    assert min(w["y"] for w in found if not is_firing_section(w)) == 2 * FIRING_HEIGHT


@pytest.mark.parametrize("alarms", [0, 1, MAX_ALARMS_PER_WIDGET, MAX_ALARMS_PER_WIDGET + 1, 2 * MAX_ALARMS_PER_WIDGET])
def test_the_firing_section_holds_every_alarm_once_at_most_100_a_widget(alarms: int) -> None:
    arns = [f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a-{n:03d}" for n in range(alarms)]
    found = firing_widgets(arns)
    assert len(found) == math.ceil(alarms / MAX_ALARMS_PER_WIDGET)
    assert all(1 <= len(w["properties"]["alarms"]) <= MAX_ALARMS_PER_WIDGET for w in found)
    assert [a for w in found for a in w["properties"]["alarms"]] == arns


def test_parts_count_the_firing_widgets_they_will_need() -> None:
    # Sections of 2 widgets and 40 alarms: the firing section grows by a widget every 2.5 sections,
    # so a part that counted only the sections' own widgets would pass 500.
    widget = ({"type": "text", "properties": {}}, 1, 1)
    sections = [Section((widget, widget), tuple(f"s{s}-a{a}" for a in range(40))) for s in range(400)]
    parts = split_parts(sections)
    assert [item for part in parts for item in part] == sections  # all, in order

    def size(part: list[Section]) -> int:
        alarms = sum(len(item.alarm_arns) for item in part)
        return 1 + sum(len(item.widgets) for item in part) + math.ceil(alarms / MAX_ALARMS_PER_WIDGET)

    assert all(size(part) <= MAX_WIDGETS for part in parts)
    assert all(size([*part, following[0]]) > MAX_WIDGETS for part, following in itertools.pairwise(parts))  # full


def test_every_dashboard_carries_the_owner_mark_and_others_do_not_pass_for_ours() -> None:
    state = desired_state(inventory(endpoint(), flow_log()), SETTINGS)
    body = state.dashboards["PrivateLink-us-east-1"].body
    assert is_ours(body, SETTINGS)
    assert not is_ours(body, Settings(prefix="teamb"))
    assert not is_ours('{"widgets": [{"type": "text", "properties": {"markdown": "hello"}}]}', SETTINGS)
    assert not is_ours("not json", SETTINGS)


def test_rendering_is_deterministic() -> None:
    items: list[Resource | FlowLog] = [
        endpoint("vpce-1"),
        endpoint("vpce-2", eni_ids=("eni-3",)),
        load_balancer(),
        flow_log(),
    ]
    first = desired_state(inventory(*items), SETTINGS).dashboards
    second = desired_state(inventory(*reversed(items)), SETTINGS).dashboards
    assert first == second


def test_no_resources_no_dashboard() -> None:
    assert desired_state(inventory(), SETTINGS).dashboards == {}


def test_a_resource_without_rules_or_alarms_gets_no_section_only_a_summary_line() -> None:
    gateway = endpoint("vpce-gw", eni_ids=(), kind=ResourceKind.GATEWAY_ENDPOINT)
    coverage = [Coverage(gateway, unmonitorable="gateway endpoints have no network interfaces")]
    (dashboard,) = render_dashboards(coverage, {}, {}, inventory(gateway), SETTINGS).values()
    (summary,) = widgets(dashboard.body)
    assert "vpce-gw" in summary["properties"]["markdown"]
