import json

import pytest

from core.desire import dashboards as dashboard_rendering
from core.desire.alarms import DELIVERY_DELAY
from core.desire.health_alarms import HEALTH_TEMPLATES
from core.model import AlarmKind, RuleKind
from core.reconcile import run_reconcile
from core.settings import OWNER_TAG, Settings
from demo.world import build_demo_world
from tests.builders import shared_name_of
from tests.figures import NATIVE_WIDGETS_PER_RESOURCE, RULES_PER_RESOURCE
from tests.integration.conftest import Harness

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

DASHBOARD = "PrivateLink-us-east-1"


def alarms(aws: Harness) -> dict[str, dict]:
    pages = aws.world.cloudwatch.get_paginator("describe_alarms").paginate()
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def dashboards(aws: Harness) -> dict[str, str]:
    names = [d["DashboardName"] for d in aws.world.cloudwatch.list_dashboards()["DashboardEntries"]]
    return {n: aws.world.cloudwatch.get_dashboard(DashboardName=n)["DashboardBody"] for n in names}


def test_alarms_and_the_dashboard_are_created_with_the_rules_and_tagged_as_ours(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    run_reconcile(aws.clients, Settings(alarm_topic_arn="arn:aws:sns:us-east-1:123456789012:alerts"))
    found = alarms(aws)
    assert {n for n in found if demo.consumer_endpoint in n} == {
        f"plinsights-{demo.consumer_endpoint}-{k}" for k in ("dropped-packets", "resets-received")
    }
    top = found[shared_alarm_of(AlarmKind.TOP_BYTES, CONSUMER_LOGS)]
    assert top["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:alerts"] == top["OKActions"]
    assert top["Metrics"][0]["Expression"] == (
        f'INSIGHT_RULE_METRIC("{shared_name_of(RuleKind.BYTES, CONSUMER_LOGS)}", "MaxContributorValue")'
    )
    assert demo.consumer_endpoint in top["AlarmDescription"]  # the alarm says whom it serves
    tags = aws.world.cloudwatch.list_tags_for_resource(ResourceARN=top["AlarmArn"])["Tags"]
    assert {"Key": OWNER_TAG, "Value": "plinsights"} in tags
    assert f"plinsights-{demo.unlogged_endpoint}-dropped-packets" in found  # no flow log, still watched
    assert list(dashboards(aws)) == [DASHBOARD]


def shared_alarm_of(kind: AlarmKind, group: str) -> str:
    """The top-contributor alarm on the first shared rule of its rule kind over a default-format group."""
    rule_kind = RuleKind.BYTES if kind is AlarmKind.TOP_BYTES else RuleKind.REJECTS
    return shared_name_of(rule_kind, group).replace(f"-shared-{rule_kind.value}-", f"-shared-{kind.value}-")


def test_a_threshold_tag_updates_only_that_alarm_in_place(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    aws.world.ec2.create_tags(
        Resources=[demo.consumer_endpoint], Tags=[{"Key": "plinsights:dedicated-rules", "Value": "true"}]
    )
    run_reconcile(aws.clients, aws.settings)
    aws.world.ec2.create_tags(
        Resources=[demo.consumer_endpoint], Tags=[{"Key": "plinsights:bytes-top-threshold", "Value": "50000000"}]
    )
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert aws.writes(calls) == ["cloudwatch:PutMetricAlarm"]
    assert [c.name for c in outcome.plan.changes] == [f"plinsights-{demo.consumer_endpoint}-top-pair-bytes"]
    assert alarms(aws)[f"plinsights-{demo.consumer_endpoint}-top-pair-bytes"]["Threshold"] == 5e7


def test_a_bad_threshold_tag_is_reported_and_the_default_kept(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    aws.world.ec2.create_tags(
        Resources=[demo.consumer_endpoint], Tags=[{"Key": "plinsights:rejects-top-threshold", "Value": "many"}]
    )
    outcome = run_reconcile(aws.clients, aws.settings)
    alarm = alarms(aws)[f"plinsights-{demo.consumer_endpoint}-top-source-rejects"]
    assert alarm["Threshold"] == aws.settings.rejects_top_threshold
    notes = next(c.notes for c in outcome.desired.coverage if c.resource.resource_id == demo.consumer_endpoint)
    assert any("plinsights:rejects-top-threshold='many' is not a number" in note for note in notes)


def test_an_exclude_tag_on_a_vpc_removes_the_monitoring_already_made(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    aws.world.ec2.create_tags(Resources=[demo.consumer_vpc], Tags=[{"Key": "plinsights:exclude", "Value": "true"}])
    run_reconcile(aws.clients, aws.settings)
    assert not any(demo.consumer_endpoint in n for n in alarms(aws))
    assert not any(demo.consumer_endpoint in n for n in aws.world.rule_names())
    assert demo.consumer_endpoint in dashboards(aws)[DASHBOARD]  # listed in the summary as excluded


def test_tagged_mode_monitors_only_the_tagged_resources(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    aws.world.elbv2.add_tags(ResourceArns=[demo.load_balancer], Tags=[{"Key": "plinsights:monitor", "Value": "true"}])
    run_reconcile(aws.clients, Settings(selection="tagged"))
    tagged = f"plinsights-net-orders-nlb-{demo.load_balancer.rsplit('/', 1)[1]}-"
    consumers = f"plinsights-{demo.endpoint_service.rsplit('.', 1)[1]}-consumer-"  # its service's, by service id
    own = [name for name in alarms(aws) if not name.startswith("plinsights-shared-")]
    assert own and all(name.startswith((tagged, consumers)) for name in own)
    assert len(aws.world.rule_names()) == RULES_PER_RESOURCE  # shared rules serving the load balancer alone


def test_alarms_and_dashboards_that_are_not_ours_stay_untouched(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    theirs = f"plinsights-{demo.consumer_endpoint}-dropped-packets"  # our name, no owner tag
    aws.world.cloudwatch.put_metric_alarm(
        AlarmName=theirs, MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average", Period=60,
        EvaluationPeriods=1, Threshold=90, ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    their_body = json.dumps(
        {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "ops"}}]}
    )
    aws.world.cloudwatch.put_dashboard(DashboardName=DASHBOARD, DashboardBody=their_body)
    aws.world.cloudwatch.put_dashboard(DashboardName=f"{DASHBOARD}-2", DashboardBody=their_body)
    for _ in range(2):
        outcome = run_reconcile(aws.clients, aws.settings)
    assert alarms(aws)[theirs]["MetricName"] == "CPUUtilization"
    assert dashboards(aws) == {DASHBOARD: their_body, f"{DASHBOARD}-2": their_body}
    assert any(theirs in note for note in outcome.plan.notes) and any(DASHBOARD in note for note in outcome.plan.notes)


# AWS's limit is 500 widgets (tests/unit/desire/test_dashboards.py splits at it); here a lower one, so
# that a world of a few dozen endpoints crosses it: what is checked is the parts' lifecycle on moto.
WIDGET_LIMIT = 60


def test_past_the_widget_limit_the_dashboard_splits_and_the_extra_part_goes_when_no_longer_needed(
    aws: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_rendering, "MAX_WIDGETS", WIDGET_LIMIT)
    vpc, subnets = aws.world.vpc(subnets=1)
    per_endpoint = 1 + NATIVE_WIDGETS_PER_RESOURCE + 1  # header, PrivateLink charts, alarms: no flow logs, no rules
    count = WIDGET_LIMIT // per_endpoint + 1
    endpoints = [aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.us-east-1.ssm") for _ in range(count)]
    run_reconcile(aws.clients, aws.settings)
    bodies = dashboards(aws)
    assert sorted(bodies) == [DASHBOARD, f"{DASHBOARD}-2"]
    assert all(len(json.loads(b)["widgets"]) <= WIDGET_LIMIT for b in bodies.values())
    gone = count // 2  # under the deletion limit; what is left fits one dashboard, even a firing widget each
    assert gone + 1 <= aws.settings.max_deletes and 1 + (count - gone) * (per_endpoint + 1) <= WIDGET_LIMIT
    aws.world.ec2.delete_vpc_endpoints(VpcEndpointIds=endpoints[:gone])
    with aws.recording() as calls:
        run_reconcile(aws.clients, aws.settings)
    assert list(dashboards(aws)) == [DASHBOARD]
    assert calls.count("cloudwatch:DeleteDashboards") == 1 and calls.count("cloudwatch:DeleteAlarms") == 1


def test_an_unchanged_dashboard_is_read_once_and_not_rewritten(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    with aws.recording() as calls:
        run_reconcile(aws.clients, aws.settings)
    assert calls.count("cloudwatch:GetDashboard") == 1
    assert "cloudwatch:PutDashboard" not in calls


@pytest.mark.parametrize("mode", ["top", "total", "both"])
def test_flow_log_alarms_look_back_over_the_aggregation_interval_each_flow_log_reports(aws: Harness, mode: str) -> None:
    """moto stores MaxAggregationInterval as AWS does; the alarms written follow what discovery read."""
    fast_vpc, fast_subnets = aws.world.vpc(subnets=1)
    slow_vpc, slow_subnets = aws.world.vpc(subnets=1)
    own = {"plinsights:dedicated-rules": "true"}  # their own rules' alarms, one each
    fast = aws.world.interface_endpoint(fast_vpc, fast_subnets, "com.amazonaws.us-east-1.ssm", own)
    slow = aws.world.interface_endpoint(slow_vpc, slow_subnets, "com.amazonaws.us-east-1.ssm", own)
    aws.world.flow_log(resource_ids=[fast_vpc], log_group="/flow/fast", aggregation=60)
    aws.world.flow_log(resource_ids=[slow_vpc], log_group="/flow/slow", aggregation=600)
    settings = Settings(rule_alarms=mode)
    run_reconcile(aws.clients, settings)
    found = alarms(aws)
    rule_alarms = [kind for kind in AlarmKind if kind not in HEALTH_TEMPLATES]
    checked = 0
    for endpoint_id, aggregation in ((fast, 60), (slow, 600)):
        for kind in rule_alarms:
            alarm = found.get(f"plinsights-{endpoint_id}-{kind.value}")
            if alarm is None:
                continue
            checked += 1
            period = alarm["Metrics"][0]["Period"]
            lag = aggregation + DELIVERY_DELAY
            assert (alarm["EvaluationPeriods"] - 1) * period > lag >= (alarm["EvaluationPeriods"] - 2) * period
            assert alarm["DatapointsToAlarm"] == 1
        assert found[f"plinsights-{endpoint_id}-dropped-packets"]["EvaluationPeriods"] == 1
    kinds_per_endpoint = 4 if mode == "both" else 2
    assert checked == 2 * kinds_per_endpoint
    for _ in range(2):  # converged: the window is part of the comparison, and stable
        with aws.recording() as calls:
            run_reconcile(aws.clients, settings)
        assert "cloudwatch:PutMetricAlarm" not in calls
