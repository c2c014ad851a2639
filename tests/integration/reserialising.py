"""A moto server that keeps and returns what it is given in the other forms AWS uses (aws-facts F6).

moto hands back rule definitions, alarms and dashboards exactly as they were written; AWS does not.
This proxy, in front of the moto server, stores each rule definition re-serialised (tab-indented,
keys reversed, whole numbers as floats such as 6.0, "Filters": [] added to a contribution without
filters) and answers DescribeAlarms and GetDashboard with the defaults filled in and numbers as
floats, as AWS may. Only CloudWatch's JSON protocol is rewritten; tests assert botocore speaks it.
"""

from __future__ import annotations

import json
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.integration.faults import Exchange, FaultyEndpoint, read_request, respond


def as_floats(value: Any) -> Any:
    """Every whole number as a float (6 -> 6.0), booleans left alone."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {key: as_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_floats(item) for item in value]
    return value


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


def aws_rule_form(definition: str) -> str:
    """A rule definition as DescribeInsightRules may return it."""
    document = json.loads(definition)
    document.setdefault("Contribution", {}).setdefault("Filters", [])
    return json.dumps(reversed_keys(as_floats(document)), indent="\t")


def aws_alarm_form(alarm: dict[str, Any]) -> dict[str, Any]:
    """An alarm as DescribeAlarms may return it: defaults filled in, numbers as floats, lists reordered."""
    alarm = dict(alarm)
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        alarm[key] = list(reversed(alarm.get(key) or []))
    alarm.setdefault("Dimensions", [])
    alarm.setdefault("ActionsEnabled", True)
    alarm["EvaluationPeriods"] = float(alarm["EvaluationPeriods"])
    alarm["DatapointsToAlarm"] = float(alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"])
    alarm["Threshold"] = float(alarm["Threshold"])
    queries = []
    for given in alarm.get("Metrics") or []:
        query = {**given, "ReturnData": given.get("ReturnData", True)}
        if "Period" in query:
            query["Period"] = float(query["Period"])
        if stat := query.get("MetricStat"):
            metric = stat["Metric"]
            dimensions = list(reversed(metric.get("Dimensions") or []))
            query["MetricStat"] = {
                **stat,
                "Period": float(stat["Period"]),
                "Metric": {**metric, "Dimensions": dimensions},
            }
        queries.append(reversed_keys(query))
    alarm["Metrics"] = queries
    return reversed_keys(alarm)


class ReserialisingEndpoint(FaultyEndpoint):
    """The proxy: `routed()` points the clients made inside it here; `rewritten` counts what it changed."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream, share=0.0, seed=0)
        self.rewritten: Counter[str] = Counter()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body, service, protocol, operation = read_request(request)
        self.exchanges.append(Exchange(service, operation))
        cloudwatch = service == "monitoring" and protocol == "json"
        if cloudwatch and operation == "PutInsightRule":
            payload = json.loads(body)
            payload["RuleDefinition"] = aws_rule_form(payload["RuleDefinition"])
            body = json.dumps(payload).encode()
            self.rewritten[operation] += 1
        status, headers, answer = self.forward(request, body)
        if cloudwatch and status == 200 and operation in ("DescribeAlarms", "GetDashboard"):
            document = json.loads(answer)
            if operation == "DescribeAlarms":
                document["MetricAlarms"] = [aws_alarm_form(a) for a in document.get("MetricAlarms", [])]
            else:
                document["DashboardBody"] = json.dumps(
                    reversed_keys(as_floats(json.loads(document["DashboardBody"]))), indent=2
                )
            answer = json.dumps(document).encode()
            self.rewritten[operation] += 1
        respond(request, status, headers, answer)
