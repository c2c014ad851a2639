"""Right before each update or delete, when its turn has come, the artifact's owner mark is read
again: a paced run writes minutes after it observed the account, and in between someone may have
taken an artifact over or deleted it."""

from typing import Any

from core.clients import Clients
from core.destroy import run_destroy
from core.reconcile import run_reconcile
from core.settings import OWNER_TAG, Settings
from demo.world import DemoWorld, build_demo_world
from tests.clock import FakeClock
from tests.integration.conftest import Harness

RULE_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:insight-rule/{}"
PACED = Settings(pacing="on")


def when_called(aws: Harness, operation: str, action: Any) -> None:
    """Runs `action` once, just before the first `operation` call goes out."""
    done: list[bool] = []

    def hook(**_: Any) -> None:
        if not done:
            done.append(True)
            action()

    aws.clients.cloudwatch.meta.events.register(f"before-call.cloudwatch.{operation}", hook)


def gone_endpoint(aws: Harness) -> tuple[DemoWorld, list[str]]:
    """The demo world, reconciled, then its consumer endpoint deleted: the three rules that served it
    alone are to go."""
    demo = build_demo_world(aws.world)
    desired = run_reconcile(aws.clients, aws.settings).desired
    aws.world.delete_endpoint(demo.consumer_endpoint)
    return demo, sorted(name for name, rule in desired.rules.items() if rule.served == (demo.consumer_endpoint,))


def test_a_rule_whose_owner_tag_goes_while_the_run_waits_for_its_turn_is_left_alone(aws: Harness) -> None:
    _, rules = gone_endpoint(aws)
    taken = rules[0]
    untag = lambda: aws.world.cloudwatch.untag_resource(ResourceARN=RULE_ARN.format(taken), TagKeys=[OWNER_TAG])  # noqa: E731
    when_called(aws, "DeleteAlarms", untag)  # the alarms go first; the rules' turn comes after
    outcome = run_reconcile(aws.clients, PACED, clock=FakeClock())
    assert outcome.result is not None and outcome.result.failed == []
    assert taken in {c.name for c in outcome.plan.changes}  # it was ours when observed
    assert [c.name for c in outcome.result.left_alone] == [taken]
    assert set(aws.world.rule_names()) & set(rules) == {taken}
    again = run_reconcile(aws.clients, aws.settings)
    assert [c.artifact for c in again.plan.changes] == ["dashboard"]  # the quota's count: one more rule of others
    assert taken in aws.world.rule_names()  # a look-alike now: never touched


def tag_reads_fail(aws: Harness, names: list[str], code: str) -> None:
    """ListTagsForResource on these artifacts answers `code`. AWS answers ResourceNotFoundException
    for a deleted artifact; moto keeps answering with its old tags."""

    def answer(params: dict[str, Any], **_: Any) -> None:
        if any(params.get("ResourceARN", "").endswith(f"/{name}") for name in names):
            raise aws.clients.cloudwatch.exceptions.ClientError(
                {"Error": {"Code": code, "Message": code}}, "ListTagsForResource"
            )

    aws.clients.cloudwatch.meta.events.register("before-parameter-build.cloudwatch.ListTagsForResource", answer)


def test_an_artifact_deleted_meanwhile_needs_no_delete_and_an_update_writes_it_again(aws: Harness) -> None:
    demo, rules = gone_endpoint(aws)
    cloudwatch = aws.world.cloudwatch
    tag_reads_fail(aws, rules, "ResourceNotFoundException")
    dashboard = cloudwatch.list_dashboards()["DashboardEntries"][0]["DashboardName"]
    when_called(aws, "DeleteAlarms", lambda: cloudwatch.delete_insight_rules(RuleNames=rules))
    when_called(aws, "PutDashboard", lambda: cloudwatch.delete_dashboards(DashboardNames=[dashboard]))
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None and outcome.result.failed == [] and outcome.result.left_alone == []
    assert {c.name for c in outcome.result.done} == {c.name for c in outcome.plan.changes}
    assert "cloudwatch:DeleteInsightRules" not in calls  # nothing left to delete
    assert calls.count("cloudwatch:PutDashboard") == 1 and dashboard in str(cloudwatch.list_dashboards())
    assert run_reconcile(aws.clients, aws.settings).plan.changes == ()
    assert demo.consumer_endpoint


def test_an_owner_mark_that_cannot_be_read_fails_that_change_alone_and_the_next_run_repairs(aws: Harness) -> None:
    _, rules = gone_endpoint(aws)
    tag_reads_fail(aws, rules[:1], "AccessDenied")
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None
    assert [f.change.name for f in outcome.result.failed] == [rules[0]]
    assert "owner mark could not be read" in outcome.result.failed[0].error
    assert set(aws.world.rule_names()) & set(rules) == {rules[0]}
    readable = Clients()  # the next run, when the tags can be read again
    assert [c.name for c in run_reconcile(readable, aws.settings).plan.changes] == [rules[0]]
    assert not set(aws.world.rule_names()) & set(rules)


def test_destroy_reads_each_owner_mark_again_right_before_its_delete(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    taken = sorted(aws.world.rule_names())[0]
    untag = lambda: aws.world.cloudwatch.untag_resource(ResourceARN=RULE_ARN.format(taken), TagKeys=[OWNER_TAG])  # noqa: E731
    when_called(aws, "DeleteAlarms", untag)
    removal = run_destroy(aws.clients, aws.settings)
    assert removal.result is not None and removal.result.failed == []
    assert [c.name for c in removal.result.left_alone] == [taken]
    assert aws.world.rule_names() == [taken]
