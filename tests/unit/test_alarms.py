import json

import pytest

from core.desired import desired_state
from core.model import AlarmKind, ResourceKind, RuleKind
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory, load_balancer, name_of

TOPIC = "arn:aws:sns:us-east-1:123456789012:plinsights-alarms"
SETTINGS = Settings(alarm_topic_arn=TOPIC)


def alarms(*items, settings: Settings = SETTINGS, **kwargs) -> dict[str, dict]:
    state = desired_state(inventory(*items, **kwargs), settings)
    return {a.kind.value: json.loads(a.body) for a in state.alarms.values()}


def test_an_endpoint_with_flow_logs_gets_byte_reject_and_drop_alarms_with_the_seed_defaults() -> None:
    found = alarms(endpoint(), flow_log())
    assert set(found) == {"high-bytes", "rejected-flows", "dropped-packets"}
    high = found["high-bytes"]
    assert high["AlarmName"] == "plinsights-vpce-1-high-bytes"
    assert high["Threshold"] == 10000.0 and high["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert high["Metrics"] == [
        {
            "Id": "r1",
            "Expression": f'INSIGHT_RULE_METRIC("{name_of("vpce-1", RuleKind.BYTES)}", "Sum")',
            "Period": 600,
            "ReturnData": True,
            "Label": "high-bytes",
        }
    ]
    assert found["rejected-flows"]["Threshold"] == 3.0 and found["rejected-flows"]["Metrics"][0]["Period"] == 60


def test_alarm_and_ok_actions_go_to_the_topic_and_missing_data_is_not_breaching() -> None:
    for alarm in alarms(endpoint(), flow_log()).values():
        assert alarm["AlarmActions"] == [TOPIC] and alarm["OKActions"] == [TOPIC]
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["EvaluationPeriods"] == 1 and alarm["DatapointsToAlarm"] == 1


def test_without_a_topic_alarms_have_no_actions() -> None:
    for alarm in alarms(endpoint(), flow_log(), settings=Settings()).values():
        assert alarm["AlarmActions"] == [] and alarm["OKActions"] == []


def test_descriptions_say_what_is_watched_and_are_true_to_the_settings() -> None:
    found = alarms(endpoint(), flow_log())
    text = found["high-bytes"]["AlarmDescription"]
    assert "interface endpoint vpce-1" in text and "com.amazonaws.vpce.us-east-1.vpce-svc-1" in text
    assert "10000 or more within 600 seconds" in text and "plinsights-vpce-1-bytes" in text
    assert "3 or more within 60 seconds" in found["rejected-flows"]["AlarmDescription"]
    assert len(text) <= 1024


def test_the_drop_alarm_reads_packets_dropped_with_the_full_endpoint_dimension_set() -> None:
    (query,) = alarms(endpoint())["dropped-packets"]["Metrics"]
    assert query["MetricStat"]["Metric"] == {
        "Namespace": "AWS/PrivateLinkEndpoints",
        "MetricName": "PacketsDropped",
        "Dimensions": [
            {"Name": "Endpoint Type", "Value": "Interface"},
            {"Name": "Service Name", "Value": "com.amazonaws.vpce.us-east-1.vpce-svc-1"},
            {"Name": "VPC Endpoint Id", "Value": "vpce-1"},
            {"Name": "VPC Id", "Value": "vpc-1"},
        ],
    }
    assert query["MetricStat"]["Period"] == 300 and query["MetricStat"]["Stat"] == "Sum"


def test_an_endpoint_without_flow_logs_still_gets_its_drop_alarm() -> None:
    assert set(alarms(endpoint())) == {"dropped-packets"}


def test_a_load_balancer_behind_an_endpoint_service_gets_a_reset_alarm_on_the_service() -> None:
    found = alarms(load_balancer(), flow_log())
    assert set(found) == {"high-bytes", "rejected-flows", "reset-packets"}
    (query,) = found["reset-packets"]["Metrics"]
    assert query["MetricStat"]["Metric"]["Namespace"] == "AWS/PrivateLinkServices"
    assert query["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "Service Id", "Value": "vpce-svc-1"}]


def test_several_rules_of_one_kind_are_added_up_in_one_alarm() -> None:
    resource = endpoint(eni_ids=("eni-1", "eni-2"))
    found = alarms(resource, flow_log(on="subnet-a", group="/a"), flow_log(on="subnet-b", group="/b"))
    metrics = found["high-bytes"]["Metrics"]
    assert [m["Id"] for m in metrics] == ["r1", "r2", "total"]
    assert metrics[-1]["Expression"] == "r1 + r2" and metrics[-1]["ReturnData"] is True
    assert all(m["Period"] == 600 for m in metrics)
    assert [m["ReturnData"] for m in metrics[:2]] == [False, False]


def test_gateway_and_pending_endpoints_get_no_alarm() -> None:
    assert alarms(endpoint(kind=ResourceKind.GATEWAY_ENDPOINT, eni_ids=())) == {}
    assert alarms(endpoint(state="pending"), flow_log()) == {}


def test_thresholds_and_periods_follow_the_settings() -> None:
    settings = Settings(bytes_threshold=5e9, bytes_period=300, rejects_threshold=50, drops_period=900)
    found = alarms(endpoint(), flow_log(), settings=settings)
    assert found["high-bytes"]["Threshold"] == 5e9 and found["high-bytes"]["Metrics"][0]["Period"] == 300
    assert found["rejected-flows"]["Threshold"] == 50
    assert found["dropped-packets"]["Metrics"][0]["MetricStat"]["Period"] == 900


def test_tags_on_the_resource_override_thresholds_and_periods() -> None:
    tags = {"plinsights:bytes-threshold": "1e6", "plinsights:rejects-period": "300", "plinsights:drops-threshold": "25"}
    found = alarms(endpoint(tags=tags), flow_log())
    assert found["high-bytes"]["Threshold"] == 1e6
    assert found["rejected-flows"]["Metrics"][0]["Period"] == 300
    assert found["dropped-packets"]["Threshold"] == 25
    assert "1e+06 or more" in found["high-bytes"]["AlarmDescription"]


@pytest.mark.parametrize(
    ("tag", "value", "complaint"),
    [
        ("plinsights:bytes-threshold", "lots", "is not a number"),
        ("plinsights:bytes-threshold", "-5", "0 or more"),
        ("plinsights:bytes-threshold", "inf", "finite"),
        ("plinsights:bytes-period", "90", "whole number of minutes"),
        ("plinsights:bytes-period", "61.5", "not whole seconds"),
    ],
)
def test_a_bad_tag_value_is_reported_and_the_default_used(tag: str, value: str, complaint: str) -> None:
    state = desired_state(inventory(endpoint(tags={tag: value}), flow_log()), SETTINGS)
    high = json.loads(state.alarms["plinsights-vpce-1-high-bytes"].body)
    assert high["Threshold"] == 10000.0 and high["Metrics"][0]["Period"] == 600
    assert any(complaint in note and tag in note for note in state.coverage[0].notes)


def test_alarm_names_carry_the_resource_and_the_kind() -> None:
    state = desired_state(inventory(load_balancer(), flow_log()), SETTINGS)
    assert sorted(state.alarms) == [
        f"plinsights-net-orders-0123456789abcdef-{kind.value}"
        for kind in sorted((AlarmKind.BYTES, AlarmKind.REJECTS, AlarmKind.RESETS), key=lambda k: k.value)
    ]
    assert all(a.resource_id.endswith("net/orders/0123456789abcdef") for a in state.alarms.values())
