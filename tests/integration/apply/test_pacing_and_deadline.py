"""Writes are paced per API at the documented rates; a run short of time defers, in order, and the
next run finishes. The clock is a FakeClock: nothing here sleeps."""

import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from core.apply.pacing import Pacer
from core.artifacts import write_rates
from core.reconcile import run_reconcile
from core.settings import Settings
from demo.local import lambda_context
from demo.world import build_demo_world
from handlers import reconcile
from tests.clock import FakeClock
from tests.figures import DEMO_ALARMS, DEMO_ALARMS_PER_CONSUMER, DEMO_ARTIFACTS, DEMO_RULES, RULES_PER_RESOURCE
from tests.integration.conftest import Harness

EVENTS = Path(__file__).resolve().parents[3] / "events"
PACED = Settings(pacing="on")


def call_times(aws: Harness, clock: FakeClock) -> dict[str, list[float]]:
    """When each CloudWatch operation started, on the fake clock."""
    times: dict[str, list[float]] = defaultdict(list)

    def record(model: Any, **_: Any) -> None:
        times[model.name].append(clock.now())

    aws.clients.cloudwatch.meta.events.register("before-call.cloudwatch", record)
    return times


def each_call_takes(aws: Harness, clock: FakeClock, seconds: float, operations: list[str]) -> None:
    for operation in operations:
        aws.clients.cloudwatch.meta.events.register(
            f"before-call.cloudwatch.{operation}", lambda **_: clock.advance(seconds)
        )


def test_against_the_local_server_nothing_waits(aws: Harness) -> None:
    build_demo_world(aws.world)
    clock = FakeClock()
    outcome = run_reconcile(aws.clients, Settings(), clock=clock)  # pacing "auto": moto is on loopback
    assert outcome.result is not None and len(outcome.result.done) == DEMO_ARTIFACTS
    assert clock.sleeps == [] and outcome.result.paced_seconds == 0


def test_an_onboarding_is_paced_at_the_documented_rates(aws: Harness) -> None:
    build_demo_world(aws.world)
    clock = FakeClock()
    times = call_times(aws, clock)
    outcome = run_reconcile(aws.clients, PACED, clock=clock)
    assert outcome.result is not None and len(outcome.result.done) == DEMO_ARTIFACTS
    gaps = {op: [b - a for a, b in itertools.pairwise(ts)] for op, ts in times.items()}
    assert gaps["PutInsightRule"] == [1.0] * (DEMO_RULES - 1)  # the rules at 1 per second
    assert gaps["PutMetricAlarm"] == [pytest.approx(1 / 3)] * (DEMO_ALARMS - 1)  # the alarms at 3 per second
    assert outcome.result.paced_seconds == pytest.approx((DEMO_RULES - 1) + (DEMO_ALARMS - 1) / 3)


def test_a_pacer_kept_across_runs_spaces_the_writes_of_the_next_run_too(aws: Harness) -> None:
    """The handler keeps one pacer per warm container: a run that starts right after another's last
    dashboard write waits for that API's turn (10 per second)."""
    build_demo_world(aws.world)
    clock = FakeClock()
    pacer = Pacer(write_rates(PACED), clock)
    run_reconcile(aws.clients, PACED, clock=clock, pacer=pacer)  # its last write: the dashboard
    cloudwatch = aws.clients.cloudwatch
    name = cloudwatch.list_dashboards()["DashboardEntries"][0]["DashboardName"]
    body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
    body["widgets"] = body["widgets"][:-1]  # drift that keeps the owner mark: ours to write again
    cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
    times = call_times(aws, clock)
    started = clock.now()
    again = run_reconcile(aws.clients, PACED, clock=clock, pacer=pacer)
    assert again.result is not None and [c.name for c in again.result.done] == [name]
    assert times["PutDashboard"] == [pytest.approx(started + 0.1)]
    assert again.result.paced_seconds == pytest.approx(0.1)


def test_a_run_out_of_time_defers_the_rest_in_order_and_the_next_run_finishes_it(aws: Harness) -> None:
    build_demo_world(aws.world)
    clock = FakeClock()
    outcome = run_reconcile(aws.clients, PACED, clock=clock, deadline=clock.now() + 2.5)
    result = outcome.result
    assert result is not None and result.failed == []
    in_time = 3  # rules at 0, 1 and 2 s, at one PutInsightRule a second
    assert [c.name for c in result.done] == [c.name for c in outcome.plan.changes[:in_time]]
    assert result.deferred == list(outcome.plan.changes[in_time:])  # the other rules, then every alarm that reads rules
    assert aws.writes() == ["cloudwatch:PutInsightRule"] * in_time
    assert len(aws.world.rule_names()) == in_time
    with aws.recording() as calls:
        second = run_reconcile(aws.clients, aws.settings)
    assert [c.name for c in second.plan.changes] == [c.name for c in result.deferred]
    assert (
        second.result is not None
        and len(second.result.done) == DEMO_ARTIFACTS - in_time
        and len(aws.writes(calls)) == DEMO_ARTIFACTS - in_time
    )
    assert run_reconcile(aws.clients, aws.settings).plan.changes == ()


def test_deletions_out_of_time_leave_no_alarm_reading_a_deleted_rule(aws: Harness) -> None:
    demo = build_demo_world(aws.world)
    desired = run_reconcile(aws.clients, aws.settings).desired
    served = {name for name, rule in desired.rules.items() if rule.served == (demo.consumer_endpoint,)}
    aws.world.delete_endpoint(demo.consumer_endpoint)
    clock = FakeClock()
    each_call_takes(aws, clock, 1.0, ["PutDashboard", "DeleteAlarms", "DeleteInsightRules"])
    outcome = run_reconcile(aws.clients, PACED, clock=clock, deadline=clock.now() + 1.5)
    assert outcome.result is not None
    assert [(c.artifact, c.action.name) for c in outcome.result.done] == [("dashboard", "UPDATE")] + [
        ("alarm", "DELETE")
    ] * DEMO_ALARMS_PER_CONSUMER
    assert [c.artifact for c in outcome.result.deferred] == ["rule"] * RULES_PER_RESOURCE
    assert len(served & set(aws.world.rule_names())) == RULES_PER_RESOURCE  # kept for the next run
    run_reconcile(aws.clients, aws.settings)
    assert not served & set(aws.world.rule_names())


def test_the_handler_stops_before_its_timeout_and_reports_what_it_deferred(
    aws: Harness, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    build_demo_world(aws.world)
    event = json.loads((EVENTS / "scheduled.json").read_text())
    result = reconcile.handler(event, lambda_context(remaining_millis=int(reconcile.DEADLINE_MARGIN * 1000) - 1))
    assert result["done"] == [] and result["failed"] == [] and len(result["deferred"]) == DEMO_ARTIFACTS
    assert aws.writes() == []
    emf = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    assert emf["ChangesDeferred"] in (DEMO_ARTIFACTS, [DEMO_ARTIFACTS])
    assert len(reconcile.handler(event, lambda_context())["done"]) == DEMO_ARTIFACTS  # the next invocation catches up


def test_warm_invocations_of_the_handler_share_one_pacer(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    pacers: list[object] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        pacers.append(kwargs["pacer"])
        return run_reconcile(*args, **kwargs)

    monkeypatch.setattr(reconcile, "run_reconcile", spy)
    event = json.loads((EVENTS / "scheduled.json").read_text())
    for _ in range(2):
        reconcile.handler(event, lambda_context())
    assert len(pacers) == 2 and pacers[0] is pacers[1] and isinstance(pacers[0], Pacer)
