"""What the local server keeps beside moto's backends is cleared by moto's own reset, like the rest:
no test sees another's state. (The server runs in the test's process: its state can be looked at.)"""

from __future__ import annotations

import urllib.request

from demo.local_server.control import add_consumer_endpoint, set_applied_quota
from demo.local_server.state import state_of
from tests.integration.conftest import Harness

ACCOUNT = "123456789012"


def test_moto_reset_clears_what_the_local_server_added(aws: Harness, moto_endpoint: str) -> None:
    ec2, quotas = aws.world.ec2, aws.world.session.client("service-quotas")
    _, subnets = aws.world.vpc(subnets=1)
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[aws.world.load_balancer("nlb", subnets)]
    )["ServiceConfiguration"]["ServiceId"]
    add_consumer_endpoint(moto_endpoint, service, "210987654321")
    set_applied_quota(moto_endpoint, "L-DBD11BCC", 250)
    arn = f"arn:aws:ec2:{aws.world.region}:{ACCOUNT}:vpc-endpoint-service/{service}"
    template = "VpcEndpointService-BytesByEndpointId-v1"
    aws.world.cloudwatch.put_managed_insight_rules(ManagedRules=[{"TemplateName": template, "ResourceARN": arn}])
    aws.world.cloudwatch.put_log_alarm(
        AlarmName="log",
        ScheduledQueryConfiguration={
            "QueryString": "stats count(*)",
            "ScheduledQueryRoleARN": f"arn:aws:iam::{ACCOUNT}:role/q",
            "ScheduleConfiguration": {"ScheduleExpression": "rate(5 minutes)", "StartTimeOffset": 300},
            "AggregationExpression": "count(*)",
        },
        QueryResultsToEvaluate=1,
        QueryResultsToAlarm=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    before = state_of(ACCOUNT, aws.world.region)
    assert before.consumer_endpoints and before.applied_quotas and before.managed_rules
    assert before.rule_windows and before.log_alarms

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()

    after = state_of(ACCOUNT, aws.world.region)
    assert after is not before and not after.consumer_endpoints and not after.applied_quotas
    assert not after.managed_rules and not after.rule_windows and not after.log_alarms
    assert quotas.get_service_quota(ServiceCode="monitoring", QuotaCode="L-DBD11BCC")["Quota"]["Value"] == 100.0
