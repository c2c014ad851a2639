"""The goals and the Markdown report of `make bench`: bench/results.md."""

from __future__ import annotations

import itertools
import math
import os
import platform
from collections.abc import Sequence

from bench.backfill import (
    BackfillFigures,
    backfill_lines,
)
from bench.common import mib, moto_version, ms, ratio, table
from bench.coverage import Coverage, coverage_lines
from bench.imports import (
    IMPORT_REPEATS,
    ImportFigures,
)
from bench.pure import PURE_REPEATS, PureFigures
from bench.vs_floor import (
    ONBOARDING_REPEATS,
    RULE_QUOTA,
    STEADY_REPEATS,
    STEPS_SHOWN,
    SizeFigures,
    calls_by_operation,
)

GOAL_CALLS = 1.5  # steady-state calls against the floor's

GOAL_TIME = 1.5  # onboarding wall time against the floor's

GOAL_IMPORT = 1.2  # handler import against boto3 + Powertools

GOAL_EXPONENT = 1.5  # time ~ N**k between the sizes measured: linear is 1, quadratic 2


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
    coverage: Sequence[Coverage] = (),
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` on {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, moto {moto_version()} on loopback; {total:.0f} s in all. "
        f"A rule quota of {RULE_QUOTA} (applied in Service Quotas on the local server, and PLINSIGHTS_RULE_QUOTA)"
        " so that large worlds are monitored whole; pacing off (local server). "
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
    if coverage:
        lines += ["## Coverage and cost", "", *coverage_lines(list(coverage)), ""]
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
