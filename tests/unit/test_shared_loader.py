"""The tests' shared botocore loader (tests/shared_loader.py) shares models between sessions, never hooks."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from core.clients import Clients


def test_sessions_share_one_loader_and_read_each_model_once() -> None:
    first, second = boto3.Session(region_name="us-east-1"), boto3.Session(region_name="us-east-1")
    loader = first._session.get_component("data_loader")
    assert second._session.get_component("data_loader") is loader
    assert (
        first.client("sts").meta.service_model.operation_names
        == second.client("sts").meta.service_model.operation_names
    )
    assert len(loader.search_paths) == len(set(loader.search_paths))  # boto3 adds its data path once, not per session


def test_clients_of_different_sessions_share_one_service_model_and_keep_their_own_hooks() -> None:
    first, second = (boto3.Session(region_name="us-east-1").client("ec2") for _ in range(2))
    assert first.meta.service_model is second.meta.service_model
    assert first.meta.events is not second.meta.events


def test_a_hook_registered_on_one_session_sees_only_that_sessions_calls() -> None:
    sessions = {name: boto3.Session(region_name="us-east-1") for name in ("ours", "theirs")}
    seen: dict[str, list[str]] = {name: [] for name in sessions}
    for name, session in sessions.items():
        session.events.register("before-parameter-build", lambda model, name=name, **_: seen[name].append(model.name))
    for name in ("ours", "theirs", "theirs"):
        client = Clients(session=sessions[name]).sts
        with Stubber(client) as stub:
            stub.add_response("get_caller_identity", {"Account": "123456789012"})
            client.get_caller_identity()
    assert seen == {"ours": ["GetCallerIdentity"], "theirs": ["GetCallerIdentity"] * 2}
