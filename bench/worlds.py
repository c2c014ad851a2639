"""PrivateLink worlds of N resources for the benchmark, in two layouts.

Every VPC has two subnets (two AZs). Load balancers sit behind endpoint services, each with one ENI
per subnet, as AWS makes them; interface endpoints have one ENI per subnet. The VPCs cycle through
every kind of flow-log coverage the product must tell apart, one log group per kind, shared by the
VPCs of that kind (so their resources share its rules):

    vpc-default     VPC-level flow log, default format, ALL traffic      3 rule kinds
    subnet-custom   subnet-level flow logs, custom format, ALL traffic   3 rule kinds
    eni-default     one flow log per ENI, default format, ALL traffic    3 rule kinds
    vpc-accept      VPC-level flow log, default format, ACCEPT only      2 (no reject rule)
    vpc-reject      VPC-level flow log, custom format, REJECT only       1
    s3-only         VPC-level flow log to S3                             none
    none            no flow log                                          none (x4)

Layouts (`LAYOUTS`):

    ten a VPC       1 NLB, 1 GWLB, 2 gateway endpoints, 6 interface endpoints (the sizes up to 500,
                    as in every earlier run of the benchmark, so their figures stay comparable)
    fifty a VPC     2 NLBs, 1 GWLB, 1 gateway endpoint, 46 interface endpoints, 4 of them consumers
                    of the previous VPC's endpoint services and 2 tagged for rules of their own,
                    and 3 consumers in other accounts per NLB's service: a busy Region (N=2000 is
                    40 VPCs and 3,920 ENIs, and over 500 rules when the quota allows them all)

The bulk (endpoints, load balancers, their ENIs, endpoint services) is made in moto's backends
directly (bench/backend.py); VPCs, subnets, log groups, buckets and flow logs through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.backend import Backend
from core.desire.flow_logs import DEFAULT_FORMAT
from core.desire.state import DEDICATED_TAG
from core.model import FlowLog, Inventory, NetworkInterface, Resource, ResourceKind
from demo.world import CUSTOM_FORMAT, World

COVERAGE = (
    "vpc-default",
    "subnet-custom",
    "eni-default",
    "vpc-accept",
    "vpc-reject",
    "s3-only",
    "none",
    "none",
    "none",
    "none",
)
AWS_SERVICES = ("ssm", "logs", "kms", "sts", "sqs", "sns", "ec2", "secretsmanager")
FLOW_LOG_IDS_PER_CALL = 300  # CreateFlowLogs: ResourceIds, at most 300 (aws-facts G9)
CONSUMER_ACCOUNTS = ("210987654321", "333344445555", "444455556666")


@dataclass(frozen=True)
class Layout:
    """What one VPC holds, slot by slot."""

    name: str
    nlbs: int
    gwlbs: int
    gateways: tuple[str, ...]  # the services of its gateway endpoints
    interfaces: int
    consumers_of_previous: int = 0  # interface endpoints to the previous VPC's endpoint services
    foreign_consumers: int = 0  # consumers in other accounts per NLB's endpoint service
    dedicated: int = 0  # interface endpoints tagged for rules of their own (plinsights:dedicated-rules)

    @property
    def per_vpc(self) -> int:
        return self.nlbs + self.gwlbs + len(self.gateways) + self.interfaces

    def slots(self) -> list[str]:
        return ["NLB"] * self.nlbs + ["GWLB"] * self.gwlbs + list(self.gateways) + ["interface"] * self.interfaces


TEN = Layout("ten a VPC", nlbs=1, gwlbs=1, gateways=("s3", "dynamodb"), interfaces=6)
FIFTY = Layout(
    "fifty a VPC",
    nlbs=2,
    gwlbs=1,
    gateways=("s3",),
    interfaces=46,
    consumers_of_previous=4,
    foreign_consumers=3,
    dedicated=2,
)
LAYOUTS = {"ten": TEN, "fifty": FIFTY}


@dataclass
class WorldShape:
    resources: int = 0
    vpcs: int = 0
    enis: int = 0
    flow_logs: int = 0
    consumers: int = 0
    dedicated: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.resources += 1


def build_world(world: World, size: int, layout: Layout = TEN) -> WorldShape:
    """`size` resources (endpoints and load balancers), the last VPC possibly partly filled."""
    shape = WorldShape()
    backend = Backend(world.region)
    services: list[str] = []  # the previous VPC's endpoint service names (its NLBs')
    for index in range(max(1, -(-size // layout.per_vpc))):
        members = min(layout.per_vpc, size - index * layout.per_vpc)
        services = build_vpc(world, backend, layout, index, members, services, shape)
    return shape


def build_vpc(
    world: World, backend: Backend, layout: Layout, index: int, members: int, previous: list[str], shape: WorldShape
) -> list[str]:
    """One VPC of the layout with its first `members` slots; the names of its NLBs' endpoint services."""
    coverage = COVERAGE[index % len(COVERAGE)]
    vpc_id, subnets = world.vpc(subnets=2, name=f"bench-{index}-{coverage}")
    shape.vpcs += 1
    enis: list[str] = []
    services: list[str] = []
    consumers = dedicated = 0
    for slot, kind in enumerate(layout.slots()[:members]):
        if kind in ("NLB", "GWLB"):
            lb_type = "network" if kind == "NLB" else "gateway"
            name = f"{kind.lower()}-{index}" + (f"-{slot}" if layout is not TEN else "")
            arn, lb_enis = backend.load_balancer(name, subnets, lb_type)
            service_id, service_name = backend.endpoint_service(arn)
            enis += lb_enis
            if kind == "NLB":
                services.append(service_name)
                for owner in CONSUMER_ACCOUNTS[: layout.foreign_consumers]:
                    backend.other_account_consumer(service_id, owner)
                    shape.consumers += 1
            shape.count(kind)
        elif kind != "interface":
            backend.gateway_endpoint(vpc_id, kind)
            shape.count("gateway endpoint")
        else:
            if previous and consumers < layout.consumers_of_previous:
                service = previous[consumers % len(previous)]
                consumers += 1
                shape.consumers += 1
            else:
                service = f"com.amazonaws.{world.region}.{AWS_SERVICES[(index + slot) % len(AWS_SERVICES)]}"
            tags = {"Name": f"ep-{index}-{slot}"}
            if dedicated < layout.dedicated:
                tags[DEDICATED_TAG] = "true"
                dedicated += 1
                shape.dedicated += 1
            _, endpoint_enis = backend.interface_endpoint(vpc_id, subnets, service, tags)
            enis += endpoint_enis
            shape.count("interface endpoint")
    shape.enis += len(enis)
    shape.flow_logs += len(flow_logs(world, coverage, index, vpc_id, subnets, enis))
    return services


def flow_logs(world: World, coverage: str, index: int, vpc_id: str, subnets: list[str], enis: list[str]) -> list[str]:
    group = f"/bench/flow-logs/{coverage}"
    if coverage == "eni-default":
        created: list[str] = []
        for start in range(0, len(enis), FLOW_LOG_IDS_PER_CALL):
            batch = enis[start : start + FLOW_LOG_IDS_PER_CALL]
            created += world.flow_log(resource_ids=batch, resource_type="NetworkInterface", log_group=group)
        return created
    kwargs: dict[str, Any] = {
        "vpc-default": {"resource_ids": [vpc_id], "log_group": group},
        "subnet-custom": {
            "resource_ids": subnets, "resource_type": "Subnet", "log_group": group, "log_format": CUSTOM_FORMAT,
        },
        "vpc-accept": {"resource_ids": [vpc_id], "log_group": group, "traffic": "ACCEPT"},
        "vpc-reject": {"resource_ids": [vpc_id], "log_group": group, "traffic": "REJECT", "log_format": CUSTOM_FORMAT},
        "s3-only": {"resource_ids": [vpc_id], "bucket": f"bench-flow-logs-{index}"},
    }.get(coverage, {})  # fmt: skip
    return world.flow_log(**kwargs) if kwargs else []


def synthetic_inventory(size: int) -> Inventory:
    """An inventory of `size` interface endpoints, two ENIs each, ten to a VPC, with a flow log on
    every ENI: the most flow logs per ENI an account can have, for the pure steps alone."""
    resources, flow_logs = [], []
    for index in range(size):
        vpc = f"vpc-{index // 10:08x}"
        enis = tuple(
            NetworkInterface(f"eni-{index:08x}{side}", f"subnet-{index // 10:08x}{side}", vpc, f"us-east-1{side}")
            for side in "ab"
        )
        resources.append(
            Resource(
                resource_id=f"vpce-{index:017x}",
                kind=ResourceKind.INTERFACE_ENDPOINT,
                state="available",
                vpc_id=vpc,
                enis=enis,
                service_name="com.amazonaws.us-east-1.ssm",
                endpoint_type="Interface",
                created=f"2026-01-01T00:00:{index % 60:02d}",
            )
        )
        flow_logs += [
            FlowLog(f"fl-{eni.eni_id}", eni.eni_id, "cloud-watch-logs", "/synthetic", "ALL", DEFAULT_FORMAT)
            for eni in enis
        ]
    return Inventory(region="us-east-1", resources=tuple(resources), flow_logs=tuple(flow_logs))
