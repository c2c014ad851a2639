"""Lambda entry point: CloudTrail events from EventBridge, the schedule, and manual backfill."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clients import Clients
from core.reconcile import run_reconcile
from core.report import summary
from core.settings import Settings
from core.triggers import parse_trigger, payload

logger = Logger()  # service name comes from POWERTOOLS_SERVICE_NAME in template.yaml


@lru_cache(maxsize=4)
def cached_clients(region: str | None, endpoint_url: str | None) -> Clients:
    """Warm invocations reuse connections; a changed Region or endpoint gets new clients."""
    return Clients(region=region)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The EventBridge id, cut short: correlation_id_path would log whatever "id" holds, and a deeply
    # nested one makes the JSON log formatter raise RecursionError, which logging lets through.
    logger.set_correlation_id(event_fields(event).get("id") or None)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    trigger = parse_trigger(event, region)
    if trigger.ignored:
        logger.warning("event ignored", extra={"reason": trigger.reason, **event_fields(event)})
        return {"ignored": True, "reason": trigger.reason}
    logger.info(
        "reconcile due", extra={"trigger": trigger.kind, "event_name": trigger.name, "ids": list(trigger.ids)}
    )
    settings = Settings.from_env()
    outcome = run_reconcile(
        cached_clients(region, os.environ.get("AWS_ENDPOINT_URL")), settings, dry_run=trigger.dry_run
    )
    result = {"trigger": trigger.kind, "event_name": trigger.name, **summary(outcome, trigger.dry_run)}
    logger.info(
        "reconcile finished",
        extra={key: result[key] for key in ("monitored", "not_monitored", "rules", "unchanged")}
        | {"changes": len(result["plan"]), "failed": len(result.get("failed", []))},
    )
    return result


def event_fields(event: object) -> dict[str, Any]:
    return payload(event) if isinstance(event, Mapping) else {"type": type(event).__name__}
