"""Plain, frozen data passed between the steps of a reconcile; boto3 dicts stop at the edges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ResourceKind(StrEnum):
    INTERFACE_ENDPOINT = "interface endpoint"
    GWLB_ENDPOINT = "Gateway Load Balancer endpoint"
    GATEWAY_ENDPOINT = "gateway endpoint"
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


@dataclass(frozen=True, slots=True)
class Inventory:
    """What discovery found in one account and Region."""

    region: str
    resources: tuple[Resource, ...] = ()
    flow_logs: tuple[FlowLog, ...] = ()


class RuleKind(StrEnum):
    BYTES = "bytes"
    TCP_FLOWS = "tcpflows"
    REJECTS = "rejects"


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


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the monitoring of one resource looks like, or why there is none."""

    resource: Resource
    rule_names: tuple[str, ...] = ()
    log_groups: tuple[str, ...] = ()
    unmonitorable: str = ""  # the reason when nothing can be monitored
    pending: bool = False  # still being created: the next trigger or the schedule picks it up
    notes: tuple[str, ...] = ()  # partial coverage: a rule kind or ENI left out, and why

    @property
    def monitored(self) -> bool:
        return bool(self.rule_names)


@dataclass(frozen=True, slots=True)
class DesiredState:
    rules: Mapping[str, RuleSpec] = field(default_factory=dict)
    coverage: tuple[Coverage, ...] = ()


@dataclass(frozen=True, slots=True)
class ObservedRule:
    name: str
    definition: str  # canonical JSON, or the raw text when it does not parse
    state: str
    resource_id: str = ""  # from our resource-id tag


@dataclass(frozen=True, slots=True)
class ActualState:
    """The artifacts that exist and that this project owns (name prefix and ownership tag)."""

    rules: Mapping[str, ObservedRule] = field(default_factory=dict)
    lookalikes: tuple[str, ...] = ()  # names with our prefix but without our tag: never touched


class Action(StrEnum):
    CREATE = "+"
    UPDATE = "~"
    DELETE = "-"


@dataclass(frozen=True, slots=True)
class Change:
    action: Action
    artifact: str  # "rule"
    name: str
    reason: str  # shown by `plinsights plan`; apply never branches on it
    rule: RuleSpec | None = None
    state_only: bool = False  # only ENABLED/DISABLED differs: no rewrite, history is kept


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[Change, ...] = ()
    unchanged: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Failure:
    change: Change
    error: str


@dataclass(slots=True)
class Result:
    """What apply did: each change is either done or failed; nothing is half-recorded."""

    done: list[Change] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
