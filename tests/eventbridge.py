"""template.yaml's EventBridge patterns applied to an event, by moto's implementation of EventBridge
matching ($or, exists and wildcard included), standing in for AWS."""

from __future__ import annotations

import json
from typing import Any

from moto.events.models import EventPattern

from tests.cfn import template


def rule_patterns() -> list[dict[str, Any]]:
    resources = template()["Resources"].values()
    return [
        r["Properties"]["EventPattern"]
        for r in resources
        if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
    ]


def matches(event: Any) -> bool:
    """Whether any of the stack's rules would send the event to the reconcile queue."""
    return any(EventPattern.load(json.dumps(pattern)).matches_event(event) for pattern in rule_patterns())
