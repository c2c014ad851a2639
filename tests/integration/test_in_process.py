"""The in-process transport (tests/integration/in_process.py) hands an app what werkzeug's server
would, and botocore what the server would have answered: the same request sent both ways is compared."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import boto3
import pytest
from botocore.config import Config
from werkzeug.serving import make_server

from tests.integration.in_process import InProcessTransport

# What only a socket has, or what the server itself names: the rest of the environ must be equal.
SOCKET_ONLY = frozenset(
    {"wsgi.input", "wsgi.errors", "werkzeug.socket", "REMOTE_PORT", "SERVER_SOFTWARE", "SERVER_NAME", "SERVER_PORT"}
)
ANSWER = b"<Answer>caf\xc3\xa9</Answer>"


class Recorder:
    """A WSGI app that keeps each environ and body it is given, and answers with fixed bytes."""

    def __init__(self) -> None:
        self.seen: list[tuple[dict[str, Any], bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        self.seen.append(({k: v for k, v in environ.items() if k not in SOCKET_ONLY}, body))
        if environ["PATH_INFO"].endswith("/fail"):
            raise RuntimeError("the app failed")
        start_response("201 Created", [("Content-Type", "text/xml"), ("x-amzn-RequestId", "r-1")])
        return [ANSWER[:5], ANSWER[5:]]


@contextmanager
def serving(app: Recorder) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def sent_both_ways(service: str, operation: str, **params: Any) -> tuple[Recorder, list[Any]]:
    """The request botocore makes for the call, over the socket and then in process."""
    recorder = Recorder()
    with serving(recorder) as endpoint:
        once = Config(retries={"total_max_attempts": 1})  # one request each way, even for a 500
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        # any service by name: the stubs know each one by its literal
        client = session.client(service, endpoint_url=endpoint, config=once)  # type: ignore[call-overload]
        prepared: list[Any] = []
        answers: list[Any] = []
        client.meta.events.register("before-send", lambda request, **_: prepared.append(request))
        client.meta.events.register("after-call", lambda http_response, **_: answers.append(http_response))
        # The fixed answer is no valid response to every operation: the request is what counts.
        with suppress(client.exceptions.ClientError):
            getattr(client, operation)(**params)
        prepared[0].reset_stream()  # a file-like body was read by the first send; botocore rewinds it so to retry
        in_process = InProcessTransport(endpoint, recorder).send(prepared[0])
    return recorder, [*answers[:1], in_process]


@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        ("s3", "put_object", {"Bucket": "b", "Key": "a key/é+1", "Body": b"\x00\x01 data", "Tagging": "k=v"}),
        ("ec2", "describe_vpcs", {"Filters": [{"Name": "tag:Name", "Values": ["a b", "ü"]}]}),
        ("logs", "describe_log_groups", {"logGroupNamePrefix": "/vpc/"}),
        ("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "a b/", "MaxKeys": 5}),
    ],
)
def test_the_app_gets_the_environ_and_body_the_server_would_give_it(
    service: str, operation: str, params: dict[str, Any]
) -> None:
    recorder, _ = sent_both_ways(service, operation, **params)
    (over_socket, socket_body), (in_process, in_process_body) = recorder.seen
    assert in_process == over_socket
    assert in_process_body == socket_body


def test_botocore_gets_the_status_headers_and_body_the_server_would_send() -> None:
    _, (over_socket, in_process) = sent_both_ways("s3", "put_object", Bucket="b", Key="k", Body=b"x")
    assert (
        (in_process.status_code, in_process.content)
        == (over_socket.status_code, over_socket.content)
        == (
            201,
            ANSWER,
        )
    )
    for name in ("Content-Type", "x-amzn-RequestId"):
        assert in_process.headers[name] == over_socket.headers[name]


def test_an_app_that_raises_answers_werkzeugs_500_page_as_the_server_does() -> None:
    _, (over_socket, in_process) = sent_both_ways("s3", "get_object", Bucket="b", Key="fail")
    assert (in_process.status_code, in_process.content) == (over_socket.status_code, over_socket.content)
    assert in_process.status_code == 500
