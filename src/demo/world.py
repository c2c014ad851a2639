"""Builds PrivateLink worlds in an AWS-compatible endpoint (a local moto server) for the demo and tests.

Where moto falls short of AWS, the builder does what AWS would: it creates the ENIs that a Network
or Gateway Load Balancer gets, with the description AWS gives them ("ELB net/<name>/<id>").
"""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3

FLOW_LOGS_ROLE = "arn:aws:iam::123456789012:role/vpc-flow-logs"
CUSTOM_FORMAT = (
    "${version} ${vpc-id} ${subnet-id} ${interface-id} ${az-id} ${srcaddr} ${dstaddr} ${srcport} "
    "${dstport} ${protocol} ${packets} ${bytes} ${action} ${log-status} ${flow-direction} ${pkt-srcaddr}"
)
ELB_ENI_TYPES = {"network": "net", "gateway": "gwy"}
# Each session's clients, made once per endpoint: a client costs more to build than most of the
# calls it makes (EC2's about 17 ms), and the tests build a world for each test on one session per
# process. The endpoint is the one of the world's making, as a client made then would have had.
_CLIENTS: weakref.WeakKeyDictionary[boto3.Session, dict[tuple[str, str | None], Any]] = weakref.WeakKeyDictionary()


def session_client(session: boto3.Session, service: str, endpoint_url: str | None) -> Any:
    clients = _CLIENTS.setdefault(session, {})
    if (service, endpoint_url) not in clients:
        # any service by name; endpoint_url None: boto3's own lookup (AWS_ENDPOINT_URL, then AWS's)
        made = session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]
        clients[service, endpoint_url] = made
    return clients[service, endpoint_url]


PROVIDER_LOG_GROUP, CONSUMER_LOG_GROUP = "/vpc/flow-logs/provider", "/vpc/flow-logs/consumer"

# The consumer VPC's neighbours of the demo's endpoint: (AWS service, Name tag). The quiet one, to
# AWS KMS, has rules of its own (plinsights:dedicated-rules), so its alarms are its own: they stay
# OK while the busy endpoint's shared ones fire.
NEIGHBOURS = (("sqs", "queues"), ("kms", "keys"))
QUIET_NEIGHBOUR = "keys"


@dataclass
class World:
    """Thin builders over boto3; every id they return is what AWS (here moto) gave."""

    session: boto3.Session
    _cidrs: itertools.count[int] = field(default_factory=lambda: itertools.count(10))

    def __post_init__(self) -> None:
        self.region = self.session.region_name or "us-east-1"
        # Where its clients go: fixed now, so that one made later, while a test routes the product
        # through a proxy (AWS_ENDPOINT_URL changed for a while), still builds in the world itself.
        self.endpoint_url = os.environ.get("AWS_ENDPOINT_URL") or None

    # Untyped on purpose: the builders pass AWS-shaped literals that the stubs' TypedDicts reject.
    @property
    def ec2(self) -> Any:
        return session_client(self.session, "ec2", self.endpoint_url)

    @property
    def elbv2(self) -> Any:
        return session_client(self.session, "elbv2", self.endpoint_url)

    @property
    def logs(self) -> Any:
        return session_client(self.session, "logs", self.endpoint_url)

    @property
    def s3(self) -> Any:
        return session_client(self.session, "s3", self.endpoint_url)

    @property
    def cloudwatch(self) -> Any:
        return session_client(self.session, "cloudwatch", self.endpoint_url)

    def vpc(self, subnets: int = 2, name: str = "") -> tuple[str, list[str]]:
        second_octet = next(self._cidrs)
        tags = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}] if name else []
        vpc_id = self.ec2.create_vpc(CidrBlock=f"10.{second_octet}.0.0/16", TagSpecifications=tags)["Vpc"]["VpcId"]
        zones = [f"{self.region}{letter}" for letter in "abcdef"]
        subnet_ids = [
            self.ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=f"10.{second_octet}.{index}.0/24",
                AvailabilityZone=zones[index % len(zones)],
            )["Subnet"]["SubnetId"]
            for index in range(subnets)
        ]
        return vpc_id, subnet_ids

    def interface_endpoint(
        self, vpc_id: str, subnet_ids: list[str], service_name: str, tags: dict[str, str] | None = None
    ) -> str:
        tag_spec = [
            {
                "ResourceType": "vpc-endpoint",
                "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            }
        ]
        return str(
            self.ec2.create_vpc_endpoint(
                VpcId=vpc_id,
                ServiceName=service_name,
                VpcEndpointType="Interface",
                SubnetIds=subnet_ids,
                TagSpecifications=tag_spec if tags else [],
            )["VpcEndpoint"]["VpcEndpointId"]
        )

    def gateway_endpoint(self, vpc_id: str, service: str = "s3") -> str:
        return str(
            self.ec2.create_vpc_endpoint(
                VpcId=vpc_id, ServiceName=f"com.amazonaws.{self.region}.{service}", VpcEndpointType="Gateway"
            )["VpcEndpoint"]["VpcEndpointId"]
        )

    def load_balancer(self, name: str, subnet_ids: list[str], lb_type: str = "network") -> str:
        """A Network or Gateway Load Balancer with one ENI per subnet, described as AWS describes them."""
        lb = self.elbv2.create_load_balancer(Name=name, Subnets=subnet_ids, Type=lb_type, Scheme="internal")
        arn: str = lb["LoadBalancers"][0]["LoadBalancerArn"]
        lb_name, lb_id = arn.rsplit("/", 2)[-2:]
        for subnet_id in subnet_ids:
            self.ec2.create_network_interface(
                SubnetId=subnet_id, Description=f"ELB {ELB_ENI_TYPES[lb_type]}/{lb_name}/{lb_id}"
            )
        return arn

    def endpoint_service(self, load_balancer_arns: list[str], lb_type: str = "network") -> str:
        key = "GatewayLoadBalancerArns" if lb_type == "gateway" else "NetworkLoadBalancerArns"
        config = self.ec2.create_vpc_endpoint_service_configuration(**{key: load_balancer_arns})
        return str(config["ServiceConfiguration"]["ServiceName"])

    def flow_log(
        self,
        *,
        resource_ids: list[str],
        resource_type: str = "VPC",
        log_group: str = "",
        traffic: str = "ALL",
        log_format: str = "",
        bucket: str = "",
        aggregation: int = 0,
    ) -> list[str]:
        """A flow log to CloudWatch Logs (log_group) or to S3 (bucket); the default format and
        aggregation interval (600 s) unless given."""
        kwargs: dict[str, Any] = {
            "ResourceIds": resource_ids,
            "ResourceType": resource_type,
            "TrafficType": traffic,
        }
        if aggregation:
            kwargs["MaxAggregationInterval"] = aggregation
        if bucket:
            self.s3.create_bucket(Bucket=bucket)
            kwargs |= {"LogDestinationType": "s3", "LogDestination": f"arn:aws:s3:::{bucket}"}
        else:
            if not self.logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]:
                self.logs.create_log_group(logGroupName=log_group)
            kwargs |= {
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": log_group,
                "DeliverLogsPermissionArn": FLOW_LOGS_ROLE,
            }
        if log_format:
            kwargs["LogFormat"] = log_format
        response = self.ec2.create_flow_logs(**kwargs)
        if response.get("Unsuccessful"):
            raise RuntimeError(f"flow log not created: {response['Unsuccessful']}")
        return list(response["FlowLogIds"])

    def delete_endpoint(self, endpoint_id: str) -> None:
        self.ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])

    def rule_names(self) -> list[str]:
        return sorted(rule["Name"] for rule in self.cloudwatch.describe_insight_rules().get("InsightRules", []))


@dataclass(frozen=True)
class DemoWorld:
    consumer_endpoint: str
    consumer_vpc: str
    load_balancer: str
    endpoint_service: str
    gateway_endpoint: str
    unlogged_endpoint: str
    s3_logged_endpoint: str
    flow_logs: tuple[str, ...]


def add_neighbours(world: World, demo: DemoWorld) -> list[str]:
    """Two more interface endpoints in the consumer VPC, to AWS services: the VPC's flow log covers
    them too, so the busy one shares the consumer endpoint's rules (a rule reads up to ten ENIs) and
    the quiet one, tagged for rules of its own, reads the same log group alone."""
    subnets = [
        s["SubnetId"]
        for s in world.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [demo.consumer_vpc]}])["Subnets"]
    ]
    return [
        world.interface_endpoint(
            demo.consumer_vpc,
            sorted(subnets),
            f"com.amazonaws.{world.region}.{service}",
            {"Name": name} | ({"plinsights:dedicated-rules": "true"} if name == QUIET_NEIGHBOUR else {}),
        )
        for service, name in NEIGHBOURS
    ]


def quiet_of(neighbours: Sequence[str]) -> list[str]:
    """The quiet one of the endpoints add_neighbours made (in NEIGHBOURS' order)."""
    return [endpoint for endpoint, (_, name) in zip(neighbours, NEIGHBOURS, strict=True) if name == QUIET_NEIGHBOUR]


def build_demo_world(world: World) -> DemoWorld:
    """A consumer and a provider of one PrivateLink service, plus what cannot be monitored."""
    _, provider_subnets = world.vpc(subnets=2, name="provider")
    nlb = world.load_balancer("orders-nlb", provider_subnets)
    service_name = world.endpoint_service([nlb])
    provider_logs = world.flow_log(
        resource_ids=provider_subnets,
        resource_type="Subnet",
        log_group=PROVIDER_LOG_GROUP,
        log_format=CUSTOM_FORMAT,
    )

    consumer_vpc, consumer_subnets = world.vpc(subnets=2, name="consumer")
    consumer_endpoint = world.interface_endpoint(consumer_vpc, consumer_subnets, service_name, {"Name": "orders-api"})
    consumer_logs = world.flow_log(resource_ids=[consumer_vpc], log_group=CONSUMER_LOG_GROUP)
    gateway = world.gateway_endpoint(consumer_vpc)

    shared_vpc, shared_subnets = world.vpc(subnets=2, name="shared-services")
    unlogged = world.interface_endpoint(shared_vpc, shared_subnets, f"com.amazonaws.{world.region}.ssm")

    analytics_vpc, analytics_subnets = world.vpc(subnets=2, name="analytics")
    s3_logged = world.interface_endpoint(analytics_vpc, analytics_subnets, f"com.amazonaws.{world.region}.logs")
    s3_logs = world.flow_log(resource_ids=[analytics_vpc], bucket="analytics-flow-logs")
    return DemoWorld(
        consumer_endpoint=consumer_endpoint,
        consumer_vpc=consumer_vpc,
        load_balancer=nlb,
        endpoint_service=service_name,
        gateway_endpoint=gateway,
        unlogged_endpoint=unlogged,
        s3_logged_endpoint=s3_logged,
        flow_logs=tuple(provider_logs + consumer_logs + s3_logs),
    )
