"""The plan over resources that have rules of their own
(plinsights:dedicated-rules); shared rules' replacements: test_replacements.py."""

from dataclasses import replace
from functools import partial

from core.artifacts import ALARMS, ARTIFACTS, DASHBOARDS, MANAGED_RULES, RULES
from core.artifacts.kind import Action, Delete, StateChange, Update
from core.desire.dashboards import render_dashboards
from core.desire.state import desired_state
from core.model import ActualState, DesiredState, ObservedArtifact, ObservedRule, RuleKind
from core.plan.diff import make_plan
from core.settings import Settings
from tests import builders
from tests.builders import flow_log, inventory, name_of
from tests.figures import ALARMS_PER_ENDPOINT, RULES_PER_RESOURCE

endpoint = partial(builders.endpoint, dedicated=True)


SETTINGS = Settings()
DESIRED = desired_state(inventory(endpoint(), flow_log()), SETTINGS)


def matching(desired: DesiredState = DESIRED, state: str = "ENABLED") -> ActualState:
    """The account exactly as desired."""
    return ActualState(
        artifacts={
            "rule": {n: ObservedRule(n, r.definition, state, r.resource_id) for n, r in desired.rules.items()},
            "alarm": {n: ObservedArtifact(n, a.body, a.resource_id) for n, a in desired.alarms.items()},
            "dashboard": {n: ObservedArtifact(n, d.body) for n, d in desired.dashboards.items()},
        },
    )


def actions(plan, artifact: str | None = None) -> list[tuple[str, str]]:
    return [(c.action.value, c.name) for c in plan.changes if artifact in (None, c.artifact)]


def test_everything_missing_is_created_rules_first() -> None:
    plan = make_plan(DESIRED, ActualState())
    assert [c.artifact for c in plan.changes] == ["rule"] * RULES_PER_RESOURCE + ["alarm"] * ALARMS_PER_ENDPOINT + [
        "dashboard"
    ]
    assert {c.name for c in plan.changes} == {*DESIRED.rules, *DESIRED.alarms, *DESIRED.dashboards}
    assert all(c.action is Action.CREATE for c in plan.changes)


def test_nothing_changes_when_the_account_matches() -> None:
    plan = make_plan(DESIRED, matching())
    assert plan.changes == () and plan.unchanged == RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT + 1


def test_a_different_definition_is_updated_in_place() -> None:
    name = name_of("vpce-1", RuleKind.BYTES)
    actual = matching()
    rules = {**actual.rules, name: ObservedRule(name, '{"old": true}', "ENABLED", "vpce-1")}
    plan = make_plan(DESIRED, replace(actual, artifacts={**actual.artifacts, "rule": rules}))
    assert actions(plan) == [("~", name)]
    assert plan.changes[0].reason == "definition differs" and isinstance(plan.changes[0], Update)


def test_a_state_only_difference_toggles_the_state_without_rewriting() -> None:
    plan = make_plan(DESIRED, matching(state="DISABLED"))
    assert [c.action for c in plan.changes] == [Action.UPDATE] * RULES_PER_RESOURCE
    assert all(isinstance(c, StateChange) and c.artifact == "rule" for c in plan.changes)


def test_a_changed_alarm_or_dashboard_body_is_rewritten() -> None:
    actual = matching()
    alarm = next(iter(actual.alarms))
    dashboard = next(iter(actual.dashboards))
    changed = replace(
        actual,
        artifacts={
            **actual.artifacts,
            "alarm": {**actual.alarms, alarm: ObservedArtifact(alarm, "{}", "vpce-1")},
            "dashboard": {dashboard: ObservedArtifact(dashboard, '{"widgets": []}')},
        },
    )
    assert actions(make_plan(DESIRED, changed)) == [("~", alarm), ("~", dashboard)]


def test_artifacts_of_a_resource_gone_are_deleted_alarms_before_rules() -> None:
    stale_rule = ObservedRule("plinsights-vpce-9-bytes", "{}", "ENABLED", "vpce-9")
    stale_alarm = ObservedArtifact("plinsights-vpce-9-high-bytes", "{}", "vpce-9")
    actual = matching()
    actual = replace(
        actual,
        artifacts={
            "rule": {**actual.rules, stale_rule.name: stale_rule},
            "alarm": {**actual.alarms, stale_alarm.name: stale_alarm},
            "dashboard": {
                **actual.dashboards,
                "PrivateLink-us-east-1-2": ObservedArtifact("PrivateLink-us-east-1-2", "{}"),
            },
        },
    )
    plan = make_plan(DESIRED, actual)
    assert actions(plan) == [("-", stale_alarm.name), ("-", "PrivateLink-us-east-1-2"), ("-", stale_rule.name)]
    assert plan.changes[0].reason == "vpce-9 no longer exists"
    assert plan.changes[1].reason == "no longer needed"


def test_rules_of_a_resource_that_lost_its_flow_log_are_deleted_with_the_reason() -> None:
    without_logs = desired_state(inventory(endpoint()), SETTINGS)
    plan = make_plan(without_logs, matching())
    deleted = [c for c in plan.changes if c.action is Action.DELETE]
    assert {c.artifact for c in deleted} == {"rule", "alarm"}
    assert all("no flow log covers" in c.reason for c in deleted)
    assert "plinsights-vpce-1-dropped-packets" not in {c.name for c in deleted}  # native metrics stay


def test_a_lookalike_name_we_do_not_own_is_neither_created_nor_deleted() -> None:
    name = name_of("vpce-1", RuleKind.BYTES)
    actual = matching()
    owned = {n: r for n, r in actual.rules.items() if n != name}
    plan = make_plan(
        DESIRED,
        replace(
            actual,
            artifacts={**actual.artifacts, "rule": owned},
            lookalikes={"rule": (name, "plinsights-vpce-7-bytes")},
        ),
    )
    assert plan.changes == ()
    assert any(name in note for note in plan.notes)


def test_the_phases_put_every_write_before_any_delete() -> None:
    actual = matching()
    missing = name_of("vpce-1", RuleKind.BYTES)
    stale = {"plinsights-vpce-9-bytes": ObservedRule("plinsights-vpce-9-bytes", "{}", "ENABLED", "vpce-9")}
    rules = {**{n: r for n, r in actual.rules.items() if n != missing}, **stale}
    plan = make_plan(DESIRED, replace(actual, artifacts={**actual.artifacts, "rule": rules}))
    deletes = [isinstance(c, Delete) for c in plan.changes]
    assert deletes == sorted(deletes) and any(deletes) and not all(deletes)


def test_each_kind_finds_its_artifacts_under_its_name_in_both_states() -> None:
    actual = matching()
    for kind in ARTIFACTS:
        if kind is MANAGED_RULES:  # off by default: none wanted, none found (tests/unit/desire/test_managed_rules.py)
            assert DESIRED.of(kind) == actual.of(kind) == {}
            continue
        assert DESIRED.of(kind) and set(DESIRED.of(kind)) == set(actual.of(kind)) == set(DESIRED.artifacts[kind.name])
    assert (DESIRED.rules, DESIRED.alarms, DESIRED.dashboards) == tuple(
        DESIRED.of(kind) for kind in (RULES, ALARMS, DASHBOARDS)
    )


def test_dashboards_are_rendered_from_the_coverage_rules_and_alarms_desired_before_them() -> None:
    world = inventory(endpoint(), flow_log())
    rendered = render_dashboards(DESIRED.coverage, DESIRED.rules, DESIRED.alarms, world, SETTINGS, DESIRED.quota)
    assert rendered == DESIRED.dashboards
    assert desired_state(inventory(), SETTINGS).dashboards == {}  # nothing covered, no dashboard
