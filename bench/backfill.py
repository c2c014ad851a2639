"""Backfills at the paced write rates, on a virtual clock: the whole default quota of shared rules
in one run, and the onboarding of a busy Region (N=2000, fifty a VPC) at the default quota, run after
run with the handler's deadline, each handing the deferred rest to the next by the product's own
follow-up decision."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from tests.cfn import template

from bench.common import reset, table
from bench.worlds import FIFTY, build_world
from core.clients import Clients
from core.desire.rules import MAX_IN_VALUES, RULE_TEMPLATES
from core.reconcile import Outcome, apply_outcome, run_reconcile
from core.settings import Settings
from core.triggers.events import Trigger
from core.triggers.followup import decide_follow_up
from demo.world import World

DEFAULT_QUOTA = 100  # Contributor Insights rules per Region (L-DBD11BCC)
BUSY_SIZE = 2000
MAX_RUNS = 12
ONE_VCPU_MB = 1769  # Lambda: at 1,769 MB a function has the equivalent of one vCPU (configuration-memory)


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
    busy: dict[str, Any] = field(default_factory=dict)  # the busy Region: its shape and its runs


def template_timeout() -> int:
    """The reconcile function's timeout in template.yaml, in seconds."""
    return int(template()["Resources"]["ReconcileFunction"]["Properties"]["Timeout"])


def template_memory() -> int:
    """The reconcile function's memory in template.yaml, in MB: it sets the function's CPU share."""
    return int(template()["Resources"]["ReconcileFunction"]["Properties"]["MemorySize"])


def cpu_stretch(memory_mb: int) -> float:
    """How many times longer a CPU-bound second here takes in the function: Lambda gives a function
    memory_mb / 1769 of a vCPU, at most all of one thread's."""
    return max(ONE_VCPU_MB / memory_mb, 1.0)


def backfill_world(endpoint: str, endpoints: int, rule_quota: int) -> None:
    """A fresh account with this rule quota: interface endpoints (two ENIs each) in one VPC with a
    flow log to CloudWatch Logs."""
    reset(endpoint, rule_quota)
    world = World(boto3.Session())
    vpc, subnets = world.vpc(subnets=2)
    world.flow_log(resource_ids=[vpc], log_group="/bench/backfill")
    for _ in range(endpoints):
        world.interface_endpoint(vpc, subnets, f"com.amazonaws.{world.region}.ssm")


def counts(outcome: Outcome) -> Counter[str]:
    return Counter(change.artifact for change in outcome.plan.changes)


def paced_runs(settings: Settings, timeout: int, margin: float) -> list[dict[str, float]]:
    """Reconciles until nothing is left to do, each run paced on a virtual clock with the handler's
    deadline (the timeout less the margin), the next one started when the product's follow-up
    decision says (deferred writes: at once, through the queue): one row per run. Each run is the
    handler's run_reconcile in its two halves (the read and the plan, then apply_outcome), timed
    apart: wall time on the virtual clock, the pacer's waits, and the CPU time of this thread (the
    local server answers in threads of its own)."""
    runs: list[dict[str, float]] = []
    trigger = Trigger("backfill")
    for _ in range(MAX_RUNS):
        clock = VirtualClock()
        deadline = clock.now() + timeout - margin
        clients, cpu = Clients(session=boto3.Session()), time.thread_time()
        planned_outcome = run_reconcile(clients, settings, dry_run=True, clock=clock)
        plan_seconds, plan_cpu = clock.elapsed, time.thread_time() - cpu
        outcome = apply_outcome(clients, settings, planned_outcome, deadline=deadline, clock=clock)
        result = outcome.result
        assert result is not None
        pending = sum(1 for c in outcome.desired.coverage if c.pending)
        decision = decide_follow_up([trigger], pending, len(result.deferred), clock.elapsed)
        planned = counts(outcome)
        runs.append(
            {
                "planned": len(outcome.plan.changes),
                "rules": planned["rule"],
                "alarms": planned["alarm"],
                "dashboards": planned["dashboard"],
                "done": len(result.done),
                "deferred": len(result.deferred),
                "failed": len(result.failed),
                "plan_seconds": plan_seconds,
                "plan_cpu": plan_cpu,
                "waits": clock.skipped,
                "seconds": clock.elapsed,
                "cpu": time.thread_time() - cpu,
                "follow_up": -1 if decision.follow_up is None else decision.follow_up.seconds,
            }
        )
        if decision.follow_up is None:
            break
        trigger = Trigger("follow-up", step=decision.follow_up.step)
    return runs


def measure_backfill(endpoint: str) -> BackfillFigures:
    """The whole default quota's worth of shared rules, their alarms and a dashboard, applied with
    pacing on and a virtual clock (the waits are counted, not slept); then the busy Region."""
    from handlers.reconcile import DEADLINE_MARGIN  # noqa: PLC0415 - the handler's own margin

    timeout = template_timeout()
    settings = Settings.from_env(pacing="on", rule_quota=DEFAULT_QUOTA)
    # Shared rules: each rule kind's rules read ten ENIs each, five endpoints of two.
    endpoints = DEFAULT_QUOTA // len(RULE_TEMPLATES) * (MAX_IN_VALUES // 2)
    backfill_world(endpoint, endpoints, DEFAULT_QUOTA)
    clock = VirtualClock()
    outcome = run_reconcile(Clients(session=boto3.Session()), settings, clock=clock)
    planned = counts(outcome)
    # The first call of each API goes at once; each further one waits 1/rate.
    lower = sum(
        max(n - 1, 0) / rate
        for n, rate in (
            (planned["rule"], settings.rule_write_rate),
            (planned["alarm"], settings.alarm_write_rate),
            (planned["dashboard"], settings.dashboard_write_rate),
        )
    )
    figures = BackfillFigures(
        endpoints, planned["rule"], planned["alarm"], planned["dashboard"], clock.elapsed, lower, timeout
    )

    reset(endpoint, DEFAULT_QUOTA)
    start = time.perf_counter()
    shape = build_world(World(boto3.Session()), BUSY_SIZE, FIFTY)
    figures.busy = {
        "size": BUSY_SIZE,
        "vpcs": shape.vpcs,
        "enis": shape.enis,
        "built": time.perf_counter() - start,
        "runs": paced_runs(settings, timeout, DEADLINE_MARGIN),
        # A dry run after the last: what the account still lacks (nothing, when nothing was lost).
        "left": len(run_reconcile(Clients(session=boto3.Session()), settings, dry_run=True).plan.changes),
        "margin": DEADLINE_MARGIN,
        "memory": template_memory(),
        "quota": DEFAULT_QUOTA,
        "rates": (settings.rule_write_rate, settings.alarm_write_rate, settings.dashboard_write_rate),
    }
    return figures


def backfill_lines(backfill: BackfillFigures | None) -> list[str]:
    if backfill is None:
        return []
    fits = backfill.paced_seconds < backfill.timeout
    rule_rate, alarm_rate, dashboard_rate = backfill.busy.get("rates", (1, 3, 10))
    lines = [
        "## Backfill at the paced rates",
        "",
        f"The whole default quota: {backfill.resources} interface endpoints of two ENIs, {backfill.rules} shared "
        f"rules (of the default quota of {DEFAULT_QUOTA}), {backfill.alarms} alarms, {backfill.dashboards} "
        f"dashboard(s). At {rule_rate:g} rule write/s, {alarm_rate:g} alarm writes/s and {dashboard_rate:g} "
        f"dashboard writes/s the writes alone take {backfill.lower_bound:.0f} s; the whole reconcile, paced with "
        f"a virtual clock over moto's real call times, took {backfill.paced_seconds:.0f} s. The function's "
        f"timeout (template.yaml) is {backfill.timeout} s: it {'fits' if fits else 'does NOT fit'} in one run.",
        "",
    ]
    busy = backfill.busy
    if busy:
        lines += busy_lines(busy, backfill.timeout)
    return lines


def busy_verdict(busy: dict[str, Any], timeout: int) -> tuple[bool, str]:
    """Whether the busy Region's onboarding at the default quota kept to the function's timeout, run
    by run, handing the rest over and losing nothing; and the figures that say so. A run's read and
    plan is CPU work on this machine: stretched to the function's CPU share, it still leaves the
    deadline to end the run."""
    runs, stretch = busy["runs"], cpu_stretch(busy["memory"])
    longest = max(r["seconds"] for r in runs)
    stretched = max(r["plan_seconds"] + r["plan_cpu"] * (stretch - 1) for r in runs)
    met = (
        longest <= timeout
        and stretched < timeout - busy["margin"]
        and not any(r["failed"] for r in runs)
        and runs[-1]["follow_up"] < 0
        and busy["left"] == 0
    )
    follow_ups = sum(1 for r in runs if r["follow_up"] >= 0)
    figures = (
        f"N={busy['size']}: {len(runs)} runs, {follow_ups} handed over by follow-up; the longest {longest:.0f} s of "
        f"the {timeout} s, paced; CPU at most {max(r['cpu'] for r in runs):.1f} s a run; the read and plan at "
        f"most {stretched:.0f} s at the function's {busy['memory']} MB CPU share; "
        f"{sum(r['failed'] for r in runs)} failed, {busy['left']} left"
    )
    return met, figures


def busy_lines(busy: dict[str, Any], timeout: int) -> list[str]:
    runs, stretch = busy["runs"], cpu_stretch(busy["memory"])
    rule_rate, alarm_rate, dashboard_rate = busy["rates"]
    lines = [
        f"Onboarding of the busy Region at the default quota: N={busy['size']} ({busy['vpcs']} VPCs, "
        f"{busy['enis']} ENIs, fifty resources a VPC), paced at {rule_rate:g} rule write/s, {alarm_rate:g} alarm "
        f"writes/s and {dashboard_rate:g} dashboard writes/s, each run with the handler's deadline (the "
        f"function's {timeout} s less its {busy['margin']:.0f} s margin); a run that defers writes hands the "
        "rest over by a follow-up at once (a message on the queue, the product's own decision), which plans it "
        "again from the account. Seconds on the virtual clock: moto's real call times and the product's work "
        "on this machine, plus the pacer's waits counted instead of slept. CPU: the reconcile's own thread.",
        "",
    ]
    lines += table(
        ["run", "changes planned (rules / alarms / dashboards)", "done", "deferred", "failed",
         "read and plan: s (CPU)", "writes: s (of it waits)", "whole run: s (CPU)", "follow-up"],
        [[i, f"{r['planned']} ({r['rules']} / {r['alarms']} / {r['dashboards']})", r["done"], r["deferred"],
          r["failed"], f"{r['plan_seconds']:.1f} ({r['plan_cpu']:.1f})",
          f"{r['seconds'] - r['plan_seconds']:.1f} ({r['waits']:.1f})", f"{r['seconds']:.1f} ({r['cpu']:.1f})",
          "none" if r["follow_up"] < 0 else f"in {r['follow_up']} s"]
         for i, r in enumerate(runs, 1)],
    )  # fmt: skip
    _, figures = busy_verdict(busy, timeout)
    lines += [
        "",
        f"{figures}; {sum(r['seconds'] for r in runs):.0f} s on the virtual clock in all, "
        f"{sum(r['waits'] for r in runs):.0f} s of it waits. The function has {busy['memory']} MB "
        f"(template.yaml), so Lambda gives it {busy['memory'] / ONE_VCPU_MB:.2f} of a vCPU: a CPU-bound second here "
        f"takes about {stretch:.1f} there (the same processor assumed); the writes' time is the pacer's and "
        "AWS's, and the deadline ends a run whatever its pace. A dry run afterwards plans "
        f"{busy['left']} changes.",
        "",
    ]
    return lines
