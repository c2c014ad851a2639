"""CloudWatch in Smithy RPC v2 CBOR, which moto 5.2.1 cannot read: a request in CBOR is handed to
moto as the awsJson1_0 request it stands for, and moto's answer goes back in CBOR.

CloudWatch's model (botocore 1.44.8) lists smithy-rpc-v2-cbor, json and query; botocore ranks json
first (botocore.utils.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS), so boto3 sends awsJson1_0 today, but
an SDK that ranks CBOR first sends POST /service/GraniteServiceVersion20100801/operation/<Name>
with `smithy-protocol: rpc-v2-cbor`. The translation reads and writes CBOR with botocore's own
codec, the one its clients use (RpcV2CBORParser, RpcV2CBORSerializer), shaped by the operation's
botocore model, so timestamps travel as CBOR tag 1 and numbers keep their model types. Errors keep
moto's code, status and query-compatible header, as a CBOR map {"__type", "message"}.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import botocore.parsers
import botocore.serialize
import botocore.session
from botocore.model import OperationNotFoundError

from demo.local_server.wsgi import Environ, StartResponse, WsgiApp

SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}  # the targetPrefix of each service here
PATH = re.compile(r"/service/(?P<target>[^/]+)/operation/(?P<operation>[^/]+)/?")
_models: dict[str, Any] = {}


def service_model(name: str) -> Any:
    if name not in _models:
        _models[name] = botocore.session.get_session().get_service_model(name)
    return _models[name]


def as_json(value: Any) -> Any:
    """CBOR's values as awsJson1_0 writes them: timestamps in epoch seconds, blobs in base64."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value


def text_map(values: dict[str, str]) -> bytes:
    """A CBOR map of text strings (an error body)."""
    serializer: Any = botocore.serialize.RpcV2CBORSerializer()  # its CBOR writers are private methods
    body = bytearray(serializer._get_initial_byte(5, len(values)))  # major type 5: a map of len(values) pairs
    for key, item in values.items():
        serializer._serialize_type_string(body, key, None, None)
        serializer._serialize_type_string(body, item, None, None)
    return bytes(body)


def cbor_answer(operation: Any, status: int, body: bytes) -> bytes:
    if status >= 300:
        error = json.loads(body or b"{}")
        return text_map({"__type": str(error.get("__type", "")), "message": str(error.get("message", ""))})
    shape = operation.output_shape
    if shape is None:
        return b""
    parsed = botocore.parsers.JSONParser().parse({"body": body, "headers": {}, "status_code": status}, shape)
    parsed.pop("ResponseMetadata", None)
    encoded = bytearray()
    serializer: Any = botocore.serialize.RpcV2CBORSerializer()
    serializer._serialize_data_item(encoded, parsed, shape)
    return bytes(encoded)


class CborAsJson:
    """WSGI, in front of moto: CBOR requests of the services above in, CBOR answers out."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        match = PATH.fullmatch(str(environ.get("PATH_INFO", "")))
        cbor = environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor" or "cbor" in str(environ.get("CONTENT_TYPE", ""))
        if match is None or not cbor or match["target"] not in SERVICES:
            return self.app(environ, start_response)
        try:
            operation = service_model(SERVICES[match["target"]]).operation_model(match["operation"])
        except OperationNotFoundError:
            return self.app(environ, start_response)
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        reader: Any = botocore.parsers.RpcV2CBORParser()  # its CBOR reader is a private method
        params = reader._initial_body_parse(raw) if raw else {}
        body = json.dumps(as_json(params or {})).encode()
        inner = {key: value for key, value in environ.items() if key != "HTTP_SMITHY_PROTOCOL"}
        inner |= {
            "PATH_INFO": "/",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": f"{match['target']}.{match['operation']}",
            "wsgi.input": io.BytesIO(body),
        }
        answered: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered.update(status=status, headers=headers)
            return lambda _: None

        chunks = self.app(inner, keep)
        try:
            answer = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        status = str(answered["status"])
        data = cbor_answer(operation, int(status.split(maxsplit=1)[0]), answer)
        headers = [(k, v) for k, v in answered["headers"] if k.lower() not in ("content-type", "content-length")]
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        headers.append(("Content-Length", str(len(data))))
        start_response(status, headers)
        return [data]
