"""PrivateLink worlds of N resources for the benchmark, built with the demo's World builders.

Resources are spread over N/10 VPCs of two subnets each. Each VPC holds one Network Load Balancer
and one Gateway Load Balancer (each behind an endpoint service, each with one ENI per subnet, as
AWS makes them), two gateway endpoints and six interface endpoints (one ENI per subnet). The VPCs
cycle through every kind of flow-log coverage the product must tell apart:

    vpc-default     VPC-level flow log, default format, ALL traffic      3 rules per resource
    subnet-custom   subnet-level flow logs, custom format, ALL traffic   3 rules
    eni-default     one flow log per ENI, default format, ALL traffic    3 rules
    vpc-accept      VPC-level flow log, default format, ACCEPT only      2 rules (no reject rule)
    vpc-reject      VPC-level flow log, custom format, REJECT only       1 rule
    s3-only         VPC-level flow log to S3                             none
    none            no flow log                                          none (x4)

The mix keeps the rules of the largest world (N=500) under 500: moto's DescribeInsightRules returns
at most 500 rules and no NextToken, where AWS would give a second page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.desire.flow_logs import DEFAULT_FORMAT
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
PER_VPC = 10  # 1 NLB, 1 GWLB, 2 gateway endpoints, 6 interface endpoints
AWS_SERVICES = ("ssm", "logs", "kms", "sts", "sqs", "sns", "ec2", "secretsmanager")


@dataclass
class WorldShape:
    resources: int = 0
    vpcs: int = 0
    enis: int = 0
    flow_logs: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def build_world(world: World, size: int) -> WorldShape:
    """`size` resources (endpoints and load balancers), the last VPC possibly partly filled."""
    shape = WorldShape()
    vpc_count = max(1, -(-size // PER_VPC))
    for index in range(vpc_count):
        members = min(PER_VPC, size - index * PER_VPC)
        build_vpc(world, index, members, shape)
    return shape


def count(shape: WorldShape, kind: str) -> None:
    shape.kinds[kind] = shape.kinds.get(kind, 0) + 1
    shape.resources += 1


def build_vpc(world: World, index: int, members: int, shape: WorldShape) -> None:
    coverage = COVERAGE[index % len(COVERAGE)]
    vpc_id, subnets = world.vpc(subnets=2, name=f"bench-{index}-{coverage}")
    shape.vpcs += 1
    for slot in range(members):
        if slot == 0:
            arn = world.load_balancer(f"nlb-{index}", subnets, "network")
            world.endpoint_service([arn], "network")
            count(shape, "NLB")
        elif slot == 1:
            arn = world.load_balancer(f"gwlb-{index}", subnets, "gateway")
            world.endpoint_service([arn], "gateway")
            count(shape, "GWLB")
        elif slot in (2, 3):
            world.gateway_endpoint(vpc_id, "s3" if slot == 2 else "dynamodb")
            count(shape, "gateway endpoint")
        else:
            service = f"com.amazonaws.{world.region}.{AWS_SERVICES[(index + slot) % len(AWS_SERVICES)]}"
            world.interface_endpoint(vpc_id, subnets, service, {"Name": f"ep-{index}-{slot}"})
            count(shape, "interface endpoint")
    enis = [
        eni["NetworkInterfaceId"]
        for eni in world.ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
            "NetworkInterfaces"
        ]
    ]
    shape.enis += len(enis)
    group = f"/bench/flow-logs/{coverage}"
    created: list[str] = []
    if coverage == "vpc-default":
        created = world.flow_log(resource_ids=[vpc_id], log_group=group)
    elif coverage == "subnet-custom":
        created = world.flow_log(
            resource_ids=subnets, resource_type="Subnet", log_group=group, log_format=CUSTOM_FORMAT
        )
    elif coverage == "eni-default" and enis:
        created = world.flow_log(resource_ids=enis, resource_type="NetworkInterface", log_group=group)
    elif coverage == "vpc-accept":
        created = world.flow_log(resource_ids=[vpc_id], log_group=group, traffic="ACCEPT")
    elif coverage == "vpc-reject":
        created = world.flow_log(resource_ids=[vpc_id], log_group=group, traffic="REJECT", log_format=CUSTOM_FORMAT)
    elif coverage == "s3-only":
        created = world.flow_log(resource_ids=[vpc_id], bucket=f"bench-flow-logs-{index}")
    shape.flow_logs += len(created)


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
