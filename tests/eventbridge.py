"""template.yaml's EventBridge patterns applied to an event, by moto's implementation of EventBridge
matching ($or, exists, prefix and wildcard included), standing in for AWS, with AWS's rule for
arrays of objects added (moto keeps such an array as one opaque value)."""

from __future__ import annotations

import json
from typing import Any

from moto.events.models import EventPattern

from tests.cfn import template


class RulerPattern(EventPattern):
    """EventBridge crushes an array out of the path: a pattern field inside an array of objects
    matches the values of all its elements (aws/event-ruler README, "JSON Array Matching";
    EventBridge, "Arrays in event patterns"). Array consistency, which refuses two fields matched
    in different elements of one array, is not modelled: no pattern here reads two fields of one array."""

    @staticmethod
    def _flatten_dict(node: Any, prefix: str = "", result: dict[str, Any] | None = None) -> dict[str, Any]:
        result = {} if result is None else result
        if isinstance(node, dict):
            for key, value in node.items():
                path = f"{prefix}.{key}" if prefix else key
                if isinstance(value, dict) and value:
                    RulerPattern._flatten_dict(value, path, result)
                elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
                    for item in value:
                        element = RulerPattern._flatten_dict(item, path) if isinstance(item, dict) else {path: item}
                        for leaf, found in element.items():
                            values = result.setdefault(leaf, [])
                            values.extend(found if isinstance(found, list) else [found])
                else:
                    result[path] = value
        return result


def resolved(node: Any, parameters: dict[str, str]) -> Any:
    """A pattern with each {"Ref": parameter} replaced by the parameter's value, as CloudFormation does."""
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in parameters:
            return parameters[node["Ref"]]
        return {key: resolved(value, parameters) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(item, parameters) for item in node]
    return node


def rule_patterns(**parameters: str) -> list[dict[str, Any]]:
    """The stack's patterns, with its parameters' defaults unless given."""
    doc = template()
    values = {name: spec["Default"] for name, spec in doc["Parameters"].items() if "Default" in spec} | parameters
    return [
        resolved(r["Properties"]["EventPattern"], values)
        for r in doc["Resources"].values()
        if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
    ]


def matches(event: Any, **parameters: str) -> bool:
    """Whether any of the stack's rules would send the event to the reconcile queue."""
    return any(RulerPattern.load(json.dumps(p)).matches_event(event) for p in rule_patterns(**parameters))
