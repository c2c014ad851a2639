"""`plinsights top <resource>`: a resource's live rules' top contributors, from GetInsightRuleReport.

A rule is the resource's when its name has our prefix and its tags carry our owner mark and the
resource's id (the tags every rule of ours is created with), or, for a shared rule, when its
interface-id filter reads one of the resource's ENIs. GetInsightRuleReport is charged per call
(CloudWatch pricing), so top makes one call per rule of the resource, never one per rule of the
account. A shared rule's report ranks the contributors of every resource it serves: top asks for
its largest (MAX_CONTRIBUTORS) and keeps those at the resource's ENIs, so a resource whose talkers
are all smaller than the others' shows fewer than ten.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.artifacts.ownership import insight_rule_arn, is_owner_tag, tags_of
from core.desire.rules import SHARED, alias, in_filter_enis
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

MAX_CONTRIBUTORS = 100  # GetInsightRuleReport: MaxContributorCount, 1 to 100


@dataclass(frozen=True, slots=True)
class LiveRule:
    name: str
    resource: str
    kind: str
    log_groups: tuple[str, ...]
    eni_ids: tuple[str, ...] = ()  # a shared rule: the resource's ENIs among those it reads


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
    """The rules of ours that monitor the resource, read from CloudWatch: its own (our name, our
    owner tag and the resource's id in the resource tag), and the shared ones whose interface-id
    filter reads any of its ENIs."""
    found = []
    enis = {eni.eni_id for eni in resource.enis}
    for rule in describe_insight_rules(clients):
        name = rule.get("Name", "")
        if rule.get("ManagedRule"):
            continue
        is_shared = name.startswith(f"{settings.prefix}-{SHARED}-")
        shared = sorted(e for e in in_filter_enis(rule.get("Definition", "")) if e in enis) if is_shared else []
        if not shared and not may_be_of(name, settings.prefix, resource):
            continue
        tags = tags_of(clients, insight_rule_arn(clients.partition, clients.region, clients.account_id, name))
        if not is_owner_tag(tags, settings):
            continue
        if shared:
            found.append(
                LiveRule(name, resource.resource_id, tags.get(KIND_TAG, ""), log_groups_of(rule), tuple(shared))
            )
        elif tags.get(RESOURCE_TAG) == resource.resource_id:
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
        MaxContributorCount=MAX_CONTRIBUTORS if rule.eni_ids else TOP_CONTRIBUTORS,
        OrderBy=ORDER_BY,
        Metrics=["SampleCount"],
    )
    labels = list(response.get("KeyLabels", []))
    at = labels.index(alias("interface-id")) if rule.eni_ids and alias("interface-id") in labels else None
    contributors = sorted(
        (
            Contributor(tuple(c["Keys"]), c["ApproximateAggregateValue"])
            for c in response.get("Contributors", [])
            if at is None or c["Keys"][at] in rule.eni_ids
        ),
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
