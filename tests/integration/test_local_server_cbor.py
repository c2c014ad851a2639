"""CloudWatch in Smithy RPC v2 CBOR on the local server: botocore 1.44.8 sends awsJson1_0 (it ranks
json before CBOR), but CloudWatch's model lists CBOR first and an SDK that prefers it must be
answered too, moto's own operations and the local server's alike."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration.conftest import Harness
from tests.integration.model_shape import shape_errors

RULE = {
    "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
    "LogGroupNames": ["/vpc/cbor"],
    "LogFormat": "CLF",
    "Fields": {"4": "srcaddr", "10": "bytes"},
    "Contribution": {"Keys": ["srcaddr"], "ValueOf": "bytes"},
    "AggregateOn": "Sum",
}


class CborOnly:
    """A botocore loader that gives CloudWatch's model with CBOR as its only protocol."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        model = copy.deepcopy(loader.load_service_model("cloudwatch", "service-2"))
        model["metadata"] |= {"protocols": ["smithy-rpc-v2-cbor"], "protocol": "smithy-rpc-v2-cbor"}
        self.model = model

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        if (service_name, type_name) == ("cloudwatch", "service-2"):
            return self.model
        return self.loader.load_service_model(service_name, type_name, api_version)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


@pytest.fixture
def cbor_cloudwatch(aws: Harness) -> Any:
    core = botocore.session.get_session()
    core.register_component("data_loader", CborOnly(core.get_component("data_loader")))
    client = boto3.Session(botocore_session=core).client("cloudwatch", config=Config(disable_request_compression=True))
    sent: list[str] = []  # botocore's header values are bytes
    client.meta.events.register(
        "before-send", lambda request, **_: sent.append(request.headers.get("Content-Type", b"").decode())
    )
    yield client
    assert sent and all(kind == "application/cbor" for kind in sent)  # every call went in CBOR


def test_moto_operations_answer_in_cbor(cbor_cloudwatch: Any) -> None:
    cbor_cloudwatch.put_insight_rule(RuleName="r", RuleDefinition=json.dumps(RULE), RuleState="ENABLED")
    rules = cbor_cloudwatch.describe_insight_rules()
    assert shape_errors(cbor_cloudwatch, "DescribeInsightRules", rules) == ""
    assert [(r["Name"], r["State"], r["ManagedRule"]) for r in rules["InsightRules"]] == [("r", "ENABLED", False)]
    moment = datetime.now(UTC).replace(microsecond=0)
    cbor_cloudwatch.put_metric_data(Namespace="N", MetricData=[{"MetricName": "M", "Value": 2.5, "Timestamp": moment}])
    data = cbor_cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "m", "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60, "Stat": "Sum"}}
        ],
        StartTime=moment.timestamp() - 300,
        EndTime=moment.timestamp() + 300,
    )
    assert data["MetricDataResults"][0]["Values"] == [2.5]  # a double, and a timestamp (tag 1) both ways


def test_the_local_servers_operations_answer_in_cbor(aws: Harness, cbor_cloudwatch: Any) -> None:
    now = int(time.time())
    cbor_cloudwatch.put_insight_rule(RuleName="r", RuleDefinition=json.dumps(RULE), RuleState="ENABLED")
    aws.world.logs.create_log_group(logGroupName="/vpc/cbor")
    aws.world.logs.create_log_stream(logGroupName="/vpc/cbor", logStreamName="s")
    message = f"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 1500 {now} {now} ACCEPT OK"
    aws.world.logs.put_log_events(
        logGroupName="/vpc/cbor", logStreamName="s", logEvents=[{"timestamp": now * 1000, "message": message}]
    )
    report = cbor_cloudwatch.get_insight_rule_report(
        RuleName="r", StartTime=now - 600, EndTime=now + 60, Period=60, Metrics=["Sum"]
    )
    assert shape_errors(cbor_cloudwatch, "GetInsightRuleReport", report) == ""
    assert report["Contributors"][0]["Keys"] == ["10.0.0.1"] and report["MetricDatapoints"][0]["Sum"] == 1500.0
    assert report["ApproximateUniqueCount"] == 1  # a long


def test_errors_keep_their_code_in_cbor(cbor_cloudwatch: Any) -> None:
    with pytest.raises(ClientError) as missing:
        cbor_cloudwatch.get_insight_rule_report(RuleName="none", StartTime=0, EndTime=60, Period=60)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as refused:
        cbor_cloudwatch.describe_insight_rules(MaxResults=501)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"  # the query-compatible code
    json_rule = RULE | {"LogFormat": "JSON", "Contribution": {"Keys": ["$.a"]}, "AggregateOn": "Count"}
    cbor_cloudwatch.put_insight_rule(RuleName="j", RuleDefinition=json.dumps(json_rule))
    with pytest.raises(ClientError) as unimplemented:
        cbor_cloudwatch.get_insight_rule_report(RuleName="j", StartTime=0, EndTime=60, Period=60)
    error, meta = unimplemented.value.response["Error"], unimplemented.value.response["ResponseMetadata"]
    assert (error["Code"], meta["HTTPStatusCode"]) == ("NotImplemented", 501)
