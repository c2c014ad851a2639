"""The CLI's edges that need no server: the Region as the AWS CLI picks it, the preflight's time bound,
a web page instead of an AWS answer, and the question before anything is deleted."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cli.approval import NotApprovedError, approve_deletions
from cli.connection import PREFLIGHT_BOUND, PREFLIGHT_CONFIG, session_for
from cli.errors import NOT_AWS, NOT_AWS_HINT, explain_error
from cli.main import EXIT_ERROR, parser
from core.artifacts import RULES
from core.artifacts.kind import Delete
from tests.unit.cli.test_cli import IDENTITY, aws_answers, by_service, environment, respond, run

__all__ = ["environment"]  # a fixture of test_cli, used here by name

NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title><style>body{}</style></head>"
    b"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>"
)
DELETES = [Delete(RULES, f"plinsights-vpce-{n}-bytes", "endpoint gone") for n in range(3)]


@pytest.fixture
def profile_in_eu_central(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[profile prod]\nregion = eu-central-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("profile_in_eu_central")
@pytest.mark.parametrize(
    ("environment", "flag", "region"),
    [
        ({"AWS_REGION": "eu-west-1"}, None, "eu-west-1"),  # before the profile's, as the AWS CLI does
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}, None, "us-west-2"),
        ({"AWS_DEFAULT_REGION": "us-west-2"}, None, "us-west-2"),
        ({}, None, "eu-central-1"),  # the profile's
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}, "ap-south-1", "ap-south-1"),  # --region wins
    ],
)
def test_the_region_is_the_flag_then_the_environment_then_the_profile(
    environment: dict[str, str], flag: str | None, region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert session_for("prod", flag).region_name == region


def test_an_endpoint_that_never_answers_fails_within_ten_seconds() -> None:
    """Each of the preflight's attempts is cut at one timeout (a connect timeout leaves no read), and
    botocore's standard mode waits at most a second before its one retry."""
    options = vars(PREFLIGHT_CONFIG)
    assert options["retries"] == {"mode": "standard", "total_max_attempts": 2}
    worst = options["retries"]["total_max_attempts"] * max(options["connect_timeout"], options["read_timeout"]) + 1
    assert worst == PREFLIGHT_BOUND <= 10


@pytest.mark.usefixtures("environment")
def test_a_web_page_instead_of_an_aws_error_is_named_in_a_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server that lacks an API answers with its own error page: its status and title, never the page."""
    aws_answers(monkeypatch, by_service(respond(200, IDENTITY), lambda request: respond(404, NOT_FOUND_PAGE)))
    status, lines = run(["plan"], capsys)
    assert status == EXIT_ERROR
    assert lines[0] == (
        "plinsights: the AWS endpoint answered something that is not an AWS response "
        "(HTTP 404 to DescribeVpcEndpoints)"  # EC2's XML parser keeps nothing of a body that is not its own
    )
    assert len(lines) == 2 and "AWS_ENDPOINT_URL" in lines[1] and "<" not in "".join(lines)


SERVER_ERROR_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n"
    "<p>The server encountered an internal error and was unable to complete your request.</p>\n"
)


def test_a_json_protocols_web_page_is_named_by_its_title() -> None:
    """What a local server without GetInsightRuleReport answers `top` (CloudWatch speaks JSON): botocore
    names the error by the status and keeps the page as its message."""
    answer: Any = {"Error": {"Code": "500", "Message": SERVER_ERROR_PAGE}, "ResponseMetadata": {"HTTPStatusCode": 500}}
    error = ClientError(answer, "GetInsightRuleReport")
    message, status, hint = explain_error(error) or ("", 0, "")
    assert message == f"{NOT_AWS} (HTTP 500 to GetInsightRuleReport: 500 Internal Server Error)"
    assert (status, hint) == (EXIT_ERROR, NOT_AWS_HINT)


def test_an_aws_error_keeps_its_code_and_message() -> None:
    error = ClientError({"Error": {"Code": "ValidationError", "Message": "bad\nsecond line"}}, "PutInsightRule")
    assert explain_error(error) == ("PutInsightRule failed: ValidationError: bad", EXIT_ERROR, "")


class Terminal(io.StringIO):
    """What a person types, on a terminal."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_yes_approves_and_the_deletions_were_shown() -> None:
    shown = io.StringIO()
    approve_deletions(DELETES, what="destroy", auto_approve=False, stdin=Terminal("yes\n"), stderr=shown)
    assert all(f"rule {change.name}" in shown.getvalue() for change in DELETES)
    assert "destroy deletes 3 artifacts" in shown.getvalue() and "only 'yes' approves" in shown.getvalue()


@pytest.mark.parametrize("answer", ["y\n", "no\n", "\n", ""], ids=["y", "no", "empty line", "end of input"])
def test_on_a_terminal_anything_but_yes_cancels(answer: str) -> None:
    with pytest.raises(NotApprovedError, match="destroy cancelled: nothing was written"):
        approve_deletions(DELETES, what="destroy", auto_approve=False, stdin=Terminal(answer), stderr=io.StringIO())


def test_off_a_terminal_nothing_is_deleted_without_auto_approve() -> None:
    shown = io.StringIO()
    with pytest.raises(NotApprovedError, match="no terminal to confirm it: nothing was written") as raised:
        approve_deletions(DELETES, what="apply", auto_approve=False, stdin=io.StringIO("yes\n"), stderr=shown)
    assert "--auto-approve" in raised.value.hint and shown.getvalue() == ""  # nothing asked, nothing read


def test_auto_approve_and_no_deletions_ask_nothing() -> None:
    silent = io.StringIO()
    approve_deletions(DELETES, what="apply", auto_approve=True, stdin=io.StringIO(), stderr=silent)
    approve_deletions([], what="apply", auto_approve=False, stdin=io.StringIO(), stderr=silent)
    assert silent.getvalue() == ""


@pytest.mark.parametrize("command", ["apply", "destroy"])
def test_auto_approve_belongs_to_the_commands_that_delete(command: str) -> None:
    assert parser().parse_args([command, "--auto-approve"]).auto_approve is True
    with pytest.raises(SystemExit):
        parser().parse_args(["plan", "--auto-approve"])
