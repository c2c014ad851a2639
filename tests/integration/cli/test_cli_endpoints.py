"""The CLI against real servers: pending changes in the exit status, an update's diff, and the
errors of an endpoint that is unreachable or answers HTML."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cli.main import EXIT_CHANGES_PENDING, EXIT_ERROR, EXIT_OK, main
from core.settings import Settings
from demo.world import build_demo_world
from tests.figures import DEMO_ALARMS, DEMO_DASHBOARDS, DEMO_RULES
from tests.integration.conftest import Harness


def test_detailed_exitcode_tells_pending_changes_from_none(aws: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    build_demo_world(aws.world)
    assert main(["plan", "--detailed-exitcode"]) == EXIT_CHANGES_PENDING
    assert main(["plan"]) == EXIT_OK  # without the flag, pending changes are not an exit status
    assert main(["apply"]) == EXIT_OK
    assert main(["plan", "--detailed-exitcode"]) == EXIT_OK
    capsys.readouterr()


def test_the_plan_estimates_the_cost_reading_the_log_groups_incoming_events(
    aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's rules read log groups that moto's CloudWatch Logs counts no events for: the one
    GetMetricData read answers (else "complete" would be false, with the reason), so the matched
    events are known, none, and the estimate is complete."""
    build_demo_world(aws.world)
    capsys.readouterr()
    assert main(["plan", "--output", "json"]) == EXIT_OK
    cost = json.loads(capsys.readouterr().out)["cost"]
    assert (cost["rules"]["count"], cost["alarms"]["count"], cost["dashboards"]["count"]) == (
        DEMO_RULES,
        DEMO_ALARMS,
        DEMO_DASHBOARDS,
    )
    assert cost["complete"] is True and cost["matched_events"]["count_at_most"] == 0
    fixed = cost["rules"]["monthly_usd"] + cost["alarms"]["monthly_usd"] + cost["dashboards"]["monthly_usd"]
    assert cost["monthly_usd"] == pytest.approx(fixed)
    assert cost["rules"]["monthly_usd"] == pytest.approx(DEMO_RULES * Settings().price_rule_month)


def test_an_update_in_the_plan_shows_the_changed_setting(
    aws: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build_demo_world(aws.world)
    assert main(["apply"]) == EXIT_OK
    capsys.readouterr()
    monkeypatch.setenv("PLINSIGHTS_RESETS_THRESHOLD", "250")
    assert main(["plan", "--detailed-exitcode"]) == EXIT_CHANGES_PENDING
    out = capsys.readouterr().out.splitlines()
    updates = [i for i, line in enumerate(out) if line.startswith("  ~ alarm")]
    assert updates, out
    shown = out[updates[0] + 1 : updates[0] + 6]
    default = f"reach {aws.settings.resets_threshold:g} or more"  # the description before: the default
    assert any(line.strip().startswith("-") and default in line for line in shown), shown
    assert any(line.strip().startswith("+") and "250" in line for line in shown), shown


@pytest.fixture
def html_endpoint() -> Iterator[str]:
    """A web server that answers every request with a login page, as a proxy or portal would."""

    class Page(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    # shutdown() waits for the loop's next poll: half a second by default
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err.splitlines()


def test_a_server_that_answers_html(
    aws: Harness, html_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", html_endpoint)
    status, lines = run(["plan"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 2 and "not an AWS response" in lines[0]


def test_an_unreachable_endpoint(
    aws: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    status, lines = run(["apply"], capsys)
    assert status == EXIT_ERROR
    assert len(lines) == 2 and lines[0].startswith("plinsights: cannot reach the AWS endpoint")
