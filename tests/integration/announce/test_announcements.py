"""Announcements on the local server, read as a subscriber reads them: an SQS queue subscribed to the
alarm topic. Each change of a resource's monitoring arrives once, whatever the number of runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import pytest

from core.reconcile import run_reconcile
from core.report import metric_counts, summary
from core.settings import MONITORING_TAG
from tests.integration.conftest import Harness, subscribed_topic

TOPIC_NAME = "privatelink-insights-AlarmTopic-1"


@dataclass
class Subscriber:
    sns: Any
    sqs: Any
    topic_arn: str
    queue_url: str

    def messages(self) -> list[tuple[str, str]]:
        """(subject, message) of every notification delivered since the last read."""
        received = []
        while batch := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            for entry in batch:
                notification = json.loads(entry["Body"])
                received.append((notification.get("Subject", ""), notification["Message"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=entry["ReceiptHandle"])
        return received


def subscribed(aws: Harness, topic_name: str = TOPIC_NAME) -> Subscriber:
    topic_arn, queue_url = subscribed_topic(aws.world, topic_name)
    return Subscriber(aws.world.session.client("sns"), aws.world.session.client("sqs"), topic_arn, queue_url)


@pytest.fixture
def watched(aws: Harness) -> tuple[Harness, Subscriber, str, str]:
    """One interface endpoint under a VPC flow log, reconciled once with a topic subscribed to."""
    subscriber = subscribed(aws)
    aws.settings = replace(aws.settings, alarm_topic_arn=subscriber.topic_arn)
    vpc, subnets = aws.world.vpc(subnets=2)
    endpoint = aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.us-east-1.ssm")
    (flow_log,) = aws.world.flow_log(resource_ids=[vpc], log_group="/flow")
    run_reconcile(aws.clients, aws.settings)
    return aws, subscriber, endpoint, flow_log


def carrier_line(aws: Harness, endpoint: str) -> str:
    """The monitoring tag on the endpoint's alarms, as the account holds it."""
    alarms = aws.world.cloudwatch.describe_alarms(AlarmNamePrefix=f"plinsights-{endpoint}")["MetricAlarms"]
    tagged = [
        tag["Value"]
        for alarm in alarms
        for tag in aws.world.cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        if tag["Key"] == MONITORING_TAG
    ]
    assert len(tagged) == 1, tagged  # one alarm of the resource carries it
    return tagged[0]


def test_a_lost_flow_log_is_told_once_and_its_return_once(watched) -> None:
    aws, subscriber, endpoint, flow_log = watched
    assert subscriber.messages() == []  # a new, fully monitored endpoint is no news
    assert carrier_line(aws, endpoint) == "rules:bytes+tcpflows+rejects"

    aws.world.ec2.delete_flow_logs(FlowLogIds=[flow_log])
    outcome = run_reconcile(aws.clients, aws.settings)
    ((title, text),) = subscriber.messages()
    assert title == "PrivateLink plinsights us-east-1: 1 lost monitoring"
    assert f"- {endpoint} (interface endpoint" in text and "lost its flow-log rules (bytes, tcpflows, rejects)" in text
    assert "Why: no flow log covers its network interfaces" in text and "What to do:" in text
    assert outcome.told and metric_counts(outcome, 0)["ResourcesNewlyUnmonitored"] == 1
    assert summary(outcome, dry_run=False)["announcements"][0]["lost"] == ["bytes", "tcpflows", "rejects"]
    assert carrier_line(aws, endpoint) == "metrics-only:flow-logs"

    for _ in range(2):  # never on every run
        again = run_reconcile(aws.clients, aws.settings)
        assert subscriber.messages() == [] and metric_counts(again, 0)["ResourcesNewlyUnmonitored"] == 0

    aws.world.flow_log(
        resource_ids=[aws.world.ec2.describe_vpc_endpoints()["VpcEndpoints"][0]["VpcId"]], log_group="/flow"
    )
    run_reconcile(aws.clients, aws.settings)
    ((title, text),) = subscriber.messages()
    assert title == "PrivateLink plinsights us-east-1: 1 monitored again"
    assert (
        f"{endpoint} (interface endpoint" in text and "monitored again: flow-log rules bytes, tcpflows, rejects" in text
    )
    run_reconcile(aws.clients, aws.settings)
    assert subscriber.messages() == []


def test_an_exclusion_is_told_once(watched) -> None:
    aws, subscriber, endpoint, _ = watched
    aws.world.ec2.create_tags(Resources=[endpoint], Tags=[{"Key": "plinsights:exclude", "Value": "true"}])
    run_reconcile(aws.clients, aws.settings)
    ((_, text),) = subscriber.messages()
    assert f"{endpoint} (interface endpoint" in text and "no longer monitored: excluded" in text
    run_reconcile(aws.clients, aws.settings)
    assert subscriber.messages() == []


def test_a_dry_run_tells_nobody_and_what_it_would_tell_waits_for_a_real_run(watched) -> None:
    aws, subscriber, endpoint, flow_log = watched
    aws.world.ec2.delete_flow_logs(FlowLogIds=[flow_log])
    planned = run_reconcile(aws.clients, aws.settings, dry_run=True)
    assert subscriber.messages() == [] and not planned.told
    assert [a["id"] for a in summary(planned, dry_run=True)["announcements"]] == [endpoint]
    run_reconcile(aws.clients, aws.settings)
    assert len(subscriber.messages()) == 1


def test_what_could_not_be_published_is_told_by_the_next_run(aws: Harness) -> None:
    """A topic that cannot be published to (deleted, say, or its key refused): nothing is remembered,
    so the next run that can publish tells it, for a resource whose alarms are created meanwhile too."""
    missing = f"arn:aws:sns:us-east-1:123456789012:{TOPIC_NAME}"
    aws.settings = replace(aws.settings, alarm_topic_arn=missing)
    vpc, subnets = aws.world.vpc(subnets=2)
    endpoint = aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.us-east-1.ssm")  # no flow log: told
    failed = run_reconcile(aws.clients, aws.settings)
    assert not failed.told and any("were not published" in note for note in summary(failed, False)["notes"])
    assert not failed.failed  # the monitoring itself was written
    subscriber = subscribed(aws)
    assert subscriber.topic_arn == missing
    run_reconcile(aws.clients, aws.settings)
    ((title, text),) = subscriber.messages()
    assert (
        "1 lost monitoring" in title
        and f"{endpoint} (interface endpoint" in text
        and "cannot have flow-log rules" in text
    )
    run_reconcile(aws.clients, aws.settings)
    assert subscriber.messages() == []
