"""A moto server shared by the session (by each pytest-xdist worker) and reset before each test, so no test
sees another's state."""

from __future__ import annotations

import functools
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3
import moto.backends
import moto.core.responses
import moto.core.utils
import pytest

from core.clients import Clients
from core.settings import Settings
from demo.local import local_aws, patched_environ
from demo.local_server.server import local_app
from demo.world import World
from tests import frozen_heap
from tests.integration.in_process import in_process
from tests.queue_delivery import Queues, make_queues
from tests.recording import recording_session

READ_PREFIXES = ("Describe", "List", "Get")


@dataclass
class Harness:
    world: World  # builds the account; its calls are not recorded
    clients: Clients  # what the product uses; every call is recorded
    calls: list[str] = field(default_factory=list)  # "service:Operation"
    settings: Settings = field(default_factory=Settings)

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        start = len(self.calls)
        recorded: list[str] = []
        yield recorded
        recorded.extend(self.calls[start:])

    def writes(self, calls: list[str] | None = None) -> list[str]:
        return [c for c in (self.calls if calls is None else calls) if not c.split(":")[1].startswith(READ_PREFIXES)]


# moto builds its EC2 backend again after each reset, and by default loads thousands of public AMIs into
# it (moto.settings.ec2_load_default_amis): the product never reads images, so the tests skip them.
MOTO_SETTINGS: dict[str, str | None] = {"MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}


# The server lists moto's package directory on every request to route it (werkzeug_app's
# get_backend_for_host); the listing cannot change while the tests run, so it is read once.
MOTO_MODULES = tuple(moto.backends.list_of_moto_modules())
# And on every request it lists the methods of the response class (inspect.getmembers, about 6% of the
# suite's time); a class's methods do not change either.
method_names_of = functools.cache(moto.core.utils.method_names_from_class)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One server per process: under pytest-xdist, each worker its own, on a port the system picks."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(moto.backends, "list_of_moto_modules", lambda: MOTO_MODULES)
        patch.setattr(moto.core.responses, "method_names_from_class", method_names_of)
        with patched_environ(MOTO_SETTINGS), local_aws() as endpoint, in_process(endpoint, local_app()):
            yield endpoint


@pytest.fixture
def aws(moto_endpoint: str) -> Harness:
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request).close()
    frozen_heap.freeze_if_models_were_parsed()
    calls: list[str] = []
    return Harness(world=World(world_session()), clients=Clients(session=recording_session(calls)), calls=calls)


@functools.cache
def world_session() -> boto3.Session:
    """The test worlds' session, one per process, so that their clients are built once (World
    keeps each session's clients): they always talk to this process's moto server."""
    return boto3.Session()


def subscribed_topic(world: World, name: str = "privatelink-insights-AlarmTopic-1") -> tuple[str, str]:
    """An alarm topic as a deployment has it, with a subscriber (an SQS queue, which SNS confirms at
    once): (topic ARN, the queue's URL, where its notifications arrive)."""
    sns, sqs = world.session.client("sns"), world.session.client("sqs")
    topic_arn = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"{name}-subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url


class Clock:
    """The handler's wall clock, moved by the test: seconds since the epoch."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def queued(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> tuple[Harness, Queues, Clock]:
    queues = make_queues(boto3.Session())
    clock = Clock()
    from handlers import reconcile  # noqa: PLC0415 - the handler module is imported when a test needs it

    monkeypatch.setattr(reconcile, "cached_clients", lambda region: aws.clients)
    monkeypatch.setattr(reconcile, "last_read", reconcile.ReadMark())
    monkeypatch.setattr(reconcile, "wall_clock", clock)
    for key, value in queues.environment().items():
        monkeypatch.setenv(key, value)
    return aws, queues, clock
