"""Two deployments are isolated by IAM: under the template's policies, neither can write the other's
rules, alarms or dashboards, whatever prefixes they were given, in one Region or several."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.artifacts.dashboards import dashboard_name
from core.desire.state import desired_state
from core.errors import ConfigError
from core.settings import DASHBOARD_PREFIX_PATTERN, PREFIX_PATTERN, Settings
from tests.builders import endpoint, flow_log, inventory, load_balancer
from tests.cfn import template
from tests.iam import MOTO_ACCOUNT, Call, denied, parameter_values, policy

FUNCTIONS = ("ReconcileFunction", "CleanupFunction")
REGIONS = ("us-east-1", "us-east-2", "eu-west-1")
DASHBOARD_PARTS = 3  # a deployment past 500 widgets writes <prefix>-<Region>-2, -3 ...
TOPIC = f"arn:aws:sns:us-east-1:{MOTO_ACCOUNT}:privatelink-insights-AlarmTopic-1"
# Look-alikes a "-" or a shared start would confuse: each a valid prefix of its own.
TRICKY = ("p", "pl", "plinsights", "plinsights_test", "plinsightstest", "Plinsights", "p_", "_", "team1", "team10")
prefixes = st.from_regex(PREFIX_PATTERN, fullmatch=True)
dashboard_prefixes = st.from_regex(DASHBOARD_PREFIX_PATTERN, fullmatch=True)


def artifact_writes(prefix: str, dashboard_prefix: str, region: str) -> list[Call]:
    """Every write a deployment makes on its own artifacts: their names as the product renders them."""
    deployment = Settings(prefix=prefix, dashboard_prefix=dashboard_prefix, alarm_topic_arn=TOPIC)
    state = desired_state(inventory(endpoint(), load_balancer(), flow_log()), deployment)
    cloudwatch = f"arn:aws:cloudwatch:{region}:{MOTO_ACCOUNT}"
    rules = [f"{cloudwatch}:insight-rule/{name}" for name in state.rules]
    alarms = [f"{cloudwatch}:alarm:{name}" for name in state.alarms]
    dashboards = [
        f"arn:aws:cloudwatch::{MOTO_ACCOUNT}:dashboard/{dashboard_name(deployment, region, part)}"
        for part in range(1, DASHBOARD_PARTS + 1)
    ]
    assert rules and alarms
    writes = [
        Call("cloudwatch", op, (arn,), region) for op in ("PutInsightRule", "DeleteInsightRules") for arn in rules
    ]
    writes += [Call("cloudwatch", "PutMetricAlarm", (arn,), region, True, (TOPIC,)) for arn in alarms]
    writes += [Call("cloudwatch", "DeleteAlarms", (arn,), region) for arn in alarms]
    writes += [
        Call("cloudwatch", op, (arn,), region) for op in ("PutDashboard", "DeleteDashboards") for arn in dashboards
    ]
    return writes


POLICIES = {function: policy(function) for function in FUNCTIONS}  # read once: template.yaml is parsed each time


def allowed(call: Call, function: str, prefix: str, dashboard_prefix: str, region: str) -> bool:
    if call.operation not in {a.split(":")[1] for s in POLICIES[function] for a in s.actions}:
        return False  # the cleanup function has no Put*: not allowed, and not what this test is about
    values = parameter_values(region, Prefix=prefix, DashboardPrefix=dashboard_prefix, AlarmTopic=TOPIC)
    return not denied(call, POLICIES[function], values)


def assert_isolated(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    writes = artifact_writes(*b)
    for function in FUNCTIONS:
        own = [call for call in writes if allowed(call, function, *b)]
        assert own, f"{function} of {b} may not even write its own artifacts"
        trespass = [str(call) for call in own if allowed(call, function, *a)]
        assert trespass == [], f"{function} of deployment {a} may write {b}'s artifacts"


@settings(max_examples=100, deadline=None)
@given(st.tuples(prefixes, dashboard_prefixes), st.tuples(prefixes, dashboard_prefixes), st.sampled_from(REGIONS))
def test_deployments_with_other_prefixes_cannot_write_each_others_artifacts(one, two, region) -> None:
    assume(one[0] != two[0] and one[1] != two[1])
    assert_isolated((*one, region), (*two, region))


@pytest.mark.parametrize("first", TRICKY)
def test_look_alike_prefixes_are_isolated_both_ways(first: str) -> None:
    for second in TRICKY:
        if first != second:
            assert_isolated((first, first, "us-east-1"), (second, second, "us-east-1"))


@pytest.mark.parametrize(("one", "two"), [(a, b) for a in REGIONS for b in REGIONS if a != b])
def test_one_deployment_in_two_regions_never_writes_the_other_regions_dashboards(one: str, two: str) -> None:
    """Same prefixes (a StackSet): rules and alarms are Regional anyway, dashboards are global."""
    assert_isolated(("plinsights", "PrivateLink", one), ("plinsights", "PrivateLink", two))


@pytest.mark.parametrize("prefix", ["plinsights-test", "team-b", "-", "a-"])
def test_a_prefix_with_a_dash_is_refused_by_the_settings_and_the_template(prefix: str) -> None:
    """With "-", `insight-rule/plinsights-*` would also grant `plinsights-test-...`: the reason it is refused."""
    parameters = template()["Parameters"]
    for name in ("Prefix", "DashboardPrefix"):
        assert not re.fullmatch(parameters[name]["AllowedPattern"], prefix)
    with pytest.raises(ConfigError, match="no '-'"):
        Settings(prefix=prefix)
    with pytest.raises(ConfigError, match="no '-'"):
        Settings(dashboard_prefix=prefix)


def test_the_isolation_rests_on_the_missing_dash() -> None:
    """The check has teeth: were "-" allowed, the policy of `plinsights` would grant `plinsights-test`'s rules."""
    values = parameter_values("us-east-1", Prefix="plinsights", DashboardPrefix="PrivateLink", AlarmTopic=TOPIC)
    rule = f"arn:aws:cloudwatch:us-east-1:{MOTO_ACCOUNT}:insight-rule/plinsights-test-vpce-1-bytes"
    assert denied(Call("cloudwatch", "PutInsightRule", (rule,), "us-east-1"), policy("ReconcileFunction"), values) == []


@pytest.mark.parametrize(
    ("actions", "is_allowed"),
    [
        ((TOPIC,), True),
        ((), True),  # an alarm without actions notifies nobody
        ((f"arn:aws:sns:us-east-1:{MOTO_ACCOUNT}:someone-elses-topic",), False),
        ((TOPIC, "arn:aws:automate:us-east-1:ec2:terminate"), False),
        (("arn:aws:automate:us-east-1:ec2:stop",), False),
    ],
)
def test_put_metric_alarm_may_only_notify_the_stacks_own_topic(actions: tuple[str, ...], is_allowed: bool) -> None:
    alarm = f"arn:aws:cloudwatch:us-east-1:{MOTO_ACCOUNT}:alarm:plinsights-vpce-1-high-bytes"
    call = Call("cloudwatch", "PutMetricAlarm", (alarm,), "us-east-1", True, actions)
    values = parameter_values("us-east-1", Prefix="plinsights", DashboardPrefix="PrivateLink", AlarmTopic=TOPIC)
    assert (denied(call, policy("ReconcileFunction"), values) == []) is is_allowed
