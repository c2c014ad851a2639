"""The managed Contributor Insights rules of our endpoint services, when the managed_rules setting is
on, and the share of the rule quota they take before any flow-log rule is allocated (pure).

AWS offers four rule templates per endpoint service (PrivateLink guide, "Use built-in Contributor
Insights rules"): its consumer endpoints ranked by active connections, bytes, new connections and
resets, from PrivateLink's own data, no flow log needed. They are charged as Contributor Insights
rules; that they count against the Region's rule quota is not confirmed (aws-facts G5), so they are
counted, defensively: `reservation` is what the desire stage takes off the quota (RuleQuota.reserved)
before it allocates the flow-log rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from core.artifacts.managed_rules import managed_body
from core.desire.selection import exclusion_reason
from core.model import Coverage, Inventory, ManagedRuleSpec, Resource, ResourceKind
from core.settings import Settings

MANAGED_TEMPLATES = (
    "VpcEndpointService-ActiveConnectionsByEndpointId-v1",
    "VpcEndpointService-BytesByEndpointId-v1",
    "VpcEndpointService-NewConnectionsByEndpointId-v1",
    "VpcEndpointService-RstPacketsByEndpointId-v1",
)

PROVIDER_KINDS = (ResourceKind.NETWORK_LOAD_BALANCER, ResourceKind.GATEWAY_LOAD_BALANCER)
LIVE_STATES = frozenset({"active", "active_impaired"})  # a load balancer's, as desire's liveness has it


def pending_name(template: str, service_id: str) -> str:
    """A rule not made yet has no name: AWS gives it one (read back by ListManagedInsightRules)."""
    return f"{template} for {service_id}"


def desired_managed_rules(
    inventory: Inventory, settings: Settings, ordered: Sequence[Resource], available: int | None
) -> tuple[dict[str, ManagedRuleSpec], dict[str, list[str]]]:
    """The managed rules wanted, by name, and notes by resource id: for each live, selected load
    balancer in priority order, the four rules of each of its endpoint services, while the quota
    holds them (a service gets all four or none). None when the setting is off."""
    if not settings.managed_rules:
        return {}, {}
    existing = {(m.service_id, m.template): m for m in inventory.managed_rules}
    specs: dict[str, ManagedRuleSpec] = {}
    notes: dict[str, list[str]] = {}
    served: set[str] = set()
    left = available
    for resource in ordered:
        vpc_tags = dict(inventory.vpc_tags.get(resource.vpc_id, ()))
        if resource.kind not in PROVIDER_KINDS or resource.state.lower() not in LIVE_STATES:
            continue
        if exclusion_reason(resource, vpc_tags, settings):
            continue
        for service_id in resource.endpoint_services:
            if service_id in served:
                continue  # a service behind two load balancers gets its rules once, with the first
            if left is not None and left < len(MANAGED_TEMPLATES):
                notes.setdefault(resource.resource_id, []).append(
                    f"no managed Contributor Insights rules for {service_id}: it needs {len(MANAGED_TEMPLATES)} "
                    f"rules of the quota, {left} left"
                )
                continue
            served.add(service_id)
            left = None if left is None else left - len(MANAGED_TEMPLATES)
            for template in MANAGED_TEMPLATES:
                found = existing.get((service_id, template))
                name = found.rule_name if found and found.rule_name else pending_name(template, service_id)
                specs[name] = ManagedRuleSpec(
                    name, resource.resource_id, template, service_id, managed_body(template, service_id)
                )
    return specs, notes


def reservation(specs: Mapping[str, ManagedRuleSpec]) -> int:
    """The rules the managed rules take off the quota before the flow-log rules are allocated."""
    return len(specs)


def with_notes(coverage: Iterable[Coverage], notes: Mapping[str, Sequence[str]]) -> list[Coverage]:
    return [
        replace(c, notes=c.notes + tuple(notes[c.resource.resource_id])) if c.resource.resource_id in notes else c
        for c in coverage
    ]
