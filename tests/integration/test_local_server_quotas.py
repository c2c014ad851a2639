"""Service Quotas for CloudWatch (`monitoring`) on the local server: the Contributor Insights rule
quota and rate quotas beside it, as AWS lists them, with an applied value the tests can set."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from core.observe.quota import read_rule_quota
from demo.local_server.control import ControlRefusedError, set_applied_quota
from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors

RULE_QUOTA = "L-DBD11BCC"  # Number of Contributor Insights rules (General Reference, cw_region)
DEFAULT_RULES = 100.0


def all_quotas(client, operation: str, **kwargs) -> list[dict]:
    return [
        q
        for page in client.get_paginator(operation).paginate(ServiceCode="monitoring", **kwargs)
        for q in page["Quotas"]
    ]


def test_the_rule_quota_is_listed_as_a_count_beside_rate_quotas_that_carry_a_period(aws: Harness) -> None:
    quotas = {q["QuotaCode"]: q for q in all_quotas(aws.world.session.client("service-quotas"), "list_service_quotas")}
    rule = quotas[RULE_QUOTA]
    assert (rule["QuotaName"], rule["Value"], rule["Adjustable"], "Period" in rule) == (
        "Number of Contributor Insights rules",
        DEFAULT_RULES,
        True,
        False,
    )
    rates = [q for q in quotas.values() if "Period" in q]
    assert rates and all(q["Period"] == {"PeriodValue": 1, "PeriodUnit": "SECOND"} for q in rates)
    assert quotas["L-1F0C4E0C"]["QuotaName"] == "Rate of GetInsightRuleReport requests"


def test_pages_follow_max_results_and_each_page_has_the_model_shape(aws: Harness) -> None:
    client = aws.world.session.client("service-quotas")
    first = client.list_service_quotas(ServiceCode="monitoring", MaxResults=4)
    second = client.list_service_quotas(ServiceCode="monitoring", MaxResults=4, NextToken=first["NextToken"])
    assert len(first["Quotas"]) == len(second["Quotas"]) == 4
    assert not {q["QuotaCode"] for q in first["Quotas"]} & {q["QuotaCode"] for q in second["Quotas"]}
    assert shape_errors(client, "ListServiceQuotas", first) == ""
    assert len(all_quotas(client, "list_service_quotas", MaxResults=4)) == len(
        all_quotas(client, "list_aws_default_service_quotas")
    )


def test_an_applied_value_changes_the_applied_quota_and_never_the_default(aws: Harness, moto_endpoint: str) -> None:
    client = aws.world.session.client("service-quotas")
    set_applied_quota(moto_endpoint, RULE_QUOTA, 300)
    applied = client.get_service_quota(ServiceCode="monitoring", QuotaCode=RULE_QUOTA)
    default = client.get_aws_default_service_quota(ServiceCode="monitoring", QuotaCode=RULE_QUOTA)
    assert (applied["Quota"]["Value"], default["Quota"]["Value"]) == (300.0, DEFAULT_RULES)
    assert ":123456789012:" in applied["Quota"]["QuotaArn"] and "::monitoring/" in default["Quota"]["QuotaArn"]
    assert shape_errors(client, "GetServiceQuota", applied) == ""
    assert read_rule_quota(aws.clients, aws.settings) == (300, f"Service Quotas {RULE_QUOTA}")


def test_a_withheld_applied_value_sends_the_product_to_the_default_list(aws: Harness, moto_endpoint: str) -> None:
    """ListServiceQuotas leaves out a quota whose applied value is not available (API reference)."""
    set_applied_quota(moto_endpoint, RULE_QUOTA, None, withheld=True)
    client = aws.world.session.client("service-quotas")
    assert RULE_QUOTA not in {q["QuotaCode"] for q in all_quotas(client, "list_service_quotas")}
    with aws.recording() as calls:
        assert read_rule_quota(aws.clients, aws.settings) == (100, f"Service Quotas {RULE_QUOTA}")
    assert calls == ["service-quotas:ListServiceQuotas", "service-quotas:ListAWSDefaultServiceQuotas"]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.get_service_quota(ServiceCode="monitoring", QuotaCode="L-00000000"), "NoSuchResourceException"),
        (lambda c: c.list_service_quotas(ServiceCode="monitoring", MaxResults=101), "IllegalArgumentException"),
        (
            lambda c: c.list_service_quotas(ServiceCode="monitoring", NextToken="bm9wZQ=="),
            "InvalidPaginationTokenException",
        ),
    ],
    ids=["unknown quota code", "MaxResults over 100", "a token never given"],
)
def test_refused_like_aws(aws: Harness, call, code: str) -> None:
    with pytest.raises(ClientError) as refused:
        call(aws.world.session.client("service-quotas"))
    assert refused.value.response["Error"]["Code"] == code


def test_the_control_call_refuses_an_unknown_quota(moto_endpoint: str) -> None:
    with pytest.raises(ControlRefusedError, match="L-00000000 does not exist"):
        set_applied_quota(moto_endpoint, "L-00000000", 5)
