"""`plinsights destroy` and run_destroy on moto: everything ours goes, nothing else does."""

import json
from dataclasses import replace

import pytest

from cli import main as cli
from cli.main import main
from core.artifacts import RULES
from core.artifacts.kind import Delete, Failure, Plan, Result
from core.destroy import Removal, run_destroy
from core.reconcile import run_reconcile
from core.settings import OWNER_TAG, Settings
from demo.world import build_demo_world
from tests.figures import DEMO_RULES
from tests.integration.conftest import Harness


def reconciled(aws: Harness) -> list[str]:
    """The demo world, reconciled by two deployments, with rules of others beside ours."""
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    run_reconcile(aws.clients, Settings(prefix="teamb"))
    cloudwatch = aws.world.cloudwatch
    cloudwatch.put_insight_rule(
        RuleName="plinsights-vpce-0000-bytes", RuleState="ENABLED", RuleDefinition='{"lookalike": 1}'
    )
    cloudwatch.put_insight_rule(RuleName="plinsights-vpce-1111-bytes", RuleState="ENABLED", RuleDefinition='{"other": 1}',
                                Tags=[{"Key": OWNER_TAG, "Value": "another-team"}])  # fmt: skip
    return aws.world.rule_names()


def rules_in(changes) -> list[str]:
    """Rule names among changes or change dicts; other kinds of artifact join them as they are observed."""
    return sorted(
        c["name"] if isinstance(c, dict) else c.name
        for c in changes
        if (c["artifact"] if isinstance(c, dict) else c.artifact) == "rule"
    )


def test_destroy_deletes_our_rules_and_leaves_every_other_rule(aws: Harness) -> None:
    before = reconciled(aws)
    with aws.recording() as calls:
        removal = run_destroy(aws.clients, aws.settings)
    assert removal.result is not None and not removal.failed
    ours = rules_in(removal.plan.changes)
    assert len(ours) == DEMO_RULES and all(name.startswith("plinsights-") for name in ours)
    assert aws.world.rule_names() == sorted(set(before) - set(ours))
    assert "plinsights-vpce-0000-bytes" in aws.world.rule_names()  # our prefix, not our tag
    assert len([n for n in aws.world.rule_names() if n.startswith("teamb-")]) == DEMO_RULES
    writes = aws.writes(calls)
    assert writes.count("cloudwatch:DeleteInsightRules") == 1  # one batch
    assert all(write.split(":")[1].startswith("Delete") for write in writes)


def test_destroy_twice_finds_nothing_the_second_time(aws: Harness) -> None:
    reconciled(aws)
    run_destroy(aws.clients, aws.settings)
    with aws.recording() as calls:
        removal = run_destroy(aws.clients, aws.settings)
    assert removal.plan.changes == () and aws.writes(calls) == []


def test_a_dry_run_lists_and_deletes_nothing(aws: Harness) -> None:
    before = reconciled(aws)
    with aws.recording() as calls:
        removal = run_destroy(aws.clients, aws.settings, dry_run=True)
    assert len(rules_in(removal.plan.changes)) == DEMO_RULES and removal.result is None
    assert aws.writes(calls) == [] and aws.world.rule_names() == before


def test_cli_destroy_dry_run_prints_json_and_deletes_nothing(aws: Harness, capsys) -> None:
    before = reconciled(aws)
    assert main(["destroy", "--dry-run", "--output", "json"]) == cli.EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True and report["prefix"] == "plinsights" and "done" not in report
    assert {c["action"] for c in report["plan"]} == {"delete"} and len(rules_in(report["plan"])) == DEMO_RULES
    assert aws.world.rule_names() == before


def test_cli_destroy_deletes_one_deployment_chosen_by_prefix(aws: Harness, capsys) -> None:
    reconciled(aws)
    assert main(["--prefix", "teamb", "destroy", "--auto-approve"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "deployment teamb:" in out and " done, 0 failed" in out
    assert out.count("delete rule teamb-") == DEMO_RULES
    assert not [n for n in aws.world.rule_names() if n.startswith("teamb-")]
    lookalikes = 2  # plinsights-vpce-0000-bytes and -1111-bytes: our prefix, not our owner tag
    assert len([n for n in aws.world.rule_names() if n.startswith("plinsights-")]) == DEMO_RULES + lookalikes


def test_cli_destroy_exits_1_when_something_stays(aws: Harness, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    stuck = Delete(RULES, "plinsights-vpce-1-bytes", "owned")
    removal = Removal("us-east-1", "plinsights", Plan((stuck,)), Result([], [Failure(stuck, "Throttling: slow down")]))
    monkeypatch.setattr(cli, "run_destroy", lambda *_, **__: replace(removal, result=None))  # the dry run
    monkeypatch.setattr(cli, "apply_removal", lambda *_, **__: removal)
    assert main(["destroy", "--auto-approve"]) == cli.EXIT_FAILED_CHANGES
    assert "failed rule plinsights-vpce-1-bytes: Throttling" in capsys.readouterr().out


def test_cli_destroy_without_a_region_exits_2_and_deletes_nothing(aws: Harness, capsys, monkeypatch) -> None:
    before = reconciled(aws)
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert main(["destroy"]) == cli.EXIT_ERROR
    assert "no AWS Region" in capsys.readouterr().err
    assert aws.world.rule_names() == before
