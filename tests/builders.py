"""Plain-data builders for the pure modules' tests: literal inventories, no AWS."""

from __future__ import annotations

from dataclasses import replace

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


def busy_region(endpoints: int = 200, vpcs: int = 4, load_balancers: int = 10) -> Inventory:
    """The Region of the design: interface endpoints with two ENIs each over `vpcs` VPCs, each VPC
    with a VPC-level flow log of its own, and Network Load Balancers of two ENIs behind endpoint
    services in a provider VPC with its own flow log."""
    items: list[Resource | FlowLog] = []
    for n in range(endpoints):
        vpc = f"vpc-c{n % vpcs}"
        items.append(
            Resource(
                resource_id=f"vpce-{n:05d}",
                kind=ResourceKind.INTERFACE_ENDPOINT,
                state="available",
                vpc_id=vpc,
                enis=enis(f"eni-{n:05d}a", f"eni-{n:05d}b", vpc=vpc),
                service_name="com.amazonaws.vpce.us-east-1.vpce-svc-1",
                endpoint_type="Interface",
                created=f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}",
            )
        )
    items += [flow_log(on=f"vpc-c{v}", group=f"/flow/consumer-{v}", flow_log_id=f"fl-c{v}") for v in range(vpcs)]
    for n in range(load_balancers):
        lb = load_balancer(
            f"lb{n:02d}", eni_ids=(f"eni-lb{n:02d}a", f"eni-lb{n:02d}b"), endpoint_services=(f"vpce-svc-{n}",)
        )
        items.append(replace(lb, vpc_id="vpc-p", enis=enis(*[e.eni_id for e in lb.enis], vpc="vpc-p")))
    items.append(flow_log(on="vpc-p", group="/flow/provider", flow_log_id="fl-p"))
    return inventory(*items)
