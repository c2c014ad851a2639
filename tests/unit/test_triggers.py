import json
from pathlib import Path

import pytest

from core.triggers import TRIGGERS, ids_at, parse_trigger

EVENTS = Path(__file__).resolve().parents[2] / "events"


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


SAMPLES = {
    "create-vpc-endpoint.json": ("CreateVpcEndpoint", "vpce-0f1e2d3c4b5a69788"),
    "modify-vpc-endpoint.json": ("ModifyVpcEndpoint", "vpce-0f1e2d3c4b5a69788"),
    "delete-vpc-endpoints.json": ("DeleteVpcEndpoints", "vpce-0f1e2d3c4b5a69788"),
    "create-vpc-endpoint-service-configuration.json": (
        "CreateVpcEndpointServiceConfiguration",
        "vpce-svc-0a1b2c3d4e5f60718",
    ),
    "delete-vpc-endpoint-service-configurations.json": (
        "DeleteVpcEndpointServiceConfigurations",
        "vpce-svc-0a1b2c3d4e5f60718",
    ),
    "create-flow-logs.json": ("CreateFlowLogs", "fl-0123456789abcdef0"),
    "delete-flow-logs.json": ("DeleteFlowLogs", "fl-0123456789abcdef1"),
    "create-load-balancer.json": ("CreateLoadBalancer", "loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"),
    "set-subnets.json": ("SetSubnets", "loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"),
    "delete-load-balancer.json": ("DeleteLoadBalancer", "loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"),
}


def test_there_is_one_sample_per_trigger() -> None:
    assert sorted(name for name, _ in SAMPLES.values()) == sorted(TRIGGERS)


@pytest.mark.parametrize(("file", "expected"), SAMPLES.items())
def test_every_sample_event_triggers_a_reconcile_naming_its_resource(file: str, expected: tuple[str, str]) -> None:
    trigger = parse_trigger(sample(file), "us-east-1")
    assert (trigger.kind, trigger.name) == ("event", expected[0])
    assert any(expected[1] in i for i in trigger.ids), trigger.ids


def test_schedule_and_backfill() -> None:
    assert parse_trigger(sample("scheduled.json")).kind == "schedule"
    backfill = parse_trigger(sample("backfill.json"))
    assert (backfill.kind, backfill.dry_run) == ("backfill", False)
    assert parse_trigger(sample("backfill-dry-run.json")).dry_run is True


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        ("ignored/create-vpc-endpoint-failed.json", "failed (Client.InvalidParameter)"),
        ("ignored/unrelated-run-instances.json", "not one we act on"),
        ("ignored/delete-vpc-endpoints-without-ids.json", "names no resource"),
        ("ignored/backfill-bad-dry-run.json", "dryRun must be true or false"),
        ("ignored/not-an-event.json", "not an object"),
    ],
)
def test_ignored_samples_say_why(file: str, reason: str) -> None:
    trigger = parse_trigger(sample(file))
    assert trigger.ignored and reason in trigger.reason


def test_a_one_item_list_collapsed_to_a_bare_object_and_a_full_list_read_alike() -> None:
    one = sample("delete-vpc-endpoints.json")
    many = sample("delete-vpc-endpoints.json")
    many["detail"]["requestParameters"]["DeleteVpcEndpointsRequest"]["VpcEndpointId"] = [
        {"tag": 1, "content": "vpce-a"}, {"tag": 2, "content": "vpce-b"},
    ]  # fmt: skip
    assert parse_trigger(one).ids == ("vpce-0f1e2d3c4b5a69788",)
    assert parse_trigger(many).ids == ("vpce-a", "vpce-b")


def test_numeric_ids_become_strings() -> None:
    assert list(ids_at({"a": {"content": 123456789012}}, ("a",))) == ["123456789012"]
    assert list(ids_at({"a": True}, ("a",))) == []


def test_empty_sets_arrive_as_empty_strings_and_name_nothing() -> None:
    assert list(ids_at({"set": ""}, ("set", "item"))) == []


def test_an_event_from_another_region_is_ignored() -> None:
    trigger = parse_trigger(sample("create-vpc-endpoint.json"), "eu-west-1")
    assert trigger.ignored and "Region us-east-1" in trigger.reason


def test_an_ec2_event_name_from_the_wrong_source_is_ignored() -> None:
    event = sample("create-vpc-endpoint.json")
    event["source"] = "aws.elasticloadbalancing"
    assert parse_trigger(event).ignored


@pytest.mark.parametrize(
    "event",
    [
        None,
        42,
        "text",
        [],
        {},
        {"detail": None},
        {"detail-type": "AWS API Call via CloudTrail", "detail": []},
    ],
)
def test_junk_is_ignored_without_raising(event: object) -> None:
    assert parse_trigger(event).ignored
