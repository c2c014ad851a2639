"""The typed plan: creates, updates, state changes and deletes, and what apply did with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from core.artifacts.kind import ArtifactKind
    from core.model import ArtifactSpec


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


Write = Create | Update | StateChange
Change = Create | Update | StateChange | Delete


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[Change, ...] = ()
    unchanged: int = 0
    notes: tuple[str, ...] = ()
    held_deletions: tuple[Delete, ...] = ()  # every deletion, when there are more than the deletion limit


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
