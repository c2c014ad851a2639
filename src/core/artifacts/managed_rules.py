"""Managed Contributor Insights rules of endpoint services as an artifact kind: made by
PutManagedInsightRules, named by AWS, read from DescribeInsightRules and proven ours by the owner tag.

AWS chooses a managed rule's name, so ours carry our prefix only in their tags: the owner tag, and
the template and service they were made for (MANAGED_TAG). Ownership is read from the tagging API's
index alone, never one rule at a time: the account's other managed rules are not ours to read
(so a rule of ours the index does not list yet is left alone until it does). Deleted and disabled
with the usual rule calls (DeleteInsightRules); a disabled one is enabled again by
PutManagedInsightRules (API reference).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.artifacts.canonical import canonical_json
from core.artifacts.kind import ArtifactKind, Reading, Write
from core.artifacts.ownership import endpoint_service_arn, is_owner_tag, owner_tags
from core.artifacts.rules import NAMES_PER_DELETE, RULES, delete_rules, rule_is_ours_now
from core.model import ManagedRuleSpec, Observed, ObservedArtifact
from core.settings import RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients

MANAGED_TAG = "plinsights:managed-rule"  # value: <template>/<service id>
KIND = "managed-rule"


def managed_body(template: str, service_id: str, state: str = "ENABLED") -> str:
    """What is compared between the wanted rule and ours as it exists: template, service, state."""
    return canonical_json({"TemplateName": template, "ServiceId": service_id, "State": state})


def observe_managed_rules(reading: Reading, kind: ArtifactKind) -> tuple[dict[str, Observed], tuple[str, ...]]:
    owned: dict[str, Observed] = {}
    others: list[str] = []
    for rule in reading.insight_rules:
        if not rule.get("ManagedRule"):
            continue
        name = str(rule["Name"])
        tags = reading.tag_index.get((RULES.name, name))  # the index names every insight rule "rule"
        if tags is None or not is_owner_tag(tags, reading.settings) or MANAGED_TAG not in tags:
            others.append(name)
            continue
        template, _, service_id = tags[MANAGED_TAG].partition("/")
        body = managed_body(template, service_id, str(rule.get("State", "")))
        owned[name] = ObservedArtifact(name, body, tags.get(RESOURCE_TAG, ""))
    return owned, tuple(sorted(others))


def write_managed_rule(clients: Clients, settings: Settings, change: Write, notes: list[str]) -> dict[str, str]:
    rule = change.spec
    assert isinstance(rule, ManagedRuleSpec)
    arn = endpoint_service_arn(clients.partition, clients.region, clients.account_id, rule.service_id)
    tags = [
        *owner_tags(settings, rule.resource_id, KIND),
        {"Key": MANAGED_TAG, "Value": f"{rule.template}/{rule.service_id}"},
    ]
    answer = clients.cloudwatch.put_managed_insight_rules(
        ManagedRules=[{"TemplateName": rule.template, "ResourceARN": arn, "Tags": tags}]
    )
    failures = [
        f"{f.get('FailureCode', 'Failure')}: {f.get('FailureDescription', '')}" for f in answer.get("Failures", [])
    ]
    return {change.name: "; ".join(failures)} if failures else {}


MANAGED_RULES = ArtifactKind(
    name=KIND,
    arn_type="",  # insight-rule ARNs are the rule kind's in the tagging index; this kind reads them there
    observe=observe_managed_rules,
    is_ours_now=rule_is_ours_now,
    write=write_managed_rule,
    delete=delete_rules,
    write_operation="PutManagedInsightRules",
    delete_operation="DeleteInsightRules",
    names_per_delete=NAMES_PER_DELETE,
    write_rate=lambda settings: settings.rule_write_rate,  # a Contributor Insights write, paced as one
)
