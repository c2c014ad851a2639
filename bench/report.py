"""The goals and the Markdown report of `make bench`: bench/results.md."""

from __future__ import annotations

import itertools
import math
import os
import platform
from collections.abc import Sequence

from bench.backfill import BackfillFigures, backfill_lines, busy_verdict
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

MIN_SECONDS = 0.05  # a step shorter than this at the smaller size is left out of the growth figures


def exponent(n1: int, t1: float, n2: int, t2: float) -> float:
    return math.log(t2 / t1) / math.log(n2 / n1) if t1 > 0 and t2 > 0 else float("nan")


def label(f: SizeFigures) -> str:
    """N and its layout: ten or fifty resources a VPC (bench/worlds.py)."""
    return f"{f.size} ({f.layout.split()[0]} a VPC)"


def series(figures: Sequence[SizeFigures]) -> list[list[SizeFigures]]:
    """The sizes of each layout, smallest first: growth is measured within one layout."""
    layouts: dict[str, list[SizeFigures]] = {}
    for f in figures:
        layouts.setdefault(f.layout, []).append(f)
    return [sorted(group, key=lambda f: f.size) for group in layouts.values()]


def growth(figures: Sequence[SizeFigures], timing: str) -> dict[str, float]:
    """k of time ~ N**k for each step (and whole run) between consecutive sizes of one layout, from
    `timing` ("step_cpu": the product's own CPU time; "steps": wall time, the local server's answers
    included). Steps under MIN_SECONDS at the smaller size are left out: their time is noise."""
    exponents: dict[str, float] = {}
    for group in series(figures):
        for small, large in itertools.pairwise(group):
            for run in ("onboarding", "steady"):
                a, b = getattr(small, run), getattr(large, run)
                spans = {**{s: (getattr(a, timing).get(s, 0.0), getattr(b, timing).get(s, 0.0)) for s in STEPS_SHOWN},
                         "whole run": (a.cpu, b.cpu) if timing == "step_cpu" else (a.seconds, b.seconds)}  # fmt: skip
                for step, (t1, t2) in spans.items():
                    if t1 >= MIN_SECONDS:
                        key = f"{run} {step} N={small.size}..{large.size} ({small.layout})"
                        exponents[key] = exponent(small.size, t1, large.size, t2)
    return exponents


def goals(
    figures: Sequence[SizeFigures],
    imports: ImportFigures,
    pure: Sequence[PureFigures],
    backfill: BackfillFigures | None = None,
) -> list[str]:
    lines = []
    worst_calls = max(f.steady.total / f.steady_floor.total for f in figures)
    per_artifact = {label(f): f.steady.total / max(sum(f.artifacts.values()), 1) for f in figures}
    falling = all(
        later.steady.total / max(sum(later.artifacts.values()), 1)
        < earlier.steady.total / max(sum(earlier.artifacts.values()), 1)
        for group in series(figures)
        for earlier, later in itertools.pairwise(group)
    )
    tag_reads = [f.steady.calls.get("cloudwatch:ListTagsForResource", 0) for f in figures]
    met = worst_calls <= GOAL_CALLS and falling and not any(tag_reads)
    lines.append(
        f"- Steady-state calls within {GOAL_CALLS}x the floor at every N, none per artifact (only list pages grow "
        f"with N): {'met' if met else 'NOT met'} (worst {worst_calls:.2f}x; "
        + ", ".join(f"N={label(f)} {f.steady.total} against {f.steady_floor.total}" for f in figures)
        + "; per artifact "
        + ", ".join(f"{p:.3f}" for p in per_artifact.values())
        + f"; ListTagsForResource {', '.join(map(str, tag_reads))}; writes "
        + f"{', '.join(str(f.steady.writes) for f in figures)})"
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
        + ", ".join(f"N={label(f)} {f.onboarding.seconds / f.onboarding_floor.seconds:.2f}x" for f in figures)
        + ")"
    )
    # Time grows as N**k: k is 1 for a linear step and 2 for a quadratic one (n log n and caches give
    # a little over 1). k = log(t2 / t1) / log(n2 / n1).
    exponents = growth(figures, "step_cpu")
    if len(pure) > 1:
        small, large = pure[0], pure[-1]
        for name, attribute in (
            ("desired_state", "desired"),
            ("make_plan onboarding", "onboarding_plan"),
            ("make_plan steady", "steady_plan"),
        ):
            cost = (float(getattr(small, attribute)), float(getattr(large, attribute)))
            exponents[f"pure {name} N={small.size}..{large.size}"] = exponent(small.size, cost[0], large.size, cost[1])
    if exponents:
        worst_key = max(exponents, key=lambda k: exponents[k])
        lines.append(
            f"- No step growing faster than N^{GOAL_EXPONENT} (CPU time of the reconcile's process per step between "
            f"sizes of one layout, and the pure steps; quadratic is k=2): "
            f"{'met' if exponents[worst_key] < GOAL_EXPONENT else 'NOT met'} (worst k={exponents[worst_key]:.2f}, "
            f"{worst_key}; every figure in [Growth](#growth))"
        )
    wall = growth(figures, "steps")
    if wall:
        worst_key = max(wall, key=lambda k: wall[k])
        lines.append(
            f"- The same in wall time, the local server's answers included: worst k={wall[worst_key]:.2f} "
            f"({worst_key}); moto's own cost, not the product's: see [Growth](#growth)"
        )
    if backfill and backfill.busy:
        met, busy = busy_verdict(backfill.busy, backfill.timeout)
        lines.append(
            f"- Onboarding of the busy Region at the default quota of {backfill.busy['quota']} rules within the "
            f"function's timeout, paced, the rest handed over by follow-up, nothing lost: "
            f"{'met' if met else 'NOT met'} ({busy}; [the runs](#backfill-at-the-paced-rates))"
        )
    lines.append(
        f"- Handler import within {GOAL_IMPORT}x boto3 + Powertools, as src/Makefile packages it: "
        f"{'met' if imports.packaged.ratio <= GOAL_IMPORT else 'NOT met'} ({imports.packaged.ratio:.2f}x; "
        f"without build-time bytecode it would be {imports.uncompiled.ratio:.2f}x)"
    )
    return lines


def growth_lines(figures: Sequence[SizeFigures]) -> list[str]:
    cpu, wall = growth(figures, "step_cpu"), growth(figures, "steps")
    rows = [[key, f"{cpu[key]:.2f}", f"{wall[key]:.2f}" if key in wall else "-"] for key in cpu]
    rows += [[key, "-", f"{wall[key]:.2f}"] for key in wall if key not in cpu]
    return [
        "## Growth",
        "",
        f"k in time ~ N^k between consecutive sizes of one layout, per step of the reconcile (goal k < "
        f"{GOAL_EXPONENT}): from the CPU time of the measured process (the product's own work, boto3's "
        "included) and from wall time (which adds the local server's time to answer). Steps that took under "
        f"{MIN_SECONDS * 1000:.0f} ms at the smaller size are left out.",
        "",
        *table(["run, step, sizes", "k (CPU)", "k (wall)"], rows),
        "",
    ]


def report(
    figures: Sequence[SizeFigures],
    imports: ImportFigures,
    pure: Sequence[PureFigures],
    backfill: BackfillFigures | None,
    total: float,
    coverage: Sequence[Coverage] = (),
    load: tuple[float, float] | None = None,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` on {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, moto {moto_version()} on loopback; {total:.0f} s in all"
        + (
            f", on a shared machine whose load average was {load[0]:.1f} at the start and {load[1]:.1f} at the end"
            if load
            else ""
        )
        + " (call and write counts are exact; times vary with the load). "
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
            [label(f), f"{f.artifacts['rules']} / {f.artifacts['alarms']} / {f.artifacts['dashboards']}",
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
            [label(f), f"{ms(f.onboarding.seconds)} ({ms(f.onboarding.cpu)})",
             f"{ms(f.onboarding_floor.seconds)} ({ms(f.onboarding_floor.cpu)})",
             ratio(f.onboarding.seconds, f.onboarding_floor.seconds),
             f"{ms(f.steady.seconds)} ({ms(f.steady.cpu)})", f"{ms(f.steady_floor.seconds)} ({ms(f.steady_floor.cpu)})",
             ratio(f.steady.seconds, f.steady_floor.seconds),
             f"{mib(f.onboarding_traced.peak_bytes)} / {mib(f.steady_traced.peak_bytes)}",
             f"{f.onboarding.maxrss_kib / 1024:.0f} MiB"]
            for f in figures
        ],
    )  # fmt: skip
    lines += ["", "## Goals", "", *goals(figures, imports, pure, backfill), ""]
    if coverage:
        lines += ["## Coverage and cost", "", *coverage_lines(list(coverage)), ""]
    lines += [
        "## Where the time goes (seconds per step of the reconcile)",
        "",
        "Wall time, and in brackets the CPU time of the measured process (the rest is the local server answering).",
        "",
    ]
    step_rows = []
    for f in figures:
        for name, run in (("onboarding", f.onboarding), ("steady", f.steady)):
            cells = [f"{run.steps.get(s, 0):.3f} ({run.step_cpu.get(s, 0):.3f})" for s in STEPS_SHOWN]
            step_rows.append([label(f), name, *cells])
    lines += table(["N", "run", *STEPS_SHOWN], step_rows)
    lines += ["", *growth_lines(figures)]
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
    lines += table(["N", *keys, "built in"], [[label(f), *(f.shape.get(k, 0) for k in keys), f"{f.build_seconds:.1f} s"]
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
