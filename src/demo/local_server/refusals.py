"""The local server's answer to a request it understands but does not implement: HTTP 501 with the
code NotImplemented, in the request's protocol, so that botocore reads a clear error (and does not
retry it: its retry rules cover 500, 502, 503 and 504) instead of moto's HTML 500 page."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

CODE = "NotImplemented"


class NotImplementedHere(HTTPException):
    code = 501

    def __init__(self, body: str, headers: list[tuple[str, str]]) -> None:
        super().__init__(description=body)
        self.headers = headers

    def get_headers(self, *_: Any, **__: Any) -> list[tuple[str, str]]:
        return self.headers


def not_implemented(response: Any, what: str) -> NotImplementedHere:
    """To raise from a moto response method: `what` the local server does not do, and why."""
    message = f"The local server does not implement {what}"
    content_type = str(response.headers.get("Content-Type", ""))
    if "json" in content_type:
        body = json.dumps({"__type": CODE, "message": message})
        # awsQueryCompatible services (CloudWatch) carry their query error code in a header.
        headers = [("Content-Type", content_type), ("x-amzn-query-error", f"{CODE};Receiver")]
        return NotImplementedHere(body, headers)
    xml = (
        f"<ErrorResponse><Error><Type>Receiver</Type><Code>{CODE}</Code><Message>{escape(message)}</Message>"
        "</Error><RequestId>local</RequestId></ErrorResponse>"
    )
    return NotImplementedHere(xml, [("Content-Type", "text/xml")])
