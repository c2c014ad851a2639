"""Owner tags come from the Resource Groups Tagging API, one call per page; it only ever confirms."""

from collections import Counter
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

from core.model import RuleKind
from core.reconcile import run_reconcile
from core.settings import OWNER_TAG
from demo.world import build_demo_world
from tests.builders import shared_name_of
from tests.figures import DEMO_ALARMS, DEMO_ARTIFACTS, DEMO_RULES
from tests.integration.conftest import Harness

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

CONSUMER_LOGS = "/vpc/flow-logs/consumer"  # the demo consumer VPC's flow-log group

RULE_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:insight-rule/{}"
TYPES = ["cloudwatch:insight-rule", "cloudwatch:alarm"]
PAGES = "resourcegroupstaggingapi:GetResources"


def tagging_answers(aws: Harness, status: int, body: dict[str, Any]) -> None:
    """The tagging API answers GetResources with this, whatever the account holds."""

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        response = AWSResponse("https://tagging.us-east-1.amazonaws.com/", status, HTTPHeaders(), None)
        return response, {**body, "ResponseMetadata": {"HTTPStatusCode": status}}

    aws.clients.tagging.meta.events.register("before-call.resource-groups-tagging-api.GetResources", answer)  # type: ignore[arg-type]


def index_pages(aws: Harness) -> int:
    """Pages of our owner tag's index, as the tagging API cuts them."""
    tagging: Any = aws.world.session.client("resourcegroupstaggingapi")
    filters = [{"Key": OWNER_TAG, "Values": ["plinsights"]}]
    pages = tagging.get_paginator("get_resources").paginate(TagFilters=filters, PaginationConfig={"PageSize": 100})
    return sum(1 for _ in pages)


def index_now(aws: Harness) -> list[dict[str, Any]]:
    tagging: Any = aws.world.session.client("resourcegroupstaggingapi")
    pages = tagging.get_paginator("get_resources").paginate(ResourceTypeFilters=TYPES)
    return [mapping for page in pages for mapping in page["ResourceTagMappingList"]]


def test_the_steady_state_reads_no_tags_artifact_by_artifact_and_costs_the_same_whatever_the_size(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    with aws.recording() as small:
        assert run_reconcile(aws.clients, aws.settings).plan.changes == ()
    assert "cloudwatch:ListTagsForResource" not in small
    assert "resourcegroupstaggingapi:GetResources" in small
    vpc, subnets = aws.world.vpc(subnets=2)
    aws.world.flow_log(resource_ids=[vpc], log_group="/more")
    for _ in range(20):
        aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.us-east-1.ssm")
    run_reconcile(aws.clients, aws.settings)
    with aws.recording() as large:
        assert run_reconcile(aws.clients, aws.settings).plan.changes == ()
    # 22 monitored resources instead of 2: no call more, but for more pages of the tagging API
    assert Counter(c for c in large if c != PAGES) == Counter(c for c in small if c != PAGES)
    assert large.count(PAGES) == index_pages(aws) > small.count(PAGES) == 1
    assert demo.consumer_endpoint


def test_without_the_tagging_api_each_artifact_is_checked_and_nothing_changes(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    tagging_answers(aws, 400, {"Error": {"Code": "AccessDeniedException", "Message": "no tag:GetResources"}})
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.plan.changes == () and outcome.plan.unchanged == DEMO_ARTIFACTS
    assert calls.count("cloudwatch:ListTagsForResource") == DEMO_RULES + DEMO_ALARMS  # every rule and alarm, one by one
    assert any("AccessDeniedException" in note for note in outcome.plan.notes)


def test_artifacts_the_index_does_not_list_yet_are_checked_one_by_one(aws: Harness) -> None:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    listed = index_now(aws)[:5]  # the index lags: the rest were created moments ago
    tagging_answers(aws, 200, {"ResourceTagMappingList": listed, "PaginationToken": ""})
    with aws.recording() as calls:
        outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.plan.changes == ()
    assert calls.count("cloudwatch:ListTagsForResource") == DEMO_RULES + DEMO_ALARMS - 5


def test_an_artifact_whose_owner_tag_is_gone_is_not_deleted_on_the_word_of_a_stale_index(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    run_reconcile(aws.clients, aws.settings)
    stale = index_now(aws)  # still lists the tag removed below
    taken = shared_name_of(RuleKind.BYTES, CONSUMER_LOGS)  # the consumer endpoint alone is in it
    aws.world.cloudwatch.untag_resource(ResourceARN=RULE_ARN.format(taken), TagKeys=[OWNER_TAG])
    tagging_answers(aws, 200, {"ResourceTagMappingList": stale, "PaginationToken": ""})
    aws.world.delete_endpoint(demo.consumer_endpoint)
    outcome = run_reconcile(aws.clients, aws.settings)
    assert outcome.result is not None and outcome.result.failed == []
    assert taken in aws.world.rule_names()
    assert [c.name for c in outcome.result.left_alone] == [taken]  # planned on the index's word, then re-read
    deleted = {c.name for c in outcome.result.done if c.artifact == "rule"}
    assert deleted == {shared_name_of(kind, CONSUMER_LOGS) for kind in RuleKind if kind is not RuleKind.BYTES}
