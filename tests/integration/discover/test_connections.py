"""Discovery of the consumers of our endpoint services: DescribeVpcEndpointConnections, on the local server."""

from __future__ import annotations

from core.discover.connections import PAGE_SIZE, connection_from_api, connections_by_service
from core.discover.inventory import discover
from core.model import EndpointConnection
from demo.local_server.control import add_consumer_endpoint
from demo.world import build_demo_world
from tests.integration.conftest import Harness

FOREIGN = ("111122223333", "444455556666")  # the consumers' accounts


def test_each_load_balancer_carries_its_services_consumers_with_their_accounts_and_states(
    aws: Harness, moto_endpoint: str
) -> None:
    demo = build_demo_world(aws.world)
    service_id = demo.endpoint_service.rsplit(".", 1)[1]
    theirs = [add_consumer_endpoint(moto_endpoint, service_id, owner, state="available") for owner in FOREIGN]
    pending = add_consumer_endpoint(moto_endpoint, service_id, FOREIGN[0], state="pendingAcceptance")
    with aws.recording() as calls:
        inventory = discover(aws.clients)
    assert calls.count("ec2:DescribeVpcEndpointConnections") == 1  # the account's connections, one page
    (nlb,) = [r for r in inventory.resources if r.resource_id.endswith(demo.load_balancer.rsplit("/", 1)[1])]
    found = {c.endpoint_id: c for c in nlb.consumers}
    assert set(found) == {demo.consumer_endpoint, *theirs, pending}  # our own consumer endpoint too
    assert [found[e].owner for e in theirs] == list(FOREIGN)
    assert found[pending].state == "pendingAcceptance" and found[theirs[0]].state == "available"
    assert found[demo.consumer_endpoint].owner == "123456789012"
    assert {c.service_id for c in nlb.consumers} == {service_id}
    assert all(c.region == aws.world.region and c.created for c in nlb.consumers)
    assert list(nlb.consumers) == sorted(nlb.consumers)  # sorted: equal accounts give equal inventories
    endpoints = [r for r in inventory.resources if r.resource_id.startswith("vpce-")]
    assert all(r.consumers == () for r in endpoints)


def test_without_an_endpoint_service_the_connections_are_not_read(aws: Harness) -> None:
    vpc, subnets = aws.world.vpc(subnets=1)
    aws.world.interface_endpoint(vpc, subnets, f"com.amazonaws.{aws.world.region}.ssm")
    with aws.recording() as calls:
        discover(aws.clients)
    assert "ec2:DescribeVpcEndpointConnections" not in calls


def test_a_connection_translates_from_the_api_and_a_transit_gateway_attachment_is_no_consumer() -> None:
    item = {
        "ServiceId": "vpce-svc-1", "VpcEndpointId": "vpce-c1", "VpcEndpointOwner": "111122223333",
        "VpcEndpointState": "available", "VpcEndpointRegion": "eu-west-1",
    }  # fmt: skip
    assert connection_from_api(item) == EndpointConnection(
        "vpce-svc-1", "vpce-c1", "111122223333", "available", region="eu-west-1"
    )
    attachment = {
        "ServiceId": "vpce-svc-1",
        "TransitGatewayAttachmentId": "tgw-attach-1",
        "VpcEndpointState": "available",
    }
    assert connection_from_api(attachment) is None
    other_service = {**item, "ServiceId": "vpce-svc-9", "VpcEndpointId": "vpce-c9"}
    assert connections_by_service([item, attachment, other_service, item], {"vpce-svc-1"}) == {
        "vpce-svc-1": (connection_from_api(item),)
    }
    assert PAGE_SIZE == 1000  # the largest page DescribeVpcEndpointConnections gives
