import json
from pathlib import Path

import pytest

from cli.main import main
from demo.local import lambda_context
from demo.world import build_demo_world
from handlers import reconcile
from tests.figures import (
    DEMO_ALARMS,
    DEMO_ALARMS_PER_CONSUMER,
    DEMO_ARTIFACTS,
    DEMO_DASHBOARDS,
    DEMO_MONITORED,
    DEMO_NOT_MONITORED,
    DEMO_RULES,
    RULES_PER_RESOURCE,
)
from tests.integration.conftest import Harness
from tests.integration.handlers.test_change_events import CHANGE_EVENTS

EVENTS = Path(__file__).resolve().parents[3] / "events"
# The change samples are played in test_change_events.py, each after the change it announces.
ACCEPTED = sorted(p.name for p in EVENTS.glob("*.json") if p.name not in CHANGE_EVENTS)
IGNORED = sorted(f"ignored/{p.name}" for p in (EVENTS / "ignored").glob("*.json"))


@pytest.fixture
def handler_aws(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    monkeypatch.setattr(reconcile, "last_read", reconcile.ReadMark())  # as in a new container
    return aws


def invoke(name: str) -> dict:
    return reconcile.handler(json.loads((EVENTS / name).read_text()), lambda_context())


@pytest.mark.parametrize("name", ACCEPTED)
def test_every_sample_event_reconciles_the_account(handler_aws: Harness, name: str) -> None:
    build_demo_world(handler_aws.world)
    result = invoke(name)
    assert "ignored" not in result
    assert result["monitored"] == DEMO_MONITORED and result["not_monitored"] == DEMO_NOT_MONITORED
    if name == "backfill-dry-run.json":
        assert result["dry_run"] and len(result["plan"]) == DEMO_ARTIFACTS and handler_aws.writes() == []
    else:
        assert len(result["done"]) == DEMO_ARTIFACTS and result["failed"] == []
        assert sorted(handler_aws.writes()) == sorted(
            ["cloudwatch:PutInsightRule"] * DEMO_RULES
            + ["cloudwatch:PutMetricAlarm"] * DEMO_ALARMS
            + ["cloudwatch:PutDashboard"] * DEMO_DASHBOARDS
        )


@pytest.mark.parametrize("name", IGNORED)
def test_ignored_events_are_logged_and_touch_nothing(handler_aws: Harness, name: str, caplog) -> None:
    build_demo_world(handler_aws.world)
    result = invoke(name)
    assert result["ignored"] is True and result["reason"]
    assert handler_aws.calls == []
    assert [r.getMessage() for r in caplog.records] == ["event ignored"]


def test_the_handler_returns_a_summary_of_what_it_did(handler_aws: Harness) -> None:
    demo = build_demo_world(handler_aws.world)
    invoke("scheduled.json")
    handler_aws.world.delete_endpoint(demo.consumer_endpoint)
    result = invoke("delete-vpc-endpoints.json")
    assert result["trigger"] == "event" and result["event_name"] == "DeleteVpcEndpoints"
    assert [(c["artifact"], c["action"]) for c in result["done"]] == [("dashboard", "update")] + [
        ("alarm", "delete")
    ] * DEMO_ALARMS_PER_CONSUMER + [("rule", "delete")] * RULES_PER_RESOURCE
    # its own alarm, and the shared rules and alarms that served it alone
    assert all(demo.consumer_endpoint in c["name"] or "-shared-" in c["name"] for c in result["done"][1:])


def test_cli_plan_prints_json_and_writes_nothing(aws: Harness, capsys) -> None:
    build_demo_world(aws.world)
    assert main(["plan", "--output", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["dry_run"] is True and len(plan["plan"]) == DEMO_ARTIFACTS
    assert aws.world.rule_names() == []


def test_cli_apply_reconciles_and_reports(aws: Harness, capsys) -> None:
    build_demo_world(aws.world)
    assert main(["apply"]) == 0
    out = capsys.readouterr().out
    assert f"Applied: {DEMO_ARTIFACTS} done, 0 failed" in out
    assert "no flow log covers its network interfaces" in out
    assert len(aws.world.rule_names()) == DEMO_RULES


def test_its_metrics_carry_the_deployment_the_stack_alarms_read(
    handler_aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """The EMF record of a run: the metrics of the stack's alarms (template.yaml), under its Deployment."""
    build_demo_world(handler_aws.world)
    invoke("scheduled.json")
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    (record,) = [r for r in records if "DeletionsHeld" in r]
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    # Beside `service`, which Lambda's POWERTOOLS_SERVICE_NAME adds (the tests set none)
    assert directive["Namespace"] == "PrivateLinkInsights" and "Deployment" in directive["Dimensions"][0]
    assert record["Deployment"] == "plinsights"
    (held,), (used,), (unmonitored,) = (
        record[m] for m in ("DeletionsHeld", "RuleQuotaUsedPercent", "ResourcesNewlyUnmonitored")
    )
    assert held == 0 and used == DEMO_RULES  # of the local server's quota of 100
    # The endpoints without a flow log and with one to S3 only; the gateway endpoint has no alarm to be told on
    assert unmonitored == 2
