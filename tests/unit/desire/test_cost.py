"""The cost estimate: rules, each metric an alarm evaluates, dashboards past the free ones, and at
most the matched log events of the rules' log groups, against figures computed by hand."""

from __future__ import annotations

import json

import pytest

from core.artifacts.alarms import alarm_body
from core.desire.alarms import rule_query
from core.desire.cost import (
    DAYS_PER_MONTH,
    NOT_READ,
    IncomingEvents,
    alarm_metrics,
    deployment_cost,
    estimate_cost,
    resource_cost,
)
from core.desire.dashboards import render_dashboards
from core.desire.state import desired_state
from core.errors import ConfigError
from core.model import ActualState, AlarmKind, AlarmSpec, RuleKind, RuleSpec
from core.plan.diff import make_plan
from core.reconcile import Outcome
from core.report import render_text, summary
from core.settings import Settings
from tests.builders import SUBNETS, endpoint, flow_log, inventory
from tests.figures import RULES_PER_RESOURCE

SETTINGS = Settings()  # 0.50 a rule, 0.10 an alarm metric, 3.00 a dashboard, none free, 0.02 a million events
RULE_PRICE, METRIC_PRICE, DASHBOARD_PRICE, MILLION_EVENTS_PRICE = 0.50, 0.10, 3.00, 0.02
FREE_DASHBOARDS = 0  # AWS's 3 free ones hold up to 50 metrics each: ours outgrow that


def rule(name: str, group: str = "/flow/a", state: str = "ENABLED", resource: str = "vpce-1") -> RuleSpec:
    return RuleSpec(name, resource, RuleKind.BYTES, group, ("eni-1",), "{}", state)


def alarm(name: str, queries: list[dict[str, object]], resource: str = "vpce-1") -> AlarmSpec:
    return AlarmSpec(name, resource, AlarmKind.TOP_BYTES, alarm_body({"AlarmName": name, "Metrics": queries}))


def metric(query_id: str) -> dict[str, object]:
    dims = [{"Name": "VPC Endpoint Id", "Value": "vpce-1"}]
    stat = {"Metric": {"Namespace": "AWS/PrivateLinkEndpoints", "MetricName": "PacketsDropped", "Dimensions": dims}}
    return {"Id": query_id, "MetricStat": {**stat, "Period": 300, "Stat": "Sum"}, "ReturnData": False}


def test_the_prices_default_to_the_us_east_1_list_prices() -> None:
    assert SETTINGS.prices == {
        "price_rule_month": RULE_PRICE,
        "price_matched_events_million": MILLION_EVENTS_PRICE,
        "price_alarm_metric_month": METRIC_PRICE,
        "price_dashboard_month": DASHBOARD_PRICE,
    }
    assert SETTINGS.free_dashboards == FREE_DASHBOARDS


def test_each_enabled_rule_is_charged_a_month_and_a_disabled_one_nothing() -> None:
    rules = [rule("a"), rule("b"), rule("c"), rule("off", state="DISABLED")]
    cost = estimate_cost(rules, [], 0, SETTINGS)
    assert cost.rules == 3
    assert cost.rules_usd == pytest.approx(1.50)


def test_a_metric_math_alarm_is_charged_for_each_rule_metric_it_reads_not_for_the_sum() -> None:
    rules = [rule_query(f"r{i}", f"rule-{i}", "Sum") for i in (1, 2, 3)]
    total = {"Id": "total", "Expression": "r1 + r2 + r3", "ReturnData": True}
    assert alarm_metrics(alarm("three", [*rules, total]).body) == 3


def test_metric_stat_queries_count_one_each_and_one_query_counts_once() -> None:
    two = alarm("two", [metric("m1"), metric("m2"), {"Id": "total", "Expression": "m1 + m2"}])
    one = alarm("one", [rule_query("r1", "rule-1", "MaxContributorValue")])
    assert alarm_metrics(two.body) == 2
    assert alarm_metrics(one.body) == 1
    assert alarm_metrics(json.dumps({"AlarmName": "classic", "MetricName": "CPUUtilization"})) == 1


def test_alarms_cost_their_metrics_at_the_alarm_metric_price() -> None:
    alarms = [
        alarm(
            "three",
            [*(rule_query(f"r{i}", f"rule-{i}", "Sum") for i in (1, 2, 3)), {"Id": "t", "Expression": "r1+r2+r3"}],
        ),
        alarm("one", [metric("m1")]),
    ]
    cost = estimate_cost([], alarms, 0, SETTINGS)
    assert (cost.alarms, cost.alarm_metrics) == (2, 3 + 1)
    assert cost.alarms_usd == pytest.approx(0.40)


def test_the_alarms_of_a_resource_read_by_two_log_groups_evaluate_a_metric_per_rule() -> None:
    """One subnet flow log per ENI, each to its own log group: two rules of each kind, so the
    top-bytes and top-rejects alarms read two rule metrics each; drops and resets received read one
    PrivateLink metric each."""
    world = inventory(
        endpoint(eni_ids=("eni-1", "eni-2")),
        flow_log(on=SUBNETS[0], group="/flow/a"),
        flow_log(on=SUBNETS[1], group="/flow/b"),
    )
    desired = desired_state(world, SETTINGS)
    cost = deployment_cost(desired, SETTINGS)
    groups = 2
    assert cost.rules == RULES_PER_RESOURCE * groups
    assert {alarm.kind for alarm in desired.alarms.values()} == {
        AlarmKind.TOP_BYTES,
        AlarmKind.TOP_REJECTS,
        AlarmKind.DROPS,
        AlarmKind.RESETS_RECEIVED,
    }
    assert cost.alarm_metrics == groups + groups + 1 + 1
    assert cost.rules_usd == pytest.approx(6 * RULE_PRICE)  # 3.00
    assert cost.alarms_usd == pytest.approx(6 * METRIC_PRICE)  # 0.60


@pytest.mark.parametrize(
    ("dashboards", "free", "charged", "usd"),
    [(1, 3, 0, 0.0), (3, 3, 0, 0.0), (4, 3, 1, 3.0), (5, 3, 2, 6.0), (2, 0, 2, 6.0)],
)
def test_dashboards_are_charged_past_the_free_ones(dashboards: int, free: int, charged: int, usd: float) -> None:
    cost = estimate_cost([], [], dashboards, Settings(free_dashboards=free))
    assert cost.charged_dashboards == charged
    assert cost.dashboards_usd == pytest.approx(usd)


def test_matched_events_are_at_most_the_incoming_events_of_each_rules_log_group_scaled_to_a_month() -> None:
    """Two rules read /flow/a, one reads /flow/b: /flow/a counts twice, since each rule matches its own."""
    incoming = IncomingEvents({"/flow/a": 1_000_000, "/flow/b": 500_000}, hours=24)
    rules = [rule("a1", "/flow/a"), rule("a2", "/flow/a"), rule("b1", "/flow/b")]
    cost = estimate_cost(rules, [], 0, SETTINGS, incoming)
    per_month = (2 * 1_000_000 + 500_000) * DAYS_PER_MONTH  # 75 million
    assert cost.matched_events == pytest.approx(per_month)
    assert cost.matched_events_usd == pytest.approx(75 * MILLION_EVENTS_PRICE)  # 1.50
    assert cost.matched_basis.startswith("upper bound")
    assert cost.monthly_usd == pytest.approx(3 * RULE_PRICE + 1.50)


def test_a_shorter_measurement_is_scaled_up_to_the_month() -> None:
    incoming = IncomingEvents({"/flow/a": 1_000}, hours=12)
    cost = estimate_cost([rule("a")], [], 0, SETTINGS, incoming)
    assert cost.matched_events == pytest.approx(1_000 * 2 * DAYS_PER_MONTH)


def test_a_disabled_rule_matches_nothing() -> None:
    incoming = IncomingEvents({"/flow/a": 1_000})
    cost = estimate_cost([rule("off", state="DISABLED")], [], 0, SETTINGS, incoming)
    assert cost.matched_events == 0 and cost.matched_events_usd == 0


@pytest.mark.parametrize(
    ("incoming", "basis"),
    [
        (None, NOT_READ),
        (IncomingEvents(unknown="GetMetricData answered AccessDenied"), "GetMetricData answered AccessDenied"),
        (IncomingEvents({"/flow/b": 10}), "incoming events of 1 log group(s) not read: /flow/a"),
    ],
    ids=["not read", "refused", "one log group missing"],
)
def test_without_the_metric_matched_events_are_unknown_and_left_out_of_the_total(
    incoming: IncomingEvents | None, basis: str
) -> None:
    rules = [rule("a", "/flow/a"), rule("b", "/flow/b")]
    dashboards = 4
    cost = estimate_cost(rules, [], dashboards, SETTINGS, incoming)
    assert cost.matched_events is None and cost.matched_events_usd is None
    assert cost.matched_basis == basis
    assert cost.monthly_usd == pytest.approx(2 * RULE_PRICE + (dashboards - FREE_DASHBOARDS) * DASHBOARD_PRICE)


def test_a_resources_cost_counts_its_own_rules_and_alarms_and_no_dashboard() -> None:
    world = inventory(endpoint("vpce-1", dedicated=True), endpoint("vpce-2", eni_ids=("eni-3",)), flow_log())
    desired = desired_state(world, SETTINGS)
    mine = resource_cost(desired, "vpce-1", SETTINGS)
    whole = deployment_cost(desired, SETTINGS)
    assert mine.rules == RULES_PER_RESOURCE and whole.rules == 2 * RULES_PER_RESOURCE
    assert mine.alarms == len([a for a in desired.alarms.values() if a.resource_id == "vpce-1"])
    assert mine.dashboards == 0 and whole.dashboards == 1


def test_resources_that_share_rules_each_count_an_equal_share_of_them_and_of_their_alarms() -> None:
    world = inventory(endpoint("vpce-1"), endpoint("vpce-2", eni_ids=("eni-3",)), flow_log())
    desired = desired_state(world, SETTINGS)
    shared_alarms = [a for a in desired.alarms.values() if not a.resource_id]
    assert len(desired.rules) == RULES_PER_RESOURCE and all(
        r.served == ("vpce-1", "vpce-2") for r in desired.rules.values()
    )
    for resource in ("vpce-1", "vpce-2"):
        mine = resource_cost(desired, resource, SETTINGS)
        own_alarms = [a for a in desired.alarms.values() if a.resource_id == resource]
        assert mine.rules == RULES_PER_RESOURCE / 2
        assert mine.alarms == len(own_alarms) + len(shared_alarms) / 2
    whole = deployment_cost(desired, SETTINGS)
    assert whole.resources == 2 and whole.per_resource_usd == pytest.approx(whole.fixed_usd / 2)


def outcome_of(incoming: IncomingEvents | None) -> Outcome:
    desired = desired_state(inventory(endpoint(), flow_log()), SETTINGS)
    plan = make_plan(desired, ActualState())
    return Outcome(inventory(), desired, ActualState(), plan, None, deployment_cost(desired, SETTINGS, incoming))


def test_the_plan_json_carries_the_monthly_total_and_a_breakdown_by_artifact_kind() -> None:
    """One endpoint, one log group of 2 million events a day: 3 rules (1.50), 4 alarm metrics
    (0.40), 1 dashboard (3.00), at most 3 x 60 million matched events (3.60): 8.50 USD."""
    data = json.loads(json.dumps(summary(outcome_of(IncomingEvents({"/flow/vpc": 2_000_000})), True)))
    assert data["cost"] == {
        "monthly_usd": 8.50,
        "complete": True,
        "rules": {"count": 3, "managed": 0, "unit_usd": RULE_PRICE, "monthly_usd": 1.50},
        "alarms": {"count": 4, "metrics": 4, "unit_usd": METRIC_PRICE, "monthly_usd": 0.40},
        "dashboards": {"count": 1, "free": 0, "charged": 1, "unit_usd": DASHBOARD_PRICE, "monthly_usd": 3.0},
        "matched_events": {
            "count_at_most": 180_000_000,
            "unit_usd_per_million": MILLION_EVENTS_PRICE,
            "monthly_usd": 3.60,
            "basis": data["cost"]["matched_events"]["basis"],
        },
        "resources": 1,
        "per_resource_usd": 4.90,  # what does not scale with traffic: rules, alarms, the dashboard
    }
    assert data["cost"]["matched_events"]["basis"].startswith("upper bound")


def test_the_plan_says_when_matched_events_are_unknown() -> None:
    outcome = outcome_of(None)
    data = summary(outcome, True)["cost"]
    assert data["complete"] is False and data["monthly_usd"] == 4.90  # 3 rules, 4 alarm metrics, 1 dashboard
    assert data["matched_events"]["monthly_usd"] is None and data["matched_events"]["basis"] == NOT_READ
    text = render_text(outcome, True)
    assert "Estimated cost a month, at the list prices set: 4.90 USD" in text
    assert f"matched log events  unknown, not in the total ({NOT_READ})" in text


def test_the_dashboard_summary_states_the_stable_estimate_and_the_matched_events_price() -> None:
    world = inventory(endpoint(), flow_log())
    desired = desired_state(world, SETTINGS)
    body = render_dashboards(desired.coverage, desired.rules, desired.alarms, world, SETTINGS)
    text = json.loads(next(iter(body.values())).body)["widgets"][0]["properties"]["markdown"]
    assert (
        "Estimated cost a month at list prices: 4.90 USD for 3 rules (1.50 USD while enabled), 4 alarm metrics in 4 alarms"
        " (0.40 USD) and 1 dashboard(s), 0 free (3.00 USD); plus 0.02 USD per million log events the rules match"
    ) in text


@pytest.mark.parametrize(
    "field", ["price_rule_month", "price_matched_events_million", "price_alarm_metric_month", "price_dashboard_month"]
)
@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_a_price_must_be_a_finite_amount_of_zero_or_more(field: str, value: str) -> None:
    with pytest.raises(ConfigError, match=field.replace("_", " ")):
        Settings.from_env({f"PLINSIGHTS_{field.upper()}": value})


def test_free_dashboards_must_not_be_negative() -> None:
    with pytest.raises(ConfigError, match="free dashboards"):
        Settings(free_dashboards=-1)


def test_the_dashboard_estimate_does_not_move_when_the_rule_state_is_toggled() -> None:
    """Disabling the rules disables them, and rewrites no dashboard (the plan prices them at 0)."""
    world = inventory(endpoint(), flow_log())
    bodies = []
    for state in ("ENABLED", "DISABLED"):
        settings = Settings(rule_state=state)
        desired = desired_state(world, settings)
        bodies.append(render_dashboards(desired.coverage, desired.rules, desired.alarms, world, settings))
        assert deployment_cost(desired, settings).rules == (RULES_PER_RESOURCE if state == "ENABLED" else 0)
    assert bodies[0] == bodies[1]
