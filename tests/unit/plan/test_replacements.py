"""An account reconciled by the version that gave every resource rules of its own moves to shared
rules in batches within the deletion limit: the rules and alarms a shared one replaces are deleted
first (room in the rule quota for what replaces them) and are not counted against the limit."""

from __future__ import annotations

from core.artifacts.kind import Create, Delete, Plan
from core.desire.state import desired_state
from core.model import ActualState, DesiredState, ObservedArtifact, ObservedRule, RuleQuota
from core.plan.diff import make_plan
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory
from tests.figures import RULES_PER_RESOURCE

SETTINGS = Settings()  # max_deletes 60: a resource of its own rules has 3 rules and 2 rule alarms to replace
ENDPOINTS = 20
MOVING_PER_RUN = SETTINGS.max_deletes // (RULES_PER_RESOURCE + 2)
# What the earlier version made: rules of its own for every resource
EARLIER = Settings(dedicated_rule_share=1.0)


def account(desired: DesiredState) -> ActualState:
    """The account once `desired` is written, as observe reads it (tags give the resource and kind)."""
    return ActualState(
        artifacts={
            "rule": {
                n: ObservedRule(n, r.definition, r.state, r.resource_id, r.kind.value) for n, r in desired.rules.items()
            },
            "alarm": {n: ObservedArtifact(n, a.body, a.resource_id, a.kind.value) for n, a in desired.alarms.items()},
            "dashboard": {n: ObservedArtifact(n, d.body) for n, d in desired.dashboards.items()},
        },
        quota=desired.quota,
    )


def world(dedicated: bool):
    return inventory(
        *[endpoint(f"vpce-{n:02d}", eni_ids=(f"eni-{n:02d}",), dedicated=dedicated) for n in range(ENDPOINTS)],
        flow_log(),
    )


def run(actual: ActualState) -> tuple[DesiredState, ActualState, Plan]:
    desired = desired_state(world(dedicated=False), SETTINGS, RuleQuota(100, "test"), actual.rules)
    plan = make_plan(desired, actual, SETTINGS.max_deletes)
    return desired, account(desired), plan


def test_the_move_to_shared_rules_takes_batches_within_the_deletion_limit_and_holds_nothing() -> None:
    before = account(desired_state(world(dedicated=True), EARLIER, RuleQuota(100, "test")))
    assert len(before.rules) == ENDPOINTS * RULES_PER_RESOURCE
    desired, after, plan = run(before)
    moved = [c for c in desired.coverage if not c.dedicated]
    kept = [c for c in desired.coverage if c.dedicated]
    assert len(moved) == MOVING_PER_RUN and len(kept) == ENDPOINTS - MOVING_PER_RUN
    assert all("moves to shared rules in a coming run" in " ".join(c.notes) for c in kept)
    deletes = [c for c in plan.changes if isinstance(c, Delete)]
    assert plan.held_deletions == () and len(deletes) == MOVING_PER_RUN * (RULES_PER_RESOURCE + 2)
    assert all(c.reason.startswith("replaced by plinsights-shared-") for c in deletes)

    runs = 1
    while any(c.dedicated for c in desired.coverage):
        desired, after, plan = run(after)
        assert plan.held_deletions == ()
        runs += 1
    assert runs == -(-ENDPOINTS // MOVING_PER_RUN)  # two runs for twenty resources
    assert all(not r.resource_id for r in desired.rules.values())


def test_replaced_artifacts_are_deleted_first_alarms_before_rules_then_what_replaces_them_is_written() -> None:
    before = account(desired_state(world(dedicated=True), EARLIER, RuleQuota(100, "test")))
    _, _, plan = run(before)
    kinds = [(type(c).__name__, c.artifact) for c in plan.changes]
    first_write = next(i for i, (action, _) in enumerate(kinds) if action != "Delete")
    assert {action for action, _ in kinds[:first_write]} == {"Delete"}
    artifacts = [artifact for _, artifact in kinds[:first_write]]
    assert artifacts == sorted(artifacts, key=lambda a: a != "alarm")  # alarms, then the rules they read
    assert any(isinstance(c, Create) and c.artifact == "rule" for c in plan.changes[first_write:])


def test_a_deletion_that_nothing_replaces_still_counts_against_the_limit() -> None:
    shared = desired_state(world(dedicated=False), SETTINGS)
    gone = desired_state(inventory(flow_log()), SETTINGS)  # every endpoint vanished: a discovery glitch
    plan = make_plan(gone, account(shared), max_deletes=5)
    assert plan.held_deletions and not any(isinstance(c, Delete) for c in plan.changes)
