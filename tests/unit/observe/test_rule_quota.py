"""The Contributor Insights rule quota is a count of rules, read from Service Quotas: never a rate
quota listed beside it, and the configured value when no count quota is found."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from core.clients import Clients
from core.observe.quota import read_rule_quota
from core.settings import Settings

SETTINGS = Settings(rule_quota=100)
COUNT_QUOTA = 300  # what the account's count quota was raised to
RATE = {"PeriodValue": 1, "PeriodUnit": "SECOND"}  # a rate quota's Period, as Service Quotas lists it


def quota(name: str, value: float, code: str, period: dict[str, Any] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ServiceCode": "monitoring",
        "ServiceName": "Amazon CloudWatch",
        "QuotaCode": code,
        "QuotaName": name,
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }
    return entry | ({"Period": period} if period else {})


# Rate quotas whose names read like the rule quota: listed first, so a name-only match takes them.
RATE_QUOTAS = [
    quota("Contributor Insights rules: PutInsightRule requests", 5.0, "L-RATE0001", RATE),
    quota("Contributor Insights rule report requests per second", 20.0, "L-RATE0002", RATE),
]
COUNT = quota("Contributor Insights rules", float(COUNT_QUOTA), "L-COUNT001")


@pytest.fixture
def stubbed() -> Iterator[tuple[Clients, Stubber]]:
    clients = Clients(session=boto3.Session(region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"))
    with Stubber(clients.service_quotas) as stubber:
        yield clients, stubber
        stubber.assert_no_pending_responses()


def lists(stubber: Stubber, operation: str, quotas: list[dict[str, Any]]) -> None:
    stubber.add_response(operation, {"Quotas": quotas}, {"ServiceCode": "monitoring"})


def test_the_count_quota_is_read_and_the_rate_quotas_beside_it_are_not(stubbed) -> None:
    clients, stubber = stubbed
    lists(stubber, "list_service_quotas", [*RATE_QUOTAS, COUNT])
    assert read_rule_quota(clients, SETTINGS) == (COUNT_QUOTA, "Service Quotas L-COUNT001")


def test_with_only_rate_quotas_applied_the_aws_default_count_quota_is_read(stubbed) -> None:
    clients, stubber = stubbed
    lists(stubber, "list_service_quotas", RATE_QUOTAS)
    lists(stubber, "list_aws_default_service_quotas", [*RATE_QUOTAS, quota("Contributor Insights rules", 100.0, "L-C")])
    assert read_rule_quota(clients, SETTINGS) == (100, "Service Quotas L-C")


def test_without_any_count_quota_the_configured_value_is_used(stubbed) -> None:
    clients, stubber = stubbed
    lists(stubber, "list_service_quotas", RATE_QUOTAS)
    lists(stubber, "list_aws_default_service_quotas", RATE_QUOTAS)
    assert read_rule_quota(clients, SETTINGS) == (SETTINGS.rule_quota, "configured")


def test_a_rate_quota_is_refused_by_its_name_even_without_a_period(stubbed) -> None:
    """Defensive: should a rate quota come without its Period, its name still says it counts requests."""
    clients, stubber = stubbed
    unperiodic = [{k: v for k, v in q.items() if k != "Period"} for q in RATE_QUOTAS]
    lists(stubber, "list_service_quotas", [*unperiodic, COUNT])
    assert read_rule_quota(clients, SETTINGS)[0] == COUNT_QUOTA


def test_an_unreadable_service_quotas_falls_back_to_the_configured_value(stubbed) -> None:
    clients, stubber = stubbed
    stubber.add_client_error("list_service_quotas", "AccessDeniedException", http_status_code=403)
    assert read_rule_quota(clients, SETTINGS) == (SETTINGS.rule_quota, "configured")
