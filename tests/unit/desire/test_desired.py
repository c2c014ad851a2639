import json

import pytest

from core.desire.rules import NAME_PATTERN, RULE_TEMPLATES
from core.desire.sources import Source, choose_sources
from core.desire.state import desired_state
from core.model import DesiredState, FlowLog, Resource, ResourceKind, RuleKind
from core.settings import Settings
from tests.builders import CUSTOM_FORMAT, endpoint, flow_log, inventory, load_balancer, shared_name_of
from tests.figures import RULES_PER_RESOURCE

SETTINGS = Settings()


def rules_of(state: DesiredState, kind: RuleKind | None = None) -> list:
    return [r for r in state.rules.values() if kind is None or r.kind is kind]


def eni_filter(rule) -> list[str]:
    return next(f["In"] for f in json.loads(rule.definition)["Contribution"]["Filters"] if f["Match"] == "interface_id")


def test_an_endpoint_under_a_vpc_flow_log_is_served_by_a_shared_rule_of_each_kind_over_all_its_enis() -> None:
    state = desired_state(inventory(endpoint(eni_ids=("eni-1", "eni-2", "eni-3")), flow_log()), SETTINGS)
    assert sorted(state.rules) == sorted(shared_name_of(kind) for kind in RuleKind)
    assert all(rule.served == ("vpce-1",) and rule.resource_id == "" for rule in rules_of(state))
    assert all(eni_filter(rule) == ["eni-1", "eni-2", "eni-3"] for rule in rules_of(state))
    assert state.coverage[0].monitored and state.coverage[0].log_groups == ("/flow/vpc",)


def test_a_load_balancer_under_a_custom_format_gets_rules_with_its_positions() -> None:
    state = desired_state(inventory(load_balancer(), flow_log(on="subnet-a", log_format=CUSTOM_FORMAT),
                                    flow_log(on="subnet-b", log_format=CUSTOM_FORMAT)), SETTINGS)  # fmt: skip
    (bytes_rule,) = rules_of(state, RuleKind.BYTES)
    assert bytes_rule.name == shared_name_of(RuleKind.BYTES)
    assert json.loads(bytes_rule.definition)["Fields"] == {
        "4": "interface_id",
        "5": "srcaddr",
        "6": "dstaddr",
        "8": "bytes",
    }
    assert eni_filter(bytes_rule) == ["eni-n1", "eni-n2"]


def test_enis_split_over_two_log_groups_get_one_rule_per_group_and_each_eni_exactly_once() -> None:
    resource = endpoint(eni_ids=("eni-1", "eni-2", "eni-3"))  # in subnet-a, subnet-b, subnet-c
    state = desired_state(inventory(resource, flow_log(on="subnet-a", group="/flow/a"),
                                    flow_log(on="subnet-b", group="/flow/b", log_format=CUSTOM_FORMAT),
                                    flow_log(on="subnet-c", group="/flow/b", log_format=CUSTOM_FORMAT)), SETTINGS)  # fmt: skip
    bytes_rules = rules_of(state, RuleKind.BYTES)
    assert len(bytes_rules) == 2
    by_group = {r.log_group: eni_filter(r) for r in bytes_rules}
    assert by_group == {"/flow/a": ["eni-1"], "/flow/b": ["eni-2", "eni-3"]}
    fields = {r.log_group: json.loads(r.definition)["Fields"] for r in bytes_rules}
    assert fields["/flow/a"]["3"] == "interface_id" and fields["/flow/b"]["4"] == "interface_id"
    assert len({r.name for r in bytes_rules}) == 2
    assert all(NAME_PATTERN.fullmatch(r.name) for r in bytes_rules)


def test_one_source_covering_every_eni_is_preferred_over_several_partial_ones() -> None:
    resource = endpoint(eni_ids=("eni-1", "eni-2"))
    state = desired_state(inventory(resource, flow_log(on="eni-1", group="/flow/eni"), flow_log()), SETTINGS)
    assert {r.log_group for r in rules_of(state)} == {"/flow/vpc"}
    assert len(rules_of(state)) == RULES_PER_RESOURCE


@pytest.mark.parametrize(("traffic", "rejects"), [("ALL", True), ("REJECT", True), ("ACCEPT", False)])
def test_reject_rule_only_from_logs_that_record_rejects(traffic: str, rejects: bool) -> None:
    state = desired_state(inventory(endpoint(), flow_log(traffic=traffic)), SETTINGS)
    assert bool(rules_of(state, RuleKind.REJECTS)) is rejects


def test_an_accept_only_log_is_reported_as_the_reason_for_no_reject_rule() -> None:
    state = desired_state(inventory(endpoint(), flow_log(traffic="ACCEPT")), SETTINGS)
    (coverage,) = state.coverage
    assert coverage.monitored
    assert any("rejected flow records" in note and "ACCEPT traffic only" in note for note in coverage.notes)


def test_a_reject_only_log_gives_only_the_reject_rule() -> None:
    state = desired_state(inventory(endpoint(), flow_log(traffic="REJECT")), SETTINGS)
    assert [r.kind for r in rules_of(state)] == [RuleKind.REJECTS]


def test_rules_fall_back_to_another_log_when_the_best_one_lacks_the_traffic() -> None:
    state = desired_state(inventory(endpoint(), flow_log(traffic="ACCEPT"),
                                    flow_log(on="subnet-a", group="/flow/rejects", traffic="REJECT"),
                                    flow_log(on="subnet-b", group="/flow/rejects", traffic="REJECT")), SETTINGS)  # fmt: skip
    (reject_rule,) = rules_of(state, RuleKind.REJECTS)
    assert reject_rule.log_group == "/flow/rejects"
    assert {r.log_group for r in rules_of(state, RuleKind.BYTES)} == {"/flow/vpc"}


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ((), "no flow log covers"),
        ((flow_log(destination="s3"),), "deliver to s3 only"),
        (
            (flow_log(destination="s3"), flow_log(destination="kinesis-data-firehose")),
            "kinesis-data-firehose and s3 only",
        ),
        ((flow_log(status="INACTIVE"),), "is INACTIVE"),
        ((flow_log(log_format="${version} ${srcaddr} ${dstaddr}"),), "lack"),
    ],
)
def test_unmonitorable_resources_say_why(items: tuple, reason: str) -> None:
    state = desired_state(inventory(endpoint(), *items), SETTINGS)
    (coverage,) = state.coverage
    assert not coverage.monitored and not state.rules
    assert reason in coverage.unmonitorable


def test_a_format_without_action_gets_byte_and_tcp_rules_but_no_reject_rule() -> None:
    no_action = "${interface-id} ${srcaddr} ${dstaddr} ${protocol} ${bytes}"
    state = desired_state(inventory(endpoint(), flow_log(log_format=no_action)), SETTINGS)
    kinds = {r.kind for r in rules_of(state)}
    assert {RuleKind.BYTES, RuleKind.TCP_FLOWS} <= kinds and RuleKind.REJECTS not in kinds
    assert kinds == {kind for kind, template in RULE_TEMPLATES.items() if "action" not in template.fields}
    assert any("lack action" in note for note in state.coverage[0].notes)


def test_an_eni_without_flow_log_is_named_in_the_notes() -> None:
    state = desired_state(inventory(endpoint(eni_ids=("eni-1", "eni-2")), flow_log(on="subnet-a")), SETTINGS)
    assert all(eni_filter(r) == ["eni-1"] for r in rules_of(state))
    assert any("eni-2 not covered" in note for note in state.coverage[0].notes)


def test_gateway_endpoints_are_reported_not_monitorable_not_errors() -> None:
    gateway = endpoint("vpce-gw", eni_ids=(), kind=ResourceKind.GATEWAY_ENDPOINT)
    state = desired_state(inventory(gateway, flow_log()), SETTINGS)
    assert not state.rules
    assert "gateway endpoints have no network interfaces" in state.coverage[0].unmonitorable


@pytest.mark.parametrize("state_name", ["pendingAcceptance", "pending", "provisioning"])
def test_pending_resources_are_reported_pending(state_name: str) -> None:
    state = desired_state(inventory(endpoint(state=state_name), flow_log()), SETTINGS)
    assert state.coverage[0].pending and not state.rules


@pytest.mark.parametrize("state_name", ["deleted", "deleting", "failed", "rejected", "expired"])
def test_resources_on_their_way_out_get_no_rules(state_name: str) -> None:
    state = desired_state(inventory(endpoint(state=state_name), flow_log()), SETTINGS)
    assert not state.rules and not state.coverage[0].pending


def test_more_than_ten_enis_are_split_over_rules_of_ten() -> None:
    many = tuple(f"eni-{i:02d}" for i in range(12))
    state = desired_state(inventory(endpoint(eni_ids=many), flow_log()), SETTINGS)
    bytes_rules = rules_of(state, RuleKind.BYTES)
    assert sorted(len(eni_filter(r)) for r in bytes_rules) == [2, 10]
    assert sorted(e for r in bytes_rules for e in eni_filter(r)) == list(many)


def test_desired_state_is_deterministic_whatever_the_input_order() -> None:
    items: list[Resource | FlowLog] = [
        endpoint("vpce-1"),
        endpoint("vpce-2", eni_ids=("eni-3",)),
        load_balancer(),
        flow_log(),
        flow_log(on="subnet-a", group="/g2"),
    ]
    first = desired_state(inventory(*items), SETTINGS)
    second = desired_state(inventory(*reversed(items)), SETTINGS)
    assert dict(first.rules) == dict(second.rules)
    assert list(first.rules) == list(second.rules)


def test_names_start_with_the_configured_prefix() -> None:
    state = desired_state(inventory(endpoint(), flow_log()), Settings(prefix="teama"))
    assert all(name.startswith("teama-shared-") for name in state.rules)
    state = desired_state(inventory(endpoint(dedicated=True), flow_log()), Settings(prefix="teama"))
    assert all(name.startswith("teama-vpce-1-") for name in state.rules)


def test_disabled_rule_state_is_carried_into_every_rule() -> None:
    state = desired_state(inventory(endpoint(), flow_log()), Settings(rule_state="DISABLED"))
    assert {r.state for r in rules_of(state)} == {"DISABLED"}


def test_choose_sources_covers_every_eni_that_has_a_source() -> None:
    a, b = Source("/a", (("x", 1),)), Source("/b", (("x", 1),))
    assert choose_sources({"eni-1": [a], "eni-2": [a, b], "eni-3": [b], "eni-4": []}) in (
        {a: ["eni-1", "eni-2"], b: ["eni-3"]},
        {b: ["eni-2", "eni-3"], a: ["eni-1"]},
    )
