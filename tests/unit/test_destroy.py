"""destroy_plan: every owned artifact, of every kind ActualState holds, in an order that leaves no dangling reference."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from core.destroy import destroy_plan, owned_artifacts
from core.model import Action, ActualState, ObservedRule
from core.settings import Settings

SETTINGS = Settings(prefix="plinsights")


def rule(name: str) -> ObservedRule:
    return ObservedRule(name=name, definition="{}", state="ENABLED", resource_id="vpce-1")


def test_every_owned_rule_is_deleted() -> None:
    actual = ActualState(rules={name: rule(name) for name in ("plinsights-vpce-2-bytes", "plinsights-vpce-1-bytes")})
    plan = destroy_plan(actual, SETTINGS)
    assert [(c.action, c.artifact, c.name) for c in plan.changes] == [
        (Action.DELETE, "rule", "plinsights-vpce-1-bytes"),
        (Action.DELETE, "rule", "plinsights-vpce-2-bytes"),
    ]
    assert all("plinsights" in c.reason for c in plan.changes)


def test_nothing_owned_means_nothing_to_delete() -> None:
    assert destroy_plan(ActualState(), SETTINGS).changes == ()


@dataclass(frozen=True)
class LaterActualState:
    """The shape ActualState takes once alarms, dashboards and some future kind are observed."""

    rules: Mapping[str, object] = field(default_factory=dict)
    alarms: Mapping[str, object] = field(default_factory=dict)
    dashboards: Mapping[str, object] = field(default_factory=dict)
    widgets_elsewhere: Mapping[str, object] = field(default_factory=dict)
    lookalikes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    quota: object | None = None


def test_new_kinds_of_artifact_are_removed_without_a_change_to_destroy() -> None:
    later = LaterActualState(
        rules={"p-r": object()},
        alarms={"p-a2": object(), "p-a1": object()},
        dashboards={"PrivateLink-us-east-1": object()},
        widgets_elsewhere={"p-w": object()},
        lookalikes={"alarm": ("p-theirs",)},  # our prefix without our mark: never deleted
        quota=100,
    )
    plan = destroy_plan(cast(ActualState, later), SETTINGS)
    assert [(c.artifact, c.name) for c in plan.changes] == [
        ("alarm", "p-a1"),
        ("alarm", "p-a2"),
        ("dashboard", "PrivateLink-us-east-1"),
        ("widgets_elsewhere", "p-w"),
        ("rule", "p-r"),  # last: alarms and widgets read rules
    ]


def test_kinds_come_out_in_delete_order_whatever_the_field_order() -> None:
    @dataclass(frozen=True)
    class Reordered:
        rules: Mapping[str, object]
        dashboards: Mapping[str, object]
        alarms: Mapping[str, object]

    state = cast(ActualState, Reordered(rules={"r": 1}, dashboards={"d": 1}, alarms={"a": 1}))
    assert [kind for kind, _ in owned_artifacts(state)] == ["alarms", "dashboards", "rules"]
