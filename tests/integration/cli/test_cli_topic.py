"""`plan` and `apply` say when the deployment's alarms and announcements reach nobody."""

from __future__ import annotations

import pytest

from cli.main import EXIT_OK, main
from demo.world import build_demo_world
from tests.integration.conftest import Harness

WARNING = "has no confirmed subscriber: its alarms and announcements reach nobody"


@pytest.fixture
def topic(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> str:
    build_demo_world(aws.world)
    arn = aws.world.session.client("sns").create_topic(Name="privatelink-insights-AlarmTopic-1")["TopicArn"]
    monkeypatch.setenv("PLINSIGHTS_ALARM_TOPIC_ARN", arn)
    return arn


def test_a_topic_without_a_subscriber_is_one_warning_line(topic: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan"]) == EXIT_OK
    _, err = capsys.readouterr()
    (line,) = [line for line in err.splitlines() if WARNING in line]
    assert line.startswith(f"plinsights: warning: the alarm topic {topic} ")


def test_a_confirmed_subscriber_silences_it(aws: Harness, topic: str, capsys: pytest.CaptureFixture[str]) -> None:
    sqs = aws.world.session.client("sqs")
    queue = sqs.get_queue_attributes(
        QueueUrl=sqs.create_queue(QueueName="pager")["QueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    aws.world.session.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)
    assert main(["apply", "--auto-approve"]) == EXIT_OK
    _, err = capsys.readouterr()
    assert WARNING not in err and "could not be read" not in err


def test_a_topic_that_cannot_be_read_is_said_so(aws: Harness, topic: str, capsys: pytest.CaptureFixture[str]) -> None:
    aws.world.session.client("sns").delete_topic(TopicArn=topic)
    assert main(["plan"]) == EXIT_OK
    _, err = capsys.readouterr()
    assert f"the alarm topic {topic} could not be read" in err and err.count("\n") >= 1
