"""`plinsights top` on the local server, which answers GetInsightRuleReport from the rules'
definitions and the flow-log records logged: the same id resolution as explain, an unknown id
exits 2, a resource without rules says so."""

from __future__ import annotations

import json
import time

import pytest

from cli.main import EXIT_ERROR, EXIT_OK, main
from demo.traffic import write_demo_traffic
from demo.world import DemoWorld, build_demo_world
from tests.figures import RULES_PER_RESOURCE
from tests.integration.conftest import Harness


@pytest.fixture
def monitored(aws: Harness, capsys: pytest.CaptureFixture[str]) -> DemoWorld:
    """The demo's world, its rules made, then an hour of its traffic logged."""
    demo = build_demo_world(aws.world)
    assert main(["apply"]) == EXIT_OK
    write_demo_traffic(aws.world, demo, now=int(time.time()))
    capsys.readouterr()
    return demo


def test_top_reports_the_live_rules_of_an_endpoint_named_by_one_of_its_enis(
    aws: Harness, monitored: DemoWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    eni = aws.world.ec2.describe_vpc_endpoints(VpcEndpointIds=[monitored.consumer_endpoint])["VpcEndpoints"][0][
        "NetworkInterfaceIds"
    ][0]
    assert main(["top", eni, "--output", "json"]) == EXIT_OK
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert len(rules) == RULES_PER_RESOURCE and {r["resource"] for r in rules} == {monitored.consumer_endpoint}
    (bytes_rule,) = [r for r in rules if r["kind"] == "bytes"]
    assert bytes_rule["contributors"] and bytes_rule["records_read"] > 0  # the local server read the records
    values = [c["value"] for c in bytes_rule["contributors"]]
    assert values == sorted(values, reverse=True)

    assert main(["top", monitored.consumer_endpoint]) == EXIT_OK
    text = capsys.readouterr().out
    assert "as CloudWatch reports the live rules" in text and bytes_rule["name"] in text


def test_top_of_an_unknown_id_exits_2_like_explain(monitored: DemoWorld, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["top", "vpce-doesnotexist"]) == EXIT_ERROR
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 2
    assert "no endpoint, load balancer or rule of ours is 'vpce-doesnotexist'" in lines[0]


def test_top_of_a_resource_without_rules_says_so(monitored: DemoWorld, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["top", monitored.s3_logged_endpoint]) == EXIT_OK
    assert f"{monitored.s3_logged_endpoint} has no Contributor Insights rules" in capsys.readouterr().out
