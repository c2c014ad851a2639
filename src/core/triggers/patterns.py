"""TRIGGERS as the EventBridge patterns template.yaml's rules carry: successful calls only, and of
each name only the calls whose request can concern PrivateLink (pure; tests hold the two equal).

EventBridge matches a field inside an array of objects against every element (the array is
"crushed" out of the path, aws/event-ruler "JSON Array Matching"), so resourcesSet.items.resourceId
reaches each tagged resource; `prefix` and `wildcard` match strings, `exists: false` matches when
the leaf is absent. A pattern may have 2,048 characters (EventBridge quotas, adjustable to 4,096).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from core.settings import Settings
from core.triggers.events import (
    CLOUDTRAIL_DETAIL_TYPE,
    EC2_TAGS,
    EC2_TAGS_REMOVED,
    EVERY_CALL,
    LB_ARN,
    LB_TAG_KEYS,
    LB_TAGS,
    LB_TYPE,
    PRIVATELINK_LB_TYPES,
    REQ,
    TAGGED_EC2_PREFIXES,
    TRIGGERS,
)

PATTERN_CHARS = 2048  # EventBridge quotas: "Event pattern size", characters, the default

PRIVATELINK_LB_ARNS = ("*:loadbalancer/net/*", "*:loadbalancer/gwy/*")  # the type sits in the ARN

# Every tag the reconcile reads on a resource starts so (plinsights:exclude, :monitor, :priority,
# :dedicated-rules, :<kind>-threshold, :<kind>-period), except where the stack's ExcludeTag and
# IncludeTag choose other keys; on a VPC only those two are read.
TAG_KEY_PREFIX = "plinsights:"

TagKey = str | Mapping[str, str]  # a key, or template.yaml's {"Ref": parameter} that holds it

DEFAULTS = Settings()  # the selection tags a deployment has unless it chooses others


def request_scopes(exclude_tag: TagKey, include_tag: TagKey) -> dict[str, tuple[dict[str, Any], ...]]:
    """The requestParameters patterns of each scope (core/triggers/events.py): a call is kept when
    its request matches one of its scope's alternatives."""
    load_balancers = [{"wildcard": arn} for arn in PRIVATELINK_LB_ARNS]
    keys: list[Any] = [{"prefix": TAG_KEY_PREFIX}, exclude_tag, include_tag]
    endpoint, vpc = ({"resourcesSet": {"items": {"resourceId": [{"prefix": p}]}}} for p in TAGGED_EC2_PREFIXES)
    tagged = (
        endpoint | {"tagSet": {"items": {"key": keys}}},
        vpc | {"tagSet": {"items": {"key": [exclude_tag, include_tag]}}},
    )
    # DeleteTags without Tags deletes every tag of its resources (EC2 API): no key is recorded.
    every_tag = {
        "resourcesSet": {"items": {"resourceId": [{"prefix": p} for p in TAGGED_EC2_PREFIXES]}},
        "tagSet": {"items": {"key": [{"exists": False}]}},
    }
    return {
        EVERY_CALL: ({},),
        LB_TYPE: ({"type": list(PRIVATELINK_LB_TYPES)},),
        LB_ARN: ({"loadBalancerArn": load_balancers},),
        LB_TAGS: ({"resourceArns": load_balancers, "tags": {"key": keys}},),
        LB_TAG_KEYS: ({"resourceArns": load_balancers, "tagKeys": keys},),
        EC2_TAGS: tagged,
        EC2_TAGS_REMOVED: (*tagged, every_tag),
    }


def event_patterns(
    exclude_tag: TagKey = DEFAULTS.exclude_tag, include_tag: TagKey = DEFAULTS.include_tag
) -> dict[str, dict[str, Any]]:
    """The pattern of each source's rule: the watched names, each narrowed by its scope; names that
    share an alternative share its branch. A failed call has an errorCode and is dropped."""
    scopes = request_scopes(exclude_tag, include_tag)
    branches: dict[tuple[str, str], dict[str, tuple[dict[str, Any], list[str]]]] = {}
    for name, spec in sorted(TRIGGERS.items()):
        by_request = branches.setdefault((spec.source, spec.event_source), {})
        for request in scopes[spec.scope]:
            by_request.setdefault(json.dumps(request, sort_keys=True), (request, []))[1].append(name)
    patterns: dict[str, dict[str, Any]] = {}
    for (source, event_source), by_request in branches.items():
        detail: dict[str, Any] = {"eventSource": [event_source], "errorCode": [{"exists": False}]}
        alternatives = [
            {"eventName": names} | ({REQ: request} if request else {}) for request, names in by_request.values()
        ]
        if len(alternatives) == 1:
            detail |= alternatives[0]
        else:
            detail["$or"] = alternatives
        patterns[source] = {"source": [source], "detail-type": [CLOUDTRAIL_DETAIL_TYPE], "detail": detail}
    return patterns
