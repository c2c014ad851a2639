"""`plinsights explain` of a provider: each consumer's account and state, and the consumer alarms' series in ALARM."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

from rich.console import Console

from cli.explain import explanation_to_dict, render_explanation
from core.desire.state import desired_state
from core.inspect.alarm_contributors import AlarmContributor, AlarmContributors, contributor_from_api
from core.inspect.explain import explain
from core.model import ActualState, EndpointConnection
from core.plan.diff import make_plan
from core.reconcile import Outcome
from core.settings import Settings
from tests.builders import inventory, load_balancer

SETTINGS = Settings()
RESETS = "plinsights-vpce-svc-1-consumer-resets"
CONNECTIONS = "plinsights-vpce-svc-1-consumer-connections"
CONSUMERS = (
    EndpointConnection("vpce-svc-1", "vpce-a1", "111122223333", "available", region="us-east-1"),
    EndpointConnection("vpce-svc-1", "vpce-b2", "444455556666", "available", region="eu-west-1"),
)
IN_ALARM = AlarmContributor("c1", (("VPC Endpoint Id", "vpce-a1"),), "Threshold Crossed: 1 out of the last 1", "")


def outcome() -> Outcome:
    inv = inventory(replace(load_balancer(), consumers=CONSUMERS))
    desired = desired_state(inv, SETTINGS)
    return Outcome(inv, desired, ActualState(), make_plan(desired, ActualState(), SETTINGS.max_deletes), None)


def text_of(explanation) -> str:
    out = io.StringIO()
    render_explanation(explanation, Console(file=out, width=100, soft_wrap=True, highlight=False))
    return out.getvalue()


def test_the_consumers_are_listed_with_their_accounts_states_regions_and_alarms() -> None:
    contributors = AlarmContributors({RESETS: (IN_ALARM,), CONNECTIONS: ()})
    explanation = explain("vpce-svc-1", outcome(), SETTINGS, contributors=contributors)
    text = text_of(explanation)
    assert "vpce-svc-1: 2 consumer endpoints in 2 accounts" in text
    assert f"vpce-a1  account 111122223333  available  in ALARM: {RESETS}" in text
    assert "vpce-b2  account 444455556666  available in eu-west-1" in text
    data = explanation_to_dict(explanation)
    assert [c["account"] for c in data["consumers"]] == ["111122223333", "444455556666"]
    assert data["alarm_contributors"] == {
        CONNECTIONS: {"contributors": []},
        RESETS: {
            "contributors": [
                {"id": "c1", "attributes": {"VPC Endpoint Id": "vpce-a1"}, "reason": IN_ALARM.reason, "since": ""}
            ]
        },
    }


def test_a_contributor_not_among_the_connections_and_an_unread_alarm_are_said() -> None:
    stranger = AlarmContributor("c9", (("VPC Endpoint Id", "vpce-new"),), "Threshold Crossed", "")
    contributors = AlarmContributors(
        {RESETS: (stranger,)}, {CONNECTIONS: "DescribeAlarmContributors answered AccessDenied"}
    )
    text = text_of(explain("vpce-svc-1", outcome(), SETTINGS, contributors=contributors))
    assert f"{RESETS}: vpce-new in ALARM, not among the connections read" in text
    assert f"contributors of {CONNECTIONS} not read: DescribeAlarmContributors answered AccessDenied" in text


def test_without_a_live_read_explain_lists_the_consumers_and_no_contributors() -> None:
    explanation = explain("vpce-svc-1", outcome(), SETTINGS)
    assert "alarm_contributors" not in explanation_to_dict(explanation)
    assert "vpce-a1  account 111122223333  available" in text_of(explanation)


def test_a_contributor_translates_from_the_api() -> None:
    since = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    item = {"ContributorId": "c1", "ContributorAttributes": {"VPC Endpoint Id": "vpce-a1"}, "StateReason": "r",
            "StateTransitionedTimestamp": since}  # fmt: skip
    contributor = contributor_from_api(item)
    assert contributor == AlarmContributor("c1", (("VPC Endpoint Id", "vpce-a1"),), "r", since.isoformat())
    assert contributor.names("vpce-a1") and not contributor.names("vpce-b2")
    assert AlarmContributors({RESETS: (contributor,)}).of("vpce-a1") == [RESETS]
