"""The benchmark: one reconcile against the least work the job needs, on a local moto server.

For each world size N it builds a PrivateLink world (bench/worlds.py: ten resources a VPC for the
sizes of every earlier run, fifty a VPC for a busy Region of N=2000 and, to measure growth within
that layout, N=500), then measures, each in a fresh process (bench/measure.py):

- onboarding: the floor (bench/floor.py: the least reads, then one write per artifact of the
  desired state) and the reconcile, each from an account with none of our artifacts;
- steady state: the reconcile again (nothing to change) and the floor's reads alone.

It reports AWS calls by operation, wall time against the floor, peak memory, the handler's import
time against boto3 and Powertools alone, and backfills at the paced write rates (bench/backfill.py:
the whole default quota, and the busy Region's onboarding at the default quota, run by run). The
table goes to stdout and to bench/results.md.

    python -m bench.run [--sizes 10 50 200 500] [--busy-sizes 500 2000] [--output bench/results.md]

The rule quota is raised to 10000 (the applied value in the local server's Service Quotas, which
the product reads first, and PLINSIGHTS_RULE_QUOTA) so that large worlds are monitored whole;
pacing is off against the local server. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.backfill import (
    measure_backfill,
)
from bench.common import ROOT, ms
from bench.coverage import measure_coverage
from bench.imports import (
    measure_imports,
)
from bench.pure import measure_pure
from bench.report import report
from bench.vs_floor import (
    RULE_QUOTA,
    SizeFigures,
    measure_size,
)
from bench.worlds import FIFTY, TEN
from demo.local import local_aws


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200, 500], help="ten resources a VPC")
    parser.add_argument("--busy-sizes", type=int, nargs="*", default=[500, 2000], help="fifty resources a VPC")
    parser.add_argument("--no-backfill", action="store_true", help="leave the paced backfills out")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args(argv)
    started, load_at_start = time.perf_counter(), os.getloadavg()[0]
    figures: list[SizeFigures] = []
    with local_aws() as endpoint, tempfile.TemporaryDirectory() as workdir:
        os.environ["PLINSIGHTS_RULE_QUOTA"] = RULE_QUOTA
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
        for size, layout in [(n, TEN) for n in args.sizes] + [(n, FIFTY) for n in args.busy_sizes]:
            print(f"N={size} ({layout.name}): building and measuring ...", file=sys.stderr, flush=True)
            figures.append(measure_size(endpoint, size, Path(workdir), warm_up=not figures, layout=layout))
            f = figures[-1]
            print(
                f"  onboarding {ms(f.onboarding.seconds)} (floor {ms(f.onboarding_floor.seconds)}), "
                f"steady {f.steady.total} calls (floor {f.steady_floor.total})",
                file=sys.stderr,
                flush=True,
            )
        backfill = None
        if not args.no_backfill:
            print("backfills at the paced rates ...", file=sys.stderr, flush=True)
            backfill = measure_backfill(endpoint)
    print("pure steps at scale ...", file=sys.stderr, flush=True)
    pure = measure_pure()
    print("coverage and cost at the default quota ...", file=sys.stderr, flush=True)
    coverage = measure_coverage()
    print("import times ...", file=sys.stderr, flush=True)
    imports = measure_imports()
    load = (load_at_start, os.getloadavg()[0])
    text = report(figures, imports, pure, backfill, time.perf_counter() - started, coverage, load)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
