"""What every part of the benchmark shares: a measured run in a fresh process, the local server's reset, table cells."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo.local_server.control import set_applied_quota
from demo.local_server.service_quotas import RULE_QUOTA_CODE

ROOT = Path(__file__).resolve().parents[1]

READ_PREFIXES = ("Describe", "List", "Get")


@dataclass
class Run:
    seconds: float
    calls: dict[str, int]
    cpu: float = 0.0  # this process's CPU time during the run: what a busy machine disturbs least
    peak_bytes: int = 0
    maxrss_kib: int = 0
    steps: dict[str, float] = field(default_factory=dict)  # wall seconds per step of the loop
    step_cpu: dict[str, float] = field(default_factory=dict)  # the measured process's CPU seconds per step
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if not op.split(":")[1].startswith(READ_PREFIXES))


def measure(*args: str) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "bench.measure", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"bench.measure {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    known = ("seconds", "calls", "cpu", "peak_bytes", "maxrss_kib", "steps", "step_cpu")
    return Run(**{k: data[k] for k in known if k in data}, extra={k: v for k, v in data.items() if k not in known})


def best(runs: Sequence[Run]) -> Run:
    """The fastest of repeated runs: the one least disturbed by anything else on the machine."""
    return min(runs, key=lambda r: r.seconds)


def reset(endpoint: str, rule_quota: int) -> None:
    """A fresh account whose Contributor Insights rule quota is `rule_quota`, as Service Quotas
    reports it (the product reads it there before its configured fallback)."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    set_applied_quota(endpoint, RULE_QUOTA_CODE, rule_quota)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def moto_version() -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version("moto")
