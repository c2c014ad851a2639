"""A provider's consumers on the local server: the dashboard's ranking expression and the consumer
alarms' query pick each consumer's own series (and no other dimension set), and `plinsights explain`
names the consumers in ALARM with their accounts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from cli.main import EXIT_OK, main
from core.desire.consumers import search_expression
from core.desire.health_alarms import consumer_query
from core.inspect.alarm_contributors import read_alarm_contributors
from core.reconcile import run_reconcile
from demo.local_server.control import add_consumer_endpoint
from demo.world import build_demo_world
from tests.integration.conftest import Harness

NAMESPACE = "AWS/PrivateLinkServices"
ACCOUNTS = ("111122223333", "444455556666", "777788889999")


def put(aws: Harness, metric: str, dimensions: dict[str, str], values: Sequence[float], now: datetime) -> None:
    """One value a minute, the last a minute before `now`."""
    data = [
        {
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Timestamp": now - timedelta(minutes=len(values) - i),
            "Value": value,
        }
        for i, value in enumerate(values)
    ]
    aws.world.cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)


def provider_with_consumers(aws: Harness, moto_endpoint: str) -> tuple[str, str, list[str]]:
    """The demo world's service with three consumers of other accounts; (service id, NLB ARN, their endpoints)."""
    demo = build_demo_world(aws.world)
    service = demo.endpoint_service.rsplit(".", 1)[1]
    consumers = [add_consumer_endpoint(moto_endpoint, service, owner, state="available") for owner in ACCOUNTS]
    return service, demo.load_balancer, consumers


def series_of(aws: Harness, expression: str, now: datetime, label: str = "", period: int = 300) -> list[dict]:
    query = {"Id": "e1", "Expression": expression, "Period": period, **({"Label": label} if label else {})}
    answer = aws.world.cloudwatch.get_metric_data(
        MetricDataQueries=[query], StartTime=now - timedelta(hours=1), EndTime=now + timedelta(minutes=5)
    )
    return answer["MetricDataResults"]


def test_the_ranking_and_the_alarm_query_read_each_consumers_series_and_no_other_set(
    aws: Harness, moto_endpoint: str
) -> None:
    service, nlb, (a, b, c) = provider_with_consumers(aws, moto_endpoint)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for endpoint, resets in ((a, [1, 2]), (b, [40, 50]), (c, [5, 5])):
        put(aws, "RstPacketsSent", {"Service Id": service, "VPC Endpoint Id": endpoint}, resets, now)
    # The service's other sets, which a ranking of consumers must not count
    put(aws, "RstPacketsSent", {"Service Id": service}, [999], now)
    put(aws, "RstPacketsSent", {"Load Balancer Arn": nlb, "Service Id": service}, [999], now)
    put(aws, "RstPacketsSent", {"Service Id": "vpce-svc-other", "VPC Endpoint Id": "vpce-stranger"}, [999], now)

    ranked = series_of(aws, search_expression("RstPacketsSent", service, 300), now, "${PROP('Dim.VPC Endpoint Id')}")
    assert [r["Label"] for r in ranked] == [b, c, a]  # highest sum first, each labelled by its endpoint
    assert [sum(r["Values"]) for r in ranked] == [90, 10, 3]

    grouped = series_of(aws, consumer_query("RstPacketsSent", service), now)
    assert [(r["Label"], sum(r["Values"])) for r in grouped] == [(b, 90), (c, 10), (a, 3)]


def test_an_unimplemented_search_is_refused_plainly(aws: Harness) -> None:
    with pytest.raises(ClientError, match="NotImplemented"):
        series_of(aws, "SEARCH('{AWS/EC2,InstanceId} CPU', 'Average', 300)", datetime.now(UTC))


def test_explain_names_the_consumers_in_alarm_with_their_accounts(
    aws: Harness, moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    service, nlb, (a, b, c) = provider_with_consumers(aws, moto_endpoint)
    run_reconcile(aws.clients, aws.settings)  # the consumer alarms now exist
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # Datapoints of this minute, in the period the alarm evaluates now: b's resets at the threshold, 3 to a
    resets = aws.settings.consumer_resets_threshold
    put(aws, "RstPacketsSent", {"Service Id": service, "VPC Endpoint Id": b}, [resets], now + timedelta(minutes=1))
    put(aws, "RstPacketsSent", {"Service Id": service, "VPC Endpoint Id": a}, [3], now + timedelta(minutes=1))

    contributors = read_alarm_contributors(
        aws.clients.cloudwatch, [f"plinsights-{service}-consumer-resets", f"plinsights-{service}-consumer-connections"]
    )
    assert contributors.of(b) == [f"plinsights-{service}-consumer-resets"] and contributors.of(a) == []
    assert contributors.in_alarm[f"plinsights-{service}-consumer-connections"] == ()

    assert main(["explain", service, "--output", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == nlb
    accounts = {row["endpoint"]: row["account"] for row in data["consumers"]}
    assert [accounts[e] for e in (a, b, c)] == list(ACCOUNTS)
    (contributor,) = data["alarm_contributors"][f"plinsights-{service}-consumer-resets"]["contributors"]
    assert contributor["attributes"] == {"VPC Endpoint Id": b}
    # the text report of the same: tests/unit/inspect/test_explain_consumers.py


def test_explain_says_when_the_contributors_cannot_be_read_and_still_reports(
    aws: Harness, moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    service, _, _ = provider_with_consumers(aws, moto_endpoint)
    run_reconcile(aws.clients, aws.settings)
    aws.world.cloudwatch.delete_alarms(AlarmNames=[f"plinsights-{service}-consumer-resets"])  # gone since the plan
    contributors = read_alarm_contributors(aws.clients.cloudwatch, [f"plinsights-{service}-consumer-resets"])
    assert contributors.unknown == {f"plinsights-{service}-consumer-resets": "not created yet"}
