"""Our rules as they are, indexed once: the answers are those of a scan over every rule."""

import json

from core.desire.existing import indexed
from core.desire.sources import log_groups_in_use, shared_groups_in_use
from core.model import ObservedRule


def definition(group: str, enis: list[str]) -> str:
    filters = [{"Match": "interface_id", "In": enis}]
    return json.dumps({"LogGroupNames": [group], "Contribution": {"Keys": ["interface_id"], "Filters": filters}})


def rule(name: str, group: str = "/g", enis: list[str] | None = None, resource_id: str = "") -> ObservedRule:
    return ObservedRule(name, definition(group, enis or []), "ENABLED", resource_id)


RULES = {
    r.name: r
    for r in (
        rule("p-vpce-1-bytes", "/old", resource_id="vpce-1"),  # an earlier name: the stem alone
        rule("p-vpce-1-bytes-abc", "/a", resource_id="vpce-1"),
        rule("p-vpce-1-bytesx", "/not-this-stem", resource_id="vpce-9"),  # the stem, but no dash after it
        rule("p-vpce-10-bytes-abc", "/b", resource_id="vpce-10"),
        rule("p-shared-bytes-g-1", "/g", ["eni-1", "eni-2"]),
        rule("p-shared-bytes-h-1", "/h", ["eni-2", "eni-3"]),
        rule("p-shared-rejects-g-1", "/r", ["eni-1"]),
        ObservedRule("p-shared-bytes-bad-1", "not json", "ENABLED"),
    )
}


def scan_stem(stem: str) -> list[str]:
    return sorted(n for n in RULES if n == stem or n.startswith(stem + "-"))


def test_names_with_a_stem_are_the_stem_and_those_after_a_dash() -> None:
    rules = indexed(RULES)
    for stem in ("p-vpce-1-bytes", "p-vpce-10-bytes", "p-shared-bytes", "p-vpce-2-bytes", "p"):
        assert rules.with_stem(stem) == scan_stem(stem)
    assert rules.with_stem("p-vpce-1-bytes") == ["p-vpce-1-bytes", "p-vpce-1-bytes-abc"]


def test_own_rules_by_resource_tag() -> None:
    assert indexed(RULES).of_resource("vpce-1") == ["p-vpce-1-bytes", "p-vpce-1-bytes-abc"]
    assert indexed(RULES).of_resource("vpce-2") == []


def test_log_groups_in_use_by_stem_and_by_eni() -> None:
    assert log_groups_in_use(RULES, "p-vpce-1-bytes") == {"/old", "/a"}
    assert shared_groups_in_use(RULES, "p-shared-bytes", ["eni-2"]) == {"/g", "/h"}
    assert shared_groups_in_use(RULES, "p-shared-bytes", ["eni-3", "eni-9"]) == {"/h"}
    assert shared_groups_in_use(RULES, "p-shared-rejects", ["eni-2"]) == frozenset()


def test_an_index_is_built_once_and_reused() -> None:
    rules = indexed(RULES)
    assert indexed(rules) is rules
    assert dict(rules) == RULES
