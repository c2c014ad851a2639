"""What apply tells a progress observer, in order, and the time left it estimates from the pacing
rates. CloudWatch is botocore's Stubber on one client; the pacer runs on the fake clock, so the
waits are counted, never slept."""

from collections.abc import Sequence

import boto3
import pytest
from botocore.stub import Stubber

from core.apply.pacing import Pacer
from core.apply.writes import apply_plan
from core.artifacts import DASHBOARDS
from core.artifacts.kind import Change, Create, Delete, Failure, Plan, Update
from core.clients import Clients
from core.model import DashboardSpec, Ownership
from core.progress import seconds_left
from core.settings import Settings
from tests.clock import FakeClock

PUT_RATE, DELETE_RATE = 2.0, 1.0  # calls per second: PutDashboard, DeleteDashboards
PUT_INTERVAL, DELETE_INTERVAL = 1 / PUT_RATE, 1 / DELETE_RATE
RATES = {"PutDashboard": PUT_RATE, "DeleteDashboards": DELETE_RATE}


class Recorder:
    """A progress observer that keeps what it hears."""

    def __init__(self) -> None:
        self.heard: list[tuple[object, ...]] = []

    def status(self, text: str) -> None:
        self.heard.append(("status", text))

    def started(self, total: int, seconds_left: float) -> None:
        self.heard.append(("started", total, pytest.approx(seconds_left)))

    def waiting(self, operation: str, seconds: float) -> None:
        self.heard.append(("waiting", operation, pytest.approx(seconds)))

    def done(self, change: Change) -> None:
        self.heard.append(("done", change.name))

    def failed(self, failure: Failure) -> None:
        self.heard.append(("failed", failure.change.name, failure.error.split(":")[0]))

    def left_alone(self, change: Change) -> None:
        self.heard.append(("left alone", change.name))

    def deferred(self, changes: Sequence[Change]) -> None:
        self.heard.append(("deferred", [c.name for c in changes]))

    def estimate(self, seconds_left: float) -> None:
        self.heard.append(("estimate", pytest.approx(seconds_left)))


def dashboard(name: str, body: str = '{"widgets": []}') -> DashboardSpec:
    return DashboardSpec(name, body)


# Names the deployed policy allows (the suite checks every call against it: tests/iam.py).
REGION_DASHBOARD = "PrivateLink-us-east-1"
NEW_A, NEW_B = dashboard(f"{REGION_DASHBOARD}-2"), dashboard(f"{REGION_DASHBOARD}-3")
CHANGED = dashboard(REGION_DASHBOARD, '{"widgets": [1]}')
GONE, TAKEN = f"{REGION_DASHBOARD}-4", f"{REGION_DASHBOARD}-5"  # TAKEN: no longer ours when its turn comes
PLAN = Plan(
    changes=(
        Create(DASHBOARDS, NEW_A.name, "newly needed", NEW_A),
        Create(DASHBOARDS, NEW_B.name, "newly needed", NEW_B),
        Update(DASHBOARDS, CHANGED.name, "body differs", CHANGED, '{"widgets": []}'),
        Delete(DASHBOARDS, GONE, "nothing left to show"),
        Delete(DASHBOARDS, TAKEN, "nothing left to show"),
    )
)
PUTS, DELETES = 3, 1  # three PutDashboard calls, one DeleteDashboards for both names


def clients() -> Clients:
    return Clients(boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"))


def put(stub: Stubber, spec: DashboardSpec) -> None:
    stub.add_response("put_dashboard", {}, {"DashboardName": spec.name, "DashboardBody": spec.body})


def test_the_observer_hears_each_wait_each_outcome_and_the_time_left_in_order() -> None:
    client_set, clock, recorder = clients(), FakeClock(), Recorder()
    # TAKEN's owner mark was removed while the run waited: left alone, and not sent to DeleteDashboards.
    owner = {TAKEN: Ownership.NOT_OURS}
    with Stubber(client_set.cloudwatch) as stub:
        put(stub, NEW_A)
        stub.add_client_error("put_dashboard", "InvalidParameterInput", "the body is not valid")
        put(stub, CHANGED)
        stub.add_response("delete_dashboards", {}, {"DashboardNames": [GONE]})
        result = apply_plan(
            PLAN,
            client_set,
            Settings(),
            pacer=Pacer(RATES, clock),
            ownership=lambda change: owner.get(change.name, Ownership.OURS),
            progress=recorder,
        )
        stub.assert_no_pending_responses()
    # The calls take no time on the fake clock, so each one left costs its API's interval.
    assert recorder.heard == [
        ("started", len(PLAN.changes), PUTS * PUT_INTERVAL + DELETES * DELETE_INTERVAL),
        ("done", NEW_A.name),
        ("estimate", (PUTS - 1) * PUT_INTERVAL + DELETE_INTERVAL),
        ("waiting", "PutDashboard", PUT_INTERVAL),
        ("failed", NEW_B.name, "InvalidParameterInput"),
        ("estimate", (PUTS - 2) * PUT_INTERVAL + DELETE_INTERVAL),
        ("waiting", "PutDashboard", PUT_INTERVAL),
        ("done", CHANGED.name),
        ("estimate", DELETE_INTERVAL),
        # the first DeleteDashboards call waits for nothing: only calls to one API are spaced
        ("done", GONE),
        ("left alone", TAKEN),
        ("estimate", 0.0),
    ]
    assert clock.sleeps == [pytest.approx(PUT_INTERVAL)] * (PUTS - 1)
    assert len(result.done) == len([e for e in recorder.heard if e[0] == "done"])


def test_what_the_deadline_leaves_is_told_as_deferred_once() -> None:
    client_set, clock, recorder = clients(), FakeClock(), Recorder()
    with Stubber(client_set.cloudwatch) as stub:
        put(stub, NEW_A)
        # The second PutDashboard could start only PUT_INTERVAL later: after the deadline.
        apply_plan(
            PLAN,
            client_set,
            Settings(),
            pacer=Pacer(RATES, clock),
            deadline=clock.now() + PUT_INTERVAL / 2,
            progress=recorder,
        )
    assert recorder.heard[1:] == [
        ("done", NEW_A.name),
        ("estimate", (PUTS - 1) * PUT_INTERVAL + DELETES * DELETE_INTERVAL),
        ("deferred", [c.name for c in PLAN.changes[1:]]),
    ]


def test_slow_calls_stretch_the_estimate_beyond_the_pacing_intervals() -> None:
    client_set, clock, recorder = clients(), FakeClock(), Recorder()
    call_seconds = 0.8  # longer than PutDashboard's interval, shorter than DeleteDashboards'
    # A slow CloudWatch: each call moves the fake clock on as it is made.
    client_set.cloudwatch.meta.events.register("before-parameter-build", lambda **_: clock.advance(call_seconds))
    with Stubber(client_set.cloudwatch) as stub:
        put(stub, NEW_A)
        put(stub, NEW_B)
        put(stub, CHANGED)
        stub.add_response("delete_dashboards", {}, {"DashboardNames": [GONE, TAKEN]})
        apply_plan(PLAN, client_set, Settings(), pacer=Pacer(RATES, clock), progress=recorder)
    estimates = [e[1] for e in recorder.heard if e[0] == "estimate"]
    assert estimates[0] == (PUTS - 1) * call_seconds + DELETE_INTERVAL  # measured: a put takes call_seconds
    assert clock.sleeps == []  # never held back: each call outlasted its interval


def test_without_an_observer_apply_makes_the_same_calls_and_waits() -> None:
    outcomes = []
    for progress in (None, Recorder()):
        client_set, clock = clients(), FakeClock()
        with Stubber(client_set.cloudwatch) as stub:
            put(stub, NEW_A)
            put(stub, NEW_B)
            put(stub, CHANGED)
            stub.add_response("delete_dashboards", {}, {"DashboardNames": [GONE, TAKEN]})
            result = apply_plan(PLAN, client_set, Settings(), pacer=Pacer(RATES, clock), progress=progress)
            stub.assert_no_pending_responses()
        outcomes.append(([c.name for c in result.done], clock.sleeps))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    ("calls_left", "seconds_per_call", "expected"),
    [
        # a backfill's rules at 1 per second and alarms at 3: the rates alone
        ({"PutInsightRule": 600, "PutMetricAlarm": 900}, 0.0, 600 * 1.0 + 900 / 3),
        # calls of 0.5 s: rules still wait for their interval, alarms no longer do
        ({"PutInsightRule": 600, "PutMetricAlarm": 900}, 0.5, 600 * 1.0 + 900 * 0.5),
        # an API without a rate costs only its calls' own time
        ({"ListTagsForResource": 10}, 0.2, 10 * 0.2),
        ({}, 0.5, 0.0),
    ],
)
def test_time_left_is_each_call_at_the_slower_of_its_interval_and_a_call(
    calls_left: dict[str, int], seconds_per_call: float, expected: float
) -> None:
    rates = {"PutInsightRule": 1.0, "PutMetricAlarm": 3.0}
    assert seconds_left(calls_left, rates, seconds_per_call) == pytest.approx(expected)
