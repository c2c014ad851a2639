"""Contributor Insights rules on the local server as AWS keeps them: managed rules for endpoint
services (PutManagedInsightRules, ListManagedInsightRules) beside one's own, and DescribeInsightRules
in pages of MaxResults 1-500 with a NextToken."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from moto.cloudwatch.models import cloudwatch_backends

from core.observe.state import describe_insight_rules
from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors

TEMPLATES = [  # the four templates of an endpoint service, in ListManagedInsightRules' order
    "VpcEndpointService-NewConnectionsByEndpointId-v1",
    "VpcEndpointService-BytesByEndpointId-v1",
    "VpcEndpointService-RstPacketsByEndpointId-v1",
    "VpcEndpointService-ActiveConnectionsByEndpointId-v1",
]
BYTES = TEMPLATES[1]
RULE = '{"Schema":{"Name":"CloudWatchLogRule","Version":1},"LogGroupNames":["g"],"LogFormat":"CLF","Contribution":{"Keys":["4"]},"AggregateOn":"Count"}'


def service_arn(aws: Harness) -> str:
    _, subnets = aws.world.vpc(subnets=1)
    config = aws.world.ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[aws.world.load_balancer("nlb", subnets)]
    )["ServiceConfiguration"]
    return f"arn:aws:ec2:{aws.world.region}:123456789012:vpc-endpoint-service/{config['ServiceId']}"


def managed(aws: Harness, arn: str) -> dict[str, dict]:
    answer = aws.world.cloudwatch.list_managed_insight_rules(ResourceARN=arn)
    assert shape_errors(aws.world.cloudwatch, "ListManagedInsightRules", answer) == ""
    return {rule["TemplateName"]: rule for rule in answer["ManagedRules"]}


def test_every_template_is_listed_and_an_enabled_one_names_its_rule(aws: Harness) -> None:
    arn = service_arn(aws)
    assert list(managed(aws, arn)) == TEMPLATES and not any("RuleState" in r for r in managed(aws, arn).values())
    put = aws.world.cloudwatch.put_managed_insight_rules(ManagedRules=[{"TemplateName": BYTES, "ResourceARN": arn}])
    assert put["Failures"] == [] and shape_errors(aws.world.cloudwatch, "PutManagedInsightRules", put) == ""
    listed = managed(aws, arn)
    assert listed[BYTES]["ResourceARN"] == arn and listed[BYTES]["RuleState"]["State"] == "ENABLED"
    assert [t for t, r in listed.items() if "RuleState" in r] == [BYTES]


def test_a_managed_rule_is_described_with_its_schema_and_counts_among_the_rules(aws: Harness) -> None:
    arn = service_arn(aws)
    aws.world.cloudwatch.put_insight_rule(RuleName="own", RuleDefinition=RULE, RuleState="ENABLED")
    aws.world.cloudwatch.put_managed_insight_rules(
        ManagedRules=[{"TemplateName": t, "ResourceARN": arn} for t in TEMPLATES]
    )
    rules = {r["Name"]: r for r in describe_insight_rules(aws.clients)}
    assert len(rules) == 1 + len(TEMPLATES)
    name = managed(aws, arn)[BYTES]["RuleState"]["RuleName"]
    assert (rules[name]["ManagedRule"], json.loads(rules[name]["Schema"])) == (
        True,
        {"Name": "ServiceLogRule", "Version": 1},
    )
    assert (rules["own"]["ManagedRule"], json.loads(rules["own"]["Schema"])["Name"]) == (False, "CloudWatchLogRule")
    assert json.loads(rules[name]["Definition"])["Schema"]["Name"] == "ServiceLogRule"


def test_managed_rules_are_disabled_enabled_and_deleted_with_the_usual_calls(aws: Harness) -> None:
    cw, arn = aws.world.cloudwatch, service_arn(aws)
    cw.put_managed_insight_rules(
        ManagedRules=[{"TemplateName": BYTES, "ResourceARN": arn, "Tags": [{"Key": "team", "Value": "net"}]}]
    )
    name = managed(aws, arn)[BYTES]["RuleState"]["RuleName"]
    rule_arn = f"arn:aws:cloudwatch:{aws.world.region}:123456789012:insight-rule/{name}"
    assert cw.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == [{"Key": "team", "Value": "net"}]
    assert cw.disable_insight_rules(RuleNames=[name])["Failures"] == []
    assert managed(aws, arn)[BYTES]["RuleState"]["State"] == "DISABLED"
    cw.put_managed_insight_rules(ManagedRules=[{"TemplateName": BYTES, "ResourceARN": arn}])  # re-enables it
    assert managed(aws, arn)[BYTES]["RuleState"]["State"] == "ENABLED"
    assert cw.delete_insight_rules(RuleNames=[name])["Failures"] == []
    assert "RuleState" not in managed(aws, arn)[BYTES] and aws.world.rule_names() == []
    assert cw.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == []  # its tags went with it


def test_put_insight_rule_cannot_edit_a_managed_rule(aws: Harness) -> None:
    arn = service_arn(aws)
    aws.world.cloudwatch.put_managed_insight_rules(ManagedRules=[{"TemplateName": BYTES, "ResourceARN": arn}])
    name = managed(aws, arn)[BYTES]["RuleState"]["RuleName"]
    with pytest.raises(ClientError) as refused:
        aws.world.cloudwatch.put_insight_rule(RuleName=name, RuleDefinition=RULE)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_an_unknown_template_or_resource_fails_alone_and_a_malformed_arn_refuses_the_call(aws: Harness) -> None:
    cw, arn = aws.world.cloudwatch, service_arn(aws)
    missing = arn.rsplit("/", 1)[0] + "/vpce-svc-0123456789abcdef0"
    nlb = f"arn:aws:elasticloadbalancing:{aws.world.region}:123456789012:loadbalancer/net/nlb/0123456789abcdef"
    answer = cw.put_managed_insight_rules(
        ManagedRules=[
            {"TemplateName": "VpcEndpointService-BytesByEndpointId-v9", "ResourceARN": arn},
            {"TemplateName": BYTES, "ResourceARN": missing},
            {"TemplateName": BYTES, "ResourceARN": nlb},  # no managed rules for load balancers
            {"TemplateName": TEMPLATES[0], "ResourceARN": arn},
        ]
    )
    assert [f["FailureResource"] for f in answer["Failures"]] == [
        "VpcEndpointService-BytesByEndpointId-v9",
        BYTES,
        BYTES,
    ]
    assert all(f["ExceptionType"] == "InvalidParameterValue" for f in answer["Failures"])
    assert [t for t, r in managed(aws, arn).items() if "RuleState" in r] == [TEMPLATES[0]]
    for call in (
        lambda: cw.put_managed_insight_rules(ManagedRules=[{"TemplateName": BYTES, "ResourceARN": "vpce-svc-1"}]),
        lambda: cw.list_managed_insight_rules(ResourceARN="not-an-arn"),
        lambda: cw.list_managed_insight_rules(ResourceARN=arn, MaxResults=501),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_describe_insight_rules_pages_with_a_next_token(aws: Harness) -> None:
    cw = aws.world.cloudwatch
    for index in range(5):
        cw.put_insight_rule(RuleName=f"rule-{index}", RuleDefinition=RULE)
    first = cw.describe_insight_rules(MaxResults=2)
    assert [r["Name"] for r in first["InsightRules"]] == ["rule-0", "rule-1"] and first["NextToken"]
    assert shape_errors(cw, "DescribeInsightRules", first) == ""
    names = []
    token = None
    while True:
        page = cw.describe_insight_rules(MaxResults=2, **({"NextToken": token} if token else {}))
        names += [r["Name"] for r in page["InsightRules"]]
        if not (token := page.get("NextToken")):
            break
    assert names == [f"rule-{index}" for index in range(5)]
    assert cw.describe_insight_rules(MaxResults=5).get("NextToken") is None  # the last page says so


def test_more_than_500_rules_take_a_second_page_of_the_default_size(aws: Harness) -> None:
    """moto stops at 500 with no NextToken; AWS's default page is 500 and a NextToken leads on."""
    backend = cloudwatch_backends["123456789012"][aws.world.region]  # the server runs in this process
    for index in range(501):  # 501 PutInsightRule calls would take seconds: the rules are made in place
        backend.put_insight_rule(name=f"r{index:03}", state="ENABLED", definition=RULE)
    first = aws.world.cloudwatch.describe_insight_rules()
    assert len(first["InsightRules"]) == 500 and first["NextToken"]
    assert len(describe_insight_rules(aws.clients)) == 501  # the product follows it


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"MaxResults": 501}, "InvalidParameterValue"), ({"NextToken": "bm9wZQ=="}, "InvalidNextToken")],
    ids=["MaxResults over 500", "a token never given"],
)
def test_describe_refuses_like_aws(aws: Harness, kwargs, code: str) -> None:
    with pytest.raises(ClientError) as refused:
        aws.world.cloudwatch.describe_insight_rules(**kwargs)
    assert refused.value.response["Error"]["Code"] == code


def test_put_insight_rule_keeps_the_tags_a_rule_was_created_with(aws: Harness) -> None:
    """Tags given to PutInsightRule for an existing rule are ignored (API reference): TagResource changes them."""
    cw = aws.world.cloudwatch
    cw.put_insight_rule(RuleName="r", RuleDefinition=RULE, Tags=[{"Key": "owner", "Value": "first"}])
    cw.put_insight_rule(RuleName="r", RuleDefinition=RULE, Tags=[{"Key": "owner", "Value": "second"}])
    arn = f"arn:aws:cloudwatch:{aws.world.region}:123456789012:insight-rule/r"
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "owner", "Value": "first"}]
