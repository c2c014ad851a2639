"""Service Quotas for service code `monitoring` (CloudWatch), which moto lacks: ListServiceQuotas,
ListAWSDefaultServiceQuotas, GetServiceQuota and GetAWSDefaultServiceQuota, in the shapes of the
botocore model (awsJson1_1).

The quotas are AWS's own (General Reference, "Amazon CloudWatch endpoints and quotas", cw_region):
the Contributor Insights rule count, L-DBD11BCC, 100 per Region and adjustable, and some of the
rate quotas listed beside it, which carry a Period (requests per second). Only quotas whose code
that page gives are here. An applied value is set through the local control call
(demo.local_server.control.set_applied_quota); until then the applied value is the default.
ListServiceQuotas lists "the applied quota values ... if the applied quota value is not available
for a quota, the quota is not retrieved" (API reference): a quota can be withheld that way too.
Other service codes go to moto as before (it knows `vpc`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.servicequotas.models import servicequotas_backends

from demo.local_server.state import LocalState, state_of

SERVICE_CODE = "monitoring"
SERVICE_NAME = "Amazon CloudWatch"
PAGE_DEFAULT, PAGE_MAX = 100, 100  # MaxResults 1-100 (model); AWS picks "a value appropriate"


@dataclass(frozen=True, slots=True)
class Quota:
    code: str
    name: str
    default: float
    adjustable: bool
    description: str
    per_second: bool = False  # a rate quota: it carries Period {1, SECOND}


def rate(code: str, operation: str, default: float) -> Quota:
    return Quota(
        code,
        f"Rate of {operation} requests",
        default,
        True,
        f"The maximum number of {operation} requests that you can make, per second, in this account in the current"
        " region.",
        per_second=True,
    )


RULE_QUOTA_CODE = "L-DBD11BCC"
QUOTAS: tuple[Quota, ...] = (
    Quota("L-C1FE0F5C", "Canary limit", 500, True, "The maximum number of canaries per account per region."),
    Quota(
        RULE_QUOTA_CODE,
        "Number of Contributor Insights rules",
        100,
        True,
        "The maximum number of Contributor Insights rules you can have in this account.",
    ),
    rate("L-E1508405", "DeleteDashboards", 10),
    rate("L-7D8B1BC8", "DescribeAlarmContributors", 9),
    rate("L-21CB40A4", "DescribeAlarms", 9),
    rate("L-E82C279D", "GetDashboard", 10),
    rate("L-1F0C4E0C", "GetInsightRuleReport", 20),
    rate("L-5E141212", "GetMetricData", 500),
    rate("L-EE839489", "GetMetricStatistics", 400),
    rate("L-69C44FFD", "ListDashboards", 10),
    rate("L-05D334F0", "ListMetrics", 25),
    rate("L-6753900D", "PutDashboard", 10),
    rate("L-0720E68F", "PutMetricAlarm", 3),
    rate("L-8BC498D4", "PutMetricData", 500),
)
BY_CODE = {quota.code: quota for quota in QUOTAS}


class NoSuchResource(ServiceException):
    code = "NoSuchResourceException"


class IllegalArgument(ServiceException):
    code = "IllegalArgumentException"


class InvalidPaginationToken(ServiceException):
    code = "InvalidPaginationTokenException"


def render_quota(quota: Quota, state: LocalState, applied: bool) -> dict[str, Any]:
    """The ServiceQuota shape; a default's ARN names no account (INFERRED from AWS's examples)."""
    account = state.account_id if applied else ""
    value = state.applied_quotas.get((SERVICE_CODE, quota.code), quota.default) if applied else quota.default
    rendered: dict[str, Any] = {
        "ServiceCode": SERVICE_CODE,
        "ServiceName": SERVICE_NAME,
        "QuotaArn": f"arn:aws:servicequotas:{state.region_name}:{account}:{SERVICE_CODE}/{quota.code}",
        "QuotaCode": quota.code,
        "QuotaName": quota.name,
        "Value": float(value),
        "Unit": "None",
        "Adjustable": quota.adjustable,
        "GlobalQuota": False,
        "QuotaAppliedAtLevel": "ACCOUNT",
        "Description": quota.description,
    }
    if quota.per_second:
        rendered["Period"] = {"PeriodValue": 1, "PeriodUnit": "SECOND"}
    return rendered


def page_of(items: list[dict[str, Any]], max_results: Any, token: Any) -> dict[str, Any]:
    size = PAGE_DEFAULT if max_results is None else int(max_results)
    if not 1 <= size <= PAGE_MAX:
        raise IllegalArgument(f"MaxResults must be between 1 and {PAGE_MAX}, not {size}")
    start = 0
    if token:
        try:
            start = int(base64.b64decode(str(token), validate=True).decode())
        except ValueError:
            raise InvalidPaginationToken("Invalid token") from None
        if not 0 <= start <= len(items):
            raise InvalidPaginationToken("Invalid token")
    page: dict[str, Any] = {"Quotas": items[start : start + size]}
    if start + size < len(items):
        page["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
    return page


def applied_quotas(state: LocalState, quota_code: str | None = None) -> list[dict[str, Any]]:
    return [
        render_quota(quota, state, applied=True)
        for quota in QUOTAS
        if (SERVICE_CODE, quota.code) not in state.withheld_quotas and quota_code in (None, quota.code)
    ]


def quota_or_raise(code: str) -> Quota:
    if code not in BY_CODE:
        raise NoSuchResource(f"The request failed because the specified quota {code} does not exist.")
    return BY_CODE[code]


def handlers(original: Any) -> dict[str, Any]:
    """The response methods of moto's ServiceQuotasResponse, answering `monitoring` here and every
    other service code as moto did."""

    def ours(response: Any) -> bool:
        return bool(response._get_param("ServiceCode") == SERVICE_CODE)

    def moto_backend(response: Any) -> Any:
        return servicequotas_backends[response.current_account][response.region]

    def state(response: Any) -> LocalState:
        return state_of(response.current_account, response.region)

    def list_service_quotas(self: Any) -> Any:
        if not ours(self):  # moto has defaults only (for vpc): those are the applied values then
            defaults = moto_backend(self).list_aws_default_service_quotas(self._get_param("ServiceCode"))
            return ActionResult({"Quotas": defaults})
        level = self._get_param("QuotaAppliedAtLevel") or "ACCOUNT"
        quotas = applied_quotas(state(self), self._get_param("QuotaCode")) if level != "RESOURCE" else []
        return ActionResult(page_of(quotas, self._get_param("MaxResults"), self._get_param("NextToken")))

    def list_aws_default_service_quotas(self: Any) -> Any:
        if not ours(self):
            return original["list_aws_default_service_quotas"](self)
        defaults = [render_quota(quota, state(self), applied=False) for quota in QUOTAS]
        return ActionResult(page_of(defaults, self._get_param("MaxResults"), self._get_param("NextToken")))

    def get_service_quota(self: Any) -> Any:
        if not ours(self):
            return original["get_service_quota"](self)
        quota = quota_or_raise(str(self._get_param("QuotaCode")))
        if (SERVICE_CODE, quota.code) in state(self).withheld_quotas:
            raise NoSuchResource(f"The applied value of quota {quota.code} is not available.")
        return ActionResult({"Quota": render_quota(quota, state(self), applied=True)})

    def get_aws_default_service_quota(self: Any) -> Any:
        if not ours(self):
            quota = moto_backend(self).get_service_quota(self._get_param("ServiceCode"), self._get_param("QuotaCode"))
            return ActionResult({"Quota": quota})
        quota = quota_or_raise(str(self._get_param("QuotaCode")))
        return ActionResult({"Quota": render_quota(quota, state(self), applied=False)})

    return {
        "list_service_quotas": list_service_quotas,
        "list_aws_default_service_quotas": list_aws_default_service_quotas,
        "get_service_quota": get_service_quota,
        "get_aws_default_service_quota": get_aws_default_service_quota,
    }


def set_applied_quota(account_id: str, region: str, code: str, value: float | None, withheld: bool = False) -> None:
    """What an approved increase request does (value), or a quota whose applied value AWS cannot
    give (withheld); value None returns it to its default."""
    quota_or_raise(code)
    state = state_of(account_id, region)
    key = (SERVICE_CODE, code)
    if value is None:
        state.applied_quotas.pop(key, None)
    else:
        if value < 0:
            raise IllegalArgument("A quota value cannot be negative.")
        state.applied_quotas[key] = float(value)
    if withheld:
        state.withheld_quotas.add(key)
    else:
        state.withheld_quotas.discard(key)
