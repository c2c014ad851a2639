"""The managed Contributor Insights rules of endpoint services as a setting, on the local server: made
tagged as ours, found by the name AWS gives them, counted against the quota first, removed when off,
and another's never touched."""

from __future__ import annotations

from dataclasses import replace

from core.artifacts import MANAGED_RULES
from core.artifacts.ownership import endpoint_service_arn
from core.desire.managed_rules import MANAGED_TEMPLATES
from core.reconcile import run_reconcile
from demo.world import build_demo_world
from tests.integration.conftest import Harness


def service_of(aws: Harness) -> str:
    demo = build_demo_world(aws.world)
    return demo.endpoint_service.rsplit(".", 1)[1]


def managed(aws: Harness) -> dict[str, dict]:
    rules = aws.world.cloudwatch.describe_insight_rules()["InsightRules"]
    return {r["Name"]: r for r in rules if r.get("ManagedRule")}


def test_on_the_four_rules_of_each_service_are_made_ours_and_a_second_run_only_reads(aws: Harness) -> None:
    service = service_of(aws)
    on = replace(aws.settings, managed_rules=True)
    with aws.recording() as calls:
        first = run_reconcile(aws.clients, on)
    assert calls.count("cloudwatch:ListManagedInsightRules") == 1  # one service
    made = [c for c in first.plan.changes if c.kind is MANAGED_RULES]
    assert sorted(c.name for c in made) == sorted(f"{t} for {service}" for t in MANAGED_TEMPLATES)
    assert first.result is not None and not first.result.failed
    found = managed(aws)
    assert len(found) == len(MANAGED_TEMPLATES) and all(r["State"] == "ENABLED" for r in found.values())
    assert first.desired.quota is not None and first.desired.quota.reserved == len(MANAGED_TEMPLATES)

    with aws.recording() as calls:
        second = run_reconcile(aws.clients, on)
    assert second.plan.changes == () and aws.writes(calls) == []
    assert set(second.desired.managed_rules) == set(found)  # now under the names AWS gave them
    assert second.actual.quota is not None and second.actual.quota.others == 0  # ours are not others'
    assert second.desired.quota is not None and second.desired.quota.left == (
        second.desired.quota.limit - len(MANAGED_TEMPLATES) - len(second.desired.rules)
    )


def test_off_again_ours_are_deleted_and_a_disabled_one_of_ours_is_enabled_again(aws: Harness) -> None:
    service_of(aws)
    on = replace(aws.settings, managed_rules=True)
    run_reconcile(aws.clients, on)
    name = sorted(managed(aws))[0]
    aws.world.cloudwatch.disable_insight_rules(RuleNames=[name])
    again = run_reconcile(aws.clients, on)
    assert [(c.action.name, c.name) for c in again.plan.changes] == [("UPDATE", name)]
    assert managed(aws)[name]["State"] == "ENABLED"

    ours = sorted(managed(aws))
    off = run_reconcile(aws.clients, aws.settings)
    assert sorted(c.name for c in off.plan.changes if c.kind is MANAGED_RULES) == ours
    assert off.result is not None and not off.result.failed
    assert managed(aws) == {}


def test_one_someone_else_enabled_is_left_alone_and_never_deleted(aws: Harness) -> None:
    service = service_of(aws)
    arn = endpoint_service_arn("aws", aws.world.region, "123456789012", service)
    aws.world.cloudwatch.put_managed_insight_rules(
        ManagedRules=[{"TemplateName": MANAGED_TEMPLATES[1], "ResourceARN": arn}]
    )
    (theirs,) = managed(aws)
    outcome = run_reconcile(aws.clients, replace(aws.settings, managed_rules=True))
    assert theirs not in {c.name for c in outcome.plan.changes}
    assert any(theirs in note and "left alone" in note for note in outcome.plan.notes)
    assert len(managed(aws)) == len(MANAGED_TEMPLATES)  # the three others made, theirs as it was
    run_reconcile(aws.clients, aws.settings)
    assert set(managed(aws)) == {theirs}


def test_off_by_default_nothing_is_listed_or_made(aws: Harness) -> None:
    service_of(aws)
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert "cloudwatch:ListManagedInsightRules" not in calls and managed(aws) == {}
    assert outcome.desired.quota is not None and outcome.desired.quota.reserved == 0
