"""docs/iam's policies are what scripts/operator_policies.py makes of template.yaml, and as narrow as
the function's: the read-only one writes nothing, neither touches the function's own machinery."""

from __future__ import annotations

import json

import pytest
from scripts.operator_policies import DOCS, FUNCTION_ONLY, POLICIES, main, rendered

from tests.iam import NO_RESOURCE_LEVEL, is_write, policy


def actions(document: dict) -> set[str]:
    return {action for statement in document["Statement"] for action in statement["Action"]}


def test_the_documented_policies_are_the_generated_ones() -> None:
    assert main(["--check"]) == 0
    for name in POLICIES:
        assert json.loads((DOCS / f"{name}-policy.json").read_text()) == rendered(name)


def test_the_read_only_policy_grants_no_write() -> None:
    assert [action for action in actions(rendered("read-only")) if is_write(action)] == []


def test_the_operator_may_do_what_the_function_may_and_the_clis_reads_but_not_its_machinery() -> None:
    machinery = {a for s in policy("ReconcileFunction") if s.sid in FUNCTION_ONLY for a in s.actions}
    function = {a for s in policy("ReconcileFunction") for a in s.actions} - machinery
    operator = actions(rendered("operator"))
    assert function <= operator and not machinery & operator
    assert operator - function == {
        "cloudformation:DescribeStackResource",
        "lambda:GetFunctionConfiguration",
        "cloudwatch:GetInsightRuleReport",
        "cloudwatch:DescribeAlarmContributors",
        "logs:FilterLogEvents",
        "cloudwatch:GetMetricData",
        "sns:ListSubscriptionsByTopic",
    }
    assert actions(rendered("read-only")) == {a for a in operator if not is_write(a)}


@pytest.mark.parametrize("name", POLICIES)
def test_only_actions_without_resource_level_permissions_get_every_resource(name: str) -> None:
    unscoped = {a for s in rendered(name)["Statement"] if s["Resource"] == "*" for a in s["Action"]}
    assert unscoped <= NO_RESOURCE_LEVEL


def test_writes_name_the_deployments_own_artifacts_and_alarms_its_stacks_topic() -> None:
    for statement in rendered("operator")["Statement"]:
        if any(is_write(action) for action in statement["Action"]):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if resources == ["arn:aws:cloudwatch:*:*:insight-rule/*"]:  # managed rules: AWS names them
                ((_, keys),) = statement["Condition"].items()
                assert list(keys.values()) == ["plinsights"] and next(iter(keys)).endswith("Tag/plinsights:owner")
                continue
            if resources == ["arn:aws:kms:*:*:key/*"]:  # the stack's topic key, named by its alias
                assert statement["Condition"] == {
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/privatelink-insights-alarms"}
                }
                continue
            names = ("/plinsights-", ":plinsights-", "/PrivateLink-", ":privatelink-insights-AlarmTopic-")
            assert all(any(name in r for name in names) for r in resources)
    (alarms,) = [s for s in rendered("operator")["Statement"] if "cloudwatch:PutMetricAlarm" in s["Action"]]
    assert alarms["Condition"] == {
        "ForAllValues:ArnLike": {"cloudwatch:AlarmActions": "arn:aws:sns:*:*:privatelink-insights-AlarmTopic-*"}
    }


def test_a_deployments_own_names_can_be_filled_in() -> None:
    names = {
        "Prefix": "team1",
        "StackName": "team1-insights",
        "AWS::AccountId": "111122223333",
        "AWS::Region": "eu-west-1",
    }
    text = json.dumps(rendered("operator", names))
    assert "insight-rule/team1-*" in text and "stack/team1-insights/*" in text
    assert "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:team1-*" in text
    assert "plinsights" not in text.replace("plinsights:owner", "")  # the owner tag's key is the same for all
