"""The series in ALARM of our Metrics Insights alarms, read live for a person (DescribeAlarmContributors).

An alarm over many series (the consumer alarms, core/desire/health_alarms.py) is in ALARM while any
of its series is; each series in ALARM is a contributor, named by its dimensions (here the consumer's
VPC Endpoint Id). Only `plinsights explain` reads them, with the caller's credentials: the
function never does. A refused or failed read says so, alarm by alarm, and never fails the command.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.desire.health_alarms import CONSUMER_HEALTH

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

    from core.reconcile import Outcome

NOT_FOUND = "ResourceNotFoundException"


@dataclass(frozen=True, slots=True)
class AlarmContributor:
    contributor_id: str
    attributes: tuple[tuple[str, str], ...]  # the series' dimensions, sorted
    reason: str
    since: str  # ISO 8601, when it went to ALARM; empty when not told

    def names(self, value: str) -> bool:
        """Whether one of its attributes is this value (an endpoint id, say)."""
        return any(attribute == value for _, attribute in self.attributes)


@dataclass(frozen=True, slots=True)
class AlarmContributors:
    """By alarm name: its contributors in ALARM, or why they could not be read."""

    in_alarm: Mapping[str, tuple[AlarmContributor, ...]] = field(default_factory=dict)
    unknown: Mapping[str, str] = field(default_factory=dict)

    def of(self, endpoint_id: str) -> list[str]:
        """The alarms in which this consumer endpoint is in ALARM."""
        return sorted(name for name, found in self.in_alarm.items() if any(c.names(endpoint_id) for c in found))


def contributor_from_api(item: Mapping[str, Any]) -> AlarmContributor:
    since = item.get("StateTransitionedTimestamp")
    return AlarmContributor(
        contributor_id=str(item.get("ContributorId", "")),
        attributes=tuple(sorted((str(k), str(v)) for k, v in (item.get("ContributorAttributes") or {}).items())),
        reason=str(item.get("StateReason", "")),
        since=since.isoformat() if isinstance(since, datetime) else str(since or ""),
    )


def read_alarm_contributors(cloudwatch: CloudWatchClient, alarm_names: Iterable[str]) -> AlarmContributors:
    """Each alarm's contributors in ALARM, page by page (the API has no boto3 paginator)."""
    in_alarm: dict[str, tuple[AlarmContributor, ...]] = {}
    unknown: dict[str, str] = {}
    for name in sorted(set(alarm_names)):
        found: list[AlarmContributor] = []
        kwargs: dict[str, Any] = {"AlarmName": name}
        try:
            while True:
                page = cloudwatch.describe_alarm_contributors(**kwargs)
                found += [contributor_from_api(item) for item in page.get("AlarmContributors", [])]
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "an error")
            unknown[name] = (
                "not created yet"
                if code == NOT_FOUND
                else f"DescribeAlarmContributors answered {code} (needs cloudwatch:DescribeAlarmContributors)"
            )
            continue
        except BotoCoreError as err:
            unknown[name] = f"DescribeAlarmContributors failed: {err}"
            continue
        in_alarm[name] = tuple(found)
    return AlarmContributors(in_alarm, unknown)


def watched_consumer_alarms(outcome: Outcome, resource_id: str) -> list[str]:
    """The resource's consumer alarms that exist, those DescribeAlarmContributors can answer for."""
    return sorted(
        name
        for name, spec in outcome.desired.alarms.items()
        if spec.resource_id == resource_id and spec.kind in CONSUMER_HEALTH and name in outcome.actual.alarms
    )
