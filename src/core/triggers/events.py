"""Events -> Trigger. An event only says that a reconcile is due; parse_trigger never raises.

EC2 events arrive in CloudTrail's wrapped XML shape: requestParameters under "<Action>Request"
with list items as {"tag": n, "content": value}, responseElements under "<Action>Response" with
sets as {"item": ...}. A one-item list collapses to a bare object, an empty one to "", and ids
may be numbers. CreateTags and DeleteTags keep EC2's older flat shape (resourcesSet.items[] and
tagSet.items[], lists even for one item: published records). ELBv2 events are flat camelCase JSON.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"

SCHEDULE_SOURCE, SCHEDULE_DETAIL_TYPE = "aws.events", "Scheduled Event"

BACKFILL_SOURCE, BACKFILL_DETAIL_TYPE = "plinsights", "Backfill"

# The Tagging service's own event ("Tag Change on Resource"). The stack reads tag changes from their
# CloudTrail calls instead, like every other change (docs/architecture.md says why).
TAG_CHANGE_SOURCE = "aws.tag"

FOLLOW_UP_DETAIL_TYPE = "Follow-up"  # from BACKFILL_SOURCE: a reconcile's own follow-up (core/triggers/followup.py)

# Classic Load Balancing's CloudTrail events carry this apiVersion (ELBv2's carry 2015-12-01). Classic
# and Application Load Balancers never back a PrivateLink endpoint service.
CLASSIC_ELB_API_VERSION = "2012-06-01"

PRIVATELINK_LB_TYPES = ("network", "gateway")  # CreateLoadBalancer's Type; omitted, it means application

MAX_ID_CHARS = 2048  # longer than any AWS id or ARN: anything longer is not one

# EC2 ids whose tags the reconcile reads: an endpoint's (selection, priority, rules of its own,
# thresholds and periods) and a VPC's (exclude and monitor apply to everything in it). An endpoint
# service's id starts with vpce- too; its tags are never read.
TAGGED_EC2_PREFIXES = ("vpce-", "vpc-")
ENDPOINT_SERVICE_PREFIX = "vpce-svc-"

# Which successful calls of a name can concern PrivateLink, as core/triggers/patterns.py narrows
# them in the EventBridge patterns: every one, or only those whose request names what we watch.
EVERY_CALL = "every call"
LB_TYPE = "a Network or Gateway Load Balancer by its type"
LB_ARN = "a Network or Gateway Load Balancer by its ARN"
LB_TAGS = "tags added to a Network or Gateway Load Balancer, with keys we read"
LB_TAG_KEYS = "tags removed from a Network or Gateway Load Balancer, with keys we read"
EC2_TAGS = "tags added to an endpoint or a VPC, with keys we read"
EC2_TAGS_REMOVED = "tags removed from an endpoint or a VPC, with keys we read or all of them"
EC2_TAG_SCOPES = (EC2_TAGS, EC2_TAGS_REMOVED)
TAG_SCOPES = (*EC2_TAG_SCOPES, LB_TAGS, LB_TAG_KEYS)


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    source: str  # EventBridge source
    event_source: str  # CloudTrail eventSource
    id_paths: tuple[tuple[str, ...], ...]  # paths into `detail` where the affected ids sit
    scope: str = EVERY_CALL  # which calls the pattern keeps (core/triggers/patterns.py)


EC2 = ("aws.ec2", "ec2.amazonaws.com")

ELB = ("aws.elasticloadbalancing", "elasticloadbalancing.amazonaws.com")

REQ, RESP = "requestParameters", "responseElements"

EC2_TAGGED = ((REQ, "resourcesSet", "items", "resourceId"),)  # CreateTags, DeleteTags: the flat shape

ELB_TAGGED = ((REQ, "resourceArns"),)  # AddTags, RemoveTags: ResourceArns, a list even for one


def connections_request(action: str) -> tuple[tuple[str, ...], ...]:
    """Accept/RejectVpcEndpointConnections: the service, and each endpoint (VpcEndpointIds as VpcEndpointId)."""
    request = f"{action}Request"
    return (REQ, request, "ServiceId"), (REQ, request, "VpcEndpointId")


MODIFY_SERVICE = "ModifyVpcEndpointServiceConfigurationRequest"
LB_KINDS = ("Network", "Gateway")  # ...NetworkLoadBalancerArns, ...GatewayLoadBalancerArns
MODIFIED_SERVICE = (
    (REQ, MODIFY_SERVICE, "ServiceId"),
    *((REQ, MODIFY_SERVICE, f"{change}{kind}LoadBalancerArn") for change in ("Add", "Remove") for kind in LB_KINDS),
)

TRIGGERS: dict[str, TriggerSpec] = {
    "CreateVpcEndpoint": TriggerSpec(
        *EC2,
        (
            (RESP, "CreateVpcEndpointResponse", "vpcEndpoint", "vpcEndpointId"),
            (RESP, "CreateVpcEndpointResponse", "vpcEndpoint", "networkInterfaceIdSet", "item"),
        ),
    ),
    "ModifyVpcEndpoint": TriggerSpec(*EC2, ((REQ, "ModifyVpcEndpointRequest", "VpcEndpointId"),)),
    "DeleteVpcEndpoints": TriggerSpec(*EC2, ((REQ, "DeleteVpcEndpointsRequest", "VpcEndpointId"),)),
    "CreateVpcEndpointServiceConfiguration": TriggerSpec(
        *EC2,
        (
            (RESP, "CreateVpcEndpointServiceConfigurationResponse", "serviceConfiguration", "serviceId"),
            (REQ, "CreateVpcEndpointServiceConfigurationRequest", "NetworkLoadBalancerArn"),
            (REQ, "CreateVpcEndpointServiceConfigurationRequest", "GatewayLoadBalancerArn"),
        ),
    ),
    "DeleteVpcEndpointServiceConfigurations": TriggerSpec(
        *EC2, ((REQ, "DeleteVpcEndpointServiceConfigurationsRequest", "ServiceId"),)
    ),
    "CreateFlowLogs": TriggerSpec(
        *EC2,
        (
            (RESP, "CreateFlowLogsResponse", "flowLogIdSet", "item"),
            (REQ, "CreateFlowLogsRequest", "ResourceId"),
        ),
    ),
    "DeleteFlowLogs": TriggerSpec(*EC2, ((REQ, "DeleteFlowLogsRequest", "FlowLogId"),)),
    # Tags select, exclude, rank and tune what is monitored: read from the endpoint and its VPC.
    "CreateTags": TriggerSpec(*EC2, EC2_TAGGED, EC2_TAGS),
    "DeleteTags": TriggerSpec(*EC2, EC2_TAGGED, EC2_TAGS_REMOVED),
    # A provider's answer to a consumer: the connection (and the endpoint itself, when the consumer
    # is this account) moves from pendingAcceptance to pending, then available; or to rejected.
    "AcceptVpcEndpointConnections": TriggerSpec(*EC2, connections_request("AcceptVpcEndpointConnections")),
    "RejectVpcEndpointConnections": TriggerSpec(*EC2, connections_request("RejectVpcEndpointConnections")),
    # Load balancers added to or removed from an endpoint service (locationNames Add/Remove...Arn):
    # which load balancer carries the service's alarms and consumers. Other fields need no reconcile,
    # but every call is kept: these shapes are inferred, and a wrong guess would drop the ones that do.
    "ModifyVpcEndpointServiceConfiguration": TriggerSpec(*EC2, MODIFIED_SERVICE),
    "CreateLoadBalancer": TriggerSpec(*ELB, ((RESP, "loadBalancers", "loadBalancerArn"),), LB_TYPE),
    "SetSubnets": TriggerSpec(*ELB, ((REQ, "loadBalancerArn"),), LB_ARN),
    "DeleteLoadBalancer": TriggerSpec(*ELB, ((REQ, "loadBalancerArn"),), LB_ARN),
    "AddTags": TriggerSpec(*ELB, ELB_TAGGED, LB_TAGS),
    "RemoveTags": TriggerSpec(*ELB, ELB_TAGGED, LB_TAG_KEYS),
}


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str  # "event" | "schedule" | "backfill" | "follow-up" | "ignored"
    name: str = ""  # the CloudTrail eventName, for events
    ids: tuple[str, ...] = ()  # what the event names, if readable; a hint for logs, the reconcile reads the account
    dry_run: bool = False
    reason: str = ""  # why it was ignored
    step: int = 0  # a follow-up's place in the backoff (core/triggers/followup.py)

    @property
    def ignored(self) -> bool:
        return self.kind == "ignored"


def ignored(reason: str) -> Trigger:
    return Trigger("ignored", reason=reason)


def parse_trigger(event: object, region: str | None = None) -> Trigger:
    """Never raises: an event we do not act on becomes an ignored Trigger that says why."""
    try:
        return _parse(event, region)
    except Exception as err:  # outside input must never crash the function
        return ignored(f"unreadable event: {type(err).__name__}")


def _parse(event: object, region: str | None) -> Trigger:  # noqa: PLR0911 - one return per reason to ignore
    if not isinstance(event, Mapping):
        return ignored(f"event is a {type(event).__name__}, not an object")
    source, detail_type, detail = event.get("source"), event.get("detail-type"), event.get("detail")
    if region and isinstance(event.get("region"), str) and event["region"] != region:
        return ignored(f"event is for Region {event['region']}, this function serves {region}")
    if source == SCHEDULE_SOURCE and detail_type == SCHEDULE_DETAIL_TYPE:
        return Trigger("schedule")
    if source == BACKFILL_SOURCE and detail_type == BACKFILL_DETAIL_TYPE:
        return parse_backfill(detail)
    if source == BACKFILL_SOURCE and detail_type == FOLLOW_UP_DETAIL_TYPE:
        return parse_follow_up(detail)
    if source == TAG_CHANGE_SOURCE:
        tag_calls = ", ".join(n for n, spec in TRIGGERS.items() if spec.scope in TAG_SCOPES)
        return ignored(f"tag changes are read from their CloudTrail calls ({tag_calls}), not from {TAG_CHANGE_SOURCE}")
    if detail_type != CLOUDTRAIL_DETAIL_TYPE:
        return ignored(f"unexpected detail-type {str(detail_type)[:80]!r} from source {str(source)[:80]!r}")
    if not isinstance(detail, Mapping):
        return ignored("CloudTrail event without a detail object")
    return parse_api_call(source, detail)


def parse_api_call(source: object, detail: Mapping[str, Any]) -> Trigger:
    """A CloudTrail record that EventBridge delivered: an event when it is a watched call that
    succeeded and can concern PrivateLink."""
    name = detail.get("eventName")
    spec = TRIGGERS.get(name) if isinstance(name, str) else None
    if spec is None or not isinstance(name, str):
        return ignored(f"event {str(name)[:80]!r} is not one we act on")
    if source != spec.source or detail.get("eventSource") != spec.event_source:
        return ignored(f"{name} from {str(source)[:80]!r}/{str(detail.get('eventSource'))[:80]!r} is not {spec.source}")
    if detail.get("errorCode"):  # the patterns drop these too; an event invoked by hand still gets here
        return ignored(f"{name} failed ({str(detail['errorCode'])[:80]}): nothing changed in the account")
    ids = tuple(dict.fromkeys(i for path in spec.id_paths for i in ids_at(detail, path)))
    if spec.source == ELB[0] and (never := never_privatelink(name, detail, ids)):
        return ignored(f"{name} concerns {never}")
    if spec.scope in EC2_TAG_SCOPES and (elsewhere := tags_elsewhere(ids)):
        return ignored(f"{name} concerns {elsewhere}")
    # Events are hints: one whose ids cannot be read still says that something changed (the ids
    # only go to the log), and a full reconcile reads the account anyway.
    return Trigger("event", name=name, ids=ids)


def never_privatelink(name: str, detail: Mapping[str, Any], ids: tuple[str, ...]) -> str:
    """What an ELB event concerns, when it is nothing that backs PrivateLink; "" when it may be
    (or cannot be told: then the event triggers a reconcile)."""
    never = "which never backs PrivateLink"
    if detail.get("apiVersion") == CLASSIC_ELB_API_VERSION:
        return f"a Classic Load Balancer, {never}"
    request = detail.get(REQ)
    if name == "CreateLoadBalancer" and isinstance(request, Mapping):
        kinds = list(ids_at(request, ("type",)))
        if not kinds or all(kind not in PRIVATELINK_LB_TYPES for kind in kinds):
            return f"an Application Load Balancer, {never}"  # ELBv2 CreateLoadBalancer's Type defaults to application
    elif ids and all(":loadbalancer/app/" in arn for arn in ids):
        return f"an Application Load Balancer, {never}"
    elif ids and not any(is_privatelink_lb_arn(arn) for arn in ids):
        return f"only {shown(ids)}: no load balancer that can back PrivateLink"  # target groups, listeners
    return ""


def is_privatelink_lb_arn(arn: str) -> bool:
    return ":loadbalancer/net/" in arn or ":loadbalancer/gwy/" in arn


def tags_elsewhere(ids: tuple[str, ...]) -> str:
    """For an EC2 tag event, when none of its resources is an endpoint or a VPC: what they are;
    "" when one is (or none can be read: then the event triggers a reconcile)."""
    read = [i for i in ids if i.startswith(TAGGED_EC2_PREFIXES) and not i.startswith(ENDPOINT_SERVICE_PREFIX)]
    if not ids or read:
        return ""
    return f"only {shown(ids)}, whose tags are never read (an endpoint's, a VPC's and a load balancer's are)"


def shown(ids: tuple[str, ...], most: int = 3) -> str:
    """A few of an event's ids, cut short, for a reason that stays one readable line."""
    listed = ", ".join(excerpt(i, 120) for i in ids[:most])
    return listed + (f" and {len(ids) - most} more" if len(ids) > most else "")


def parse_backfill(detail: object) -> Trigger:
    detail = {} if detail is None else detail
    if not isinstance(detail, Mapping):
        return ignored("backfill detail must be an object")
    dry_run = detail.get("dryRun", False)
    if not isinstance(dry_run, bool):
        return ignored(f"backfill dryRun must be true or false, got {str(dry_run)[:40]!r}")
    return Trigger("backfill", name="Backfill", dry_run=dry_run)


def parse_follow_up(detail: object) -> Trigger:
    step = detail.get("step", 0) if isinstance(detail, Mapping) else None
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step < 100:
        return ignored(f"follow-up step must be a small whole number, got {str(step)[:40]!r}")
    return Trigger("follow-up", name="FollowUp", step=step)


def ids_at(node: object, path: tuple[str, ...]) -> Iterator[str]:
    """The ids at `path`, stepping through lists at any level and unwrapping {"content": ...}."""
    if isinstance(node, list):
        for item in node:
            yield from ids_at(item, path)
        return
    if not path:
        if isinstance(node, Mapping) and "content" in node:
            yield from ids_at(node["content"], path)
        elif isinstance(node, str | int) and not isinstance(node, bool):
            value = str(node).strip()
            if value and len(value) <= MAX_ID_CHARS:
                yield value
        return
    if isinstance(node, Mapping):
        yield from ids_at(node.get(path[0]), path[1:])


def payload(event: Mapping[str, Any]) -> dict[str, Any]:
    """The fields worth logging from an event: never its whole body."""
    detail = event.get("detail") if isinstance(event.get("detail"), Mapping) else {}
    assert isinstance(detail, Mapping)
    return {
        "id": excerpt(event.get("id", "")),
        "source": excerpt(event.get("source", "")),
        "eventName": excerpt(detail.get("eventName", "")),
        "eventID": excerpt(detail.get("eventID", "")),
    }


def excerpt(value: object, limit: int = 80) -> str:
    """Outside input cut short for a log line. Only scalars are shown: the repr of a deeply nested
    value overflows the stack (RecursionError), and that of a huge one costs its whole size."""
    if isinstance(value, str):
        return value[:limit]
    if value is None or isinstance(value, float) or (isinstance(value, int) and abs(value) < 10**limit):
        return str(value)  # bool is an int; an int past 4300 digits would make str() raise
    return f"<{type(value).__name__}>"
