import hashlib
import json

import pytest

from core.artifacts.canonical import canonical_definition
from core.desire.flow_logs import DEFAULT_FORMAT, field_positions
from core.desire.rules import (
    MAX_DEFINITION_CHARS,
    MAX_FILTERS,
    MAX_IN_VALUES,
    MAX_KEYS,
    NAME_PATTERN,
    RULE_TEMPLATES,
    render_rule_definition,
    rule_name,
)
from core.desire.state import desired_state
from core.model import RuleKind
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory

DEFAULT = field_positions(DEFAULT_FORMAT)


def render(kind: RuleKind, enis: list[str], positions: dict[str, int] = DEFAULT) -> dict:
    return json.loads(render_rule_definition(RULE_TEMPLATES[kind], positions, "/flow/vpc", enis))


def test_bytes_rule_sums_bytes_by_source_and_destination_over_the_resource_enis() -> None:
    rule = render(RuleKind.BYTES, ["eni-2", "eni-1"])
    assert rule["Schema"] == {"Name": "CloudWatchLogRule", "Version": 1}
    assert rule["LogFormat"] == "CLF"
    assert rule["LogGroupNames"] == ["/flow/vpc"]
    assert rule["Fields"] == {
        "3": "interface_id",
        "4": "srcaddr",
        "5": "dstaddr",
        "10": "bytes",
        "14": "log_status",
    }
    assert rule["Contribution"]["Keys"] == ["srcaddr", "dstaddr"]
    assert rule["Contribution"]["ValueOf"] == "bytes"
    assert rule["AggregateOn"] == "Sum"
    assert {"Match": "interface_id", "In": ["eni-1", "eni-2"]} in rule["Contribution"]["Filters"]
    assert {"Match": "log_status", "In": ["OK"]} in rule["Contribution"]["Filters"]


def test_tcp_flow_rule_counts_tcp_records_by_interface_and_source() -> None:
    rule = render(RuleKind.TCP_FLOWS, ["eni-1"])
    assert rule["Contribution"]["Keys"] == ["interface_id", "srcaddr"]
    assert {"Match": "protocol", "EqualTo": 6} in rule["Contribution"]["Filters"]
    assert rule["AggregateOn"] == "Count"
    assert "ValueOf" not in rule["Contribution"]


def test_reject_rule_counts_rejected_records_by_interface_and_source() -> None:
    rule = render(RuleKind.REJECTS, ["eni-1"])
    assert {"Match": "action", "In": ["REJECT"]} in rule["Contribution"]["Filters"]
    assert rule["Fields"] == {"3": "interface_id", "4": "srcaddr", "13": "action"}


def test_custom_format_moves_every_field_to_its_position() -> None:
    positions = {"interface-id": 7, "srcaddr": 1, "dstaddr": 2, "bytes": 9}
    assert render(RuleKind.BYTES, ["eni-1"], positions)["Fields"] == {
        "7": "interface_id", "1": "srcaddr", "2": "dstaddr", "9": "bytes",
    }  # fmt: skip


@pytest.mark.parametrize("kind", list(RuleKind))
def test_every_rule_respects_the_documented_limits(kind: RuleKind) -> None:
    enis = [f"eni-{i:017x}" for i in range(MAX_IN_VALUES)]
    text = render_rule_definition(RULE_TEMPLATES[kind], DEFAULT, "/" + "g" * 500, enis)
    rule = json.loads(text)
    assert len(text) <= MAX_DEFINITION_CHARS
    assert len(rule["Contribution"]["Keys"]) <= MAX_KEYS
    assert len(rule["Contribution"]["Filters"]) <= MAX_FILTERS
    assert all(len(f.get("In", [])) <= MAX_IN_VALUES for f in rule["Contribution"]["Filters"])


def test_more_than_ten_enis_in_one_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 10"):
        render(RuleKind.BYTES, [f"eni-{i}" for i in range(11)])


def test_definitions_are_canonical_so_equal_rules_compare_equal() -> None:
    text = render_rule_definition(RULE_TEMPLATES[RuleKind.BYTES], DEFAULT, "/g", ["eni-1"])
    pretty = json.dumps(json.loads(text), indent=4)
    assert canonical_definition(pretty) == text
    assert canonical_definition("not json") == "not json"


def test_rule_names_are_deterministic_and_valid() -> None:
    group_token = hashlib.sha256(b"/flow/vpc").hexdigest()[:6]
    name = rule_name("plinsights", "net-orders-api-0123456789abcdef", RuleKind.BYTES, "/flow/vpc")
    assert name == f"plinsights-net-orders-api-0123456789abcdef-bytes-{group_token}"
    assert NAME_PATTERN.fullmatch(name)
    second_chunk = rule_name("plinsights", "vpce-1", RuleKind.REJECTS, "/flow/vpc", chunk=1)
    assert second_chunk == f"plinsights-vpce-1-rejects-{group_token}-2"


def test_the_longest_names_fit_the_rule_name_limit() -> None:
    longest_prefix, longest_lb = "p" * 24, f"net-{'n' * 32}-{'f' * 16}"  # Prefix 24, LB name 32, id 16
    name = rule_name(longest_prefix, longest_lb, RuleKind.TCP_FLOWS, "/g" * 256, chunk=99, layout="(('x', 1),)")
    assert NAME_PATTERN.fullmatch(name)


def test_a_name_past_128_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="rule name"):
        rule_name("p", "x" * 130, RuleKind.BYTES, "/flow/vpc")


def test_every_rule_kind_is_one_row_of_the_template_table() -> None:
    assert list(RULE_TEMPLATES) == list(RuleKind)
    assert all(template.kind is kind for kind, template in RULE_TEMPLATES.items())
    assert all(template.title for template in RULE_TEMPLATES.values())


FLAGS_FORMAT = (
    "${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} "
    "${action} ${tcp-flags} ${log-status}"
)


def tcp_rule(log_format: str):
    desired = desired_state(inventory(endpoint(), flow_log(log_format=log_format)), Settings())
    return next(r for r in desired.rules.values() if r.kind is RuleKind.TCP_FLOWS)


def test_where_the_format_has_tcp_flags_the_tcp_kind_counts_connection_attempts_only() -> None:
    rule = tcp_rule(FLAGS_FORMAT)
    definition = json.loads(rule.definition)
    assert definition["Fields"]["11"] == "tcp_flags"
    assert {"Match": "tcp_flags", "In": ["2", "3", "6", "7"]} in definition["Contribution"]["Filters"]
    assert rule.title == "TCP connection attempts by source"


def test_with_the_default_format_the_tcp_kind_counts_tcp_records_as_before() -> None:
    rule = tcp_rule(DEFAULT_FORMAT)
    assert "tcp_flags" not in rule.definition and rule.title == "TCP flow records by source"
