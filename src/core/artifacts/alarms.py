"""CloudWatch alarms as an artifact kind: read by DescribeAlarms, proven ours by the owner tag."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from core.alarms import alarm_body
from core.artifacts.kind import ArtifactKind, Reading
from core.artifacts.rules import RULES
from core.model import AlarmSpec, ArtifactSpec, Observed, ObservedArtifact, Write
from core.ownership import alarm_arn, is_owner_tag, owner_tags, tags_of
from core.settings import RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients

ALARMS_PER_PAGE = 100  # DescribeAlarms: MaxRecords, 1 to 100
NAMES_PER_DELETE = 100  # DeleteAlarms: AlarmNames, at most 100


def observe_alarms(reading: Reading, kind: ArtifactKind) -> tuple[dict[str, Observed], tuple[str, ...]]:
    owned: dict[str, Observed] = {}
    lookalikes: list[str] = []
    pages = reading.clients.cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{reading.settings.prefix}-",
        AlarmTypes=["MetricAlarm"],
        PaginationConfig={"PageSize": ALARMS_PER_PAGE},
    )
    for page in pages:
        for alarm in page.get("MetricAlarms", []):
            tags = reading.tags(kind, alarm["AlarmName"], alarm["AlarmArn"])
            if not is_owner_tag(tags, reading.settings):
                lookalikes.append(alarm["AlarmName"])
                continue
            owned[alarm["AlarmName"]] = ObservedArtifact(
                alarm["AlarmName"], alarm_body(alarm), tags.get(RESOURCE_TAG, "")
            )
    return owned, tuple(sorted(lookalikes))


def write_alarm(clients: Clients, settings: Settings, change: Write, notes: list[str]) -> dict[str, str]:
    alarm = change.spec
    assert isinstance(alarm, AlarmSpec)
    parameters: dict[str, Any] = json.loads(alarm.body)
    clients.cloudwatch.put_metric_alarm(**parameters, Tags=owner_tags(settings, alarm.resource_id, alarm.kind.value))
    return {}


def delete_alarms(clients: Clients, names: list[str]) -> dict[str, str]:
    clients.cloudwatch.delete_alarms(AlarmNames=names)
    return {}


def alarm_is_ours_now(clients: Clients, settings: Settings, name: str) -> bool:
    arn = alarm_arn(clients.partition, clients.region, clients.account_id, name)
    return is_owner_tag(tags_of(clients, arn), settings)


def rules_read(spec: ArtifactSpec) -> tuple[tuple[str, str], ...]:
    """An alarm's metric reads its rules: an alarm whose rule failed to be written waits for it."""
    assert isinstance(spec, AlarmSpec)
    return tuple((RULES.name, name) for name in spec.rule_names)


ALARMS = ArtifactKind(
    name="alarm",
    arn_type="alarm",
    observe=observe_alarms,
    is_ours_now=alarm_is_ours_now,
    write=write_alarm,
    delete=delete_alarms,
    write_operation="PutMetricAlarm",
    delete_operation="DeleteAlarms",
    names_per_delete=NAMES_PER_DELETE,
    write_rate=lambda settings: settings.alarm_write_rate,
    prerequisites=rules_read,
)
