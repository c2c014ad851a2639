import pytest
from botocore.stub import Stubber

from core.discover.inventory import discover
from core.errors import DiscoveryError
from core.model import ResourceKind
from core.reconcile import run_reconcile
from demo.world import CUSTOM_FORMAT, build_demo_world
from tests.integration.conftest import Harness


def test_the_demo_world_is_discovered_with_every_eni_flow_log_and_service(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    inventory = discover(aws.clients)
    by_id = {r.resource_id: r for r in inventory.resources}

    consumer = by_id[demo.consumer_endpoint]
    assert consumer.kind is ResourceKind.INTERFACE_ENDPOINT
    assert len(consumer.enis) == 2 and len({e.subnet_id for e in consumer.enis}) == 2
    assert consumer.service_name == demo.endpoint_service
    assert consumer.name == "orders-api"

    nlb = by_id[demo.load_balancer]
    assert nlb.kind is ResourceKind.NETWORK_LOAD_BALANCER
    assert len(nlb.enis) == 2
    assert nlb.endpoint_services == (demo.endpoint_service.rsplit(".", 1)[1],)  # the service id

    assert by_id[demo.gateway_endpoint].kind is ResourceKind.GATEWAY_ENDPOINT
    assert by_id[demo.gateway_endpoint].enis == ()
    formats = {fl.log_group: fl.log_format for fl in inventory.flow_logs if fl.log_group}
    assert formats["/vpc/flow-logs/provider"] == CUSTOM_FORMAT
    assert {fl.destination_type for fl in inventory.flow_logs} == {"cloud-watch-logs", "s3"}
    assert consumer.endpoint_type == "Interface"
    assert set(inventory.vpc_tags) == {r.vpc_id for r in inventory.resources}
    assert ("Name", "consumer") in inventory.vpc_tags[consumer.vpc_id]
    assert inventory.account_id == "123456789012"


def test_load_balancer_enis_are_found_by_their_description_and_types_other_than_nlb_gwlb_ignored(
    aws: Harness,
) -> None:
    _, subnets = aws.world.vpc(subnets=3)
    gwlb = aws.world.load_balancer("inspect", subnets, lb_type="gateway")
    alb = aws.world.elbv2.create_load_balancer(Name="web", Subnets=subnets[:2])["LoadBalancers"][0]["LoadBalancerArn"]
    aws.world.ec2.create_network_interface(SubnetId=subnets[0], Description="ELB net/other/ffffffffffffffff")
    inventory = discover(aws.clients)
    (resource,) = inventory.resources
    assert resource.resource_id == gwlb and resource.kind is ResourceKind.GATEWAY_LOAD_BALANCER
    assert len(resource.enis) == 3
    assert alb not in {r.resource_id for r in inventory.resources}


def test_discovery_makes_a_fixed_number_of_calls_whatever_the_number_of_endpoints(aws: Harness) -> None:
    vpc, subnets = aws.world.vpc(subnets=2)
    aws.world.flow_log(resource_ids=[vpc], log_group="/flow")
    counts = []
    assert aws.clients.account_id  # looked up once per run, then kept
    for _ in range(2):
        for _ in range(5):
            aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.us-east-1.ssm")
        with aws.recording() as calls:
            discover(aws.clients)
        counts.append(len(calls))
    assert counts[0] == counts[1]


def test_a_failed_read_stops_the_run_before_anything_is_written(aws: Harness) -> None:
    build_demo_world(aws.world)
    with Stubber(aws.clients.ec2) as stub:
        stub.add_client_error("describe_vpc_endpoints", "UnauthorizedOperation", http_status_code=403)
        with pytest.raises(DiscoveryError, match="nothing will be changed"):
            run_reconcile(aws.clients, aws.settings)
    assert aws.writes() == []
