"""template.yaml's alarm topic and the stack's own alarms: where alarms and announcements go, and
what the stack watches of itself."""

import json
import re

import pytest

from core.artifacts.kind import Plan
from core.model import ActualState, DesiredState, Inventory, RuleQuota
from core.reconcile import Outcome
from core.report import metric_counts
from tests.cfn import function_environment, template

RESOURCES = template()["Resources"]
PARAMETERS = template()["Parameters"]


def test_the_alarm_topic_uses_a_key_cloudwatch_may_use() -> None:
    """Alarms cannot publish to a topic under the AWS managed SNS key: a customer managed key it is."""
    assert RESOURCES["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmKey"}
    key = RESOURCES["AlarmKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    grants = [s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert len(grants) == 1 and set(grants[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_the_email_subscription_exists_only_when_an_address_is_given() -> None:
    assert "AlarmEmailSubscription" not in RESOURCES
    subscription = template({"AlarmEmail": "oncall@example.com"})["Resources"]["AlarmEmailSubscription"]
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}


def every_alarm_action(doc: dict) -> list:
    """Every topic an alarm of the stack or of the function notifies, as the template names it."""
    stack = [
        action
        for resource in doc["Resources"].values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        for key in ("AlarmActions", "OKActions")
        for action in resource["Properties"].get(key, [])
    ]
    return [*stack, function_environment(doc, "ReconcileFunction")["PLINSIGHTS_ALARM_TOPIC_ARN"]]


def test_an_existing_topic_replaces_the_stacks_own_everywhere() -> None:
    existing = "arn:aws:sns:eu-west-1:111122223333:pager"
    doc = template({"ExistingAlarmTopic": existing, "AlarmEmail": "oncall@example.com"})
    assert not {"AlarmTopic", "AlarmTopicPolicy", "AlarmKey", "AlarmKeyAlias"} & set(doc["Resources"])
    assert set(map(json.dumps, every_alarm_action(doc))) == {json.dumps({"Ref": "ExistingAlarmTopic"})}
    assert doc["Resources"]["AlarmEmailSubscription"]["Properties"]["TopicArn"] == {"Ref": "ExistingAlarmTopic"}
    statements = doc["Resources"]["ReconcileFunction"]["Properties"]["Policies"][0]["Statement"]
    (publish,) = [s for s in statements if s["Action"] == "sns:Publish"]
    assert publish["Resource"] == {"Ref": "ExistingAlarmTopic"}
    assert "EncryptAnnouncements" not in {s["Sid"] for s in statements}  # the topic's key is its owner's to grant
    assert re.fullmatch(PARAMETERS["ExistingAlarmTopic"]["AllowedPattern"], existing)
    assert doc["Outputs"]["AlarmSubscribers"]["Value"] == "the subscribers of ExistingAlarmTopic"


def test_the_stacks_own_topic_is_encrypted_and_the_function_may_publish_to_it() -> None:
    assert set(map(json.dumps, every_alarm_action(template()))) == {json.dumps({"Ref": "AlarmTopic"})}
    statements = RESOURCES["ReconcileFunction"]["Properties"]["Policies"][0]["Statement"]
    (encrypt,) = [s for s in statements if s["Sid"] == "EncryptAnnouncements"]
    assert encrypt["Resource"] == {"GetAtt": "AlarmKey.Arn"}
    assert RESOURCES["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmKey"}


def test_a_deployment_whose_alarms_reach_nobody_says_so() -> None:
    assert template()["Outputs"]["AlarmSubscribers"]["Value"].startswith("NOBODY")
    subscribed = template({"AlarmEmail": "oncall@example.com"})["Outputs"]["AlarmSubscribers"]["Value"]
    assert subscribed == {"Sub": "AlarmEmail ${AlarmEmail}, once it confirms the subscription"}


@pytest.mark.parametrize(
    ("alarm", "metric", "threshold"),
    [
        ("DeletionsHeldAlarm", "DeletionsHeld", 1),
        ("RuleQuotaAlarm", "RuleQuotaUsedPercent", {"Ref": "QuotaAlarmPercent"}),
        ("LostMonitoringAlarm", "ResourcesNewlyUnmonitored", 1),
    ],
)
def test_the_stack_alarms_on_what_its_function_reports(alarm: str, metric: str, threshold: object) -> None:
    """Each reads a metric the handler publishes (core/report.py metric_counts) under its deployment's
    dimensions, so that two deployments in one Region never read each other's."""
    environment = function_environment(template(), "ReconcileFunction")
    properties = RESOURCES[alarm]["Properties"]
    assert properties["Namespace"] == environment["POWERTOOLS_METRICS_NAMESPACE"]
    outcome = Outcome(Inventory("us-east-1"), DesiredState(quota=RuleQuota(100, "test")), ActualState(), Plan(), None)
    assert properties["MetricName"] == metric and metric in metric_counts(outcome, throttles=0)
    assert {d["Name"]: d["Value"] for d in properties["Dimensions"]} == {
        "service": environment["POWERTOOLS_SERVICE_NAME"],
        "Deployment": {"Ref": "Prefix"},
    }
    assert properties["Threshold"] == threshold
    assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": "AlarmTopic"}]


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric"),
    [
        ("ReconcileErrorsAlarm", "AWS/Lambda", "Errors"),
        ("FailedInvocationsAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ],
)
def test_the_project_watches_its_own_health(alarm: str, namespace: str, metric: str) -> None:
    properties = RESOURCES[alarm]["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == (namespace, metric)
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]
