"""Unit tests never reach a network: any socket connection, bind or name lookup fails the test."""

from __future__ import annotations

import socket
from typing import Any, NoReturn

import pytest


class SocketBlockedError(RuntimeError):
    """Raised where a unit test reached for the network: it belongs in tests/integration."""


def refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise SocketBlockedError(f"unit tests cannot open sockets (tried {args[1:] or args or kwargs})")


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fake credentials: without them botocore's credential chain asks the instance metadata service.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for method in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, method, refuse)
    for function in ("create_connection", "create_server", "getaddrinfo"):
        monkeypatch.setattr(socket, function, refuse)
