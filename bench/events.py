"""Time to monitored: a busy day on a virtual clock, delivered as the design before the event path did
and as it does now, against the real handler and a local moto server. Writes bench/events-results.md.

    python -m bench.events [--seed 11] [--output bench/events-results.md]

Each invocation runs handlers.reconcile.handler for real; its duration on the virtual clock is its
measured wall time against moto plus the pacer's waits at the default write rates (counted, not
slept). See bench/delivery_sim.py for what each design delivers, and bench/day.py for the day.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import boto3

from bench.common import reset, table
from bench.day import BIG_BURST, DAY_SECONDS, Day, busy_day
from bench.delivery_sim import Outcome, Simulation, sample, virtual_time
from demo.local import lambda_context, local_aws, patched_environ
from handlers import reconcile

ROOT = Path(__file__).resolve().parents[1]
GOAL_P99_SECONDS = 180.0  # from available to monitored
GOAL_BURST_RECONCILES = 5  # for a burst of 50 creations within a minute
GOAL_INVOCATIONS_PER_RESOURCE = 6.0
WASTE_WINDOW_SECONDS = 300.0  # a write superseded this soon made a state nobody needed
RULE_QUOTA = "10000"  # an account with a raised Contributor Insights quota: every resource fits


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, -(-round(share * 1000) * len(ordered) // 1000) - 1)]


def wasted_writes(outcome: Outcome) -> int:
    """Writes of an artifact that the next write of the same artifact superseded (a put written again,
    or deleted) within WASTE_WINDOW_SECONDS: each made a state that served for less than that."""
    times: dict[str, list[float]] = defaultdict(list)
    for at, _, name in outcome.writes:
        times[name].append(at)
    return sum(1 for ats in times.values() for a, b in itertools.pairwise(ats) if b - a < WASTE_WINDOW_SECONDS)


def play(design: str, day: Day, endpoint: str) -> Outcome:
    """One design's day in a fresh account; the resources it starts with are onboarded first, uncounted."""
    reset(endpoint, int(RULE_QUOTA))
    for cache in (reconcile.cached_clients, reconcile.cached_pacer):
        cache.cache_clear()
    reconcile.last_read.started = None
    simulation = Simulation(design, day, boto3.Session())
    simulation.build()
    clients = reconcile.cached_clients(os.environ.get("AWS_REGION"))
    clients.session.events.register("before-parameter-build.cloudwatch", simulation.record_writes)
    with patched_environ(simulation.wiring()), virtual_time(simulation.clock):
        simulation.clock.frozen = -3600.0  # an hour before the day: the account as it was, onboarded
        with simulation.clock.run():
            reconcile.handler(sample("scheduled.json"), lambda_context(600_000))
        simulation.outcome.writes.clear()
        simulation.clock.advance_to(0.0)
        return simulation.run()


def figures(outcome: Outcome, day: Day) -> dict[str, object]:
    latencies = [
        outcome.monitored_at[c.index] - day.monitorable_at(c) for c in day.creations if c.index in outcome.monitored_at
    ]
    never = len(day.creations) - len(latencies)
    big = [c for c in day.creations if c.burst == "big"]
    burst_start = min(c.at for c in big)
    burst_end = max(outcome.monitored_at.get(c.index, float("inf")) for c in big)
    burst_reconciles = sum(1 for i in outcome.invocations if i.reconciled and burst_start <= i.started <= burst_end)
    reconciles = sum(1 for i in outcome.invocations if i.reconciled)
    created = len(day.creations)
    return {
        "p50": percentile(latencies, 0.5) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99) if latencies else float("nan"),
        "max": max(latencies, default=float("nan")),
        "never": never,
        "invocations": len(outcome.invocations),
        "reconciles": reconciles,
        "per_resource_invocations": len(outcome.invocations) / created,
        "per_resource_reconciles": reconciles / created,
        "burst_reconciles": burst_reconciles,
        "writes": len(outcome.writes),
        "wasted": wasted_writes(outcome),
        "failures": outcome.failures,
        "busy": sum(i.ended - i.started for i in outcome.invocations),
    }


def seconds(value: object) -> str:
    return f"{float(str(value)):.0f} s"


def report(day: Day, results: dict[str, dict[str, object]], total: float) -> str:
    kinds: dict[str, int] = defaultdict(int)
    for c in day.creations:
        kinds[c.kind] += 1
    rows = [
        [design, seconds(f["p50"]), seconds(f["p99"]), seconds(f["max"]), f["never"], f["invocations"], f["reconciles"],
         f"{f['per_resource_invocations']:.2f}", f"{f['per_resource_reconciles']:.2f}", f["burst_reconciles"],
         f["writes"], f["wasted"], f"{float(str(f['busy'])):.0f} s"]
        for design, f in results.items()
    ]  # fmt: skip
    after = results["after"]
    p99 = float(str(after["p99"]))
    burst = int(str(after["burst_reconciles"]))
    per_resource = float(str(after["per_resource_invocations"]))
    met = {
        f"p99 from available to monitored within {GOAL_P99_SECONDS:.0f} s": p99 <= GOAL_P99_SECONDS,
        f"the burst of {BIG_BURST} within a minute costs at most {GOAL_BURST_RECONCILES} reconciles": burst
        <= GOAL_BURST_RECONCILES,
        f"at most {GOAL_INVOCATIONS_PER_RESOURCE:.0f} invocations per created resource": per_resource
        <= GOAL_INVOCATIONS_PER_RESOURCE,
    }
    lines = [
        "# Time to monitored: the event path before and after",
        "",
        f"`make bench-events`: one seeded day ({DAY_SECONDS // 3600} h on a virtual clock) of {len(day.creations)} "
        f"creations ({kinds['endpoint']} interface endpoints, {kinds['load-balancer']} Network Load Balancers) "
        f"in {day.vpcs} VPCs: one burst of {BIG_BURST} within a minute, small bursts of 5-10 within two minutes, "
        "singles; each pending 30-300 s, its CloudTrail event 0-120 s late; two VPCs get their flow log "
        f"30 min to 3 h after their first creation; the hourly schedule. {total:.0f} s of real time in all.",
        "",
        "Time to monitored counts from when the resource could first be monitored (available, and its VPC's "
        "flow log there) to the end of the first reconcile after which its rules exist in CloudWatch. "
        "Reconcile durations are their measured wall time against moto on this machine plus the pacer's "
        "waits at the default write rates. Writes wasted: writes of an artifact written again or deleted "
        f"within {WASTE_WINDOW_SECONDS:.0f} s. The burst's reconciles are those that started between its first "
        "creation and the moment its last resource was monitored.",
        "",
        *table(
            [
                "design",
                "p50",
                "p99",
                "max",
                "never monitored",
                "invocations",
                "reconciles",
                "invocations / resource",
                "reconciles / resource",
                f"reconciles for the burst of {BIG_BURST}",
                "writes",
                "writes wasted",
                "function busy",
            ],
            rows,
        ),
        "",
        "Goals (after):",
        "",
        *(f"- {goal}: {'met' if ok else 'NOT met'}" for goal, ok in met.items()),
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "events-results.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    day = busy_day(args.seed)
    results: dict[str, dict[str, object]] = {}
    overrides = {"PLINSIGHTS_RULE_QUOTA": RULE_QUOTA, "PLINSIGHTS_PACING": "on", "POWERTOOLS_LOG_LEVEL": "ERROR",
                 "POWERTOOLS_METRICS_NAMESPACE": "Bench"}  # fmt: skip
    with local_aws() as endpoint, patched_environ(dict(overrides)):
        for design in ("before", "after"):
            print(f"{design}: playing the day ...", file=sys.stderr, flush=True)
            results[design] = figures(play(design, day, endpoint), day)
            print(f"  {results[design]}", file=sys.stderr, flush=True)
    text = report(day, results, time.perf_counter() - started)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
