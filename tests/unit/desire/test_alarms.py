"""Alarms on a resource's own rules and on PrivateLink's metrics. The resources here have rules of
their own (tagged plinsights:dedicated-rules); alarms on shared rules: test_shared_alarms.py."""

import json
import math
from functools import partial

import pytest

from core.desire.alarms import DELIVERY_DELAY, LONG_PERIOD, MAX_LONG_WINDOW, MAX_METRICS, evaluation_periods, figure
from core.desire.health_alarms import HEALTH_TEMPLATES
from core.desire.state import desired_state
from core.discover.inventory import endpoint_from_api, flow_log_from_api
from core.errors import ConfigError
from core.model import AlarmKind, ResourceKind, RuleKind
from core.settings import MAX_ALARM_WINDOW, Settings
from tests import builders
from tests.builders import flow_log, inventory, name_of

TOPIC = "arn:aws:sns:us-east-1:123456789012:plinsights-alarms"
SETTINGS = Settings(alarm_topic_arn=TOPIC)
BOTH = Settings(alarm_topic_arn=TOPIC, rule_alarms="both")
TOP_KINDS = {AlarmKind.TOP_BYTES.value, AlarmKind.TOP_REJECTS.value}
TOTAL_KINDS = {AlarmKind.BYTES.value, AlarmKind.REJECTS.value}
RULES_PER_ALARM = MAX_METRICS - 1  # the expression that combines them takes the tenth entry


endpoint = partial(builders.endpoint, dedicated=True)


load_balancer = partial(builders.load_balancer, dedicated=True)


def alarms(*items, settings: Settings = SETTINGS, **kwargs) -> dict[str, dict]:
    state = desired_state(inventory(*items, **kwargs), settings)
    return {a.kind.value: json.loads(a.body) for a in state.alarms.values()}


def rule_alarms(*items, **kwargs) -> dict[str, dict]:
    """The alarms on flow-log rules only (PrivateLink's own metrics: tests/unit/desire/test_health_alarms.py)."""
    return {kind: alarm for kind, alarm in alarms(*items, **kwargs).items() if AlarmKind(kind) not in HEALTH_TEMPLATES}


@pytest.mark.parametrize(
    ("mode", "rule_kinds"), [("top", TOP_KINDS), ("total", TOTAL_KINDS), ("both", TOP_KINDS | TOTAL_KINDS)]
)
def test_the_rule_alarms_setting_chooses_total_top_contributor_or_both(mode: str, rule_kinds: set[str]) -> None:
    found = rule_alarms(endpoint(), flow_log(), settings=Settings(rule_alarms=mode))
    assert set(found) == rule_kinds


def test_by_default_an_endpoint_gets_top_contributor_alarms_on_bytes_and_rejects() -> None:
    assert Settings().rule_alarms == "top"
    found = alarms(endpoint(), flow_log())
    top = found["top-pair-bytes"]
    assert top["AlarmName"] == "plinsights-vpce-1-top-pair-bytes"
    assert top["Threshold"] == Settings().bytes_top_threshold
    (query,) = top["Metrics"]
    assert query["Expression"] == f'INSIGHT_RULE_METRIC("{name_of("vpce-1", RuleKind.BYTES)}", "MaxContributorValue")'
    assert query["Period"] == Settings().bytes_period and query["ReturnData"] is True
    rejects = found["top-source-rejects"]
    assert rejects["Metrics"][0]["Expression"] == (
        f'INSIGHT_RULE_METRIC("{name_of("vpce-1", RuleKind.REJECTS)}", "MaxContributorValue")'
    )
    assert rejects["Threshold"] == Settings().rejects_top_threshold


def test_a_total_alarm_reads_the_sum_over_all_contributors() -> None:
    found = alarms(endpoint(), flow_log(), settings=BOTH)
    (query,) = found["high-bytes"]["Metrics"]
    assert query["Expression"] == f'INSIGHT_RULE_METRIC("{name_of("vpce-1", RuleKind.BYTES)}", "Sum")'
    assert found["high-bytes"]["Threshold"] == BOTH.bytes_threshold
    assert found["rejected-flows"]["Metrics"][0]["Expression"].endswith('"Sum")')


def test_alarm_and_ok_actions_go_to_the_topic_and_missing_data_is_not_breaching() -> None:
    for alarm in alarms(endpoint(), flow_log(), settings=BOTH).values():
        assert alarm["AlarmActions"] == [TOPIC] and alarm["OKActions"] == [TOPIC]
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["DatapointsToAlarm"] == 1


def test_without_a_topic_alarms_have_no_actions() -> None:
    for alarm in alarms(endpoint(), flow_log(), settings=Settings(rule_alarms="both")).values():
        assert alarm["AlarmActions"] == [] and alarm["OKActions"] == []


# --- flow-log timing: records aggregate for up to MaxAggregationInterval, then arrive minutes later


@pytest.mark.parametrize("aggregation", [60, 600])
@pytest.mark.parametrize("period", [60, 300, 600, 3600])
def test_a_flow_log_alarm_looks_back_over_the_aggregation_and_the_delivery(aggregation: int, period: int) -> None:
    settings = Settings(rule_alarms="both", bytes_period=period, rejects_period=period)
    found = alarms(endpoint(), flow_log(aggregation=aggregation), settings=settings)
    lag = aggregation + DELIVERY_DELAY
    for kind in TOP_KINDS | TOTAL_KINDS:
        alarm = found[kind]
        n = alarm["EvaluationPeriods"]
        # A period's datapoint is complete `lag` seconds after it ends, and still among the last N.
        assert (n - 1) * period > lag
        assert (n - 2) * period <= lag  # and the window is no longer than that needs
        assert alarm["DatapointsToAlarm"] == 1  # late records only add: one full period at the threshold is a breach
        assert alarm["Threshold"] == getattr(settings, f"{kind_setting(kind)}_threshold")  # per period, unchanged
        assert all(m["Period"] == period for m in alarm["Metrics"])


def kind_setting(kind: str) -> str:
    return {"high-bytes": "bytes", "top-pair-bytes": "bytes_top", "rejected-flows": "rejects"}.get(kind, "rejects_top")


def test_ten_minute_aggregation_gives_a_window_of_at_least_15_minutes() -> None:
    found = alarms(endpoint(), flow_log(aggregation=600), settings=Settings(rejects_period=60))
    alarm = found["top-source-rejects"]
    assert (alarm["EvaluationPeriods"] - 1) * 60 >= 15 * 60


def test_one_minute_aggregation_gives_a_shorter_window_than_ten_minute_aggregation() -> None:
    fast = alarms(endpoint(), flow_log(aggregation=60))["top-source-rejects"]["EvaluationPeriods"]
    slow = alarms(endpoint(), flow_log(aggregation=600))["top-source-rejects"]["EvaluationPeriods"]
    assert fast < slow


def test_a_rule_fed_by_flow_logs_of_60_and_600_seconds_waits_for_the_slower() -> None:
    resource = endpoint(eni_ids=("eni-1", "eni-2"))  # eni-1 in subnet-a, eni-2 in subnet-b
    fast = flow_log(on="subnet-a", group="/shared", aggregation=60, flow_log_id="fl-fast")
    slow = flow_log(on="subnet-b", group="/shared", aggregation=600, flow_log_id="fl-slow")
    state = desired_state(inventory(resource, fast, slow), SETTINGS)
    assert {rule.aggregation_interval for rule in state.rules.values()} == {600}
    only_fast = desired_state(
        inventory(resource, fast, flow_log(on="subnet-b", group="/shared", aggregation=60)), SETTINGS
    )
    assert {rule.aggregation_interval for rule in only_fast.rules.values()} == {60}


def test_a_slow_flow_log_to_another_log_group_does_not_slow_a_rule_that_does_not_read_it() -> None:
    resource = endpoint(eni_ids=("eni-1",))  # in subnet-a only
    state = desired_state(
        inventory(
            resource,
            flow_log(on="subnet-a", group="/fast", aggregation=60),
            flow_log(on="subnet-c", group="/slow", aggregation=600),  # covers no ENI of the endpoint
        ),
        SETTINGS,
    )
    assert {rule.aggregation_interval for rule in state.rules.values()} == {60}


def test_every_period_and_lag_fits_put_metric_alarm_s_window() -> None:
    for period in range(60, MAX_ALARM_WINDOW + 1, 60):
        for lag in (0, 60 + DELIVERY_DELAY, 600 + DELIVERY_DELAY):
            n = evaluation_periods(period, lag)
            assert n * period <= (MAX_ALARM_WINDOW if period < LONG_PERIOD else MAX_LONG_WINDOW), (period, lag)
            assert n == 1 if not lag else (n - 1) * period > lag, (period, lag)


# --- descriptions say what is measured


def test_descriptions_are_true_to_the_statistic_the_window_and_the_settings() -> None:
    found = alarms(endpoint(), flow_log(aggregation=600), settings=BOTH)
    top, total = found["top-pair-bytes"]["AlarmDescription"], found["high-bytes"]["AlarmDescription"]
    assert "interface endpoint vpce-1" in top and "com.amazonaws.vpce.us-east-1.vpce-svc-1" in top
    assert "single source/destination pair" in top and "MaxContributorValue" in top and "Sum" not in top
    assert "all source/destination pairs together" in total and "Sum over all contributors" in total
    assert "single" not in total and "MaxContributorValue" not in total
    n = found["high-bytes"]["EvaluationPeriods"]
    assert f"{figure(BOTH.bytes_threshold)} or more in any 600-second period among the last {n}" in total
    assert "," in figure(BOTH.bytes_threshold) and "e+" not in figure(BOTH.bytes_threshold)
    assert f"up to about {600 + DELIVERY_DELAY} seconds after the traffic" in total
    assert "plinsights:bytes-top-threshold" in top and "plinsights:bytes-threshold" in total
    assert "single source address at one of its network interfaces" in found["top-source-rejects"]["AlarmDescription"]
    assert "within 300 seconds" in found["dropped-packets"]["AlarmDescription"]
    assert all(len(alarm["AlarmDescription"]) <= 1024 for alarm in found.values())


def many_rules_world(count: int) -> tuple:
    """An endpoint whose every ENI has its own flow log to its own log group: one rule per ENI and kind."""
    eni_ids = tuple(f"eni-{i:02}" for i in range(count))
    logs = [flow_log(on=eni, group=f"/flow/{eni}", flow_log_id=f"fl-{eni}") for eni in eni_ids]
    return (endpoint(eni_ids=eni_ids), *logs)


@pytest.mark.parametrize("count", [2, RULES_PER_ALARM, MAX_METRICS, MAX_METRICS + 2, 2 * RULES_PER_ALARM + 1])
@pytest.mark.parametrize("mode", ["top", "total"])
def test_more_rules_of_one_kind_than_an_alarm_holds_are_split_over_alarms_none_left_out(count: int, mode: str) -> None:
    state = desired_state(inventory(*many_rules_world(count)), Settings(rule_alarms=mode))
    for rule_kind in (RuleKind.BYTES, RuleKind.REJECTS):
        rules = sorted(name for name, rule in state.rules.items() if rule.kind is rule_kind)
        assert len(rules) == count
        alarm_kind = {
            ("top", RuleKind.BYTES): AlarmKind.TOP_BYTES,
            ("top", RuleKind.REJECTS): AlarmKind.TOP_REJECTS,
            ("total", RuleKind.BYTES): AlarmKind.BYTES,
            ("total", RuleKind.REJECTS): AlarmKind.REJECTS,
        }[(mode, rule_kind)]
        parts = sorted((a for a in state.alarms.values() if a.kind is alarm_kind), key=lambda a: a.name)
        expected_parts = 1 if count < MAX_METRICS else math.ceil(count / RULES_PER_ALARM)
        base = f"plinsights-vpce-1-{alarm_kind.value}"
        assert [a.name for a in parts] == sorted([base] + [f"{base}-{n}" for n in range(2, expected_parts + 1)])
        read = [name for alarm in parts for name in alarm.rule_names]
        assert sorted(read) == rules  # every rule in exactly one alarm
        for alarm in parts:
            metrics = json.loads(alarm.body)["Metrics"]
            assert len(metrics) <= MAX_METRICS
            assert [m for m in metrics if m["ReturnData"]] == [metrics[-1]]
            expressions = " ".join(m["Expression"] for m in metrics)
            assert all(f'"{name}"' in expressions for name in alarm.rule_names)
            if len(metrics) > 1:
                ids = [m["Id"] for m in metrics[:-1]]
                combined = f"MAX([{', '.join(ids)}])" if mode == "top" else " + ".join(ids)
                assert metrics[-1]["Expression"] == combined
            if expected_parts > 1:
                assert f"of {expected_parts}" in json.loads(alarm.body)["AlarmDescription"]


def test_alarm_part_names_are_stable_when_a_rule_is_added() -> None:
    before = desired_state(inventory(*many_rules_world(MAX_METRICS + 1)), SETTINGS)
    after = desired_state(inventory(*many_rules_world(MAX_METRICS + 2)), SETTINGS)
    assert set(before.alarms) == set(after.alarms)


def test_several_rules_of_one_kind_are_added_up_in_one_total_alarm_and_maxed_in_one_top_alarm() -> None:
    resource = endpoint(eni_ids=("eni-1", "eni-2"))
    found = alarms(resource, flow_log(on="subnet-a", group="/a"), flow_log(on="subnet-b", group="/b"), settings=BOTH)
    total, top = found["high-bytes"]["Metrics"], found["top-pair-bytes"]["Metrics"]
    assert [m["Id"] for m in total] == ["r1", "r2", "total"]
    assert total[-1]["Expression"] == "r1 + r2" and top[-1]["Expression"] == "MAX([r1, r2])"
    assert all(m["Period"] == 600 for m in total + top)
    assert [m["ReturnData"] for m in total] == [False, False, True]


def test_gateway_and_pending_endpoints_get_no_alarm() -> None:
    assert alarms(endpoint(kind=ResourceKind.GATEWAY_ENDPOINT, eni_ids=())) == {}
    assert alarms(endpoint(state="pending"), flow_log()) == {}


# --- thresholds, periods and their overrides


def test_thresholds_and_periods_follow_the_settings() -> None:
    settings = Settings(
        rule_alarms="both", bytes_threshold=5e9, bytes_top_threshold=1e9, bytes_period=300,
        rejects_threshold=50, rejects_top_threshold=20, drops_period=900,
    )  # fmt: skip
    found = alarms(endpoint(), flow_log(), settings=settings)
    assert found["high-bytes"]["Threshold"] == 5e9 and found["top-pair-bytes"]["Threshold"] == 1e9
    assert found["high-bytes"]["Metrics"][0]["Period"] == 300 == found["top-pair-bytes"]["Metrics"][0]["Period"]
    assert found["rejected-flows"]["Threshold"] == 50 and found["top-source-rejects"]["Threshold"] == 20
    assert found["dropped-packets"]["Metrics"][0]["MetricStat"]["Period"] == 900


def test_tags_on_the_resource_override_total_and_top_thresholds_separately_and_the_shared_period() -> None:
    tags = {
        "plinsights:bytes-threshold": "1e6",
        "plinsights:bytes-top-threshold": "2e5",
        "plinsights:rejects-period": "300",
        "plinsights:drops-threshold": "25",
    }
    found = alarms(endpoint(tags=tags), flow_log(), settings=BOTH)
    assert found["high-bytes"]["Threshold"] == 1e6 and found["top-pair-bytes"]["Threshold"] == 2e5
    assert found["rejected-flows"]["Metrics"][0]["Period"] == 300 == found["top-source-rejects"]["Metrics"][0]["Period"]
    assert found["top-source-rejects"]["Threshold"] == BOTH.rejects_top_threshold
    assert found["dropped-packets"]["Threshold"] == 25
    assert "1,000,000 or more" in found["high-bytes"]["AlarmDescription"]


@pytest.mark.parametrize(
    ("tag", "value", "complaint"),
    [
        ("plinsights:bytes-top-threshold", "lots", "is not a number"),
        ("plinsights:bytes-top-threshold", "-5", "0 or more"),
        ("plinsights:bytes-top-threshold", "inf", "finite"),
        ("plinsights:bytes-period", "90", "whole number of minutes"),
        ("plinsights:bytes-period", "61.5", "not whole seconds"),
    ],
)
def test_a_bad_tag_value_is_reported_once_and_the_default_used(tag: str, value: str, complaint: str) -> None:
    state = desired_state(inventory(endpoint(tags={tag: value}), flow_log()), BOTH)
    top = json.loads(state.alarms["plinsights-vpce-1-top-pair-bytes"].body)
    assert top["Threshold"] == BOTH.bytes_top_threshold and top["Metrics"][0]["Period"] == BOTH.bytes_period
    complaints = [note for note in state.coverage[0].notes if complaint in note and tag in note]
    assert len(complaints) == 1


def test_alarm_names_carry_the_resource_and_the_kind() -> None:
    state = desired_state(inventory(load_balancer(), flow_log()), SETTINGS)
    assert {name for name, a in state.alarms.items() if a.kind not in HEALTH_TEMPLATES} == {
        f"plinsights-net-orders-0123456789abcdef-{kind.value}" for kind in (AlarmKind.TOP_BYTES, AlarmKind.TOP_REJECTS)
    }
    assert all(a.resource_id.endswith("net/orders/0123456789abcdef") for a in state.alarms.values())


@pytest.mark.parametrize(("raw", "mode"), [("BOTH", "both"), ("top", "top"), (" Total ", "total")])
def test_the_rule_alarms_setting_is_read_from_the_environment(raw: str, mode: str) -> None:
    assert Settings.from_env({"PLINSIGHTS_RULE_ALARMS": raw}).rule_alarms == mode


def test_an_unknown_rule_alarms_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="rule alarms"):
        Settings(rule_alarms="largest")


# --- what discovery reads for these alarms (translators of real-shaped answers)


def test_discovery_reads_the_service_region_and_the_aggregation_interval() -> None:
    answer = {
        "VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "VpcId": "vpc-1", "State": "available",
        "ServiceName": "com.amazonaws.vpce.us-west-2.vpce-svc-1", "ServiceRegion": "us-west-2",
    }  # fmt: skip
    assert endpoint_from_api(answer, {}).service_region == "us-west-2"
    del answer["ServiceRegion"]  # an endpoint in its service's Region may not carry it
    assert endpoint_from_api(answer, {}).service_region == ""
    flow = {"FlowLogId": "fl-1", "ResourceId": "vpc-1", "LogDestinationType": "cloud-watch-logs", "LogGroupName": "/g"}
    assert flow_log_from_api({**flow, "MaxAggregationInterval": 60}).max_aggregation_interval == 60
    assert flow_log_from_api(flow).max_aggregation_interval == 600  # AWS's default when not reported
