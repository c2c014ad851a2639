"""Contributor Insights evaluated locally: a CLF rule definition over log event messages -> ranked contributors (pure).

What it rests on (CloudWatch user guide, "Contributor Insights rule syntax" and "rule examples"):
- a CLF log event is an array of fields numbered from 1; `Fields` maps a position to an alias, and
  Keys, ValueOf and Match name an alias or a position ("4");
- Filters are ANDed; the strings of In, NotIn and StartsWith are ORed; GreaterThan, LessThan,
  EqualTo and NotEqualTo compare with one number; IsPresent says whether the field is there;
- all matching of names and values is case-sensitive;
- AggregateOn Count counts matching log events; Sum adds up the ValueOf field.

Not confirmed by any source we could read, and decided here:
- fields are split on runs of whitespace (flow-log records are single-space separated and never
  quoted, so Apache-style quoted or bracketed CLF fields do not arise here);
- a record whose key field is missing, or (Sum) whose ValueOf is missing or not a number (the `-`
  of NODATA and SKIPDATA flow-log records), contributes nothing;
- a numeric comparison on a value that is not a number, and any filter but IsPresent on a missing
  field, does not match;
- Sum without ValueOf (the AWS example "Rejected TCP connections") counts each matching record;
- contributors of equal value are ranked by their keys, so a ranking is reproducible.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TOP_CONTRIBUTORS = 10  # GetInsightRuleReport's MaxContributorCount default; the console shows 10

STRING_OPERATORS = ("In", "NotIn", "StartsWith")  # CI rule: an array of at most 10 strings

NUMBER_OPERATORS = ("GreaterThan", "LessThan", "EqualTo", "NotEqualTo")  # CI rule: one number

OPERATORS = (*STRING_OPERATORS, *NUMBER_OPERATORS, "IsPresent")

AGGREGATIONS = ("Count", "Sum")

Number = int | float


class RuleDefinitionError(ValueError):
    """A rule definition this evaluator cannot evaluate faithfully, and why."""


@dataclass(frozen=True, slots=True)
class Contributor:
    keys: tuple[str, ...]  # in the rule's key order
    value: Number


@dataclass(frozen=True, slots=True)
class Condition:
    """One filter: the field's 0-based index, its operator and its operand."""

    index: int
    operator: str
    operand: Any

    def matches(self, fields: Sequence[str]) -> bool:  # noqa: PLR0911 - one answer per operator
        present = self.index < len(fields)
        if self.operator == "IsPresent":
            return present is bool(self.operand)
        if not present:
            return False
        value = fields[self.index]
        if self.operator == "In":
            return value in self.operand
        if self.operator == "NotIn":
            return value not in self.operand
        if self.operator == "StartsWith":
            return any(value.startswith(prefix) for prefix in self.operand)
        number = as_number(value)
        if number is None:
            return False
        operand: Number = self.operand
        if self.operator == "GreaterThan":
            return number > operand
        if self.operator == "LessThan":
            return number < operand
        if self.operator == "EqualTo":
            return number == operand
        return number != operand  # NotEqualTo


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A CLF rule definition ready to run over records: positions resolved, filters checked."""

    keys: tuple[int, ...]  # 0-based field indexes, in the rule's key order
    key_labels: tuple[str, ...]  # the names the rule gives its keys
    conditions: tuple[Condition, ...]
    aggregate_on: str  # Count | Sum
    value_index: int | None  # Sum's ValueOf; None counts records


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one rule makes of a set of records."""

    contributors: tuple[Contributor, ...]  # ranked by value, at most `top`
    key_labels: tuple[str, ...]
    matched: int  # records that passed the filters and had a key (and, for Sum, a number)
    unique_contributors: int


def as_number(text: str) -> Number | None:
    """The number a field holds, or None: flow logs write `-` where a field does not apply."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def compile_rule(definition: str | Mapping[str, Any]) -> CompiledRule:
    """Raises RuleDefinitionError for what cannot be evaluated here (a JSON-format rule, an unknown
    operator or field), naming the part at fault."""
    try:
        document = json.loads(definition) if isinstance(definition, str) else definition
    except ValueError as err:
        raise RuleDefinitionError(f"the rule definition is not JSON: {err}") from None
    if not isinstance(document, Mapping):
        raise RuleDefinitionError("the rule definition is not a JSON object")
    if document.get("LogFormat") != "CLF":
        raise RuleDefinitionError(f"only CLF rules can be evaluated, not {document.get('LogFormat')!r}")
    try:
        aliases = {str(alias): int(position) for position, alias in (document.get("Fields") or {}).items()}
    except (TypeError, ValueError):
        raise RuleDefinitionError(f"Fields must map positions (1, 2, ...) to names: {document.get('Fields')}") from None
    contribution = document.get("Contribution") or {}
    aggregate_on = document.get("AggregateOn")
    if aggregate_on not in AGGREGATIONS:
        raise RuleDefinitionError(f"AggregateOn must be Count or Sum, not {aggregate_on!r}")

    def index_of(name: object) -> int:
        if str(name) in aliases:
            return aliases[str(name)] - 1
        if str(name).isdigit() and int(str(name)) >= 1:
            return int(str(name)) - 1  # a CLF rule may name a position itself
        raise RuleDefinitionError(f"field {name!r} is neither an alias in Fields nor a position")

    keys = contribution.get("Keys") or []
    if not keys:
        raise RuleDefinitionError("the rule has no Contribution.Keys")
    value_of = contribution.get("ValueOf")
    return CompiledRule(
        keys=tuple(index_of(key) for key in keys),
        key_labels=tuple(str(key) for key in keys),
        conditions=tuple(compile_filter(f, index_of) for f in contribution.get("Filters") or []),
        aggregate_on=aggregate_on,
        value_index=index_of(value_of) if aggregate_on == "Sum" and value_of else None,
    )


def compile_filter(spec: Mapping[str, Any], index_of: Callable[[object], int]) -> Condition:
    operators = [name for name in OPERATORS if name in spec]
    if "Match" not in spec or len(operators) != 1:
        raise RuleDefinitionError(f"a filter needs Match and exactly one of {', '.join(OPERATORS)}: {dict(spec)}")
    operator = operators[0]
    operand = spec[operator]
    if operator in STRING_OPERATORS:
        if not isinstance(operand, list) or not all(isinstance(v, str) for v in operand):
            raise RuleDefinitionError(f"{operator} takes an array of strings, got {operand!r}")
        operand = tuple(operand)
    elif operator in NUMBER_OPERATORS:
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            raise RuleDefinitionError(f"{operator} takes a number, got {operand!r}")
    elif not isinstance(operand, bool):
        raise RuleDefinitionError(f"IsPresent takes true or false, got {operand!r}")
    return Condition(index_of(spec["Match"]), operator, operand)


def evaluate(rule: CompiledRule, messages: Iterable[str], top: int = TOP_CONTRIBUTORS) -> Evaluation:
    """The rule's contributors over these log event messages, highest value first."""
    totals: dict[tuple[str, ...], Number] = {}
    matched = 0
    for message in messages:
        fields = message.split()
        if not all(condition.matches(fields) for condition in rule.conditions):
            continue
        if any(index >= len(fields) for index in rule.keys):
            continue
        value: Number = 1  # Count, and Sum without ValueOf
        if rule.value_index is not None:
            summed = as_number(fields[rule.value_index]) if rule.value_index < len(fields) else None
            if summed is None:
                continue
            value = summed
        key = tuple(fields[index] for index in rule.keys)
        totals[key] = totals.get(key, 0) + value
        matched += 1
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:top]
    return Evaluation(
        contributors=tuple(Contributor(keys, value) for keys, value in ranked),
        key_labels=rule.key_labels,
        matched=matched,
        unique_contributors=len(totals),
    )
