"""Telling: one SNS message for the run's announcements, then the carriers tagged with what was told."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from core.announce.changes import Announcement, message, subject, to_tell
from core.artifacts import ALARMS
from core.artifacts.kind import Delete, Plan
from core.artifacts.ownership import alarm_arn
from core.settings import MONITORING_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


def tell(clients: Clients, settings: Settings, found: Sequence[Announcement], plan: Plan) -> tuple[bool, list[str]]:
    """Publishes the announcements to the alarm topic, then tags each carrier that exists and that
    the plan does not delete with its line; (told, notes). Nothing is remembered unless it was told:
    without a topic, or when publishing fails, the next run with a topic tells it. A carrier whose
    tag cannot be written tells its change once more next run (told twice, never lost)."""
    if not settings.alarm_topic_arn:
        return False, []
    notes: list[str] = []
    if telling := to_tell(found):
        try:
            clients.sns.publish(
                TopicArn=settings.alarm_topic_arn,
                Subject=subject(telling, settings.prefix, clients.region),
                Message=message(telling, settings.prefix, clients.region),
            )
        except (BotoCoreError, ClientError) as err:
            return False, [
                f"the monitoring changes of {len(telling)} resources were not published; the next run tells them: {err}"
            ]
    deleting = {c.name for c in plan.changes if isinstance(c, Delete) and c.kind is ALARMS}
    for announcement in found:
        if not announcement.carrier_exists or announcement.carrier in deleting:
            continue  # a new carrier is created with its line; a deleted one needs none
        arn = alarm_arn(clients.partition, clients.region, clients.account_id, announcement.carrier)
        try:
            clients.cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": MONITORING_TAG, "Value": announcement.now}])
        except (BotoCoreError, ClientError) as err:
            notes.append(f"{announcement.carrier}: what was told is not remembered, so it is told again: {err}")
    return True, notes
