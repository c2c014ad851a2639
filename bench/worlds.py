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
