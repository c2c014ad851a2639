"""Plain-data builders for the pure modules' tests: literal inventories, no AWS."""

from __future__ import annotations

from core.desire.flow_logs import DEFAULT_FORMAT
from core.desire.rules import log_group_token, rule_name, shared_rule_name
from core.model import FlowLog, Inventory, NetworkInterface, Resource, ResourceKind, RuleKind

VPC, SUBNETS = "vpc-1", ("subnet-a", "subnet-b", "subnet-c")
DEDICATED = {"plinsights:dedicated-rules": "true"}  # rules of its own, not shared ones
CUSTOM_FORMAT = "${version} ${vpc-id} ${subnet-id} ${interface-id} ${srcaddr} ${dstaddr} ${protocol} ${bytes} ${action}"


def enis(*ids: str, vpc: str = VPC) -> tuple[NetworkInterface, ...]:
    """ENIs spread over the subnets in turn, one per AZ as AWS places them."""
    return tuple(
        NetworkInterface(eni, SUBNETS[i % len(SUBNETS)], vpc, f"us-east-1{'abc'[i % 3]}") for i, eni in enumerate(ids)
    )


def endpoint(
    endpoint_id: str = "vpce-1",
    eni_ids: tuple[str, ...] = ("eni-1", "eni-2"),
    kind: ResourceKind = ResourceKind.INTERFACE_ENDPOINT,
    state: str = "available",
    tags: dict[str, str] | None = None,
    service_region: str = "",
    dedicated: bool = False,
) -> Resource:
    return Resource(
        resource_id=endpoint_id,
        kind=kind,
        state=state,
        vpc_id=VPC,
        enis=enis(*eni_ids),
        service_name="com.amazonaws.vpce.us-east-1.vpce-svc-1",
        endpoint_type={ResourceKind.GWLB_ENDPOINT: "GatewayLoadBalancer", ResourceKind.GATEWAY_ENDPOINT: "Gateway"}.get(
            kind, "Interface"
        ),
        tags=tuple(sorted({**(tags or {}), **(DEDICATED if dedicated else {})}.items())),
        service_region=service_region,
    )


def load_balancer(
    name: str = "orders",
    eni_ids: tuple[str, ...] = ("eni-n1", "eni-n2"),
    kind: str = "net",
    state: str = "active",
    tags: dict[str, str] | None = None,
    endpoint_services: tuple[str, ...] = ("vpce-svc-1",),
    dedicated: bool = False,
) -> Resource:
    return Resource(
        resource_id=f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/{kind}/{name}/0123456789abcdef",
        kind=ResourceKind.NETWORK_LOAD_BALANCER if kind == "net" else ResourceKind.GATEWAY_LOAD_BALANCER,
        state=state,
        vpc_id=VPC,
        enis=enis(*eni_ids),
        name=name,
        endpoint_services=endpoint_services,
        tags=tuple(sorted({**(tags or {}), **(DEDICATED if dedicated else {})}.items())),
    )


def flow_log(
    on: str = VPC,
    group: str = "/flow/vpc",
    traffic: str = "ALL",
    log_format: str = DEFAULT_FORMAT,
    destination: str = "cloud-watch-logs",
    status: str = "ACTIVE",
    flow_log_id: str = "",
    aggregation: int = 600,
) -> FlowLog:
    return FlowLog(
        flow_log_id=flow_log_id or f"fl-{on}-{group}-{traffic}-{destination}-{status}",
        resource_id=on,
        destination_type=destination,
        log_group=group if destination == "cloud-watch-logs" else "",
        traffic_type=traffic,
        log_format=log_format,
        status=status,
        max_aggregation_interval=aggregation,
    )


def inventory(*items: Resource | FlowLog, vpc_tags: dict[str, dict[str, str]] | None = None) -> Inventory:
    return Inventory(
        region="us-east-1",
        resources=tuple(i for i in items if isinstance(i, Resource)),
        flow_logs=tuple(i for i in items if isinstance(i, FlowLog)),
        vpc_tags={vpc: tuple(sorted(tags.items())) for vpc, tags in (vpc_tags or {}).items()},
    )


def name_of(short_id: str, kind: RuleKind, group: str = "/flow/vpc", prefix: str = "plinsights") -> str:
    """The stable name of a resource's own rule of this kind over this log group (its first 10 ENIs)."""
    return rule_name(prefix, short_id, kind, group)


def shared_name_of(kind: RuleKind, group: str = "/flow/vpc", chunk: int = 1, prefix: str = "plinsights") -> str:
    """The name of chunk `chunk` of the shared rules of this kind over this log group (read with one layout)."""
    return shared_rule_name(prefix, kind, log_group_token(group), chunk)
