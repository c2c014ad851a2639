"""The pure steps at scale: desired_state and make_plan on synthetic inventories ten times apart in size."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from bench.worlds import synthetic_inventory
from core.desire.state import desired_state
from core.model import ActualState, DesiredState, ObservedArtifact, ObservedRule, RuleQuota
from core.plan.diff import make_plan
from core.settings import Settings

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
        artifacts={
            "rule": {n: ObservedRule(n, r.definition, r.state, r.resource_id) for n, r in desired.rules.items()},
            "alarm": {n: ObservedArtifact(n, a.body, a.resource_id) for n, a in desired.alarms.items()},
            "dashboard": {n: ObservedArtifact(n, d.body) for n, d in desired.dashboards.items()},
        },
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
