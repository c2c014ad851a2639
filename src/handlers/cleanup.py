"""CloudFormation custom resource: when the stack is deleted, delete what the reconcile function made.

Create and Update do nothing. Delete runs `plinsights destroy` for this deployment. CloudFormation
waits up to an hour for an answer that never comes, so every path answers: success, an error, or a
watchdog that answers FAILED shortly before the function would time out.

CloudFormation's ResponseURL is always an https pre-signed S3 URL. A request naming any other URL
is not from CloudFormation (or has been tampered with): it is refused before anything is deleted or
sent, with one error line in the log. A genuine stack would then wait out its timeout rather than
have the result of a deletion sent in clear, or to an unauthenticated endpoint.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clients import Clients
from core.destroy import run_destroy
from core.settings import Settings

logger = Logger()  # service name comes from POWERTOOLS_SERVICE_NAME in template.yaml

SAFETY_MARGIN_MS = 10_000  # time kept back to send the watchdog's answer before the function stops
RESPONSE_TIMEOUT_S = 10  # one PUT of a small JSON body to the pre-signed S3 URL
MAX_REASON_CHARS = 1000  # the whole response body must stay under 4 KB
REQUIRED_FIELDS = ("RequestType", "ResponseURL", "StackId", "RequestId", "LogicalResourceId")
PRESIGNED = ({"X-Amz-Signature", "X-Amz-Credential"}, {"Signature", "AWSAccessKeyId"})  # SigV4, SigV2 query auth


def response_url_problem(url: str) -> str:
    """Why CloudFormation must not be answered at `url`: '' for an https pre-signed S3 URL."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return f"ResponseURL is not an https URL (scheme {parts.scheme or 'none'!r})"
    query = parse_qs(parts.query)
    if not any(keys <= query.keys() for keys in PRESIGNED):
        return "ResponseURL is not pre-signed (no X-Amz-Signature or Signature in its query)"
    return ""


class Responder:
    """Sends exactly one answer to CloudFormation, whichever of the handler or the watchdog is first."""

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.event = event
        self.lock = threading.Lock()
        self.sent = False

    def physical_id(self) -> str:
        # Kept stable: a new id on Update would make CloudFormation delete the "old" resource.
        existing = self.event.get("PhysicalResourceId")
        return str(existing) if existing else f"{self.event['StackId']}/{self.event['LogicalResourceId']}"

    def send(self, status: str, reason: str, data: Mapping[str, Any] | None = None) -> bool:
        with self.lock:
            if self.sent:
                return False
            self.sent = True
        body = {
            "Status": status,
            "Reason": reason[:MAX_REASON_CHARS],
            "PhysicalResourceId": self.physical_id(),
            "StackId": self.event["StackId"],
            "RequestId": self.event["RequestId"],
            "LogicalResourceId": self.event["LogicalResourceId"],
            "NoEcho": False,
            "Data": dict(data or {}),
        }
        payload = json.dumps(body).encode()
        request = urllib.request.Request(  # CloudFormation's pre-signed S3 URL
            str(self.event["ResponseURL"]),
            data=payload,
            method="PUT",
            headers={"Content-Type": "", "Content-Length": str(len(payload))},  # S3 signs an empty type
        )
        for attempt in (1, 2, 3):
            try:
                with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_S) as response:
                    logger.info("answered CloudFormation", extra={"status": status, "http": response.status})
                    return True
            except OSError as err:  # URLError and timeouts derive from OSError
                logger.warning("answering CloudFormation failed", extra={"attempt": attempt, "error": str(err)})
        return False


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    missing = [name for name in REQUIRED_FIELDS if not isinstance(event, Mapping) or not event.get(name)]
    if missing:
        # Without these fields there is nobody to answer; this is not a CloudFormation request.
        logger.error("not a CloudFormation custom resource request", extra={"missing": missing})
        return {"answered": False, "reason": f"missing {', '.join(missing)}"}
    if problem := response_url_problem(str(event["ResponseURL"])):
        logger.error(f"request refused, nothing deleted or sent: {problem}")
        return {"answered": False, "reason": problem}
    responder = Responder(event)
    watchdog = threading.Timer(
        max(context.get_remaining_time_in_millis() - SAFETY_MARGIN_MS, 0) / 1000,
        responder.send,
        ("FAILED", "timed out before every artifact was deleted; delete the stack again to retry"),
    )
    watchdog.daemon = True
    watchdog.start()
    try:
        status, reason, data = respond_to(event)
    except Exception as err:  # an answer must go back whatever failed
        logger.exception("cleanup failed")
        status, reason, data = "FAILED", f"{type(err).__name__}: {err}", {}
    finally:
        watchdog.cancel()
    answered = responder.send(status, reason, data)
    return {"answered": answered, "status": status, "reason": reason}


@lru_cache(maxsize=4)
def cached_clients(region: str | None) -> Clients:
    """The function's own account and Region, from the Lambda environment; warm invocations reuse
    connections, as in the reconcile handler. Tests replace it."""
    return Clients(region=region)


def respond_to(event: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    request_type = event["RequestType"]
    if request_type != "Delete":
        return "SUCCESS", f"{request_type}: nothing to do until the stack is deleted", {}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    removal = run_destroy(cached_clients(region), Settings.from_env())
    assert removal.result is not None
    done, failed = removal.result.done, removal.result.failed
    logger.info(
        "deployment removed",
        extra={"deleted": [c.name for c in done], "failed": [f"{f.change.name}: {f.error}" for f in failed]},
    )
    data = {"Deleted": len(done), "Failed": len(failed)}
    if failed:
        names = ", ".join(f.change.name for f in failed[:10])
        total = len(done) + len(failed)
        reason = f"{len(failed)} of {total} artifacts not deleted ({names}); delete the stack again to retry"
        return "FAILED", reason, data
    return "SUCCESS", f"deleted {len(done)} artifacts of deployment {removal.prefix}", data
