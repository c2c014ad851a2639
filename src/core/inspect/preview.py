"""`plinsights preview`: what each rule the plan wants would report, from the flow-log records already logged.

A rule only sees log events that arrive after it is created (CloudWatch user guide), so a preview
is the one way to see a rule's top contributors before it exists and costs money. Each log group
is read once, whatever number of rules read it, with FilterLogEvents over the window, page by page
up to a cap; every record is then given to every rule that reads the group, and the rule's own
filters (its ENIs among them) decide, exactly as Contributor Insights would. Restricting the read
to the rules' ENIs by log stream is not done: CloudWatch Logs names a flow log's streams after the
ENI, but the exact name is not documented where we could check, and a rule reads every stream.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from core.desire.rules import RULE_TEMPLATES, alias
from core.inspect.insights_eval import Contributor, Evaluation, compile_rule, evaluate
from core.model import RuleSpec
from core.reconcile import Outcome, run_reconcile
from core.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

    from core.clients import Clients


DEFAULT_MINUTES = 60

DEFAULT_MAX_EVENTS = 10_000  # per log group; FilterLogEvents returns at most 10,000 events a page

PAGE_LIMIT = 10_000  # FilterLogEvents: limit, 1 to 10,000

KIND_ORDER = {kind.value: place for place, kind in enumerate(RULE_TEMPLATES)}


@dataclass(frozen=True, slots=True)
class LogRead:
    """The log event messages of one log group in the window, as far as the cap allowed."""

    log_group: str
    messages: tuple[str, ...] = ()
    capped: bool = False  # the cap stopped the read: later events were not read
    missing: bool = False  # the log group does not exist (yet)


@dataclass(frozen=True, slots=True)
class RuleReport:
    """One rule's top contributors, previewed from records or reported by CloudWatch (`plinsights top`)."""

    name: str
    resource: str
    kind: str
    log_groups: tuple[str, ...]
    records_read: int  # preview: log events read from its log groups; top: log events the rule matched
    evaluation: Evaluation


@dataclass(frozen=True, slots=True)
class Preview:
    rules: tuple[RuleReport, ...]
    reads: tuple[LogRead, ...]
    minutes: int
    max_events: int

    @property
    def notes(self) -> list[str]:
        """What a reader must know to trust the figures: a cap hit, a log group missing."""
        notes = []
        for read in self.reads:
            if read.capped:
                notes.append(
                    f"{read.log_group}: read the first {len(read.messages)} events of the last {self.minutes} "
                    f"minutes only (the cap, --max-events); later records are not counted"
                )
            if read.missing:
                notes.append(f"{read.log_group}: the log group does not exist: no records")
        return notes


def preview_rules(
    rules: Iterable[RuleSpec], reads: Mapping[str, LogRead], owners: Mapping[str, str] | None = None
) -> tuple[RuleReport, ...]:
    """Each rule evaluated over the records of its log group (pure), by resource then rule kind. A
    shared rule is reported once per resource it serves, over that resource's ENIs alone (`owners`:
    ENI -> resource), so each resource's table shows its own contributors, ranked among themselves."""
    reports = []
    for rule in rules:
        read = reads.get(rule.log_group, LogRead(rule.log_group))
        if rule.resource_id or not owners:
            views = [(rule.resource_id, rule.definition)]
        else:
            views = [
                (rid, narrowed(rule.definition, [e for e in rule.eni_ids if owners.get(e) == rid]))
                for rid in rule.served
            ]
        for resource, definition in views:
            reports.append(
                RuleReport(
                    name=rule.name,
                    resource=resource,
                    kind=rule.kind.value,
                    log_groups=(rule.log_group,),
                    records_read=len(read.messages),
                    evaluation=evaluate(compile_rule(definition), read.messages),
                )
            )
    return tuple(sorted(reports, key=report_order))


def narrowed(definition: str, eni_ids: Sequence[str]) -> str:
    """The rule's definition with its interface-id filter cut down to `eni_ids`: what the rule
    counts for those ENIs alone."""
    document = json.loads(definition)
    for rule_filter in document["Contribution"]["Filters"]:
        if rule_filter.get("Match") == alias("interface-id"):
            rule_filter["In"] = sorted(eni_ids)
    return json.dumps(document)


def report_order(report: RuleReport) -> tuple[str, int, str]:
    return report.resource, KIND_ORDER.get(report.kind, len(KIND_ORDER)), report.name


MAX_PAGES = 200  # FilterLogEvents calls per log group: a huge group yields empty pages for a while


def read_log_group(logs: CloudWatchLogsClient, log_group: str, start_ms: int, end_ms: int, max_events: int) -> LogRead:
    """FilterLogEvents over [start_ms, end_ms] (milliseconds since the epoch), page by page, until
    the pages end, `max_events` are read or MAX_PAGES were asked for. A page may hold fewer events
    than asked, or none, and still carry a nextToken (FilterLogEvents searches a slice of the log
    group per call)."""
    messages: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": log_group, "startTime": start_ms, "endTime": end_ms}
    try:
        for _ in range(MAX_PAGES):  # bounded in calls too: pages may come back empty, one after another
            if len(messages) >= max_events:
                break
            page = logs.filter_log_events(**kwargs, limit=min(PAGE_LIMIT, max_events - len(messages)))
            messages += [event["message"] for event in page.get("events", []) if "message" in event]
            token = page.get("nextToken")
            if not token:
                return LogRead(log_group, tuple(messages))
            kwargs["nextToken"] = token
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return LogRead(log_group, missing=True)
        raise
    return LogRead(log_group, tuple(messages[:max_events]), capped=True)


def run_preview(
    clients: Clients,
    settings: Settings,
    *,
    now: float,
    minutes: int = DEFAULT_MINUTES,
    max_events: int = DEFAULT_MAX_EVENTS,
) -> Preview:
    """The rules a dry-run reconcile wants, whether or not they exist yet, each previewed over the
    records of the `minutes` before `now` (seconds since the epoch). Writes nothing."""
    if minutes < 1 or max_events < 1:
        raise ValueError("minutes and max_events must be at least 1")
    outcome = run_reconcile(clients, settings, dry_run=True)
    rules = list(outcome.desired.rules.values())
    owners = {eni.eni_id: r.resource_id for r in outcome.inventory.resources for eni in r.enis}
    end_ms = int(now * 1000)
    start_ms = end_ms - minutes * 60_000
    reads = {
        group: read_log_group(clients.logs, group, start_ms, end_ms, max_events)
        for group in sorted({rule.log_group for rule in rules})
    }
    return Preview(preview_rules(rules, reads, owners), tuple(reads.values()), minutes, max_events)


def preview_resource(
    clients: Clients,
    outcome: Outcome,
    resource_id: str,
    *,
    now: float,
    minutes: int = DEFAULT_MINUTES,
    max_events: int = DEFAULT_MAX_EVENTS,
) -> Preview:
    """One resource's own contributors from the rules that serve it (a shared rule evaluated over
    its ENIs alone), over the records of its log groups only: what `plinsights explain` shows."""
    rules = [rule for rule in outcome.desired.rules.values() if rule.serves(resource_id)]
    owners = {eni.eni_id: r.resource_id for r in outcome.inventory.resources for eni in r.enis}
    end_ms = int(now * 1000)
    reads = {
        group: read_log_group(clients.logs, group, end_ms - minutes * 60_000, end_ms, max_events)
        for group in sorted({rule.log_group for rule in rules})
    }
    reports = tuple(r for r in preview_rules(rules, reads, owners) if r.resource == resource_id)
    return Preview(reports, tuple(reads.values()), minutes, max_events)


def number(value: float) -> float | int:
    """Whole values as integers: byte and record counts read best without `.0`."""
    return int(value) if float(value).is_integer() else value


def contributors_to_list(contributors: Sequence[Contributor]) -> list[dict[str, Any]]:
    return [{"keys": list(c.keys), "value": number(c.value)} for c in contributors]


def reports_to_dict(reports: Sequence[RuleReport]) -> dict[str, Any]:
    """`--output json` of preview and top: these names are a contract (issue 13)."""
    return {
        "rules": [
            {
                "name": report.name,
                "resource": report.resource,
                "kind": report.kind,
                "log_groups": list(report.log_groups),
                "records_read": report.records_read,
                "contributors": contributors_to_list(report.evaluation.contributors),
            }
            for report in reports
        ]
    }
