"""The bulk of a benchmark world made in moto's backends directly, in this process, which serves the
local server: the objects moto's API handlers make for the same requests (they only parse the
request, call these methods with its values and render the result), without a request each.

A world of 2000 resources takes some 2500 creating calls through boto3 (about 20 ms each on this
server, half of it boto3's own work); made here, each costs what moto's model does. Only the world is
built this way: every read and write of the reconcile and of the floor still goes through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.ec2.models import ec2_backends
from moto.elbv2.models import elbv2_backends

from demo.local_server import ec2_connections
from demo.local_server.state import DEFAULT_ACCOUNT

ELB_ENI_TYPES = {"network": "net", "gateway": "gwy"}  # "ELB net/<name>/<id>", as AWS describes them


@dataclass
class Backend:
    """moto's EC2 and ELBv2 models of the default account in one Region."""

    region: str
    account: str = DEFAULT_ACCOUNT

    @property
    def ec2(self) -> Any:
        return ec2_backends[self.account][self.region]

    @property
    def elbv2(self) -> Any:
        return elbv2_backends[self.account][self.region]

    def interface_endpoint(
        self, vpc_id: str, subnet_ids: list[str], service_name: str, tags: dict[str, str]
    ) -> tuple[str, list[str]]:
        """CreateVpcEndpoint (Interface): an ENI per subnet. Its id and its ENIs' ids."""
        endpoint = self.ec2.create_vpc_endpoint(
            vpc_id=vpc_id,
            service_name=service_name,
            endpoint_type="Interface",
            policy_document=None,
            route_table_ids=[],
            subnet_ids=subnet_ids,
            client_token=None,
            security_group_ids=[],
            tags=tags,
            private_dns_enabled=True,  # the API's default
        )
        return str(endpoint.id), [str(eni) for eni in endpoint.network_interface_ids]

    def gateway_endpoint(self, vpc_id: str, service: str) -> str:
        endpoint = self.ec2.create_vpc_endpoint(
            vpc_id=vpc_id,
            service_name=f"com.amazonaws.{self.region}.{service}",
            endpoint_type="Gateway",
            policy_document=None,
            route_table_ids=[],
            subnet_ids=[],
            client_token=None,
            security_group_ids=[],
            tags={},
            private_dns_enabled=True,
        )
        return str(endpoint.id)

    def load_balancer(self, name: str, subnet_ids: list[str], lb_type: str) -> tuple[str, list[str]]:
        """CreateLoadBalancer (internal), and the ENI per subnet that AWS gives it (moto makes none),
        described as AWS describes them. Its ARN and its ENIs' ids."""
        lb = self.elbv2.create_load_balancer(
            name=name,
            security_groups=[],
            subnet_ids=subnet_ids,
            subnet_mappings=[],
            scheme="internal",
            loadbalancer_type=lb_type,
            ip_address_type="ipv4",
            tags=None,
        )
        arn = str(lb.arn)
        lb_name, lb_id = arn.rsplit("/", 2)[-2:]
        description = f"ELB {ELB_ENI_TYPES[lb_type]}/{lb_name}/{lb_id}"
        enis = [
            self.ec2.create_network_interface(
                self.ec2.get_subnet(subnet_id),
                None,
                [],
                [],
                description,
                {},
                secondary_ips_count=None,
                ipv6_addresses=[],
                ipv6_address_count=0,
            ).id
            for subnet_id in subnet_ids
        ]
        return arn, [str(eni) for eni in enis]

    def endpoint_service(self, load_balancer_arn: str) -> tuple[str, str]:
        """CreateVpcEndpointServiceConfiguration with the API's defaults (acceptance required). Its
        id and its service name."""
        config = self.ec2.create_vpc_endpoint_service_configuration(
            [load_balancer_arn], acceptance_required=True, private_dns_name=None, tags=[], supported_regions=[]
        )
        return str(config.id), str(config.service_name)

    def other_account_consumer(self, service_id: str, owner: str) -> str:
        """An endpoint of another account to our endpoint service, accepted: what the local server's
        control call makes (AWS keeps it in the consumer's account)."""
        return ec2_connections.add_consumer_endpoint(
            self.account, self.region, service_id=service_id, owner=owner, state="available"
        )
