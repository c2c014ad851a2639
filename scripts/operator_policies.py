"""The IAM policies of the people who run `plinsights`, generated from the functions' own in template.yaml.

    .venv/bin/python -m scripts.operator_policies            # writes docs/iam/*.json
    .venv/bin/python -m scripts.operator_policies --check    # exit 1 when they differ from the template
    .venv/bin/python -m scripts.operator_policies --print read-only --prefix team1 --account 123456789012 \\
        --region eu-west-1 --stack team1-insights            # one policy for one deployment, on stdout

Two policies, from one source, so that they never drift from what the function may do:

- read-only (plan, explain, preview, top, destroy --dry-run): every read the reconcile function's
  policy grants, on the same resources, and the reads only the CLI makes;
- operator (apply, destroy): the reconcile function's policy whole, less what only the function
  does (its queue, its follow-up schedule and the role it passes), and the same CLI reads.

The template's `${Prefix}`, `${DashboardPrefix}`, `${AWS::Region}`, `${AWS::AccountId}` and the
stack's name are filled in: by default with the template's default names and `*` for the Region
and account (an identity policy acts in its own account only; `*` lets the same policy serve a
deployment in every Region). The function's condition that its alarms notify only its stack's topic
becomes one on the topic's name, `<stack>-AlarmTopic-*`, the name CloudFormation gives it, and so
does the topic `apply` announces to; the topic's key is named by its alias, `alias/<stack>-alarms`.
With ExistingAlarmTopic, grant sns:Publish on that topic instead.
tests/integration/test_policy.py checks every call the CLI makes in the test suite against them.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from tests.cfn import ROOT, template

POLICIES = ("read-only", "operator")
DOCS = ROOT / "docs" / "iam"
FUNCTION = "ReconcileFunction"
# The function's own machinery: the queue it consumes and hands over to, the one schedule it arranges
# and the role it passes to it. No command touches them.
FUNCTION_ONLY = frozenset({"ConsumeReconcileQueue", "HandOverAtOnce", "ArrangeOneFollowUp", "PassFollowUpRole"})
READ_PREFIXES = ("Describe", "List", "Get", "Filter")  # logs:FilterLogEvents reads
ARN = "arn:${AWS::Partition}"
# Calls only the CLI makes (docs/operations.md), with the reason for each resource.
CLI_READS: tuple[dict[str, Any], ...] = (
    {
        "Sid": "ReadStackSettings",  # --stack: the stack's function, found by its logical id
        "Effect": "Allow",
        "Action": ["cloudformation:DescribeStackResource"],
        "Resource": {"Sub": f"{ARN}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/${{StackName}}/*"},
    },
    {
        "Sid": "ReadFunctionSettings",  # --stack: its environment; named <stack>-ReconcileFunction-<id>
        "Effect": "Allow",
        "Action": ["lambda:GetFunctionConfiguration"],
        "Resource": {
            "Sub": f"{ARN}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:${{StackName}}-ReconcileFunction-*"
        },
    },
    {
        "Sid": "ReadLiveRuleReports",  # top: the rules of this deployment only
        "Effect": "Allow",
        "Action": ["cloudwatch:GetInsightRuleReport"],
        "Resource": {"Sub": f"{ARN}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:insight-rule/${{Prefix}}-*"},
    },
    {
        "Sid": "ReadAlarmContributors",  # explain: the consumers in ALARM of this deployment's alarms
        "Effect": "Allow",
        "Action": ["cloudwatch:DescribeAlarmContributors"],
        "Resource": {"Sub": f"{ARN}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:${{Prefix}}-*"},
    },
    {
        "Sid": "ReadFlowLogRecords",  # preview: whichever log groups the flow logs deliver to
        "Effect": "Allow",
        "Action": ["logs:FilterLogEvents"],
        "Resource": {"Sub": f"{ARN}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:*"},
    },
    {
        "Sid": "ReadAlarmSubscribers",  # plan, apply: whether the stack's alarms and announcements reach anyone
        "Effect": "Allow",
        "Action": ["sns:ListSubscriptionsByTopic"],
        "Resource": {"Sub": f"{ARN}:sns:${{AWS::Region}}:${{AWS::AccountId}}:${{StackName}}-AlarmTopic-*"},
    },
    {
        "Sid": "EstimateMatchedEvents",  # the cost estimate's IncomingLogEvents: no resource-level permissions
        "Effect": "Allow",
        "Action": ["cloudwatch:GetMetricData"],
        "Resource": "*",
    },
)
TOPIC = {"Sub": f"{ARN}:sns:${{AWS::Region}}:${{AWS::AccountId}}:${{StackName}}-AlarmTopic-*"}
KEY_ALIAS = {"Sub": "alias/${StackName}-alarms"}  # template.yaml's AlarmKeyAlias
DEFAULT_NAMES = {
    "AWS::Partition": "aws",
    "AWS::Region": "*",
    "AWS::AccountId": "*",
    "StackName": "privatelink-insights",  # samconfig.toml's stack name
}


def is_read(action: str) -> bool:
    return action.split(":", 1)[1].startswith(READ_PREFIXES)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_statements(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        copy.deepcopy(statement)
        for item in doc["Resources"][FUNCTION]["Properties"]["Policies"]
        for statement in item["Statement"]
        if statement["Effect"] == "Allow" and statement.get("Sid") not in FUNCTION_ONLY
    ]


def with_topic_by_name(statement: dict[str, Any]) -> dict[str, Any]:
    """The stack's topic and its key (a !Ref, a !GetAtt) by the names CloudFormation gives them: the
    alarm-actions condition and the announcements' topic by the topic's name, its key by its alias."""
    condition = statement.get("Condition", {}).get("ForAllValues:StringEquals", {})
    if condition.get("cloudwatch:AlarmActions") == {"Ref": "AlarmTopic"}:
        statement["Condition"] = {"ForAllValues:ArnLike": {"cloudwatch:AlarmActions": TOPIC}}
    if statement.get("Resource") == {"Ref": "AlarmTopic"}:
        statement["Resource"] = TOPIC
    if statement.get("Resource") == {"GetAtt": "AlarmKey.Arn"}:
        statement["Resource"] = {"Sub": f"{ARN}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/*"}
        statement["Condition"] = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": KEY_ALIAS}}
    return statement


def read_only(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement's reads on the same resources; None when it grants none."""
    reads = [action for action in as_list(statement["Action"]) if is_read(action)]
    if not reads:
        return None
    kept = {key: value for key, value in statement.items() if key != "Condition"}  # conditions guard writes
    return kept | {"Sid": statement["Sid"].replace("Manage", "Read"), "Action": reads}


def statements(policy: str, doc: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The policy's statements in the template's forms ({"Sub": ...}), CLI reads last."""
    if policy not in POLICIES:
        raise ValueError(f"policy {policy!r} is not one of {', '.join(POLICIES)}")
    own = function_statements(doc or template())
    if policy == "operator":
        chosen = [with_topic_by_name(statement) for statement in own]
    else:
        chosen = [reads for statement in own if (reads := read_only(statement))]
    return chosen + [copy.deepcopy(statement) for statement in CLI_READS]


def substituted(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in names:  # a condition's !Ref Prefix
        return names[value["Ref"]]
    if isinstance(value, dict) and "Sub" in value:
        return re.sub(r"\$\{([^}]+)\}", lambda match: names[match.group(1)], value["Sub"])
    if isinstance(value, dict):
        return {key: substituted(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [substituted(item, names) for item in value]
    return value


def rendered(policy: str, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The policy as IAM JSON, the template's names filled in (its defaults, `*` for Region and account)."""
    doc = template()
    defaults = {name: spec["Default"] for name, spec in doc["Parameters"].items() if "Default" in spec}
    values = {**defaults, **DEFAULT_NAMES, **(names or {})}
    body = []
    for statement in statements(policy, doc):
        resources = list(dict.fromkeys(as_list(substituted(statement["Resource"], values))))  # Region *: one name
        out = {"Sid": statement["Sid"], "Effect": "Allow", "Action": as_list(statement["Action"])}
        out["Resource"] = resources[0] if len(resources) == 1 else resources
        if "Condition" in statement:
            out["Condition"] = substituted(statement["Condition"], values)
        body.append(out)
    return {"Version": "2012-10-17", "Statement": body}


def text(policy: str, names: Mapping[str, str] | None = None) -> str:
    return json.dumps(rendered(policy, names), indent=2) + "\n"


def main(argv: list[str]) -> int:
    options = argparse.ArgumentParser(prog="operator_policies", description=__doc__.split("\n", 1)[0])
    options.add_argument("--check", action="store_true", help="exit 1 when docs/iam differs from the template")
    options.add_argument("--print", choices=POLICIES, help="print one policy instead of writing docs/iam")
    for flag, name in (("--prefix", "Prefix"), ("--dashboard-prefix", "DashboardPrefix"), ("--stack", "StackName")):
        options.add_argument(flag, dest=name, help=f"default: the template's {name}")
    options.add_argument("--region", dest="AWS::Region", help="default: * (every Region)")
    options.add_argument("--account", dest="AWS::AccountId", help="default: * (the policy's own account)")
    options.add_argument("--partition", dest="AWS::Partition", help="default: aws")
    args = options.parse_args(argv)
    names = {name: value for name, value in vars(args).items() if name not in ("check", "print") and value}
    if args.print:
        print(text(args.print, names), end="")
        return 0
    stale = []
    for policy in POLICIES:
        path = DOCS / f"{policy}-policy.json"
        if args.check:
            if not path.is_file() or path.read_text() != text(policy):
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(policy))
    for name in stale:
        print(f"{name} is not what template.yaml gives: run python -m scripts.operator_policies", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
