"""The benchmark: one reconcile against the least work the job needs, on a local moto server.

For each world size N it builds a PrivateLink world (bench/worlds.py), then measures, each in a
fresh process (bench/measure.py):

- onboarding: the floor (bench/floor.py: the least reads, then one write per artifact of the
  desired state) and the reconcile, each from an account with none of our artifacts;
- steady state: the reconcile again (nothing to change) and the floor's reads alone.

It reports AWS calls by operation, wall time against the floor, peak memory, the handler's import
time against boto3 and Powertools alone, and how long a backfill of the whole Contributor Insights
quota takes at the paced write rates. The table goes to stdout and to bench/results.md.

    python -m bench.run [--sizes 10 50 200 500] [--output bench/results.md]

The rule quota is raised (PLINSIGHTS_RULE_QUOTA=10000) so that large worlds are monitored whole;
pacing is off against the local server. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import boto3
from tests.cfn import template

from bench.worlds import build_world, synthetic_inventory
from core.apply import tags
from core.clients import Clients
from core.dashboards import dashboard_name
from core.desired import desired_state
from core.model import (
    ActualState,
    AlarmSpec,
    DashboardSpec,
    DesiredState,
    ObservedArtifact,
    ObservedRule,
    RuleQuota,
    RuleSpec,
)
from core.plan import make_plan
from core.reconcile import run_reconcile
from core.rules import RULE_TEMPLATES
from core.settings import Settings
from demo.local import local_aws
from demo.world import World

ROOT = Path(__file__).resolve().parents[1]
RULE_QUOTA = "10000"
STEADY_REPEATS = 3
ONBOARDING_REPEATS = 2
IMPORT_REPEATS = 21  # the least of many: a busy machine only ever adds to an import's time
READ_PREFIXES = ("Describe", "List", "Get")
GOAL_CALLS = 1.5  # steady-state calls against the floor's
GOAL_TIME = 1.5  # onboarding wall time against the floor's
GOAL_IMPORT = 1.2  # handler import against boto3 + Powertools
GOAL_EXPONENT = 1.5  # time ~ N**k between the sizes measured: linear is 1, quadratic 2


@dataclass
class Run:
    seconds: float
    calls: dict[str, int]
    cpu: float = 0.0  # this process's CPU time during the run: what a busy machine disturbs least
    peak_bytes: int = 0
    maxrss_kib: int = 0
    steps: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if not op.split(":")[1].startswith(READ_PREFIXES))


@dataclass
class SizeFigures:
    size: int
    build_seconds: float
    shape: dict[str, Any]
    artifacts: dict[str, int]
    onboarding: Run
    onboarding_floor: Run
    onboarding_traced: Run
    steady: Run
    steady_floor: Run
    steady_traced: Run


def measure(*args: str) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "bench.measure", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"bench.measure {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    known = ("seconds", "calls", "cpu", "peak_bytes", "maxrss_kib", "steps")
    return Run(**{k: data[k] for k in known if k in data}, extra={k: v for k, v in data.items() if k not in known})


def best(runs: Sequence[Run]) -> Run:
    """The fastest of repeated runs: the one least disturbed by anything else on the machine."""
    return min(runs, key=lambda r: r.seconds)


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()


def desired_writes(settings: Settings) -> list[dict[str, Any]]:
    """The writes of an onboarding, as the floor makes them: from a dry run's plan."""
    outcome = run_reconcile(Clients(session=boto3.Session()), settings, dry_run=True)
    writes: list[dict[str, Any]] = []
    for change in outcome.plan.changes:
        spec = change.spec
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
    names = [r["Name"] for r in cloudwatch.describe_insight_rules(MaxResults=500).get("InsightRules", [])]
    if names:
        cloudwatch.delete_insight_rules(RuleNames=names)
    alarms = [a["AlarmName"] for p in cloudwatch.get_paginator("describe_alarms").paginate() for a in p["MetricAlarms"]]
    for start in range(0, len(alarms), 100):
        cloudwatch.delete_alarms(AlarmNames=alarms[start : start + 100])
    dashboards = [d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]]
    if dashboards:
        cloudwatch.delete_dashboards(DashboardNames=dashboards)


def measure_size(endpoint: str, size: int, workdir: Path, warm_up: bool) -> SizeFigures:
    reset(endpoint)
    world = World(boto3.Session())
    start = time.perf_counter()
    shape = build_world(world, size)
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
        build_seconds=build_seconds,
        shape={"vpcs": shape.vpcs, "enis": shape.enis, "flow_logs": shape.flow_logs, **shape.kinds},
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


# --- the pure steps at scale -------------------------------------------------------------------

PURE_SIZES = (500, 5000)
PURE_REPEATS = 5


@dataclass
class PureFigures:
    size: int
    rules: int
    desired: float  # CPU seconds: desired_state
    onboarding_plan: float  # make_plan against an empty account
    steady_plan: float  # make_plan against an account that has it all


def observed(desired: DesiredState) -> ActualState:
    """The account as observe would read it back once the desired state is applied."""
    return ActualState(
        rules={n: ObservedRule(n, r.definition, r.state, r.resource_id) for n, r in desired.rules.items()},
        alarms={n: ObservedArtifact(n, a.body, a.resource_id) for n, a in desired.alarms.items()},
        dashboards={n: ObservedArtifact(n, d.body) for n, d in desired.dashboards.items()},
    )


def cpu_seconds(step: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(PURE_REPEATS):
        start = time.process_time()
        step()
        best = min(best, time.process_time() - start)
    return best


def measure_pure() -> list[PureFigures]:
    """desired_state and make_plan on synthetic inventories ten times apart in size, with a flow log
    on every ENI: a step that is quadratic anywhere shows as a higher cost per resource."""
    figures = []
    settings = Settings(rule_quota=10**6)
    quota = RuleQuota(10**6, "benchmark")
    for size in PURE_SIZES:
        inventory = synthetic_inventory(size)
        desired = desired_state(inventory, settings, quota)
        account = observed(desired)
        figures.append(
            PureFigures(
                size=size,
                rules=len(desired.rules),
                desired=cpu_seconds(partial(desired_state, inventory, settings, quota)),
                onboarding_plan=cpu_seconds(partial(make_plan, desired, ActualState())),
                steady_plan=cpu_seconds(partial(make_plan, desired, account)),
            )
        )
    return figures


# --- import time -------------------------------------------------------------------------------


def import_seconds(statement: str, env: Mapping[str, str]) -> float:
    # CPU time: an import is CPU work, and CPU time is what other processes on a busy machine
    # disturb least (wall time here varies by half from run to run).
    code = f"import time\nstart = time.process_time()\n{statement}\nprint(time.process_time() - start)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=dict(env), capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def own_import_seconds(env: Mapping[str, str]) -> float:
    """The self time of our own modules, from python -X importtime."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import handlers.reconcile"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S+)", line.strip())
        if match and match.group(2).split(".")[0] in ("core", "handlers"):
            total += int(match.group(1))
    return total / 1e6


@dataclass
class ImportScenario:
    label: str
    baseline: float  # CPU seconds: import boto3, from aws_lambda_powertools import Logger, Metrics
    handler: float  # CPU seconds: import handlers.reconcile
    own: float  # wall seconds: our modules' self time, from python -X importtime

    @property
    def ratio(self) -> float:
        return self.handler / self.baseline


@dataclass
class ImportFigures:
    packaged: ImportScenario  # as src/Makefile builds it: everything compiled, checked-hash bytecode
    uncompiled: ImportScenario  # as SAM's default Python builder would: Powertools and our code as source


BASELINE_IMPORT = "import boto3\nfrom aws_lambda_powertools import Logger, Metrics"
HANDLER_IMPORT = "import handlers.reconcile"


def measure_imports() -> ImportFigures:
    """Each import in a fresh interpreter, the least of IMPORT_REPEATS, all four kinds interleaved;
    baseline and handler always share one search path. boto3 is the runtime's, with its bytecode.

    The packaged scenario is what src/Makefile ships: core, handlers and Powertools with .pyc files
    compiled at build time (checked-hash). The uncompiled one is what SAM's default Python builder
    would ship: the same sources without any .pyc (aws-lambda-builders leaves them out), compiled at
    every cold start because /var/task is read-only."""
    powertools = Path(str(importlib.util.find_spec("aws_lambda_powertools").origin)).parent  # type: ignore[union-attr]
    no_bytecode = shutil.ignore_patterns("__pycache__", "*.pyc")
    with tempfile.TemporaryDirectory() as folder:
        packaged, uncompiled = Path(folder) / "packaged", Path(folder) / "uncompiled"
        for copy in (packaged, uncompiled):
            for package in ("core", "handlers"):
                shutil.copytree(ROOT / "src" / package, copy / package, ignore=no_bytecode)
            shutil.copytree(powertools, copy / powertools.name, ignore=no_bytecode)
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "checked-hash", str(packaged)],
            check=True,
        )
        environments = {
            "packaged": {**os.environ, "PYTHONPATH": str(packaged), "PYTHONDONTWRITEBYTECODE": "1"},
            "uncompiled": {**os.environ, "PYTHONPATH": str(uncompiled), "PYTHONDONTWRITEBYTECODE": "1"},
        }
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(IMPORT_REPEATS):
            for kind, env in environments.items():
                for statement in (BASELINE_IMPORT, HANDLER_IMPORT):
                    times.setdefault((kind, statement), []).append(import_seconds(statement, env))
        scenarios = {
            kind: ImportScenario(
                label=kind,
                baseline=min(times[kind, BASELINE_IMPORT]),
                handler=min(times[kind, HANDLER_IMPORT]),
                own=min(own_import_seconds(env) for _ in range(3)),
            )
            for kind, env in environments.items()
        }
    return ImportFigures(packaged=scenarios["packaged"], uncompiled=scenarios["uncompiled"])


# --- pacing -------------------------------------------------------------------------------------


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


def backfill_world(endpoint: str, endpoints: int) -> None:
    """A fresh account: interface endpoints in one VPC with a flow log to CloudWatch Logs."""
    reset(endpoint)
    world = World(boto3.Session())
    vpc, subnets = world.vpc(subnets=2)
    world.flow_log(resource_ids=[vpc], log_group="/bench/backfill")
    for _ in range(endpoints):
        world.interface_endpoint(vpc, subnets, f"com.amazonaws.{world.region}.ssm")


def backfill_runs(endpoint: str, endpoints: int, quota: int, timeout: int, margin: float) -> list[dict[str, float]]:
    """Reconciles until nothing is left to do, each run paced on a virtual clock with the handler's
    deadline (the timeout less the margin): one row per run."""
    backfill_world(endpoint, endpoints)
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
    backfill_world(endpoint, endpoints)
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


# --- report -------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def calls_by_operation(figures: Sequence[SizeFigures], pick: Callable[[SizeFigures], Run]) -> list[str]:
    operations = sorted({op for f in figures for op in pick(f).calls})
    rows = [[f"`{op}`", *(pick(f).calls.get(op, 0) for f in figures)] for op in operations]
    rows.append(["**total**", *(f"**{pick(f).total}**" for f in figures)])
    return table(["operation", *(f"N={f.size}" for f in figures)], rows)


def exponent(n1: int, t1: float, n2: int, t2: float) -> float:
    return math.log(t2 / t1) / math.log(n2 / n1) if t1 > 0 and t2 > 0 else float("nan")


def goals(figures: Sequence[SizeFigures], imports: ImportFigures, pure: Sequence[PureFigures]) -> list[str]:
    lines = []
    last = figures[-1]
    worst_calls = max(f.steady.total / f.steady_floor.total for f in figures)
    per_artifact = [f.steady.total / max(sum(f.artifacts.values()), 1) for f in figures]
    falling = all(later < earlier for earlier, later in itertools.pairwise(per_artifact))
    tag_reads = [f.steady.calls.get("cloudwatch:ListTagsForResource", 0) for f in figures]
    met = worst_calls <= GOAL_CALLS and falling and not any(tag_reads)
    lines.append(
        f"- Steady-state calls within {GOAL_CALLS}x the floor, none per artifact (only list pages grow with N): "
        f"{'met' if met else 'NOT met'} "
        f"(worst {worst_calls:.2f}x; {', '.join(f'N={f.size} {f.steady.total}' for f in figures)} calls, i.e. "
        f"{', '.join(f'{p:.2f}' for p in per_artifact)} per artifact; ListTagsForResource "
        f"{', '.join(map(str, tag_reads))}; writes {', '.join(str(f.steady.writes) for f in figures)})"
    )
    exact = all(
        f.onboarding.writes == sum(f.artifacts.values()) == f.onboarding_floor.writes
        and f.onboarding.calls.get("cloudwatch:PutInsightRule", 0) == f.artifacts["rules"]
        and f.onboarding.calls.get("cloudwatch:PutMetricAlarm", 0) == f.artifacts["alarms"]
        and f.onboarding.calls.get("cloudwatch:PutDashboard", 0) == f.artifacts["dashboards"]
        for f in figures
    )
    lines.append(f"- Onboarding makes exactly one write per artifact: {'met' if exact else 'NOT met'}")
    worst_time = max(f.onboarding.seconds / f.onboarding_floor.seconds for f in figures)
    lines.append(
        f"- Onboarding wall time within {GOAL_TIME}x the floor: {'met' if worst_time <= GOAL_TIME else 'NOT met'}"
        f" (worst {worst_time:.2f}x; "
        + ", ".join(f"N={f.size} {f.onboarding.seconds / f.onboarding_floor.seconds:.2f}x" for f in figures)
        + ")"
    )
    # Time grows as N**k: k is 1 for a linear step and 2 for a quadratic one (n log n and caches give
    # a little over 1). k = log(t2 / t1) / log(n2 / n1).
    exponents: dict[str, float] = {}
    base = next((f for f in figures if f.size == 50), None)
    if base and last.size > base.size:
        for label, pick in (("onboarding", "onboarding"), ("steady state", "steady")):
            seconds = (getattr(base, pick).seconds, getattr(last, pick).seconds)
            exponents[f"{label} N=50..{last.size}"] = exponent(base.size, seconds[0], last.size, seconds[1])
    if len(pure) > 1:
        small, large = pure[0], pure[-1]
        for label, name in (
            ("desired_state", "desired"),
            ("make_plan onboarding", "onboarding_plan"),
            ("make_plan steady", "steady_plan"),
        ):
            cost = (float(getattr(small, name)), float(getattr(large, name)))
            exponents[f"{label} N={small.size}..{large.size}"] = exponent(small.size, cost[0], large.size, cost[1])
    if exponents:
        worst = max(exponents.values())
        lines.append(
            f"- No quadratic step (time grows as N^k; quadratic is k=2, goal k < {GOAL_EXPONENT}): "
            f"{'met' if worst < GOAL_EXPONENT else 'NOT met'} ("
            + ", ".join(f"{k} k={v:.2f}" for k, v in exponents.items())
            + ")"
        )
    lines.append(
        f"- Handler import within {GOAL_IMPORT}x boto3 + Powertools, as src/Makefile packages it: "
        f"{'met' if imports.packaged.ratio <= GOAL_IMPORT else 'NOT met'} ({imports.packaged.ratio:.2f}x; "
        f"without build-time bytecode it would be {imports.uncompiled.ratio:.2f}x)"
    )
    return lines


def report(
    figures: Sequence[SizeFigures],
    imports: ImportFigures,
    pure: Sequence[PureFigures],
    backfill: BackfillFigures | None,
    total: float,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` on {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, moto {moto_version()} on loopback; {total:.0f} s in all. "
        f"PLINSIGHTS_RULE_QUOTA={RULE_QUOTA} so that large worlds are monitored whole; pacing off (local server). "
        f"Each run is a fresh process; times are the best of {ONBOARDING_REPEATS} (onboarding) or "
        f"{STEADY_REPEATS} (steady state) runs, floor and reconcile alternated.",
        "",
        "## Summary",
        "",
    ]
    lines += table(
        ["N", "rules / alarms / dashboards", "onboarding calls (writes)", "floor", "steady-state calls", "floor",
         "ratio"],
        [
            [f.size, f"{f.artifacts['rules']} / {f.artifacts['alarms']} / {f.artifacts['dashboards']}",
             f"{f.onboarding.total} ({f.onboarding.writes})",
             f"{f.onboarding_floor.total} ({f.onboarding_floor.writes})",
             f.steady.total, f.steady_floor.total, ratio(f.steady.total, f.steady_floor.total)]
            for f in figures
        ],
    )  # fmt: skip
    lines += ["", "Wall time (CPU time of the measured process in brackets):", ""]
    lines += table(
        ["N", "onboarding", "floor", "ratio", "steady state", "floor", "ratio", "peak traced (onboarding / steady)",
         "peak RSS"],
        [
            [f.size, f"{ms(f.onboarding.seconds)} ({ms(f.onboarding.cpu)})",
             f"{ms(f.onboarding_floor.seconds)} ({ms(f.onboarding_floor.cpu)})",
             ratio(f.onboarding.seconds, f.onboarding_floor.seconds),
             f"{ms(f.steady.seconds)} ({ms(f.steady.cpu)})", f"{ms(f.steady_floor.seconds)} ({ms(f.steady_floor.cpu)})",
             ratio(f.steady.seconds, f.steady_floor.seconds),
             f"{mib(f.onboarding_traced.peak_bytes)} / {mib(f.steady_traced.peak_bytes)}",
             f"{f.onboarding.maxrss_kib / 1024:.0f} MiB"]
            for f in figures
        ],
    )  # fmt: skip
    lines += ["", "## Goals", "", *goals(figures, imports, pure), ""]
    lines += ["## Where the time goes (seconds per step of the reconcile)", ""]
    step_rows = []
    for f in figures:
        for label, run in (("onboarding", f.onboarding), ("steady", f.steady)):
            step_rows.append([f.size, label, *(f"{run.steps.get(s, 0):.3f}" for s in STEPS_SHOWN)])
    lines += table(["N", "run", *STEPS_SHOWN], step_rows)
    lines += ["", "## Steady-state calls by operation (the reconcile)", ""]
    lines += calls_by_operation(figures, lambda f: f.steady)
    lines += ["", "## Steady-state calls by operation (the floor)", ""]
    lines += calls_by_operation(figures, lambda f: f.steady_floor)
    lines += ["", "## Onboarding calls by operation (the reconcile)", ""]
    lines += calls_by_operation(figures, lambda f: f.onboarding)
    lines += ["", "## The pure steps at scale", ""]
    lines += [
        f"desired_state and make_plan alone (CPU time, best of {PURE_REPEATS}) on synthetic inventories of interface "
        "endpoints with a flow log on every ENI; a quadratic step shows as a cost per resource that grows with N.",
        "",
    ]
    lines += table(
        ["N", "rules", "desired_state", "per resource", "make_plan, onboarding", "make_plan, steady state"],
        [[p.size, p.rules, ms(p.desired), f"{p.desired / p.size * 1000:.3f} ms", ms(p.onboarding_plan),
          ms(p.steady_plan)] for p in pure],
    )  # fmt: skip
    lines += ["", "## Worlds", ""]
    keys = sorted({k for f in figures for k in f.shape})
    lines += table(["N", *keys, "built in"], [[f.size, *(f.shape.get(k, 0) for k in keys), f"{f.build_seconds:.1f} s"]
                                             for f in figures])  # fmt: skip
    lines += ["", "## Import of the Lambda module", ""]
    lines += table(
        ["packaging", "boto3 + Powertools (Logger, Metrics)", "handlers.reconcile", "ratio", "our modules' self time"],
        [
            ["as src/Makefile packages it: bytecode compiled at build (checked-hash)", ms(imports.packaged.baseline),
             ms(imports.packaged.handler), f"{imports.packaged.ratio:.2f}x", ms(imports.packaged.own)],
            ["sources only, as SAM's default Python builder would", ms(imports.uncompiled.baseline),
             ms(imports.uncompiled.handler), f"{imports.uncompiled.ratio:.2f}x", ms(imports.uncompiled.own)],
        ],
    )  # fmt: skip
    lines += [
        "",
        f"CPU time, the least of {IMPORT_REPEATS} fresh interpreters each, interleaved; self time (wall) from "
        "`python -X importtime`. boto3 is the runtime's in both.",
        "",
    ]
    lines += backfill_lines(backfill)
    return "\n".join(lines) + "\n"


STEPS_SHOWN = ("discover", "observe", "desired_state", "make_plan", "apply_plan")


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


def moto_version() -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version("moto")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200, 500])
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures: list[SizeFigures] = []
    with local_aws() as endpoint, tempfile.TemporaryDirectory() as workdir:
        os.environ["PLINSIGHTS_RULE_QUOTA"] = RULE_QUOTA
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
        for size in args.sizes:
            print(f"N={size}: building and measuring ...", file=sys.stderr, flush=True)
            figures.append(measure_size(endpoint, size, Path(workdir), warm_up=not figures))
            f = figures[-1]
            print(
                f"  onboarding {ms(f.onboarding.seconds)} (floor {ms(f.onboarding_floor.seconds)}), "
                f"steady {f.steady.total} calls (floor {f.steady_floor.total})",
                file=sys.stderr,
                flush=True,
            )
        print("backfill at the paced rates ...", file=sys.stderr, flush=True)
        backfill = measure_backfill(endpoint)
    print("pure steps at scale ...", file=sys.stderr, flush=True)
    pure = measure_pure()
    print("import times ...", file=sys.stderr, flush=True)
    imports = measure_imports()
    text = report(figures, imports, pure, backfill, time.perf_counter() - started)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
