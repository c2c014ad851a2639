"""Write pacing: each write API is called at most its rate per second (timing logic only).

CloudWatch throttles per API, account and Region: PutMetricAlarm and DeleteAlarms at 3 TPS, the
dashboard APIs at 10 TPS, and the Contributor Insights rule APIs at 1 or 5 TPS (which of them sits
in which tier is not documented where we could check, so 1 by default). botocore's adaptive retry
recovers from throttling, but every throttled attempt spends the quota that the console and other
tools in the account share with us; spacing our calls keeps us under it in the first place.

Calls to one API are spaced evenly, 1/rate seconds apart from start to start: an interval, not a
bucket with a burst, so that the calls never come faster than the rate (a closed one-second window
can hold rate + 1 starts, at its two ends; a throttle's token bucket allows that much). The clock is
injected, so that the tests and the benchmark count the waits instead of sleeping them. Each
artifact kind names its operations and their rate (core/artifacts: `write_rates`).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from core.artifacts import write_rates
from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Monotonic time, and real sleeps."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


@dataclass
class Pacer:
    """Spaces the calls to each operation 1/rate seconds apart; an operation without a rate is
    never made to wait."""

    rates: Mapping[str, float]  # operation name (PutInsightRule, ...) -> calls per second
    clock: Clock = SYSTEM_CLOCK
    waited: float = 0.0  # seconds spent waiting, in all
    next_start: dict[str, float] = field(default_factory=dict)

    def delay(self, operation: str) -> float:
        """Seconds until `operation` may next be called."""
        return max(self.next_start.get(operation, 0.0) - self.clock.now(), 0.0)

    def wait(self, operation: str) -> None:
        """Waits for `operation`'s turn, then books the next one."""
        rate = self.rates.get(operation, 0.0)
        if rate <= 0:
            return
        delay = self.delay(operation)
        if delay > 0:
            self.clock.sleep(delay)
            self.waited += delay
        self.next_start[operation] = self.clock.now() + 1.0 / rate


def pacing_enabled(mode: str, endpoint_url: str | None) -> bool:
    """`on` and `off` say it all; `auto` paces unless the endpoint is on this machine (a local
    AWS stand-in such as moto), since only AWS has these quotas."""
    if mode != "auto":
        return mode == "on"
    return not is_loopback(endpoint_url or "")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def paced_writes(clients: Clients, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Pacer:
    """A pacer at the documented write rates, or one that never waits when the AWS endpoint is on
    this machine (moto) and pacing is "auto"."""
    if not pacing_enabled(settings.pacing, clients.cloudwatch.meta.endpoint_url):
        return Pacer({}, clock)
    return Pacer(write_rates(settings), clock)
