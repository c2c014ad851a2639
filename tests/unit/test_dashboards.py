import json

from core.dashboards import MAX_WIDGETS, render_dashboards
from core.desired import desired_state
from core.model import Coverage, FlowLog, Resource, ResourceKind
from core.ownership import is_ours
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory, load_balancer
from tests.figures import RULES_PER_RESOURCE

SETTINGS = Settings()


def widgets(body: str) -> list[dict]:
    return json.loads(body)["widgets"]


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
    assert found[0]["y"] == 0 and found[0]["width"] == 24
    assert "1 resources monitored with flow-log rules" in summary
    assert "vpce-gw" in summary and "gateway endpoints have no network interfaces" in summary
    header = found[1]["properties"]["markdown"]
    assert "vpce-1" in header and "vpc-1" in header and "/flow/vpc" in header and "plinsights-vpce-1-bytes" in header
    rules = [w["properties"]["insightRule"]["ruleName"] for w in found if "insightRule" in w.get("properties", {})]
    assert sorted(rules) == sorted(state.rules)
    native = next(w for w in found if w["properties"].get("metrics"))
    assert {row[1] for row in native["properties"]["metrics"]} >= {"BytesProcessed", "PacketsDropped"}
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
    alarms = next(w for w in found if w["type"] == "alarm")
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
    # Each: its text, a widget per rule, PrivateLink metrics and alarms; just past one dashboard's worth.
    per_resource = 1 + RULES_PER_RESOURCE + 2
    many = MAX_WIDGETS // per_resource + 1
    resources = [endpoint(f"vpce-{i:04d}", eni_ids=(f"eni-{i}",)) for i in range(many)]
    state = desired_state(inventory(*resources, flow_log()), SETTINGS)
    assert list(state.dashboards) == ["PrivateLink-us-east-1", "PrivateLink-us-east-1-2"]
    counts = [len(widgets(d.body)) for d in state.dashboards.values()]
    assert all(count <= MAX_WIDGETS for count in counts) and sum(counts) == many * per_resource + 2
    second = widgets(state.dashboards["PrivateLink-us-east-1-2"].body)
    assert "part 2 of 2" in second[0]["properties"]["markdown"]
    rules_shown = {
        w["properties"]["insightRule"]["ruleName"]
        for d in state.dashboards.values()
        for w in widgets(d.body)
        if "insightRule" in w["properties"]
    }
    assert rules_shown == set(state.rules)


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
