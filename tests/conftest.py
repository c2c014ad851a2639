"""Suite-wide: one botocore loader per process, every AWS call the product makes recorded, and the
tests that judge the whole run (marked session_end) run once, after every other test.

Alone, pytest runs session_end tests last. Under pytest-xdist (`make test` runs `-n logical`) each worker
records the calls of its own tests: workers leave session_end tests to the controller, hand it their
recorded calls when they finish, and the controller runs those tests once over the merged calls.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, Literal

import pytest

from tests import frozen_heap, iam, profiles  # noqa: F401 - profiles registers the Hypothesis profiles
from tests.shared_loader import sharing_one_loader

SESSION_END = "session_end"
CALLS_KEY = "product_calls"  # a worker's recorded calls, in its workeroutput
SESSION_END_KEY = "session_end_tests"  # the session_end tests a worker collected and left to the controller
held_key = pytest.StashKey[list[str]]()  # in a worker: the node ids of those tests


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{SESSION_END}: runs after every other test of the run")
    shared = ExitStack()
    shared.enter_context(sharing_one_loader())
    config.add_cleanup(shared.close)
    if is_distributed(config) and not is_worker(config):
        config.pluginmanager.register(SessionEndInController(config), "session-end-in-controller")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists by now (modules, the collected tests) lives until the end (tests/frozen_heap.py)."""
    frozen_heap.freeze()


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_distributed(config: pytest.Config) -> bool:
    """Under pytest-xdist with workers (`-n 0` and `-p no:xdist` run in one process)."""
    return is_worker(config) or str(config.getoption("dist", "no")) != "no"


@pytest.fixture(scope="session", autouse=True)
def record_product_calls() -> Iterator[None]:
    with iam.recording_every_client():
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked session_end judge what the whole run did: last in one process; in a worker, held
    back for the controller, which alone sees every worker's calls."""
    items.sort(key=lambda item: item.get_closest_marker(SESSION_END) is not None)
    if not is_worker(config):
        return
    held = [item for item in items if item.get_closest_marker(SESSION_END) is not None]
    if held:
        config.stash[held_key] = [item.nodeid for item in held]
        items[:] = [item for item in items if item not in held]
        config.hook.pytest_deselected(items=held)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if is_worker(config):
        output: dict[str, Any] = config.workeroutput  # type: ignore[attr-defined]
        output[CALLS_KEY] = [iam.call_to_wire(call) for call in iam.SESSION_CALLS]
        output[SESSION_END_KEY] = config.stash.get(held_key, [])


class SessionEndInController:
    """The controller's side: gathers every worker's calls, then runs the session_end tests once."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.session_end: set[str] = set()
        self.workers = 0
        self.lost: list[str] = []  # workers that went down without handing over their calls

    @pytest.hookimpl
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", None)
        if error or not output or CALLS_KEY not in output:
            self.lost.append(str(getattr(node, "gateway", node)))
            return
        self.workers += 1
        iam.SESSION_CALLS.update(iam.call_from_wire(wire) for wire in output[CALLS_KEY])
        self.session_end.update(output[SESSION_END_KEY])

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        for nodeid in sorted(self.session_end):
            report = self.run_in_controller(nodeid)
            self.config.hook.pytest_runtest_logreport(report=report)
            if report.failed:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def run_in_controller(self, nodeid: str) -> pytest.TestReport:
        """Runs a session_end test function (it takes no fixtures) here, over the merged calls."""
        path, _, name = nodeid.partition("::")
        outcome: Literal["passed", "failed"] = "passed"
        longrepr = None
        try:
            if self.lost:
                raise AssertionError(f"workers went down before handing over their calls: {self.lost}")
            module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
            test = getattr(module, name)
            test()
        except Exception as failure:  # an assertion or an error: the test failed, with what it said
            told = "".join(traceback.format_exception(failure))
            outcome, longrepr = "failed", f"{nodeid}, run by the controller over {self.workers} workers' calls:\n{told}"
        return pytest.TestReport(
            nodeid=nodeid,
            location=(path, None, name),
            keywords={SESSION_END: 1},
            outcome=outcome,
            longrepr=longrepr,
            when="call",
            sections=[],
            duration=0.0,
            start=0.0,
            stop=0.0,
        )
