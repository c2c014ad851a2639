"""A seeded busy day of an account, as a plan on a virtual clock: what is created when, how long each
resource stays pending, how late CloudTrail delivers each event, and which VPCs get a flow log later."""

from __future__ import annotations

import random
from dataclasses import dataclass

DAY_SECONDS = 24 * 3600
PENDING_SECONDS = (30.0, 300.0)  # a new endpoint or load balancer, before it is available or active
CLOUDTRAIL_DELAY_SECONDS = (0.0, 120.0)  # API call to EventBridge
LOGGED_VPCS = 4  # with a flow log from the start
LATE_VPCS = 2  # whose flow log is added during the day, after resources were created there
BIG_BURST = 50  # creations within a minute: a Terraform apply, a StackSet roll-out
BIG_BURST_SECONDS = 60.0
BIG_BURST_AT = 10 * 3600.0
QUIET_AROUND_BIG_BURST = 1800.0  # nothing else happens this close to it, so that its cost is its own
SMALL_BURSTS = 6
SMALL_BURST_SIZES = (5, 10)
SMALL_BURST_SECONDS = 120.0
SINGLES = 30
LOAD_BALANCER_SHARE = 0.25  # of the creations outside the big burst
EXISTING_ENDPOINTS_PER_VPC = 3  # the account is not new: resources the day starts with, monitored
SEED = 11


@dataclass(frozen=True)
class Creation:
    index: int
    at: float  # seconds into the day: the API call
    kind: str  # "endpoint" or "load-balancer"
    vpc: int  # index into the day's VPCs: below LOGGED_VPCS it has a flow log from the start
    pending: float  # seconds before it is available (an endpoint) or active (a load balancer)
    delay: float  # seconds before its CloudTrail event reaches EventBridge
    burst: str  # "big", "small-<n>" or "single"

    @property
    def available_at(self) -> float:
        return self.at + self.pending


@dataclass(frozen=True)
class LateFlowLog:
    vpc: int
    at: float
    delay: float  # of its CreateFlowLogs event


@dataclass(frozen=True)
class Day:
    creations: tuple[Creation, ...]
    flow_logs: tuple[LateFlowLog, ...]
    vpcs: int

    def monitorable_at(self, creation: Creation) -> float:
        """When the resource could first be monitored: available, and covered by a flow log."""
        late = [f.at for f in self.flow_logs if f.vpc == creation.vpc]
        return max([creation.available_at, *late])


def busy_day(seed: int = SEED) -> Day:
    draw = random.Random(seed)
    vpcs = LOGGED_VPCS + LATE_VPCS
    starts: list[tuple[float, str, int]] = [(BIG_BURST_AT, "big", BIG_BURST)]

    def outside_quiet(at: float, length: float) -> bool:
        return at + length < BIG_BURST_AT - QUIET_AROUND_BIG_BURST or at > BIG_BURST_AT + QUIET_AROUND_BIG_BURST

    while len(starts) < 1 + SMALL_BURSTS:
        at = draw.uniform(3600, DAY_SECONDS - 3600)
        if outside_quiet(at, SMALL_BURST_SECONDS):
            starts.append((at, f"small-{len(starts)}", draw.randint(*SMALL_BURST_SIZES)))
    while len(starts) < 1 + SMALL_BURSTS + SINGLES:
        at = draw.uniform(0, DAY_SECONDS - 3600)
        if outside_quiet(at, 0):
            starts.append((at, "single", 1))
    planned: list[tuple[float, str, str, int]] = []
    for start, burst, size in starts:
        length = {"big": BIG_BURST_SECONDS, "single": 0.0}.get(burst, SMALL_BURST_SECONDS)
        vpc = draw.randrange(LOGGED_VPCS) if burst == "big" else draw.randrange(vpcs)
        for _ in range(size):
            kind = "endpoint" if burst == "big" or draw.random() >= LOAD_BALANCER_SHARE else "load-balancer"
            planned.append((start + draw.uniform(0, length), kind, burst, vpc))
    planned.sort()
    creations = tuple(
        Creation(
            index=index,
            at=at,
            kind=kind,
            vpc=vpc,
            pending=draw.uniform(*PENDING_SECONDS),
            delay=draw.uniform(*CLOUDTRAIL_DELAY_SECONDS),
            burst=burst,
        )
        for index, (at, kind, burst, vpc) in enumerate(planned)
    )
    flow_logs = []
    for vpc in range(LOGGED_VPCS, vpcs):
        first = min((c.at for c in creations if c.vpc == vpc), default=0.0)
        flow_logs.append(
            LateFlowLog(vpc, first + draw.uniform(1800, 3 * 3600), draw.uniform(*CLOUDTRAIL_DELAY_SECONDS))
        )
    return Day(creations, tuple(flow_logs), vpcs)
