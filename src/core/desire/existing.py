"""Our rules as they are, read once per run for the questions desire asks of them per resource (pure).

Each resource asks which of our rules carry its name's stem, which are its own, and which log groups
our shared rules read its ENIs from. Asked of the rules one by one, that is a scan of every rule per
resource and rule kind (and a JSON parse of each shared rule's definition): quadratic, and seconds
at a few thousand resources. Here each question is a lookup.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Mapping
from functools import cached_property

from core.desire.rules import in_filter_enis
from core.model import ObservedRule


class ExistingRules(Mapping[str, ObservedRule]):
    """The rules by name, as given, with the indexes built on first use."""

    def __init__(self, rules: Mapping[str, ObservedRule]) -> None:
        self._rules = rules
        self._groups_by_eni: dict[str, dict[str, frozenset[str]]] = {}  # stem -> ENI -> log groups

    def __getitem__(self, name: str) -> ObservedRule:
        return self._rules[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    @cached_property
    def _sorted_names(self) -> list[str]:
        return sorted(self._rules)

    @cached_property
    def _by_resource(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for name in self._sorted_names:
            names.setdefault(self._rules[name].resource_id, []).append(name)
        return names

    def with_stem(self, stem: str) -> list[str]:
        """The names that are `stem` itself or start with `stem-`, sorted: a contiguous run of the
        sorted names, found by bisection."""
        names = self._sorted_names
        found = [stem] if stem in self._rules else []
        start = bisect.bisect_left(names, stem + "-")
        end = bisect.bisect_left(names, stem + ".")  # "." follows "-": past every name with the prefix
        return found + names[start:end]

    def of_resource(self, resource_id: str) -> list[str]:
        """Our rules whose resource-id tag names this resource, sorted (a shared rule's names none)."""
        return list(self._by_resource.get(resource_id, ()))

    def shared_groups(self, stem: str, eni_ids: set[str]) -> frozenset[str]:
        """The log groups our rules named `stem-...` (shared rules of one kind) read any of these
        ENIs from now; the ENI -> log groups of a stem is read from the definitions once."""
        if stem not in self._groups_by_eni:
            by_eni: dict[str, set[str]] = {}
            for name in self.with_stem(stem):
                if name == stem:
                    continue
                definition = self._rules[name].definition
                read = log_groups_of(definition)
                for eni in in_filter_enis(definition):
                    by_eni.setdefault(eni, set()).update(read)
            self._groups_by_eni[stem] = {eni: frozenset(groups) for eni, groups in by_eni.items()}
        found: set[str] = set()
        for eni in eni_ids:
            found |= self._groups_by_eni[stem].get(eni, frozenset())
        return frozenset(found)


def indexed(rules: Mapping[str, ObservedRule]) -> ExistingRules:
    """The rules with their indexes: the same object when it already has them."""
    return rules if isinstance(rules, ExistingRules) else ExistingRules(rules)


def log_groups_of(definition: str) -> list[str]:
    """The log groups a rule's definition reads; none when it cannot be read."""
    try:
        groups = json.loads(definition).get("LogGroupNames", [])
    except (TypeError, ValueError, AttributeError):
        return []
    return [str(group) for group in groups] if isinstance(groups, list) else []
