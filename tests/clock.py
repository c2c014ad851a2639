"""A clock for pacing and deadlines that only moves when told to: nothing ever really sleeps."""

from dataclasses import dataclass, field


@dataclass
class FakeClock:
    time: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    def advance(self, seconds: float) -> None:
        self.time += seconds
