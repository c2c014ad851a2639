"""`plinsights top <resource>`: a resource's live rules' top contributors, from GetInsightRuleReport.

A rule is the resource's when its name has our prefix and its tags carry our owner mark and the
resource's id (the tags every rule of ours is created with). GetInsightRuleReport is charged per
call (CloudWatch pricing), so top makes one call per rule of the resource, never one per rule of
the account.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.artifacts.ownership import insight_rule_arn, is_owner_tag, tags_of
from core.inspect.insights_eval import TOP_CONTRIBUTORS, Contributor, Evaluation
from core.inspect.preview import RuleReport, report_order
from core.observe.state import describe_insight_rules
from core.settings import KIND_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

    from core.clients import Clients
    from core.model import Resource


MAX_DATAPOINTS = 1440  # a day of minutes: the report's period grows with longer windows

ORDER_BY = "Sum"  # GetInsightRuleReport: rank by the contributor's sum over the window (or Maximum)


@dataclass(frozen=True, slots=True)
class LiveRule:
    name: str
    resource: str
    kind: str
    log_groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Top:
    resource: str  # as the user named it
    reports: tuple[RuleReport, ...]
    minutes: int


def may_be_of(rule_name: str, prefix: str, resource: Resource) -> bool:
    """Cheap: whether the rule's name can be one of this resource's (names carry the resource's
    short id: vpce-..., or net-<name>-<id>), so that tags are read for these rules only."""
    return rule_name.startswith(f"{prefix}-") and f"-{resource.short_id}-" in rule_name


def live_rules(clients: Clients, settings: Settings, resource: Resource) -> list[LiveRule]:
    """The rules of ours that monitor the resource, read from CloudWatch: our name, our owner tag and
    the resource's id in the resource tag."""
    found = []
    for rule in describe_insight_rules(clients):
        name = rule.get("Name", "")
        if rule.get("ManagedRule") or not may_be_of(name, settings.prefix, resource):
            continue
        tags = tags_of(clients, insight_rule_arn(clients.partition, clients.region, clients.account_id, name))
        if not is_owner_tag(tags, settings) or tags.get(RESOURCE_TAG) != resource.resource_id:
            continue
        found.append(LiveRule(name, resource.resource_id, tags.get(KIND_TAG, ""), log_groups_of(rule)))
    return found


def log_groups_of(rule: dict[str, Any]) -> tuple[str, ...]:
    try:
        return tuple(json.loads(rule.get("Definition", "")).get("LogGroupNames", []))
    except (TypeError, ValueError, AttributeError):
        return ()


def report_period(minutes: int) -> int:
    """Seconds per datapoint: a minute, or more so that the window holds at most MAX_DATAPOINTS."""
    return 60 * max(1, math.ceil(minutes / MAX_DATAPOINTS))


def rule_report(cloudwatch: CloudWatchClient, rule: LiveRule, now: datetime, minutes: int) -> RuleReport:
    """One GetInsightRuleReport: Contributors[].Keys in the rule's key order (KeyLabels), ranked by
    ApproximateAggregateValue; the SampleCount datapoints add up to the log events the rule matched."""
    response = cloudwatch.get_insight_rule_report(
        RuleName=rule.name,
        StartTime=now - timedelta(minutes=minutes),
        EndTime=now,
        Period=report_period(minutes),
        MaxContributorCount=TOP_CONTRIBUTORS,
        OrderBy=ORDER_BY,
        Metrics=["SampleCount"],
    )
    contributors = sorted(
        (Contributor(tuple(c["Keys"]), c["ApproximateAggregateValue"]) for c in response.get("Contributors", [])),
        key=lambda c: (-c.value, c.keys),
    )[:TOP_CONTRIBUTORS]
    matched = sum(point.get("SampleCount", 0) for point in response.get("MetricDatapoints", []))
    evaluation = Evaluation(
        contributors=tuple(contributors),
        key_labels=tuple(response.get("KeyLabels", [])),
        matched=int(matched),
        unique_contributors=int(response.get("ApproximateUniqueCount", len(contributors))),
    )
    return RuleReport(rule.name, rule.resource, rule.kind, rule.log_groups, int(matched), evaluation)


def run_top(
    clients: Clients, settings: Settings, resource: Resource, *, now: float, minutes: int, named: str = ""
) -> Top:
    """The resource's live rules (found by core/inspect/resource_ids.find_resource from what a person
    typed, `named`), each with CloudWatch's report of the `minutes` before `now`."""
    if minutes < 1:
        raise ValueError("minutes must be at least 1")
    moment = datetime.fromtimestamp(now, tz=UTC)
    rules = live_rules(clients, settings, resource)
    reports = [rule_report(clients.cloudwatch, rule, moment, minutes) for rule in rules]
    return Top(named or resource.resource_id, tuple(sorted(reports, key=report_order)), minutes)
