"""Contributor Insights rules as AWS keeps them, where moto 5.2.1 does not: managed rules
(PutManagedInsightRules, ListManagedInsightRules), DescribeInsightRules in pages, and the spans in
which each rule analyses log events (for GetInsightRuleReport).

Managed rules (CloudWatch API reference, PutManagedInsightRules; PrivateLink guide, "Use built-in
Contributor Insights rules"): four templates per VPC endpoint service, listed by
ListManagedInsightRules whether enabled or not (a deleted one is listed again without RuleState);
enabling makes a rule that DescribeInsightRules lists with ManagedRule true and the ServiceLogRule
schema, that counts like any rule, and that EnableInsightRules, DisableInsightRules and
DeleteInsightRules work on (moto refuses them), while PutInsightRule cannot edit it. INFERRED, no
source gives them: the rule's name (<template>-<service id>: read it from RuleState.RuleName) and
its Definition (the template, the resource and the endpoint id as its key).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.models import CloudWatchBackend, InsightRule, cloudwatch_backends
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.logs.models import LogEvent

from demo.local_server.state import AnalysisWindow, LocalState, ManagedRule, state_of

# ListManagedInsightRules lists them in this order (seen in terraform-provider-aws's acceptance test).
TEMPLATES: dict[str, tuple[str, str]] = {  # template -> (AWS/PrivateLinkServices metric, key label)
    "VpcEndpointService-NewConnectionsByEndpointId-v1": ("NewConnections", "VpcEndpointId"),
    "VpcEndpointService-BytesByEndpointId-v1": ("BytesProcessed", "VpcEndpointId"),
    "VpcEndpointService-RstPacketsByEndpointId-v1": ("RstPacketsSent", "VpcEndpointId"),
    "VpcEndpointService-ActiveConnectionsByEndpointId-v1": ("ActiveConnections", "VpcEndpointId"),
}
MANAGED_SCHEMA = '{"Name": "ServiceLogRule", "Version": 1}'  # DescribeInsightRules' Schema for managed rules
SERVICE_ARN = re.compile(
    r"arn:aws[a-z-]*:ec2:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):vpc-endpoint-service/(?P<id>vpce-svc-[0-9a-f]+)"
)
ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+")
DESCRIBE_DEFAULT = DESCRIBE_MAX = 500  # DescribeInsightRules MaxResults: 1-500, default 500
LIST_DEFAULT, LIST_MAX = 100, 500  # ListManagedInsightRules MaxResults: 1-500, default 100


class InvalidNextToken(ServiceException):
    code = "InvalidNextToken"


def arrival_mark() -> int:
    """The number moto's logs backend gives the next log event it receives: events are numbered
    in the order they arrive, so a rule's windows are spans of that numbering."""
    return int(LogEvent._event_id)


def open_window(state: LocalState, name: str) -> None:
    windows = state.rule_windows.setdefault(name, [])
    if not windows or windows[-1].end is not None:
        windows.append(AnalysisWindow(arrival_mark(), time.time()))


def close_window(state: LocalState, name: str) -> None:
    windows = state.rule_windows.get(name, [])
    if windows and windows[-1].end is None:
        windows[-1].end, windows[-1].ended = arrival_mark(), time.time()


def follow_state(state: LocalState, rule: InsightRule) -> None:
    """A rule analyses "only new log events after it is created or enabled" (user guide)."""
    if rule.state == "ENABLED":
        open_window(state, rule.name)
    else:
        close_window(state, rule.name)


def page_token(start: int) -> str:
    return base64.b64encode(f"rules:{start}".encode()).decode()


def page_bounds(count: int, max_results: Any, token: Any, default: int, most: int) -> tuple[int, int]:
    size = default if max_results is None else int(max_results)
    if not 1 <= size <= most:
        raise InvalidParameterValue(f"The value {size} for parameter MaxResults is not valid: 1 to {most}.")
    start = 0
    if token:
        try:
            label, _, number = base64.b64decode(str(token), validate=True).decode().partition(":")
            start = int(number) if label == "rules" else -1
        except ValueError:
            start = -1
        if not 0 <= start <= count:
            raise InvalidNextToken("The specified NextToken is not valid.")
    return start, min(start + size, count)


def managed_definition(template: str, resource_arn: str) -> str:
    metric, key = TEMPLATES[template]
    return json.dumps(
        {
            "Schema": {"Name": "ServiceLogRule", "Version": 1},
            "TemplateName": template,
            "ResourceARN": resource_arn,
            "Contribution": {"Keys": [key], "ValueOf": metric},
            "AggregateOn": "Sum",
        }
    )


def service_of(arn: str, account_id: str, region: str) -> str:
    """The endpoint service id an ARN names in this account and Region; raises for any other."""
    match = SERVICE_ARN.fullmatch(arn)
    if not ARN.fullmatch(arn):
        raise InvalidParameterValue(f"The value {arn} for parameter ResourceARN is not a valid ARN.")
    if match is None or (match["account"], match["region"]) != (account_id, region):
        raise InvalidParameterValue(f"The resource {arn} has no managed Contributor Insights rules here.")
    if match["id"] not in ec2_backends[account_id][region].configurations:
        raise InvalidParameterValue(f"The VPC endpoint service {match['id']} does not exist.")
    return match["id"]


def put_managed_rule(backend: CloudWatchBackend, spec: dict[str, Any]) -> dict[str, str] | None:
    """Enables one template for one resource; the failure, if it cannot."""
    template, arn = str(spec.get("TemplateName")), str(spec.get("ResourceARN"))
    if template not in TEMPLATES:
        return failure(template, f"The template {template} does not exist.")
    try:
        service_id = service_of(arn, backend.account_id, backend.region_name)
    except InvalidParameterValue as err:
        return failure(template, err.message)
    name = f"{template}-{service_id}"
    state = state_of(backend.account_id, backend.region_name)
    existing = backend.insight_rules.get(name)
    if existing is None:
        rule = InsightRule(
            account_id=backend.account_id,
            region_name=backend.region_name,
            definition=managed_definition(template, arn),
            name=name,
            state="ENABLED",
            schema=MANAGED_SCHEMA,
            managed_rule=True,
        )
        backend.insight_rules[name] = rule
        state.managed_rules[name] = ManagedRule(template, arn)
        if spec.get("Tags"):  # tags on an existing rule are ignored (API reference)
            backend.tagger.tag_resource(rule.rule_arn, spec["Tags"])
    else:
        existing.state = "ENABLED"  # "a subsequent call to this API will re-enable it"
    follow_state(state, backend.insight_rules[name])
    return None


def failure(resource: str, description: str) -> dict[str, str]:
    return {
        "FailureResource": resource,
        "ExceptionType": "InvalidParameterValue",
        "FailureCode": "400",
        "FailureDescription": description,
    }


def backend_of(response: Any) -> CloudWatchBackend:
    return cloudwatch_backends[response.current_account][response.region]


def put_managed_insight_rules(self: Any) -> ActionResult:
    specs = self._get_param("ManagedRules", [])
    for spec in specs:  # a malformed ARN refuses the whole request
        if not ARN.fullmatch(str(spec.get("ResourceARN"))):
            raise InvalidParameterValue(f"The value {spec.get('ResourceARN')} for parameter ResourceARN is not valid.")
    backend = backend_of(self)
    failures = [found for spec in specs if (found := put_managed_rule(backend, spec))]
    return ActionResult({"Failures": failures})


def list_managed_insight_rules(self: Any) -> ActionResult:
    backend = backend_of(self)
    arn = str(self._get_param("ResourceARN"))
    service_id = service_of(arn, backend.account_id, backend.region_name)
    described = []
    for template in TEMPLATES:
        rule = backend.insight_rules.get(f"{template}-{service_id}")
        entry: dict[str, Any] = {"TemplateName": template}
        if rule is not None:
            entry |= {"ResourceARN": arn, "RuleState": {"RuleName": rule.name, "State": rule.state}}
        described.append(entry)
    start, end = page_bounds(
        len(described), self._get_param("MaxResults"), self._get_param("NextToken"), LIST_DEFAULT, LIST_MAX
    )
    page: dict[str, Any] = {"ManagedRules": described[start:end]}
    if end < len(described):
        page["NextToken"] = page_token(end)
    return ActionResult(page)


def describe_insight_rules(self: Any) -> ActionResult:
    rules = list(backend_of(self).insight_rules.values())
    start, end = page_bounds(
        len(rules), self._get_param("MaxResults"), self._get_param("NextToken"), DESCRIBE_DEFAULT, DESCRIBE_MAX
    )
    page: dict[str, Any] = {"InsightRules": rules[start:end]}
    if end < len(rules):
        page["NextToken"] = page_token(end)
    return ActionResult(page)


HANDLERS = {
    "put_managed_insight_rules": put_managed_insight_rules,
    "list_managed_insight_rules": list_managed_insight_rules,
    "describe_insight_rules": describe_insight_rules,
}


def backend_methods(original: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """moto's CloudWatchBackend rule methods, recording each rule's analysis windows, treating
    managed rules as AWS does, and defaulting RuleState to ENABLED as PutInsightRule does."""

    def put_insight_rule(
        self: CloudWatchBackend, name: str, state: str | None, definition: str, tags: Any = None
    ) -> InsightRule:
        if name in state_of(self.account_id, self.region_name).managed_rules:
            raise InvalidParameterValue(f"The rule {name} is a managed rule: PutInsightRule cannot edit it.")
        tags = None if name in self.insight_rules else tags  # tags on an existing rule are ignored (API reference)
        rule: InsightRule = original["put_insight_rule"](self, name, state or "ENABLED", definition, tags)
        follow_state(state_of(self.account_id, self.region_name), rule)
        return rule

    def set_states(self: CloudWatchBackend, rule_names: Sequence[str], wanted: str) -> list[dict[str, Any]]:
        state = state_of(self.account_id, self.region_name)
        for name in rule_names:
            if name in self.insight_rules:
                self.insight_rules[name].state = wanted
                follow_state(state, self.insight_rules[name])
        return []

    def enable_insight_rules(self: CloudWatchBackend, rule_names: Sequence[str]) -> list[dict[str, Any]]:
        return set_states(self, rule_names, "ENABLED")

    def disable_insight_rules(self: CloudWatchBackend, rule_names: Sequence[str]) -> list[dict[str, Any]]:
        return set_states(self, rule_names, "DISABLED")

    def delete_insight_rules(self: CloudWatchBackend, rule_names: Sequence[str]) -> list[dict[str, Any]]:
        state = state_of(self.account_id, self.region_name)
        for name in rule_names:
            rule = self.insight_rules.pop(name, None)
            if rule is not None:
                self.tagger.delete_all_tags_for_resource(rule.rule_arn)  # tags go with the rule
                state.managed_rules.pop(name, None)
                state.rule_windows.pop(name, None)  # re-created, a rule starts afresh
        return []

    return {
        "put_insight_rule": put_insight_rule,
        "enable_insight_rules": enable_insight_rules,
        "disable_insight_rules": disable_insight_rules,
        "delete_insight_rules": delete_insight_rules,
    }
