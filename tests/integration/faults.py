"""A fault-injecting HTTP proxy on loopback in front of a moto server.

It fails a seeded share of requests with throttling and server errors, each in the shape the
service's protocol gives it, so that botocore reads them as it would read AWS's own:

  EC2          ec2 query   <Response><Errors><Error><Code>RequestLimitExceeded</Code>...   (HTTP 503)
  ELBv2, STS   query       <ErrorResponse><Error><Type/><Code>Throttling</Code>...         (HTTP 400)
  CloudWatch   its model lists smithy-rpc-v2-cbor, json and query; botocore picks the first it ranks
               highest (json in botocore 1.44: awsJson1_0 with x-amzn-query-error, the code its
               query API had); a CBOR request gets the same error as a CBOR map

Four faults: `throttle` and `unavailable` (503) refuse the request before it reaches moto;
`reset` closes the connection without an answer; `lost` (500) forwards the request and replaces
moto's answer, so a write takes effect and the client is told that it failed. The draw is a
seeded random.Random under a lock: the same requests in the same order meet the same faults.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from demo.local import patched_environ

ANSWERED = ("throttle", "unavailable", "lost")  # faults answered with an error response
FAULTS = (*ANSWERED, "reset")
REFUSED = frozenset({"throttle", "unavailable", "reset"})  # the request never reaches the service
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
)
SIGNING_NAME = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")

# (HTTP status, error code) per signing name and fault, as each service reports them.
QUERY_ERRORS = {
    "throttle": (400, "Throttling"),
    "unavailable": (503, "ServiceUnavailable"),
    "lost": (500, "InternalFailure"),
}
ERRORS: dict[str, dict[str, tuple[int, str]]] = {
    "ec2": {
        "throttle": (503, "RequestLimitExceeded"),
        "unavailable": (503, "Unavailable"),
        "lost": (500, "InternalError"),
    },
    "elasticloadbalancing": QUERY_ERRORS,
    "sts": QUERY_ERRORS,
    "monitoring": {**QUERY_ERRORS, "lost": (500, "InternalServiceError")},
}
MESSAGES = {
    "throttle": "Rate exceeded",
    "unavailable": "Service is unavailable, please try again",
    "lost": "An internal error has occurred",
}


@dataclass(frozen=True)
class Exchange:
    service: str  # the SigV4 signing name: ec2, elasticloadbalancing, monitoring, sts
    operation: str
    fault: str = ""  # one of FAULTS, or "" when moto's answer went through unchanged


@dataclass(frozen=True)
class ErrorResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def protocol_of(service: str, content_type: str, smithy_protocol: str) -> str:
    if smithy_protocol == "rpc-v2-cbor" or "cbor" in content_type:
        return "smithy-rpc-v2-cbor"
    if "json" in content_type:
        return "json"
    return "ec2" if service == "ec2" else "query"


def operation_of(protocol: str, path: str, target: str, body: bytes) -> str:
    if protocol == "json":
        return target.rsplit(".", 1)[-1]
    if protocol == "smithy-rpc-v2-cbor":
        return path.rstrip("/").rsplit("/", 1)[-1]  # /service/<Service>/operation/<Operation>
    return parse_qs(body.decode("utf-8", "replace")).get("Action", ["?"])[0]


def render_error(service: str, protocol: str, fault: str, request_id: str) -> ErrorResponse:
    """The error AWS would send for `fault`, in the request's protocol."""
    status, code = ERRORS.get(service, QUERY_ERRORS)[fault]
    message = MESSAGES[fault]
    side = "Receiver" if status >= 500 else "Sender"
    if protocol == "ec2":
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return ErrorResponse(status, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode())
    if protocol == "query":
        xml = (
            f'<ErrorResponse xmlns="https://{service}.amazonaws.com/doc/"><Error><Type>{side}</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return ErrorResponse(status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, xml.encode())
    # awsJson1_0 and rpcv2Cbor, query-compatible: the code of the query API rides in a header.
    error = {"__type": f"com.amazonaws.{service}#{code}", "message": message}
    headers = {"x-amzn-query-error": f"{code};{side}", "x-amzn-RequestId": request_id}
    if protocol == "json":
        return ErrorResponse(
            status, {**headers, "Content-Type": "application/x-amz-json-1.0"}, json.dumps(error).encode()
        )
    return ErrorResponse(
        status,
        {**headers, "Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
        cbor_text_map(error),
    )


def cbor_text_map(values: dict[str, str]) -> bytes:
    """RFC 8949 for the one shape an error needs: a map of text strings to text strings."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 0x100:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    def text(value: str) -> bytes:
        data = value.encode()
        return head(3, len(data)) + data

    return head(5, len(values)) + b"".join(text(k) + text(v) for k, v in values.items())


def every_request(service: str, operation: str) -> bool:
    return True


def read_request(request: BaseHTTPRequestHandler) -> tuple[bytes, str, str, str]:
    """A request's body, and the service, protocol and operation it is for."""
    body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
    signing = SIGNING_NAME.search(request.headers.get("Authorization", ""))
    service = signing.group(1) if signing else "?"
    protocol = protocol_of(service, request.headers.get("Content-Type", ""), request.headers.get("smithy-protocol", ""))
    operation = operation_of(protocol, request.path, request.headers.get("X-Amz-Target", ""), body)
    return body, service, protocol, operation


class FaultyEndpoint:
    """The proxy. Use it as a context manager; `routed()` points new boto3 clients at it.
    `share`, `faults` and `only` (which requests may fail) may change between runs."""

    def __init__(
        self,
        upstream: str,
        *,
        share: float,
        seed: int,
        faults: Sequence[str] = FAULTS,
        only: Callable[[str, str], bool] = every_request,
    ) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.share = share
        self.faults = tuple(faults)
        self.only = only
        self.exchanges: list[Exchange] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint.handle(self)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST  # noqa: N815 - as above

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="faulty-endpoint",
            daemon=True,
        )

    def __enter__(self) -> FaultyEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @contextmanager
    def routed(self) -> Iterator[None]:
        """boto3 reads AWS_ENDPOINT_URL when it makes a client: clients made inside go through the proxy,
        clients made before (the world builder's) keep talking to moto directly."""
        with patched_environ({"AWS_ENDPOINT_URL": self.url}):
            yield

    def faulted(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.fault]

    def draw(self, service: str, operation: str) -> tuple[str, str]:
        """The fault for the next request ("" for none) and a request id; recorded in `exchanges`."""
        with self._lock:
            hit, pick = self._random.random(), self._random.choice(self.faults)  # both drawn: one sequence
            fault = pick if hit < self.share and self.only(service, operation) else ""
            self.exchanges.append(Exchange(service, operation, fault))
            return fault, f"fault-{len(self.exchanges):06d}"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body, service, protocol, operation = read_request(request)
        fault, request_id = self.draw(service, operation)
        if fault == "reset":
            request.close_connection = True  # no status line: the client sees the connection dropped
            return
        if fault in REFUSED:
            error = render_error(service, protocol, fault, request_id)
            respond(request, error.status, list(error.headers.items()), error.body)
            return
        status, headers, payload = self.forward(request, body)
        if fault:  # lost: moto did the work, the client hears an internal error
            error = render_error(service, protocol, fault, request_id)
            status, headers, payload = error.status, list(error.headers.items()), error.body
        respond(request, status, headers, payload)

    def forward(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            # Content-Length from the body sent, which a subclass may have rewritten.
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP | {"content-length"}}
            connection.request(request.command, request.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in HOP_BY_HOP | {"content-length", "server", "date"}
            ]
            return response.status, kept, payload
        finally:
            connection.close()


def respond(request: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    request.send_response(status)
    for key, value in headers:
        request.send_header(key, value)
    request.send_header("Content-Length", str(len(body)))
    request.send_header("Connection", "close")
    request.end_headers()
    if request.command != "HEAD":
        request.wfile.write(body)
