"""The CLI behaves like the tools its users know: global flags anywhere, one-line errors with a
documented exit status for every failure AWS or the environment can cause, --version, and updates
shown as a short diff. AWS answers are given by botocore's own send hook, so botocore parses them."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import EndpointConnectionError

from cli.main import EXIT_ERROR, EXIT_INTERRUPTED, main, parser
from cli.progress import SHOWN_WRITTEN, WrittenChanges
from core.artifacts import RULES
from core.artifacts.kind import Delete
from core.report import DIFF_LINES, body_diff

GLOBAL_VALUES = {
    "--region": "eu-west-3",
    "--profile": "ops",
    "--stack": "prod",
    "--prefix": "team1",
    "--dashboard-prefix": "Team1",
    "--output": "json",
}
COMMANDS = (
    ["plan"],
    ["apply"],
    ["destroy", "--dry-run"],
    ["explain", "vpce-0a1b2c3d4e5f67890"],
    ["preview", "--minutes", "30"],
    ["top", "vpce-0a1b2c3d4e5f67890"],
)  # every command: the global flags go before or after any of them


def attribute(flag: str) -> str:
    return flag.removeprefix("--").replace("-", "_")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("flag", GLOBAL_VALUES)
def test_a_global_flag_is_accepted_before_the_command(command: list[str], flag: str) -> None:
    args = parser().parse_args([flag, GLOBAL_VALUES[flag], *command])
    assert getattr(args, attribute(flag)) == GLOBAL_VALUES[flag]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("flag", GLOBAL_VALUES)
def test_a_global_flag_is_accepted_after_the_command(command: list[str], flag: str) -> None:
    args = parser().parse_args([*command, flag, GLOBAL_VALUES[flag]])
    assert getattr(args, attribute(flag)) == GLOBAL_VALUES[flag]


@pytest.mark.parametrize("flag", GLOBAL_VALUES)
def test_a_global_flag_given_nowhere_keeps_its_default(flag: str) -> None:
    args = parser().parse_args(["plan"])
    assert getattr(args, attribute(flag)) == ("text" if flag == "--output" else None)


def test_a_value_after_the_command_wins_over_one_before_it() -> None:
    args = parser().parse_args(["--region", "us-east-1", "plan", "--region", "eu-west-1"])
    assert args.region == "eu-west-1"


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"plinsights {version('privatelink-insights')}"


def test_detailed_exitcode_is_a_plan_flag_only() -> None:
    assert parser().parse_args(["plan", "--detailed-exitcode"]).detailed_exitcode is True
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["apply", "--detailed-exitcode"])
    assert exit_.value.code == EXIT_ERROR  # argparse's usage error shares the error status


# --- errors: each is one or two lines on stderr, with its exit status, never a traceback ---

IDENTITY = (
    b"<GetCallerIdentityResponse xmlns='https://sts.amazonaws.com/doc/2011-06-15/'><GetCallerIdentityResult>"
    b"<Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AIDA</UserId><Account>123456789012</Account>"
    b"</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
    b"</GetCallerIdentityResponse>"
)
STS_DENIED = (
    b"<ErrorResponse xmlns='https://sts.amazonaws.com/doc/2011-06-15/'><Error><Type>Sender</Type>"
    b"<Code>AccessDenied</Code><Message>User u is not authorized to perform: sts:GetCallerIdentity</Message>"
    b"</Error><RequestId>r</RequestId></ErrorResponse>"
)
EC2_UNAUTHORIZED = (
    b"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform"
    b" this operation.</Message></Error></Errors><RequestID>r</RequestID></Response>"
)
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Login</title></head><body><p>Sign in</body></html>"

Answer = Callable[[Any], AWSResponse | None]


def respond(status: int, body: bytes) -> AWSResponse:
    return AWSResponse("https://aws.invalid", status, HTTPHeaders(), FakeRaw(body))


class FakeRaw:
    """The raw stream botocore reads a response body from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials and a Region from the environment, and no profile files of the machine."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def aws_answers(monkeypatch: pytest.MonkeyPatch, answer: Answer) -> None:
    """Every session the CLI makes answers each request with `answer`, before any socket opens."""
    real_session = boto3.Session

    def session(**kwargs: Any) -> boto3.Session:
        made = real_session(**kwargs)

        def handler(request: Any, **_: Any) -> Any:  # a before-send handler returns the response
            return answer(request)

        made.events.register("before-send", handler)
        return made

    monkeypatch.setattr(boto3, "Session", session)


def by_service(sts: AWSResponse, others: Callable[[Any], AWSResponse]) -> Answer:
    return lambda request: sts if "sts." in request.url else others(request)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err.splitlines()


@pytest.mark.usefixtures("environment")
def test_an_unknown_profile_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = run(["plan", "--profile", "nosuch"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 1 and "nosuch" in lines[0] and "could not be found" in lines[0]


@pytest.mark.usefixtures("environment")
def test_a_malformed_endpoint_url_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "localhost:5000 with a space")
    status, lines = run(["plan"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 2 and "Invalid endpoint" in lines[0] and "AWS_ENDPOINT_URL" in lines[1]


@pytest.mark.usefixtures("environment")
def test_access_denied_at_the_identity_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_answers(monkeypatch, lambda request: respond(403, STS_DENIED))
    status, lines = run(["apply"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 2 and lines[0].startswith("plinsights: access denied to GetCallerIdentity")


@pytest.mark.usefixtures("environment")
def test_an_unauthorized_read_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    aws_answers(monkeypatch, by_service(respond(200, IDENTITY), lambda request: respond(403, EC2_UNAUTHORIZED)))
    status, lines = run(["plan"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) <= 2 and "not authorized" in lines[0]


@pytest.mark.usefixtures("environment")
def test_a_server_that_answers_html_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_answers(monkeypatch, lambda request: respond(200, HTML_PAGE))
    status, lines = run(["plan"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 2 and "not an AWS response" in lines[0] and "AWS_ENDPOINT_URL" in lines[1]


WELL_FORMED_PAGE = b"<html><head><title>Proxy</title></head><body><p>Sign in</p></body></html>"


@pytest.mark.usefixtures("environment")
@pytest.mark.parametrize("page", [HTML_PAGE, WELL_FORMED_PAGE], ids=["html", "well-formed xml"])
def test_a_server_that_answers_html_after_the_identity_check_is_named(
    page: bytes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A proxy that lets the identity check through and answers the reads with a web page."""
    aws_answers(monkeypatch, by_service(respond(200, IDENTITY), lambda request: respond(200, page)))
    status, lines = run(["plan"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 2 and "not an AWS response" in lines[0] and "AWS_ENDPOINT_URL" in lines[1]


@pytest.mark.usefixtures("environment")
def test_an_unreachable_endpoint_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def unreachable(request: Any) -> AWSResponse:
        raise EndpointConnectionError(endpoint_url=request.url)

    aws_answers(monkeypatch, unreachable)
    status, lines = run(["plan"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 2 and lines[0].startswith("plinsights: cannot reach the AWS endpoint")


def interrupted_after_identity(request: Any) -> AWSResponse:
    if "sts." in request.url:
        return respond(200, IDENTITY)
    raise KeyboardInterrupt


READING_INTERRUPTED = "plinsights: interrupted before any change was written"


@pytest.mark.usefixtures("environment")
@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["plan"], ["plinsights: interrupted; nothing was written"]),
        (["destroy", "--dry-run"], ["plinsights: interrupted; nothing was written"]),
        (["apply"], [READING_INTERRUPTED]),
        (["destroy"], [READING_INTERRUPTED]),
    ],
)
def test_ctrl_c_while_reading_exits_130_and_says_nothing_was_written(
    argv: list[str], said: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws_answers(monkeypatch, interrupted_after_identity)
    status, lines = run(argv, capsys)
    assert status == EXIT_INTERRUPTED
    assert lines == said


def test_ctrl_c_during_the_writes_names_what_was_written() -> None:
    written = WrittenChanges()
    changes = [Delete(RULES, f"plinsights-vpce-{n}-bytes", "endpoint gone") for n in range(SHOWN_WRITTEN + 2)]
    written.started(len(changes) + 3, seconds_left=10.0)
    for change in changes:
        written.done(change)
    line, hint = written.interrupted()
    assert line == (
        f"interrupted after {len(changes)} of {len(changes) + 3} changes were written; "
        "the one under way may have been written too"
    )
    shown = ", ".join(f"delete rule {c.name}" for c in changes[:SHOWN_WRITTEN])
    assert hint == f"written: {shown} and 2 more; run plinsights plan to see what is left"


# --- an update shows what changes ---


def test_an_update_shows_only_the_changed_settings() -> None:
    before = json.dumps({"AlarmName": "a", "Threshold": 10000, "Period": 600, "Statistic": "Maximum"})
    after = json.dumps({"AlarmName": "a", "Threshold": 20000, "Period": 600, "Statistic": "Maximum"})
    diff = body_diff(before, after)
    assert [line for line in diff if line.startswith(("-", "+"))] == ['-  "Threshold": 10000', '+  "Threshold": 20000']


def test_json_held_in_a_string_is_compared_value_by_value() -> None:
    definition = {"Schema": {"Name": "CloudWatchLogRule"}, "Contribution": {"Keys": ["$.srcaddr"]}}
    changed = {"Schema": {"Name": "CloudWatchLogRule"}, "Contribution": {"Keys": ["$.dstaddr"]}}
    diff = body_diff(
        json.dumps({"Definition": json.dumps(definition)}), json.dumps({"Definition": json.dumps(changed)})
    )
    assert [line[0] + line[1:].strip() for line in diff if line.startswith(("-", "+"))] == [
        '-"$.srcaddr"',
        '+"$.dstaddr"',
    ]


def test_a_long_diff_is_cut_and_says_how_much_is_left() -> None:
    extra = DIFF_LINES * 2
    before = json.dumps({f"k{i:02}": i for i in range(extra)})
    after = json.dumps({f"k{i:02}": i + 1 for i in range(extra)})
    diff = body_diff(before, after)
    assert len(diff) == DIFF_LINES + 1
    # a hunk header, the braces around as context, and a - and a + line per changed value
    hidden = 1 + 2 + 2 * extra - DIFF_LINES
    assert diff[-1] == f"... {hidden} more"
