"""Artifacts: the registry of artifact kinds, what a reconcile makes, in the order it is written.

One module per kind (rules.py, managed_rules.py, alarms.py, dashboards.py): how it is observed, compared, written,
deleted, proven ours and paced. kind.py says what a kind is and holds the typed changes a plan
makes to artifacts (the plan's items, its Plan and apply's Result), which the stages above share;
canonical.py and ownership.py are the canonical form of a body and the owner marks and ARNs.

It may import the model, settings, errors and clients, and no stage.
"""

from __future__ import annotations

import math

from core.artifacts.alarms import ALARMS
from core.artifacts.dashboards import DASHBOARDS
from core.artifacts.kind import ArtifactKind
from core.artifacts.managed_rules import MANAGED_RULES
from core.artifacts.rules import RULES
from core.settings import Settings

# Dependency order: alarms and widgets read rules, so rules are written first.
ARTIFACTS: tuple[ArtifactKind, ...] = (RULES, MANAGED_RULES, ALARMS, DASHBOARDS)

# Deleted the other way round, readers before the rules they read, so that a run cut short leaves
# nothing pointing at a rule that is gone. Alarms go before dashboards, as they always have.
DELETE_ORDER: tuple[ArtifactKind, ...] = (ALARMS, DASHBOARDS, MANAGED_RULES, RULES)


def write_rates(settings: Settings) -> dict[str, float]:
    """Calls per second for every write API the kinds call (operation name -> rate), for the pacer.
    Two kinds calling one API (DeleteAlarms serves any alarm) share its slowest rate."""
    rates: dict[str, float] = {}
    for kind in ARTIFACTS:
        for operation in kind.operations:
            rates[operation] = min(rates.get(operation, math.inf), kind.write_rate(settings))
    return rates


__all__ = ["ALARMS", "ARTIFACTS", "DASHBOARDS", "DELETE_ORDER", "MANAGED_RULES", "RULES", "ArtifactKind", "write_rates"]
