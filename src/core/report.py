"""Outcome -> what people and scripts read: a JSON-ready summary, a plain-text report, the run's metrics."""

from __future__ import annotations

import difflib
import json
from typing import Any

from core.announce.changes import Announcement, to_tell
from core.artifacts.kind import Action, Change, Update
from core.desire.cost import cost_lines, cost_to_dict
from core.model import Coverage, EndpointConnection, RuleQuota
from core.reconcile import Outcome


def change_to_dict(change: Change) -> dict[str, Any]:
    return {
        "action": change.action.name.lower(),
        "artifact": change.kind.name,
        "name": change.name,
        "reason": change.reason,
    }


def consumer_to_dict(connection: EndpointConnection) -> dict[str, str]:
    """A consumer endpoint of one of our endpoint services, as DescribeVpcEndpointConnections shows it."""
    return {
        "endpoint_service": connection.service_id,
        "endpoint": connection.endpoint_id,
        "account": connection.owner,
        "state": connection.state,
        "region": connection.region,
    }


def coverage_to_dict(coverage: Coverage) -> dict[str, Any]:
    resource = coverage.resource
    entry: dict[str, Any] = {
        "id": resource.resource_id,
        "kind": resource.kind.value,
        "side": resource.kind.side,
        "state": resource.state,
        "vpc": resource.vpc_id,
        "enis": [eni.eni_id for eni in resource.enis],
        "monitored": coverage.monitored,
    }
    if resource.service_name:
        entry["service"] = resource.service_name
    if resource.endpoint_services:
        entry["endpoint_services"] = list(resource.endpoint_services)
        entry["consumers"] = [consumer_to_dict(c) for c in resource.consumers]
    if coverage.monitored:
        entry["rules"] = list(coverage.rule_names)
        entry["log_groups"] = list(coverage.log_groups)
    else:
        entry["reason"] = coverage.unmonitorable
        entry["pending"] = coverage.pending
        entry["excluded"] = coverage.excluded
    if coverage.alarm_names:
        entry["alarms"] = list(coverage.alarm_names)
    if coverage.notes:
        entry["notes"] = list(coverage.notes)
    return entry


def announcement_to_dict(announcement: Announcement) -> dict[str, Any]:
    """A change of one resource's monitoring: its lines before (as last told; "" never told) and now."""
    return {
        "id": announcement.resource.resource_id,
        "before": announcement.before,
        "now": announcement.now,
        "lost": list(announcement.lost),
        "regained": list(announcement.regained),
        "message": announcement.text(),
    }


def quota_to_dict(quota: RuleQuota | None) -> dict[str, Any] | None:
    if quota is None:
        return None
    return {
        "limit": quota.limit,
        "source": quota.source,
        "ours": quota.ours,
        "reserved": quota.reserved,  # managed rules of endpoint services, set aside before the flow-log rules
        "others": quota.others,
        "left": quota.left,
    }


def summary(outcome: Outcome, dry_run: bool) -> dict[str, Any]:
    """The Lambda's return value and `--output json`: stable keys, plain types."""
    coverage = outcome.desired.coverage
    data: dict[str, Any] = {
        "region": outcome.inventory.region,
        "dry_run": dry_run,
        "resources": len(coverage),
        "monitored": sum(1 for c in coverage if c.monitored),
        "not_monitored": sum(1 for c in coverage if not c.monitored),
        "rules": len(outcome.desired.rules),
        "alarms": len(outcome.desired.alarms),
        "dashboards": sorted(outcome.desired.dashboards),
        "plan": [change_to_dict(change) for change in outcome.plan.changes],
        "unchanged": outcome.plan.unchanged,
        "notes": list(outcome.plan.notes),
        "held_deletions": [change_to_dict(change) for change in outcome.plan.held_deletions],
        "held_resources": list(outcome.plan.held_resources),  # each keeps all its monitoring, marked held
        "quota": quota_to_dict(outcome.desired.quota),
        "coverage": [coverage_to_dict(c) for c in coverage],
        # What this run tells (or, on a dry run, would tell) the alarm topic, and whether it did
        "announcements": [announcement_to_dict(a) for a in to_tell(outcome.announcements)],
        "announced": outcome.told,
    }
    if outcome.cost is not None:
        data["cost"] = cost_to_dict(outcome.cost)
    if outcome.result is not None:
        data["done"] = [change_to_dict(change) for change in outcome.result.done]
        data["failed"] = [{**change_to_dict(f.change), "error": f.error} for f in outcome.result.failed]
        # Not started before the invocation's deadline; the next reconcile plans them again.
        data["deferred"] = [change_to_dict(change) for change in outcome.result.deferred]
        # Planned, but its owner mark was gone when its turn came: someone else's now, never touched.
        data["left_alone"] = [change_to_dict(change) for change in outcome.result.left_alone]
        data["paced_seconds"] = round(outcome.result.paced_seconds, 1)
        data["notes"] += outcome.result.notes  # what AWS said about writes it accepted
    data["notes"] += outcome.notes  # how telling went
    return data


DIFF_LINES = 12  # an update's diff in the text plan: enough to see the change, short enough to scan


def readable_lines(body: str) -> list[str]:
    """A body as sorted, indented JSON, one value a line, so a diff shows only what changed; JSON
    strings that hold JSON (a dashboard's body, a rule's definition) are opened too."""
    try:
        value = json.loads(body)
    except ValueError:
        return body.splitlines()
    return json.dumps(open_nested_json(value), indent=2, sort_keys=True).splitlines()


def open_nested_json(value: object) -> object:
    if isinstance(value, dict):
        return {key: open_nested_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [open_nested_json(item) for item in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return open_nested_json(json.loads(value))
        except ValueError:
            return value
    return value


def body_diff(before: str, after: str, limit: int = DIFF_LINES) -> list[str]:
    """The changed lines of an update, as a unified diff with one line of context, capped at `limit`."""
    diff = [
        line
        for line in difflib.unified_diff(readable_lines(before), readable_lines(after), lineterm="", n=1)
        if not line.startswith(("---", "+++"))
    ]
    if len(diff) > limit:
        return [*diff[:limit], f"... {len(diff) - limit} more"]
    return diff


def render_text(outcome: Outcome, dry_run: bool) -> str:
    lines: list[str] = []
    coverage = outcome.desired.coverage
    monitored = [c for c in coverage if c.monitored]
    unmonitored = [c for c in coverage if not c.monitored]
    lines.append(f"Region {outcome.inventory.region}: {len(coverage)} resources, {len(monitored)} monitored")
    for c in monitored:
        r = c.resource
        lines.append(f"  monitored  {r.short_id}  {r.kind.value}, {len(r.enis)} ENIs, logs: {', '.join(c.log_groups)}")
        lines += [f"             rule  {name}" for name in c.rule_names]
        lines += [f"             alarm {name}" for name in c.alarm_names]
        lines += [f"             note: {note}" for note in c.notes]
    for c in unmonitored:
        r = c.resource
        label = "pending   " if c.pending else "excluded  " if c.excluded else "not monit."
        lines.append(f"  {label} {r.short_id}  {r.kind.value}: {c.unmonitorable}")
        lines += [f"             alarm {name} (PrivateLink metrics, no flow logs needed)" for name in c.alarm_names]
        lines += [f"             note: {note}" for note in c.notes]
    dashboards = ", ".join(outcome.desired.dashboards) or "none"
    if quota := outcome.desired.quota:
        managed = f" and {quota.reserved} managed rules set aside first" if quota.reserved else ""
        lines.append(
            f"Contributor Insights quota: {quota.limit} ({quota.source}); {quota.others} rules of others,"
            f" {quota.ours} ours{managed}, {quota.left} left"
        )
    lines.append(f"{len(outcome.desired.rules)} rules, {len(outcome.desired.alarms)} alarms; dashboards: {dashboards}")
    if outcome.cost is not None:
        lines += cost_lines(outcome.cost)
    changes = outcome.plan.changes
    heading = "Plan (dry run, nothing written)" if dry_run else "Changes"
    lines.append(f"{heading}: {len(changes)} to make, {outcome.plan.unchanged} unchanged")
    for change in changes:
        lines.append(f"  {change.action.value} {change.artifact} {change.name}  ({change.reason})")
        if isinstance(change, Update) and change.before:
            lines += [f"      {line}" for line in body_diff(change.before, change.spec.body)]
    lines += [f"  note: {note}" for note in outcome.plan.notes]
    lines += [f"  held {c.action.value} {c.artifact} {c.name}  ({c.reason})" for c in outcome.plan.held_deletions]
    if telling := to_tell(outcome.announcements):
        told = "told to the alarm topic" if outcome.told else "to tell the alarm topic" if dry_run else "not told"
        lines.append(f"Monitoring changed for {len(telling)} resources ({told}):")
        lines += [f"  {announcement.text()}" for announcement in telling]
    if outcome.result is not None:
        result = outcome.result
        line = f"Applied: {len(result.done)} done, {len(result.failed)} failed"
        if result.deferred:
            line += f", {len(result.deferred)} deferred to the next run (out of time)"
        lines.append(line + (f"; {result.paced_seconds:.0f} s waiting for write rates" if result.paced_seconds else ""))
        lines += [f"  failed {f.change.action.value} {f.change.name}: {f.error}" for f in result.failed]
        lines += [f"  deferred {c.action.value} {c.artifact} {c.name}" for c in result.deferred]
        lines += [f"  left alone {c.artifact} {c.name}: no longer carries our owner mark" for c in result.left_alone]
        lines += [f"  note: {note}" for note in result.notes]
    lines += [f"  note: {note}" for note in outcome.notes]
    return "\n".join(lines)


def metric_counts(outcome: Outcome, throttles: int) -> dict[str, int]:
    """The function's own health, by metric name: what the handler publishes as EMF metrics."""
    coverage = outcome.desired.coverage
    done = outcome.result.done if outcome.result else []
    counts = {
        "ResourcesMonitored": sum(1 for c in coverage if c.monitored),
        "ResourcesNotMonitorable": sum(1 for c in coverage if not c.monitored and not c.excluded and not c.pending),
        "ResourcesPending": sum(1 for c in coverage if c.pending),
        "ResourcesExcluded": sum(1 for c in coverage if c.excluded),
        "ArtifactsCreated": sum(1 for c in done if c.action is Action.CREATE),
        "ArtifactsUpdated": sum(1 for c in done if c.action is Action.UPDATE),
        "ArtifactsDeleted": sum(1 for c in done if c.action is Action.DELETE),
        "ChangesFailed": len(outcome.result.failed) if outcome.result else 0,
        "ChangesDeferred": len(outcome.result.deferred) if outcome.result else 0,
        "DeletionsHeld": len(outcome.plan.held_deletions),
        # Resources that lost monitoring this run, or that cannot have any rule and were never told
        "ResourcesNewlyUnmonitored": sum(1 for a in to_tell(outcome.announcements) if a.is_loss),
        "Throttles": throttles,
    }
    if quota := outcome.desired.quota:
        counts["RuleQuotaLeft"] = quota.left
        # Every rule of the Region, ours and others', as a share of the quota: the stack alarms near full
        used = quota.others + quota.reserved + quota.ours
        counts["RuleQuotaUsedPercent"] = min(round(100 * used / quota.limit), 100) if quota.limit else 100
    return counts
