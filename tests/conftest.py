"""Suite-wide: every AWS call the product makes is recorded, and the policy check runs last."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.iam import recording_every_client

SESSION_END = "session_end"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{SESSION_END}: runs after every other test of the run")


@pytest.fixture(scope="session", autouse=True)
def record_product_calls() -> Iterator[None]:
    with recording_every_client():
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked session_end judge what the whole run did, so they go last."""
    items.sort(key=lambda item: item.get_closest_marker(SESSION_END) is not None)
