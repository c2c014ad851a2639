"""The one canonical form in which bodies are compared: what is rendered and what AWS reads back
(re-serialised, keys reordered, 6.0 for 6) are equal strings when they mean the same (pure)."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(document: Any) -> str:
    """Equal documents give byte-equal strings, so 'unchanged' is a string comparison. Whole floats
    are written as integers: AWS may return 6.0 for the 6 it was given (aws-facts F6)."""
    return json.dumps(whole_numbers(document), sort_keys=True, separators=(",", ":"))


LEAVES = (str, int, bool, type(None))  # nothing to rewrite below them: most of a document, skipped cheaply


def whole_numbers(value: Any) -> Any:
    """The document with every float that is a whole number as an int (booleans left alone)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: item if isinstance(item, LEAVES) else whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if isinstance(item, LEAVES) else whole_numbers(item) for item in value]
    return value


def canonical_definition(raw: str) -> str:
    """The canonical form of a JSON document read back from AWS (a dashboard body, say): key order,
    whitespace and 6.0 for 6 do not count; raw text if it does not parse."""
    try:
        return canonical_json(json.loads(raw))
    except (TypeError, ValueError):
        return raw


def canonical_rule_definition(raw: str) -> str:
    """A rule definition as DescribeInsightRules returns it, in the form we render: AWS re-serialises
    it (tab-indented, keys reordered, "Filters": [] added where there were none: aws-facts F6). An
    empty filter list filters nothing, so it is dropped; a filter that is there always counts."""
    try:
        definition = json.loads(raw)
    except (TypeError, ValueError):
        return raw
    contribution = definition.get("Contribution") if isinstance(definition, dict) else None
    if isinstance(contribution, dict) and contribution.get("Filters") == []:
        del contribution["Filters"]
    return canonical_json(definition)
