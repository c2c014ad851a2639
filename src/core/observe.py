"""Reads of our own artifacts -> ActualState. Ours means: the name has our prefix AND the artifact
carries our ownership mark (the owner tag; for dashboards, the mark in the body). A look-alike
name alone is never enough.

Owner tags are read for all rules and alarms at once from the Resource Groups Tagging API, one
call per page. That index is eventually consistent, and whether it covers insight rules is not
documented where we could check, so it only ever confirms: a prefixed artifact it does not list
as ours has its tags read directly (ListTagsForResource). Before any update or delete, apply reads
the artifact's owner mark once more (`ownership_now`), so neither a lagging index nor a tag removed
while a paced run waits for its turn is ever missed. In a consistent account the steady state costs
no call per artifact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.alarms import alarm_arn, alarm_body
from core.dashboards import dashboard_name, is_ours
from core.errors import DiscoveryError
from core.model import ActualState, Change, ObservedArtifact, ObservedRule, Ownership, RuleQuota
from core.rules import canonical_definition, canonical_rule_definition
from core.settings import OWNER_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


TAGGED_TYPES = {"insight-rule": "rule", "alarm": "alarm"}  # tagging API resource type -> artifact
RESOURCES_PER_PAGE = 100  # GetResources: ResourcesPerPage, 1 to 100
ALARMS_PER_PAGE = 100  # DescribeAlarms: MaxRecords, 1 to 100
RATE_WORDS = ("request", "per second", "transactions", "rate of")  # names of rate quotas, should one lack its Period
NOT_FOUND = {"ResourceNotFoundException", "ResourceNotFound"}  # ListTagsForResource, GetDashboard


class OwnerTags:
    """The tags of each rule and alarm whose owner tag the tagging API lists as ours; the rest are
    read one by one."""

    def __init__(self, clients: Clients, settings: Settings, index: dict[tuple[str, str], dict[str, str]]) -> None:
        self.clients, self.settings, self.index = clients, settings, index

    def of(self, artifact: str, name: str, arn: str) -> dict[str, str]:
        tags = self.index.get((artifact, name))
        if tags is not None and tags.get(OWNER_TAG) == self.settings.prefix:
            return tags
        return tags_of(self.clients, arn)


def observe(clients: Clients, settings: Settings) -> ActualState:
    try:
        index, index_note = owner_tag_index(clients, settings)
        owner_tags = OwnerTags(clients, settings, index)
        every_rule = describe_insight_rules(clients)
        rules, rule_lookalikes = observe_rules(clients, settings, every_rule, owner_tags)
        alarms, alarm_lookalikes = observe_alarms(clients, settings, owner_tags)
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
        notes=(index_note,) if index_note else (),
    )


def owner_tag_index(clients: Clients, settings: Settings) -> tuple[dict[tuple[str, str], dict[str, str]], str]:
    """(artifact, name) -> tags, for every rule and alarm of this account and Region that the
    tagging API lists with our owner tag. When the API cannot be read (no tag:GetResources
    permission, say), it is empty and every prefixed artifact's tags are read one by one."""
    index: dict[tuple[str, str], dict[str, str]] = {}
    pages = clients.tagging.get_paginator("get_resources").paginate(
        # Our owner tag alone: no resource-type filter, since one type the API did not know (its list
        # for insight rules is not confirmed) would fail the whole call. The ARNs tell the types.
        TagFilters=[{"Key": OWNER_TAG, "Values": [settings.prefix]}],
        PaginationConfig={"PageSize": RESOURCES_PER_PAGE},
    )
    try:
        for page in pages:
            for mapping in page.get("ResourceTagMappingList", []):
                if key := artifact_from_arn(mapping.get("ResourceARN", "")):
                    index[key] = {tag["Key"]: tag.get("Value", "") for tag in mapping.get("Tags", [])}
    except (BotoCoreError, ClientError) as err:
        code = err.response.get("Error", {}).get("Code", "") if isinstance(err, ClientError) else ""
        return {}, f"owner tags read one artifact at a time: the tagging API is unreadable ({code or err})"
    return index, ""


def artifact_from_arn(arn: str) -> tuple[str, str] | None:
    """arn:<partition>:cloudwatch:<region>:<account>:insight-rule/<name> or ...:alarm:<name>."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "cloudwatch":
        return None
    for kind, artifact in TAGGED_TYPES.items():
        for separator in ("/", ":"):
            if parts[5].startswith(kind + separator):
                return artifact, parts[5][len(kind) + 1 :]
    return None


def ownership_now(clients: Clients, settings: Settings, change: Change) -> Ownership:
    """The artifact's owner mark as it is now: its owner tag, or for a dashboard the mark in its
    body. Raises BotoCoreError or ClientError when it cannot be read."""
    try:
        if change.artifact == "dashboard":
            body = clients.cloudwatch.get_dashboard(DashboardName=change.name)["DashboardBody"]
            return Ownership.OURS if is_ours(body, settings) else Ownership.NOT_OURS
        arn = (
            insight_rule_arn(clients, change.name)
            if change.artifact == "rule"
            else alarm_arn(clients.partition, clients.region, clients.account_id, change.name)
        )
        owner = tags_of(clients, arn).get(OWNER_TAG)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in NOT_FOUND:
            return Ownership.GONE
        raise
    return Ownership.OURS if owner == settings.prefix else Ownership.NOT_OURS


def read_rule_quota(clients: Clients, settings: Settings) -> tuple[int, str]:
    """The Contributor Insights rule quota from Service Quotas, found by name (its quota code is
    not documented where we could check); the configured value when it cannot be read."""
    try:
        for operation in ("list_service_quotas", "list_aws_default_service_quotas"):
            for page in clients.service_quotas.get_paginator(operation).paginate(ServiceCode="monitoring"):
                for quota in page.get("Quotas", []):
                    if is_rule_count_quota(quota):
                        return int(quota["Value"]), f"Service Quotas {quota.get('QuotaCode', '')}".strip()
    except (BotoCoreError, ClientError):
        pass  # the source must not say why: it is shown on the dashboard, which must not churn
    return settings.rule_quota, "configured"


def is_rule_count_quota(quota: Mapping[str, Any]) -> bool:
    """A count of Contributor Insights rules. Service Quotas lists rate quotas of the same service
    beside count quotas (requests per second, say); those carry a `Period`, and a rate is never a
    number of rules, however its name reads."""
    name = str(quota.get("QuotaName", "")).lower()
    return (
        not quota.get("Period")
        and quota.get("Value") is not None
        and "contributor insights" in name
        and "rule" in name
        and not any(word in name for word in RATE_WORDS)
    )


def observe_rules(
    clients: Clients, settings: Settings, every_rule: list[Any], owner_tags: OwnerTags
) -> tuple[dict[str, ObservedRule], tuple[str, ...]]:
    owned: dict[str, ObservedRule] = {}
    lookalikes: list[str] = []
    for rule in every_rule:
        if not rule["Name"].startswith(f"{settings.prefix}-") or rule.get("ManagedRule"):
            continue
        tags = owner_tags.of("rule", rule["Name"], insight_rule_arn(clients, rule["Name"]))
        if tags.get(OWNER_TAG) != settings.prefix:
            lookalikes.append(rule["Name"])
            continue
        owned[rule["Name"]] = ObservedRule(
            name=rule["Name"],
            definition=canonical_rule_definition(rule.get("Definition", "")),
            state=rule.get("State", ""),
            resource_id=tags.get(RESOURCE_TAG, ""),
        )
    return owned, tuple(sorted(lookalikes))


def observe_alarms(
    clients: Clients, settings: Settings, owner_tags: OwnerTags
) -> tuple[dict[str, ObservedArtifact], tuple[str, ...]]:
    owned: dict[str, ObservedArtifact] = {}
    lookalikes: list[str] = []
    pages = clients.cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{settings.prefix}-",
        AlarmTypes=["MetricAlarm"],
        PaginationConfig={"PageSize": ALARMS_PER_PAGE},
    )
    for page in pages:
        for alarm in page.get("MetricAlarms", []):
            tags = owner_tags.of("alarm", alarm["AlarmName"], alarm["AlarmArn"])
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
