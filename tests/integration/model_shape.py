"""Whether an answer of the local server has the shape of its botocore model: botocore's own
parameter validator, run over the parsed output (required members present, each value of its
shape's type), and the lengths and ranges the validator leaves to the service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.validate import ParamValidator


def shape_errors(client: Any, operation: str, response: Mapping[str, object]) -> str:
    """'' when the parsed answer conforms to the operation's output shape, else botocore's report."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)
    return str(report.generate_report()) if report.has_errors() else ""
