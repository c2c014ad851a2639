"""What an artifact kind is, and the typed changes a plan makes to artifacts of a kind.

Observe, plan, apply, destroy and the report iterate over the registry (core/artifacts/__init__.py)
and never branch on a kind's name. The desired and actual states hold each kind's artifacts under
its name (`desired.of(kind)`), and a kind's write rate (`write_rate`) paces every operation it calls.

The changes (Create, Update, StateChange, Delete), the Plan that orders them and the Result of
applying it live here, beside the kind each change names: the plan and apply stages both need
them, so they sit below both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from core.artifacts.ownership import is_owner_tag, tags_of
from core.model import ArtifactSpec, Observed
from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients


@dataclass(frozen=True, slots=True)
class Reading:
    """What observing the account shares between the kinds: clients, settings, the owner tags the
    tagging API listed as ours, ((kind's name, name) -> tags), and every insight rule of the Region
    (read once: the rule quota counts the rules of others too)."""

    clients: Clients
    settings: Settings
    tag_index: Mapping[tuple[str, str], dict[str, str]]
    insight_rules: list[Any] = field(default_factory=list)

    def tags(self, kind: ArtifactKind, name: str, arn: str) -> dict[str, str]:
        """The index only ever confirms ownership: what it does not list as ours is read directly."""
        tags = self.tag_index.get((kind.name, name))
        if tags is not None and is_owner_tag(tags, self.settings):
            return tags
        return tags_of(self.clients, arn)


def body_differs(kind: ArtifactKind, want: ArtifactSpec, have: Observed) -> Update | StateChange | None:
    """An artifact written whole: it is updated when its body differs, and only then."""
    return Update(kind, want.name, "body differs", want, have.body) if want.body != have.body else None


def no_prerequisites(spec: ArtifactSpec) -> tuple[tuple[str, str], ...]:
    return ()


def fixed_rate(calls_per_second: float) -> Callable[[Settings], float]:
    """The write rate of a kind without a setting of its own: its API's documented rate."""
    return lambda settings: calls_per_second


@dataclass(frozen=True, slots=True, eq=False)
class ArtifactKind:
    """One kind of artifact. `arn_type` is its resource type in ARNs and the tagging API ("" for a
    kind that cannot be tagged); operation names are those the pacer spaces (core/apply/pacing.py)."""

    name: str  # as plans, summaries and logs show it: "rule", "alarm", "dashboard"
    arn_type: str
    # Ours and look-alikes (our prefix without our owner mark, never touched), as read from the account
    observe: Callable[[Reading, ArtifactKind], tuple[dict[str, Observed], tuple[str, ...]]]
    # Its owner mark as it is now, read right before an update or delete
    is_ours_now: Callable[[Clients, Settings, str], bool]
    # Writes one change; returns per-name failures that AWS reported in a successful answer
    write: Callable[[Clients, Settings, Write, list[str]], dict[str, str]]
    delete: Callable[[Clients, list[str]], dict[str, str]]
    write_operation: str
    delete_operation: str
    names_per_delete: int
    # Calls per second for each of its operations: a setting of its own, or a fixed rate (`fixed_rate`)
    write_rate: Callable[[Settings], float]
    compare: Callable[[ArtifactKind, ArtifactSpec, Observed], Update | StateChange | None] = body_differs
    state_operations: tuple[tuple[str, str], ...] = ()  # wanted state -> the operation that switches to it
    # (kind's name, name) of the artifacts a spec reads, which must exist before it is written
    prerequisites: Callable[[ArtifactSpec], tuple[tuple[str, str], ...]] = no_prerequisites

    @property
    def operations(self) -> tuple[str, ...]:
        """Every API call it makes to write, switch or delete, as the pacer knows them."""
        return (self.write_operation, self.delete_operation, *(operation for _, operation in self.state_operations))

    def operation(self, change: Change) -> str:
        """The API call that makes `change`, as the pacer knows it."""
        if isinstance(change, Delete):
            return self.delete_operation
        if isinstance(change, StateChange):
            return dict(self.state_operations)[change.state]
        return self.write_operation


class Action(StrEnum):
    """How a change shows in the plan and the summary."""

    CREATE = "+"
    UPDATE = "~"
    DELETE = "-"


@dataclass(frozen=True, slots=True)
class PlanItem:
    """What every plan item has: its kind and its name; `artifact` is the kind's name as shown."""

    action: ClassVar[Action]
    kind: ArtifactKind
    name: str
    reason: str  # shown by `plinsights plan`; apply never branches on it

    @property
    def artifact(self) -> str:
        return self.kind.name


@dataclass(frozen=True, slots=True)
class Create(PlanItem):
    action: ClassVar[Action] = Action.CREATE
    spec: ArtifactSpec


@dataclass(frozen=True, slots=True)
class Update(PlanItem):
    """The body differs: the artifact is written again whole. `before` is the body observed, so
    the plan can show what changes."""

    action: ClassVar[Action] = Action.UPDATE
    spec: ArtifactSpec
    before: str = ""


@dataclass(frozen=True, slots=True)
class StateChange(PlanItem):
    """Only the state differs (a rule's ENABLED or DISABLED): switched, not rewritten, so its history stays."""

    action: ClassVar[Action] = Action.UPDATE
    spec: ArtifactSpec
    state: str  # the state wanted


@dataclass(frozen=True, slots=True)
class Delete(PlanItem):
    action: ClassVar[Action] = Action.DELETE
    resource_id: str = ""  # the resource it belongs to (its resource-id tag); "" for a shared one or a dashboard


Write = Create | Update | StateChange

Change = Create | Update | StateChange | Delete


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[Change, ...] = ()
    unchanged: int = 0
    notes: tuple[str, ...] = ()
    held_deletions: tuple[Delete, ...] = ()  # every deletion, when there are more than the deletion limit
    # How many deletions the limit holds back, dashboards that only held sections keep included: a
    # deletion limit of at least this lets them all through (core/plan/diff.py); 0 when none are held.
    held_back: int = 0

    @property
    def held_resources(self) -> tuple[str, ...]:
        """The resources some of whose deletions are held, sorted: each keeps all of its monitoring,
        its dashboard section included, until the deletions are let through."""
        return tuple(sorted({d.resource_id for d in self.held_deletions if d.resource_id}))


def release_advice(held_back: int, resource_id: str = "") -> str:
    """What a person does about deletions the deletion limit holds (of one resource, or of all):
    let them through, or look at what discovery sees."""
    subject, verb = ("it", "is") if resource_id else ("they", "are")
    return (
        f"If {subject} {verb} really gone, let the deletions through once with `plinsights apply --max-deletes "
        f"{held_back}` (with `--stack <stack>` for a deployed stack), or raise the deletion limit (the stack's "
        f"MaxDeletes parameter, PLINSIGHTS_MAX_DELETES); if {subject} still exist{'s' if resource_id else ''}, "
        f"`plinsights explain {resource_id or '<id>'}` shows what discovery sees."
    )


@dataclass(frozen=True, slots=True)
class Failure:
    change: Change
    error: str


@dataclass(slots=True)
class Result:
    """What apply did: each change is done, failed, left alone or deferred; nothing is half-recorded."""

    done: list[Change] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    left_alone: list[Change] = field(default_factory=list)  # no longer ours when its turn came
    deferred: list[Change] = field(default_factory=list)  # not started before the deadline: the next run's
    paced_seconds: float = 0.0  # time spent waiting for the write rates
    notes: list[str] = field(default_factory=list)  # what AWS said about writes that succeeded (warnings)
