"""Reads of the provider's endpoint connections -> each endpoint service's consumers (DescribeVpcEndpointConnections).

A provider sees its consumers only here and in the {Service Id, VPC Endpoint Id} metrics: their
traffic reaches the load balancer's targets from the load balancer's own node addresses, so no flow
log of this account names them (aws-facts G4).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.model import EndpointConnection

if TYPE_CHECKING:
    from core.clients import Clients

PAGE_SIZE = 1000  # DescribeVpcEndpointConnections: MaxResults 5 to 1,000


def discover_connections(clients: Clients, service_ids: Collection[str]) -> dict[str, tuple[EndpointConnection, ...]]:
    """Every consumer endpoint of the given endpoint services, by service id. The account's
    connections are read whole, 1000 a page (no filter: a provider's connections are all of its own
    services, and one filter value per service would cost more calls); none is read when there is
    no endpoint service."""
    if not service_ids:
        return {}
    pages = clients.ec2.get_paginator("describe_vpc_endpoint_connections").paginate(
        PaginationConfig={"PageSize": PAGE_SIZE}
    )
    return connections_by_service(
        (item for page in pages for item in page.get("VpcEndpointConnections", [])), service_ids
    )


def connections_by_service(
    items: Iterable[Mapping[str, Any]], service_ids: Collection[str]
) -> dict[str, tuple[EndpointConnection, ...]]:
    found: dict[str, set[EndpointConnection]] = {}
    for item in items:
        connection = connection_from_api(item)
        if connection is not None and connection.service_id in service_ids:
            found.setdefault(connection.service_id, set()).add(connection)
    return {service: tuple(sorted(connections)) for service, connections in sorted(found.items())}


def connection_from_api(item: Mapping[str, Any]) -> EndpointConnection | None:
    """A VpcEndpointConnection; None for a transit gateway attachment, which names no endpoint."""
    endpoint_id = item.get("VpcEndpointId")
    if not endpoint_id:
        return None
    created = item.get("CreationTimestamp")
    return EndpointConnection(
        service_id=str(item.get("ServiceId", "")),
        endpoint_id=str(endpoint_id),
        owner=str(item.get("VpcEndpointOwner", "")),
        state=str(item.get("VpcEndpointState", "")),
        region=str(item.get("VpcEndpointRegion") or ""),
        created=created.isoformat() if isinstance(created, datetime) else str(created or ""),
    )
