"""The cleanup custom resource: Delete removes the deployment, and CloudFormation always gets an answer."""

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.artifacts import RULES
from core.artifacts.kind import Delete, Failure, Plan, Result
from core.destroy import Removal
from core.settings import OWNER_TAG
from demo.local import lambda_context
from demo.world import build_demo_world
from handlers import cleanup
from tests.integration.conftest import Harness

EVENTS = Path(__file__).resolve().parents[3] / "events" / "cloudformation"


@dataclass
class CloudFormation:
    """Stands in for the pre-signed S3 URL that CloudFormation waits on."""

    url: str
    answers: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    answered: threading.Event = field(default_factory=threading.Event)

    def event(self, name: str) -> dict:
        event = json.loads((EVENTS / f"{name}.json").read_text())
        event["ResponseURL"] = self.url
        return event


PRESIGNED_QUERY = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=EXAMPLE&X-Amz-Signature=00"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, so that the stand-in speaks https as S3 does."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def cloudformation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CloudFormation]:
    """An https server with a pre-signed-looking URL; the handler trusts its certificate through
    SSL_CERT_FILE, as it trusts S3's through the system's store."""
    stand_in = CloudFormation(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stand_in.answers.append(json.loads(body))
            stand_in.headers.append(dict(self.headers))
            self.send_response(200)
            self.end_headers()
            stand_in.answered.set()

        def log_message(self, *_: object) -> None:  # quiet
            pass

    cert_path, key_path = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_path, key_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    # shutdown() waits for the loop's next poll: half a second by default
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    stand_in.url = f"https://127.0.0.1:{server.server_address[1]}/response?{PRESIGNED_QUERY}"
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cleanup_aws(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setattr(cleanup, "cached_clients", lambda region: aws.clients)
    return aws


@pytest.mark.parametrize("request_type", ["create", "update"])
def test_create_and_update_answer_success_and_touch_nothing(
    cleanup_aws: Harness, cloudformation: CloudFormation, request_type: str
) -> None:
    event = cloudformation.event(request_type)
    result = cleanup.handler(event, lambda_context())
    assert result == {"answered": True, "status": "SUCCESS", "reason": result["reason"]}
    assert cleanup_aws.calls == []


def test_delete_removes_every_artifact_of_the_deployment(cleanup_aws: Harness, cloudformation: CloudFormation) -> None:
    build_demo_world(cleanup_aws.world)
    from core.reconcile import run_reconcile  # noqa: PLC0415 - only this test needs a reconciled account

    run_reconcile(cleanup_aws.clients, cleanup_aws.settings)
    cleanup_aws.world.cloudwatch.put_insight_rule(
        RuleName="plinsights-vpce-0000-bytes", RuleState="ENABLED", RuleDefinition='{"theirs": 1}',
        Tags=[{"Key": OWNER_TAG, "Value": "another-team"}],
    )  # fmt: skip
    result = cleanup.handler(cloudformation.event("delete"), lambda_context())
    assert result["status"] == "SUCCESS" and result["answered"] is True
    assert cleanup_aws.world.rule_names() == ["plinsights-vpce-0000-bytes"]


def test_the_answer_is_what_cloudformation_expects(cleanup_aws: Harness, cloudformation: CloudFormation) -> None:
    event = cloudformation.event("delete")
    cleanup.handler(event, lambda_context())
    (answer,) = cloudformation.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == event["PhysicalResourceId"]  # unchanged: no replacement
    assert {k: answer[k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
        k: event[k] for k in ("StackId", "RequestId", "LogicalResourceId")
    }
    assert answer["Data"] == {"Deleted": 0, "Failed": 0}
    assert cloudformation.headers[0]["Content-Type"] == ""  # what the pre-signed S3 URL was signed with


def test_create_gets_a_stable_physical_id(cleanup_aws: Harness, cloudformation: CloudFormation) -> None:
    event = cloudformation.event("create")
    cleanup.handler(event, lambda_context())
    (answer,) = cloudformation.answers
    assert answer["PhysicalResourceId"] == f"{event['StackId']}/{event['LogicalResourceId']}"


def test_artifacts_left_behind_fail_the_delete_and_say_which(
    cleanup_aws: Harness, cloudformation: CloudFormation, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = Delete(RULES, "plinsights-vpce-1-bytes", "owned")
    stuck = Delete(RULES, "plinsights-vpce-1-rejects", "owned")
    removal = Removal(
        "us-east-1",
        "plinsights",
        Plan((gone, stuck)),
        Result([gone], [Failure(stuck, "Throttling: slow down")]),
    )
    monkeypatch.setattr(cleanup, "run_destroy", lambda *_: removal)
    result = cleanup.handler(cloudformation.event("delete"), lambda_context())
    (answer,) = cloudformation.answers
    assert result["status"] == answer["Status"] == "FAILED"
    assert "plinsights-vpce-1-rejects" in answer["Reason"] and answer["Data"] == {"Deleted": 1, "Failed": 1}


def test_an_error_still_gets_an_answer(
    cleanup_aws: Harness, cloudformation: CloudFormation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLINSIGHTS_PREFIX", "not a prefix!")
    result = cleanup.handler(cloudformation.event("delete"), lambda_context())
    (answer,) = cloudformation.answers
    assert answer["Status"] == "FAILED" and "ConfigError" in answer["Reason"]
    assert result["answered"] is True and cleanup_aws.writes() == []


@dataclass(frozen=True)
class ShortLivedContext:
    """A Lambda context with almost no time left: the watchdog must answer at once."""

    function_name: str = "cleanup"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:cleanup"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000001"
    log_group_name: str = "/aws/lambda/cleanup"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return cleanup.SAFETY_MARGIN_MS  # the watchdog fires immediately


def test_a_cleanup_that_would_time_out_is_answered_once_by_the_watchdog(
    cleanup_aws: Harness, cloudformation: CloudFormation, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_destroy(*_: object) -> Removal:
        assert cloudformation.answered.wait(timeout=60), "the watchdog never answered"
        release.set()
        return Removal("us-east-1", "plinsights", Plan(), Result())

    monkeypatch.setattr(cleanup, "run_destroy", slow_destroy)
    result = cleanup.handler(cloudformation.event("delete"), ShortLivedContext())  # type: ignore[arg-type]
    answers = cloudformation.answers
    assert release.is_set()
    assert [a["Status"] for a in answers] == ["FAILED"] and "timed out" in answers[0]["Reason"]
    assert result["answered"] is False  # the handler's own answer was not sent a second time


def test_an_unreachable_response_url_does_not_raise(cleanup_aws: Harness, cloudformation: CloudFormation) -> None:
    event = cloudformation.event("create")
    event["ResponseURL"] = f"https://127.0.0.1:9/unreachable?{PRESIGNED_QUERY}"  # discard port: refused at once
    assert cleanup.handler(event, lambda_context())["answered"] is False


@pytest.mark.parametrize("event", [{}, {"RequestType": "Delete"}, "not an event"])
def test_something_that_is_not_a_cloudformation_request_is_not_acted_on(cleanup_aws: Harness, event) -> None:
    result = cleanup.handler(event, lambda_context())
    assert result["answered"] is False and "missing" in result["reason"]
    assert cleanup_aws.calls == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://{host}/response?" + PRESIGNED_QUERY, "not an https URL"),
        ("https://{host}/response", "not pre-signed"),
        ("ftp://{host}/response?" + PRESIGNED_QUERY, "not an https URL"),
    ],
)
def test_a_response_url_that_is_not_an_https_pre_signed_url_is_refused_and_nothing_is_deleted(
    cleanup_aws: Harness, cloudformation: CloudFormation, url: str, problem: str
) -> None:
    """CloudFormation always sends an https pre-signed S3 URL: anything else gets no answer and no deletion
    (the stand-in listens on the same host, so a plain request would have reached it)."""
    build_demo_world(cleanup_aws.world)
    from core.reconcile import run_reconcile  # noqa: PLC0415 - only these tests need a reconciled account

    run_reconcile(cleanup_aws.clients, cleanup_aws.settings)
    rules = cleanup_aws.world.rule_names()
    event = cloudformation.event("delete")
    event["ResponseURL"] = url.format(host=urlsplit(cloudformation.url).netloc)
    with cleanup_aws.recording() as calls:
        result = cleanup.handler(event, lambda_context())
    assert result["answered"] is False and problem in result["reason"]
    assert cloudformation.answers == [] and cleanup_aws.writes(calls) == []
    assert cleanup_aws.world.rule_names() == rules


def test_every_sample_event_names_an_https_pre_signed_url() -> None:
    for path in sorted(EVENTS.glob("*.json")):
        assert cleanup.response_url_problem(json.loads(path.read_text())["ResponseURL"]) == "", path.name
