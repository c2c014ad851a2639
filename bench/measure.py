"""One measured run in a fresh process: the reconcile, or the floor. Prints one JSON line.

A fresh process per run keeps the figures apart from moto (which serves in the parent process)
and from each other: peak memory is this run's alone, and nothing is warm but the imports, as in
a Lambda function whose module was loaded at init.

    python -m bench.measure reconcile [--trace]
    python -m bench.measure floor WRITES.json [--trace]
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from functools import wraps
from typing import Any

from tests.recording import recording_session

import core.reconcile
from bench.floor import floor
from core.clients import Clients
from core.settings import Settings

STEPS = ("discover", "observe", "desired_state", "make_plan", "apply_plan")


def timed_steps(seconds: dict[str, float], cpu: dict[str, float]) -> None:
    """Wraps each step of the loop where core.reconcile calls it, to time it: wall time, which holds
    the local server's time to answer, and this process's CPU time, the product's own work."""
    for name in STEPS:
        step: Callable[..., Any] = getattr(core.reconcile, name)

        def timed(*args: Any, _step: Callable[..., Any] = step, _name: str = name, **kwargs: Any) -> Any:
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                return _step(*args, **kwargs)
            finally:
                seconds[_name] = seconds.get(_name, 0.0) + time.perf_counter() - start
                cpu[_name] = cpu.get(_name, 0.0) + time.process_time() - start_cpu

        setattr(core.reconcile, name, wraps(step)(timed))


def run_reconcile() -> dict[str, Any]:
    calls: list[str] = []
    steps: dict[str, float] = {}
    step_cpu: dict[str, float] = {}
    timed_steps(steps, step_cpu)
    settings = Settings.from_env()
    start, cpu = time.perf_counter(), time.process_time()
    outcome = core.reconcile.run_reconcile(Clients(session=recording_session(calls)), settings)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    result = outcome.result
    return {
        "seconds": seconds,
        "cpu": cpu,
        "calls": dict(Counter(calls)),
        "steps": steps,
        "step_cpu": step_cpu,
        "artifacts": {
            "rules": len(outcome.desired.rules),
            "alarms": len(outcome.desired.alarms),
            "dashboards": len(outcome.desired.dashboards),
        },
        "changes": len(outcome.plan.changes),
        "failed": [f"{f.change.name}: {f.error}" for f in result.failed] if result else [],
        "deferred": len(getattr(result, "deferred", []) or []),
    }


def run_floor(writes_path: str) -> dict[str, Any]:
    with open(writes_path) as file:
        job = json.load(file)
    calls: list[str] = []
    start, cpu = time.perf_counter(), time.process_time()
    floor(recording_session(calls), job["prefix"], job["dashboard_base"], job["writes"])
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "calls": dict(Counter(calls)),
    }


def peak_rss_kib() -> int:
    """This process's peak resident memory. Linux keeps ru_maxrss across exec, so a child of a big
    parent reports the parent's; VmHWM is this process's own."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    trace = "--trace" in argv
    args = [a for a in argv if a != "--trace"]
    if trace:
        tracemalloc.start()
    figures = run_reconcile() if args[0] == "reconcile" else run_floor(args[1])
    if trace:
        figures["peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    figures["maxrss_kib"] = peak_rss_kib()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
