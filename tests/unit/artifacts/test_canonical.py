"""One canonical form for what we render and what AWS returns: equal meaning gives byte-equal
bodies (so no rewrite), a real difference never disappears (so an edit is repaired)."""

from __future__ import annotations

import json

import pytest

from core.artifacts.alarms import alarm_body
from core.artifacts.canonical import canonical_rule_definition
from core.desire.health_alarms import QueryAlarmBudget, render_health_alarms
from core.desire.rules import RULE_TEMPLATES, render_rule_definition
from core.model import RuleKind
from core.settings import Settings
from tests.builders import endpoint

RENDERED = render_rule_definition(
    RULE_TEMPLATES[RuleKind.REJECTS], {"interface-id": 3, "srcaddr": 4, "action": 13}, "/flows", ["eni-1"]
)


def as_aws_returns(text: str) -> str:
    """Tab-indented, keys reversed, whole numbers as floats (aws-facts F6)."""

    def floats(value):
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return float(value)
        if isinstance(value, dict):
            return {k: floats(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [floats(v) for v in value]
        return value

    return json.dumps(floats(json.loads(text)), indent="\t")


def edited(change) -> str:
    definition = json.loads(RENDERED)
    change(definition)
    return json.dumps(definition)


def test_a_definition_returned_re_serialised_is_the_one_rendered() -> None:
    assert canonical_rule_definition(as_aws_returns(RENDERED)) == RENDERED


def test_an_empty_filter_list_is_no_filter() -> None:
    without = edited(lambda d: d["Contribution"].pop("Filters"))
    with_empty = edited(lambda d: d["Contribution"].update(Filters=[]))
    assert canonical_rule_definition(with_empty) == canonical_rule_definition(without)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["Contribution"]["Filters"].pop(),  # a filter removed
        lambda d: d["Contribution"].update(Filters=[]),  # every filter removed, AWS's empty list or not
        lambda d: d["Contribution"]["Filters"][0]["In"].append("eni-2"),  # one more ENI
        lambda d: d.update(AggregateOn="Sum"),
        lambda d: d["Fields"].update({"13": "action", "14": "extra"}),
        lambda d: d.update(LogGroupNames=["/flows", "/other"]),
    ],
)
def test_a_real_edit_still_differs(change) -> None:
    assert canonical_rule_definition(as_aws_returns(edited(change))) != RENDERED


def test_a_value_that_is_not_whole_keeps_its_fraction() -> None:
    assert canonical_rule_definition(edited(lambda d: d.update(Version=1.5))) != canonical_rule_definition(
        edited(lambda d: d.update(Version=1))
    )


def rendered_alarm() -> dict:
    settings = Settings(alarm_topic_arn="arn:aws:sns:us-east-1:123456789012:t")
    specs, _ = render_health_alarms(endpoint(), settings, "us-east-1", QueryAlarmBudget(0))
    return json.loads(specs[0].body)


def test_an_alarm_read_back_with_defaults_filled_in_and_floats_is_the_one_rendered() -> None:
    parameters = rendered_alarm()
    read_back = {
        **parameters,
        "Threshold": float(parameters["Threshold"]),
        "EvaluationPeriods": float(parameters["EvaluationPeriods"]),
        "Dimensions": [],
        "StateValue": "OK",
        "Metrics": [
            {
                **q,
                "ReturnData": q.get("ReturnData", True),
                "MetricStat": {**q["MetricStat"], "Period": float(q["MetricStat"]["Period"])},
            }
            if "MetricStat" in q
            else {**q, "ReturnData": q.get("ReturnData", True)}
            for q in parameters["Metrics"]
        ],
    }
    assert alarm_body(read_back) == alarm_body(parameters)
    without_defaults = {k: v for k, v in parameters.items() if k not in ("DatapointsToAlarm", "ActionsEnabled")}
    assert alarm_body(without_defaults) == alarm_body(parameters)


@pytest.mark.parametrize(
    "edit", [{"Threshold": 2.5}, {"EvaluationPeriods": 3}, {"ActionsEnabled": False}, {"AlarmActions": []}]
)
def test_an_alarm_edit_still_differs(edit: dict) -> None:
    parameters = rendered_alarm()
    assert alarm_body({**parameters, **edit}) != alarm_body(parameters)
