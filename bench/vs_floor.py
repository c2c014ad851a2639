"""Onboarding and steady state against the floor: one reconcile and the least work the job needs, per world size."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from bench.common import Run, best, measure, reset, table
from bench.worlds import TEN, Layout, build_world
from core.artifacts.dashboards import dashboard_name
from core.artifacts.kind import Delete
from core.artifacts.ownership import owner_tags as tags
from core.clients import Clients
from core.model import AlarmSpec, DashboardSpec, RuleSpec
from core.reconcile import run_reconcile
from core.settings import Settings
from demo.world import World

RULE_QUOTA = "10000"

STEADY_REPEATS = 3

ONBOARDING_REPEATS = 2

STEPS_SHOWN = ("discover", "observe", "desired_state", "make_plan", "apply_plan")


@dataclass
class SizeFigures:
    size: int
    layout: str
    build_seconds: float
    shape: dict[str, Any]
    artifacts: dict[str, int]
    onboarding: Run
    onboarding_floor: Run
    onboarding_traced: Run
    steady: Run
    steady_floor: Run
    steady_traced: Run


def desired_writes(settings: Settings) -> list[dict[str, Any]]:
    """The writes of an onboarding, as the floor makes them: from a dry run's plan."""
    outcome = run_reconcile(Clients(session=boto3.Session()), settings, dry_run=True)
    writes: list[dict[str, Any]] = []
    for change in outcome.plan.changes:
        spec = None if isinstance(change, Delete) else change.spec
        if isinstance(spec, RuleSpec):
            parameters = {
                "RuleName": spec.name,
                "RuleState": spec.state,
                "RuleDefinition": spec.definition,
                "Tags": tags(settings, spec.resource_id, spec.kind.value),
            }
            writes.append({"operation": "put_insight_rule", "parameters": parameters})
        elif isinstance(spec, AlarmSpec):
            parameters = {**json.loads(spec.body), "Tags": tags(settings, spec.resource_id, spec.kind.value)}
            writes.append({"operation": "put_metric_alarm", "parameters": parameters})
        elif isinstance(spec, DashboardSpec):
            parameters = {"DashboardName": spec.name, "DashboardBody": spec.body}
            writes.append({"operation": "put_dashboard", "parameters": parameters})
    return writes


def wipe(cloudwatch: Any) -> None:
    """Back to an account with none of our artifacts, the world left as it is."""
    names: list[str] = []
    token: dict[str, str] = {}
    while True:  # DescribeInsightRules pages at 500, like AWS, on the local server
        page = cloudwatch.describe_insight_rules(MaxResults=500, **token)
        names += [r["Name"] for r in page.get("InsightRules", [])]
        if not page.get("NextToken"):
            break
        token = {"NextToken": page["NextToken"]}
    for start in range(0, len(names), 100):
        cloudwatch.delete_insight_rules(RuleNames=names[start : start + 100])
    alarms = [a["AlarmName"] for p in cloudwatch.get_paginator("describe_alarms").paginate() for a in p["MetricAlarms"]]
    for start in range(0, len(alarms), 100):
        cloudwatch.delete_alarms(AlarmNames=alarms[start : start + 100])
    dashboards = [d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]]
    if dashboards:
        cloudwatch.delete_dashboards(DashboardNames=dashboards)


def measure_size(endpoint: str, size: int, workdir: Path, warm_up: bool, layout: Layout = TEN) -> SizeFigures:
    reset(endpoint, int(RULE_QUOTA))
    world = World(boto3.Session())
    start = time.perf_counter()
    shape = build_world(world, size, layout)
    build_seconds = time.perf_counter() - start
    settings = Settings.from_env()
    writes = desired_writes(settings)
    job = workdir / f"writes-{size}.json"
    dashboard_base = dashboard_name(settings, world.region, 1)
    job.write_text(json.dumps({"prefix": settings.prefix, "dashboard_base": dashboard_base, "writes": writes}))
    reads_only = workdir / "reads-only.json"
    reads_only.write_text(json.dumps({"prefix": settings.prefix, "dashboard_base": dashboard_base, "writes": []}))

    if warm_up:  # moto loads each service's backend, and warms each path, on its first request
        measure("floor", str(job))
        wipe(world.cloudwatch)
    floors, onboardings = [], []
    for _ in range(ONBOARDING_REPEATS):  # alternated, so that a busy moment hits both alike
        floors.append(measure("floor", str(job)))
        wipe(world.cloudwatch)
        onboardings.append(measure("reconcile"))
        wipe(world.cloudwatch)
    onboarding_traced = measure("reconcile", "--trace")
    steadies, steady_floors = [], []
    for _ in range(STEADY_REPEATS):
        steadies.append(measure("reconcile"))
        steady_floors.append(measure("floor", str(reads_only)))
    steady_traced = measure("reconcile", "--trace")
    onboarding, onboarding_floor = best(onboardings), best(floors)
    steady, steady_floor = best(steadies), best(steady_floors)
    for run in (onboarding, onboarding_traced, steady, steady_traced):
        if run.extra.get("failed"):
            raise RuntimeError(f"N={size}: changes failed: {run.extra['failed'][:5]}")
    kinds = Counter(w["operation"] for w in writes)
    return SizeFigures(
        size=size,
        layout=layout.name,
        build_seconds=build_seconds,
        shape={
            "vpcs": shape.vpcs,
            "enis": shape.enis,
            "flow_logs": shape.flow_logs,
            "consumers": shape.consumers,
            "dedicated": shape.dedicated,
            **shape.kinds,
        },
        artifacts={
            "rules": kinds["put_insight_rule"],
            "alarms": kinds["put_metric_alarm"],
            "dashboards": kinds["put_dashboard"],
        },
        onboarding=onboarding,
        onboarding_floor=onboarding_floor,
        onboarding_traced=onboarding_traced,
        steady=steady,
        steady_floor=steady_floor,
        steady_traced=steady_traced,
    )


def calls_by_operation(figures: Sequence[SizeFigures], pick: Callable[[SizeFigures], Run]) -> list[str]:
    operations = sorted({op for f in figures for op in pick(f).calls})
    rows = [[f"`{op}`", *(pick(f).calls.get(op, 0) for f in figures)] for op in operations]
    rows.append(["**total**", *(f"**{pick(f).total}**" for f in figures)])
    return table(["operation", *(f"N={f.size}" + ("" if f.layout == TEN.name else " (fifty)") for f in figures)], rows)
