"""Reads of the account -> Inventory: endpoints, load balancers, their ENIs and the flow logs over them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from core.discover.connections import discover_connections
from core.discover.managed_rules import discover_managed_rules
from core.errors import DiscoveryError
from core.model import EndpointConnection, FlowLog, Inventory, NetworkInterface, Resource, ResourceKind

if TYPE_CHECKING:
    from core.clients import Clients


FILTER_VALUES_PER_CALL = 200  # EC2 Describe* filters: values per filter

ARNS_PER_DESCRIBE_TAGS = 20  # ELBv2 DescribeTags: ResourceArns per call

# The largest page each list API gives, so that a large account costs as few calls as it can
# (a default page may be smaller).
PAGE_SIZES = {
    "describe_vpc_endpoints": 1000,  # MaxResults
    "describe_vpc_endpoint_service_configurations": 1000,  # MaxResults
    "describe_network_interfaces": 1000,  # MaxResults
    "describe_flow_logs": 1000,  # MaxResults
    "describe_vpcs": 1000,  # MaxResults
    "describe_load_balancers": 400,  # PageSize
}

ENDPOINT_KINDS = {
    "interface": ResourceKind.INTERFACE_ENDPOINT,
    "gatewayloadbalancer": ResourceKind.GWLB_ENDPOINT,
    "gateway": ResourceKind.GATEWAY_ENDPOINT,
    "resource": ResourceKind.RESOURCE_ENDPOINT,
    "servicenetwork": ResourceKind.SERVICE_NETWORK_ENDPOINT,
    "tunnel": ResourceKind.TUNNEL_ENDPOINT,
}  # VpcEndpointType in the EC2 API model; any other type is reported, not guessed at

LOAD_BALANCER_KINDS = {
    "network": ResourceKind.NETWORK_LOAD_BALANCER,
    "gateway": ResourceKind.GATEWAY_LOAD_BALANCER,
}

# ELB names its ENIs "ELB <type>/<name>/<id>"; the type comes from the Type field, never from the ARN.
ENI_DESCRIPTION_TYPES = {"network": "net", "gateway": "gwy"}

T = TypeVar("T")


def discover(clients: Clients, *, managed_rules: bool = False) -> Inventory:
    """Everything one reconcile needs, in a fixed number of batched calls; a failed read raises.
    `managed_rules` (the setting) also reads each endpoint service's managed rules."""
    try:
        # Deleted endpoints linger in the answer for a while; to us they are gone.
        endpoints = [
            ep
            for ep in paginate(clients.ec2, "describe_vpc_endpoints", "VpcEndpoints")
            if str(ep.get("State", "")).lower() != "deleted"
        ]
        load_balancers = [
            lb
            for lb in paginate(clients.elbv2, "describe_load_balancers", "LoadBalancers")
            if lb.get("Type") in LOAD_BALANCER_KINDS
        ]
        services = services_by_load_balancer(
            paginate(clients.ec2, "describe_vpc_endpoint_service_configurations", "ServiceConfigurations")
        )
        service_ids = {service for ids in services.values() for service in ids}
        consumers = discover_connections(clients, service_ids)
        managed = discover_managed_rules(clients, service_ids) if managed_rules else ()
        lb_tags = load_balancer_tags(clients, [lb["LoadBalancerArn"] for lb in load_balancers])
        endpoint_eni_ids = sorted({eni for ep in endpoints for eni in ep.get("NetworkInterfaceIds", [])})
        descriptions = {lb_eni_description(lb): lb["LoadBalancerArn"] for lb in load_balancers}
        enis = [
            *describe_enis(clients, "network-interface-id", endpoint_eni_ids),
            *describe_enis(clients, "description", sorted(descriptions)),
        ]
        interfaces = {eni["NetworkInterfaceId"]: network_interface_from_api(eni) for eni in enis}
        lb_enis: dict[str, list[NetworkInterface]] = {}
        for eni in enis:
            if eni.get("Description") in descriptions:
                lb_enis.setdefault(descriptions[eni["Description"]], []).append(interfaces[eni["NetworkInterfaceId"]])
        resources = [endpoint_from_api(ep, interfaces) for ep in endpoints] + [
            load_balancer_from_api(lb, lb_enis, lb_tags, services, consumers) for lb in load_balancers
        ]
        flow_logs = discover_flow_logs(clients, resources)
        vpc_tags = discover_vpc_tags(clients, sorted({r.vpc_id for r in resources if r.vpc_id}))
        account_id, partition = clients.account_id, clients.partition
    except (BotoCoreError, ClientError) as err:
        raise DiscoveryError(f"discovery failed, nothing will be changed: {err}") from err
    return Inventory(
        region=clients.region,
        resources=tuple(resources),
        flow_logs=tuple(flow_logs),
        vpc_tags=vpc_tags,
        account_id=account_id,
        partition=partition,
        managed_rules=managed,
    )


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    if operation in PAGE_SIZES:
        kwargs.setdefault("PaginationConfig", {"PageSize": PAGE_SIZES[operation]})
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def describe_enis(clients: Clients, filter_name: str, values: Sequence[str]) -> list[dict[str, Any]]:
    """A filter, unlike NetworkInterfaceIds, does not fail when an ENI vanished between two reads."""
    found: list[dict[str, Any]] = []
    for batch in chunks(values, FILTER_VALUES_PER_CALL):
        filters = [{"Name": filter_name, "Values": list(batch)}]
        found += paginate(clients.ec2, "describe_network_interfaces", "NetworkInterfaces", Filters=filters)
    return found


def discover_flow_logs(clients: Clients, resources: Iterable[Resource]) -> list[FlowLog]:
    """Every flow log attached to a VPC, subnet or ENI of ours, whatever its destination, so that
    a resource without a usable one can be told why. The account's flow logs are read whole, 1000
    a page, and those attached elsewhere dropped: an account has far fewer flow logs than our
    resources have ENI, subnet and VPC ids to filter by (200 a call), so this takes fewer calls,
    and no more as resources are added."""
    attached_to = {
        eni_field for r in resources for eni in r.enis for eni_field in (eni.eni_id, eni.subnet_id, eni.vpc_id)
    }
    flow_logs: dict[str, FlowLog] = {}
    if not attached_to:
        return []
    for item in paginate(clients.ec2, "describe_flow_logs", "FlowLogs"):
        if item.get("ResourceId") in attached_to:
            flow_logs[item["FlowLogId"]] = flow_log_from_api(item)
    return [flow_logs[key] for key in sorted(flow_logs)]


def discover_vpc_tags(clients: Clients, vpc_ids: Sequence[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Tags on a VPC select or exclude everything in it."""
    tags = {}
    for batch in chunks(vpc_ids, FILTER_VALUES_PER_CALL):
        filters = [{"Name": "vpc-id", "Values": list(batch)}]
        for vpc in paginate(clients.ec2, "describe_vpcs", "Vpcs", Filters=filters):
            tags[vpc["VpcId"]] = tags_from_api(vpc.get("Tags", []))
    return tags


def load_balancer_tags(clients: Clients, arns: Sequence[str]) -> dict[str, tuple[tuple[str, str], ...]]:
    tags = {}
    for batch in chunks(arns, ARNS_PER_DESCRIBE_TAGS):
        for description in clients.elbv2.describe_tags(ResourceArns=list(batch))["TagDescriptions"]:
            tags[description["ResourceArn"]] = tags_from_api(description.get("Tags", []))
    return tags


def services_by_load_balancer(configurations: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    services: dict[str, list[str]] = {}
    for config in configurations:
        for arn in [*config.get("NetworkLoadBalancerArns", []), *config.get("GatewayLoadBalancerArns", [])]:
            services.setdefault(arn, []).append(config["ServiceId"])
    return services


def lb_eni_description(load_balancer: Mapping[str, Any]) -> str:
    name, lb_id = load_balancer["LoadBalancerArn"].rsplit("/", 2)[-2:]
    return f"ELB {ENI_DESCRIPTION_TYPES[load_balancer['Type']]}/{name}/{lb_id}"


def tags_from_api(tags: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((tag["Key"], tag.get("Value", "")) for tag in tags))


def timestamp(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def network_interface_from_api(eni: Mapping[str, Any]) -> NetworkInterface:
    return NetworkInterface(
        eni_id=eni["NetworkInterfaceId"],
        subnet_id=eni.get("SubnetId", ""),
        vpc_id=eni.get("VpcId", ""),
        availability_zone=eni.get("AvailabilityZone", ""),
    )


def endpoint_from_api(endpoint: Mapping[str, Any], interfaces: Mapping[str, NetworkInterface]) -> Resource:
    tags = tags_from_api(endpoint.get("Tags", []))
    return Resource(
        resource_id=endpoint["VpcEndpointId"],
        kind=ENDPOINT_KINDS.get(str(endpoint.get("VpcEndpointType", "")).lower(), ResourceKind.OTHER_ENDPOINT),
        state=str(endpoint.get("State", "")),
        vpc_id=endpoint.get("VpcId", ""),
        # An ENI listed by the endpoint but gone from DescribeNetworkInterfaces is being deleted.
        enis=tuple(interfaces[e] for e in sorted(endpoint.get("NetworkInterfaceIds", [])) if e in interfaces),
        name=dict(tags).get("Name", ""),
        # Resource and ServiceNetwork endpoints name what they reach by ARN, not by service name.
        service_name=endpoint.get("ServiceName")
        or endpoint.get("ResourceConfigurationArn")
        or endpoint.get("ServiceNetworkArn", ""),
        endpoint_type=str(endpoint.get("VpcEndpointType", "")),
        service_region=str(endpoint.get("ServiceRegion") or ""),
        tags=tags,
        created=timestamp(endpoint.get("CreationTimestamp")),
    )


def load_balancer_from_api(
    load_balancer: Mapping[str, Any],
    enis: Mapping[str, Sequence[NetworkInterface]],
    tags: Mapping[str, tuple[tuple[str, str], ...]],
    services: Mapping[str, Sequence[str]],
    consumers: Mapping[str, Sequence[EndpointConnection]] | None = None,
) -> Resource:
    arn = load_balancer["LoadBalancerArn"]
    endpoint_services = tuple(sorted(services.get(arn, [])))
    return Resource(
        resource_id=arn,
        kind=LOAD_BALANCER_KINDS[load_balancer["Type"]],
        state=str(load_balancer.get("State", {}).get("Code", "")),
        vpc_id=load_balancer.get("VpcId", ""),
        enis=tuple(sorted(enis.get(arn, []), key=lambda eni: eni.eni_id)),
        name=load_balancer.get("LoadBalancerName", ""),
        endpoint_services=endpoint_services,
        consumers=tuple(sorted(c for service in endpoint_services for c in (consumers or {}).get(service, ()))),
        tags=tags.get(arn, ()),
        created=timestamp(load_balancer.get("CreatedTime")),
    )


def flow_log_from_api(item: Mapping[str, Any]) -> FlowLog:
    return FlowLog(
        flow_log_id=item["FlowLogId"],
        resource_id=item.get("ResourceId", ""),
        destination_type=item.get("LogDestinationType", "cloud-watch-logs"),
        log_group=item.get("LogGroupName", "")
        if item.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs"
        else "",
        traffic_type=item.get("TrafficType", ""),
        log_format=item.get("LogFormat", ""),
        status=item.get("FlowLogStatus", ""),
        delivery_status=item.get("DeliverLogsStatus", ""),
        # Absent from an older answer: AWS's default, the later of the two, is the safe guess.
        max_aggregation_interval=int(item.get("MaxAggregationInterval") or 600),
        cross_account_role=item.get("DeliverCrossAccountRole", ""),
    )
