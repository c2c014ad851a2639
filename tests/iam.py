"""The functions' IAM policies read from template.yaml, and every AWS call the product makes, recorded.

A botocore "before-parameter-build" hook on each client the product creates (core.clients marks them
with its user agent) records the operation and the names it touches, so that a test can ask whether
the deployed policy would have allowed it: the action, and each resource ARN the call acts on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.session

from core.clients import RETRY_CONFIG
from core.settings import DASHBOARD_PREFIX_PATTERN, PREFIX_PATTERN
from tests.cfn import template

MOTO_ACCOUNT = "123456789012"  # moto's account id
PRODUCT_AGENT = str(vars(RETRY_CONFIG)["user_agent_extra"])  # every client of the product carries it
IAM_PREFIXES = {
    "cloudwatch": "cloudwatch",
    "ec2": "ec2",
    "elbv2": "elasticloadbalancing",
    "service-quotas": "servicequotas",
    "resourcegroupstaggingapi": "tag",
    "sqs": "sqs",
    "scheduler": "scheduler",
    "logs": "logs",  # the CLI's preview
    "cloudformation": "cloudformation",  # the CLI's --stack
    "lambda": "lambda",
    "sns": "sns",  # announcements to the alarm topic
}
NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}  # STS answers it for any caller
# Actions without resource-level permissions (Service Authorization Reference): "*" is the only
# resource they take. Any other action on "*" is a policy that is wider than it has to be.
NO_RESOURCE_LEVEL = frozenset(
    {
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcEndpointServiceConfigurations",
        "ec2:DescribeVpcEndpointConnections",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeFlowLogs",
        "ec2:DescribeVpcs",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTags",
        "cloudwatch:DescribeInsightRules",
        "cloudwatch:ListDashboards",
        "servicequotas:ListServiceQuotas",
        "servicequotas:ListAWSDefaultServiceQuotas",
        "tag:GetResources",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListManagedInsightRules",  # a list by a resource's ARN, without a resource type of its own
    }
)
READ_PREFIXES = ("Describe", "List", "Get", "Filter")  # logs:FilterLogEvents reads
NAME_PATTERNS = {  # what a deployment's parameter can be, for calls made with any test's settings
    "Prefix": PREFIX_PATTERN.pattern,
    "DashboardPrefix": DASHBOARD_PREFIX_PATTERN.pattern,
    "AlarmTopic": f"arn:aws:sns:[a-z0-9-]+:{MOTO_ACCOUNT}:[A-Za-z0-9_-]{{1,256}}",  # the stack's topic: !Ref AlarmTopic
    # The stack's own resources, as !Ref and !GetAtt name them; tests make their own of each.
    "FollowUpScheduleGroup": "[0-9A-Za-z_.-]{1,64}",
    "AlarmKey.Arn": f"arn:aws:kms:[a-z0-9-]+:{MOTO_ACCOUNT}:key/[0-9a-f-]{{36}}",
    "ReconcileQueue.Arn": "arn:aws:sqs:[a-z0-9-]+:" + MOTO_ACCOUNT + r":[A-Za-z0-9_-]{1,75}\.fifo",
    "FollowUpScheduleRole.Arn": f"arn:aws:iam::{MOTO_ACCOUNT}:role/[A-Za-z0-9+=,.@_-]+",
    "StackName": "[A-Za-z][A-Za-z0-9-]{0,127}",  # CloudFormation's stack names
}
CLI_AGENT = re.compile(r"\bplinsights/([a-z]+)")  # cli/main.py's user agent: the command that made the call
ALARM_ACTION_KEYS = ("AlarmActions", "OKActions", "InsufficientDataActions")  # all in cloudwatch:AlarmActions


@dataclass(frozen=True, slots=True, order=True)
class Call:
    service: str  # botocore's service name
    operation: str
    resources: tuple[str, ...]  # ARNs acted on, or ("*",)
    region: str
    tagged: bool = False  # the request carries Tags, which IAM also checks as TagResource
    alarm_actions: tuple[str, ...] = ()  # PutMetricAlarm: the values of the cloudwatch:AlarmActions key
    passed_role: str = ""  # a role handed to a service (a schedule's target role): iam:PassRole on it
    command: str = ""  # the plinsights command that made the call; empty for the functions' calls
    request_tags: tuple[tuple[str, str], ...] = ()  # the tags the request carries: aws:RequestTag/<key>
    # The tags of each resource acted on, as the product last read them (ListTagsForResource, the tagging
    # index) before this call: aws:ResourceTag/<key>. IAM reads them from the resource; the product reads
    # them right before it deletes (apply's owner check), so what it read is what IAM would see.
    resource_tags: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def __str__(self) -> str:
        return f"{self.service}:{self.operation} on {', '.join(self.resources)}"


@dataclass(frozen=True, slots=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Any, ...]  # "*", or {"Sub": ...} forms as the template writes them
    condition: Mapping[str, Any] | None = None


def policy(function: str, doc: Mapping[str, Any] | None = None) -> list[Statement]:
    """The Allow statements of a function's inline SAM policy."""
    doc = doc or template()
    return allowed(raw for item in doc["Resources"][function]["Properties"]["Policies"] for raw in item["Statement"])


def allowed(raws: Iterable[Mapping[str, Any]]) -> list[Statement]:
    """The Allow statements of a policy, in the template's forms or as plain IAM JSON."""
    statements = []
    for raw in raws:
        if raw["Effect"] != "Allow":
            continue
        actions = raw["Action"] if isinstance(raw["Action"], list) else [raw["Action"]]
        resources = raw["Resource"] if isinstance(raw["Resource"], list) else [raw["Resource"]]
        statements.append(Statement(raw.get("Sid", ""), tuple(actions), tuple(resources), raw.get("Condition")))
    return statements


PATTERNS: dict[tuple[str, tuple[tuple[str, str], ...]], re.Pattern[str]] = {}  # the policy tests ask thousands of times


def resource_pattern(resource: Any, values: Mapping[str, str]) -> re.Pattern[str]:
    """A regex for a policy resource: IAM's * matches anything; ${Name} becomes values[Name]."""
    key = (repr(resource), tuple(sorted(values.items())))
    if key not in PATTERNS:
        PATTERNS[key] = compile_resource_pattern(resource, values)
    return PATTERNS[key]


def compile_resource_pattern(resource: Any, values: Mapping[str, str]) -> re.Pattern[str]:
    if resource == "*":
        return re.compile(".*", re.DOTALL)
    if isinstance(resource, str):  # plain IAM JSON: * matches anything
        return re.compile(".*".join(re.escape(piece) for piece in resource.split("*")))
    if "GetAtt" in resource:  # one of this stack's resources
        return re.compile(values[resource["GetAtt"]])
    if "Ref" in resource:  # one of this stack's resources, or a parameter naming one
        return re.compile(values[resource["Ref"]])
    text = resource["Sub"] if isinstance(resource["Sub"], str) else resource["Sub"][0]
    parts = re.split(r"(\$\{[^}]+\})", text)
    regex = ""
    for part in parts:
        if part.startswith("${"):
            regex += values[part[2:-1]]
        else:
            regex += ".*".join(re.escape(piece) for piece in part.split("*"))
    return re.compile(regex)


PASSED_TO = {"scheduler": "scheduler.amazonaws.com"}  # the service a call hands its role to: iam:PassedToService


def condition_holds(statement: Statement, call: Call, action: str, values: Mapping[str, str]) -> bool:
    """The conditions the template uses: ForAllValues:StringEquals on cloudwatch:AlarmActions (every
    action of the request is one of the listed values; true when the request has none, as in IAM), and
    StringEquals on iam:PassedToService (the role goes to that service). Any other condition is refused
    here, so that a new one cannot pass unevaluated."""
    if not statement.condition:
        return True
    ((operator, keys),) = statement.condition.items()
    ((key, allowed),) = keys.items()
    if (operator, key) == ("StringEquals", "iam:PassedToService"):
        return action == "iam:PassRole" and PASSED_TO.get(call.service) == allowed
    if operator == "StringEquals" and key.startswith(("aws:RequestTag/", "aws:ResourceTag/")):
        return tag_condition_holds(key, allowed, call, values)
    if operator not in ("ForAllValues:StringEquals", "ForAllValues:ArnLike") or key != "cloudwatch:AlarmActions":
        raise AssertionError(f"{statement.sid}: condition {operator} {key} is not evaluated by tests/iam.py")
    if action != "cloudwatch:PutMetricAlarm":
        return True  # the key is only in PutMetricAlarm's request context; absent, ForAllValues holds
    listed = allowed if isinstance(allowed, list) else [allowed]
    if operator == "ForAllValues:ArnLike":  # * and ? as wildcards, as for resources
        patterns = [resource_pattern(v.replace("?", "*") if isinstance(v, str) else v, values) for v in listed]
    else:
        patterns = [re.compile(values[v["Ref"]]) if isinstance(v, dict) else re.compile(re.escape(v)) for v in listed]
    return all(any(p.fullmatch(arn) for p in patterns) for arn in call.alarm_actions)


def tag_condition_holds(key: str, allowed: Any, call: Call, values: Mapping[str, str]) -> bool:
    """StringEquals on a tag of the request (every such request names it) or of every resource acted
    on (as last read): a missing tag fails, as in IAM."""
    pattern = re.compile(values[allowed["Ref"]]) if isinstance(allowed, dict) else re.compile(re.escape(allowed))
    tag = key.split("/", 1)[1]
    if key.startswith("aws:RequestTag/"):
        found = dict(call.request_tags).get(tag)
        return found is not None and bool(pattern.fullmatch(found))
    known = dict(call.resource_tags)
    return bool(call.resources) and all(
        arn in known and bool(pattern.fullmatch(dict(known[arn]).get(tag, "") or "")) and tag in dict(known[arn])
        for arn in call.resources
    )


def parameter_values(region: str, **names: str) -> dict[str, str]:
    """Regex fragments for the template's variables; names given are exact, others any valid value."""
    values = {"AWS::Partition": "aws", "AWS::Region": re.escape(region), "AWS::AccountId": MOTO_ACCOUNT}
    values |= {name: re.escape(names[name]) if name in names else pattern for name, pattern in NAME_PATTERNS.items()}
    return values


def denied(call: Call, statements: Iterable[Statement], values: Mapping[str, str]) -> list[str]:
    """What the policy would refuse of this call: [] when it is allowed."""
    if (call.service, call.operation) in NO_PERMISSION_NEEDED:
        return []
    if call.service not in IAM_PREFIXES:
        return [f"{call}: service {call.service} has no permission in the policy"]
    actions = [(f"{IAM_PREFIXES[call.service]}:{call.operation}", call.resources)]
    if call.tagged:
        actions.append(("cloudwatch:TagResource", call.resources))
    if call.passed_role:
        actions.append(("iam:PassRole", (call.passed_role,)))
    statements = list(statements)
    problems = []
    for action, resources in actions:
        patterns = [
            resource_pattern(resource, values)
            for statement in statements
            if action in statement.actions and condition_holds(statement, call, action, values)
            for resource in statement.resources
        ]
        for arn in resources:
            if not any(pattern.fullmatch(arn) for pattern in patterns):
                problems.append(f"{action} on {arn}")
    return problems


# The CLI's reads of other services: the request parameter that names the resource, and its ARN's end.
NAMED_BY = {
    "logs": ("logGroupName", "log-group:{}"),
    "cloudformation": ("StackName", "stack/{}/stack-id"),  # a stack's ARN ends in its id
    "lambda": ("FunctionName", "function:{}"),
}


def touched_resources(service: str, operation: str, params: Mapping[str, Any], region: str) -> tuple[str, ...]:
    """The ARNs IAM authorises a call against, for the operations that support resource-level permissions."""
    cloudwatch = f"arn:aws:cloudwatch:{region}:{MOTO_ACCOUNT}"
    dashboard = f"arn:aws:cloudwatch::{MOTO_ACCOUNT}:dashboard/"
    if service == "sqs" and "QueueUrl" in params:  # https://host/<account>/<name>
        return (f"arn:aws:sqs:{region}:{MOTO_ACCOUNT}:{params['QueueUrl'].rstrip('/').rsplit('/', 1)[-1]}",)
    if service in NAMED_BY and NAMED_BY[service][0] in params:
        key, form = NAMED_BY[service]
        return (f"arn:aws:{service}:{region}:{MOTO_ACCOUNT}:{form.format(params[key])}",)
    if service == "sns" and "TopicArn" in params:  # Publish, ListSubscriptionsByTopic
        return (params["TopicArn"],)
    if service == "scheduler" and "Name" in params:
        group = params.get("GroupName", "default")
        return (f"arn:aws:scheduler:{region}:{MOTO_ACCOUNT}:schedule/{group}/{params['Name']}",)
    if service != "cloudwatch":
        return ("*",)
    by_operation: dict[str, Callable[[], list[str]]] = {
        "PutInsightRule": lambda: [f"{cloudwatch}:insight-rule/{params['RuleName']}"],
        "GetInsightRuleReport": lambda: [f"{cloudwatch}:insight-rule/{params['RuleName']}"],
        "DeleteInsightRules": lambda: [f"{cloudwatch}:insight-rule/{n}" for n in params["RuleNames"]],
        "EnableInsightRules": lambda: [f"{cloudwatch}:insight-rule/{n}" for n in params["RuleNames"]],
        "DisableInsightRules": lambda: [f"{cloudwatch}:insight-rule/{n}" for n in params["RuleNames"]],
        "PutMetricAlarm": lambda: [f"{cloudwatch}:alarm:{params['AlarmName']}"],
        "DeleteAlarms": lambda: [f"{cloudwatch}:alarm:{n}" for n in params["AlarmNames"]],
        # AWS names a managed rule: the request names no rule, so IAM's resource is any insight rule
        "PutManagedInsightRules": lambda: [f"{cloudwatch}:insight-rule/*"],
        "DescribeAlarmContributors": lambda: [f"{cloudwatch}:alarm:{params['AlarmName']}"],
        "DescribeAlarms": lambda: (
            [f"{cloudwatch}:alarm:{n}" for n in params.get("AlarmNames", [])] or [f"{cloudwatch}:alarm:*"]
        ),
        "ListTagsForResource": lambda: [params["ResourceARN"]],
        "TagResource": lambda: [params["ResourceARN"]],
        "PutDashboard": lambda: [f"{dashboard}{params['DashboardName']}"],
        "GetDashboard": lambda: [f"{dashboard}{params['DashboardName']}"],
        "DeleteDashboards": lambda: [f"{dashboard}{n}" for n in params["DashboardNames"]],
    }
    return tuple(by_operation[operation]()) if operation in by_operation else ("*",)


KNOWN_TAGS: dict[str, tuple[tuple[str, str], ...]] = {}  # ARN -> its tags, as the product last read them


def request_tags_of(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The request's Tags, and those of each rule in PutManagedInsightRules' ManagedRules."""
    tags = list(params.get("Tags") or [])
    tags += [tag for rule in params.get("ManagedRules") or [] for tag in rule.get("Tags") or []]
    return tuple(sorted({(str(t["Key"]), str(t.get("Value", ""))) for t in tags}))


def call_from_api(service: str, operation: str, params: Mapping[str, Any], region: str, command: str = "") -> Call:
    request_tags = request_tags_of(params)
    tagged = operation.startswith("Put") and bool(request_tags)
    actions = tuple(sorted({arn for key in ALARM_ACTION_KEYS for arn in params.get(key) or []}))
    resources = touched_resources(service, operation, params, region)
    target = params.get("Target")
    passed_role = str(target.get("RoleArn", "")) if service == "scheduler" and isinstance(target, Mapping) else ""
    alarm_actions = actions if operation == "PutMetricAlarm" else ()
    known = tuple((arn, KNOWN_TAGS[arn]) for arn in resources if arn in KNOWN_TAGS)
    return Call(service, operation, resources, region, tagged, alarm_actions, passed_role, command, request_tags, known)


SESSION_CALLS: set[Call] = set()  # every product call of this pytest run (of this process, under xdist)
# A Call as pytest-xdist carries it between processes: tuples of plain values.
WireCall = tuple[str, str, tuple[str, ...], str, bool, tuple[str, ...], str, str, tuple[Any, ...], tuple[Any, ...]]


def call_to_wire(call: Call) -> WireCall:
    return (
        call.service,
        call.operation,
        call.resources,
        call.region,
        call.tagged,
        call.alarm_actions,
        call.passed_role,
        call.command,
        call.request_tags,
        call.resource_tags,
    )


def call_from_wire(wire: WireCall) -> Call:
    service, operation, resources, region, tagged, alarm_actions, passed_role, command, request_tags, known = wire
    return Call(
        service, operation, tuple(resources), region, tagged, tuple(alarm_actions), passed_role, command,
        tuple((str(k), str(v)) for k, v in request_tags),
        tuple((str(arn), tuple((str(k), str(v)) for k, v in tags)) for arn, tags in known),
    )  # fmt: skip


_SINKS: list[list[Call]] = []  # open captures


@contextmanager
def capturing() -> Iterator[list[Call]]:
    """The product calls made inside the block, in order."""
    sink: list[Call] = []
    _SINKS.append(sink)
    try:
        yield sink
    finally:
        _SINKS.remove(sink)


def record_calls_of(client: Any) -> None:
    """Registers the recording hook on one product client; others (the test world's) are left alone."""
    if PRODUCT_AGENT not in str(client.meta.config.user_agent_extra or ""):
        return
    service = client.meta.service_model.service_name
    region = client.meta.region_name
    made_by = CLI_AGENT.search(str(client.meta.config.user_agent_extra))
    command = made_by.group(1) if made_by else ""

    def record(params: Mapping[str, Any], model: Any, **_: Any) -> None:
        call = call_from_api(service, model.name, params, region, command)
        SESSION_CALLS.add(call)
        for sink in _SINKS:
            sink.append(call)

    client.meta.events.register("before-parameter-build", record)
    client.meta.events.register("after-call.cloudwatch.ListTagsForResource", remember_tags)
    client.meta.events.register("after-call.resource-groups-tagging-api.GetResources", remember_index)
    client.meta.events.register("provide-client-params.cloudwatch.ListTagsForResource", keep_arn)


def keep_arn(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["tags_of"] = params.get("ResourceARN", "")


def remember_tags(parsed: Mapping[str, Any], context: Mapping[str, Any], **_: Any) -> None:
    if context.get("tags_of") and "Tags" in parsed:
        KNOWN_TAGS[str(context["tags_of"])] = tuple(sorted((t["Key"], t.get("Value", "")) for t in parsed["Tags"]))


def remember_index(parsed: Mapping[str, Any], **_: Any) -> None:
    for mapping in parsed.get("ResourceTagMappingList", []):
        tags = tuple(sorted((t["Key"], t.get("Value", "")) for t in mapping.get("Tags", [])))
        KNOWN_TAGS[str(mapping.get("ResourceARN", ""))] = tags


@contextmanager
def recording_every_client() -> Iterator[None]:
    """Wraps botocore's create_client so that every client made while it is open records its calls."""
    original = botocore.session.Session.create_client

    @functools.wraps(original)
    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        record_calls_of(client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


def is_write(action: str) -> bool:
    return not action.split(":", 1)[1].startswith(READ_PREFIXES)
