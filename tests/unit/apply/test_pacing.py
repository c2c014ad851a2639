import itertools

import boto3
import pytest

from core.apply.pacing import Pacer, paced_writes, pacing_enabled
from core.artifacts import ARTIFACTS, write_rates
from core.artifacts.kind import fixed_rate
from core.clients import Clients
from core.errors import ConfigError
from core.observe.state import artifact_from_arn
from core.settings import Settings
from tests.clock import FakeClock


def test_calls_to_one_api_are_spaced_one_over_the_rate_apart() -> None:
    clock = FakeClock()
    pacer = Pacer({"PutMetricAlarm": 4.0}, clock)
    starts = []
    for _ in range(5):
        pacer.wait("PutMetricAlarm")
        starts.append(clock.now())
    assert [round(b - a, 6) for a, b in itertools.pairwise(starts)] == [0.25] * 4
    assert pacer.waited == pytest.approx(1.0)


def test_the_time_a_call_takes_counts_towards_its_interval() -> None:
    clock = FakeClock()
    pacer = Pacer({"PutInsightRule": 1.0}, clock)
    pacer.wait("PutInsightRule")
    clock.advance(0.7)  # the call itself
    pacer.wait("PutInsightRule")
    assert clock.sleeps == [pytest.approx(0.3)]
    clock.advance(2.0)  # a slow call: the next may start at once
    pacer.wait("PutInsightRule")
    assert len(clock.sleeps) == 1


def test_each_api_has_its_own_pace_and_an_unpaced_one_never_waits() -> None:
    clock = FakeClock()
    pacer = Pacer({"PutInsightRule": 1.0, "PutMetricAlarm": 3.0}, clock)
    pacer.wait("PutInsightRule")
    pacer.wait("PutMetricAlarm")
    pacer.wait("ListTagsForResource")
    assert clock.sleeps == []
    assert pacer.delay("PutInsightRule") == pytest.approx(1.0)
    assert pacer.delay("PutMetricAlarm") == pytest.approx(1 / 3)
    assert pacer.delay("ListTagsForResource") == 0


def test_no_rates_means_no_pacing() -> None:
    clock = FakeClock()
    pacer = Pacer({}, clock)
    for _ in range(100):
        pacer.wait("PutInsightRule")
    assert clock.sleeps == [] and pacer.waited == 0


@pytest.mark.parametrize(
    ("mode", "endpoint", "paced"),
    [
        ("auto", None, True),  # AWS itself: the production default
        ("auto", "https://monitoring.us-east-1.amazonaws.com", True),
        ("auto", "http://127.0.0.1:5000", False),  # moto, as the tests and the demo run it
        ("auto", "http://localhost:4566", False),
        ("auto", "http://[::1]:5000", False),
        ("auto", "http://10.0.0.5:5000", True),  # another machine may well be a proxy to AWS
        ("on", "http://127.0.0.1:5000", True),
        ("off", None, False),
    ],
)
def test_pacing_is_on_unless_turned_off_or_aws_is_a_local_stand_in(
    mode: str, endpoint: str | None, paced: bool
) -> None:
    assert pacing_enabled(mode, endpoint) is paced


@pytest.mark.parametrize(("endpoint", "paced"), [(None, True), ("http://127.0.0.1:5000", False)])
def test_destroy_and_the_reconcile_take_their_pacer_from_one_place(
    endpoint: str | None, paced: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    else:  # a worker that also runs the moto tests has the server's endpoint in its environment
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    clients = Clients(session=boto3.Session(region_name="us-east-1"))
    settings = Settings()
    assert paced_writes(clients, settings).rates == (write_rates(settings) if paced else {})


def test_write_rates_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"PLINSIGHTS_PACING": "OFF", "PLINSIGHTS_RULE_WRITE_RATE": "5", "PLINSIGHTS_ALARM_WRITE_RATE": "2.5"}
    )
    assert settings.pacing == "off"
    assert write_rates(settings)["PutInsightRule"] == write_rates(settings)["DisableInsightRules"] == 5.0
    assert write_rates(settings)["DeleteAlarms"] == 2.5
    assert write_rates(settings)["DeleteDashboards"] == 10.0
    defaults = Settings()
    assert (defaults.pacing, defaults.rule_write_rate, defaults.alarm_write_rate) == ("auto", 1.0, 3.0)


@pytest.mark.parametrize(
    "env",
    [{"PLINSIGHTS_PACING": "sometimes"}, {"PLINSIGHTS_RULE_WRITE_RATE": "0"}, {"PLINSIGHTS_ALARM_WRITE_RATE": "inf"}],
)
def test_a_bad_pacing_setting_is_a_config_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("arn", "artifact"),
    [
        ("arn:aws:cloudwatch:us-east-1:123456789012:insight-rule/plinsights-vpce-1-bytes", ("rule", "plinsights-vpce-1-bytes")),
        ("arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:plinsights-vpce-1-high-bytes", ("alarm", "plinsights-vpce-1-high-bytes")),
        ("arn:aws:cloudwatch:us-east-1:123456789012:alarm:name:with:colons", ("alarm", "name:with:colons")),
        ("arn:aws:cloudwatch:us-east-1:123456789012:dashboard/PrivateLink", None),
        ("arn:aws:ec2:us-east-1:123456789012:alarm:plinsights-x", None),  # another service tagged by us
        ("not an arn", None),
    ],
)  # fmt: skip
def test_the_tagging_api_arns_name_rules_and_alarms(arn: str, artifact: tuple[str, str] | None) -> None:
    assert artifact_from_arn(arn) == artifact


def test_every_operation_of_every_kind_is_paced_at_its_kinds_rate() -> None:
    settings = Settings(rule_write_rate=2.0)
    rates = write_rates(settings)
    assert set(rates) == {operation for kind in ARTIFACTS for operation in kind.operations}
    for kind in ARTIFACTS:
        assert all(rates[operation] == kind.write_rate(settings) > 0 for operation in kind.operations)
    assert fixed_rate(4.0)(settings) == 4.0  # a kind without a setting of its own
