"""Plan -> writes, change by change; one failed change never stops the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from core.model import Action, Change, Failure, Plan, Result
from core.settings import KIND_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients

RULE_NAMES_PER_DELETE = 100  # DeleteInsightRules takes a list; keep each call modest


def apply_plan(plan: Plan, clients: Clients, settings: Settings) -> Result:
    result = Result()
    writes = [c for c in plan.changes if c.action is not Action.DELETE]
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    for change in writes:
        write = set_rule_state if change.state_only else put_rule
        run(result, [change], partial(write, clients, settings, change))
    for start in range(0, len(deletes), RULE_NAMES_PER_DELETE):
        batch = deletes[start : start + RULE_NAMES_PER_DELETE]
        run(result, batch, partial(delete_rules, clients, [c.name for c in batch]))
    return result


def run(result: Result, changes: Sequence[Change], call: Callable[[], dict[str, str]]) -> None:
    """Records each change as done or failed. `call` returns the per-name failures that batch APIs
    report inside a successful response; botocore has already retried throttling."""
    try:
        failures = call()
    except (BotoCoreError, ClientError) as err:
        code = (
            err.response["Error"].get("Code", "Error") if isinstance(err, ClientError) else type(err).__name__
        )
        failures = {change.name: f"{code}: {err}" for change in changes}
    for change in changes:
        if change.name in failures:
            result.failed.append(Failure(change, failures[change.name]))
        else:
            result.done.append(change)


def put_rule(clients: Clients, settings: Settings, change: Change) -> dict[str, str]:
    assert change.rule is not None
    rule = change.rule
    # Tags passed to PutInsightRule on an existing rule are ignored; ours never change after creation.
    tags = {**settings.owner_tags, RESOURCE_TAG: rule.resource_id, KIND_TAG: rule.kind.value}
    clients.cloudwatch.put_insight_rule(
        RuleName=rule.name,
        RuleState=rule.state,
        RuleDefinition=rule.definition,
        Tags=[{"Key": key, "Value": value} for key, value in sorted(tags.items())],
    )
    return {}


def set_rule_state(clients: Clients, settings: Settings, change: Change) -> dict[str, str]:
    """Enabling or disabling keeps the rule's history, which a PutInsightRule rewrite would lose."""
    assert change.rule is not None
    if change.rule.state == "ENABLED":
        response = clients.cloudwatch.enable_insight_rules(RuleNames=[change.name])
    else:
        response = clients.cloudwatch.disable_insight_rules(RuleNames=[change.name])
    return failures_from_api(response.get("Failures", []))


def delete_rules(clients: Clients, names: list[str]) -> dict[str, str]:
    response = clients.cloudwatch.delete_insight_rules(RuleNames=names)
    return failures_from_api(response.get("Failures", []))


def failures_from_api(failures: Sequence[object]) -> dict[str, str]:
    found = {}
    for failure in failures:
        if isinstance(failure, dict):
            found[str(failure.get("FailureResource", ""))] = (
                f"{failure.get('FailureCode', 'Failure')}: {failure.get('FailureDescription', '')}"
            )
    return found
