"""Removal of a deployment: every artifact that observe reports as ours is deleted, nothing else.

Used by `plinsights destroy` and by the stack's cleanup custom resource, so that deleting the stack
strands no rule, alarm or dashboard. It reads through `core.observe` (our prefix AND our ownership
mark), writes through `core.apply`, and takes the artifact kinds from the registry, so a new kind
of artifact is removed without a change here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from core.apply.pacing import paced_writes
from core.apply.writes import apply_plan
from core.artifacts import DELETE_ORDER
from core.artifacts.kind import Delete, Plan, Result
from core.model import ActualState
from core.observe.state import observe, owner_mark_now
from core.progress import Progress
from core.report import change_to_dict
from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients


@dataclass(frozen=True, slots=True)
class Removal:
    """What removing a deployment found and did."""

    region: str
    prefix: str
    plan: Plan
    result: Result | None  # None on a dry run: nothing was deleted

    @property
    def failed(self) -> bool:
        return bool(self.result and self.result.failed)


def destroy_plan(actual: ActualState, settings: Settings) -> Plan:
    """A delete for every artifact we own, readers before the rules they read; look-alikes (our
    prefix without our mark) are left alone."""
    reason = f"owned by deployment {settings.prefix}: removed with it"
    changes = [Delete(kind, name, reason) for kind in DELETE_ORDER for name in sorted(actual.of(kind))]
    return Plan(changes=tuple(changes))


def run_destroy(
    clients: Clients, settings: Settings, *, dry_run: bool = False, progress: Progress | None = None
) -> Removal:
    """A failed read raises DiscoveryError before anything is deleted; a failed delete is reported.
    `progress` hears the reads and each delete (the CLI's; the cleanup function passes none)."""
    plan = destroy_plan(observe(clients, settings, progress), settings)
    removal = Removal(clients.region, settings.prefix, plan, None)
    return removal if dry_run else apply_removal(clients, settings, removal, progress)


def apply_removal(clients: Clients, settings: Settings, removal: Removal, progress: Progress | None = None) -> Removal:
    """Deletes what a dry run listed: the CLI shows the list, asks, then deletes exactly that."""
    # Like the reconcile, each owner mark is read again right before its delete.
    ownership = partial(owner_mark_now, clients, settings)
    # Paced like the reconcile: a large deployment's deletes would otherwise meet the 1 TPS rule APIs
    # as fast as botocore can send them.
    pacer = paced_writes(clients, settings)
    result = apply_plan(removal.plan, clients, settings, pacer=pacer, ownership=ownership, progress=progress)
    return replace(removal, result=result)


def removal_summary(removal: Removal, dry_run: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region": removal.region,
        "prefix": removal.prefix,
        "dry_run": dry_run,
        "plan": [change_to_dict(change) for change in removal.plan.changes],
    }
    if removal.result is not None:
        data["done"] = [change_to_dict(change) for change in removal.result.done]
        data["failed"] = [{**change_to_dict(f.change), "error": f.error} for f in removal.result.failed]
        data["left_alone"] = [change_to_dict(change) for change in removal.result.left_alone]
    return data


def render_removal(removal: Removal, dry_run: bool) -> str:
    changes = removal.plan.changes
    lines = [f"Region {removal.region}, deployment {removal.prefix}: {len(changes)} artifacts of ours"]
    verb = "would delete" if dry_run else "delete"
    lines += [f"  {verb} {change.artifact} {change.name}" for change in changes]
    if dry_run:
        lines.append("Dry run: nothing was deleted")
    if removal.result is not None:
        lines.append(f"Deleted: {len(removal.result.done)} done, {len(removal.result.failed)} failed")
        lines += [f"  failed {f.change.artifact} {f.change.name}: {f.error}" for f in removal.result.failed]
        lines += [f"  left alone {c.artifact} {c.name}: no longer ours" for c in removal.result.left_alone]
    return "\n".join(lines)
