"""Import time of the Lambda module against boto3 and Powertools alone, packaged with and without bytecode."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT

IMPORT_REPEATS = 21  # the least of many: a busy machine only ever adds to an import's time

BASELINE_IMPORT = "import boto3\nfrom aws_lambda_powertools import Logger, Metrics"

HANDLER_IMPORT = "import handlers.reconcile"


@dataclass
class ImportScenario:
    label: str
    baseline: float  # CPU seconds: import boto3, from aws_lambda_powertools import Logger, Metrics
    handler: float  # CPU seconds: import handlers.reconcile
    own: float  # wall seconds: our modules' self time, from python -X importtime

    @property
    def ratio(self) -> float:
        return self.handler / self.baseline


@dataclass
class ImportFigures:
    packaged: ImportScenario  # as src/Makefile builds it: everything compiled, checked-hash bytecode
    uncompiled: ImportScenario  # as SAM's default Python builder would: Powertools and our code as source


def import_seconds(statement: str, env: Mapping[str, str]) -> float:
    # CPU time: an import is CPU work, and CPU time is what other processes on a busy machine
    # disturb least (wall time here varies by half from run to run).
    code = f"import time\nstart = time.process_time()\n{statement}\nprint(time.process_time() - start)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=dict(env), capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def own_import_seconds(env: Mapping[str, str]) -> float:
    """The self time of our own modules, from python -X importtime."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import handlers.reconcile"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S+)", line.strip())
        if match and match.group(2).split(".")[0] in ("core", "handlers"):
            total += int(match.group(1))
    return total / 1e6


def measure_imports() -> ImportFigures:
    """Each import in a fresh interpreter, the least of IMPORT_REPEATS, all four kinds interleaved;
    baseline and handler always share one search path. boto3 is the runtime's, with its bytecode.

    The packaged scenario is what src/Makefile ships: core, handlers and Powertools with .pyc files
    compiled at build time (checked-hash). The uncompiled one is what SAM's default Python builder
    would ship: the same sources without any .pyc (aws-lambda-builders leaves them out), compiled at
    every cold start because /var/task is read-only."""
    powertools = Path(str(importlib.util.find_spec("aws_lambda_powertools").origin)).parent  # type: ignore[union-attr]
    no_bytecode = shutil.ignore_patterns("__pycache__", "*.pyc")
    with tempfile.TemporaryDirectory() as folder:
        packaged, uncompiled = Path(folder) / "packaged", Path(folder) / "uncompiled"
        for copy in (packaged, uncompiled):
            for package in ("core", "handlers"):
                shutil.copytree(ROOT / "src" / package, copy / package, ignore=no_bytecode)
            shutil.copytree(powertools, copy / powertools.name, ignore=no_bytecode)
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "checked-hash", str(packaged)],
            check=True,
        )
        environments = {
            "packaged": {**os.environ, "PYTHONPATH": str(packaged), "PYTHONDONTWRITEBYTECODE": "1"},
            "uncompiled": {**os.environ, "PYTHONPATH": str(uncompiled), "PYTHONDONTWRITEBYTECODE": "1"},
        }
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(IMPORT_REPEATS):
            for kind, env in environments.items():
                for statement in (BASELINE_IMPORT, HANDLER_IMPORT):
                    times.setdefault((kind, statement), []).append(import_seconds(statement, env))
        scenarios = {
            kind: ImportScenario(
                label=kind,
                baseline=min(times[kind, BASELINE_IMPORT]),
                handler=min(times[kind, HANDLER_IMPORT]),
                own=min(own_import_seconds(env) for _ in range(3)),
            )
            for kind, env in environments.items()
        }
    return ImportFigures(packaged=scenarios["packaged"], uncompiled=scenarios["uncompiled"])
