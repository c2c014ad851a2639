"""botocore's requests to the local server, handed to the server's WSGI app in the calling thread.

Over the socket, each request costs a connection (werkzeug's server closes it after every answer), a
thread on the server's side and HTTP's encoding both ways: about a fifth of an integration test's CPU.
Here botocore still builds, signs, sends, parses and retries every request; only the last hop changes.
The app gets the environ werkzeug's server would build from the bytes http.client would send, and
botocore gets the status, headers and body the server would have written, in urllib3's response, as
from the socket. Requests to any other address (the tests' fault-injecting proxies, their silent or
closed ports) still go over the network, and so does everything that is not botocore.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.awsrequest
import botocore.httpsession
import pytest
from urllib3 import HTTPHeaderDict, HTTPResponse
from werkzeug.exceptions import InternalServerError

from demo.local_server.wsgi import Environ, WsgiApp

Send = Callable[[Any, botocore.awsrequest.AWSPreparedRequest], botocore.awsrequest.AWSResponse]


def body_bytes(body: Any) -> bytes:
    """What http.client would write of a request body: bytes, text, a file or an iterable of chunks."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("iso-8859-1")  # http.client's encoding of a text body
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if hasattr(body, "read"):
        return bytes(body.read())
    return b"".join(bytes(chunk) for chunk in body)


def environ_for(method: str, url: str, headers: Iterable[tuple[str, Any]], body: bytes) -> Environ:
    """The environ werkzeug's WSGIRequestHandler.make_environ builds for this request, with the headers
    http.client adds itself (Host, Accept-Encoding, Content-Length)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")  # the request line's target
    sent: dict[str, str] = {"Host": parts.netloc, "Accept-Encoding": "identity"}
    for name, value in headers:
        sent[name] = value.decode("iso-8859-1") if isinstance(value, bytes) else str(value)
    if body and not any(name.lower() == "content-length" for name in sent):
        sent["Content-Length"] = str(len(body))
    environ: Environ = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(parts.path, "iso-8859-1"),  # WSGI's PATH_INFO: bytes as latin-1 text
        "QUERY_STRING": parts.query,
        "REQUEST_URI": target,
        "RAW_URI": target,
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": 0,
        "SERVER_NAME": parts.hostname or "",
        "SERVER_PORT": str(parts.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    for name, value in sent.items():
        if "_" in name:  # werkzeug drops such headers, as a proxy in front of it might
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = value.replace("\r\n", "")
    return environ


def answer(app: WsgiApp, environ: Environ) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """Runs the app as werkzeug's server does: status, headers and body; an exception before the
    answer began becomes werkzeug's 500 page."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, headers]
        return written.append

    try:
        chunks = app(environ, start_response)
        try:
            written.extend(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    except Exception:  # werkzeug answers 500 and logs the trace; local_aws() silences that log
        started.clear()
        written.clear()
        chunks = InternalServerError()(environ, start_response)
        written.extend(chunks)
    status, headers = started
    code, _, reason = str(status).partition(" ")
    return int(code), reason, list(headers), b"".join(written)


class InProcessTransport:
    """Sends the requests addressed to one endpoint (scheme, host and port) to its WSGI app."""

    def __init__(self, endpoint: str, app: WsgiApp) -> None:
        self.netloc = urlsplit(endpoint).netloc
        self.app = app

    def serves(self, url: str) -> bool:
        return urlsplit(url).netloc == self.netloc

    def send(self, request: botocore.awsrequest.AWSPreparedRequest) -> botocore.awsrequest.AWSResponse:
        body = body_bytes(request.body)
        environ = environ_for(request.method, request.url, request.headers.items(), body)
        code, reason, headers, data = answer(self.app, environ)
        if request.method == "HEAD":
            data = b""  # http.client reads no body after a HEAD
        raw = HTTPResponse(
            body=io.BytesIO(data),
            headers=HTTPHeaderDict(headers),
            status=code,
            reason=reason,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
            request_url=request.url,
        )
        # urllib3's headers, as URLLib3Session.send passes them (the stubs say HTTPHeaders)
        response = botocore.awsrequest.AWSResponse(request.url, code, raw.headers, raw)  # type: ignore[arg-type]
        if not request.stream_output:
            response.content  # noqa: B018 - read now, as URLLib3Session.send does
        return response

    def routing(self, send: Send) -> Send:
        """URLLib3Session.send, with this endpoint's requests handed to the app instead."""

        def routed(session: Any, request: botocore.awsrequest.AWSPreparedRequest) -> botocore.awsrequest.AWSResponse:
            return self.send(request) if self.serves(request.url) else send(session, request)

        return routed


@contextmanager
def in_process(endpoint: str, app: WsgiApp) -> Iterator[InProcessTransport]:
    """Within the block, every botocore client's requests to `endpoint` go to `app` in process."""
    transport = InProcessTransport(endpoint, app)
    with pytest.MonkeyPatch.context() as patch:
        send = botocore.httpsession.URLLib3Session.send
        patch.setattr(botocore.httpsession.URLLib3Session, "send", transport.routing(send))
        yield transport
