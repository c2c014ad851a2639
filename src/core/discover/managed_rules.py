"""Reads of our endpoint services' managed Contributor Insights rules (ListManagedInsightRules).

AWS names a managed rule itself, and lists, per resource, each template with the rule made from it
whether enabled or not (CloudWatch API reference, ListManagedInsightRules): this read is how a rule
we asked for is found by name, and how one someone else enabled is known to exist. It is made
only while the managed_rules setting is on: one call per endpoint service.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from core.artifacts.ownership import endpoint_service_arn
from core.model import ManagedRuleState

if TYPE_CHECKING:
    from core.clients import Clients

PAGE_SIZE = 500  # ListManagedInsightRules: MaxResults 1 to 500


def discover_managed_rules(clients: Clients, service_ids: Collection[str]) -> tuple[ManagedRuleState, ...]:
    found: list[ManagedRuleState] = []
    for service_id in sorted(service_ids):
        arn = endpoint_service_arn(clients.partition, clients.region, clients.account_id, service_id)
        kwargs: dict[str, Any] = {"ResourceARN": arn, "MaxResults": PAGE_SIZE}
        while True:  # no boto3 paginator for it
            page = clients.cloudwatch.list_managed_insight_rules(**kwargs)
            found += [managed_rule_from_api(service_id, item) for item in page.get("ManagedRules", [])]
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return tuple(sorted(found))


def managed_rule_from_api(service_id: str, item: Any) -> ManagedRuleState:
    state = item.get("RuleState") or {}  # absent for a template with no rule
    return ManagedRuleState(
        service_id=service_id,
        template=str(item.get("TemplateName", "")),
        rule_name=str(state.get("RuleName", "")),
        state=str(state.get("State", "")),
    )
