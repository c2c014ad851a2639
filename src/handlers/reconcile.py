"""Lambda entry point: CloudTrail events from EventBridge, the schedule, and manual backfill."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clients import Clients
from core.errors import ReconcileError
from core.model import Action
from core.pacing import Pacer
from core.reconcile import Outcome, run_reconcile
from core.report import summary
from core.settings import Settings
from core.triggers import parse_trigger, payload

# Seconds of the invocation kept back when no new write may start any more: room for the call in
# flight with a few throttled retries (backoff doubles up to 20 s a wait), its owner-mark read, the
# summary and the metrics. What is left over is deferred to the next run, which plans it again from
# the account. A call that outlasts even this is cut by the timeout: the summary is lost, and the
# next run finds the account as that call left it, done or not, and carries on.
DEADLINE_MARGIN = 60.0

logger = Logger()  # service name: POWERTOOLS_SERVICE_NAME in template.yaml
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PrivateLinkInsights"))


@lru_cache(maxsize=4)
def cached_clients(region: str | None, endpoint_url: str | None) -> Clients:
    """Warm invocations reuse connections; a changed Region or endpoint gets new clients."""
    return Clients(region=region)


@lru_cache(maxsize=4)
def cached_pacer(rates: tuple[tuple[str, float], ...]) -> Pacer:
    """One pacer for the warm container: with one concurrent execution, an event's run can follow
    the last run's writes within the second, and the rates hold across the two."""
    return Pacer(dict(rates))


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The EventBridge id, cut short: correlation_id_path would log whatever "id" holds, and a deeply
    # nested one makes the JSON log formatter raise RecursionError, which logging lets through.
    logger.set_correlation_id(event_fields(event).get("id") or None)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    trigger = parse_trigger(event, region)
    if trigger.ignored:
        logger.warning("event ignored", extra={"reason": trigger.reason, **event_fields(event)})
        metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
        return {"ignored": True, "reason": trigger.reason}
    logger.info("reconcile due", extra={"trigger": trigger.kind, "event_name": trigger.name, "ids": list(trigger.ids)})
    clients = cached_clients(region, os.environ.get("AWS_ENDPOINT_URL"))
    throttles_before = clients.throttles
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - DEADLINE_MARGIN
    settings = Settings.from_env()
    pacer = cached_pacer(tuple(sorted(settings.write_rates.items())))
    outcome = run_reconcile(clients, settings, dry_run=trigger.dry_run, deadline=deadline, pacer=pacer)
    result = {"trigger": trigger.kind, "event_name": trigger.name, **summary(outcome, trigger.dry_run)}
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
    if outcome.failed:
        # Raised so that the asynchronous invocation's on-failure destination sees it; what did
        # not fail is done, and the next reconcile retries the rest.
        logger.error("changes failed", extra={"failed": result["failed"]})
        raise ReconcileError(f"{len(result['failed'])} changes failed; the next reconcile retries them")
    return result


def record_metrics(outcome: Outcome, throttles: int) -> None:
    """The function's own health, as EMF metrics in its log stream (no PutMetricData call)."""
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
        "DeletionsHeld": len(outcome.plan.held),
        "Throttles": throttles,
    }
    if outcome.desired.quota:
        counts["RuleQuotaLeft"] = outcome.desired.quota.left
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def event_fields(event: object) -> dict[str, Any]:
    return payload(event) if isinstance(event, Mapping) else {"type": type(event).__name__}
