"""A stand-in for a deployed stack on the local server: a CloudFormation stack whose ReconcileFunction
carries the environment template.yaml gives the real one, so that `plinsights --stack NAME` reads its
settings there as it would from AWS (DescribeStackResource, then GetFunctionConfiguration).

moto serves CloudFormation, Lambda and IAM; the function's code is never run (the demo and the
tests call the handler directly), so it is a one-line stub, and its role only has to exist.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import boto3

from core.settings import Settings

STACK = "privatelink-insights"  # samconfig.toml's stack name
FUNCTION = "ReconcileFunction"
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def setting_text(value: Any) -> str:
    """A setting as its environment variable holds it: a comma list for the rule kinds, as the
    RuleKinds parameter passes them, and numbers and words as CloudFormation writes parameters."""
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):  # before int: a bool is one; the ManagedRules parameter's words
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def function_environment(settings: Settings) -> dict[str, str]:
    """The variables template.yaml sets on the reconcile function (every setting, as PLINSIGHTS_<NAME>,
    and Powertools' two), for these settings."""
    variables = {
        f"PLINSIGHTS_{field.name.upper()}": setting_text(getattr(settings, field.name)) for field in fields(settings)
    }
    return variables | {
        "POWERTOOLS_SERVICE_NAME": "privatelink-insights",
        "POWERTOOLS_METRICS_NAMESPACE": "PrivateLinkInsights",
    }


def deploy_stand_in(session: boto3.Session, settings: Settings, stack: str = STACK) -> str:
    """Creates the stack; returns its function's name (CloudFormation makes it from the stack's)."""
    iam = session.client("iam")
    role = iam.create_role(RoleName=f"{stack}-reconcile", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.13",
            "Handler": "handlers.reconcile.handler",
            "Role": role["Role"]["Arn"],
            "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
            "Environment": {"Variables": function_environment(settings)},
        },
    }
    cloudformation = session.client("cloudformation")
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps({"Resources": {FUNCTION: function}}))
    detail = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=FUNCTION)["StackResourceDetail"]
    name: str = detail["PhysicalResourceId"]
    return name
