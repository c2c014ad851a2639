"""CloudWatch alarms as an artifact kind: read by DescribeAlarms, proven ours by the owner tag."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from core.artifacts.canonical import canonical_json
from core.artifacts.kind import ArtifactKind, Reading, Write
from core.artifacts.ownership import alarm_arn, is_owner_tag, owner_tags, tags_of
from core.artifacts.rules import RULES
from core.model import AlarmSpec, ArtifactSpec, Observed, ObservedArtifact
from core.settings import KIND_TAG, MONITORING_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


def alarm_body(parameters: Mapping[str, Any]) -> str:
    """The canonical form of an alarm's parameters, the same whether built here or read back."""
    keep = (
        "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
        "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
    )  # fmt: skip
    body: dict[str, Any] = {key: parameters.get(key) for key in keep}
    # DescribeAlarms may fill in defaults and give numbers as floats: each is put in one form here.
    body["Threshold"] = float(body["Threshold"] or 0)  # canonical_json writes 10000.0 as 10000
    body["EvaluationPeriods"] = int(body["EvaluationPeriods"] or 1)
    # DatapointsToAlarm defaults to EvaluationPeriods: a read-back without it is the same alarm.
    body["DatapointsToAlarm"] = int(body["DatapointsToAlarm"] or body["EvaluationPeriods"])
    body["ActionsEnabled"] = body["ActionsEnabled"] is not False  # PutMetricAlarm's default: true
    body["TreatMissingData"] = body["TreatMissingData"] or "missing"  # PutMetricAlarm's default
    body["AlarmDescription"] = body["AlarmDescription"] or ""
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        body[key] = sorted(body[key] or [])
    body["Metrics"] = [metric_query(q) for q in parameters.get("Metrics") or []]
    return canonical_json(body)


def metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    # ReturnData defaults to true; AWS may list it, or leave it out, either way.
    returns = query.get("ReturnData")
    normal: dict[str, Any] = {"Id": query.get("Id"), "ReturnData": returns is None or bool(returns)}
    for key in ("Expression", "Label"):
        if query.get(key):
            normal[key] = query[key]
    if query.get("Period"):
        normal["Period"] = int(query["Period"])
    if stat := query.get("MetricStat"):
        metric = stat.get("Metric", {})
        normal["MetricStat"] = {
            "Metric": {
                "Namespace": metric.get("Namespace"),
                "MetricName": metric.get("MetricName"),
                "Dimensions": sorted(metric.get("Dimensions", []), key=lambda d: d["Name"]),
            },
            "Period": int(stat.get("Period", 0)),
            "Stat": stat.get("Stat"),
        }
    return normal


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
                alarm["AlarmName"],
                alarm_body(alarm),
                tags.get(RESOURCE_TAG, ""),
                tags.get(KIND_TAG, ""),
                announced=tags.get(MONITORING_TAG, ""),
            )
    return owned, tuple(sorted(lookalikes))


def write_alarm(clients: Clients, settings: Settings, change: Write, notes: list[str]) -> dict[str, str]:
    alarm = change.spec
    assert isinstance(alarm, AlarmSpec)
    parameters: dict[str, Any] = json.loads(alarm.body)
    tags = owner_tags(settings, alarm.resource_id, alarm.kind.value)
    if alarm.monitoring:  # a carrier is created remembering the line it was announced with (ignored on update)
        tags.append({"Key": MONITORING_TAG, "Value": alarm.monitoring})
    clients.cloudwatch.put_metric_alarm(**parameters, Tags=tags)
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
