"""A resource's monitoring in one short line, and the alarm that carries it (pure).

The line names the rule kinds that watch the resource ("rules:bytes+tcpflows+rejects"), or why
none does ("metrics-only:quota", "metrics-only:flow-logs"), or "excluded". It is kept as a tag on
one alarm of the resource, the carrier, so the next run can tell what changed since it was last
announced (core/announce/). It holds only what is stable from run to run: never a count that moves
with the account, which would announce the same resource again and again. The characters are those
every AWS tag value accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from core.model import AlarmSpec, Coverage, RuleKind, RuleSpec

EXCLUDED = "excluded"
RULES_PREFIX = "rules:"
METRICS_ONLY_PREFIX = "metrics-only:"
FOR_QUOTA = METRICS_ONLY_PREFIX + "quota"
FOR_FLOW_LOGS = METRICS_ONLY_PREFIX + "flow-logs"


def monitoring_line(entry: Coverage, rules: Mapping[str, RuleSpec]) -> str:
    """ "" for a resource still being created: it is judged once it is there."""
    if entry.pending:
        return ""
    if entry.excluded:
        return EXCLUDED
    kinds = {rules[name].kind for name in entry.rule_names if name in rules}
    if kinds:
        return RULES_PREFIX + "+".join(kind.value for kind in RuleKind if kind in kinds)
    return FOR_QUOTA if entry.over_quota else FOR_FLOW_LOGS


def rule_kinds_of(line: str) -> tuple[RuleKind, ...]:
    """The rule kinds a line names, in RuleKind's order; none for every other line."""
    if not line.startswith(RULES_PREFIX):
        return ()
    named = set(line.removeprefix(RULES_PREFIX).split("+"))
    return tuple(kind for kind in RuleKind if kind.value in named)


def with_carriers(
    alarms: Mapping[str, AlarmSpec], coverage: Iterable[Coverage], rules: Mapping[str, RuleSpec]
) -> dict[str, AlarmSpec]:
    """The alarms, the first own alarm of each judged resource (by name) marked as its carrier.
    A resource without an alarm of its own (excluded, or nothing to watch) has no carrier."""
    own: dict[str, str] = {}
    for name in sorted(alarms):
        own.setdefault(alarms[name].resource_id, name)
    marked = dict(alarms)
    for entry in coverage:
        carrier = own.get(entry.resource.resource_id)
        if carrier and (line := monitoring_line(entry, rules)) and line != EXCLUDED:
            marked[carrier] = replace(alarms[carrier], monitoring=line)
    return marked
