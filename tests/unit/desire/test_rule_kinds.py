"""Rule kinds are a setting (PLINSIGHTS_RULE_KINDS): the kinds left out get no rule and no alarm,
and a deployment that drops a kind deletes exactly its rules and alarms, within the deletion limit. The resources
here have rules of their own (plinsights:dedicated-rules)."""

from __future__ import annotations

from functools import partial

import pytest

from core.artifacts.kind import Action
from core.desire.state import desired_state
from core.errors import ConfigError
from core.model import ActualState, DesiredState, ObservedArtifact, ObservedRule, RuleKind
from core.plan.diff import make_plan
from core.settings import RULE_KINDS, Settings
from tests import builders
from tests.builders import flow_log, inventory
from tests.figures import RULES_PER_RESOURCE

endpoint = partial(builders.endpoint, dedicated=True)


load_balancer = partial(builders.load_balancer, dedicated=True)


WORLD = inventory(endpoint("vpce-1"), endpoint("vpce-2", eni_ids=("eni-3",)), load_balancer(), flow_log())
RESOURCES = 3
ALL_KINDS = desired_state(WORLD, Settings())


def matching(desired: DesiredState) -> ActualState:
    """The account exactly as desired."""
    return ActualState(
        artifacts={
            "rule": {n: ObservedRule(n, r.definition, r.state, r.resource_id) for n, r in desired.rules.items()},
            "alarm": {n: ObservedArtifact(n, a.body, a.resource_id) for n, a in desired.alarms.items()},
            "dashboard": {n: ObservedArtifact(n, d.body) for n, d in desired.dashboards.items()},
        },
    )


def test_every_rule_kind_is_made_by_default() -> None:
    assert Settings().rule_kinds == tuple(kind.value for kind in RuleKind)
    assert len(ALL_KINDS.rules) == RULES_PER_RESOURCE * RESOURCES


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        ("bytes,rejects", ("bytes", "rejects")),
        (" Bytes , REJECTS ", ("bytes", "rejects")),
        ("tcpflows", ("tcpflows",)),
        ("rejects,bytes,", ("rejects", "bytes")),
    ],
)
def test_the_setting_is_a_comma_list_of_rule_kinds(raw: str, kinds: tuple[str, ...]) -> None:
    assert Settings.from_env({"PLINSIGHTS_RULE_KINDS": raw}).rule_kinds == kinds


@pytest.mark.parametrize(("raw", "unknown"), [("bytes,flows", "'flows'"), ("bytes,tcp,reject", "'tcp', 'reject'")])
def test_an_unknown_kind_is_refused_naming_the_kinds_there_are(raw: str, unknown: str) -> None:
    with pytest.raises(ConfigError, match=f"{unknown} unknown: the rule kinds are {', '.join(RULE_KINDS)}"):
        Settings.from_env({"PLINSIGHTS_RULE_KINDS": raw})


@pytest.mark.parametrize("raw", [",", " , ,"])
def test_a_list_without_a_kind_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match=f"rule kinds must name at least one of {', '.join(RULE_KINDS)}"):
        Settings.from_env({"PLINSIGHTS_RULE_KINDS": raw})


def test_an_empty_tuple_is_refused_too() -> None:
    with pytest.raises(ConfigError, match="at least one"):
        Settings(rule_kinds=())


def test_the_desired_state_has_only_the_kinds_set_and_the_alarms_on_them() -> None:
    kept = ("bytes", "tcpflows")
    desired = desired_state(WORLD, Settings(rule_kinds=kept))
    assert {rule.kind.value for rule in desired.rules.values()} == set(kept)
    assert len(desired.rules) == len(kept) * RESOURCES
    kinds = {alarm.kind.value for alarm in desired.alarms.values()}
    assert "top-pair-bytes" in kinds and "top-source-rejects" not in kinds  # no reject rule to alarm on
    assert all(c.monitored for c in desired.coverage)
    assert not any("rejected flow records" in note for c in desired.coverage for note in c.notes)


@pytest.mark.parametrize("dropped", list(RuleKind), ids=str)
def test_dropping_a_kind_deletes_exactly_its_rules_and_their_alarms(dropped: RuleKind) -> None:
    kept = tuple(kind for kind in RULE_KINDS if kind != dropped.value)
    fewer = desired_state(WORLD, Settings(rule_kinds=kept))
    plan = make_plan(fewer, matching(ALL_KINDS), max_deletes=100)
    deleted = {(c.artifact, c.name) for c in plan.changes if c.action is Action.DELETE}
    dropped_rules = {name for name, rule in ALL_KINDS.rules.items() if rule.kind is dropped}
    # An alarm reads rules of one kind: those whose rules are all of the dropped kind go with them.
    dropped_alarms = {
        name for name, alarm in ALL_KINDS.alarms.items() if alarm.rule_names and set(alarm.rule_names) <= dropped_rules
    }
    assert len(dropped_rules) == RESOURCES
    assert deleted == {("rule", n) for n in dropped_rules} | {("alarm", n) for n in dropped_alarms}
    assert not [c for c in plan.changes if c.action is Action.CREATE]
    # The dashboard loses the dropped rules' widgets and says so; nothing else changes.
    assert {(c.artifact, c.action) for c in plan.changes if c.action is Action.UPDATE} == {("dashboard", Action.UPDATE)}


def test_rejects_dropped_also_deletes_the_reject_alarms() -> None:
    fewer = desired_state(WORLD, Settings(rule_kinds=("bytes", "tcpflows")))
    plan = make_plan(fewer, matching(ALL_KINDS), max_deletes=100)
    deleted_alarms = sorted(c.name for c in plan.changes if c.action is Action.DELETE and c.artifact == "alarm")
    assert deleted_alarms == sorted(
        name for name, alarm in ALL_KINDS.alarms.items() if alarm.kind.value == "top-source-rejects"
    )
    assert len(deleted_alarms) == RESOURCES


def test_dropping_a_kind_waits_for_the_deletion_limit() -> None:
    fewer = desired_state(WORLD, Settings(rule_kinds=("bytes", "tcpflows")))
    plan = make_plan(fewer, matching(ALL_KINDS), max_deletes=RESOURCES)  # 3 rules + 3 alarms to delete
    assert not [c for c in plan.changes if c.action is Action.DELETE]
    assert len(plan.held_deletions) == 2 * RESOURCES
