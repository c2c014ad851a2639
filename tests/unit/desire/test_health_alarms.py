"""Health alarms from PrivateLink's own metrics: every live endpoint and endpoint service, whatever the rule quota."""

import json
from dataclasses import replace

import pytest

from core.desire.alarms import MAX_METRICS
from core.desire.cost import deployment_cost
from core.desire.dashboards import native_metrics
from core.desire.health_alarms import (
    CONSUMER_HEALTH,
    ENDPOINT_HEALTH,
    HEALTH_TEMPLATES,
    LOAD_BALANCER_HEALTH,
    MAX_SERIES,
    consumer_query,
)
from core.desire.state import desired_state
from core.errors import ConfigError
from core.model import AlarmKind, EndpointConnection, ResourceKind, RuleQuota
from core.settings import MAX_QUERY_ALARMS, Settings
from tests.builders import endpoint, flow_log, inventory, load_balancer

TOPIC = "arn:aws:sns:us-east-1:123456789012:plinsights-alarms"
SETTINGS = Settings(alarm_topic_arn=TOPIC)
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders/0123456789abcdef"
ENDPOINT_DIMENSIONS = [
    {"Name": "Endpoint Type", "Value": "Interface"},
    {"Name": "Service Name", "Value": "com.amazonaws.vpce.us-east-1.vpce-svc-1"},
    {"Name": "VPC Endpoint Id", "Value": "vpce-1"},
    {"Name": "VPC Id", "Value": "vpc-1"},
]


def health(*items, settings: Settings = SETTINGS, quota: RuleQuota | None = None) -> dict[str, dict]:
    state = desired_state(inventory(*items), settings, quota)
    return {name: json.loads(a.body) for name, a in state.alarms.items() if a.kind in HEALTH_TEMPLATES}


def consumer(endpoint_id: str, owner: str = "111122223333", state: str = "available", service: str = "vpce-svc-1"):
    return EndpointConnection(service, endpoint_id, owner, state, region="us-east-1")


# --- endpoints: PacketsDropped and RstPacketsReceived, one series each


def test_an_interface_endpoint_gets_drop_and_reset_alarms_on_its_own_series() -> None:
    found = health(endpoint(), flow_log())
    assert set(found) == {f"plinsights-vpce-1-{kind.value}" for kind in ENDPOINT_HEALTH}
    for name, metric in (("dropped-packets", "PacketsDropped"), ("resets-received", "RstPacketsReceived")):
        alarm = found[f"plinsights-vpce-1-{name}"]
        (query,) = alarm["Metrics"]
        assert query["MetricStat"]["Metric"] == {
            "Namespace": "AWS/PrivateLinkEndpoints",
            "MetricName": metric,
            "Dimensions": ENDPOINT_DIMENSIONS,
        }
        assert query["MetricStat"]["Stat"] == "Sum" and query["MetricStat"]["Period"] == 300
        assert alarm["EvaluationPeriods"] == 1 == alarm["DatapointsToAlarm"]  # published each minute, promptly
        assert alarm["AlarmActions"] == [TOPIC] == alarm["OKActions"]
        assert alarm["TreatMissingData"] == "notBreaching"
    assert found["plinsights-vpce-1-dropped-packets"]["Threshold"] == SETTINGS.drops_threshold
    assert found["plinsights-vpce-1-resets-received"]["Threshold"] == SETTINGS.resets_received_threshold


def test_an_endpoint_without_flow_logs_or_over_the_rule_quota_still_gets_its_health_alarms() -> None:
    expected = {f"plinsights-vpce-1-{kind.value}" for kind in ENDPOINT_HEALTH}
    assert set(health(endpoint())) == expected
    no_room = RuleQuota(limit=0, source="configured")
    assert set(health(endpoint(), flow_log(), quota=no_room)) == expected


@pytest.mark.parametrize(
    "kind", [ResourceKind.RESOURCE_ENDPOINT, ResourceKind.SERVICE_NETWORK_ENDPOINT, ResourceKind.TUNNEL_ENDPOINT]
)
def test_endpoints_in_no_privatelink_namespace_get_no_health_alarm(kind: ResourceKind) -> None:
    assert health(endpoint(kind=kind), flow_log()) == {}


def test_gateway_pending_and_excluded_resources_get_no_health_alarm() -> None:
    assert health(endpoint(kind=ResourceKind.GATEWAY_ENDPOINT, eni_ids=())) == {}
    assert health(endpoint(state="pendingAcceptance")) == {}
    assert health(endpoint(tags={"plinsights:exclude": "true"})) == {}
    assert health(load_balancer(state="provisioning")) == {}


def test_an_endpoint_with_cross_region_access_gets_no_privatelink_metric_alarm_or_widget_and_says_why() -> None:
    state = desired_state(inventory(endpoint(service_region="us-west-2"), flow_log()), SETTINGS)
    assert not [a for a in state.alarms.values() if a.kind in HEALTH_TEMPLATES]
    (coverage,) = state.coverage
    assert any("cross-Region access" in note and "us-west-2" in note for note in coverage.notes)
    assert native_metrics(coverage, "us-east-1") == []
    assert "AWS/PrivateLinkEndpoints" not in "".join(d.body for d in state.dashboards.values())


def test_an_endpoint_whose_service_is_in_its_own_region_keeps_its_health_alarms_without_a_note() -> None:
    state = desired_state(inventory(endpoint(service_region="us-east-1")), SETTINGS)
    assert {a.kind for a in state.alarms.values()} == set(ENDPOINT_HEALTH)
    assert not state.coverage[0].notes


# --- load balancers behind endpoint services: their own series of each service, and each service's consumers


def test_a_load_balancer_gets_reset_and_connection_alarms_on_its_series_of_each_service() -> None:
    found = health(load_balancer(endpoint_services=("vpce-svc-1", "vpce-svc-2")), flow_log())
    short = "plinsights-net-orders-0123456789abcdef"
    for kind, metric in ((AlarmKind.RESETS, "RstPacketsSent"), (AlarmKind.NEW_CONNECTIONS, "NewConnections")):
        alarm = found[f"{short}-{kind.value}"]
        *stats, total = alarm["Metrics"]
        assert [s["MetricStat"]["Metric"]["Dimensions"] for s in stats] == [
            [{"Name": "Load Balancer Arn", "Value": LB_ARN}, {"Name": "Service Id", "Value": service}]
            for service in ("vpce-svc-1", "vpce-svc-2")
        ]
        assert {s["MetricStat"]["Metric"]["MetricName"] for s in stats} == {metric}
        assert total["Expression"] == "m1 + m2" and total["ReturnData"] and total["Period"] == 300
        assert not any(s["ReturnData"] for s in stats)
    assert found[f"{short}-reset-packets"]["Threshold"] == SETTINGS.resets_threshold
    assert found[f"{short}-new-connections"]["Threshold"] == SETTINGS.connections_threshold


def test_no_alarm_reads_the_service_id_only_dimension_set_whose_publication_is_unconfirmed() -> None:
    for alarm in health(load_balancer(), endpoint(), flow_log()).values():
        for query in alarm["Metrics"]:
            if "MetricStat" in query:
                assert len(query["MetricStat"]["Metric"]["Dimensions"]) > 1


def test_a_load_balancer_behind_many_endpoint_services_is_split_over_alarms_and_watches_every_service() -> None:
    services = tuple(f"vpce-svc-{i:02}" for i in range(MAX_METRICS + 3))
    found = health(load_balancer(endpoint_services=services), settings=Settings(query_alarm_limit=0))
    resets = {name: a for name, a in found.items() if "reset-packets" in name}
    assert sorted(resets) == [
        "plinsights-net-orders-0123456789abcdef-reset-packets",
        "plinsights-net-orders-0123456789abcdef-reset-packets-2",
    ]
    watched = [
        q["MetricStat"]["Metric"]["Dimensions"][1]["Value"]
        for a in resets.values()
        for q in a["Metrics"]
        if "MetricStat" in q
    ]
    assert sorted(watched) == list(services)
    assert all(len(a["Metrics"]) <= MAX_METRICS for a in resets.values())
    assert "Part 2 of 2" in resets["plinsights-net-orders-0123456789abcdef-reset-packets-2"]["AlarmDescription"]


def test_each_endpoint_service_gets_a_metrics_insights_alarm_per_metric_over_its_consumers() -> None:
    resource = replace(load_balancer(), consumers=(consumer("vpce-c1"), consumer("vpce-c2", owner="444455556666")))
    found = health(resource)
    for kind, metric in (
        (AlarmKind.CONSUMER_RESETS, "RstPacketsSent"),
        (AlarmKind.CONSUMER_CONNECTIONS, "NewConnections"),
    ):
        alarm = found[f"plinsights-vpce-svc-1-{kind.value}"]
        (query,) = alarm["Metrics"]
        assert query["Expression"] == (
            f'SELECT SUM({metric}) FROM SCHEMA("AWS/PrivateLinkServices", "Service Id", "VPC Endpoint Id") '
            'WHERE "Service Id" = \'vpce-svc-1\' GROUP BY "VPC Endpoint Id" ORDER BY SUM() DESC'
        )
        assert query["Period"] == 300 and query["ReturnData"] is True
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and alarm["EvaluationPeriods"] == 1
    assert found["plinsights-vpce-svc-1-consumer-resets"]["Threshold"] == SETTINGS.consumer_resets_threshold
    text = found["plinsights-vpce-svc-1-consumer-resets"]["AlarmDescription"]
    assert "per consumer endpoint, not for the service's total" in text
    assert "DescribeAlarmContributors" in text and "plinsights explain vpce-svc-1" in text
    assert "plinsights:consumer-resets-threshold" in text and "plinsights:resets-period" in text


def test_a_query_with_a_quote_in_its_value_is_escaped() -> None:
    assert "'it\\'s'" in consumer_query("NewConnections", "it's")


def test_a_consumer_alarm_is_charged_per_consumer_endpoint_whose_series_carries_traffic() -> None:
    consumers = (
        consumer("vpce-c1"),
        consumer("vpce-c2"),
        consumer("vpce-c3", state="pendingAcceptance"),  # no traffic until accepted
        consumer("vpce-c4", state="rejected"),
        replace(consumer("vpce-c5"), region="eu-west-1"),  # cross-Region: AWS publishes none for it
        consumer("vpce-other", service="vpce-svc-9"),  # another service's
    )
    state = desired_state(inventory(replace(load_balancer(), consumers=consumers)), SETTINGS)
    consumer_alarms = [a for a in state.alarms.values() if a.kind in CONSUMER_HEALTH]
    assert [a.analyzed_metrics for a in consumer_alarms] == [2, 2]
    services = [a for a in state.alarms.values() if a.kind in LOAD_BALANCER_HEALTH]
    cost = deployment_cost(state, SETTINGS)
    assert cost.alarm_metrics == 2 * 2 + sum(len(json.loads(a.body)["Metrics"]) for a in services)


def test_past_500_consumers_an_alarm_analyzes_500_series() -> None:
    many = tuple(consumer(f"vpce-{i:04}") for i in range(MAX_SERIES + 20))
    state = desired_state(inventory(replace(load_balancer(), consumers=many)), SETTINGS)
    assert {a.analyzed_metrics for a in state.alarms.values() if a.kind in CONSUMER_HEALTH} == {MAX_SERIES}


def test_tags_on_the_load_balancer_set_the_consumer_thresholds_and_the_shared_periods() -> None:
    tags = {
        "plinsights:consumer-resets-threshold": "7",
        "plinsights:resets-period": "600",
        "plinsights:connections-threshold": "5e5",
        "plinsights:consumer-connections-threshold": "2e4",
    }
    found = health(load_balancer(tags=tags))
    resets = found["plinsights-vpce-svc-1-consumer-resets"]
    assert resets["Threshold"] == 7 and resets["Metrics"][0]["Period"] == 600
    lb_resets = found["plinsights-net-orders-0123456789abcdef-reset-packets"]
    assert lb_resets["Metrics"][-1]["MetricStat"]["Period"] == 600  # the period both resets alarms share
    assert found["plinsights-net-orders-0123456789abcdef-new-connections"]["Threshold"] == 5e5
    assert found["plinsights-vpce-svc-1-consumer-connections"]["Threshold"] == 2e4


def test_an_endpoint_tag_sets_its_resets_received_threshold() -> None:
    found = health(
        endpoint(tags={"plinsights:resets-received-threshold": "3", "plinsights:resets-received-period": "60"})
    )
    alarm = found["plinsights-vpce-1-resets-received"]
    assert alarm["Threshold"] == 3 and alarm["Metrics"][0]["MetricStat"]["Period"] == 60


# --- the Metrics Insights alarm limit: 200 per Region for the account, a share of it a setting


def test_services_past_the_query_alarm_limit_get_no_consumer_alarm_and_say_why_in_priority_order() -> None:
    first = load_balancer(name="first", endpoint_services=("vpce-svc-a",), tags={"plinsights:priority": "1"})
    second = load_balancer(name="second", endpoint_services=("vpce-svc-b",))
    settings = Settings(query_alarm_limit=len(CONSUMER_HEALTH))
    state = desired_state(inventory(second, first), settings)
    consumer_alarms = {a.name for a in state.alarms.values() if a.kind in CONSUMER_HEALTH}
    assert consumer_alarms == {f"plinsights-vpce-svc-a-{kind.value}" for kind in CONSUMER_HEALTH}
    notes = next(c.notes for c in state.coverage if c.resource.name == "second")
    assert any("no per-consumer alarms for vpce-svc-b" in n and "PLINSIGHTS_QUERY_ALARM_LIMIT" in n for n in notes)
    assert any(a.kind is AlarmKind.RESETS and "second" in a.name for a in state.alarms.values())  # the rest stays


def test_a_service_behind_two_load_balancers_gets_its_consumer_alarms_once() -> None:
    one = load_balancer(name="one", tags={"plinsights:priority": "1"})
    two = load_balancer(name="two")
    state = desired_state(inventory(one, two), SETTINGS)
    consumer_alarms = [a for a in state.alarms.values() if a.kind in CONSUMER_HEALTH]
    assert len(consumer_alarms) == len(CONSUMER_HEALTH) and {a.resource_id for a in consumer_alarms} == {
        one.resource_id
    }
    notes = next(c.notes for c in state.coverage if c.resource.name == "two")
    assert any(f"are with {one.resource_id}" in note for note in notes)


@pytest.mark.parametrize("limit", [-1, MAX_QUERY_ALARMS + 1])
def test_the_query_alarm_limit_is_within_what_aws_allows(limit: int) -> None:
    with pytest.raises(ConfigError, match="query alarm limit"):
        Settings(query_alarm_limit=limit)


def test_the_new_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PLINSIGHTS_QUERY_ALARM_LIMIT": "40",
            "PLINSIGHTS_CONSUMER_RESETS_THRESHOLD": "5",
            "PLINSIGHTS_CONNECTIONS_PERIOD": "600",
            "PLINSIGHTS_RESETS_RECEIVED_THRESHOLD": "9",
        }
    )
    assert (settings.query_alarm_limit, settings.consumer_resets_threshold) == (40, 5)
    assert (settings.connections_period, settings.resets_received_threshold) == (600, 9)
