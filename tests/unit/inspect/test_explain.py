"""`plinsights explain`: the resource an id names, and why each flow log is read by each rule kind or not."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from rich.console import Console

from cli.explain import explanation_to_dict, render_explanation
from core.desire.flow_logs import DEFAULT_FORMAT
from core.desire.state import desired_state
from core.inspect.explain import Choice, Explanation, explain
from core.inspect.resource_ids import UnknownIdError
from core.model import ActualState, Inventory, ObservedRule, ResourceKind, RuleKind, RuleQuota
from core.plan.diff import make_plan
from core.reconcile import Outcome
from core.report import coverage_to_dict
from core.settings import Settings
from tests.builders import CUSTOM_FORMAT, endpoint, flow_log, inventory, load_balancer, name_of, shared_name_of
from tests.figures import ALARMS_PER_ENDPOINT, RULES_PER_RESOURCE

SETTINGS = Settings()
ENIS = ("eni-1", "eni-2")  # the builders' endpoint: eni-1 in subnet-a, eni-2 in subnet-b
NO_BYTES_FORMAT = "${version} ${interface-id} ${srcaddr} ${dstaddr} ${protocol} ${action}"


def dry_run(inv: Inventory, actual: ActualState | None = None, quota: RuleQuota | None = None) -> Outcome:
    """What `plinsights explain` reads: the plan's dry run, here on a literal inventory."""
    actual = actual or ActualState()
    desired = desired_state(inv, SETTINGS, quota, actual.rules)
    return Outcome(inv, desired, actual, make_plan(desired, actual, SETTINGS.max_deletes), None)


def applied(outcome: Outcome) -> ActualState:
    """The account once the outcome's plan is applied."""
    rules = {n: ObservedRule(n, r.definition, r.state, r.resource_id) for n, r in outcome.desired.rules.items()}
    return ActualState(artifacts={"rule": rules})


def choices_of(explanation: Explanation, flow_log_id: str, kind: RuleKind) -> list[Choice]:
    (role,) = [r for r in explanation.flow_logs if r.flow_log.flow_log_id == flow_log_id]
    return [c for c in role.choices if c.kind is kind]


def only_choice(explanation: Explanation, flow_log_id: str, kind: RuleKind) -> Choice:
    (choice,) = choices_of(explanation, flow_log_id, kind)
    return choice


def test_a_vpc_flow_log_read_by_every_rule_kind_names_the_rules_that_read_it() -> None:
    inv = inventory(endpoint(), flow_log(flow_log_id="fl-vpc"))
    explanation = explain("vpce-1", dry_run(inv), SETTINGS)
    (role,) = explanation.flow_logs
    assert (role.attached_to, role.eni_ids, role.unusable) == ("VPC", ENIS, "")
    for kind in RuleKind:
        choice = only_choice(explanation, "fl-vpc", kind)
        assert (choice.chosen, choice.eni_ids, choice.rules) == (True, ENIS, (shared_name_of(kind),))
    assert explanation.coverage.monitored and len(explanation.rules) == RULES_PER_RESOURCE


def test_rule_kinds_left_out_by_the_setting_read_no_flow_log() -> None:
    kept = Settings(rule_kinds=(RuleKind.BYTES.value, RuleKind.REJECTS.value))
    inv = inventory(endpoint(), flow_log(flow_log_id="fl-vpc"))
    desired = desired_state(inv, kept)
    outcome = Outcome(inv, desired, ActualState(), make_plan(desired, ActualState(), kept.max_deletes), None)
    explanation = explain("vpce-1", outcome, kept)
    assert choices_of(explanation, "fl-vpc", RuleKind.TCP_FLOWS) == []
    assert {c.kind for (role,) in [explanation.flow_logs] for c in role.choices} == {RuleKind.BYTES, RuleKind.REJECTS}
    assert len(explanation.rules) == len(kept.rule_kinds)


@pytest.mark.parametrize(
    ("traffic", "read_by"),
    [
        ("REJECT", {RuleKind.REJECTS}),
        ("ACCEPT", {RuleKind.BYTES, RuleKind.TCP_FLOWS}),
    ],
)
def test_a_flow_log_of_one_traffic_type_is_read_only_by_the_kinds_it_serves(traffic: str, read_by: set) -> None:
    inv = inventory(endpoint(), flow_log(traffic=traffic, flow_log_id="fl-1"))
    explanation = explain("vpce-1", dry_run(inv), SETTINGS)
    for kind in RuleKind:
        choice = only_choice(explanation, "fl-1", kind)
        assert choice.chosen is (kind in read_by)
        if kind not in read_by:
            assert f"records {traffic} traffic only" in choice.reason


def test_a_format_without_bytes_is_not_read_by_the_bytes_rule_and_says_which_field_is_missing() -> None:
    inv = inventory(endpoint(), flow_log(log_format=NO_BYTES_FORMAT, flow_log_id="fl-1"))
    explanation = explain("vpce-1", dry_run(inv), SETTINGS)
    bytes_choice = only_choice(explanation, "fl-1", RuleKind.BYTES)
    assert not bytes_choice.chosen and "lacks bytes" in bytes_choice.reason
    assert only_choice(explanation, "fl-1", RuleKind.REJECTS).chosen


@pytest.mark.parametrize(
    ("unusable", "said"),
    [
        (flow_log(destination="s3", flow_log_id="fl-1"), "not CloudWatch Logs"),
        (
            replace(flow_log(flow_log_id="fl-1"), cross_account_role="arn:aws:iam::210987654321:role/x"),
            "another account",
        ),
        (replace(flow_log(flow_log_id="fl-1"), delivery_status="FAILED"), "fails to deliver"),
        (flow_log(status="INACTIVE", flow_log_id="fl-1"), "is INACTIVE"),
    ],
    ids=["s3", "cross-account", "failed-delivery", "inactive"],
)
def test_a_flow_log_no_rule_can_read_says_why_for_every_kind(unusable, said: str) -> None:
    explanation = explain("vpce-1", dry_run(inventory(endpoint(), unusable)), SETTINGS)
    (role,) = explanation.flow_logs
    assert said in role.unusable
    assert {c.kind for c in role.choices} == set(RuleKind)
    assert all(not c.chosen and said in c.reason for c in role.choices)
    assert not explanation.coverage.monitored


def test_an_eni_flow_log_loses_to_the_vpc_log_group_that_covers_every_eni_in_one_rule() -> None:
    inv = inventory(
        endpoint(),
        flow_log(group="/flow/vpc", flow_log_id="fl-vpc"),
        flow_log(on="eni-1", group="/flow/eni", flow_log_id="fl-eni"),
    )
    explanation = explain("vpce-1", dry_run(inv), SETTINGS)
    lost = only_choice(explanation, "fl-eni", RuleKind.BYTES)
    assert (lost.chosen, lost.eni_ids) == (False, ("eni-1",))
    assert "read from /flow/vpc instead" in lost.reason
    assert f"covers {len(ENIS)} of the resource's ENIs, this flow log's log group 1" in lost.reason
    assert only_choice(explanation, "fl-vpc", RuleKind.BYTES).eni_ids == ENIS


def test_an_accept_only_flow_log_loses_an_eni_that_a_log_of_all_traffic_covers() -> None:
    inv = inventory(
        endpoint(),
        flow_log(group="/flow/accepted", traffic="ACCEPT", flow_log_id="fl-accept"),
        flow_log(on="subnet-a", group="/flow/all", flow_log_id="fl-all"),  # eni-1 only
    )
    explanation = explain("vpce-1", dry_run(inv), SETTINGS)
    by_verdict = {c.chosen: c for c in choices_of(explanation, "fl-accept", RuleKind.BYTES)}
    assert by_verdict[True].eni_ids == ("eni-2",)  # nothing better covers eni-2
    assert by_verdict[False].eni_ids == ("eni-1",)
    assert "read from /flow/all instead" in by_verdict[False].reason
    assert "records ACCEPT traffic only" in by_verdict[False].reason


def test_between_equal_log_groups_the_one_an_existing_rule_reads_stays() -> None:
    before = dry_run(inventory(endpoint(), flow_log(group="/flow/b", flow_log_id="fl-b")))
    inv = inventory(
        endpoint(), flow_log(group="/flow/a", flow_log_id="fl-a"), flow_log(group="/flow/b", flow_log_id="fl-b")
    )
    explanation = explain("vpce-1", dry_run(inv, applied(before)), SETTINGS)
    assert only_choice(explanation, "fl-b", RuleKind.BYTES).chosen
    lost = only_choice(explanation, "fl-a", RuleKind.BYTES)
    assert not lost.chosen and "an existing rule reads it already" in lost.reason


def test_between_equal_new_log_groups_the_first_by_name_is_read() -> None:
    inv = inventory(
        endpoint(), flow_log(group="/flow/b", flow_log_id="fl-b"), flow_log(group="/flow/a", flow_log_id="fl-a")
    )
    explanation = explain("vpce-1", dry_run(inv), SETTINGS)
    assert only_choice(explanation, "fl-a", RuleKind.BYTES).chosen
    assert "comes first by name" in only_choice(explanation, "fl-b", RuleKind.BYTES).reason


def test_a_tunnel_endpoint_says_why_it_has_no_tcp_rule() -> None:
    inv = inventory(endpoint(kind=ResourceKind.TUNNEL_ENDPOINT), flow_log(flow_log_id="fl-1"))
    choice = only_choice(explain("vpce-1", dry_run(inv), SETTINGS), "fl-1", RuleKind.TCP_FLOWS)
    assert not choice.chosen and "GENEVE" in choice.reason


LB = load_balancer(dedicated=True)  # rules of its own: their names name it


@pytest.mark.parametrize(
    ("given", "matched_by"),
    [
        (LB.resource_id, "load balancer ARN"),
        ("orders", "Network Load Balancer name"),
        (LB.short_id, "Network Load Balancer short id"),
        (name_of(LB.short_id, RuleKind.REJECTS), "rule name"),
    ],
    ids=["arn", "name", "short-id", "rule-name"],
)
def test_a_load_balancer_is_found_by_arn_name_short_id_or_one_of_its_rules(given: str, matched_by: str) -> None:
    inv = inventory(LB, endpoint(), flow_log())
    explanation = explain(given, dry_run(inv), SETTINGS)
    assert (explanation.resource, explanation.matched_by) == (LB, matched_by)
    assert {r.name for r in explanation.rules} == {name_of(LB.short_id, kind) for kind in RuleKind}


def test_an_alarm_name_finds_its_resource() -> None:
    outcome = dry_run(inventory(endpoint(), flow_log()))
    alarm = next(iter(outcome.desired.alarms))
    assert explain(alarm, outcome, SETTINGS).resource.resource_id == "vpce-1"


def test_an_unknown_id_is_an_error_that_offers_the_nearest_ids() -> None:
    outcome = dry_run(inventory(endpoint("vpce-0abc123"), load_balancer(), flow_log()))
    with pytest.raises(UnknownIdError) as err:
        explain("vpce-0abc12", outcome, SETTINGS)
    assert "did you mean vpce-0abc123" in str(err.value)
    assert "plinsights plan" in err.value.hint
    with pytest.raises(UnknownIdError) as err:
        explain("zzz", outcome, SETTINGS)
    assert "did you mean" not in str(err.value)


def test_a_rule_whose_resource_is_gone_says_so() -> None:
    before = dry_run(inventory(endpoint(dedicated=True), flow_log()))
    outcome = dry_run(inventory(flow_log()), applied(before))
    with pytest.raises(UnknownIdError, match="vpce-1, which no longer exists"):
        explain(name_of("vpce-1", RuleKind.BYTES), outcome, SETTINGS)


def test_a_name_two_resources_share_is_ambiguous() -> None:
    tagged = replace(endpoint(), name="orders")  # an endpoint whose Name tag is the load balancer's name
    with pytest.raises(UnknownIdError, match="2 resources"):
        explain("orders", dry_run(inventory(tagged, load_balancer())), SETTINGS)


def test_rules_alarms_and_dashboard_show_their_state_in_the_account_and_pending_changes() -> None:
    inv = inventory(endpoint(), flow_log())
    first = explain("vpce-1", dry_run(inv), SETTINGS)
    assert all(not r.exists and r.change and r.change.action == "create" for r in first.rules)
    assert len(first.alarms) == ALARMS_PER_ENDPOINT
    assert [d.name for d in first.dashboards] == [f"{SETTINGS.dashboard_prefix}-us-east-1"]
    assert len(first.changes) == RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT + len(first.dashboards)

    after = explain("vpce-1", dry_run(inv, applied(dry_run(inv))), SETTINGS)
    assert all(r.exists and r.change is None for r in after.rules)

    own = inventory(endpoint(dedicated=True), flow_log())
    moved = inventory(endpoint(dedicated=True), flow_log(log_format=CUSTOM_FORMAT))  # same log group, fields elsewhere
    updated = explain("vpce-1", dry_run(moved, applied(dry_run(own))), SETTINGS)
    assert {r.change.action for r in updated.rules if r.change} == {"update"}


def test_an_alarm_reports_its_threshold_and_period_from_the_settings() -> None:
    explanation = explain("vpce-1", dry_run(inventory(endpoint(), flow_log())), SETTINGS)
    (top_bytes,) = [a for a in explanation.alarms if a.kind == "top-pair-bytes"]
    assert top_bytes.threshold == SETTINGS.thresholds["bytes_top"]
    assert top_bytes.period == SETTINGS.periods["bytes"]
    assert top_bytes.statistic == "MaxContributorValue"
    assert top_bytes.rules == (shared_name_of(RuleKind.BYTES),) and top_bytes.metrics == len(top_bytes.rules)


def test_over_quota_the_flow_log_is_still_chosen_but_no_rule_reads_it() -> None:
    outcome = dry_run(inventory(endpoint(), flow_log(flow_log_id="fl-1")), quota=RuleQuota(1, "test"))
    explanation = explain("vpce-1", outcome, SETTINGS)
    assert not explanation.coverage.monitored and explanation.coverage.over_quota == RULES_PER_RESOURCE
    choice = only_choice(explanation, "fl-1", RuleKind.BYTES)
    assert choice.chosen and choice.rules == ()


@pytest.mark.parametrize(
    "inv",
    [
        inventory(endpoint(), flow_log()),
        inventory(endpoint(), flow_log(destination="s3")),
        inventory(endpoint(state="pending"), flow_log()),
        inventory(endpoint(tags={SETTINGS.exclude_tag: "true"}), flow_log()),
    ],
    ids=["monitored", "s3-only", "pending", "excluded"],
)
def test_the_json_object_carries_the_plans_coverage_entry_unchanged(inv: Inventory) -> None:
    outcome = dry_run(inv)
    data = explanation_to_dict(explain("vpce-1", outcome, SETTINGS))
    entry = coverage_to_dict(outcome.desired.coverage[0])
    assert {key: data[key] for key in entry} == entry
    assert isinstance(data["monitored"], bool)
    assert json.loads(json.dumps(data)) == data  # plain JSON types only


def test_the_text_report_has_every_section_and_each_flow_logs_reason() -> None:
    inv = inventory(endpoint(), flow_log(flow_log_id="fl-vpc"), flow_log(destination="s3", flow_log_id="fl-s3"))
    out = io.StringIO()
    render_explanation(explain("vpce-1", dry_run(inv), SETTINGS), Console(file=out, width=100, soft_wrap=True))
    text = out.getvalue()
    for heading in ("Monitoring", "Network interfaces", "Flow logs", "Rules", "Alarms", "Dashboard", "Pending changes"):
        assert f"\n{heading}" in text
    assert "feeds no rule: delivers to s3, not CloudWatch Logs" in text
    assert "default format" in text and DEFAULT_FORMAT not in text
    assert all(eni in text for eni in ENIS) and "us-east-1a" in text
