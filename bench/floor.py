"""The floor: the least one reconcile could possibly cost, in plain boto3.

It is handed the artifacts to write (the desired state, computed beforehand) and makes only the
reads no reconcile can do without: one call per page of each list API (DescribeInsightRules and
DescribeAlarms page at 500 and 100 on the local server, as on AWS), the consumers of the endpoint
services, one GetDashboard per dashboard that exists, the caller's identity, and the Region's rule
quota (the pages of ListServiceQuotas up to the one that lists it: the quota decides which resources
get rules); then one write per artifact. It decides nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3

OWNER_TAG = "plinsights:owner"
RULE_QUOTA_CODE = "L-DBD11BCC"  # Contributor Insights rules per Region (Service Quotas, monitoring)
LB_ARNS_PER_DESCRIBE_TAGS = 20
PAGE_SIZES = {  # the largest page of each list API
    "describe_vpc_endpoints": 1000,
    "describe_vpc_endpoint_service_configurations": 1000,
    "describe_vpc_endpoint_connections": 1000,
    "describe_network_interfaces": 1000,
    "describe_flow_logs": 1000,
    "describe_vpcs": 1000,
    "describe_load_balancers": 400,
    "describe_alarms": 100,
    "get_resources": 100,
}


def pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    if operation in PAGE_SIZES:
        kwargs["PaginationConfig"] = {"PageSize": PAGE_SIZES[operation]}
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def least_reads(session: boto3.Session, cloudwatch: Any, prefix: str, dashboard_base: str) -> None:
    ec2: Any = session.client("ec2")
    elbv2: Any = session.client("elbv2")
    tagging: Any = session.client("resourcegroupstaggingapi")
    session.client("sts").get_caller_identity()
    quotas: Any = session.client("service-quotas")
    for page in quotas.get_paginator("list_service_quotas").paginate(ServiceCode="monitoring"):
        if any(quota.get("QuotaCode") == RULE_QUOTA_CODE for quota in page.get("Quotas", [])):
            break
    list(pages(ec2, "describe_vpc_endpoints", "VpcEndpoints"))
    if list(pages(ec2, "describe_vpc_endpoint_service_configurations", "ServiceConfigurations")):
        list(pages(ec2, "describe_vpc_endpoint_connections", "VpcEndpointConnections"))  # the services' consumers
    arns = [lb["LoadBalancerArn"] for lb in pages(elbv2, "describe_load_balancers", "LoadBalancers")]
    for start in range(0, len(arns), LB_ARNS_PER_DESCRIBE_TAGS):
        elbv2.describe_tags(ResourceArns=arns[start : start + LB_ARNS_PER_DESCRIBE_TAGS])
    list(pages(ec2, "describe_network_interfaces", "NetworkInterfaces"))
    list(pages(ec2, "describe_flow_logs", "FlowLogs"))
    list(pages(ec2, "describe_vpcs", "Vpcs"))
    token: dict[str, str] = {}
    while True:  # DescribeInsightRules has no paginator
        page = cloudwatch.describe_insight_rules(MaxResults=500, **token)
        if not page.get("NextToken"):
            break
        token = {"NextToken": page["NextToken"]}
    list(pages(cloudwatch, "describe_alarms", "MetricAlarms", AlarmNamePrefix=f"{prefix}-"))
    list(
        pages(
            tagging,
            "get_resources",
            "ResourceTagMappingList",
            TagFilters=[{"Key": OWNER_TAG, "Values": [prefix]}],
            ResourceTypeFilters=["cloudwatch:insight-rule", "cloudwatch:alarm"],
        )
    )
    for entry in pages(cloudwatch, "list_dashboards", "DashboardEntries", DashboardNamePrefix=dashboard_base):
        cloudwatch.get_dashboard(DashboardName=entry["DashboardName"])


def write_all(cloudwatch: Any, writes: list[dict[str, Any]]) -> None:
    for write in writes:
        getattr(cloudwatch, write["operation"])(**write["parameters"])


def floor(session: boto3.Session, prefix: str, dashboard_base: str, writes: list[dict[str, Any]]) -> None:
    cloudwatch: Any = session.client("cloudwatch")
    least_reads(session, cloudwatch, prefix, dashboard_base)
    write_all(cloudwatch, writes)
