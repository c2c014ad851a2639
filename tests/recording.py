"""A boto3 session that records every operation its clients send: for the tests and the benchmark."""

from typing import Any

import boto3


def recording_session(calls: list[str]) -> boto3.Session:
    """A session whose clients report each operation before it is sent (a botocore before-call hook)."""
    session = boto3.Session()

    def record(model: Any, **_: Any) -> None:
        calls.append(f"{model.service_model.service_name}:{model.name}")

    session.events.register("before-call", record)
    return session
