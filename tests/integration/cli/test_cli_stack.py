"""`plinsights --stack NAME` on the local server (moto serves CloudFormation, Lambda and IAM): the CLI
reads the deployed function's settings and plans what the function plans; a shell that says
otherwise is refused in one line; an unknown stack is one line and exit 2."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cli.main import EXIT_ERROR, EXIT_OK, main
from core.reconcile import run_reconcile
from core.report import summary
from core.settings import Settings
from demo.stack import STACK, deploy_stand_in, function_environment
from demo.world import build_demo_world
from tests.cfn import function_environment as template_environment
from tests.cfn import template
from tests.figures import DEMO_MONITORED
from tests.integration.conftest import Harness

TOPIC = "arn:aws:sns:us-east-1:123456789012:privatelink-insights-AlarmTopic-1"
DEPLOYED = Settings(prefix="team1", alarm_topic_arn=TOPIC, rule_kinds=("bytes", "rejects"), dashboard_prefix="Team1")


@pytest.fixture
def deployed(aws: Harness, capsys: pytest.CaptureFixture[str]) -> Harness:
    """The demo's world and a stack whose function has DEPLOYED's settings."""
    build_demo_world(aws.world)
    deploy_stand_in(aws.world.session, DEPLOYED)
    capsys.readouterr()
    return aws


def plan_json(argv: list[str], capsys: pytest.CaptureFixture[str], *flags: str) -> dict:
    assert main([*argv, "plan", "--output", "json", *flags]) == EXIT_OK
    return json.loads(capsys.readouterr().out)


def test_the_stand_in_sets_what_the_template_sets() -> None:
    assert set(function_environment(Settings())) == set(template_environment(template(), "ReconcileFunction")) - {
        "FOLLOW_UP_QUEUE_URL",
        "FOLLOW_UP_QUEUE_ARN",
        "FOLLOW_UP_SCHEDULE_GROUP",
        "FOLLOW_UP_ROLE_ARN",
    }


def test_with_the_stack_the_cli_plans_what_the_function_plans(
    deployed: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    by_cli = plan_json(["--stack", STACK], capsys)
    by_function = summary(run_reconcile(deployed.clients, DEPLOYED, dry_run=True), dry_run=True)
    assert by_cli["plan"] == by_function["plan"]
    rules = [change for change in by_cli["plan"] if change["artifact"] == "rule"]
    assert len(rules) == len(DEPLOYED.rule_kinds) * DEMO_MONITORED and all(
        r["name"].startswith("team1-") for r in rules
    )


def test_a_shell_variable_that_contradicts_the_stack_is_refused_by_name(
    deployed: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLINSIGHTS_RULE_KINDS", "bytes,tcpflows,rejects")
    assert main(["--stack", STACK, "apply", "--auto-approve"]) == EXIT_ERROR
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("plinsights: PLINSIGHTS_RULE_KINDS=bytes,tcpflows,rejects in this shell contradicts stack")
    assert "bytes,rejects" in line and "--override-stack" in line
    assert deployed.world.rule_names() == []  # refused before anything was written


def test_max_deletes_given_on_the_command_line_wins_over_the_stack(
    deployed: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack whose deletion limit holds the deletions of a gone endpoint: the operator lets them through."""
    deploy_stand_in(deployed.world.session, replace(DEPLOYED, max_deletes=1), stack="tight")
    assert main(["--stack", "tight", "apply", "--auto-approve"]) == EXIT_OK
    created = deployed.world.rule_names()
    deployed.world.delete_endpoint(consumer_endpoint(deployed))
    capsys.readouterr()
    assert not [c for c in plan_json(["--stack", "tight"], capsys)["plan"] if c["action"] == "delete"]
    deletes = [
        c for c in plan_json(["--stack", "tight"], capsys, "--max-deletes", "60")["plan"] if c["action"] == "delete"
    ]
    assert len([c for c in deletes if c["artifact"] == "rule"]) == len(DEPLOYED.rule_kinds)
    assert main(["--stack", "tight", "apply", "--auto-approve", "--max-deletes", "60"]) == EXIT_OK
    assert len(deployed.world.rule_names()) == len(created) - len(DEPLOYED.rule_kinds)


def consumer_endpoint(aws: Harness) -> str:
    """The demo world's interface endpoint in the consumer VPC (the one a flow log to CloudWatch Logs covers)."""
    endpoints = aws.world.ec2.describe_vpc_endpoints()["VpcEndpoints"]
    flow_logs = aws.world.ec2.describe_flow_logs()["FlowLogs"]
    logged = {fl["ResourceId"] for fl in flow_logs if fl["LogDestinationType"] == "cloud-watch-logs"}
    (consumer,) = {
        e["VpcEndpointId"] for e in endpoints if e["VpcEndpointType"] == "Interface" and e["VpcId"] in logged
    }
    return consumer


def test_an_unknown_stack_is_one_line_and_exit_2(aws: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stack", "nosuchstack", "plan"]) == EXIT_ERROR
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "stack nosuchstack in us-east-1" in lines[0] and "does not exist" in lines[0]


def test_a_stack_whose_function_is_gone_says_to_name_the_deployment(
    deployed: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack being deleted loses its function before its cleanup runs."""
    function = deployed.world.session.client("cloudformation").describe_stack_resource(
        StackName=STACK, LogicalResourceId="ReconcileFunction"
    )["StackResourceDetail"]["PhysicalResourceId"]
    deployed.world.session.client("lambda").delete_function(FunctionName=function)
    assert main(["--stack", STACK, "destroy", "--dry-run"]) == EXIT_ERROR
    (line,) = capsys.readouterr().err.splitlines()
    assert f"{function} no longer exists" in line and "--prefix and --dashboard-prefix" in line
