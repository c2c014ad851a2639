"""The CLI's edges against real servers: a reader that closes the pipe, an endpoint that takes the
connection and never answers, the question before deleting, and a non-default dashboard prefix."""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from botocore.config import Config

from cli import connection
from cli.main import EXIT_ERROR, EXIT_OK, main
from core.reconcile import run_reconcile
from core.settings import Settings
from demo.world import build_demo_world
from tests.figures import DEMO_DASHBOARDS
from tests.integration.conftest import Harness


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@contextmanager
def stdout_to_a_closed_pipe() -> Iterator[int]:
    """stdout is a pipe whose reader has gone, as after `| head -1`: each write fails with EPIPE. Set
    in the test's body, after pytest's own capture has set sys.stdout for the test."""
    reader, writer = os.pipe()
    os.close(reader)
    stream, sys.stdout = sys.stdout, os.fdopen(writer, "w")
    try:
        yield writer
    finally:
        sys.stdout.close()
        sys.stdout = stream


@pytest.mark.parametrize(
    "command", [["plan", "--output", "json", "--detailed-exitcode"], ["explain", "--output", "text"]]
)
def test_a_closed_pipe_ends_the_output_quietly_with_the_commands_own_status(
    command: list[str], aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = build_demo_world(aws.world)
    argv = [*command, demo.consumer_endpoint] if command[0] == "explain" else command
    expected = 3 if command[0] == "plan" else EXIT_OK  # pending changes, as --detailed-exitcode says
    with stdout_to_a_closed_pipe() as writer:
        assert main(argv) == expected
        assert os.readlink(f"/proc/self/fd/{writer}") == os.devnull  # the exit's flush cannot fail either
    assert capsys.readouterr().err == ""  # no traceback, no "Exception ignored"


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """Takes every connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    taken: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                taken.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection_taken in taken:
        connection_taken.close()
    server.close()


def test_an_endpoint_that_never_answers_is_one_error(
    aws: Harness, silent_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The preflight's bound is checked in tests/unit/cli/test_cli_edges.py; here its timeouts are cut to
    a fifth of a second so that the test does not wait the real ones out."""
    short = connection.PREFLIGHT_CONFIG.merge(Config(connect_timeout=0.2, read_timeout=0.2))
    monkeypatch.setattr(connection, "PREFLIGHT_CONFIG", short)
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    assert main(["plan"]) == EXIT_ERROR
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("plinsights: the AWS endpoint did not answer in time: Read timeout")


@pytest.fixture
def reconciled(aws: Harness) -> Harness:
    build_demo_world(aws.world)
    run_reconcile(aws.clients, Settings(prefix="team1", dashboard_prefix="Team1"))
    return aws


def dashboards(aws: Harness) -> list[str]:
    return [d["DashboardName"] for d in aws.world.cloudwatch.list_dashboards()["DashboardEntries"]]


def test_destroy_off_a_terminal_deletes_nothing_without_auto_approve_and_only_its_prefixs_dashboards(
    reconciled: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = reconciled.world.rule_names()
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # input, but no terminal to ask on
    assert main(["--prefix", "team1", "destroy"]) == EXIT_ERROR
    line, hint = capsys.readouterr().err.splitlines()
    assert "there is no terminal to confirm it: nothing was written" in line and "--auto-approve" in hint
    assert reconciled.world.rule_names() == before
    # Approved, but without --dashboard-prefix: the deployment's dashboard of another prefix stays.
    assert main(["--prefix", "team1", "destroy", "--auto-approve"]) == EXIT_OK
    assert reconciled.world.rule_names() == [] and dashboards(reconciled) == ["Team1-us-east-1"]


def test_destroy_on_a_terminal_asks_and_deletes_on_yes_with_the_dashboard_prefix(
    reconciled: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(dashboards(reconciled)) == DEMO_DASHBOARDS
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    assert main(["--prefix", "team1", "--dashboard-prefix", "Team1", "destroy"]) == EXIT_ERROR
    assert "destroy of deployment team1 in us-east-1 cancelled" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    assert main(["--prefix", "team1", "destroy", "--dashboard-prefix", "Team1"]) == EXIT_OK
    asked = capsys.readouterr().err
    assert "dashboard Team1-us-east-1" in asked and "only 'yes' approves" in asked
    assert reconciled.world.rule_names() == [] and dashboards(reconciled) == []


def test_apply_whose_plan_deletes_writes_nothing_off_a_terminal_without_auto_approve_and_warns_of_no_topic(
    reconciled: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule kinds left out delete their rules; the plan's other writes wait with them."""
    monkeypatch.setenv("PLINSIGHTS_RULE_KINDS", "bytes")
    before = reconciled.world.rule_names()
    alarms = reconciled.world.cloudwatch.describe_alarms()["MetricAlarms"]
    arguments = ["--prefix", "team1", "--dashboard-prefix", "Team1", "apply"]
    assert main(arguments) == EXIT_ERROR
    assert "apply deletes" in capsys.readouterr().err
    assert reconciled.world.rule_names() == before
    assert reconciled.world.cloudwatch.describe_alarms()["MetricAlarms"] == alarms
    assert main([*arguments, "--auto-approve", "--output", "json"]) == EXIT_OK
    out, err = capsys.readouterr()
    done = json.loads(out)["done"]
    assert [line for line in err.splitlines() if "warning" in line] == [
        "plinsights: warning: no alarm topic is set (PLINSIGHTS_ALARM_TOPIC_ARN): the alarms written notify "
        "nobody, unlike the deployed function's; --stack NAME applies the stack's own settings"
    ]
    assert {c["action"] for c in done} >= {"update", "delete"}  # the dashboard, and the rules left out
    assert len(reconciled.world.rule_names()) < len(before)
