import json
from pathlib import Path

import pytest

from core.triggers.events import TRIGGERS, ids_at, parse_trigger
from tests.eventbridge import matches

EVENTS = Path(__file__).resolve().parents[3] / "events"


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
    "create-tags.json": ("CreateTags", "vpce-0f1e2d3c4b5a69788"),
    "delete-tags.json": ("DeleteTags", "vpce-0f1e2d3c4b5a69788"),
    "add-tags.json": ("AddTags", "loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"),
    "remove-tags.json": ("RemoveTags", "loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"),
    "accept-vpc-endpoint-connections.json": ("AcceptVpcEndpointConnections", "vpce-0f1e2d3c4b5a69788"),
    "reject-vpc-endpoint-connections.json": ("RejectVpcEndpointConnections", "vpce-0a9b8c7d6e5f40312"),
    "modify-vpc-endpoint-service-configuration.json": (
        "ModifyVpcEndpointServiceConfiguration",
        "loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60",
    ),
}
OTHER_SAMPLES = {"create-tags-on-vpc.json": ("CreateTags", "vpc-0c1a2b3c4d5e6f701")}


def test_there_is_one_sample_per_trigger() -> None:
    assert sorted(name for name, _ in SAMPLES.values()) == sorted(TRIGGERS)


@pytest.mark.parametrize(("file", "expected"), (SAMPLES | OTHER_SAMPLES).items())
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
        ("ignored/create-classic-load-balancer.json", "a Classic Load Balancer, which never backs PrivateLink"),
        ("ignored/delete-classic-load-balancer.json", "a Classic Load Balancer, which never backs PrivateLink"),
        ("ignored/create-application-load-balancer.json", "an Application Load Balancer, which never backs"),
        ("ignored/delete-application-load-balancer.json", "an Application Load Balancer, which never backs"),
        ("ignored/add-tags-application-load-balancer.json", "an Application Load Balancer, which never backs"),
        ("ignored/create-tags-on-instance-and-volume.json", "only vol-0f9e1b2c3d4e5f6a7, i-0dc224bad2cb08740"),
        ("ignored/tag-change-on-resource.json", "read from their CloudTrail calls (CreateTags, DeleteTags, AddTags"),
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


def test_an_event_whose_ids_cannot_be_read_still_triggers_a_reconcile() -> None:
    """Events are hints: the reconcile reads the account whole, the ids only go to the log."""
    trigger = parse_trigger(sample("delete-vpc-endpoints-without-ids.json"))
    assert (trigger.kind, trigger.name, trigger.ids) == ("event", "DeleteVpcEndpoints", ())


@pytest.mark.parametrize("kind", ["gateway", "network"])
def test_a_network_or_gateway_load_balancer_without_a_readable_arn_still_triggers(kind: str) -> None:
    event = sample("create-load-balancer.json")
    event["detail"]["requestParameters"]["type"] = kind
    event["detail"]["responseElements"] = None
    assert parse_trigger(event).kind == "event"


def test_a_load_balancer_event_of_unknown_kind_triggers_rather_than_being_dropped() -> None:
    event = sample("set-subnets.json")
    del event["detail"]["requestParameters"]["loadBalancerArn"]
    assert (parse_trigger(event).kind, parse_trigger(event).ids) == ("event", ())


def test_a_follow_up_carries_its_backoff_step() -> None:
    trigger = parse_trigger(sample("follow-up.json"))
    assert (trigger.kind, trigger.step) == ("follow-up", 1)
    bad = sample("follow-up.json") | {"detail": {"step": "soon"}}
    assert parse_trigger(bad).ignored and "step" in parse_trigger(bad).reason


ACCEPTED_EVENTS = [*SAMPLES, *OTHER_SAMPLES, "delete-vpc-endpoints-without-ids.json"]
DROPPED_BY_PATTERNS = [
    "ignored/create-vpc-endpoint-failed.json",
    "ignored/unrelated-run-instances.json",
    "ignored/create-classic-load-balancer.json",
    "ignored/delete-classic-load-balancer.json",
    "ignored/create-application-load-balancer.json",
    "ignored/delete-application-load-balancer.json",
    "ignored/add-tags-application-load-balancer.json",
    "ignored/create-tags-on-instance-and-volume.json",
    "ignored/tag-change-on-resource.json",
]


@pytest.mark.parametrize("file", ACCEPTED_EVENTS)
def test_the_template_patterns_let_every_accepted_sample_through(file: str) -> None:
    assert matches(sample(file))


@pytest.mark.parametrize("file", DROPPED_BY_PATTERNS)
def test_the_template_patterns_drop_failed_calls_and_what_never_concerns_privatelink(file: str) -> None:
    assert not matches(sample(file))


@pytest.mark.parametrize("file", ["create-load-balancer.json", "set-subnets.json"])
def test_a_gateway_load_balancer_passes_the_patterns(file: str) -> None:
    event = json.loads(json.dumps(sample(file)).replace("loadbalancer/net/", "loadbalancer/gwy/"))
    if "type" in event["detail"]["requestParameters"]:
        event["detail"]["requestParameters"]["type"] = "gateway"
    assert matches(event) and parse_trigger(event).kind == "event"
