"""Reads of our own artifacts -> ActualState. Ours means: the name has our prefix AND the artifact
carries our ownership mark (the owner tag; for dashboards, the mark in the body). A look-alike
name alone is never enough.

Owner tags are read for all rules and alarms at once from the Resource Groups Tagging API, one
call per page. That index is eventually consistent, and whether it covers insight rules is not
documented where we could check, so it only ever confirms: a prefixed artifact it does not list
as ours has its tags read directly (ListTagsForResource). Before any update or delete, apply reads
the artifact's owner mark once more (`owner_mark_now`), so neither a lagging index nor a tag removed
while a paced run waits for its turn is ever missed. In a consistent account the steady state costs
no call per artifact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.artifacts import ARTIFACTS, MANAGED_RULES, RULES
from core.artifacts.kind import Change, Reading
from core.artifacts.ownership import cloudwatch_resource, ownership_now
from core.errors import DiscoveryError
from core.model import ActualState, Observed, Ownership, RuleQuota
from core.observe.quota import read_rule_quota
from core.progress import Progress
from core.settings import OWNER_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


RESOURCES_PER_PAGE = 100  # GetResources: ResourcesPerPage, 1 to 100


def observe(clients: Clients, settings: Settings, progress: Progress | None = None) -> ActualState:
    """`progress` hears a status line per step: reading one artifact's tags at a time can take a while."""
    try:
        if progress:
            progress.status("reading the owner tags and the insight rules of the Region")
        index, index_note = owner_tag_index(clients, settings)
        reading = Reading(clients, settings, index, describe_insight_rules(clients))
        owned: dict[str, dict[str, Observed]] = {}
        lookalikes: dict[str, tuple[str, ...]] = {}
        for kind in ARTIFACTS:
            if progress:
                found = sum(len(artifacts) for artifacts in owned.values())
                progress.status(f"reading our {kind.name}s ({found} artifacts of ours so far)")
            owned[kind.name], lookalikes[kind.name] = kind.observe(reading, kind)
    except (BotoCoreError, ClientError) as err:
        raise DiscoveryError(
            f"reading our own rules, alarms and dashboards failed, nothing will be changed: {err}"
        ) from err
    ours = len(owned[RULES.name]) + len(owned[MANAGED_RULES.name])  # both are rules of the quota
    return ActualState(
        artifacts=owned,
        lookalikes=lookalikes,
        quota=RuleQuota(*read_rule_quota(clients, settings), others=len(reading.insight_rules) - ours),
        notes=(index_note,) if index_note else (),
    )


def owner_tag_index(clients: Clients, settings: Settings) -> tuple[dict[tuple[str, str], dict[str, str]], str]:
    """(kind's name, name) -> tags, for every rule and alarm of this account and Region that the
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
    """(kind's name, name) from arn:<partition>:cloudwatch:<region>:<account>:insight-rule/<name>
    or ...:alarm:<name>."""
    resource = cloudwatch_resource(arn)
    if resource is None:
        return None
    for kind in ARTIFACTS:
        for separator in ("/", ":"):
            if kind.arn_type and resource.startswith(kind.arn_type + separator):
                return kind.name, resource[len(kind.arn_type) + 1 :]
    return None


def owner_mark_now(clients: Clients, settings: Settings, change: Change) -> Ownership:
    """The artifact's owner mark as it is now. Raises BotoCoreError or ClientError when it cannot be read."""
    return ownership_now(lambda: change.kind.is_ours_now(clients, settings, change.name))


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
