"""`plinsights explain` against a moto server: the demo world's endpoint in text and JSON, an id
that matches nothing, and the global flags after the command."""

from __future__ import annotations

import json
import time

import pytest

from cli.main import EXIT_ERROR, EXIT_OK, main
from core.model import RuleKind
from demo.traffic import write_demo_traffic
from demo.world import add_neighbours, build_demo_world
from tests.figures import DEMO_ALARMS_PER_CONSUMER, RULES_PER_RESOURCE
from tests.integration.conftest import Harness


def test_explain_tells_the_same_story_in_text_and_json_and_writes_nothing(
    aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = build_demo_world(aws.world)
    assert main(["explain", demo.consumer_endpoint, "--region", "us-east-1"]) == EXIT_OK
    text = capsys.readouterr().out
    assert main(["explain", demo.consumer_endpoint, "--output", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert aws.world.rule_names() == []  # a dry run: nothing was created
    assert aws.world.cloudwatch.describe_alarms()["MetricAlarms"] == []

    assert data["id"] == demo.consumer_endpoint and data["monitored"] is True
    assert len(data["rule_details"]) == RULES_PER_RESOURCE
    assert all(rule["exists"] is False and rule["change"]["action"] == "create" for rule in data["rule_details"])
    assert len(data["alarm_details"]) == DEMO_ALARMS_PER_CONSUMER
    (flow_log,) = data["flow_logs"]  # the consumer VPC's flow log, in the default format
    assert flow_log["id"] in demo.flow_logs and flow_log["attached_to"] == {"type": "VPC", "id": demo.consumer_vpc}
    assert sorted(flow_log["enis"]) == sorted(eni["id"] for eni in data["network_interfaces"])
    assert {c["kind"] for c in flow_log["rule_kinds"] if c["chosen"]} == {kind.value for kind in RuleKind}
    assert all(eni["availability_zone"] for eni in data["network_interfaces"])

    for rule in data["rule_details"]:
        assert rule["name"] in text
    assert flow_log["id"] in text and "/vpc/flow-logs/consumer" in text and "Pending changes" in text


def test_explain_of_an_s3_only_endpoint_says_why_it_is_not_monitored(
    aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = build_demo_world(aws.world)
    assert main(["--output", "json", "explain", demo.s3_logged_endpoint]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["monitored"] is False and "CloudWatch Logs" in data["reason"]
    assert [f["usable"] for f in data["flow_logs"]] == [False]


def test_an_unknown_id_is_a_short_error_with_the_nearest_id(aws: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    demo = build_demo_world(aws.world)
    assert main(["explain", demo.consumer_endpoint[:-1]]) == EXIT_ERROR
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and "Traceback" not in captured.err and len(lines) == 2
    assert f"did you mean {demo.consumer_endpoint}" in lines[0] and "plinsights plan" in lines[1]


def test_explain_takes_what_a_flow_log_line_and_a_provider_know_and_refuses_an_empty_id(
    aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = build_demo_world(aws.world)
    eni = aws.world.ec2.describe_vpc_endpoints(VpcEndpointIds=[demo.consumer_endpoint])["VpcEndpoints"][0][
        "NetworkInterfaceIds"
    ][0]
    assert main(["explain", eni, "--output", "json"]) == EXIT_OK
    by_eni = json.loads(capsys.readouterr().out)
    assert (by_eni["id"], by_eni["matched_by"]) == (demo.consumer_endpoint, f"network interface {eni}")
    service_id = demo.endpoint_service.rsplit(".", 1)[-1]  # the service name ends in its id, vpce-svc-...
    assert main(["explain", service_id, "--output", "json"]) == EXIT_OK
    by_service = json.loads(capsys.readouterr().out)
    assert by_service["id"].endswith(demo.load_balancer.rsplit("/", 1)[-1]) and by_service["side"] == "provider"
    assert main(["explain", ""]) == EXIT_ERROR
    assert "an empty id names no resource" in capsys.readouterr().err


def test_explain_shows_the_resources_own_talkers_from_the_rules_it_shares(
    aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = build_demo_world(aws.world)
    neighbours = add_neighbours(aws.world, demo)
    write_demo_traffic(aws.world, demo, now=int(time.time()), neighbours=neighbours)
    assert main(["explain", demo.consumer_endpoint, "--output", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    own = {eni["id"] for eni in data["network_interfaces"]}
    by_kind = {report["kind"]: report for report in data["contributors"]}
    assert set(by_kind) == {kind.value for kind in RuleKind}
    assert all(report["resource"] == demo.consumer_endpoint for report in data["contributors"])
    served = {rule["name"] for rule in data["rule_details"]}
    assert all(report["name"] in served and "-shared-" in report["name"] for report in data["contributors"])
    talkers = by_kind["bytes"]["contributors"]
    assert talkers and {c["keys"][0] for c in talkers} <= own  # the neighbours' ENIs are in the rule, not here
    assert main(["explain", demo.consumer_endpoint]) == EXIT_OK
    assert "Its own top contributors" in capsys.readouterr().out
