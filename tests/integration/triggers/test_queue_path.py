"""The queue path: one batch at a time, event batches debounced into the one follow-up, bursts
coalesced, follow-ups with capped backoff (for accepted consumers too), the deadline hand-over at once, and failed batches kept in the dead-letter queue. The handler is the real one,
against moto; tests/queue_delivery.py plays the event source mapping."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from core.clients import Clients
from core.triggers.delivery import MESSAGE_GROUP, SCHEDULE_NAME
from core.triggers.followup import BACKOFF_SECONDS, CONSISTENCY_MARGIN_SECONDS, DEBOUNCE_SECONDS, RESTART_STEP
from demo.local import lambda_context, patched_environ
from demo.local_server.control import add_consumer_endpoint
from demo.local_server.state import state_of
from demo.world import build_demo_world
from handlers import reconcile
from tests.figures import DEMO_ARTIFACTS, DEMO_MONITORED
from tests.iam import MOTO_ACCOUNT
from tests.integration.conftest import Clock, Harness
from tests.integration.faults import FaultyEndpoint
from tests.queue_delivery import BATCH_SIZE, MAX_RECEIVES, Queues, set_endpoint_state

EVENTS = Path(__file__).resolve().parents[3] / "events"
BURST = 50  # endpoint creations within a minute: a Terraform apply, a StackSet roll-out
MOST_RECONCILES_PER_BURST = 5


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def creation(number: int) -> dict[str, Any]:
    event = sample("create-vpc-endpoint.json")
    event["id"] = f"burst-{number}"
    response = event["detail"]["responseElements"]["CreateVpcEndpointResponse"]["vpcEndpoint"]
    response["vpcEndpointId"] = f"vpce-burst{number:05d}"
    return event


def drain(queues: Queues, remaining_millis: int = 300_000) -> list[dict[str, Any]]:
    """The event source mapping until the queue is empty: each batch invoked, then deleted."""
    results = []
    while records := queues.receive():
        results.append(reconcile.handler({"Records": records}, lambda_context(remaining_millis)))
        queues.delete(records)
    return results


def schedule(queues: Queues) -> dict[str, Any]:
    return boto3.client("scheduler").get_schedule(GroupName=queues.schedule_group, Name=SCHEDULE_NAME)


def scheduled(number: int) -> dict[str, Any]:
    """The hourly schedule's event, each with its own id (the queue deduplicates on content)."""
    event = sample("scheduled.json")
    event["id"] = f"schedule-{number}"
    return event


def fire(queues: Queues) -> None:
    """The pending follow-up fires: its message reaches the queue, the schedule deletes itself."""
    body = schedule(queues)["Target"]["Input"]
    boto3.client("scheduler").delete_schedule(GroupName=queues.schedule_group, Name=SCHEDULE_NAME)
    queues.send(body)


def due_at(seconds_from_now: float) -> str:
    return f"at({time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds_from_now))})"


def test_one_message_group_delivers_one_batch_at_a_time(queued) -> None:
    """What makes two reconciles never overlap: while a batch is in flight, its group yields nothing."""
    _, queues, _ = queued
    for number in range(BATCH_SIZE + 2):
        queues.send(creation(number))
    first = queues.receive()
    assert len(first) == BATCH_SIZE
    assert queues.receive() == []  # the next batch waits for this one
    queues.delete(first)
    assert [json.loads(r["body"])["id"] for r in queues.receive()] == [f"burst-{BATCH_SIZE}", f"burst-{BATCH_SIZE + 1}"]


def test_a_burst_of_fifty_creations_costs_at_most_five_reconciles(queued) -> None:
    """Event batches arm the one follow-up, or find it pending; it reconciles once for the burst."""
    aws, queues, clock = queued
    build_demo_world(aws.world)
    for number in range(BURST):
        queues.send(creation(number))
    debounced = drain(queues)
    assert len(debounced) == -(-BURST // BATCH_SIZE)
    assert all(r["reconciled"] is False for r in debounced)
    assert [r["follow_up_seconds"] for r in debounced] == [DEBOUNCE_SECONDS] * len(debounced)  # never postponed
    assert schedule(queues)["ScheduleExpression"] == due_at(clock.now + DEBOUNCE_SECONDS)
    clock.now += DEBOUNCE_SECONDS
    fire(queues)
    reconciles = [r for r in drain(queues) if r.get("reconciled", True) and not r.get("skipped")]
    assert len(debounced) + len(reconciles) > MOST_RECONCILES_PER_BURST  # invocations, not reconciles
    assert 1 <= len(reconciles) <= MOST_RECONCILES_PER_BURST
    assert len(reconciles) == 1  # the follow-up read the account after the whole burst had arrived
    assert reconciles[0]["monitored"] == DEMO_MONITORED and queues.depth() == 0


def test_an_event_batch_arms_a_follow_up_instead_of_reconciling(queued) -> None:
    aws, queues, clock = queued
    build_demo_world(aws.world)
    queues.send(creation(1))
    [result] = drain(queues)
    assert result["reconciled"] is False and "monitored" not in result
    assert result["follow_up_seconds"] == DEBOUNCE_SECONDS and "events" in result["reason"]
    arranged = schedule(queues)
    assert arranged["ScheduleExpression"] == due_at(clock.now + DEBOUNCE_SECONDS)
    assert arranged["ActionAfterCompletion"] == "DELETE" and arranged["Target"]["Arn"] == queues.arn
    assert json.loads(arranged["Target"]["Input"])["detail"]["step"] == 0
    assert not aws.world.rule_names()  # nothing reconciled yet


def test_an_event_batch_with_a_follow_up_pending_adds_nothing_and_never_postpones_it(queued) -> None:
    aws, queues, clock = queued
    build_demo_world(aws.world)
    queues.send(creation(1))
    drain(queues)
    armed = schedule(queues)
    updates: list[dict[str, Any]] = []
    aws.clients.session.events.register(
        "provide-client-params.scheduler.*", lambda params, model, **_: updates.append({"op": model.name, **params})
    )
    clock.now += DEBOUNCE_SECONDS - 10  # a steady stream: later events find it pending
    queues.send(creation(2))
    [result] = drain(queues)
    assert result["reconciled"] is False and result["follow_up_seconds"] == 10
    assert [u["op"] for u in updates] == ["GetSchedule"]
    assert schedule(queues)["ScheduleExpression"] == armed["ScheduleExpression"]
    schedules = boto3.client("scheduler").list_schedules(GroupName=queues.schedule_group)["Schedules"]
    assert [s["Name"] for s in schedules] == [SCHEDULE_NAME]


@pytest.mark.parametrize("entry", ["schedule", "backfill", "direct event"])
def test_the_schedule_a_backfill_and_direct_invocations_reconcile_at_once(queued, entry: str) -> None:
    aws, queues, _ = queued
    build_demo_world(aws.world)
    if entry == "direct event":
        result = reconcile.handler(sample("create-vpc-endpoint.json"), lambda_context())
    else:
        queues.send(scheduled(1) if entry == "schedule" else sample("backfill.json"))
        [result] = drain(queues)
    assert "reconciled" not in result and result["monitored"] == 2


def test_a_message_that_arrived_after_the_last_read_began_gets_its_reconcile(queued) -> None:
    aws, queues, clock = queued
    build_demo_world(aws.world)
    queues.send(scheduled(1))
    clock.now += 2 * CONSISTENCY_MARGIN_SECONDS
    assert "skipped" not in drain(queues)[0]
    reconcile.last_read.started = time.time() - CONSISTENCY_MARGIN_SECONDS / 2  # began just before
    queues.send(scheduled(2))
    [result] = drain(queues)
    assert "skipped" not in result and result["trigger"] == "batch"


def test_pending_resources_are_followed_up_with_capped_backoff_until_the_schedule_takes_over(queued) -> None:
    aws, queues, clock = queued
    demo = build_demo_world(aws.world)
    set_endpoint_state(demo.consumer_endpoint, "pending")
    updates: list[dict[str, Any]] = []
    aws.clients.session.events.register(
        "provide-client-params.scheduler.UpdateSchedule", lambda params, **_: updates.append(copy.deepcopy(params))
    )
    queues.send(sample("create-vpc-endpoint.json"))
    delays = []
    for _ in range(len(BACKOFF_SECONDS) + 2):
        [result] = drain(queues)
        delays.append(result["follow_up_seconds"])
        if result["follow_up_seconds"] is None:
            break
        arranged = schedule(queues)
        assert arranged["ScheduleExpression"] == due_at(clock.now + result["follow_up_seconds"])
        assert arranged["ActionAfterCompletion"] == "DELETE"
        assert arranged["Target"]["SqsParameters"] == {"MessageGroupId": MESSAGE_GROUP}
        assert arranged["Target"]["Arn"] == queues.arn
        fire(queues)  # the handler's clock stays with moto's, which stamps SentTimestamp
    assert delays == [DEBOUNCE_SECONDS, *BACKOFF_SECONDS, None]
    # Events joining a follow-up part-way through its backoff: the same due time, from RESTART_STEP.
    clock.now += 1  # the queue deduplicates on content: this chain's messages differ from the last's
    queues.send(scheduled(1))
    [result] = drain(queues)
    assert result["follow_up_seconds"] == BACKOFF_SECONDS[0]
    fire(queues)
    [result] = drain(queues)
    assert result["follow_up_seconds"] == BACKOFF_SECONDS[1]
    before = schedule(queues)
    assert json.loads(before["Target"]["Input"])["detail"]["step"] == 2
    clock.now += 1
    queues.send(sample("modify-vpc-endpoint.json"))
    [result] = drain(queues)
    assert result["reconciled"] is False and result["follow_up_seconds"] == BACKOFF_SECONDS[1] - 1
    after = schedule(queues)
    assert after["ScheduleExpression"] == before["ScheduleExpression"]  # neither earlier nor later
    assert json.loads(after["Target"]["Input"])["detail"]["step"] == RESTART_STEP
    schedules = boto3.client("scheduler").list_schedules(GroupName=queues.schedule_group)["Schedules"]
    assert [s["Name"] for s in schedules] == [SCHEDULE_NAME]
    assert updates and all(u["ActionAfterCompletion"] == "DELETE" for u in updates)
    # Available at last: monitored, and nothing more to follow up.
    set_endpoint_state(demo.consumer_endpoint, "available")
    fire(queues)
    [result] = drain(queues)
    assert result["follow_up_seconds"] is None and result["monitored"] == DEMO_MONITORED


def test_writes_deferred_past_the_deadline_are_handed_over_at_once(queued) -> None:
    aws, queues, _ = queued
    build_demo_world(aws.world)
    queues.send(scheduled(1))
    records = queues.receive()
    context = lambda_context(remaining_millis=int(reconcile.DEADLINE_MARGIN * 1000) - 1)
    result = reconcile.handler({"Records": records}, context)
    queues.delete(records)
    assert len(result["deferred"]) == DEMO_ARTIFACTS and result["follow_up_seconds"] == 0
    [hand_over] = queues.receive()
    assert json.loads(hand_over["body"])["detail-type"] == "Follow-up"
    assert hand_over["attributes"]["MessageGroupId"] == MESSAGE_GROUP
    queues.delete([hand_over])
    # The next reconcile does the rest, and arranges nothing more.
    queues.send(hand_over["body"])
    [result] = drain(queues)
    assert len(result["done"]) == DEMO_ARTIFACTS and result["follow_up_seconds"] is None


def test_a_batch_that_keeps_failing_ends_in_the_dead_letter_queue(queued, moto_endpoint: str) -> None:
    aws, queues, _ = queued
    build_demo_world(aws.world)
    queues.send(scheduled(1))
    only_rules = lambda service, operation: operation == "PutInsightRule"  # noqa: E731
    proxy = FaultyEndpoint(moto_endpoint, share=1.0, seed=11, faults=("unavailable",), only=only_rules)
    with proxy, proxy.routed():  # the product's clients, made on first use, go through the proxy; the queue's not
        failing = Clients(
            session=boto3.Session(),
            config=Config(retries={"mode": "standard", "max_attempts": 1}, user_agent_extra="privatelink-insights"),
        )
        reconcile.cached_clients = lambda region: failing  # type: ignore[assignment]  # undone by monkeypatch
        for _ in range(MAX_RECEIVES):
            records = queues.receive()
            assert len(records) == 1
            with pytest.raises(Exception, match="changes failed"):
                reconcile.handler({"Records": records}, lambda_context())
            queues.time_out(records)  # not deleted: back after the visibility timeout
    assert queues.receive() == []  # after maxReceiveCount receives, SQS moves it on
    kept = queues.receive(queues.dead_letter_url)
    assert len(kept) == 1 and json.loads(kept[0]["body"])["id"] == "schedule-1"


def test_without_the_stacks_wiring_a_follow_up_is_reported_not_arranged(aws: Harness, monkeypatch) -> None:
    """The CLI and direct local calls have no queue: the summary still says when one is due."""
    demo = build_demo_world(aws.world)
    set_endpoint_state(demo.consumer_endpoint, "pending")
    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    # A clock that stands still: the follow-up counts from when the reading began, so a run slowed
    # by a busy machine would otherwise shorten it.
    monkeypatch.setattr(reconcile, "wall_clock", Clock())
    with patched_environ({"FOLLOW_UP_QUEUE_URL": None}):
        result = reconcile.handler(sample("create-vpc-endpoint.json"), lambda_context())
    assert result["follow_up_seconds"] == BACKOFF_SECONDS[0]
    assert not [c for c in aws.calls if c.startswith(("scheduler:", "sqs:"))]


def test_an_accepted_consumer_is_followed_up_until_the_provider_sees_it_available(queued, moto_endpoint: str) -> None:
    """AcceptVpcEndpointConnections in the provider's account: the debounced reconcile finds the
    connection pending, and follows it up until it is available, so the dashboard's consumer table
    does not wait for the schedule."""
    aws, queues, _ = queued
    demo = build_demo_world(aws.world)
    configs = aws.world.ec2.describe_vpc_endpoint_service_configurations()["ServiceConfigurations"]
    service = next(c["ServiceId"] for c in configs if c["ServiceName"] == demo.endpoint_service)
    consumer = add_consumer_endpoint(moto_endpoint, service, "210987654321", state="pendingAcceptance")
    aws.world.ec2.accept_vpc_endpoint_connections(ServiceId=service, VpcEndpointIds=[consumer])
    state_of(MOTO_ACCOUNT, "us-east-1").consumer_endpoints[consumer].state = "pending"  # AWS provisions it a while
    queues.send(sample("accept-vpc-endpoint-connections.json"))
    [debounced] = drain(queues)
    assert debounced["reconciled"] is False and debounced["follow_up_seconds"] == DEBOUNCE_SECONDS
    fire(queues)  # the handler's clock stays with moto's, which stamps SentTimestamp
    [seen_pending] = drain(queues)
    assert seen_pending["follow_up_seconds"] == BACKOFF_SECONDS[0]
    state_of(MOTO_ACCOUNT, "us-east-1").consumer_endpoints[consumer].state = "available"
    fire(queues)
    [settled] = drain(queues)
    assert settled["follow_up_seconds"] is None and [c["name"] for c in settled["done"]] == settled["dashboards"]
    [dashboard] = settled["dashboards"]
    body = boto3.client("cloudwatch").get_dashboard(DashboardName=dashboard)["DashboardBody"]
    assert f"| {consumer} | 210987654321 | available |" in body
