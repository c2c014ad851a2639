"""The one loop behind every entry point: discover, desire, observe, plan, announce, apply."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from core.announce.changes import Announcement, announcements, untold
from core.announce.publish import tell
from core.apply.pacing import SYSTEM_CLOCK, Clock, Pacer, paced_writes, pacing_enabled
from core.apply.writes import apply_plan
from core.artifacts.kind import Plan, Result
from core.desire.cost import deployment_cost
from core.desire.held import with_held_sections
from core.desire.state import desired_state
from core.discover.inventory import discover
from core.model import ActualState, DesiredState, Inventory
from core.observe.state import observe, owner_mark_now
from core.plan.diff import make_plan
from core.progress import Progress
from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients
    from core.desire.cost import CostEstimate


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one reconcile saw, wanted and did."""

    inventory: Inventory
    desired: DesiredState
    actual: ActualState
    plan: Plan
    result: Result | None  # None on a dry run: nothing was written
    cost: CostEstimate | None = None  # what the desired state costs a month (core/desire/cost.py)
    # Each resource whose monitoring changed since it was last told (core/announce/), and whether
    # this run told them to the alarm topic (False on a dry run, or with no topic)
    announcements: tuple[Announcement, ...] = ()
    told: bool = False
    notes: tuple[str, ...] = ()  # how telling went

    @property
    def failed(self) -> bool:
        return bool(self.result and self.result.failed)


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
    inventory = discover(clients, managed_rules=settings.managed_rules)
    # first: the rules of others take their share of the quota
    actual = observe(clients, settings, progress)
    if progress:
        progress.status(f"planning for {len(inventory.resources)} resources")
    desired, plan = desire_and_plan(inventory, actual, settings)
    outcome = Outcome(
        inventory, desired, actual, plan, None, deployment_cost(desired, settings), announcements(desired, actual, plan)
    )
    if dry_run:
        return outcome
    return apply_outcome(clients, settings, outcome, deadline=deadline, clock=clock, pacer=pacer, progress=progress)


def desire_and_plan(inventory: Inventory, actual: ActualState, settings: Settings) -> tuple[DesiredState, Plan]:
    """The desired state and the plan, within the deletion limit. The limit holds all of a resource:
    when it holds deletions, the dashboards keep the sections of what it holds, marked held, and
    the plan is made again, holding what the first one held."""
    desired = desired_state(inventory, settings, actual.quota, actual.rules)
    plan = make_plan(desired, actual, settings.max_deletes)
    if not plan.held_deletions:
        return desired, plan
    desired = with_held_sections(desired, plan, actual, inventory, settings)
    return desired, make_plan(desired, actual, settings.max_deletes, held_before=plan.held_back)


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
    """Tells the plan's announcements, then writes the plan of a dry run: the CLI shows a plan that
    deletes, asks, then writes exactly that plan (each owner mark is read again before its write,
    as in any run). Told first: a run cut short by its deadline has told what it found."""
    told, notes = tell(clients, settings, outcome.announcements, outcome.plan)
    plan = outcome.plan if told else untold(outcome.plan, outcome.announcements)
    if not pacing_enabled(settings.pacing, clients.cloudwatch.meta.endpoint_url):
        pacer = Pacer({}, clock)  # a pacer kept by the caller does not wait on moto either
    elif pacer is None:
        pacer = paced_writes(clients, settings, clock)
    ownership = partial(owner_mark_now, clients, settings)
    result = apply_plan(plan, clients, settings, pacer=pacer, deadline=deadline, ownership=ownership, progress=progress)
    return replace(outcome, plan=plan, result=result, told=told, notes=tuple(notes))
