"""The Contributor Insights rule quota of the Region, from Service Quotas (a count quota, never a rate)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients


RATE_WORDS = ("request", "per second", "transactions", "rate of")  # names of rate quotas, should one lack its Period


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
