"""Arranges a follow-up through this deployment's reconcile queue: a one-time schedule for a later
one, a message for one at once. The queue is FIFO with one message group, so whatever arrives there
waits for the reconcile in flight (template.yaml: ReconcileQueue)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from core.triggers.events import BACKFILL_SOURCE, FOLLOW_UP_DETAIL_TYPE
from core.triggers.followup import FollowUp

if TYPE_CHECKING:
    from core.clients import Clients


MESSAGE_GROUP = "reconcile"  # the queue's one group: template.yaml's rules and schedule use it too

SCHEDULE_NAME = "follow-up"  # one name: create-or-update keeps one pending follow-up per deployment


@dataclass(frozen=True, slots=True)
class Wiring:
    """What the stack tells the function about its queue and schedule group (template.yaml)."""

    queue_url: str
    queue_arn: str
    schedule_group: str
    schedule_role_arn: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Wiring | None:
        """None outside a deployed stack (the CLI, a direct local call): follow-ups are then only reported."""
        names = ("QUEUE_URL", "QUEUE_ARN", "SCHEDULE_GROUP", "ROLE_ARN")
        values = [environ.get(f"FOLLOW_UP_{name}", "") for name in names]
        return cls(*values) if all(values) else None


@dataclass(frozen=True, slots=True)
class PendingFollowUp:
    """The deployment's one follow-up schedule, while it has not fired."""

    due: datetime | None  # None when its expression is not the at() this module writes
    step: int | None  # the backoff step its message carries; None when unreadable


def pending_follow_up(clients: Clients, wiring: Wiring) -> PendingFollowUp | None:
    """GetSchedule on the one name: ResourceNotFoundException means none is pending (a fired one
    has deleted itself, ActionAfterCompletion DELETE)."""
    scheduler: Any = clients.session.client("scheduler", config=clients.config)
    try:
        schedule = scheduler.get_schedule(GroupName=wiring.schedule_group, Name=SCHEDULE_NAME)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    due: datetime | None = None
    expression = str(schedule.get("ScheduleExpression", ""))
    if expression.startswith("at(") and expression.endswith(")"):
        try:
            due = datetime.strptime(expression[3:-1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            due = None
    step: int | None = None
    try:
        detail = json.loads(str(schedule.get("Target", {}).get("Input", ""))).get("detail", {})
        step = int(detail["step"]) if isinstance(detail.get("step"), int) else None
    except (ValueError, AttributeError, RecursionError):
        step = None
    return PendingFollowUp(due, step)


def follow_up_body(follow_up: FollowUp, due: datetime) -> str:
    """The message the follow-up's reconcile reads; the due time makes each one distinct for the
    queue's content-based deduplication."""
    detail = {"step": follow_up.step, "reason": follow_up.reason, "due": due.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return json.dumps({"source": BACKFILL_SOURCE, "detail-type": FOLLOW_UP_DETAIL_TYPE, "detail": detail})


def arrange_follow_up(clients: Clients, wiring: Wiring, follow_up: FollowUp, now: datetime) -> None:
    """At once: a message straight into the queue, and no schedule left pending beside it. Later: the
    deployment's one schedule, created, or moved if one is pending (ActionAfterCompletion DELETE
    removes it once it has fired, so the next create succeeds)."""
    due = now + timedelta(seconds=follow_up.seconds)
    body = follow_up_body(follow_up, due)
    scheduler: Any = clients.session.client("scheduler", config=clients.config)
    if follow_up.seconds == 0:
        sqs: Any = clients.session.client("sqs", config=clients.config)
        sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=body, MessageGroupId=MESSAGE_GROUP)
        try:
            scheduler.delete_schedule(GroupName=wiring.schedule_group, Name=SCHEDULE_NAME)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        return
    # UpdateSchedule resets every field it is not given to its default (Scheduler API reference),
    # so both calls carry the whole schedule, ActionAfterCompletion included.
    schedule = {
        "GroupName": wiring.schedule_group,
        "Name": SCHEDULE_NAME,
        "ScheduleExpression": f"at({due.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "Description": follow_up.reason[:512],
        "Target": {
            "Arn": wiring.queue_arn,
            "RoleArn": wiring.schedule_role_arn,
            "Input": body,
            "SqsParameters": {"MessageGroupId": MESSAGE_GROUP},
        },
    }
    try:
        scheduler.create_schedule(**schedule)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "ConflictException":
            raise
        scheduler.update_schedule(**schedule)
