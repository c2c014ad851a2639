"""The deletion limit holds all of a resource, on the local server through `plinsights apply`: an
endpoint deleted while the limit is below its artifacts keeps its rules, its alarms and its
dashboard section, marked held, and apply says so in its exit status; with the limit raised, all of
it goes."""

from __future__ import annotations

import json

import pytest

from cli.main import EXIT_DELETIONS_HELD, EXIT_OK, main
from core.desire.held import HELD
from tests.figures import ALARMS_PER_ENDPOINT, RULES_PER_RESOURCE
from tests.integration.conftest import Harness

DASHBOARD = "PrivateLink-us-east-1"
SERVICE = "com.amazonaws.us-east-1.ssm"
OWN_ARTIFACTS = RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT  # an endpoint with rules of its own


def alarm_names(aws: Harness) -> set[str]:
    pages = aws.world.cloudwatch.get_paginator("describe_alarms").paginate()
    return {a["AlarmName"] for page in pages for a in page["MetricAlarms"]}


def dashboard_text(aws: Harness) -> str:
    body = json.loads(aws.world.cloudwatch.get_dashboard(DashboardName=DASHBOARD)["DashboardBody"])
    return "\n".join(json.dumps(w["properties"], ensure_ascii=False) for w in body["widgets"])


def applied(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict]:
    status = main(["apply", "--output", "json", *flags])
    return status, json.loads(capsys.readouterr().out)


def test_a_deleted_endpoint_keeps_everything_while_held_then_all_of_it_goes(
    aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    vpc, subnets = aws.world.vpc(subnets=1)
    gone = aws.world.interface_endpoint(vpc, subnets, SERVICE, {"plinsights:dedicated-rules": "true"})
    stays = aws.world.interface_endpoint(vpc, subnets, SERVICE)
    aws.world.flow_log(resource_ids=[vpc], log_group="/flow/held")
    assert applied(capsys)[0] == EXIT_OK
    rules, alarms = set(aws.world.rule_names()), alarm_names(aws)
    own_rules = {name for name in rules if gone in name}
    own_alarms = {name for name in alarms if gone in name}
    assert (len(own_rules), len(own_alarms)) == (RULES_PER_RESOURCE, ALARMS_PER_ENDPOINT)

    aws.world.delete_endpoint(gone)
    limit = OWN_ARTIFACTS - 1
    status, summary = applied(capsys, "--max-deletes", str(limit))
    assert status == EXIT_DELETIONS_HELD
    assert summary["held_resources"] == [gone] and len(summary["held_deletions"]) == OWN_ARTIFACTS
    assert [(c["action"], c["artifact"]) for c in summary["done"]] == [("update", "dashboard")]
    assert set(aws.world.rule_names()) == rules and alarm_names(aws) == alarms
    text = dashboard_text(aws)
    assert f"### {gone} (not discovered) · {HELD}" in text
    assert f"`plinsights apply --max-deletes {OWN_ARTIFACTS}`" in text and f"{gone} no longer exists" in text
    assert all(name in text for name in own_rules | own_alarms) and stays in text

    # Held again on the next run, with nothing left to write: the held section is not rewritten.
    assert main(["plan", "--detailed-exitcode", "--max-deletes", str(limit)]) == EXIT_OK
    capsys.readouterr()

    status, summary = applied(capsys, "--max-deletes", str(OWN_ARTIFACTS), "--auto-approve")
    assert status == EXIT_OK and summary["held_deletions"] == [] and summary["held_resources"] == []
    assert set(aws.world.rule_names()) == rules - own_rules and alarm_names(aws) == alarms - own_alarms
    text = dashboard_text(aws)
    assert gone not in text and HELD not in text and stays in text
