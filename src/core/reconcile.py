"""The one loop behind every entry point: discover, desire, observe, plan, apply."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from core.apply import apply_plan
from core.artifacts import write_rates
from core.cost import deployment_cost
from core.desired import desired_state
from core.discovery import discover
from core.model import Outcome
from core.observe import observe, owner_mark_now
from core.pacing import SYSTEM_CLOCK, Clock, Pacer, pacing_enabled
from core.plan import make_plan
from core.progress import Progress
from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients


def run_reconcile(
    clients: Clients,
    settings: Settings,
    *,
    dry_run: bool = False,
    deadline: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
    pacer: Pacer | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """`deadline`, a time on `clock`: apply starts no write after it and defers the rest. A `pacer`
    kept by the caller (on the same clock) spaces the writes of successive runs too. `progress`
    hears each step as it starts and each write as it is made (the CLI's; the function passes none)."""
    if progress:
        progress.status("discovering endpoints, load balancers, network interfaces and flow logs")
    inventory = discover(clients)
    # first: the rules of others take their share of the quota
    actual = observe(clients, settings, progress)
    if progress:
        progress.status(f"planning for {len(inventory.resources)} resources")
    desired = desired_state(inventory, settings, actual.quota, actual.rules)
    plan = make_plan(desired, actual, settings.max_deletes)
    outcome = Outcome(inventory, desired, actual, plan, None, deployment_cost(desired, settings))
    if dry_run:
        return outcome
    return apply_outcome(clients, settings, outcome, deadline=deadline, clock=clock, pacer=pacer, progress=progress)


def apply_outcome(
    clients: Clients,
    settings: Settings,
    outcome: Outcome,
    *,
    deadline: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
    pacer: Pacer | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Writes the plan of a dry run: the CLI shows a plan that deletes, asks, then writes exactly
    that plan (each owner mark is read again before its write, as in any run)."""
    if not pacing_enabled(settings.pacing, clients.cloudwatch.meta.endpoint_url):
        pacer = Pacer({}, clock)  # a pacer kept by the caller does not wait on moto either
    elif pacer is None:
        pacer = paced_writes(clients, settings, clock)
    ownership = partial(owner_mark_now, clients, settings)
    result = apply_plan(
        outcome.plan, clients, settings, pacer=pacer, deadline=deadline, ownership=ownership, progress=progress
    )
    return replace(outcome, result=result)


def paced_writes(clients: Clients, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Pacer:
    """A pacer at the documented write rates, or one that never waits when the AWS endpoint is on
    this machine (moto) and pacing is "auto"."""
    if not pacing_enabled(settings.pacing, clients.cloudwatch.meta.endpoint_url):
        return Pacer({}, clock)
    return Pacer(write_rates(settings), clock)
