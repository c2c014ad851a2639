"""The `plinsights` command as the wheel installs it: one top-level package, `privatelink_insights`.

The code imports itself as `core.…` and `cli.…`, the names it has in the Lambda package (`core/`
and `handlers/` at the root of /var/task) and in the source tree (`src/core`, `src/cli`). The
wheel puts those two folders inside this package instead, so that installing it adds no generic
top-level name such as `core` to anyone's path: pip never overwrites another distribution's
`core`, and a program that imports its own `core` in the same environment gets its own. `main`,
the command's entry point, routes the two names to the folders here for the one process it runs,
ahead of every other finder, so the command always gets its own code. Importing this package
routes nothing. In a source checkout (the dev install puts `src` on the path) the folders are not
here and nothing is routed: `src/core` and `src/cli` are found as they are.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from types import ModuleType

BUNDLED = ("core", "cli")  # the folders the wheel keeps inside this package
HERE = Path(__file__).resolve().parent


class BundledCode(MetaPathFinder):
    """Finds `core` and `cli` in this package's folder; their submodules are then found by the
    usual path finder, through the packages' own `__path__`."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in BUNDLED:
            return None
        return PathFinder.find_spec(fullname, [str(HERE)])


def route_bundled_code() -> None:
    """Makes `import core` and `import cli` find the wheel's copies, in this process only."""
    if not all((HERE / name / "__init__.py").is_file() for name in BUNDLED):
        return  # a source checkout: src/ is on the path
    if not any(isinstance(finder, BundledCode) for finder in sys.meta_path):
        sys.meta_path.insert(0, BundledCode())


def main(argv: Sequence[str] | None = None) -> int:
    """`plinsights`: the console script the wheel installs."""
    route_bundled_code()
    from cli.main import main as run  # noqa: PLC0415 - only once the names are routed

    return run(argv)
