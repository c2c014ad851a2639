from core.desired import desired_state
from core.model import Action, ActualState, ObservedRule
from core.plan import make_plan
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory

SETTINGS = Settings()
DESIRED = desired_state(inventory(endpoint(), flow_log()), SETTINGS)


def observed(state: str = "ENABLED", **overrides: str) -> dict[str, ObservedRule]:
    rules = {n: ObservedRule(n, r.definition, state, r.resource_id) for n, r in DESIRED.rules.items()}
    for name, definition in overrides.items():
        rules[name] = ObservedRule(name, definition, state, "vpce-1")
    return rules


def actions(plan) -> list[tuple[str, str]]:
    return [(c.action.value, c.name) for c in plan.changes]


def test_everything_missing_is_created() -> None:
    plan = make_plan(DESIRED, ActualState())
    assert actions(plan) == [("+", name) for name in sorted(DESIRED.rules)]
    assert all(c.rule is DESIRED.rules[c.name] for c in plan.changes)


def test_nothing_changes_when_the_account_matches() -> None:
    plan = make_plan(DESIRED, ActualState(rules=observed()))
    assert plan.changes == () and plan.unchanged == 3


def test_a_different_definition_is_updated_in_place() -> None:
    name = "plinsights-vpce-1-bytes"
    plan = make_plan(DESIRED, ActualState(rules=observed(**{name: '{"old": true}'})))
    assert actions(plan) == [("~", name)]
    assert plan.changes[0].reason == "definition differs" and not plan.changes[0].state_only


def test_a_state_only_difference_toggles_the_state_without_rewriting() -> None:
    plan = make_plan(DESIRED, ActualState(rules=observed(state="DISABLED")))
    assert [c.action for c in plan.changes] == [Action.UPDATE] * 3
    assert all(c.state_only for c in plan.changes)


def test_rules_of_a_resource_gone_are_deleted_with_the_reason() -> None:
    stale = ObservedRule("plinsights-vpce-9-bytes", "{}", "ENABLED", "vpce-9")
    plan = make_plan(DESIRED, ActualState(rules={**observed(), stale.name: stale}))
    assert actions(plan) == [("-", "plinsights-vpce-9-bytes")]
    assert plan.changes[0].reason == "vpce-9 no longer exists"


def test_rules_of_a_resource_that_lost_its_flow_log_are_deleted_with_the_reason() -> None:
    without_logs = desired_state(inventory(endpoint()), SETTINGS)
    plan = make_plan(without_logs, ActualState(rules=observed()))
    assert {c.action for c in plan.changes} == {Action.DELETE}
    assert all("no flow log covers" in c.reason for c in plan.changes)


def test_a_lookalike_name_we_do_not_own_is_neither_created_nor_deleted() -> None:
    name = "plinsights-vpce-1-bytes"
    owned = {n: r for n, r in observed().items() if n != name}
    plan = make_plan(DESIRED, ActualState(rules=owned, lookalikes=(name, "plinsights-vpce-7-bytes")))
    assert plan.changes == ()
    assert any(name in note for note in plan.notes)
