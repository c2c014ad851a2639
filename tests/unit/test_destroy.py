"""destroy_plan: every owned artifact, of every registered kind, in an order that leaves no dangling reference."""

from core.artifacts import ARTIFACTS, DELETE_ORDER, RULES
from core.artifacts.kind import Action
from core.destroy import destroy_plan
from core.model import ActualState, ObservedArtifact, ObservedRule
from core.settings import Settings

SETTINGS = Settings(prefix="plinsights")


def rule(name: str) -> ObservedRule:
    return ObservedRule(name=name, definition="{}", state="ENABLED", resource_id="vpce-1")


def test_every_owned_rule_is_deleted() -> None:
    actual = ActualState(
        artifacts={"rule": {name: rule(name) for name in ("plinsights-vpce-2-bytes", "plinsights-vpce-1-bytes")}}
    )
    plan = destroy_plan(actual, SETTINGS)
    assert [(c.action, c.artifact, c.name) for c in plan.changes] == [
        (Action.DELETE, "rule", "plinsights-vpce-1-bytes"),
        (Action.DELETE, "rule", "plinsights-vpce-2-bytes"),
    ]
    assert all("plinsights" in c.reason for c in plan.changes)


def test_nothing_owned_means_nothing_to_delete() -> None:
    assert destroy_plan(ActualState(), SETTINGS).changes == ()


def test_every_kind_of_every_registered_artifact_is_removed_readers_before_rules() -> None:
    actual = ActualState(
        artifacts={
            "rule": {"p-r": rule("p-r")},
            "alarm": {"p-a2": ObservedArtifact("p-a2", "{}"), "p-a1": ObservedArtifact("p-a1", "{}")},
            "dashboard": {"PrivateLink-us-east-1": ObservedArtifact("PrivateLink-us-east-1", "{}")},
        },
        lookalikes={"alarm": ("p-theirs",)},  # our prefix without our mark: never deleted
    )
    plan = destroy_plan(actual, SETTINGS)
    assert [(c.artifact, c.name) for c in plan.changes] == [
        ("alarm", "p-a1"),
        ("alarm", "p-a2"),
        ("dashboard", "PrivateLink-us-east-1"),
        ("rule", "p-r"),  # last: alarms and widgets read rules
    ]


def test_the_delete_order_holds_every_registered_kind_once_with_rules_last() -> None:
    assert sorted(kind.name for kind in DELETE_ORDER) == sorted(kind.name for kind in ARTIFACTS)
    assert DELETE_ORDER[-1] is RULES
