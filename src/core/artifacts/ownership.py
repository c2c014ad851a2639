"""How an artifact is proven ours and named by ARN: the owner tag, the mark in a dashboard's body.

Ours means: the name has our prefix AND the artifact carries our owner mark. Rules and alarms
carry the owner tag (taken at creation only: PutInsightRule and PutMetricAlarm ignore tags on
update); PutDashboard takes no tags, so a dashboard carries the mark in its summary's text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from core.model import Ownership
from core.settings import KIND_TAG, OWNER_TAG, RESOURCE_TAG, Settings

if TYPE_CHECKING:
    from core.clients import Clients


NOT_FOUND = {"ResourceNotFoundException", "ResourceNotFound"}  # ListTagsForResource, GetDashboard


def insight_rule_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account_id}:insight-rule/{name}"


def alarm_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{name}"


def endpoint_service_arn(partition: str, region: str, account_id: str, service_id: str) -> str:
    """The ResourceARN PutManagedInsightRules and ListManagedInsightRules take (aws-facts G5)."""
    return f"arn:{partition}:ec2:{region}:{account_id}:vpc-endpoint-service/{service_id}"


def cloudwatch_resource(arn: str) -> str | None:
    """The resource part of a CloudWatch ARN (`insight-rule/<name>`, `alarm:<name>`), else None."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "cloudwatch":
        return None
    return parts[5]


def owner_tags(settings: Settings, resource_id: str, kind: str) -> list[Any]:
    """The tags a rule or alarm is created with. Ours never change, since the name already carries
    the resource and the kind. A shared rule, and an alarm on one, names no resource: who it serves
    changes while its tags cannot (PutInsightRule and PutMetricAlarm ignore tags on update)."""
    values = {**settings.owner_tags, KIND_TAG: kind} | ({RESOURCE_TAG: resource_id} if resource_id else {})
    return [{"Key": key, "Value": value} for key, value in sorted(values.items())]


def tags_of(clients: Clients, arn: str) -> dict[str, str]:
    tags = clients.cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def is_owner_tag(tags: dict[str, str], settings: Settings) -> bool:
    return tags.get(OWNER_TAG) == settings.prefix


def owner_mark(settings: Settings) -> str:
    """PutDashboard takes no tags: this line in the summary marks a dashboard as ours."""
    return f"plinsights-owner:{settings.prefix}"


def is_ours(body: str, settings: Settings) -> bool:
    """Whether a dashboard body carries our owner mark in its first widget."""
    try:
        widgets = json.loads(body).get("widgets", [])
        return owner_mark(settings) in widgets[0]["properties"]["markdown"]
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        return False


def ownership_now(read: Callable[[], bool]) -> Ownership:
    """Ownership from `read`, which says whether the owner mark is ours as it is now; an artifact
    deleted meanwhile is GONE. Raises BotoCoreError or ClientError when the mark cannot be read."""
    try:
        return Ownership.OURS if read() else Ownership.NOT_OURS
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in NOT_FOUND:
            return Ownership.GONE
        raise
