"""Whether the deployment's alarms and announcements reach anyone: its topic's confirmed subscribers."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from cli.errors import warn
from core.clients import Clients

UNCONFIRMED = ("PendingConfirmation", "Deleted")  # a SubscriptionArn that delivers to nobody yet


def confirmed_subscribers(clients: Clients, topic_arn: str) -> int:
    """Raises BotoCoreError or ClientError when the topic cannot be read."""
    pages = clients.sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    return sum(
        1
        for page in pages
        for subscription in page.get("Subscriptions", [])
        if subscription.get("SubscriptionArn", "") not in UNCONFIRMED
    )


def warn_when_alarms_reach_nobody(clients: Clients, topic_arn: str) -> None:
    """One warning line when the topic has no confirmed subscriber, or cannot be read; none otherwise."""
    try:
        subscribers = confirmed_subscribers(clients, topic_arn)
    except (BotoCoreError, ClientError) as err:
        warn(f"the alarm topic {topic_arn} could not be read, so whether its alarms reach anyone is unknown: {err}")
        return
    if not subscribers:
        warn(
            f"the alarm topic {topic_arn} has no confirmed subscriber: its alarms and announcements reach nobody; "
            "subscribe to it, or give the stack an AlarmEmail or an ExistingAlarmTopic"
        )
