"""The read of the log groups' incoming events for the cost estimate: one GetMetricData call for
all of them (botocore's Stubber checks each request against the service model), its pages
summed, and a refusal that leaves the events unknown instead of failing the plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from core.inspect.incoming_events import MAX_QUERIES, read_incoming_events

NOW = datetime(2024, 5, 17, 10, 42, 7, tzinfo=UTC)
WHOLE_HOURS = {"StartTime": datetime(2024, 5, 16, 10, tzinfo=UTC), "EndTime": datetime(2024, 5, 17, 10, tzinfo=UTC)}


@pytest.fixture
def cloudwatch() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def query(query_id: str, group: str) -> dict[str, Any]:
    dimensions = [{"Name": "LogGroupName", "Value": group}]
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {"Namespace": "AWS/Logs", "MetricName": "IncomingLogEvents", "Dimensions": dimensions},
            "Period": 3600,
            "Stat": "Sum",
        },
        "ReturnData": True,
    }


def result(query_id: str, values: list[float], status: str = "Complete") -> dict[str, Any]:
    stamps = [datetime(2024, 5, 17, h, tzinfo=UTC) for h in range(len(values))]
    return {"Id": query_id, "Timestamps": stamps, "Values": values, "StatusCode": status}


def test_one_call_reads_every_log_group_over_the_last_24_whole_hours(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    queries = [query("g0", "/flow/a"), query("g1", "/flow/b"), query("g2", "/flow/quiet")]
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("g0", [100.0, 250.0]), result("g1", [7.0]), result("g2", [])]},
        {"MetricDataQueries": queries, **WHOLE_HOURS},
    )
    incoming = read_incoming_events(client, ["/flow/b", "/flow/a", "/flow/quiet", "/flow/a"], NOW)
    assert incoming.per_log_group == {"/flow/a": 350.0, "/flow/b": 7.0, "/flow/quiet": 0.0}
    assert incoming.hours == 24 and incoming.unknown == ""


def test_the_pages_of_one_call_are_summed(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    queries = [query("g0", "/flow/a")]
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("g0", [10.0], "PartialData")], "NextToken": "page-2"},
        {"MetricDataQueries": queries, **WHOLE_HOURS},
    )
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("g0", [5.0])]},
        {"MetricDataQueries": queries, **WHOLE_HOURS, "NextToken": "page-2"},
    )
    assert read_incoming_events(client, ["/flow/a"], NOW).per_log_group == {"/flow/a": 15.0}


@pytest.mark.parametrize("status", ["Forbidden", "InternalError"])
def test_a_log_group_whose_result_did_not_complete_is_not_read(cloudwatch: tuple[Any, Stubber], status: str) -> None:
    client, stubber = cloudwatch
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("g0", [3.0]), result("g1", [], status)]},
        {"MetricDataQueries": [query("g0", "/flow/a"), query("g1", "/flow/b")], **WHOLE_HOURS},
    )
    incoming = read_incoming_events(client, ["/flow/a", "/flow/b"], NOW)
    assert incoming.monthly("/flow/a") is not None and incoming.monthly("/flow/b") is None


def test_past_500_log_groups_a_second_call_reads_the_rest(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    groups = sorted(f"/flow/{n:04d}" for n in range(MAX_QUERIES + 1))
    first = [query(f"g{n}", group) for n, group in enumerate(groups[:MAX_QUERIES])]
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [result(q["Id"], [1.0]) for q in first]},
        {"MetricDataQueries": first, **WHOLE_HOURS},
    )
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [result("g0", [2.0])]},
        {"MetricDataQueries": [query("g0", groups[-1])], **WHOLE_HOURS},
    )
    incoming = read_incoming_events(client, groups, NOW)
    assert len(incoming.per_log_group) == MAX_QUERIES + 1
    assert incoming.per_log_group[groups[-1]] == 2.0 and incoming.per_log_group[groups[0]] == 1.0


def test_a_refused_call_leaves_the_events_unknown_and_says_which_permission(cloudwatch: tuple[Any, Stubber]) -> None:
    client, stubber = cloudwatch
    stubber.add_client_error("get_metric_data", "AccessDenied", "not authorized", 403)
    incoming = read_incoming_events(client, ["/flow/a"], NOW)
    assert incoming.unknown == "GetMetricData answered AccessDenied (needs cloudwatch:GetMetricData)"
    assert incoming.monthly("/flow/a") is None


def test_no_log_groups_no_call(cloudwatch: tuple[Any, Stubber]) -> None:
    client, _ = cloudwatch
    incoming = read_incoming_events(client, [], NOW)
    assert incoming.per_log_group == {} and incoming.unknown == ""
