"""The functions' IAM policies in template.yaml allow exactly what the code does, and no more.

Every call the product makes in this run is recorded (tests/conftest.py); a call that the deployed
policy would refuse fails the suite, so a new AWS call cannot land without its permission.
"""

import json
from dataclasses import replace

import boto3
import pytest

from core.destroy import run_destroy
from core.reconcile import run_reconcile
from core.settings import Settings
from core.triggers.delivery import SCHEDULE_NAME
from demo.local import lambda_context
from demo.world import build_demo_world
from handlers import reconcile
from tests.cfn import template
from tests.figures import RULES_PER_RESOURCE
from tests.iam import (
    IAM_PREFIXES,
    NO_RESOURCE_LEVEL,
    SESSION_CALLS,
    Call,
    capturing,
    denied,
    is_write,
    parameter_values,
    policy,
)
from tests.integration.conftest import Harness
from tests.integration.triggers.test_queue_path import EVENTS
from tests.queue_delivery import set_endpoint_state

FUNCTIONS = ("ReconcileFunction", "CleanupFunction")
# Granted, but not called by the lifecycle below: the default quota is read when the account has no
# applied value (moto has one), and dashboards are deleted when fewer pages are needed.
SITUATIONAL = {"servicequotas:ListAWSDefaultServiceQuotas", "cloudwatch:DeleteDashboards"}
# Made by the handler on the queue path (follow-ups), proven by the test of that path below.
QUEUE_PATH = {
    "scheduler:GetSchedule",
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "iam:PassRole",
    "sqs:SendMessage",
}
# Made by Lambda's event source mapping with the function's role, never by our code.
EVENT_SOURCE_MAPPING = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# Made by SNS with the publisher's permissions when it publishes to the stack's encrypted topic (SNS
# server-side encryption: a publisher needs kms:GenerateDataKey and kms:Decrypt on the topic's key).
ON_ITS_BEHALF = {"kms:GenerateDataKey", "kms:Decrypt"}
OWN_RESOURCES = {"ReconcileQueue.Arn", "FollowUpScheduleRole.Arn", "AlarmKey.Arn"}
DEFAULTS = {name: spec["Default"] for name, spec in template()["Parameters"].items()}
TOPIC = "arn:aws:sns:us-east-1:123456789012:privatelink-insights-AlarmTopic-1"  # the stack's topic


def refused(calls, function: str, region: str, **names: str) -> list[str]:
    values, statements = parameter_values(region, **names), policy(function)
    return sorted({problem for call in calls for problem in denied(call, statements, values)})


def test_the_demo_lifecycle_needs_nothing_the_policies_do_not_grant(aws: Harness) -> None:
    """Reconcile a world, reconcile after a deletion, then remove the deployment, as deployed."""
    settings = Settings(prefix=DEFAULTS["Prefix"], alarm_topic_arn=TOPIC)
    demo = build_demo_world(aws.world)
    with capturing() as reconcile_calls:
        run_reconcile(aws.clients, settings)
        run_reconcile(aws.clients, replace(settings, rule_state="DISABLED"))  # rule states alone change
        run_reconcile(aws.clients, replace(settings, managed_rules=True))  # AWS names these: our tag scopes them
        run_reconcile(aws.clients, settings)  # and off again: ours deleted
        aws.world.delete_endpoint(demo.consumer_endpoint)
        run_reconcile(aws.clients, settings)
    with capturing() as destroy_calls:
        removal = run_destroy(aws.clients, settings)
    assert removal.result is not None and not removal.result.failed
    assert len([c for c in removal.result.done if c.artifact == "rule"]) == RULES_PER_RESOURCE
    assert {c.operation for c in reconcile_calls} >= {
        "PutInsightRule",
        "DeleteInsightRules",
        "DescribeFlowLogs",
    }
    assert "DeleteInsightRules" in {c.operation for c in destroy_calls}
    names = {"Prefix": DEFAULTS["Prefix"], "DashboardPrefix": DEFAULTS["DashboardPrefix"], "AlarmTopic": TOPIC}
    assert refused(reconcile_calls, "ReconcileFunction", aws.clients.region, **names) == []
    assert refused(destroy_calls, "CleanupFunction", aws.clients.region, **names) == []
    # And no more: every action granted is one these runs made, or one that only other situations need.
    assert granted("ReconcileFunction") - actions(reconcile_calls) <= (
        SITUATIONAL | QUEUE_PATH | EVENT_SOURCE_MAPPING | ON_ITS_BEHALF
    )
    assert granted("CleanupFunction") - actions(destroy_calls) <= SITUATIONAL


def test_managed_rules_are_made_and_removed_only_as_ours(aws: Harness) -> None:
    """PutManagedInsightRules tagged with our owner, and the cleanup's deletes of rules AWS named
    tagged as ours (as read right before): allowed; the same calls under another deployment's tag refused."""
    settings = Settings(prefix=DEFAULTS["Prefix"], alarm_topic_arn=TOPIC, managed_rules=True)
    build_demo_world(aws.world)
    with capturing() as made:
        run_reconcile(aws.clients, settings)
    with capturing() as removed:
        assert not run_destroy(aws.clients, settings).failed
    puts = [c for c in made if c.operation == "PutManagedInsightRules"]
    deletes = [c for c in removed if c.operation == "DeleteInsightRules" and "VpcEndpointService" in str(c.resources)]
    assert puts and deletes
    names = {"Prefix": DEFAULTS["Prefix"], "DashboardPrefix": DEFAULTS["DashboardPrefix"], "AlarmTopic": TOPIC}
    assert refused(made, "ReconcileFunction", aws.clients.region, **names) == []
    assert refused(removed, "CleanupFunction", aws.clients.region, **names) == []
    theirs = {**names, "Prefix": "someoneelse"}
    assert refused(puts, "ReconcileFunction", aws.clients.region, **theirs)
    assert refused(deletes, "CleanupFunction", aws.clients.region, **theirs)


def granted(function: str) -> set[str]:
    return {action for statement in policy(function) for action in statement.actions}


def actions(calls: list[Call]) -> set[str]:
    """The IAM actions the calls need: TagResource too for a write that carries tags."""
    made = {f"{IAM_PREFIXES[c.service]}:{c.operation}" for c in calls if c.service in IAM_PREFIXES}
    made |= {"iam:PassRole"} if any(c.passed_role for c in calls) else set()
    return made | ({"cloudwatch:TagResource"} if any(c.tagged for c in calls) else set())


def test_the_queue_path_needs_only_its_own_queue_schedule_and_role(queued, monkeypatch) -> None:
    """Events arm a follow-up (looked up, then created); its reconcile sees a pending endpoint (the
    schedule moved); then a deadline hand-over (a message, and the pending schedule removed): every
    call allowed on exactly this stack's names, all of QUEUE_PATH made."""
    aws, queues, _ = queued
    demo = build_demo_world(aws.world)
    set_endpoint_state(demo.consumer_endpoint, "pending")
    with capturing() as calls:
        assert reconcile.handler(sample_batch(queues), lambda_context())["reconciled"] is False
        reconcile.handler(sample_batch(queues, pending_input(queues)), lambda_context())
        set_endpoint_state(demo.consumer_endpoint, "available")
        short = lambda_context(remaining_millis=int(reconcile.DEADLINE_MARGIN * 1000) - 1)
        assert reconcile.handler(sample_batch(queues, pending_input(queues)), short)["follow_up_seconds"] == 0
    assert actions(calls) >= QUEUE_PATH
    names = {
        "Prefix": aws.settings.prefix,
        "DashboardPrefix": aws.settings.dashboard_prefix,
        "FollowUpScheduleGroup": queues.schedule_group,
        "ReconcileQueue.Arn": queues.arn,
        "FollowUpScheduleRole.Arn": queues.role_arn,
    }
    assert refused(calls, "ReconcileFunction", aws.clients.region, **names) == []
    elsewhere = {**names, "FollowUpScheduleGroup": "another-stacks-group", "ReconcileQueue.Arn": queues.arn + "x"}
    assert refused(calls, "ReconcileFunction", aws.clients.region, **elsewhere)


def pending_input(queues) -> str:
    """The pending follow-up's message, as the schedule would send it when it fires."""
    scheduler = boto3.client("scheduler")
    return scheduler.get_schedule(GroupName=queues.schedule_group, Name=SCHEDULE_NAME)["Target"]["Input"]


def sample_batch(queues, body: str | None = None) -> dict:
    queues.send(body or json.loads((EVENTS / "create-vpc-endpoint.json").read_text()))
    records = queues.receive()
    queues.delete(records)
    return {"Records": records}


def test_the_event_source_mapping_reads_only_the_stacks_queue() -> None:
    [statement] = [s for s in policy("ReconcileFunction") if set(s.actions) & EVENT_SOURCE_MAPPING]
    assert set(statement.actions) == EVENT_SOURCE_MAPPING
    assert statement.resources == ({"GetAtt": "ReconcileQueue.Arn"},)


def test_a_call_outside_the_prefix_is_refused(aws: Harness) -> None:
    """The check above has teeth: the same lifecycle under another prefix is not ours to write."""
    settings = Settings(prefix="someoneelse")
    build_demo_world(aws.world)
    with capturing() as calls:
        run_reconcile(aws.clients, settings)
    problems = refused(calls, "ReconcileFunction", aws.clients.region, Prefix=DEFAULTS["Prefix"])
    assert problems and all(":someoneelse-" in p or "/someoneelse-" in p for p in problems)
    assert any("insight-rule/someoneelse-" in problem for problem in problems)


def test_alarms_that_notify_another_topic_are_refused(aws: Harness) -> None:
    """PutMetricAlarm is limited by cloudwatch:AlarmActions to the stack's own topic, and so is Publish."""
    build_demo_world(aws.world)
    other = TOPIC.replace("AlarmTopic", "SomeoneElses")
    aws.clients.session.client("sns").create_topic(Name=other.rsplit(":", 1)[1])
    with capturing() as calls:
        run_reconcile(aws.clients, Settings(alarm_topic_arn=other))
    alarms = [c for c in calls if c.operation == "PutMetricAlarm"]
    problems = refused(calls, "ReconcileFunction", aws.clients.region, Prefix="plinsights", AlarmTopic=TOPIC)
    expected = [f"cloudwatch:PutMetricAlarm on {r}" for c in alarms for r in c.resources] + [f"sns:Publish on {other}"]
    assert alarms and problems == sorted(expected)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_action_is_a_wildcard(function: str) -> None:
    actions = [action for statement in policy(function) for action in statement.actions]
    assert actions and not [action for action in actions if "*" in action]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_write_is_scoped_to_the_deployments_names(function: str) -> None:
    for statement in policy(function):
        if not any(is_write(action) for action in statement.actions):
            continue
        for resource in statement.resources:
            assert resource != "*", f"{statement.sid} writes on every resource"
            if "GetAtt" in resource:  # one of the stack's own resources
                assert resource["GetAtt"] in OWN_RESOURCES, statement.sid
                continue
            if "Ref" in resource:  # the stack's own topic (the one given instead: tests/unit/test_template.py)
                assert resource == {"Ref": "AlarmTopic"}, statement.sid
                continue
            text = resource["Sub"]
            if "${FollowUpScheduleGroup}" in text:
                assert text.endswith(":schedule/${FollowUpScheduleGroup}/follow-up"), statement.sid
                continue
            assert "${AWS::AccountId}" in text and "${AWS::Partition}" in text, statement.sid
            if text.endswith(":insight-rule/*"):  # managed rules: AWS names them, our owner tag is the scope
                ((operator, keys),) = (statement.condition or {"": {}}).items()
                assert operator == "StringEquals" and keys in (
                    {"aws:RequestTag/plinsights:owner": {"Ref": "Prefix"}},
                    {"aws:ResourceTag/plinsights:owner": {"Ref": "Prefix"}},
                ), statement.sid
                continue
            assert "${Prefix}-" in text or "${DashboardPrefix}-${AWS::Region}" in text, statement.sid


@pytest.mark.parametrize("function", FUNCTIONS)
def test_only_actions_without_resource_level_permissions_get_every_resource(function: str) -> None:
    unscoped = {a for s in policy(function) if "*" in s.resources for a in s.actions}
    assert unscoped <= NO_RESOURCE_LEVEL


def test_the_cleanup_function_can_only_read_and_delete() -> None:
    actions = {a for s in policy("CleanupFunction") for a in s.actions}
    assert {a for a in actions if is_write(a)} == {
        "cloudwatch:DeleteInsightRules",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DeleteDashboards",
    }


# Calls only the CLI makes, with the caller's credentials (docs/operations.md), never a function,
# which is not granted them: `preview`, `top` and `explain`'s consumers in ALARM, the cost estimate's read of the log groups'
# incoming events in `plan` and `apply`, and --stack's read of the function's settings. Tests that
# call the inspect stages directly make them without a command's user agent.
CLI_ONLY_OPERATIONS = frozenset(
    {
        ("logs", "FilterLogEvents"),
        ("cloudwatch", "GetInsightRuleReport"),
        ("cloudwatch", "GetMetricData"),
        ("cloudwatch", "DescribeAlarmContributors"),  # explain: the consumers in ALARM
        ("cloudformation", "DescribeStackResource"),  # --stack: the function's settings
        ("lambda", "GetFunctionConfiguration"),
    }
)


@pytest.mark.session_end
def test_every_call_made_in_this_run_is_allowed_by_the_reconcile_policy() -> None:
    """Runs last (tests/conftest.py): whatever any test made the product call must be permitted.
    Tests use several prefixes, so names are checked for shape here and exactly above."""
    assert SESSION_CALLS, "no product call was recorded: is tests/conftest.py's recorder installed?"
    by_region: dict[str, list] = {}
    for call in SESSION_CALLS:  # the CLI's own are checked against the operators' policies (test_operator_policy)
        if not call.command and (call.service, call.operation) not in CLI_ONLY_OPERATIONS:
            by_region.setdefault(call.region, []).append(call)
    problems = [
        problem
        for region, calls in sorted(by_region.items())
        for problem in refused(calls, "ReconcileFunction", region)
    ]
    assert problems == []
