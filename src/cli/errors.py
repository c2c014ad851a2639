"""What a person sees when a run cannot go on: one line, a hint line when there is something to do,
and the documented exit status (docs/operations.md); never a traceback, never an HTML page."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from core.errors import PlinsightsError

# The documented exit statuses (docs/operations.md). 2 was the error status before `plan
# --detailed-exitcode` existed, so pending changes take 3 (terraform's 2 would break scripts).
EXIT_OK, EXIT_FAILED_CHANGES, EXIT_ERROR, EXIT_CHANGES_PENDING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# An apply that did the rest, but whose deletions the deletion limit held: they wait for a person.
EXIT_DELETIONS_HELD = 4

DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"})
CREDENTIAL_CODES = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "AuthFailure"})
NOT_AWS = "the AWS endpoint answered something that is not an AWS response"
NOT_AWS_HINT = "check AWS_ENDPOINT_URL: it may point at a web page, a proxy or a server without this API"
UNREACHABLE_HINT = "check AWS_ENDPOINT_URL, the network and --region"
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
SHOWN_CHARACTERS = 160  # of an answer that is not AWS's: enough to recognise it, never a page


def explain_error(err: Exception) -> tuple[str, int, str] | None:  # noqa: PLR0911 - one return per documented error
    """The one or two lines (message, status, hint) a documented error gets; None for any other."""
    if isinstance(err, PlinsightsError):
        if isinstance(err.__cause__, ClientError) and not_an_aws_error(err.__cause__):  # a failed read, say
            return f"{NOT_AWS} ({not_aws_summary(err.__cause__)})", EXIT_ERROR, NOT_AWS_HINT
        return str(err), EXIT_ERROR, err.hint
    if isinstance(err, ProfileNotFound):
        return f"{err}; list the profiles with: aws configure list-profiles", EXIT_ERROR, ""
    if isinstance(err, ConnectTimeoutError | ReadTimeoutError):
        return f"the AWS endpoint did not answer in time: {err}", EXIT_ERROR, UNREACHABLE_HINT
    if isinstance(err, EndpointConnectionError):
        return f"cannot reach the AWS endpoint: {err}", EXIT_ERROR, UNREACHABLE_HINT
    if isinstance(err, ResponseParserError):
        return f"{NOT_AWS} ({first_line(str(err)) or 'unreadable answer'})", EXIT_ERROR, NOT_AWS_HINT
    if isinstance(err, KeyError) and raised_by_botocore_parser(err):
        return f"{NOT_AWS} (no {err} element)", EXIT_ERROR, NOT_AWS_HINT
    if isinstance(err, ClientError):
        if not_an_aws_error(err):
            return f"{NOT_AWS} ({not_aws_summary(err)})", EXIT_ERROR, NOT_AWS_HINT
        return client_error_message(err), EXIT_ERROR, ""
    if isinstance(err, BotoCoreError):
        return str(err), EXIT_ERROR, ""
    if isinstance(err, ValueError) and str(err).startswith("Invalid endpoint"):
        # botocore raises a bare ValueError("Invalid endpoint: ...") for a malformed endpoint URL.
        return str(err), EXIT_ERROR, "AWS_ENDPOINT_URL must look like https://host[:port]"
    return None


def first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0][:SHOWN_CHARACTERS] if stripped else ""


def not_an_aws_error(err: ClientError) -> bool:
    """botocore names an error by the answer's HTTP status when the body holds no AWS error code (a
    web server's or a proxy's page); every AWS error has a code of words."""
    error = err.response.get("Error") or {}
    code = str(error.get("Code", ""))
    # XML protocols (EC2, STS, ELB, CloudFormation) leave no Error at all when the body is not theirs.
    return not code or code.isdigit() or looks_like_html(str(error.get("Message", "")))


def looks_like_html(text: str) -> bool:
    start = text.lstrip()[:200].lower()
    return start.startswith(("<!doctype html", "<html")) or "<body" in start


def not_aws_summary(err: ClientError) -> str:
    """`HTTP 500 to GetInsightRuleReport: 500 Internal Server Error`: the status, the call and the
    page's title or first line, never the page."""
    error = err.response.get("Error") or {}
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or error.get("Code", "?")
    message = str(error.get("Message", ""))
    title = TITLE.search(message)
    said = html.unescape(title.group(1)).strip() if title else first_line(re.sub(r"<[^>]+>", " ", message))
    return f"HTTP {status} to {err.operation_name}" + (f": {' '.join(said.split())[:SHOWN_CHARACTERS]}" if said else "")


def client_error_message(err: ClientError) -> str:
    code = err.response.get("Error", {}).get("Code", "")
    message = err.response.get("Error", {}).get("Message", "")
    operation = err.operation_name
    if code in DENIED_CODES:
        fix = "grant the caller this action, or use a profile that has it"
        return f"access denied to {operation}: {message or code}\n{fix}"
    if code in CREDENTIAL_CODES:
        return f"the credentials were refused ({code}) on {operation}: {message}"
    return f"{operation} failed: {code}: {first_line(message)}"


def fail(message: str, status: int = EXIT_ERROR, hint: str = "") -> int:
    print(f"plinsights: {message}", file=sys.stderr)
    if hint:
        print(f"plinsights: {hint}", file=sys.stderr)
    return status


def warn(message: str) -> None:
    print(f"plinsights: warning: {message}", file=sys.stderr)


def raised_by_botocore_parser(err: BaseException) -> bool:
    """botocore's parsers raise KeyError for an answer that parses as XML but holds none of the
    response's elements (a proxy's or a login page); only a KeyError raised there means that."""
    frame = err.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and Path(frame.tb_frame.f_code.co_filename).match("botocore/parsers.py")
