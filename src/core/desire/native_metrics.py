"""The CloudWatch metrics PrivateLink publishes itself, with no flow logs (pure facts and builders).

A metric is only found under the exact dimension set AWS publishes it with: a partial set gets no
data. Endpoints publish under {Endpoint Type, Service Name, VPC Endpoint Id, VPC Id} (and per
subnet with Subnet Id added); endpoint services under {Service Id}, {Az, Service Id}, {Load
Balancer Arn, Service Id}, {Az, Load Balancer Arn, Service Id} and {Service Id, VPC Endpoint Id}
(PrivateLink guide, "CloudWatch metrics for AWS PrivateLink"). {Service Id} alone is listed there
but in no recommended alarm, and the Az values' form (zone name or id) is not documented: a load
balancer's series are read under {Load Balancer Arn, Service Id}, its full ARN as the value (the
dimension's name; UNCONFIRMED that it is not the ARN's suffix), and consumers under {Service Id,
VPC Endpoint Id}.
"""

from __future__ import annotations

from core.model import Resource, ResourceKind

ENDPOINT_NAMESPACE = "AWS/PrivateLinkEndpoints"

SERVICE_NAMESPACE = "AWS/PrivateLinkServices"

# (metric, statistic) in the order the dashboard shows them
ENDPOINT_METRICS = (
    ("BytesProcessed", "Sum"),
    ("PacketsDropped", "Sum"),
    ("NewConnections", "Sum"),
    ("ActiveConnections", "Average"),
    ("RstPacketsReceived", "Sum"),
)

SERVICE_METRICS = (
    ("BytesProcessed", "Sum"),
    ("NewConnections", "Sum"),
    ("ActiveConnections", "Average"),
    ("RstPacketsSent", "Sum"),
)

# Resource, ServiceNetwork and Tunnel endpoints appear in no PrivateLink metric namespace: their
# ENIs are watched with flow-log rules only, and no PrivateLink alarm or widget is made for them.
ENDPOINT_KINDS = (ResourceKind.INTERFACE_ENDPOINT, ResourceKind.GWLB_ENDPOINT)


def endpoint_dimensions(resource: Resource) -> list[dict[str, str]]:
    return [
        {"Name": "Endpoint Type", "Value": resource.endpoint_type},
        {"Name": "Service Name", "Value": resource.service_name},
        {"Name": "VPC Endpoint Id", "Value": resource.resource_id},
        {"Name": "VPC Id", "Value": resource.vpc_id},
    ]


def load_balancer_service_dimensions(load_balancer_arn: str, service_id: str) -> list[dict[str, str]]:
    """One load balancer's series of one endpoint service it backs."""
    return [{"Name": "Load Balancer Arn", "Value": load_balancer_arn}, {"Name": "Service Id", "Value": service_id}]


def unpublished_reason(resource: Resource, region: str) -> str:
    """Why AWS publishes no PrivateLink metrics for this endpoint; empty when it does (or may).
    AWS publishes none for an endpoint that reaches its service by cross-Region access, that is
    one whose ServiceRegion (DescribeVpcEndpoints) is not the Region it is in."""
    if resource.kind in ENDPOINT_KINDS and resource.service_region and resource.service_region != region:
        return (
            f"no PrivateLink-metric alarm or widget: it reaches its service in {resource.service_region} by "
            "cross-Region access, for which AWS publishes no PrivateLink metrics"
        )
    return ""


def native_dimension_sets(resource: Resource, region: str) -> list[tuple[str, list[dict[str, str]]]]:
    """(namespace, dimensions) for each native metric source of this resource; none for gateway
    endpoints, for endpoints that use cross-Region access, and for load balancers that back no
    endpoint service."""
    if unpublished_reason(resource, region):
        return []
    if resource.kind in ENDPOINT_KINDS and resource.endpoint_type and resource.service_name:
        return [(ENDPOINT_NAMESPACE, endpoint_dimensions(resource))]
    return [
        (SERVICE_NAMESPACE, load_balancer_service_dimensions(resource.resource_id, service))
        for service in resource.endpoint_services
    ]
