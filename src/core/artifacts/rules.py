"""Contributor Insights rules as an artifact kind: read by DescribeInsightRules, proven ours by the owner tag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core.artifacts.canonical import canonical_rule_definition
from core.artifacts.kind import ArtifactKind, Reading, StateChange, Update, Write
from core.artifacts.ownership import insight_rule_arn, is_owner_tag, owner_tags, tags_of
from core.model import ArtifactSpec, Observed, ObservedRule, RuleSpec
from core.settings import KIND_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


NAMES_PER_DELETE = 100  # DeleteInsightRules: RuleNames, at most 100


def observe_rules(reading: Reading, kind: ArtifactKind) -> tuple[dict[str, Observed], tuple[str, ...]]:
    owned: dict[str, Observed] = {}
    lookalikes: list[str] = []
    clients, prefix = reading.clients, reading.settings.prefix
    for rule in reading.insight_rules:
        if not rule["Name"].startswith(f"{prefix}-") or rule.get("ManagedRule"):
            continue
        arn = insight_rule_arn(clients.partition, clients.region, clients.account_id, rule["Name"])
        tags = reading.tags(kind, rule["Name"], arn)
        if not is_owner_tag(tags, reading.settings):
            lookalikes.append(rule["Name"])
            continue
        owned[rule["Name"]] = ObservedRule(
            name=rule["Name"],
            definition=canonical_rule_definition(rule.get("Definition", "")),
            state=rule.get("State", ""),
            resource_id=tags.get(RESOURCE_TAG, ""),
            kind=tags.get(KIND_TAG, ""),
        )
    return owned, tuple(sorted(lookalikes))


def compare_rules(kind: ArtifactKind, want: ArtifactSpec, have: Observed) -> Update | StateChange | None:
    """A rewrite of a rule loses its history: only when the definition really differs. A state
    alone that differs is switched."""
    if want.body != have.body:
        return Update(kind, want.name, "definition differs", want, have.body)
    assert isinstance(want, RuleSpec) and isinstance(have, ObservedRule)
    if want.state != have.state:
        return StateChange(kind, want.name, f"state is {have.state}, want {want.state}", want, want.state)
    return None


def write_rule(clients: Clients, settings: Settings, change: Write, notes: list[str]) -> dict[str, str]:
    rule = change.spec
    assert isinstance(rule, RuleSpec)
    if isinstance(change, StateChange):
        # Enabling or disabling keeps the rule's history, which a rewrite would lose.
        toggle = (
            clients.cloudwatch.enable_insight_rules
            if change.state == "ENABLED"
            else clients.cloudwatch.disable_insight_rules
        )
        return failures_from_api(toggle(RuleNames=[rule.name]).get("Failures", []))
    clients.cloudwatch.put_insight_rule(
        RuleName=rule.name,
        RuleState=rule.state,
        RuleDefinition=rule.definition,
        Tags=owner_tags(settings, rule.resource_id, rule.kind.value),
    )
    return {}


def delete_rules(clients: Clients, names: list[str]) -> dict[str, str]:
    return failures_from_api(clients.cloudwatch.delete_insight_rules(RuleNames=names).get("Failures", []))


def rule_is_ours_now(clients: Clients, settings: Settings, name: str) -> bool:
    arn = insight_rule_arn(clients.partition, clients.region, clients.account_id, name)
    return is_owner_tag(tags_of(clients, arn), settings)


def failures_from_api(failures: Sequence[Any]) -> dict[str, str]:
    """DeleteInsightRules and Enable/DisableInsightRules report per-name failures in a 200 response."""
    return {
        str(f.get("FailureResource", "")): f"{f.get('FailureCode', 'Failure')}: {f.get('FailureDescription', '')}"
        for f in failures
        if isinstance(f, dict)
    }


RULES = ArtifactKind(
    name="rule",
    arn_type="insight-rule",
    observe=observe_rules,
    is_ours_now=rule_is_ours_now,
    write=write_rule,
    delete=delete_rules,
    write_operation="PutInsightRule",
    delete_operation="DeleteInsightRules",
    names_per_delete=NAMES_PER_DELETE,
    write_rate=lambda settings: settings.rule_write_rate,
    compare=compare_rules,
    state_operations=(("ENABLED", "EnableInsightRules"), ("DISABLED", "DisableInsightRules")),
)
