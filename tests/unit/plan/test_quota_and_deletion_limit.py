"""The quota and the deletion limit over resources that
have rules of their own (plinsights:dedicated-rules); shared rules at the quota: tests/unit/desire/test_shared_rules.py."""

from dataclasses import replace
from functools import partial

from core.artifacts.kind import Action
from core.desire.state import desired_state
from core.model import ActualState, ObservedArtifact, ObservedRule, RuleQuota
from core.plan.diff import make_plan
from core.settings import Settings
from tests import builders
from tests.builders import flow_log, inventory
from tests.figures import ALARMS_PER_ENDPOINT, RULES_PER_RESOURCE

endpoint = partial(builders.endpoint, dedicated=True)


SETTINGS = Settings(dedicated_rule_share=1.0)  # all of the quota for rules of their own


def three_endpoints():
    return [
        endpoint("vpce-old", eni_ids=("eni-1",), tags={}),
        endpoint("vpce-new", eni_ids=("eni-2",), tags={}),
        endpoint("vpce-vip", eni_ids=("eni-3",), tags={"plinsights:priority": "1"}),
    ]


def with_created(resource, created: str):
    return replace(resource, created=created)


def test_within_the_quota_every_resource_gets_its_rules_and_the_use_is_reported() -> None:
    state = desired_state(inventory(*three_endpoints(), flow_log()), SETTINGS, RuleQuota(100, "configured", others=10))
    assert len(state.rules) == 3 * RULES_PER_RESOURCE
    assert state.quota == RuleQuota(100, "configured", others=10, ours=3 * RULES_PER_RESOURCE)
    assert state.quota.left == 100 - 10 - 3 * RULES_PER_RESOURCE


def test_past_the_quota_resources_are_served_by_priority_tag_then_age_and_the_rest_reported() -> None:
    old, new, vip = three_endpoints()
    items = [
        with_created(old, "2024-01-01T00:00:00"),
        with_created(new, "2026-01-01T00:00:00"),
        with_created(vip, "2026-06-01T00:00:00"),
    ]
    state = desired_state(
        inventory(*items, flow_log()), SETTINGS, RuleQuota(100, "configured", others=100 - 2 * RULES_PER_RESOURCE)
    )
    monitored = {c.resource.resource_id for c in state.coverage if c.rule_names}
    assert monitored == {"vpce-vip", "vpce-old"}
    (left_out,) = [c for c in state.coverage if c.over_quota]
    assert left_out.resource.resource_id == "vpce-new"
    assert left_out.unmonitorable.startswith(
        f"not monitored for lack of Contributor Insights quota: needs {RULES_PER_RESOURCE} more rules"
    )
    assert "0 left; raise the Region's Contributor Insights rule quota" in left_out.unmonitorable
    assert "plinsights-vpce-new-dropped-packets" in state.alarms  # native metrics cost no rule
    assert "plinsights-vpce-new-high-bytes" not in state.alarms
    assert state.quota is not None and state.quota.left == 0


def test_the_quota_never_goes_negative_when_others_already_fill_it() -> None:
    state = desired_state(inventory(endpoint(), flow_log()), SETTINGS, RuleQuota(100, "configured", others=120))
    assert not state.rules and state.quota is not None and state.quota.left == 0


def test_a_bad_priority_tag_counts_as_untagged() -> None:
    items = [
        endpoint("vpce-a", tags={"plinsights:priority": "urgent"}),
        endpoint("vpce-b", tags={"plinsights:priority": "5"}),
    ]
    state = desired_state(
        inventory(*items, flow_log()), SETTINGS, RuleQuota(RULES_PER_RESOURCE, "configured")
    )  # room for one
    assert {c.resource.resource_id for c in state.coverage if c.rule_names} == {"vpce-b"}


def observed_everything(desired) -> ActualState:
    return ActualState(
        artifacts={
            "rule": {n: ObservedRule(n, r.definition, "ENABLED", r.resource_id) for n, r in desired.rules.items()},
            "alarm": {n: ObservedArtifact(n, a.body, a.resource_id) for n, a in desired.alarms.items()},
            "dashboard": {n: ObservedArtifact(n, d.body) for n, d in desired.dashboards.items()},
        },
    )


def test_the_deletion_limit_holds_back_every_deletion_past_the_maximum() -> None:
    before = desired_state(inventory(*three_endpoints(), flow_log()), SETTINGS)
    empty = desired_state(inventory(), SETTINGS)  # a discovery glitch: everything seems gone
    plan = make_plan(empty, observed_everything(before), max_deletes=10)
    assert not any(c.action is Action.DELETE for c in plan.changes)
    everything = 3 * (RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT) + 1
    assert len(plan.held_deletions) == everything
    assert any(f"{everything} deletions held back" in note for note in plan.notes)


def test_deletions_within_the_maximum_go_ahead() -> None:
    before = desired_state(inventory(*three_endpoints(), flow_log()), SETTINGS)
    after = desired_state(inventory(*three_endpoints()[1:], flow_log()), SETTINGS)
    one_endpoint = RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT
    plan = make_plan(after, observed_everything(before), max_deletes=one_endpoint)
    assert sum(1 for c in plan.changes if c.action is Action.DELETE) == one_endpoint
    assert plan.held_deletions == ()


def test_a_pending_resource_keeps_the_monitoring_it_has() -> None:
    before = desired_state(inventory(endpoint(), flow_log()), SETTINGS)
    modifying = desired_state(inventory(endpoint(state="pending"), flow_log()), SETTINGS)
    plan = make_plan(modifying, observed_everything(before))
    assert not any(c.action is Action.DELETE and c.artifact != "dashboard" for c in plan.changes)
    assert any("kept while vpce-1 is pending" in note for note in plan.notes)


def test_each_held_deletion_names_its_resource_and_the_plan_the_resources_held() -> None:
    before = desired_state(inventory(*three_endpoints(), flow_log()), SETTINGS)
    after = desired_state(inventory(*three_endpoints()[1:], flow_log()), SETTINGS)  # vpce-old gone
    plan = make_plan(after, observed_everything(before), max_deletes=1)
    assert {d.resource_id for d in plan.held_deletions} == {"vpce-old"}
    assert plan.held_resources == ("vpce-old",)
    assert plan.held_back == RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT


def test_a_dashboard_or_a_shared_rule_held_names_no_resource() -> None:
    before = desired_state(inventory(builders.endpoint("vpce-1"), flow_log()), Settings())  # shared rules
    plan = make_plan(desired_state(inventory(), Settings()), observed_everything(before), max_deletes=1)
    unnamed = {d.artifact for d in plan.held_deletions if not d.resource_id}
    assert unnamed == {"rule", "alarm", "dashboard"} and plan.held_resources == ("vpce-1",)


def test_a_plan_made_again_after_a_hold_keeps_holding_whatever_it_now_deletes() -> None:
    """The second plan of a run that holds (core/reconcile.py) may delete fewer: what the first held stays held."""
    before = desired_state(inventory(*three_endpoints(), flow_log()), SETTINGS)
    after = desired_state(inventory(*three_endpoints()[1:], flow_log()), SETTINGS)
    one_endpoint = RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT
    plan = make_plan(after, observed_everything(before), max_deletes=one_endpoint, held_before=one_endpoint + 1)
    assert not any(c.action is Action.DELETE for c in plan.changes) and len(plan.held_deletions) == one_endpoint
    assert plan.held_back == one_endpoint + 1
    assert any(f"`plinsights apply --max-deletes {one_endpoint + 1}`" in note for note in plan.notes)
