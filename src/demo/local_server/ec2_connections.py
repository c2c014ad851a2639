"""The provider's view of its endpoint services' consumers, which moto lacks:
DescribeVpcEndpointConnections, AcceptVpcEndpointConnections and RejectVpcEndpointConnections,
in the shapes of the botocore EC2 model (the ec2 query protocol, XML answers).

A connection is a consumer's interface endpoint to one of this account's endpoint services. Two
kinds exist here:
- endpoints of this account whose ServiceName is one of its services' names: derived from moto's
  own endpoints at each call, with moto's endpoint state (moto makes every endpoint `available`,
  where AWS leaves one `pendingAcceptance` while its service requires acceptance);
- endpoints of other accounts, written by the local control call (add_consumer_endpoint): in AWS
  they live in the consumers' accounts, out of reach of this one.
States are the lower camel case EC2 answers (`pendingAcceptance`, `available`, `rejected`), also
the filter values; accepting moves `pendingAcceptance` to `available` at once (AWS passes through
`pending` for a moment); rejecting works on a pending or an accepted connection.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.exceptions import DryRunClientError, EC2ClientError, InvalidNextToken
from moto.ec2.models import ec2_backends
from moto.moto_api._internal import mock_random

from demo.local_server.state import ConsumerEndpoint, state_of

STATES = ("pendingAcceptance", "pending", "available", "deleting", "deleted", "rejected", "failed")
IP_ADDRESS_TYPES = ("ipv4", "dualstack", "ipv6")
PAGE_MIN, PAGE_MAX = 5, 1000  # MaxResults: "between 5 and 1,000"; above 1,000 gives 1,000
ACCOUNT_ID = re.compile(r"\d{12}")


@dataclass(frozen=True, slots=True)
class Connection:
    service: Any  # moto's VPCServiceConfiguration
    endpoint_id: str
    owner: str
    state: str
    created: datetime
    ip_address_type: str
    region: str
    dns_entries: tuple[dict[str, str], ...]

    def filter_value(self, name: str) -> str:
        values: dict[str, str] = {
            "service-id": self.service.id,
            "vpc-endpoint-owner": self.owner,
            "vpc-endpoint-state": self.state,
            "vpc-endpoint-id": self.endpoint_id,
            "ip-address-type": self.ip_address_type,
            "vpc-endpoint-region": self.region,
            "transit-gateway-attachment-id": "",  # no transit gateway attachments here
        }
        return values[name]

    def render(self) -> dict[str, Any]:
        """The VpcEndpointConnection shape; an empty list is left out, as EC2's XML leaves it."""
        rendered = {
            "ServiceId": self.service.id,
            "VpcEndpointId": self.endpoint_id,
            "VpcEndpointOwner": self.owner,
            "VpcEndpointState": self.state,
            "CreationTimestamp": self.created,
            "DnsEntries": list(self.dns_entries),
            "NetworkLoadBalancerArns": list(self.service.network_load_balancer_arns),
            "GatewayLoadBalancerArns": list(self.service.gateway_load_balancer_arns),
            "IpAddressType": self.ip_address_type,
            "VpcEndpointConnectionId": f"vpce-con-{self.endpoint_id.removeprefix('vpce-')}",
            "VpcEndpointRegion": self.region,
        }
        return {key: value for key, value in rendered.items() if value != []}


FILTERS = frozenset(
    {
        "service-id",
        "vpc-endpoint-owner",
        "vpc-endpoint-state",
        "vpc-endpoint-id",
        "ip-address-type",
        "vpc-endpoint-region",
        "transit-gateway-attachment-id",
    }
)


def dns_entry(entry: dict[str, str]) -> dict[str, str]:
    """moto keeps its endpoints' DNS entries under snake_case keys."""
    return {
        "DnsName": entry.get("dns_name", entry.get("DnsName", "")),
        "HostedZoneId": entry.get("hosted_zone_id", entry.get("HostedZoneId", "")),
    }


def connections(account_id: str, region: str) -> list[Connection]:
    """Every consumer endpoint of this account's endpoint services, own endpoints first."""
    ec2 = ec2_backends[account_id][region]
    services = {service.service_name: service for service in ec2.configurations.values()}
    by_id = {service.id: service for service in services.values()}
    found = [
        Connection(
            services[endpoint.service_name],
            endpoint.id,
            account_id,
            endpoint.state,
            endpoint.creation_timestamp,
            "ipv4",
            region,
            tuple(dns_entry(entry) for entry in endpoint.dns_entries or ()),
        )
        for endpoint in ec2.vpc_end_points.values()
        if endpoint.service_name in services
    ]
    for consumer in state_of(account_id, region).consumer_endpoints.values():
        if consumer.service_id in by_id:  # a deleted service has no connections left
            found.append(
                Connection(
                    by_id[consumer.service_id],
                    consumer.endpoint_id,
                    consumer.owner,
                    consumer.state,
                    consumer.created,
                    consumer.ip_address_type,
                    consumer.region,
                    tuple(consumer.dns_entries),
                )
            )
    return found


def matching(found: list[Connection], filters: list[dict[str, Any]]) -> list[Connection]:
    """Filters are ANDed, the values of one filter ORed (EC2's rule)."""
    for spec in filters:
        name = spec.get("Name")
        if name not in FILTERS:
            raise EC2ClientError("InvalidParameterValue", f"The filter '{name}' is invalid")
        values = set(spec.get("Values") or [])
        found = [c for c in found if c.filter_value(str(name)) in values]
    return found


def page_of(found: list[Connection], max_results: Any, token: Any) -> dict[str, Any]:
    size = PAGE_MAX if max_results is None else int(max_results)
    if size < PAGE_MIN:
        raise EC2ClientError(
            "InvalidParameterValue",
            f"Value ( {size} ) for parameter maxResults is invalid. Expecting a value greater than {PAGE_MIN - 1}.",
        )
    size = min(size, PAGE_MAX)
    start = 0
    if token:
        try:
            start = int(base64.b64decode(str(token), validate=True).decode())
        except ValueError:
            raise InvalidNextToken(str(token)) from None
        if not 0 <= start <= len(found):
            raise InvalidNextToken(str(token))
    page: dict[str, Any] = {"VpcEndpointConnections": [c.render() for c in found[start : start + size]]}
    if start + size < len(found):
        page["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
    return page


def service_or_raise(account_id: str, region: str, service_id: Any) -> Any:
    service = ec2_backends[account_id][region].configurations.get(service_id)
    if service is None:
        raise EC2ClientError(
            "InvalidVpcEndpointServiceId.NotFound", f"The VpcEndpointService Id '{service_id}' does not exist"
        )
    return service


def change_states(response: Any, wanted: str, allowed_from: tuple[str, ...]) -> ActionResult:
    """Accept or reject: each endpoint not found, or not in a state it can leave, is Unsuccessful."""
    if response._get_param("DryRun", False):
        raise DryRunClientError()
    account_id, region = response.current_account, response.region
    service = service_or_raise(account_id, region, response._get_param("ServiceId"))
    if response._get_param("TransitGatewayAttachmentIds"):
        raise EC2ClientError(
            "InvalidParameterCombination", "Specify either VpcEndpointIds or TransitGatewayAttachmentIds, not both"
        )
    ec2 = ec2_backends[account_id][region]
    foreign = state_of(account_id, region).consumer_endpoints
    unsuccessful = []
    for endpoint_id in response._get_param("VpcEndpointIds", []):
        target: Any = foreign.get(endpoint_id)
        if target is not None and target.service_id != service.id:
            target = None
        if target is None:
            own = ec2.vpc_end_points.get(endpoint_id)
            target = own if own is not None and own.service_name == service.service_name else None
        if target is None:
            message = f"The Vpc Endpoint Id '{endpoint_id}' does not exist"
            error = {"Code": "InvalidVpcEndpointId.NotFound", "Message": message}
        elif target.state not in allowed_from:
            error = {"Code": "IncorrectState", "Message": f"The Vpc Endpoint '{endpoint_id}' is {target.state}"}
        else:
            target.state = wanted
            continue
        unsuccessful.append({"ResourceId": endpoint_id, "Error": error})
    return ActionResult({"Unsuccessful": unsuccessful})


def describe_vpc_endpoint_connections(self: Any) -> ActionResult:
    if self._get_param("DryRun", False):
        raise DryRunClientError()
    found = matching(connections(self.current_account, self.region), self._get_param("Filters", []))
    return ActionResult(page_of(found, self._get_param("MaxResults"), self._get_param("NextToken")))


def accept_vpc_endpoint_connections(self: Any) -> ActionResult:
    return change_states(self, "available", ("pendingAcceptance",))


def reject_vpc_endpoint_connections(self: Any) -> ActionResult:
    return change_states(self, "rejected", ("pendingAcceptance", "pending", "available"))


HANDLERS = {
    "describe_vpc_endpoint_connections": describe_vpc_endpoint_connections,
    "accept_vpc_endpoint_connections": accept_vpc_endpoint_connections,
    "reject_vpc_endpoint_connections": reject_vpc_endpoint_connections,
}


def add_consumer_endpoint(
    account_id: str,
    region: str,
    service_id: str,
    owner: str,
    state: str | None = None,
    ip_address_type: str = "ipv4",
    endpoint_region: str | None = None,
) -> str:
    """A consumer endpoint of account `owner` connecting to this account's service, as AWS would
    show it: `pendingAcceptance` when the service requires acceptance, else `available`. Raises
    ValueError for what AWS could not have made."""
    try:
        service = service_or_raise(account_id, region, service_id)
    except EC2ClientError as err:
        raise ValueError(err.message) from None
    if not ACCOUNT_ID.fullmatch(owner) or owner == account_id:
        raise ValueError(f"VpcEndpointOwner must be another account's 12-digit id, not {owner!r}")
    state = state or ("pendingAcceptance" if service.acceptance_required else "available")
    if state not in STATES:
        raise ValueError(f"VpcEndpointState must be one of {', '.join(STATES)}, not {state!r}")
    if ip_address_type not in IP_ADDRESS_TYPES:
        raise ValueError(f"IpAddressType must be one of {', '.join(IP_ADDRESS_TYPES)}, not {ip_address_type!r}")
    endpoint_id = f"vpce-{mock_random.get_random_hex(length=17)}"
    dns = f"{endpoint_id}-{mock_random.get_random_hex(length=8)}.{service.endpoint_dns_name}"
    zone = mock_random.get_random_hex(length=13).upper()
    state_of(account_id, region).consumer_endpoints[endpoint_id] = ConsumerEndpoint(
        service_id=service.id,
        endpoint_id=endpoint_id,
        owner=owner,
        state=state,
        created=utcnow(),
        ip_address_type=ip_address_type,
        region=endpoint_region or region,
        dns_entries=[{"DnsName": dns, "HostedZoneId": zone}],
    )
    return endpoint_id
