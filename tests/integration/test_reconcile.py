import json

from core.model import RuleKind
from core.reconcile import run_reconcile
from core.settings import OWNER_TAG, RESOURCE_TAG, Settings
from demo.world import build_demo_world
from tests.builders import shared_name_of
from tests.figures import DEMO_ARTIFACTS, DEMO_RULES, RULES_PER_RESOURCE
from tests.integration.conftest import Harness

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

ACCOUNT_RULE_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:insight-rule/{}"


def tags_of(aws: Harness, name: str) -> dict[str, str]:
    tags = aws.world.cloudwatch.list_tags_for_resource(ResourceARN=ACCOUNT_RULE_ARN.format(name))["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def alarm_names(aws: Harness) -> list[str]:
    return [a["AlarmName"] for a in aws.world.cloudwatch.describe_alarms()["MetricAlarms"]]


def rules(aws: Harness) -> dict[str, dict]:
    return {r["Name"]: r for r in aws.world.cloudwatch.describe_insight_rules()["InsightRules"]}


def test_apply_creates_the_rules_of_every_monitorable_resource_tagged_as_ours(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None and not outcome.result.failed
    names = set(rules(aws))
    assert names == set(outcome.desired.rules) and len(names) == DEMO_RULES
    consumer_rules = {n for n in names if demo.consumer_endpoint in outcome.desired.rules[n].served}
    assert consumer_rules == {shared_name_of(kind, CONSUMER_LOGS) for kind in RuleKind}
    for name in consumer_rules:
        assert tags_of(aws, name)[OWNER_TAG] == "plinsights"
        assert RESOURCE_TAG not in tags_of(aws, name)  # a shared rule names no resource: it serves several
    assert aws.writes().count("cloudwatch:PutInsightRule") == DEMO_RULES


def test_the_second_apply_only_reads(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert aws.writes(calls) == []
    desired = outcome.desired
    assert outcome.plan.changes == ()
    assert (
        outcome.plan.unchanged == len(desired.rules) + len(desired.alarms) + len(desired.dashboards) == DEMO_ARTIFACTS
    )


def test_a_dry_run_writes_nothing_and_returns_the_plan(aws: Harness) -> None:
    build_demo_world(aws.world)
    outcome = run_reconcile(aws.clients, aws.settings, dry_run=True)
    assert len(outcome.plan.changes) == DEMO_ARTIFACTS and outcome.result is None
    assert aws.writes() == [] and rules(aws) == {}


def test_deleting_an_endpoint_deletes_its_rules_and_nothing_else(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    aws.world.delete_endpoint(demo.consumer_endpoint)
    with aws.recording() as calls:
        run_reconcile(aws.clients, aws.settings)
    assert not any(demo.consumer_endpoint in name for name in rules(aws))
    assert len(rules(aws)) == DEMO_RULES - RULES_PER_RESOURCE
    # the dashboard stops showing them first, then the alarms go, then the rules they read
    assert aws.writes(calls) == ["cloudwatch:PutDashboard", "cloudwatch:DeleteAlarms", "cloudwatch:DeleteInsightRules"]
    assert not any(demo.consumer_endpoint in name for name in alarm_names(aws))


def test_a_new_flow_log_format_updates_the_rules_in_place(aws: Harness) -> None:
    vpc, subnets = aws.world.vpc(subnets=2)
    aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.us-east-1.ssm")
    (old,) = aws.world.flow_log(resource_ids=[vpc], log_group="/flow")
    run_reconcile(aws.clients, aws.settings)
    aws.world.ec2.delete_flow_logs(FlowLogIds=[old])
    aws.world.flow_log(
        resource_ids=[vpc],
        log_group="/flow",
        log_format="${interface-id} ${srcaddr} ${dstaddr} ${bytes} ${protocol} ${action}",
    )
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert aws.writes(calls) == ["cloudwatch:PutInsightRule"] * RULES_PER_RESOURCE
    assert {c.action.value for c in outcome.plan.changes} == {"~"}
    fields = json.loads(rules(aws)[shared_name_of(RuleKind.BYTES, "/flow")]["Definition"])["Fields"]
    assert fields == {"1": "interface_id", "2": "srcaddr", "3": "dstaddr", "4": "bytes"}


def test_a_lookalike_rule_we_did_not_create_is_never_touched(aws: Harness) -> None:
    build_demo_world(aws.world)
    taken = shared_name_of(RuleKind.BYTES, CONSUMER_LOGS)  # exactly the name we would use
    stray = "plinsights-vpce-0000000000000000-rejects"  # looks like ours, monitors nothing we know
    for name in (taken, stray):
        aws.world.cloudwatch.put_insight_rule(RuleName=name, RuleState="ENABLED", RuleDefinition='{"theirs": 1}')
    other_owner = "plinsights-vpce-1111111111111111-bytes"
    aws.world.cloudwatch.put_insight_rule(RuleName=other_owner, RuleState="ENABLED", RuleDefinition='{"theirs": 2}',
                                          Tags=[{"Key": OWNER_TAG, "Value": "another-team"}])  # fmt: skip
    outcome = run_reconcile(aws.clients, aws.settings)
    outcome = run_reconcile(aws.clients, aws.settings)
    after = rules(aws)
    assert after[taken]["Definition"] == '{"theirs": 1}'
    assert after[stray]["Definition"] == '{"theirs": 1}'
    assert after[other_owner]["Definition"] == '{"theirs": 2}'
    assert any(taken in note for note in outcome.plan.notes)
    assert not any(c.name in (taken, stray, other_owner) for c in outcome.plan.changes)


def test_deployments_with_different_prefixes_keep_apart(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    team = Settings(prefix="teamb")
    run_reconcile(aws.clients, team)
    assert len(rules(aws)) == 2 * DEMO_RULES  # two deployments
    aws.world.cloudwatch.delete_insight_rules(RuleNames=[n for n in rules(aws) if n.startswith("teamb")])
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.plan.changes == ()


def test_a_state_change_toggles_rules_without_rewriting_them(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    with aws.recording() as calls:
        run_reconcile(aws.clients, Settings(rule_state="DISABLED"))
    assert aws.writes(calls) == ["cloudwatch:DisableInsightRules"] * DEMO_RULES
    assert {r["State"] for r in rules(aws).values()} == {"DISABLED"}
