"""A local server standing in for AWS (moto, extended: demo/local_server), and a Lambda context for
calling the handler directly."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from demo.local_server import LocalServer, install

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@contextmanager
def patched_environ(values: dict[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def local_aws(region: str = REGION) -> Iterator[str]:
    """Starts the local server (moto and the operations it lacks) on loopback and points boto3 at it
    through AWS_ENDPOINT_URL."""
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # a line per request, a trace per gap in moto

    # Port 0: the server binds a port the system picks, so servers started at once (the demo beside a
    # test run, or one per pytest-xdist worker) never pick the same one.
    install()
    server = LocalServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    environment: dict[str, str | None] = {
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_PROFILE": None,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    try:
        with patched_environ(environment):
            yield endpoint
    finally:
        server.stop()


@dataclass(frozen=True)
class FakeLambdaContext:
    """The attributes Powertools reads from a LambdaContext."""

    function_name: str = "privatelink-insights-reconcile"
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:privatelink-insights-reconcile"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/privatelink-insights-reconcile"
    log_stream_name: str = "2026/11/28/[$LATEST]local"
    remaining_millis: int = 300_000  # the function's timeout, as at the start of an invocation

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def lambda_context(remaining_millis: int = 300_000) -> LambdaContext:
    return cast("LambdaContext", FakeLambdaContext(remaining_millis=remaining_millis))
