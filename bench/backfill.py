"""A backfill of the whole Contributor Insights quota at the paced write rates, on a virtual clock."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import boto3
from tests.cfn import template

from bench.common import reset, table
from core.clients import Clients
from core.desire.rules import RULE_TEMPLATES
from core.reconcile import run_reconcile
from core.settings import Settings
from demo.world import World


class VirtualClock:
    """Real time plus the waits, which are counted instead of slept: moto answers each call at its
    own speed, and the pacer's waits show as if they had been slept."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.skipped = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        self.skipped += max(seconds, 0.0)

    @property
    def elapsed(self) -> float:
        return self.now() - self.start


@dataclass
class BackfillFigures:
    resources: int
    rules: int
    alarms: int
    dashboards: int
    paced_seconds: float  # apply's time at the paced rates: moto's real call time plus the waits
    lower_bound: float  # the waits alone: (writes - 1) / rate, per API
    timeout: int
    runs: dict[int, list[dict[str, float]]] = field(default_factory=dict)  # timeout -> runs of a larger backfill


def template_timeout() -> int:
    """The reconcile function's timeout in template.yaml, in seconds."""
    return int(template()["Resources"]["ReconcileFunction"]["Properties"]["Timeout"])


def backfill_world(endpoint: str, endpoints: int, rule_quota: int) -> None:
    """A fresh account with this rule quota: interface endpoints in one VPC with a flow log to CloudWatch Logs."""
    reset(endpoint, rule_quota)
    world = World(boto3.Session())
    vpc, subnets = world.vpc(subnets=2)
    world.flow_log(resource_ids=[vpc], log_group="/bench/backfill")
    for _ in range(endpoints):
        world.interface_endpoint(vpc, subnets, f"com.amazonaws.{world.region}.ssm")


def backfill_runs(endpoint: str, endpoints: int, quota: int, timeout: int, margin: float) -> list[dict[str, float]]:
    """Reconciles until nothing is left to do, each run paced on a virtual clock with the handler's
    deadline (the timeout less the margin): one row per run."""
    backfill_world(endpoint, endpoints, quota)
    settings = Settings.from_env(pacing="on", rule_quota=quota)
    runs: list[dict[str, float]] = []
    for _ in range(6):
        clock = VirtualClock()
        deadline = clock.now() + timeout - margin
        outcome = run_reconcile(Clients(session=boto3.Session()), settings, deadline=deadline, clock=clock)
        result = outcome.result
        assert result is not None
        runs.append(
            {
                "planned": len(outcome.plan.changes),
                "done": len(result.done),
                "deferred": len(result.deferred),
                "failed": len(result.failed),
                "seconds": round(clock.elapsed, 1),
            }
        )
        if not outcome.plan.changes:
            break
    return runs


def measure_backfill(endpoint: str) -> BackfillFigures | None:
    """The whole quota's worth of rules, alarms and a dashboard, applied with pacing on and a
    virtual clock: the waits are counted, not slept."""
    try:
        from handlers.reconcile import DEADLINE_MARGIN  # noqa: PLC0415 - absent before pacing existed
    except ImportError:
        return None

    timeout = template_timeout()
    settings = Settings.from_env(pacing="on", rule_quota=100)
    endpoints = settings.rule_quota // len(RULE_TEMPLATES)  # one rule per kind each: as many as the quota holds
    backfill_world(endpoint, endpoints, settings.rule_quota)
    clock = VirtualClock()
    outcome = run_reconcile(Clients(session=boto3.Session()), settings, clock=clock)
    counts = Counter((c.artifact, c.action) for c in outcome.plan.changes)
    rules = sum(n for (a, _), n in counts.items() if a == "rule")
    alarms = sum(n for (a, _), n in counts.items() if a == "alarm")
    dashboards = sum(n for (a, _), n in counts.items() if a == "dashboard")
    # The first call of each API goes at once; each further one waits 1/rate.
    lower = sum(
        max(n - 1, 0) / rate
        for n, rate in (
            (rules, settings.rule_write_rate),
            (alarms, settings.alarm_write_rate),
            (dashboards, settings.dashboard_write_rate),
        )
    )
    figures = BackfillFigures(endpoints, rules, alarms, dashboards, clock.elapsed, lower, timeout)

    # Four times the quota: under the function's timeout, and under half of it, where it must take
    # several invocations and lose nothing.
    for limit in (timeout, timeout // 2):
        figures.runs[limit] = backfill_runs(endpoint, 4 * endpoints, 4 * 100, limit, DEADLINE_MARGIN)
    return figures


def whose(limit: int, timeout: int) -> str:
    return "the function's" if limit == timeout else "half the function's, to show the hand-over"


def backfill_lines(backfill: BackfillFigures | None) -> list[str]:
    if backfill is None:
        return ["## Backfill at the paced rates", "", "Not measured: this version has no pacing.", ""]
    fits = backfill.paced_seconds < backfill.timeout
    lines = [
        "## Backfill of the whole quota at the paced rates",
        "",
        f"{backfill.resources} interface endpoints: {backfill.rules} rules (of the default quota of 100), "
        f"{backfill.alarms} alarms, {backfill.dashboards} dashboard. At 1 rule write/s, 3 alarm writes/s and "
        f"10 dashboard writes/s the writes alone take {backfill.lower_bound:.0f} s; the whole reconcile, paced "
        f"with a virtual clock over moto's real call times, took {backfill.paced_seconds:.0f} s. The function's "
        f"timeout (template.yaml) is {backfill.timeout} s: it {'fits' if fits else 'does NOT fit'}.",
        "",
    ]
    for limit, runs in backfill.runs.items():
        lines += [
            f"Four times that ({4 * backfill.resources} endpoints, quota 400) with a timeout of {limit} s "
            f"({whose(limit, backfill.timeout)}), each run with the handler's deadline, the timeout less its margin:",
            "",
        ]
        lines += table(
            ["run", "changes planned", "done", "deferred", "failed", "seconds (virtual clock)"],
            [[i, r["planned"], r["done"], r["deferred"], r["failed"], r["seconds"]] for i, r in enumerate(runs, 1)],
        )
        lines.append("")
    return lines
