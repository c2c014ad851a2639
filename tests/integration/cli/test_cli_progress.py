"""The CLI's progress: on a terminal it is drawn on stderr and stdout holds only the result; piped,
or with --output json, stderr stays empty. pytest's capture is never a terminal; FORCE_COLOR makes
rich take stderr for one, as a user's terminal would be."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.client import BaseClient

from cli.main import EXIT_INTERRUPTED, EXIT_OK, main
from cli.progress import SHOWN_WRITTEN
from demo.world import build_demo_world
from tests.figures import DEMO_ARTIFACTS, DEMO_MONITORED, DEMO_NOT_MONITORED, DEMO_RULES
from tests.integration.conftest import Harness, subscribed_topic

DEMO_RESOURCES = DEMO_MONITORED + DEMO_NOT_MONITORED
ESCAPE = "\x1b"  # where a terminal's control sequences start


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable of the environment may pretend a terminal where there is none."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")  # one that can redraw a line, whatever runs the tests


def test_on_a_terminal_the_progress_goes_to_stderr_and_the_result_to_stdout(
    aws: Harness, terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    build_demo_world(aws.world)
    assert main(["plan"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert f"planning for {DEMO_RESOURCES} resources..." in err  # the last step before the plan
    assert ESCAPE not in out and "planning" not in out

    assert main(["apply"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert f"{DEMO_ARTIFACTS}/{DEMO_ARTIFACTS} done, 0 left" in err  # one create per artifact
    assert ESCAPE not in out and "done, 0 left" not in out

    assert main(["destroy", "--auto-approve"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert f"{DEMO_ARTIFACTS}/{DEMO_ARTIFACTS} done, 0 left" in err  # one delete per artifact
    assert ESCAPE not in out and "done, 0 left" not in out


def test_piped_or_as_json_there_is_nothing_but_the_result(
    aws: Harness, piped: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build_demo_world(aws.world)
    # A topic with a subscriber: else apply warns on stderr that alarms notify nobody
    monkeypatch.setenv("PLINSIGHTS_ALARM_TOPIC_ARN", subscribed_topic(aws.world)[0])
    assert main(["apply"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == "" and out.strip() and ESCAPE not in out

    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, but JSON was asked for
    assert main(["destroy", "--output", "json", "--auto-approve"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == ""
    assert len(json.loads(out)["done"]) == DEMO_ARTIFACTS


def test_ctrl_c_during_apply_says_which_changes_were_written(
    aws: Harness, piped: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C as the third alarm is about to be sent: the rules and two alarms are written."""
    build_demo_world(aws.world)
    send = BaseClient._make_api_call  # type: ignore[attr-defined]  # botocore's, untyped
    alarms_sent: list[str] = []

    def interrupted_at_the_third_alarm(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "PutMetricAlarm":
            if len(alarms_sent) == 2:
                raise KeyboardInterrupt
            alarms_sent.append(params["AlarmName"])
        return send(client, operation, params)

    monkeypatch.setenv("PLINSIGHTS_ALARM_TOPIC_ARN", subscribed_topic(aws.world)[0])
    monkeypatch.setattr(BaseClient, "_make_api_call", interrupted_at_the_third_alarm)
    assert main(["apply"]) == EXIT_INTERRUPTED
    line, hint = capsys.readouterr().err.splitlines()
    written = DEMO_RULES + len(alarms_sent)  # the rules come first in the plan, then the alarms
    assert line.startswith(f"plinsights: interrupted after {written} of {DEMO_ARTIFACTS} changes were written")
    assert hint.startswith("plinsights: written: create rule ") and hint.endswith(
        "run plinsights plan to see what is left"
    )
    assert f"and {written - SHOWN_WRITTEN} more" in hint
