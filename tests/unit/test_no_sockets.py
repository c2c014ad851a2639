"""The unit suite's socket block (tests/unit/conftest.py) holds for every way out."""

import http.client
import socket
import urllib.request

import pytest

from tests.unit.conftest import SocketBlockedError


def test_a_connection_attempt_fails_the_test() -> None:
    with pytest.raises(SocketBlockedError), socket.socket() as sock:
        sock.connect(("127.0.0.1", 9))


def test_a_listening_socket_fails_the_test() -> None:
    with pytest.raises(SocketBlockedError), socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))


def test_http_through_the_standard_library_fails_the_test() -> None:
    with pytest.raises(SocketBlockedError):
        http.client.HTTPConnection("127.0.0.1", 9, timeout=1).request("GET", "/")
    with pytest.raises(SocketBlockedError):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)


def test_a_name_lookup_fails_the_test() -> None:
    with pytest.raises(SocketBlockedError):
        socket.getaddrinfo("example.com", 443)
