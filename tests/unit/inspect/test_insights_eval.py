"""Contributor Insights evaluated locally, as CloudWatch documents it: the AWS user guide's flow-log
example rules over default-format records, with rankings computed by hand; filters, positions,
Count and Sum; records whose value is not a number skipped."""

from __future__ import annotations

import json

import pytest

from core.desire.flow_logs import DEFAULT_FORMAT, field_positions
from core.desire.rules import RULE_TEMPLATES, render_rule_definition
from core.inspect.insights_eval import TOP_CONTRIBUTORS, Contributor, RuleDefinitionError, compile_rule, evaluate
from core.model import RuleKind

# Default format: version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
ENI_A, ENI_B = "eni-0aaaaaaaaaaaaaaaa", "eni-0bbbbbbbbbbbbbbbb"  # A sorts first
RECORDS = [
    f"2 123456789010 {ENI_A} 172.31.16.139 172.31.16.21 20641 443 6 20 4249 1418530010 1418530070 ACCEPT OK",
    f"2 123456789010 {ENI_A} 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
    f"2 123456789010 {ENI_A} 172.31.16.139 172.31.16.21 20642 443 6 15 1000 1418530070 1418530130 ACCEPT OK",
    f"2 123456789010 {ENI_B} 172.31.9.69 172.31.9.12 49762 22 6 2 120 1418530010 1418530070 REJECT OK",
    f"2 123456789010 {ENI_B} 172.31.9.69 172.31.9.12 53000 53 17 1 80 1418530010 1418530070 REJECT OK",
    f"2 123456789010 {ENI_B} 10.0.0.5 172.31.16.21 40000 443 6 7 900 1418530010 1418530070 ACCEPT OK",
    f"2 123456789010 {ENI_A} - - - - - - - 1431280876 1431280934 - NODATA",
    f"2 123456789010 {ENI_B} - - - - - - - 1431280876 1431280934 - SKIPDATA",
]


def clf_rule(fields: dict[str, str], keys: list[str], aggregate: str, value_of: str = "", filters=()) -> str:
    contribution: dict = {"Keys": keys, "Filters": list(filters)}
    if value_of:
        contribution["ValueOf"] = value_of
    return json.dumps(
        {
            "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
            "LogGroupNames": ["/aws/containerinsights/sample-cluster-name/flowlogs"],
            "LogFormat": "CLF",
            "Fields": fields,
            "Contribution": contribution,
            "AggregateOn": aggregate,
        }
    )


# The three VPC flow-log examples of the CloudWatch user guide ("Contributor Insights rule examples").
BYTES_BY_PAIR = clf_rule({"4": "srcaddr", "5": "dstaddr", "10": "bytes"}, ["srcaddr", "dstaddr"], "Sum", "bytes")
HTTPS_REQUESTS = clf_rule(
    {"5": "destination address", "7": "destination port", "9": "packet count"},
    ["destination address"],
    "Sum",
    "packet count",
    [{"Match": "destination port", "EqualTo": 443}],
)
REJECTED_TCP = clf_rule(
    {"3": "interfaceID", "4": "sourceAddress", "8": "protocol", "13": "action"},
    ["interfaceID", "sourceAddress"],
    "Sum",  # as the guide writes it: Sum without ValueOf
    filters=[{"Match": "protocol", "EqualTo": 6}, {"Match": "action", "In": ["REJECT"]}],
)


def ranking(definition: str, records=RECORDS) -> list[tuple[tuple[str, ...], float]]:
    return [(c.keys, c.value) for c in evaluate(compile_rule(definition), records).contributors]


def test_bytes_by_source_and_destination_sums_bytes_and_skips_nodata() -> None:
    # 139->21: 4249 + 1000; 69->12: 4249 + 120 + 80; 10.0.0.5->21: 900; NODATA and SKIPDATA carry "-" bytes.
    assert ranking(BYTES_BY_PAIR) == [
        (("172.31.16.139", "172.31.16.21"), 5249),
        (("172.31.9.69", "172.31.9.12"), 4449),
        (("10.0.0.5", "172.31.16.21"), 900),
    ]


def test_https_requests_sum_packets_to_port_443_only() -> None:
    # To 172.31.16.21 on 443: 20 + 15 + 7 packets; the 3389, 22 and 53 records are filtered out.
    assert ranking(HTTPS_REQUESTS) == [(("172.31.16.21",), 42)]


def test_rejected_tcp_connections_count_per_interface_and_source() -> None:
    # REJECT and protocol 6: one record on ENI_A (3389), one on ENI_B (22); the UDP reject is not TCP.
    assert ranking(REJECTED_TCP) == [((ENI_A, "172.31.9.69"), 1), ((ENI_B, "172.31.9.69"), 1)]


def test_matched_counts_the_records_that_contributed() -> None:
    evaluation = evaluate(compile_rule(BYTES_BY_PAIR), RECORDS)
    nodata_records = 2
    assert evaluation.matched == len(RECORDS) - nodata_records
    assert evaluation.unique_contributors == 3
    assert evaluation.key_labels == ("srcaddr", "dstaddr")


def test_count_counts_records_and_a_key_of_dash_is_still_a_key() -> None:
    # No filter: the NODATA and SKIPDATA records have "-" as their source and count as one contributor.
    rule = clf_rule({"4": "srcaddr"}, ["srcaddr"], "Count")
    assert ranking(rule) == [(("172.31.9.69",), 3), (("-",), 2), (("172.31.16.139",), 2), (("10.0.0.5",), 1)]


def test_positions_may_be_named_without_fields() -> None:
    rule = clf_rule({}, ["5"], "Sum", "10", [{"Match": "13", "In": ["ACCEPT"]}])
    assert ranking(rule) == [(("172.31.16.21",), 6149)]  # 4249 + 1000 + 900


@pytest.mark.parametrize(
    ("condition", "ports"),
    [
        ({"In": ["22", "53"]}, ["22", "53"]),
        ({"NotIn": ["443"]}, ["3389", "22", "53", "-"]),  # a string test: NODATA's "-" is not 443
        ({"StartsWith": ["33", "5"]}, ["3389", "53"]),
        ({"GreaterThan": 443}, ["3389"]),
        ({"LessThan": 443}, ["22", "53"]),
        ({"EqualTo": 443.0}, ["443"]),
        ({"NotEqualTo": 443}, ["3389", "22", "53"]),  # "-" is no number: NODATA never matches
    ],
)
def test_each_filter_operator(condition: dict, ports: list[str]) -> None:
    rule = clf_rule({"7": "dstport"}, ["dstport"], "Count", filters=[{"Match": "dstport", **condition}])
    assert sorted(keys[0] for keys, _ in ranking(rule)) == sorted(ports)


def test_filters_are_anded_and_matching_is_case_sensitive() -> None:
    both = [{"Match": "action", "In": ["REJECT"]}, {"Match": "protocol", "EqualTo": 17}]
    rule = clf_rule({"4": "srcaddr", "8": "protocol", "13": "action"}, ["srcaddr"], "Count", filters=both)
    assert ranking(rule) == [(("172.31.9.69",), 1)]
    lower = clf_rule(
        {"4": "srcaddr", "13": "action"}, ["srcaddr"], "Count", filters=[{"Match": "action", "In": ["reject"]}]
    )
    assert ranking(lower) == []


def test_is_present_and_missing_fields() -> None:
    records = ["a 1 x", "b 2", "a 3 y"]
    present = clf_rule({"1": "k", "3": "extra"}, ["k"], "Count", filters=[{"Match": "extra", "IsPresent": True}])
    absent = clf_rule({"1": "k", "3": "extra"}, ["k"], "Count", filters=[{"Match": "extra", "IsPresent": False}])
    keyed_on_missing = clf_rule({"3": "extra"}, ["extra"], "Count")
    assert ranking(present, records) == [(("a",), 2)]
    assert ranking(absent, records) == [(("b",), 1)]
    assert ranking(keyed_on_missing, records) == [(("x",), 1), (("y",), 1)]  # "b 2" has no key: skipped


def test_a_value_that_is_not_a_number_is_skipped_not_counted_as_zero() -> None:
    records = ["a 10", "a -", "a 2.5", "b nan", "b 1e3"]
    rule = clf_rule({"1": "k", "2": "v"}, ["k"], "Sum", "v")
    evaluation = evaluate(compile_rule(rule), records)
    assert [(c.keys, c.value) for c in evaluation.contributors] == [(("b",), 1000.0), (("a",), 12.5)]
    assert evaluation.matched == 3


def test_at_most_ten_contributors_highest_first_ties_by_key() -> None:
    extra = 2
    records = [f"10.0.0.{n} {n}" for n in range(TOP_CONTRIBUTORS + extra)] + ["10.0.0.9 0"]
    rule = clf_rule({"1": "src", "2": "v"}, ["src"], "Sum", "v")
    ranked = evaluate(compile_rule(rule), records).contributors
    assert len(ranked) == TOP_CONTRIBUTORS
    assert ranked[0] == Contributor(("10.0.0.11",), 11)
    assert [c.value for c in ranked] == sorted((c.value for c in ranked), reverse=True)
    tie = evaluate(compile_rule(rule), ["b 5", "a 5", "c 5"]).contributors
    assert [c.keys for c in tie] == [("a",), ("b",), ("c",)]


def test_keys_come_in_the_rule_key_order_not_field_order() -> None:
    rule = clf_rule({"4": "srcaddr", "5": "dstaddr"}, ["dstaddr", "srcaddr"], "Count")
    assert ranking(rule)[0] == (("172.31.9.12", "172.31.9.69"), 3)


@pytest.mark.parametrize(
    ("definition", "says"),
    [
        ('{"LogFormat": "JSON", "Contribution": {"Keys": ["$.ip"]}, "AggregateOn": "Count"}', "CLF"),
        ("not json", "not JSON"),
        (clf_rule({"4": "srcaddr"}, ["dstaddr"], "Count"), "'dstaddr'"),
        (clf_rule({"4": "srcaddr"}, ["srcaddr"], "Average"), "AggregateOn"),
        (clf_rule({"4": "a"}, ["a"], "Count", filters=[{"Match": "a", "In": "REJECT"}]), "array of strings"),
        (clf_rule({"4": "a"}, ["a"], "Count", filters=[{"Match": "a", "Like": ["x"]}]), "exactly one"),
        (clf_rule({"4": "a"}, ["a"], "Count", filters=[{"Match": "a", "EqualTo": "6"}]), "takes a number"),
    ],
)
def test_a_definition_it_cannot_evaluate_is_a_clear_error(definition: str, says: str) -> None:
    with pytest.raises(RuleDefinitionError, match=says):
        compile_rule(definition)


# Our own rules, rendered as core/desire/rules.py renders them, over the same default-format records.


def our_rule(kind: RuleKind, enis: list[str], log_format: str = DEFAULT_FORMAT) -> str:
    return render_rule_definition(RULE_TEMPLATES[kind], field_positions(log_format), "/vpc/flow-logs", enis)


def test_our_bytes_rule_reads_only_its_enis_and_ok_records() -> None:
    # ENI_A: 139->21 4249 + 1000, 69->12 4249 (a rejected record still moved bytes).
    assert ranking(our_rule(RuleKind.BYTES, [ENI_A])) == [
        (("172.31.16.139", "172.31.16.21"), 5249),
        (("172.31.9.69", "172.31.9.12"), 4249),
    ]


def test_our_tcp_flows_rule_counts_tcp_records_per_interface_and_source() -> None:
    # TCP on ENI_A: 139 twice, 69 once; ENI_B: 69 once (22), 10.0.0.5 once; the UDP record is not TCP.
    assert ranking(our_rule(RuleKind.TCP_FLOWS, [ENI_A, ENI_B])) == [
        ((ENI_A, "172.31.16.139"), 2),
        ((ENI_A, "172.31.9.69"), 1),
        ((ENI_B, "10.0.0.5"), 1),
        ((ENI_B, "172.31.9.69"), 1),
    ]


def test_our_rejects_rule_counts_every_protocol() -> None:
    assert ranking(our_rule(RuleKind.REJECTS, [ENI_B])) == [((ENI_B, "172.31.9.69"), 2)]
