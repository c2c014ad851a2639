"""Tag changes, connection answers and endpoint service modifications: the samples are the stored
CloudTrail records (tests/fixtures/cloudtrail), the patterns keep only successful calls that can
concern PrivateLink (template.yaml, by moto's matcher with AWS's array rule), and the parser says
why it leaves the rest alone when one is given to it by hand."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from core.desire.selection import RULE_ALARM_TAGS
from core.desire.state import DEDICATED_TAG, PRIORITY_TAG
from core.settings import Settings
from core.triggers.events import parse_trigger
from core.triggers.patterns import TAG_KEY_PREFIX
from tests.eventbridge import matches

ROOT = Path(__file__).resolve().parents[3]
EVENTS, FIXTURES = ROOT / "events", ROOT / "tests" / "fixtures" / "cloudtrail"
INSTANCE = "i-0dc224bad2cb08740"
ENDPOINT = "vpce-0f1e2d3c4b5a69788"
ALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/7c1d2e3f4a5b6c7d"
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders/73e2d6bc24d8a067"

# The samples that are the stored records, unchanged.
STORED = {
    "delete-tags.json": "ec2-delete-tags.json",
    "add-tags.json": "elbv2-add-tags.json",
    "remove-tags.json": "elbv2-remove-tags.json",
    "accept-vpc-endpoint-connections.json": "ec2-accept-vpc-endpoint-connections.json",
    "reject-vpc-endpoint-connections.json": "ec2-reject-vpc-endpoint-connections.json",
    "modify-vpc-endpoint-service-configuration.json": "ec2-modify-vpc-endpoint-service-configuration.json",
    "ignored/tag-change-on-resource.json": "tag-change-on-resource.json",
}
CHANGE_SAMPLES = [name for name in STORED if not name.startswith("ignored/")] + [
    "create-tags.json",
    "create-tags-on-vpc.json",
]


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def accepted(event: dict[str, Any], **parameters: str) -> bool:
    """Both gates: the stack's patterns send it to the queue, and the handler acts on it."""
    return matches(event, **parameters) and parse_trigger(event).kind == "event"


def ec2_tags(name: str, resources: list[str], keys: list[str] | None) -> dict[str, Any]:
    event = sample("create-tags.json")
    event["detail"]["eventName"] = name
    request: dict[str, Any] = {"resourcesSet": {"items": [{"resourceId": r} for r in resources]}}
    if keys is not None:
        request["tagSet"] = {"items": [{"key": key, "value": "true"} for key in keys]}
    event["detail"]["requestParameters"] = request
    return event


def elb_tags(name: str, arns: list[str], keys: list[str]) -> dict[str, Any]:
    event = sample("add-tags.json" if name == "AddTags" else "remove-tags.json")
    request = event["detail"]["requestParameters"]
    request["resourceArns"] = arns
    if name == "AddTags":
        request["tags"] = [{"key": key, "value": "true"} for key in keys]
    else:
        request["tagKeys"] = keys
    return event


@pytest.mark.parametrize(("name", "stored"), STORED.items())
def test_samples_are_the_stored_records(name: str, stored: str) -> None:
    assert sample(name) == fixture(stored)


def test_the_create_tags_sample_has_the_published_records_shape() -> None:
    """No published record tags a vpce-: the sample keeps the published shape, with our ids."""
    published = fixture("ec2-create-tags-eventbridge.json")["detail"]
    ours = sample("create-tags.json")["detail"]
    assert set(ours) >= set(published) - {"userAgent"}
    for key in ("resourcesSet", "tagSet"):
        assert list(ours["requestParameters"][key]) == list(published["requestParameters"][key]) == ["items"]
        assert set(ours["requestParameters"][key]["items"][0]) == set(published["requestParameters"][key]["items"][0])


@pytest.mark.parametrize("name", CHANGE_SAMPLES)
def test_every_change_sample_passes_the_patterns_and_triggers(name: str) -> None:
    assert accepted(sample(name))


@pytest.mark.parametrize("name", CHANGE_SAMPLES)
def test_a_failed_call_is_dropped_by_the_patterns_and_ignored_by_the_handler(name: str) -> None:
    event = sample(name)
    event["detail"] |= {"errorCode": "Client.UnauthorizedOperation", "errorMessage": "not authorized"}
    assert not matches(event)
    trigger = parse_trigger(event)
    assert trigger.ignored and "failed (Client.UnauthorizedOperation)" in trigger.reason


def test_published_create_tags_records_on_instances_volumes_and_security_groups_are_dropped() -> None:
    for event in (
        sample("ignored/create-tags-on-instance-and-volume.json"),
        fixture("ec2-create-tags-eventbridge.json"),
    ):
        assert not matches(event)
        assert parse_trigger(event).ignored and "whose tags are never read" in parse_trigger(event).reason


@pytest.mark.parametrize(
    ("resources", "keys", "kept"),
    [
        ([ENDPOINT], ["plinsights:exclude"], True),
        ([ENDPOINT], ["plinsights:priority"], True),
        ([ENDPOINT], ["plinsights:bytes-top-threshold"], True),
        ([ENDPOINT], ["CostCenter"], False),  # a key nothing reads
        ([ENDPOINT], ["CostCenter", "plinsights:monitor"], True),
        ([INSTANCE, ENDPOINT], ["plinsights:exclude"], True),  # one of ours among others
        ([INSTANCE], ["plinsights:exclude"], False),
        (["vpc-0c1a2b3c4d5e6f701"], ["plinsights:exclude"], True),  # exclude and monitor apply to a VPC
        (["vpc-0c1a2b3c4d5e6f701"], ["plinsights:monitor"], True),
        (["vpc-0c1a2b3c4d5e6f701"], ["plinsights:priority"], False),  # read from the resource only
        (["subnet-0aa11bb22cc33dd44"], ["plinsights:exclude"], False),
    ],
)
@pytest.mark.parametrize("name", ["CreateTags", "DeleteTags"])
def test_ec2_tag_changes_are_kept_on_endpoints_and_vpcs_with_the_keys_read(
    name: str, resources: list[str], keys: list[str], kept: bool
) -> None:
    assert matches(ec2_tags(name, resources, keys)) is kept


@pytest.mark.parametrize(
    ("resources", "kept"), [([ENDPOINT], True), (["vpc-0c1a2b3c4d5e6f701"], True), ([INSTANCE], False)]
)
def test_deleting_every_tag_records_no_key_and_is_kept_on_endpoints_and_vpcs(resources: list[str], kept: bool) -> None:
    """DeleteTags without Tags deletes all of them: an exclusion may go with them."""
    assert matches(ec2_tags("DeleteTags", resources, None)) is kept
    assert not matches(ec2_tags("CreateTags", resources, None))  # CreateTags always names its tags


def test_tags_of_an_endpoint_service_pass_the_pattern_and_are_ignored() -> None:
    """vpce-svc- begins as vpce- does, and EventBridge has no "this prefix but not that one" on one
    field short of listing the id's hex digits: the handler leaves these alone instead."""
    event = ec2_tags("CreateTags", ["vpce-svc-0a1b2c3d4e5f60718"], ["plinsights:exclude"])
    assert matches(event)
    assert parse_trigger(event).ignored and "vpce-svc-0a1b2c3d4e5f60718" in parse_trigger(event).reason


def test_ec2_tag_events_whose_resources_cannot_be_read_still_trigger() -> None:
    event = ec2_tags("CreateTags", [], ["plinsights:exclude"])
    event["detail"]["requestParameters"]["resourcesSet"] = ""
    assert parse_trigger(event).kind == "event"


@pytest.mark.parametrize(
    ("arns", "keys", "kept"),
    [
        ([sample("add-tags.json")["detail"]["requestParameters"]["resourceArns"][0]], ["plinsights:exclude"], True),
        (["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/gwy/inspect/0a1b2c3d4e5f6a7b"], ["plinsights:monitor"], True),
        ([ALB], ["plinsights:exclude"], False),
        ([TARGET_GROUP], ["plinsights:exclude"], False),
        ([sample("add-tags.json")["detail"]["requestParameters"]["resourceArns"][0]], ["team"], False),
    ],
)  # fmt: skip
@pytest.mark.parametrize("name", ["AddTags", "RemoveTags"])
def test_load_balancer_tag_changes_are_kept_on_network_and_gateway_load_balancers_with_the_keys_read(
    name: str, arns: list[str], keys: list[str], kept: bool
) -> None:
    assert matches(elb_tags(name, arns, keys)) is kept


@pytest.mark.parametrize(
    ("arns", "reason"), [([ALB], "an Application Load Balancer"), ([TARGET_GROUP], "targetgroup/orders")]
)
def test_load_balancer_tags_the_handler_is_given_by_hand_on_what_never_backs_privatelink_are_ignored(
    arns: list[str], reason: str
) -> None:
    trigger = parse_trigger(elb_tags("AddTags", arns, ["plinsights:exclude"]))
    assert trigger.ignored and reason in trigger.reason


def test_selection_tags_chosen_at_deployment_are_kept_on_resources_and_vpcs() -> None:
    """ExcludeTag and IncludeTag are the stack's parameters: the patterns carry them."""
    chosen = {"ExcludeTag": "team:unwatched", "IncludeTag": "team:watched"}
    for event in (
        ec2_tags("CreateTags", [ENDPOINT], ["team:unwatched"]),
        ec2_tags("DeleteTags", ["vpc-0c1a2b3c4d5e6f701"], ["team:watched"]),
        elb_tags(
            "RemoveTags", [sample("add-tags.json")["detail"]["requestParameters"]["resourceArns"][0]], ["team:watched"]
        ),
    ):
        assert matches(event, **chosen) and not matches(event)


def test_every_tag_the_reconcile_reads_on_a_resource_is_one_the_patterns_keep() -> None:
    """A new per-resource tag outside the prefix would reach a reconcile only with the schedule."""
    defaults = Settings()
    per_resource = [PRIORITY_TAG, DEDICATED_TAG, *RULE_ALARM_TAGS, defaults.exclude_tag, defaults.include_tag]
    stems = set(defaults.thresholds) | set(defaults.periods)
    per_resource += [
        f"plinsights:{stem.replace('_', '-')}-{field}" for stem in stems for field in ("threshold", "period")
    ]
    assert all(key.startswith(TAG_KEY_PREFIX) for key in per_resource)
    assert all(matches(ec2_tags("CreateTags", [ENDPOINT], [key])) for key in per_resource)


@pytest.mark.parametrize("name", ["accept-vpc-endpoint-connections.json", "reject-vpc-endpoint-connections.json"])
def test_connection_answers_name_the_service_and_every_endpoint_one_or_many(name: str) -> None:
    event = sample(name)
    request = next(iter(event["detail"]["requestParameters"].values()))
    one = copy.deepcopy(event)
    next(iter(one["detail"]["requestParameters"].values()))["VpcEndpointId"] = {"tag": 1, "content": ENDPOINT}
    ids = [
        i["content"]
        for i in (
            request["VpcEndpointId"] if isinstance(request["VpcEndpointId"], list) else [request["VpcEndpointId"]]
        )
    ]
    assert parse_trigger(event).ids == (request["ServiceId"], *ids)
    assert parse_trigger(one).ids == (request["ServiceId"], ENDPOINT)


def test_a_service_modification_names_the_load_balancers_added_and_removed() -> None:
    event = sample("modify-vpc-endpoint-service-configuration.json")
    request = event["detail"]["requestParameters"]["ModifyVpcEndpointServiceConfigurationRequest"]
    added = request["AddNetworkLoadBalancerArn"]["content"]
    removed = added.replace("orders-nlb/4f8a1c2e9b7d3a60", "old-nlb/0123456789abcdef")
    request["RemoveNetworkLoadBalancerArn"] = [{"tag": 1, "content": removed}]
    assert parse_trigger(event).ids == (request["ServiceId"], added, removed)
    del request["AddNetworkLoadBalancerArn"], request["RemoveNetworkLoadBalancerArn"]
    request["PrivateDnsName"] = "orders.example.com"  # any modification is kept: the shape is inferred
    assert accepted(event)
