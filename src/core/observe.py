"""Reads of our own artifacts -> ActualState. Ours means: the name has our prefix AND the artifact
carries our ownership mark (the owner tag; for dashboards, the mark in the body). A look-alike
name alone is never enough."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.alarms import alarm_body
from core.dashboards import dashboard_name, is_ours
from core.errors import DiscoveryError
from core.model import ActualState, ObservedArtifact, ObservedRule, RuleQuota
from core.rules import canonical_definition
from core.settings import OWNER_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


def observe(clients: Clients, settings: Settings) -> ActualState:
    try:
        every_rule = describe_insight_rules(clients)
        rules, rule_lookalikes = observe_rules(clients, settings, every_rule)
        alarms, alarm_lookalikes = observe_alarms(clients, settings)
        dashboards, dashboard_lookalikes = observe_dashboards(clients, settings)
    except (BotoCoreError, ClientError) as err:
        raise DiscoveryError(
            f"reading our own rules, alarms and dashboards failed, nothing will be changed: {err}"
        ) from err
    return ActualState(
        rules=rules,
        alarms=alarms,
        dashboards=dashboards,
        lookalikes={"rule": rule_lookalikes, "alarm": alarm_lookalikes, "dashboard": dashboard_lookalikes},
        quota=RuleQuota(*read_rule_quota(clients, settings), others=len(every_rule) - len(rules)),
    )


def read_rule_quota(clients: Clients, settings: Settings) -> tuple[int, str]:
    """The Contributor Insights rule quota from Service Quotas, found by name (its quota code is
    not documented where we could check); the configured value when it cannot be read."""
    try:
        for operation in ("list_service_quotas", "list_aws_default_service_quotas"):
            for page in clients.service_quotas.get_paginator(operation).paginate(ServiceCode="monitoring"):
                for quota in page.get("Quotas", []):
                    name = quota.get("QuotaName", "").lower()
                    if "contributor insights" in name and "rule" in name and quota.get("Value") is not None:
                        return int(quota["Value"]), f"Service Quotas {quota.get('QuotaCode', '')}".strip()
    except (BotoCoreError, ClientError):
        pass  # the source must not say why: it is shown on the dashboard, which must not churn
    return settings.rule_quota, "configured"


def observe_rules(
    clients: Clients, settings: Settings, every_rule: list[Any]
) -> tuple[dict[str, ObservedRule], tuple[str, ...]]:
    owned: dict[str, ObservedRule] = {}
    lookalikes: list[str] = []
    for rule in every_rule:
        if not rule["Name"].startswith(f"{settings.prefix}-") or rule.get("ManagedRule"):
            continue
        tags = tags_of(clients, insight_rule_arn(clients, rule["Name"]))
        if tags.get(OWNER_TAG) != settings.prefix:
            lookalikes.append(rule["Name"])
            continue
        owned[rule["Name"]] = ObservedRule(
            name=rule["Name"],
            definition=canonical_definition(rule.get("Definition", "")),
            state=rule.get("State", ""),
            resource_id=tags.get(RESOURCE_TAG, ""),
        )
    return owned, tuple(sorted(lookalikes))


def observe_alarms(clients: Clients, settings: Settings) -> tuple[dict[str, ObservedArtifact], tuple[str, ...]]:
    owned: dict[str, ObservedArtifact] = {}
    lookalikes: list[str] = []
    pages = clients.cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{settings.prefix}-", AlarmTypes=["MetricAlarm"]
    )
    for page in pages:
        for alarm in page.get("MetricAlarms", []):
            tags = tags_of(clients, alarm["AlarmArn"])
            if tags.get(OWNER_TAG) != settings.prefix:
                lookalikes.append(alarm["AlarmName"])
                continue
            owned[alarm["AlarmName"]] = ObservedArtifact(
                alarm["AlarmName"], alarm_body(alarm), tags.get(RESOURCE_TAG, "")
            )
    return owned, tuple(sorted(lookalikes))


def observe_dashboards(clients: Clients, settings: Settings) -> tuple[dict[str, ObservedArtifact], tuple[str, ...]]:
    base = dashboard_name(settings, clients.region, 1)
    ours = re.compile(rf"{re.escape(base)}(-[0-9]+)?")
    owned: dict[str, ObservedArtifact] = {}
    lookalikes: list[str] = []
    for page in clients.cloudwatch.get_paginator("list_dashboards").paginate(DashboardNamePrefix=base):
        for entry in page.get("DashboardEntries", []):
            name = entry["DashboardName"]
            if not ours.fullmatch(name):
                continue
            body = clients.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"]
            if is_ours(body, settings):
                owned[name] = ObservedArtifact(name, canonical_definition(body))
            else:
                lookalikes.append(name)
    return owned, tuple(sorted(lookalikes))


def describe_insight_rules(clients: Clients) -> list[Any]:
    """DescribeInsightRules has no boto3 paginator: follow NextToken by hand."""
    rules: list[Any] = []
    kwargs: dict[str, Any] = {"MaxResults": 500}
    while True:
        page = clients.cloudwatch.describe_insight_rules(**kwargs)
        rules += page.get("InsightRules", [])
        if not page.get("NextToken"):
            return rules
        kwargs["NextToken"] = page["NextToken"]


def insight_rule_arn(clients: Clients, name: str) -> str:
    return f"arn:{clients.partition}:cloudwatch:{clients.region}:{clients.account_id}:insight-rule/{name}"


def tags_of(clients: Clients, arn: str) -> dict[str, str]:
    tags = clients.cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}
