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
from core.reconcile import Outcome, run_reconcile
from core.settings import Settings
from core.triggers.events import Trigger
from core.triggers.followup import decide_follow_up
from demo.world import World

DEFAULT_QUOTA = 100  # Contributor Insights rules per Region (L-DBD11BCC)
BUSY_SIZE = 2000
MAX_RUNS = 12


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
    decision says (deferred writes: at once, through the queue): one row per run."""
    runs: list[dict[str, float]] = []
    trigger = Trigger("backfill")
    for _ in range(MAX_RUNS):
        clock = VirtualClock()
        deadline = clock.now() + timeout - margin
        outcome = run_reconcile(Clients(session=boto3.Session()), settings, deadline=deadline, clock=clock)
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
                "seconds": round(clock.elapsed, 1),
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
        runs = busy["runs"]
        total = sum(r["seconds"] for r in runs)
        follow_ups = sum(1 for r in runs if r["follow_up"] >= 0)
        failed, longest = sum(r["failed"] for r in runs), max(r["seconds"] for r in runs)
        lines += [
            f"Onboarding of the busy Region at the default quota: N={busy['size']} ({busy['vpcs']} VPCs, "
            f"{busy['enis']} ENIs, fifty resources a VPC), pacing on, each run with the handler's deadline "
            f"(the function's {backfill.timeout} s less its {busy['margin']:.0f} s margin); a run that defers "
            "writes hands the rest over by a follow-up at once (a message on the queue, the product's own "
            "decision), which plans it again from the account:",
            "",
        ]
        lines += table(
            ["run", "changes planned (rules / alarms / dashboards)", "done", "deferred", "failed",
             "seconds (virtual clock)", "follow-up"],
            [[i, f"{r['planned']} ({r['rules']} / {r['alarms']} / {r['dashboards']})", r["done"], r["deferred"],
              r["failed"], r["seconds"], "none" if r["follow_up"] < 0 else f"in {r['follow_up']} s"]
             for i, r in enumerate(runs, 1)],
        )  # fmt: skip
        lines += [
            "",
            f"{len(runs)} runs ({follow_ups} follow-ups), {total:.0f} s on the virtual clock in all; "
            f"{failed} changes failed; the longest run took {longest:.0f} s "
            f"of the {backfill.timeout} s; a dry run afterwards plans {busy['left']} changes.",
            "",
        ]
    return lines
