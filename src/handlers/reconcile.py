"""Lambda entry point: batches from the reconcile queue (CloudTrail events, the schedule, follow-ups),
and the same events, or a backfill, invoked directly."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.apply.pacing import Pacer
from core.artifacts import write_rates
from core.clients import Clients
from core.errors import ReconcileError
from core.reconcile import Outcome, run_reconcile
from core.report import metric_counts, summary
from core.settings import Settings
from core.triggers.delivery import Wiring, arrange_follow_up, pending_follow_up
from core.triggers.events import Trigger, parse_trigger, payload
from core.triggers.followup import (
    covered_by_earlier_read,
    debounced,
    decide_debounce,
    decide_follow_up,
    due_in_seconds,
    pending_connections,
)

# Seconds of the invocation kept back when no new write may start any more: room for the call in
# flight with a few throttled retries (backoff doubles up to 20 s a wait), its owner-mark read, the
# summary and the metrics. What is left over is deferred to the next run, which plans it again from
# the account. A call that outlasts even this is cut by the timeout: the summary is lost, and the
# next run finds the account as that call left it, done or not, and carries on.
DEADLINE_MARGIN = 60.0

SQS_SOURCE = "aws:sqs"

logger = Logger()  # service name: POWERTOOLS_SERVICE_NAME in template.yaml
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PrivateLinkInsights"))
# Two deployments in one account and Region keep their metrics apart: the stack's alarms read their own.
metrics.set_default_dimensions(Deployment=os.environ.get("PLINSIGHTS_PREFIX") or Settings().prefix)


@lru_cache(maxsize=4)
def cached_clients(region: str | None) -> Clients:
    """Warm invocations reuse connections; a changed Region gets new clients. Tests replace it."""
    return Clients(region=region)


@lru_cache(maxsize=4)
def cached_pacer(rates: tuple[tuple[str, float], ...]) -> Pacer:
    """One pacer for the warm container: with one concurrent execution, an event's run can follow
    the last run's writes within the second, and the rates hold across the two."""
    return Pacer(dict(rates))


class ReadMark:
    """When the last reconcile of this container that ended without failures began reading the
    account. Lost with the container, which only costs a reconcile that could have been skipped."""

    started: float | None = None


wall_clock: Callable[[], float] = time.time  # the benchmark replaces it with its virtual clock
last_read = ReadMark()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    batch = isinstance(event, Mapping) and isinstance(event.get("Records"), list)
    if batch:
        logger.set_correlation_id(None)  # each message's id goes to its own log line
        triggers, sent_at = read_batch(event["Records"], region)
    else:
        # The EventBridge id, cut short: correlation_id_path would log whatever "id" holds, and a deeply
        # nested one makes the JSON log formatter raise RecursionError, which logging lets through.
        logger.set_correlation_id(event_fields(event).get("id") or None)
        triggers, sent_at = [parse_trigger(event, region)], []
        if triggers[0].ignored:
            logger.warning("event ignored", extra={"reason": triggers[0].reason, **event_fields(event)})
            metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
    acted = [t for t in triggers if not t.ignored]
    if not acted:
        return {"ignored": True, "reason": "; ".join(t.reason for t in triggers)[:1000] or "an empty batch"}
    if covered_by_earlier_read(sent_at, last_read.started, acted):
        reason = "every message reached the queue before the last reconcile began reading the account"
        extra = {"reason": reason, "messages": len(sent_at), "read_started": last_read.started}
        logger.info("batch covered", extra=extra)
        metrics.add_metric(name="BatchesCovered", unit=MetricUnit.Count, value=1)
        return {"skipped": True, "reason": reason, "messages": len(sent_at), "follow_up_seconds": None}
    wiring = Wiring.from_env()
    if batch and wiring and debounced(acted):
        return debounce(acted, wiring, region, len(sent_at))
    return reconcile(acted, batch, context, region)


def debounce(triggers: list[Trigger], wiring: Wiring, region: str | None, messages: int) -> dict[str, Any]:
    """A batch of CloudTrail event hints: no reconcile now, the deployment's one follow-up due soon
    instead (core/triggers/followup.py decides), so one reconcile covers a burst whose events CloudTrail
    delivers over minutes."""
    clients = cached_clients(region)
    now = datetime.fromtimestamp(wall_clock(), UTC)
    pending = pending_follow_up(clients, wiring)
    # A pending schedule whose due time cannot be read is taken as firing now: left as it is.
    pending_in = None if pending is None else (pending.due - now).total_seconds() if pending.due else 0.0
    decision = decide_debounce(pending_in, pending.step if pending else None)
    if decision.follow_up:
        arrange_follow_up(clients, wiring, decision.follow_up, now)
    seconds = decision.follow_up.seconds if decision.follow_up else due_in_seconds(pending_in or 0.0)
    names = ",".join(sorted({t.name for t in triggers if t.name}))
    extra = {"reason": decision.reason, "messages": messages, "event_name": names, "follow_up_seconds": seconds}
    logger.info("reconcile debounced", extra=extra)
    metrics.add_metric(name="BatchesDebounced", unit=MetricUnit.Count, value=1)
    return {"reconciled": False, "trigger": "batch", **extra}


def reconcile(triggers: list[Trigger], batch: bool, context: LambdaContext, region: str | None) -> dict[str, Any]:
    """One reconcile for every hint of the invocation: the account is read whole, whatever they named."""
    dry_run = all(t.dry_run for t in triggers)
    first = triggers[0]
    for trigger in triggers:
        extra = {"trigger": trigger.kind, "event_name": trigger.name, "ids": list(trigger.ids)}
        logger.info("reconcile due", extra=extra)
    clients = cached_clients(region)
    throttles_before = clients.throttles
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - DEADLINE_MARGIN
    settings = Settings.from_env()
    pacer = cached_pacer(tuple(sorted(write_rates(settings).items())))
    read_started = wall_clock()
    outcome = run_reconcile(clients, settings, dry_run=dry_run, deadline=deadline, pacer=pacer)
    result = {
        "trigger": "batch" if batch else first.kind,
        "event_name": ",".join(sorted({t.name for t in triggers if t.name})),
        **summary(outcome, dry_run),
    }
    record_metrics(outcome, clients.throttles - throttles_before)
    logger.info(
        "reconcile finished",
        extra={key: result[key] for key in ("monitored", "not_monitored", "rules", "alarms", "unchanged")}
        | {
            "changes": len(result["plan"]),
            "failed": len(result.get("failed", [])),
            "deferred": len(result.get("deferred", [])),
            "notes": result["notes"],
        },
    )
    result["follow_up_seconds"] = None if dry_run else follow_up(triggers, outcome, clients, read_started)
    if outcome.failed:
        # Raised so that the queue delivers the batch again, and after its retries keeps it in the
        # dead-letter queue; what did not fail is done, and the next reconcile retries the rest.
        logger.error("changes failed", extra={"failed": result["failed"]})
        raise ReconcileError(f"{len(result['failed'])} changes failed; the next reconcile retries them")
    if not dry_run:
        last_read.started = read_started
    return result


def follow_up(triggers: list[Trigger], outcome: Outcome, clients: Clients, read_started: float) -> int | None:
    """Arranges the one follow-up the outcome calls for, if any; says why in the log either way."""
    pending = sum(1 for c in outcome.desired.coverage if c.pending)
    connections = pending_connections(outcome.inventory.resources)
    deferred = len(outcome.result.deferred) if outcome.result else 0
    decision = decide_follow_up(triggers, pending, deferred, wall_clock() - read_started, connections)
    wiring = Wiring.from_env()
    if decision.follow_up and wiring:
        arrange_follow_up(clients, wiring, decision.follow_up, datetime.fromtimestamp(wall_clock(), UTC))
    seconds = decision.follow_up.seconds if decision.follow_up else None
    arranged = bool(decision.follow_up and wiring)
    logger.info("follow-up", extra={"follow_up_seconds": seconds, "reason": decision.reason, "arranged": arranged})
    return seconds


def read_batch(records: list[Any], region: str | None) -> tuple[list[Trigger], list[float]]:
    """The triggers of an SQS batch, and when each message reached the queue (epoch seconds)."""
    triggers: list[Trigger] = []
    sent_at: list[float] = []
    for record in records:
        trigger = parse_record(record, region)
        if trigger.ignored:
            fields = {"messageId": str(record.get("messageId", ""))[:80]} if isinstance(record, Mapping) else {}
            logger.warning("event ignored", extra={"reason": trigger.reason, **fields})
            metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
        triggers.append(trigger)
        attributes = record.get("attributes") if isinstance(record, Mapping) else None
        sent = attributes.get("SentTimestamp") if isinstance(attributes, Mapping) else None
        try:
            sent_at.append(int(str(sent)) / 1000)
        except ValueError:
            sent_at.append(float("inf"))  # unknown: never counts as covered by an earlier read
    return triggers, sent_at


def parse_record(record: object, region: str | None) -> Trigger:
    if not isinstance(record, Mapping) or record.get("eventSource") != SQS_SOURCE:
        return Trigger("ignored", reason="batch record is not an SQS message")
    try:
        body = json.loads(str(record.get("body", "")))
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python's stack
        return Trigger("ignored", reason="SQS message body is not JSON")
    return parse_trigger(body, region)


def record_metrics(outcome: Outcome, throttles: int) -> None:
    """The function's own health, as EMF metrics in its log stream (no PutMetricData call)."""
    for name, value in metric_counts(outcome, throttles).items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def event_fields(event: object) -> dict[str, Any]:
    return payload(event) if isinstance(event, Mapping) else {"type": type(event).__name__}
