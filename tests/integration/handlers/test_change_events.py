"""The handler on each sample of a tag change, a connection answer and an endpoint service change,
after the change it announces has been made in the account: one reconcile applies it. Each test
builds one world and plays several samples on it, so that the reconciles after the first only
apply what changed."""

import json
from pathlib import Path

import boto3
import pytest

from demo.local import lambda_context
from demo.local_server.control import add_consumer_endpoint
from demo.world import build_demo_world
from handlers import reconcile
from tests.integration.conftest import Harness

EVENTS = Path(__file__).resolve().parents[3] / "events"
CONSUMER_ACCOUNT = "210987654321"
# Played by the tests below, not by test_handler.py's run of every sample on a world of its own.
CHANGE_EVENTS = frozenset(
    {
        "create-tags.json",
        "delete-tags.json",
        "create-tags-on-vpc.json",
        "add-tags.json",
        "remove-tags.json",
        "accept-vpc-endpoint-connections.json",
        "reject-vpc-endpoint-connections.json",
        "modify-vpc-endpoint-service-configuration.json",
    }
)


@pytest.fixture
def handler_aws(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    monkeypatch.setattr(reconcile, "last_read", reconcile.ReadMark())  # as in a new container
    return aws


def schedule() -> dict:
    return reconcile.handler(json.loads((EVENTS / "scheduled.json").read_text()), lambda_context())


def invoke(name: str) -> dict:
    result = reconcile.handler(json.loads((EVENTS / name).read_text()), lambda_context())
    assert result["trigger"] == "event" and result["failed"] == [], result
    return result


def done(result: dict, action: str, artifact: str) -> list[str]:
    return [c["name"] for c in result["done"] if (c["action"], c["artifact"]) == (action, artifact)]


def coverage_of(result: dict, resource_id: str) -> dict:
    [entry] = [c for c in result["coverage"] if c["id"] == resource_id]
    return entry


def test_tag_changes_on_an_endpoint_its_vpc_and_a_load_balancer_reach_the_reconcile(handler_aws: Harness) -> None:
    demo = build_demo_world(handler_aws.world)
    ec2, elbv2 = handler_aws.world.ec2, handler_aws.world.elbv2
    monitored = coverage_of(schedule(), demo.consumer_endpoint)
    assert monitored["monitored"] and monitored["alarms"]

    ec2.create_tags(Resources=[demo.consumer_endpoint], Tags=[{"Key": "plinsights:exclude", "Value": "true"}])
    excluded = invoke("create-tags.json")
    assert coverage_of(excluded, demo.consumer_endpoint)["excluded"] is True
    assert set(done(excluded, "delete", "alarm")) == set(monitored["alarms"])

    ec2.delete_tags(Resources=[demo.consumer_endpoint], Tags=[{"Key": "plinsights:exclude"}])
    back = invoke("delete-tags.json")
    assert coverage_of(back, demo.consumer_endpoint)["monitored"]
    assert set(done(back, "create", "alarm")) == set(monitored["alarms"])

    ec2.create_tags(Resources=[demo.consumer_vpc], Tags=[{"Key": "plinsights:exclude", "Value": "true"}])
    by_vpc = invoke("create-tags-on-vpc.json")
    assert f"on {demo.consumer_vpc}" in coverage_of(by_vpc, demo.consumer_endpoint)["reason"]

    elbv2.add_tags(ResourceArns=[demo.load_balancer], Tags=[{"Key": "plinsights:exclude", "Value": "true"}])
    assert coverage_of(invoke("add-tags.json"), demo.load_balancer)["excluded"] is True
    elbv2.remove_tags(ResourceArns=[demo.load_balancer], TagKeys=["plinsights:exclude"])
    assert coverage_of(invoke("remove-tags.json"), demo.load_balancer)["monitored"]


def service_id(world_ec2, service_name: str) -> str:
    configs = world_ec2.describe_vpc_endpoint_service_configurations()["ServiceConfigurations"]
    return next(c["ServiceId"] for c in configs if c["ServiceName"] == service_name)


def consumer_row(dashboard: str, endpoint_id: str) -> str:
    return next(line for line in dashboard.split("\\n") if line.startswith(f"| {endpoint_id} |"))


def test_the_providers_answers_to_consumers_reach_its_dashboard(handler_aws: Harness, moto_endpoint: str) -> None:
    demo = build_demo_world(handler_aws.world)
    ec2 = handler_aws.world.ec2
    service = service_id(ec2, demo.endpoint_service)
    waiting = add_consumer_endpoint(moto_endpoint, service, CONSUMER_ACCOUNT, state="pendingAcceptance")
    [dashboard] = schedule()["dashboards"]

    def row() -> str:
        return consumer_row(boto3.client("cloudwatch").get_dashboard(DashboardName=dashboard)["DashboardBody"], waiting)

    assert "pendingAcceptance (no traffic)" in row()
    ec2.accept_vpc_endpoint_connections(ServiceId=service, VpcEndpointIds=[waiting])
    accepted = invoke("accept-vpc-endpoint-connections.json")
    assert (
        done(accepted, "update", "dashboard") == [dashboard]
        and row() == f"| {waiting} | {CONSUMER_ACCOUNT} | available |"
    )
    ec2.reject_vpc_endpoint_connections(ServiceId=service, VpcEndpointIds=[waiting])
    assert done(invoke("reject-vpc-endpoint-connections.json"), "update", "dashboard") == [dashboard]
    assert "rejected (no traffic)" in row()


def test_an_endpoint_service_moved_to_another_load_balancer_moves_its_alarms(handler_aws: Harness) -> None:
    world = handler_aws.world
    demo = build_demo_world(world)
    subnets = [
        s["SubnetId"]
        for s in world.ec2.describe_subnets()["Subnets"]
        if s["VpcId"] == vpc_of(world, demo.load_balancer)
    ]
    spare = world.load_balancer("orders-nlb-2", sorted(subnets))
    schedule()
    service = service_id(world.ec2, demo.endpoint_service)
    world.ec2.modify_vpc_endpoint_service_configuration(
        ServiceId=service, AddNetworkLoadBalancerArns=[spare], RemoveNetworkLoadBalancerArns=[demo.load_balancer]
    )
    moved = invoke("modify-vpc-endpoint-service-configuration.json")
    assert coverage_of(moved, spare)["endpoint_services"] == [service]
    assert "endpoint_services" not in coverage_of(moved, demo.load_balancer)
    old, new = (short_id(arn) for arn in (demo.load_balancer, spare))
    assert done(moved, "delete", "alarm") and all(old in name for name in done(moved, "delete", "alarm"))
    assert any(new in name for name in done(moved, "create", "alarm"))


def vpc_of(world, arn: str) -> str:
    return world.elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["VpcId"]


def short_id(arn: str) -> str:
    name, lb_id = arn.rsplit("/", 2)[-2:]
    return f"net-{name}-{lb_id}"


def test_the_change_samples_are_samples_of_events() -> None:
    assert {p.name for p in EVENTS.glob("*.json")} >= CHANGE_EVENTS
