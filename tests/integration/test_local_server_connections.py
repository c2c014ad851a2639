"""DescribeVpcEndpointConnections, AcceptVpcEndpointConnections and RejectVpcEndpointConnections on
the local server: the provider's view of the consumer endpoints of its endpoint services."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from demo.local_server.control import ControlRefusedError, add_consumer_endpoint
from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors

CONSUMER = "210987654321"  # another account
OWN = "123456789012"  # moto's


def provider(aws: Harness, acceptance: bool = True) -> tuple[str, str, str]:
    """An endpoint service over an NLB: (service id, service name, NLB ARN)."""
    _, subnets = aws.world.vpc(subnets=1, name="provider")
    nlb = aws.world.load_balancer("svc-nlb", subnets)
    config = aws.world.ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb], AcceptanceRequired=acceptance
    )["ServiceConfiguration"]
    return config["ServiceId"], config["ServiceName"], nlb


def own_endpoint(aws: Harness, service_name: str) -> str:
    vpc, subnets = aws.world.vpc(subnets=1, name="consumer")
    return aws.world.interface_endpoint(vpc, subnets, service_name)


def connections(aws: Harness, **kwargs) -> list[dict]:
    pages = aws.world.ec2.get_paginator("describe_vpc_endpoint_connections").paginate(**kwargs)
    return [c for page in pages for c in page["VpcEndpointConnections"]]


def test_own_and_foreign_consumer_endpoints_are_connections_of_the_service(aws: Harness, moto_endpoint: str) -> None:
    service_id, service_name, nlb = provider(aws)
    mine = own_endpoint(aws, service_name)
    theirs = add_consumer_endpoint(moto_endpoint, service_id, CONSUMER)
    unrelated = own_endpoint(aws, f"com.amazonaws.{aws.world.region}.ssm")  # an AWS service: no connection
    answer = aws.world.ec2.describe_vpc_endpoint_connections()
    assert shape_errors(aws.world.ec2, "DescribeVpcEndpointConnections", answer) == ""
    found = {c["VpcEndpointId"]: c for c in answer["VpcEndpointConnections"]}
    assert set(found) == {mine, theirs} and unrelated not in found
    assert (found[mine]["VpcEndpointOwner"], found[theirs]["VpcEndpointOwner"]) == (OWN, CONSUMER)
    # moto makes its own endpoints available; AWS's consumer of a service that requires acceptance waits
    assert (found[mine]["VpcEndpointState"], found[theirs]["VpcEndpointState"]) == ("available", "pendingAcceptance")
    assert all(c["ServiceId"] == service_id and c["NetworkLoadBalancerArns"] == [nlb] for c in found.values())
    assert all(
        c["VpcEndpointConnectionId"].startswith("vpce-con-") and c["IpAddressType"] == "ipv4" for c in found.values()
    )
    assert all(c["VpcEndpointRegion"] == aws.world.region and c["CreationTimestamp"] for c in found.values())


def test_a_service_without_acceptance_connects_a_foreign_endpoint_at_once(aws: Harness, moto_endpoint: str) -> None:
    service_id, _, _ = provider(aws, acceptance=False)
    endpoint = add_consumer_endpoint(moto_endpoint, service_id, CONSUMER)
    assert [
        c["VpcEndpointState"] for c in connections(aws, Filters=[{"Name": "vpc-endpoint-id", "Values": [endpoint]}])
    ] == ["available"]


def test_filters_are_anded_and_their_values_ored(aws: Harness, moto_endpoint: str) -> None:
    service_id, _, _ = provider(aws)
    other_service, _, _ = provider(aws)
    pending = add_consumer_endpoint(moto_endpoint, service_id, CONSUMER)
    available = add_consumer_endpoint(moto_endpoint, service_id, "111122223333", state="available")
    add_consumer_endpoint(moto_endpoint, other_service, CONSUMER)

    def ids(*filters: tuple[str, list[str]]) -> set[str]:
        return {c["VpcEndpointId"] for c in connections(aws, Filters=[{"Name": n, "Values": v} for n, v in filters])}

    assert ids(("service-id", [service_id])) == {pending, available}
    assert ids(("service-id", [service_id]), ("vpc-endpoint-owner", [CONSUMER])) == {pending}
    assert ids(("vpc-endpoint-state", ["available", "rejected"]), ("service-id", [service_id])) == {available}
    assert ids(("vpc-endpoint-state", ["Available"])) == set()  # filter values are case-sensitive


def test_pages_of_max_results_cover_every_connection_once(aws: Harness, moto_endpoint: str) -> None:
    service_id, _, _ = provider(aws)
    made = {add_consumer_endpoint(moto_endpoint, service_id, CONSUMER) for _ in range(7)}
    first = aws.world.ec2.describe_vpc_endpoint_connections(MaxResults=5)
    assert len(first["VpcEndpointConnections"]) == 5 and first["NextToken"]
    assert {c["VpcEndpointId"] for c in connections(aws, PaginationConfig={"PageSize": 5})} == made


def test_accepting_and_rejecting_move_the_connection_and_report_what_could_not_move(
    aws: Harness, moto_endpoint: str
) -> None:
    service_id, service_name, _ = provider(aws)
    waiting, second = (add_consumer_endpoint(moto_endpoint, service_id, CONSUMER) for _ in range(2))
    mine = own_endpoint(aws, service_name)
    accepted = aws.world.ec2.accept_vpc_endpoint_connections(
        ServiceId=service_id, VpcEndpointIds=[waiting, mine, "vpce-0000"]
    )
    assert shape_errors(aws.world.ec2, "AcceptVpcEndpointConnections", accepted) == ""
    assert {u["ResourceId"]: u["Error"]["Code"] for u in accepted["Unsuccessful"]} == {
        mine: "IncorrectState",  # already available
        "vpce-0000": "InvalidVpcEndpointId.NotFound",
    }
    rejected = aws.world.ec2.reject_vpc_endpoint_connections(ServiceId=service_id, VpcEndpointIds=[second, mine])
    assert rejected["Unsuccessful"] == []
    states = {c["VpcEndpointId"]: c["VpcEndpointState"] for c in connections(aws)}
    assert states == {waiting: "available", second: "rejected", mine: "rejected"}
    # the provider's rejection is the consumer's endpoint state too
    assert aws.world.ec2.describe_vpc_endpoints(VpcEndpointIds=[mine])["VpcEndpoints"][0]["State"] == "rejected"


def test_an_endpoint_of_another_service_is_not_found_under_this_one(aws: Harness, moto_endpoint: str) -> None:
    service_id, _, _ = provider(aws)
    other_service, _, _ = provider(aws)
    elsewhere = add_consumer_endpoint(moto_endpoint, other_service, CONSUMER)
    answer = aws.world.ec2.accept_vpc_endpoint_connections(ServiceId=service_id, VpcEndpointIds=[elsewhere])
    assert [u["Error"]["Code"] for u in answer["Unsuccessful"]] == ["InvalidVpcEndpointId.NotFound"]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda ec2, _: ec2.describe_vpc_endpoint_connections(MaxResults=4), "InvalidParameterValue"),
        (
            lambda ec2, _: ec2.describe_vpc_endpoint_connections(Filters=[{"Name": "state", "Values": ["x"]}]),
            "InvalidParameterValue",
        ),
        (lambda ec2, _: ec2.describe_vpc_endpoint_connections(NextToken="not-a-token"), "InvalidNextToken"),
        (lambda ec2, _: ec2.describe_vpc_endpoint_connections(DryRun=True), "DryRunOperation"),
        (
            lambda ec2, _: ec2.accept_vpc_endpoint_connections(ServiceId="vpce-svc-0000", VpcEndpointIds=["vpce-1"]),
            "InvalidVpcEndpointServiceId.NotFound",
        ),
        (
            lambda ec2, s: ec2.reject_vpc_endpoint_connections(ServiceId=s, VpcEndpointIds=["vpce-1"], DryRun=True),
            "DryRunOperation",
        ),
    ],
    ids=["MaxResults under 5", "unknown filter", "bad token", "dry run", "unknown service", "dry run reject"],
)
def test_refused_like_aws(aws: Harness, call, code: str) -> None:
    service_id, _, _ = provider(aws)
    with pytest.raises(ClientError) as refused:
        call(aws.world.ec2, service_id)
    assert refused.value.response["Error"]["Code"] == code


@pytest.mark.parametrize(
    ("owner", "state", "reason"),
    [("123456789012", None, "another account"), ("12345", None, "12-digit"), (CONSUMER, "Available", "must be one of")],
)
def test_the_control_call_refuses_what_aws_could_not_have_made(
    aws: Harness, moto_endpoint: str, owner, state, reason
) -> None:
    service_id, _, _ = provider(aws)
    with pytest.raises(ControlRefusedError, match=reason):
        add_consumer_endpoint(moto_endpoint, service_id, owner, state=state)


def test_a_deleted_service_has_no_connections_left(aws: Harness, moto_endpoint: str) -> None:
    service_id, _, _ = provider(aws)
    add_consumer_endpoint(moto_endpoint, service_id, CONSUMER)
    aws.world.ec2.delete_vpc_endpoint_service_configurations(ServiceIds=[service_id])
    assert connections(aws) == []
