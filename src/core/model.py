"""Plain, frozen data passed between the stages of a reconcile; boto3 dicts stop at the edges.

The bottom of the house: it imports nothing of the project, so every stage may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, cast


class RuleKind(StrEnum):
    """One member per row of RULE_TEMPLATES (core/desire/rules.py; a test holds them equal): the
    value names the kind in rule names and in the plinsights:kind tag."""

    BYTES = "bytes"
    TCP_FLOWS = "tcpflows"
    REJECTS = "rejects"


class ResourceKind(StrEnum):
    INTERFACE_ENDPOINT = "interface endpoint"
    GWLB_ENDPOINT = "Gateway Load Balancer endpoint"
    GATEWAY_ENDPOINT = "gateway endpoint"
    RESOURCE_ENDPOINT = "resource endpoint"  # VPC Lattice-backed PrivateLink: a resource configuration
    SERVICE_NETWORK_ENDPOINT = "service network endpoint"  # VPC Lattice-backed PrivateLink: a service network
    TUNNEL_ENDPOINT = "tunnel endpoint"  # a CIDR resource configuration, reached over GENEVE
    OTHER_ENDPOINT = "other endpoint"
    NETWORK_LOAD_BALANCER = "Network Load Balancer"
    GATEWAY_LOAD_BALANCER = "Gateway Load Balancer"

    @property
    def side(self) -> str:
        """Consumers own endpoints; providers own the load balancers behind endpoint services."""
        return (
            "provider"
            if self in (ResourceKind.NETWORK_LOAD_BALANCER, ResourceKind.GATEWAY_LOAD_BALANCER)
            else "consumer"
        )


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    eni_id: str
    subnet_id: str
    vpc_id: str
    availability_zone: str = ""


@dataclass(frozen=True, slots=True, order=True)
class EndpointConnection:
    """A consumer's interface endpoint connected to one of our endpoint services, as the provider sees
    it (DescribeVpcEndpointConnections): in the consumer's account, which may be another."""

    service_id: str  # vpce-svc-...
    endpoint_id: str  # the consumer's vpce-...
    owner: str  # VpcEndpointOwner: the consumer's account
    state: str  # as EC2 spells it: pendingAcceptance, available, rejected, ...
    region: str = ""  # VpcEndpointRegion: the consumer's Region (cross-Region access when not ours)
    created: str = ""  # ISO 8601


@dataclass(frozen=True, slots=True)
class Resource:
    """A VPC endpoint (consumer side) or a Network or Gateway Load Balancer (provider side)."""

    resource_id: str  # vpce-... for endpoints, the ARN for load balancers
    kind: ResourceKind
    state: str  # as AWS reports it: available, pending, active, provisioning, ...
    vpc_id: str
    enis: tuple[NetworkInterface, ...] = ()
    name: str = ""  # load balancer name, or the endpoint's Name tag
    service_name: str = ""  # endpoint: the service it reaches
    endpoint_services: tuple[str, ...] = ()  # load balancer: the endpoint services it backs
    tags: tuple[tuple[str, str], ...] = ()
    created: str = ""  # ISO 8601
    endpoint_type: str = ""  # endpoint: VpcEndpointType as AWS spells it, a PrivateLink metric dimension
    service_region: str = ""  # endpoint: ServiceRegion, the service's Region (cross-Region access when not ours)
    consumers: tuple[EndpointConnection, ...] = ()  # load balancer: its endpoint services' consumers, sorted

    @property
    def short_id(self) -> str:
        """An id that fits rule, alarm and dashboard names: vpce-..., or net-<name>-<id> for an ARN."""
        if self.resource_id.startswith("arn:"):
            name, lb_id = self.resource_id.rsplit("/", 2)[-2:]
            prefix = "gwy" if self.kind is ResourceKind.GATEWAY_LOAD_BALANCER else "net"
            return f"{prefix}-{name}-{lb_id}"
        return self.resource_id

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)


@dataclass(frozen=True, slots=True)
class FlowLog:
    flow_log_id: str
    resource_id: str  # the VPC, subnet or ENI it is attached to
    destination_type: str  # cloud-watch-logs | s3 | kinesis-data-firehose
    log_group: str  # empty unless destination_type is cloud-watch-logs
    traffic_type: str  # ALL | ACCEPT | REJECT
    log_format: str  # always returned by DescribeFlowLogs, default format included
    status: str = "ACTIVE"  # FlowLogStatus
    delivery_status: str = "SUCCESS"  # DeliverLogsStatus
    # MaxAggregationInterval: records cover up to this many seconds (60 or 600; AWS's default is 600)
    max_aggregation_interval: int = 600
    cross_account_role: str = ""  # DeliverCrossAccountRole: it delivers to another account's log group


@dataclass(frozen=True, slots=True, order=True)
class ManagedRuleState:
    """One managed Contributor Insights rule template of an endpoint service, as ListManagedInsightRules
    lists it: the rule AWS made from it, if any, whoever enabled it."""

    service_id: str
    template: str
    rule_name: str = ""  # empty: no rule of this template exists for the service
    state: str = ""  # ENABLED | DISABLED


@dataclass(frozen=True, slots=True)
class Inventory:
    """What discovery found in one account and Region."""

    region: str
    resources: tuple[Resource, ...] = ()
    flow_logs: tuple[FlowLog, ...] = ()
    vpc_tags: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    account_id: str = "123456789012"
    partition: str = "aws"
    # The managed rules of our endpoint services, read only when the managed_rules setting is on
    managed_rules: tuple[ManagedRuleState, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One Contributor Insights rule as it should exist."""

    name: str
    resource_id: str
    kind: RuleKind
    log_group: str
    eni_ids: tuple[str, ...]
    definition: str  # canonical JSON: equal specs give byte-equal strings
    state: str = "ENABLED"
    # The largest MaxAggregationInterval of the flow logs feeding it: how late its data can be
    aggregation_interval: int = 600
    # A shared rule (resource_id ""): the resources whose ENIs it reads, each keyed by its ENI
    served: tuple[str, ...] = ()
    title: str = ""  # what it counts, in plain words (a format with tcp-flags sharpens the TCP kind)

    @property
    def body(self) -> str:
        return self.definition

    def serves(self, resource_id: str) -> bool:
        return resource_id == self.resource_id or resource_id in self.served


class AlarmKind(StrEnum):
    BYTES = "high-bytes"  # the sum over all contributors
    TOP_BYTES = "top-pair-bytes"  # the top contributor: one source/destination pair
    REJECTS = "rejected-flows"  # the sum over all contributors
    TOP_REJECTS = "top-source-rejects"  # the top contributor: one source at one ENI
    DROPS = "dropped-packets"  # an endpoint's PacketsDropped
    RESETS_RECEIVED = "resets-received"  # an endpoint's RstPacketsReceived
    RESETS = "reset-packets"  # a load balancer's RstPacketsSent, over its endpoint services
    NEW_CONNECTIONS = "new-connections"  # a load balancer's NewConnections, over its endpoint services
    CONSUMER_RESETS = "consumer-resets"  # RstPacketsSent of one endpoint service, per consumer endpoint
    CONSUMER_CONNECTIONS = "consumer-connections"  # NewConnections of one endpoint service, per consumer endpoint


@dataclass(frozen=True, slots=True)
class AlarmSpec:
    """One alarm as it should exist; `body` is the canonical JSON of its PutMetricAlarm parameters."""

    name: str
    resource_id: str
    kind: AlarmKind
    body: str
    rule_names: tuple[str, ...] = ()  # the rules its metric reads: they must exist first
    # A Metrics Insights query alarm is charged per metric (series) it analyzes, which its body cannot
    # tell: the series expected; None for an alarm whose body lists its metrics (core/desire/cost.py).
    analyzed_metrics: int | None = None
    served: tuple[str, ...] = ()  # an alarm on a shared rule (resource_id ""): the resources it serves
    # The carrier of its resource's monitoring line (core/desire/monitoring.py): created with it as a
    # tag; "" on every other alarm. Not in the body: a changed line is a tag, never an update.
    monitoring: str = ""

    def serves(self, resource_id: str) -> bool:
        return resource_id == self.resource_id or resource_id in self.served


@dataclass(frozen=True, slots=True)
class ManagedRuleSpec:
    """A managed Contributor Insights rule of an endpoint service as it should exist (PutManagedInsightRules).
    AWS names the rule: `name` is that name once the rule exists, and `<template> for <service id>`
    until then; `body` is the canonical JSON of its template, service and state."""

    name: str
    resource_id: str  # the load balancer behind the service
    template: str
    service_id: str
    body: str

    def serves(self, resource_id: str) -> bool:
        return resource_id == self.resource_id


@dataclass(frozen=True, slots=True)
class DashboardSpec:
    name: str
    body: str  # canonical JSON

    @property
    def resource_id(self) -> str:
        return ""  # a dashboard shows every resource

    def serves(self, resource_id: str) -> bool:
        return False  # a dashboard belongs to no one resource


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the monitoring of one resource looks like, or why there is none."""

    resource: Resource
    rule_names: tuple[str, ...] = ()
    alarm_names: tuple[str, ...] = ()
    log_groups: tuple[str, ...] = ()
    unmonitorable: str = ""  # why there are no flow-log rules (native metrics may still be watched)
    excluded: bool = False  # left out by tag-based selection: nothing at all is made for it
    over_quota: int = 0  # rules it would need but that the Contributor Insights quota cannot hold
    pending: bool = False  # still being created: the next trigger or the schedule picks it up
    notes: tuple[str, ...] = ()  # partial coverage: a rule kind or ENI left out, and why
    dedicated: bool = False  # rules of its own (tagged, or a per-resource rule-alarm threshold); else shared

    @property
    def monitored(self) -> bool:
        return bool(self.rule_names)


@dataclass(frozen=True, slots=True)
class RuleQuota:
    """Contributor Insights rules per Region: shared with every other rule in the account."""

    limit: int  # the quota
    source: str  # where the limit came from: Service Quotas, or the configured fallback
    others: int = 0  # rules that exist and are not ours, whoever made them
    ours: int = 0  # flow-log rules we want
    # Rules of ours set aside before any flow-log rule is allocated: the managed rules of our endpoint
    # services (core/desire/managed_rules.py), when the managed_rules setting is on.
    reserved: int = 0

    @property
    def available(self) -> int:
        """What flow-log rules may take."""
        return max(self.limit - self.others - self.reserved, 0)

    @property
    def left(self) -> int:
        return max(self.limit - self.others - self.reserved - self.ours, 0)


@dataclass(frozen=True, slots=True)
class ObservedRule:
    name: str
    definition: str  # canonical JSON, or the raw text when it does not parse
    state: str
    resource_id: str = ""  # from our resource-id tag ("" for a shared rule)
    kind: str = ""  # from our kind tag

    @property
    def body(self) -> str:
        return self.definition

    def serves(self, resource_id: str) -> bool:
        return resource_id == self.resource_id  # which resources a shared one serves is the spec's to say


@dataclass(frozen=True, slots=True)
class ObservedArtifact:
    """An alarm or dashboard of ours as it exists; `body` is comparable with the spec's."""

    name: str
    body: str
    resource_id: str = ""
    kind: str = ""  # from our kind tag (an alarm's kind); "" for a dashboard
    announced: str = ""  # an alarm's monitoring tag: its resource's monitoring as last announced

    def serves(self, resource_id: str) -> bool:
        return resource_id == self.resource_id  # which resources a shared one serves is the spec's to say


class ArtifactSpec(Protocol):
    """What every artifact's spec has: its name, its body (compared as a string with the observed
    one's) and the resource it belongs to ("" when it belongs to none)."""

    @property
    def name(self) -> str: ...

    @property
    def body(self) -> str: ...

    @property
    def resource_id(self) -> str: ...

    def serves(self, resource_id: str) -> bool:
        """Whether it watches this resource: its own, or one of those a shared one serves."""
        ...


class Observed(ArtifactSpec, Protocol):
    """What every observed artifact of ours has, as it exists in the account: the same as a spec."""


class NamedKind(Protocol):
    """What the states need of an artifact kind (core/artifacts/kind.py): the name its artifacts go by."""

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ActualState:
    """The artifacts that exist and that this project owns: our name prefix AND our owner mark
    (the ownership tag; for dashboards, which PutDashboard cannot tag, a mark in the body)."""

    artifacts: Mapping[str, Mapping[str, Observed]] = field(default_factory=dict)  # kind's name -> name -> it
    lookalikes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind's name -> names never touched
    quota: RuleQuota | None = None  # limit and the rules of others; None when not read
    notes: tuple[str, ...] = ()  # how the reading went, for the plan's notes

    def of(self, kind: NamedKind) -> Mapping[str, Observed]:
        return self.artifacts.get(kind.name, {})

    @property
    def rules(self) -> Mapping[str, ObservedRule]:
        return cast("Mapping[str, ObservedRule]", self.artifacts.get("rule", {}))

    @property
    def alarms(self) -> Mapping[str, ObservedArtifact]:
        return cast("Mapping[str, ObservedArtifact]", self.artifacts.get("alarm", {}))

    @property
    def dashboards(self) -> Mapping[str, Observed]:
        return self.artifacts.get("dashboard", {})


@dataclass(frozen=True, slots=True)
class DesiredState:
    """The artifacts wanted, by kind's name ("rule", "alarm", ...) then by name, with each resource's coverage."""

    artifacts: Mapping[str, Mapping[str, ArtifactSpec]] = field(default_factory=dict)
    coverage: tuple[Coverage, ...] = ()
    quota: RuleQuota | None = None

    def of(self, kind: NamedKind) -> Mapping[str, ArtifactSpec]:
        return self.artifacts.get(kind.name, {})

    # Typed views of the three kinds, for the code that reads them (each kind's module fills its own entry).
    @property
    def rules(self) -> Mapping[str, RuleSpec]:
        return cast("Mapping[str, RuleSpec]", self.artifacts.get("rule", {}))

    @property
    def alarms(self) -> Mapping[str, AlarmSpec]:
        return cast("Mapping[str, AlarmSpec]", self.artifacts.get("alarm", {}))

    @property
    def dashboards(self) -> Mapping[str, DashboardSpec]:
        return cast("Mapping[str, DashboardSpec]", self.artifacts.get("dashboard", {}))

    @property
    def managed_rules(self) -> Mapping[str, ManagedRuleSpec]:
        return cast("Mapping[str, ManagedRuleSpec]", self.artifacts.get("managed-rule", {}))


class Ownership(StrEnum):
    """An artifact's owner mark as read right before it is updated or deleted."""

    OURS = "ours"
    GONE = "gone"  # deleted since it was observed
    NOT_OURS = "no longer ours"  # the owner mark was removed or changed since
