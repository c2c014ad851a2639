"""Reads of our own artifacts -> ActualState. Ours means: the name has our prefix AND the rule
carries our ownership tag. A look-alike name alone is never enough."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.errors import DiscoveryError
from core.model import ActualState, ObservedRule
from core.rules import canonical_definition
from core.settings import OWNER_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


def observe(clients: Clients, settings: Settings) -> ActualState:
    try:
        candidates = [
            rule
            for rule in describe_insight_rules(clients)
            if rule["Name"].startswith(f"{settings.prefix}-") and not rule.get("ManagedRule")
        ]
        owned: dict[str, ObservedRule] = {}
        lookalikes: list[str] = []
        for rule in candidates:
            tags = rule_tags(clients, rule["Name"])
            if tags.get(OWNER_TAG) == settings.prefix:
                owned[rule["Name"]] = ObservedRule(
                    name=rule["Name"],
                    definition=canonical_definition(rule.get("Definition", "")),
                    state=rule.get("State", ""),
                    resource_id=tags.get(RESOURCE_TAG, ""),
                )
            else:
                lookalikes.append(rule["Name"])
    except (BotoCoreError, ClientError) as err:
        raise DiscoveryError(
            f"reading our Contributor Insights rules failed, nothing will be changed: {err}"
        ) from err
    return ActualState(rules=owned, lookalikes=tuple(sorted(lookalikes)))


def describe_insight_rules(clients: Clients) -> list[dict[str, Any]]:
    """DescribeInsightRules has no boto3 paginator: follow NextToken by hand."""
    rules: list[Any] = []
    kwargs: dict[str, Any] = {"MaxResults": 500}
    while True:
        page = clients.cloudwatch.describe_insight_rules(**kwargs)
        rules += page.get("InsightRules", [])
        if not page.get("NextToken"):
            return rules
        kwargs["NextToken"] = page["NextToken"]


def insight_rule_arn(clients: Clients, name: str) -> str:
    return f"arn:{clients.partition}:cloudwatch:{clients.region}:{clients.account_id}:insight-rule/{name}"


def rule_tags(clients: Clients, name: str) -> dict[str, str]:
    tags = clients.cloudwatch.list_tags_for_resource(ResourceARN=insight_rule_arn(clients, name))["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}
