"""What AWS does around the handler on the queue path, played against the local moto server: the
reconcile queue and its dead-letter queue as template.yaml makes them, the event source mapping's
receive-invoke-delete loop, and states moto does not model (a resource still pending)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from moto.ec2.models import ec2_backends
from moto.elbv2.models import FakeLoadBalancer, elbv2_backends

from core.triggers.delivery import MESSAGE_GROUP
from tests.cfn import template
from tests.iam import MOTO_ACCOUNT

QUEUE = template()["Resources"]["ReconcileQueue"]["Properties"]
BATCH_SIZE = template()["Resources"]["ReconcileQueueMapping"]["Properties"]["BatchSize"]
MAX_RECEIVES = QUEUE["RedrivePolicy"]["maxReceiveCount"]


@dataclass
class Queues:
    sqs: Any
    url: str
    arn: str
    dead_letter_url: str
    schedule_group: str
    role_arn: str = f"arn:aws:iam::{MOTO_ACCOUNT}:role/follow-up"

    def environment(self) -> dict[str, str]:
        return {
            "FOLLOW_UP_QUEUE_URL": self.url,
            "FOLLOW_UP_QUEUE_ARN": self.arn,
            "FOLLOW_UP_SCHEDULE_GROUP": self.schedule_group,
            "FOLLOW_UP_ROLE_ARN": self.role_arn,
        }

    def send(self, body: dict[str, Any] | str) -> None:
        """As an EventBridge rule or the schedule sends: into the one message group."""
        text = body if isinstance(body, str) else json.dumps(body)
        self.sqs.send_message(QueueUrl=self.url, MessageBody=text, MessageGroupId=MESSAGE_GROUP)

    def receive(self, url: str | None = None) -> list[dict[str, Any]]:
        """One poll of the event source mapping: up to a batch, in Lambda's record shape."""
        messages = self.sqs.receive_message(
            QueueUrl=url or self.url, MaxNumberOfMessages=BATCH_SIZE, AttributeNames=["All"]
        ).get("Messages", [])
        return [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": self.arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]

    def delete(self, records: list[dict[str, Any]]) -> None:
        """What the mapping does when the invocation succeeds."""
        for record in records:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=record["receiptHandle"])

    def time_out(self, records: list[dict[str, Any]]) -> None:
        """The visibility timeout running out after a failed invocation: the batch is back."""
        for record in records:
            self.sqs.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
            )

    def depth(self, url: str | None = None) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def make_queues(session: boto3.Session, name: str = "reconcile") -> Queues:
    sqs: Any = session.client("sqs")
    dead = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(MAX_RECEIVES)}
    attributes = {
        "FifoQueue": "true",
        "ContentBasedDeduplication": str(QUEUE["ContentBasedDeduplication"]).lower(),
        "VisibilityTimeout": str(QUEUE["VisibilityTimeout"]),
        "RedrivePolicy": json.dumps(redrive),
    }
    url = sqs.create_queue(QueueName=f"{name}.fifo", Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    group = f"{name}-follow-ups"
    session.client("scheduler").create_schedule_group(Name=group)
    return Queues(sqs, url, arn, dead, group)


def set_endpoint_state(endpoint_id: str, state: str, region: str = "us-east-1") -> None:
    """moto makes every endpoint available at once; AWS keeps a new one pending for a while."""
    ec2_backends[MOTO_ACCOUNT][region].vpc_end_points[endpoint_id].state = state


def set_load_balancer_state(arn: str, state: str, region: str = "us-east-1") -> None:
    elbv2_backends[MOTO_ACCOUNT][region].load_balancers[arn].state = state


def keep_provisioning(monkeypatch: Any) -> None:
    """moto activates a load balancer as soon as it is described; AWS takes its time."""
    monkeypatch.setattr(FakeLoadBalancer, "activate", lambda self: None)
