"""AWS's delivery around the real handler, on a virtual clock: the day's resources appear in the local
moto server (pending, then available), and their CloudTrail events reach the function as either
design delivers them. "before": each event invoked the function directly and asynchronously, one at a
time (reserved concurrency 1), with nothing but the hourly schedule to follow up. "after": EventBridge,
the schedule and follow-ups feed a FIFO queue with one message group, read in batches of up to 10,
one batch in flight; a batch of events alone arms the one follow-up schedule (or finds it pending),
which fires into the queue at its due time."""

from __future__ import annotations

import copy
import heapq
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
from moto.ec2.models import ec2_backends
from moto.elbv2.models import FakeLoadBalancer, elbv2_backends

import core.apply.pacing
from bench.day import DAY_SECONDS, EXISTING_ENDPOINTS_PER_VPC, LOGGED_VPCS, Creation, Day
from demo.local import lambda_context
from demo.world import World
from handlers import reconcile

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
ACCOUNT = "123456789012"  # moto's default account
DAY_STARTS = datetime(2026, 11, 28, tzinfo=UTC).timestamp()  # epoch seconds of the virtual day's start
BATCH_SIZE = 10  # template.yaml: ReconcileQueueMapping's BatchSize
VISIBILITY_TIMEOUT = 660.0  # template.yaml: a failed batch comes back after this
SCHEDULE_SECONDS = 3600.0  # template.yaml: ReconcileSchedule's default, rate(1 hour)
SCHEDULE_GROUP = "bench-follow-ups"
WRITE_PREFIXES = ("Put", "Delete", "Enable", "Disable")


class VirtualClock:
    """Frozen while the simulation moves between events; inside an invocation real time runs on it
    (the reconcile's measured duration against moto) and the pacer's waits are added, not slept."""

    def __init__(self) -> None:
        self.frozen = 0.0
        self.offset = 0.0
        self.running = False

    def now(self) -> float:
        return self.offset + time.perf_counter() if self.running else self.frozen

    def epoch(self) -> float:
        return DAY_STARTS + self.now()

    def sleep(self, seconds: float) -> None:
        if self.running:
            self.offset += max(seconds, 0.0)
        else:
            self.frozen += max(seconds, 0.0)

    def advance_to(self, at: float) -> None:
        self.frozen = max(self.frozen, at)

    @contextmanager
    def run(self) -> Iterator[None]:
        self.offset, self.running = self.frozen - time.perf_counter(), True
        try:
            yield
        finally:
            self.frozen, self.running = self.now(), False


@contextmanager
def virtual_time(clock: VirtualClock) -> Iterator[None]:
    """The handler's clocks (wall time, its deadline's monotonic time, the pacer's) on the virtual one."""
    handler_globals = vars(reconcile)  # its `time` module: the deadline reads time.monotonic()
    saved = (
        core.apply.pacing.SystemClock.now,
        core.apply.pacing.SystemClock.sleep,
        reconcile.wall_clock,
        handler_globals["time"],
    )
    core.apply.pacing.SystemClock.now = lambda self: clock.epoch()  # type: ignore[method-assign]
    core.apply.pacing.SystemClock.sleep = lambda self, seconds: clock.sleep(seconds)  # type: ignore[method-assign]
    reconcile.wall_clock = clock.epoch
    handler_globals["time"] = SimpleNamespace(monotonic=clock.epoch)
    activate = FakeLoadBalancer.activate
    FakeLoadBalancer.activate = lambda self: None  # type: ignore[method-assign]  # moto activates on describe
    try:
        yield
    finally:
        core.apply.pacing.SystemClock.now, core.apply.pacing.SystemClock.sleep = saved[:2]  # type: ignore[method-assign]
        reconcile.wall_clock, handler_globals["time"] = saved[2:]
        FakeLoadBalancer.activate = activate  # type: ignore[method-assign]


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def cloudtrail_event(name: str, number: int, at: float) -> dict[str, Any]:
    """A sample event of the project's events/ with its own id and time; the ids in it only go to the log."""
    event = copy.deepcopy(sample(name))
    event["id"] = f"bench-{number}"
    event["time"] = datetime.fromtimestamp(DAY_STARTS + at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


@dataclass
class Invocation:
    started: float
    ended: float
    messages: int
    result: dict[str, Any]

    @property
    def reconciled(self) -> bool:
        debounced = self.result.get("reconciled") is False  # an event batch that armed the follow-up
        return not (debounced or self.result.get("skipped") or self.result.get("ignored") or "error" in self.result)


@dataclass
class Outcome:
    """What one design's day produced, for bench/events.py to report."""

    design: str
    invocations: list[Invocation] = field(default_factory=list)
    monitored_at: dict[int, float] = field(default_factory=dict)  # creation index -> first seen monitored
    writes: list[tuple[float, str, str]] = field(default_factory=list)  # (time, operation, artifact)
    failures: int = 0


class Simulation:
    """One design's day: the timeline of the world's changes, the delivery, the handler's invocations."""

    def __init__(self, design: str, day: Day, session: boto3.Session) -> None:
        self.design, self.day, self.session = design, day, session
        self.clock = VirtualClock()
        self.world = World(session)
        self.outcome = Outcome(design)
        self.timeline: list[tuple[float, int, Callable[[], None]]] = []
        self.sequence = 0
        self.queue: list[tuple[float, str]] = []  # (reached the queue, body): the one message group, in order
        self.follow_up: tuple[float, str] | None = None  # the schedule's due time and input
        self.vpcs: list[tuple[str, list[str]]] = []
        self.resources: dict[int, str] = {}  # creation index -> the token its rule names carry
        self.sqs: Any = session.client("sqs")
        self.scheduler: Any = session.client("scheduler")
        self.queue_url = ""

    # --- the world ------------------------------------------------------------------------------

    def build(self) -> None:
        """The account the day starts with: VPCs (the first LOGGED_VPCS with a flow log) holding
        endpoints that are already monitored, and the queue and schedule group of the stack."""
        for index in range(self.day.vpcs):
            vpc, subnets = self.world.vpc(subnets=2, name=f"day-{index}")
            self.vpcs.append((vpc, subnets))
            if index < LOGGED_VPCS:
                self.world.flow_log(resource_ids=[vpc], log_group=f"/bench/day/{index}")
                for slot in range(EXISTING_ENDPOINTS_PER_VPC):
                    self.world.interface_endpoint(vpc, subnets, f"com.amazonaws.{self.world.region}.svc{slot}")
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        self.queue_url = self.sqs.create_queue(QueueName="bench-reconcile.fifo", Attributes=attributes)["QueueUrl"]
        self.scheduler.create_schedule_group(Name=SCHEDULE_GROUP)

    def wiring(self) -> dict[str, str | None]:
        """The stack's queue and schedule group for the handler's follow-ups: none before."""
        names = ("QUEUE_URL", "QUEUE_ARN", "SCHEDULE_GROUP", "ROLE_ARN")
        if self.design == "before":
            return dict.fromkeys((f"FOLLOW_UP_{n}" for n in names), None)
        arn = f"arn:aws:sqs:{self.world.region}:{ACCOUNT}:bench-reconcile.fifo"
        values = (self.queue_url, arn, SCHEDULE_GROUP, f"arn:aws:iam::{ACCOUNT}:role/follow-up")
        return {f"FOLLOW_UP_{n}": v for n, v in zip(names, values, strict=True)}

    def at(self, when: float, action: Callable[[], None]) -> None:
        self.sequence += 1
        heapq.heappush(self.timeline, (when, self.sequence, action))

    def create(self, creation: Creation) -> None:
        vpc, subnets = self.vpcs[creation.vpc]
        if creation.kind == "endpoint":
            service = f"com.amazonaws.{self.world.region}.day{creation.index}"
            endpoint = self.world.interface_endpoint(vpc, subnets, service)
            ec2_backends[ACCOUNT][self.world.region].vpc_end_points[endpoint].state = "pending"
            self.resources[creation.index] = endpoint
            event = cloudtrail_event("create-vpc-endpoint.json", creation.index, creation.at)

            def available() -> None:
                ec2_backends[ACCOUNT][self.world.region].vpc_end_points[endpoint].state = "available"
        else:
            arn = self.world.load_balancer(f"day-{creation.index}", subnets, "network")
            elbv2_backends[ACCOUNT][self.world.region].load_balancers[arn].state = "provisioning"
            self.resources[creation.index] = arn.rsplit("/", 1)[-1]
            event = cloudtrail_event("create-load-balancer.json", creation.index, creation.at)

            def available() -> None:
                elbv2_backends[ACCOUNT][self.world.region].load_balancers[arn].state = "active"

        self.at(creation.available_at, available)
        self.at(creation.at + creation.delay, lambda: self.arrive(event))

    def late_flow_log(self, vpc_index: int, number: int, at: float) -> None:
        self.world.flow_log(resource_ids=[self.vpcs[vpc_index][0]], log_group=f"/bench/day/{vpc_index}")
        event = cloudtrail_event("create-flow-logs.json", number, at)
        self.at(at + self.day.flow_logs[vpc_index - LOGGED_VPCS].delay, lambda: self.arrive(event))

    def arrive(self, event: dict[str, Any]) -> None:
        """EventBridge delivers: to the function (before) or to the queue (after); both in order."""
        self.queue.append((self.clock.now(), json.dumps(event)))

    def hourly(self, number: int) -> None:
        self.arrive(cloudtrail_event("scheduled.json", 10_000 + number, self.clock.now()))

    # --- the function ---------------------------------------------------------------------------

    def next_batch(self) -> list[tuple[float, str]]:
        """Before: Lambda's async queue hands one event to the one concurrent execution. After: the
        event source mapping receives up to a batch of the group's visible messages."""
        size = 1 if self.design == "before" else BATCH_SIZE
        visible = [m for m in self.queue if m[0] <= self.clock.now()][:size]
        for message in visible:
            self.queue.remove(message)
        return visible

    def invoke(self, batch: list[tuple[float, str]]) -> None:
        if self.design == "before":
            event: dict[str, Any] = json.loads(batch[0][1])
        else:
            event = {"Records": [record(n, sent, body) for n, (sent, body) in enumerate(batch)]}
        started = self.clock.now()
        with self.clock.run():
            try:
                result = reconcile.handler(event, lambda_context(600_000))
            except Exception as err:  # the message is retried, as Lambda or the queue would
                result = {"error": str(err)}
        self.outcome.invocations.append(Invocation(started, self.clock.now(), len(batch), result))
        if "error" in result:
            self.outcome.failures += 1
            self.queue[:0] = [(self.clock.now() + VISIBILITY_TIMEOUT, body) for _, body in batch]
        self.collect_follow_ups()
        self.observe_monitored()
        if len(self.outcome.invocations) % 25 == 0:
            done = len(self.outcome.monitored_at)
            print(f"  {self.design}: {len(self.outcome.invocations)} invocations, {self.clock.now() / 3600:.1f} h, "
                  f"{done} monitored", file=sys.stderr, flush=True)  # fmt: skip

    def collect_follow_ups(self) -> None:
        """The handler's hand-over messages reach the queue; its one schedule is read for its due time."""
        if self.design == "before":
            return
        while messages := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                self.queue.append((self.clock.now(), message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        try:
            schedule = self.scheduler.get_schedule(GroupName=SCHEDULE_GROUP, Name="follow-up")
        except self.scheduler.exceptions.ResourceNotFoundException:
            self.follow_up = None
            return
        due = datetime.strptime(re.sub(r"^at\((.*)\)$", r"\1", schedule["ScheduleExpression"]), "%Y-%m-%dT%H:%M:%S")
        self.follow_up = (due.replace(tzinfo=UTC).timestamp() - DAY_STARTS, schedule["Target"]["Input"])

    def fire_follow_up(self) -> None:
        """The schedule fires into the queue, and deletes itself (ActionAfterCompletion DELETE)."""
        assert self.follow_up is not None
        due, body = self.follow_up
        self.scheduler.delete_schedule(GroupName=SCHEDULE_GROUP, Name="follow-up")
        self.queue.append((due, body))
        self.follow_up = None

    def observe_monitored(self) -> None:
        """Monitored: the resource's rules exist in CloudWatch (rule names carry its id)."""
        names = self.world.rule_names()
        for index, token in self.resources.items():
            if index not in self.outcome.monitored_at and any(f"-{token}-" in name for name in names):
                self.outcome.monitored_at[index] = self.clock.now()

    def record_writes(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name.startswith(WRITE_PREFIXES):
            for key in ("RuleName", "AlarmName", "DashboardName", "RuleNames", "AlarmNames", "DashboardNames"):
                value = params.get(key)
                for name in [value] if isinstance(value, str) else value or []:
                    self.outcome.writes.append((self.clock.now(), model.name, str(name)))

    # --- the day --------------------------------------------------------------------------------

    def run(self) -> Outcome:
        for creation in self.day.creations:
            self.at(creation.at, lambda c=creation: self.create(c))  # type: ignore[misc]
        for number, late in enumerate(self.day.flow_logs):
            self.at(late.at, lambda v=late.vpc, n=number, t=late.at: self.late_flow_log(v, 20_000 + n, t))  # type: ignore[misc]
        for hour in range(1, int(DAY_SECONDS // SCHEDULE_SECONDS) + 1):
            self.at(hour * SCHEDULE_SECONDS, lambda h=hour: self.hourly(h))  # type: ignore[misc]
        while True:
            while self.timeline and self.timeline[0][0] <= self.clock.now():
                heapq.heappop(self.timeline)[2]()
            if self.follow_up and self.follow_up[0] <= self.clock.now():
                self.fire_follow_up()
            if batch := self.next_batch():
                self.invoke(batch)
                continue
            upcoming = [t for t in (self.timeline[0][0] if self.timeline else None,
                                    self.follow_up[0] if self.follow_up else None,
                                    min((m[0] for m in self.queue), default=None)) if t is not None]  # fmt: skip
            if not upcoming:
                return self.outcome
            self.clock.advance_to(min(upcoming))


def record(number: int, sent: float, body: str) -> dict[str, Any]:
    """An SQS record as the event source mapping hands it to Lambda."""
    return {
        "messageId": f"bench-{number}",
        "receiptHandle": f"handle-{number}",
        "body": body,
        "attributes": {"SentTimestamp": str(int((DAY_STARTS + sent) * 1000)), "MessageGroupId": "reconcile"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:{ACCOUNT}:bench-reconcile.fifo",
        "awsRegion": "us-east-1",
    }
