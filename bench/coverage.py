"""Coverage and cost at the default rule quota: rules of their own for every resource, as before, and
shared rules, as now, over busy Regions of N resources (pure: desired_state on literal inventories).

A busy Region here is what accounts that need automation have: interface endpoints of two ENIs (two
AZs), fifty to a VPC, each VPC with a VPC-level flow log to CloudWatch Logs in the default format,
and one Network Load Balancer of two ENIs behind an endpoint service for every twenty endpoints,
with its own flow log. Costs are the plan's estimate at list prices (rules, alarm metrics,
dashboards; matched events, which scale with traffic, left out), the same code as `plinsights plan`.

    python -m bench.coverage
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.common import table
from core.desire.cost import deployment_cost
from core.desire.flow_logs import DEFAULT_FORMAT
from core.desire.state import DEDICATED_TAG, desired_state
from core.model import FlowLog, Inventory, NetworkInterface, Resource, ResourceKind, RuleKind, RuleQuota
from core.settings import Settings

SIZES = (50, 200, 500, 2000)
DEFAULT_QUOTA = RuleQuota(100, "default")  # Contributor Insights rules per Region (L-DBD11BCC)
ENDPOINTS_PER_VPC = 50
ENDPOINTS_PER_LOAD_BALANCER = 20


def busy_region(endpoints: int, vpcs: int, load_balancers: int, *, dedicated: bool = False) -> Inventory:
    """`endpoints` interface endpoints over `vpcs` VPCs, `load_balancers` NLBs in one provider VPC."""
    tags = ((DEDICATED_TAG, "true"),) if dedicated else ()
    resources: list[Resource] = []
    for n in range(endpoints):
        vpc = f"vpc-c{n % vpcs:03d}"
        resources.append(
            Resource(
                resource_id=f"vpce-{n:017x}",
                kind=ResourceKind.INTERFACE_ENDPOINT,
                state="available",
                vpc_id=vpc,
                enis=tuple(
                    NetworkInterface(f"eni-{n:015x}{az}", f"subnet-{vpc}-{az}", vpc, f"us-east-1{az}") for az in "ab"
                ),
                service_name="com.amazonaws.us-east-1.ssm",
                endpoint_type="Interface",
                tags=tags,
                created=f"2026-01-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}",
            )
        )
    for n in range(load_balancers):
        arn = f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb{n:04d}/{n:016x}"
        resources.append(
            Resource(
                resource_id=arn,
                kind=ResourceKind.NETWORK_LOAD_BALANCER,
                state="active",
                vpc_id="vpc-provider",
                enis=tuple(
                    NetworkInterface(f"eni-lb{n:012x}{az}", f"subnet-p-{az}", "vpc-provider", f"us-east-1{az}")
                    for az in "ab"
                ),
                name=f"lb{n:04d}",
                endpoint_services=(f"vpce-svc-{n:017x}",),
                tags=tags,
            )
        )
    flow_logs = [
        FlowLog(f"fl-{vpc}", vpc, "cloud-watch-logs", f"/flow/{vpc}", "ALL", DEFAULT_FORMAT)
        for vpc in sorted({r.vpc_id for r in resources})
    ]
    return Inventory(region="us-east-1", resources=tuple(resources), flow_logs=tuple(flow_logs))


def region_of(size: int, *, dedicated: bool = False) -> Inventory:
    """A busy Region of `size` resources: one load balancer for every twenty endpoints."""
    load_balancers = round(size / (ENDPOINTS_PER_LOAD_BALANCER + 1))
    endpoints = size - load_balancers
    return busy_region(endpoints, math.ceil(endpoints / ENDPOINTS_PER_VPC), load_balancers, dedicated=dedicated)


@dataclass(frozen=True)
class Coverage:
    design: str
    resources: int
    covered: int  # resources with every rule kind
    rules: int
    alarm_metrics: float
    dashboards: int
    monthly_usd: float
    per_resource_usd: float
    per_covered_usd: float


def coverage_of(size: int, dedicated: bool) -> Coverage:
    # Before: every resource had rules of its own, the whole quota for them.
    settings = Settings(dedicated_rule_share=1.0) if dedicated else Settings()
    region = region_of(size, dedicated=dedicated)
    desired = desired_state(region, settings, DEFAULT_QUOTA)
    kinds = len(RuleKind)
    covered = sum(1 for c in desired.coverage if len({desired.rules[n].kind for n in c.rule_names}) == kinds)
    cost = deployment_cost(desired, settings)
    return Coverage(
        design="rules of their own" if dedicated else "shared rules",
        resources=len(region.resources),
        covered=covered,
        rules=len(desired.rules),
        alarm_metrics=cost.alarm_metrics,
        dashboards=cost.dashboards,
        monthly_usd=cost.fixed_usd,
        per_resource_usd=cost.fixed_usd / len(region.resources),
        per_covered_usd=cost.fixed_usd / covered if covered else math.nan,
    )


def measure_coverage(sizes: tuple[int, ...] = SIZES) -> list[Coverage]:
    return [coverage_of(size, dedicated) for size in sizes for dedicated in (True, False)]


def coverage_lines(figures: list[Coverage]) -> list[str]:
    lines = [
        "Coverage and cost at the default quota of 100 rules (bench/coverage.py): busy Regions of interface",
        "endpoints with two ENIs, fifty to a VPC under a VPC flow log, and a Network Load Balancer for every",
        "twenty endpoints. Covered: every rule kind. Cost: rules, alarm metrics and dashboards a month at",
        "list prices (matched events left out), and that divided by every resource of the Region, and by",
        "those covered.",
        "",
    ]
    rows = [
        (
            f.resources,
            f.design,
            f"{f.covered} ({f.covered / f.resources:.0%})",
            f.rules,
            f"{f.alarm_metrics:g}",
            f.dashboards,
            f"{f.monthly_usd:,.2f}",
            f"{f.per_resource_usd:.2f}",
            f"{f.per_covered_usd:.2f}",
        )
        for f in figures
    ]
    headers = [
        "N", "design", "covered", "rules", "alarm metrics", "dashboards", "USD a month", "per resource", "per covered",
    ]  # fmt: skip
    return lines + table(headers, rows)


if __name__ == "__main__":
    print("\n".join(coverage_lines(measure_coverage())))
