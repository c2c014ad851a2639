"""Complete rules before cheap ones, names that a coverage change elsewhere never alters, the
adoption of rules named by the earlier scheme, and endpoint types beyond Interface. The
resources here have rules of their own (plinsights:dedicated-rules)."""

import json
from dataclasses import replace
from functools import partial

import pytest

from core.artifacts.kind import Action
from core.desire.alarms import wanted_templates
from core.desire.flow_logs import unusable_reason
from core.desire.rules import RULE_TEMPLATES
from core.desire.state import desired_state
from core.model import ActualState, ObservedArtifact, ObservedRule, ResourceKind, RuleKind
from core.plan.diff import make_plan
from core.settings import Settings
from tests import builders
from tests.builders import flow_log, inventory, name_of

endpoint = partial(builders.endpoint, dedicated=True)


SETTINGS = Settings()
# Rules that count accepted and rejected records, yet can be fed by an ACCEPT log (which misses the rejected)
ALL_TRAFFIC_KINDS = tuple(
    kind for kind, t in RULE_TEMPLATES.items() if "ACCEPT" in t.traffic_types and "ACCEPT" not in t.complete_traffic
)


def test_byte_and_tcp_rules_count_all_traffic_and_reject_rules_only_rejects() -> None:
    assert {RuleKind.BYTES, RuleKind.TCP_FLOWS} <= set(ALL_TRAFFIC_KINDS)
    assert RuleKind.REJECTS not in ALL_TRAFFIC_KINDS


def eni_filter(rule) -> list[str]:
    return next(f["In"] for f in json.loads(rule.definition)["Contribution"]["Filters"] if f["Match"] == "interface_id")


def by_kind(state, kind):
    return [r for r in state.rules.values() if r.kind is kind]


def test_two_log_groups_over_one_eni_the_byte_and_tcp_rules_read_the_all_log() -> None:
    # The ACCEPT log covers both ENIs (one rule would do), the ALL log only eni-1: the cheap choice
    # would read eni-1 from the ACCEPT log and drop its rejected records.
    state = desired_state(
        inventory(
            endpoint(eni_ids=("eni-1", "eni-2")),
            flow_log(group="/flow/accept", traffic="ACCEPT"),
            flow_log(on="eni-1", group="/flow/all", traffic="ALL"),
        ),
        SETTINGS,
    )
    for kind in ALL_TRAFFIC_KINDS:
        sources = {r.log_group: eni_filter(r) for r in by_kind(state, kind)}
        assert sources == {"/flow/all": ["eni-1"], "/flow/accept": ["eni-2"]}  # each ENI exactly once
    (coverage,) = state.coverage
    accept_notes = [n for n in coverage.notes if "rejected traffic is not in it" in n]
    assert len(accept_notes) == len(ALL_TRAFFIC_KINDS)
    assert all("/flow/accept" in n and "eni-2" in n and "eni-1" not in n for n in accept_notes)
    dashboard = "".join(d.body for d in state.dashboards.values())
    assert "rejected traffic is not in it" in dashboard


def test_an_eni_with_an_all_log_is_never_read_from_an_accept_only_one() -> None:
    state = desired_state(
        inventory(endpoint(eni_ids=("eni-1",)), flow_log(group="/flow/accept", traffic="ACCEPT"),
                  flow_log(on="eni-1", group="/flow/all")),
        SETTINGS,
    )  # fmt: skip
    assert {r.log_group for r in state.rules.values()} == {"/flow/all"}
    assert not state.coverage[0].notes


def test_an_accept_only_log_alone_still_feeds_byte_and_tcp_rules_and_says_what_is_missing() -> None:
    state = desired_state(inventory(endpoint(), flow_log(traffic="ACCEPT")), SETTINGS)
    assert {r.kind for r in state.rules.values()} == set(ALL_TRAFFIC_KINDS)
    assert sum("rejected traffic is not in it" in n for n in state.coverage[0].notes) == len(ALL_TRAFFIC_KINDS)


def test_a_flow_log_added_for_another_eni_renames_no_existing_rule() -> None:
    resource = endpoint(eni_ids=("eni-1", "eni-2"))  # subnet-a and subnet-b
    before = desired_state(inventory(resource, flow_log(on="subnet-a", group="/flow/a")), SETTINGS)
    after = desired_state(
        inventory(resource, flow_log(on="subnet-a", group="/flow/a"), flow_log(on="subnet-b", group="/flow/b")),
        SETTINGS,
    )
    kept = {name: rule.definition for name, rule in before.rules.items()}
    assert {name: after.rules[name].definition for name in kept} == kept  # same names, same bodies
    assert len(after.rules) - len(before.rules) == len(RuleKind)  # one new rule per kind, for eni-2


def test_a_new_vpc_flow_log_that_saves_no_rule_moves_no_rule() -> None:
    resource = endpoint(eni_ids=("eni-1",))
    before = desired_state(inventory(resource, flow_log(on="subnet-a", group="/flow/vpc")), SETTINGS)
    existing = {n: ObservedRule(n, r.definition, "ENABLED", r.resource_id) for n, r in before.rules.items()}
    # "/flow/new" sorts first, so without regard to what exists it would win the tie.
    after = desired_state(
        inventory(resource, flow_log(on="subnet-a", group="/flow/vpc"), flow_log(group="/flow/new")),
        SETTINGS,
        existing=existing,
    )
    assert dict(after.rules) == dict(before.rules)
    fresh = desired_state(inventory(resource, flow_log(group="/flow/new"), flow_log(on="subnet-a")), SETTINGS)
    assert {r.log_group for r in fresh.rules.values()} == {"/flow/new"}  # the tie-break that was avoided


def test_rules_named_by_the_earlier_scheme_are_kept_while_their_definition_is_unchanged() -> None:
    inv = inventory(endpoint(), flow_log())
    wanted = desired_state(inv, SETTINGS)
    earlier = {  # the earlier scheme: <prefix>-<resource>-<kind> for a single source
        f"plinsights-vpce-1-{rule.kind.value}": ObservedRule(
            f"plinsights-vpce-1-{rule.kind.value}", rule.definition, "ENABLED", "vpce-1"
        )
        for rule in wanted.rules.values()
    }
    adopted = desired_state(inv, SETTINGS, existing=earlier)
    assert set(adopted.rules) == set(earlier)
    alarm_bodies = "".join(a.body for a in adopted.alarms.values())
    alarmed = {t.rule_kind for t in wanted_templates(SETTINGS) if t.rule_kind}  # bytes and rejects, not tcpflows
    assert all(name in alarm_bodies for name in earlier if name.rsplit("-", 1)[1] in alarmed)
    actual = ActualState(
        artifacts={
            "rule": earlier,
            "alarm": {n: _observed(a) for n, a in adopted.alarms.items()},
            "dashboard": {n: _observed(d) for n, d in adopted.dashboards.items()},
        },
    )
    assert make_plan(adopted, actual, SETTINGS.max_deletes).changes == ()  # no write, no history lost


def test_an_earlier_named_rule_whose_definition_changes_moves_to_its_stable_name_once() -> None:
    old = desired_state(inventory(endpoint(eni_ids=("eni-1",)), flow_log()), SETTINGS)
    earlier_name = "plinsights-vpce-1-bytes"
    (old_bytes,) = by_kind(old, RuleKind.BYTES)
    existing = {earlier_name: ObservedRule(earlier_name, old_bytes.definition, "ENABLED", "vpce-1")}
    grown = desired_state(inventory(endpoint(eni_ids=("eni-1", "eni-2")), flow_log()), SETTINGS, existing=existing)
    plan = make_plan(grown, ActualState(artifacts={"rule": existing}), SETTINGS.max_deletes)
    stable = name_of("vpce-1", RuleKind.BYTES)
    assert stable in grown.rules and earlier_name not in grown.rules
    (delete,) = [c for c in plan.changes if c.action is Action.DELETE and c.artifact == "rule"]
    assert delete.name == earlier_name and stable in delete.reason and "replaced by" in delete.reason
    created = [c.name for c in plan.changes if c.action is Action.CREATE and c.artifact == "rule"]
    assert stable in created


def test_a_converged_account_under_earlier_names_needs_no_deletion_at_all() -> None:
    # A big account migrates without reaching the deletion limit: unchanged rules are kept as they are.
    resources = [endpoint(f"vpce-{i}", eni_ids=(f"eni-{i}a", f"eni-{i}b")) for i in range(40)]
    inv = inventory(*resources, flow_log())
    wanted = desired_state(inv, SETTINGS)
    earlier = {}
    for rule in wanted.rules.values():
        name = f"plinsights-{rule.resource_id}-{rule.kind.value}"
        earlier[name] = ObservedRule(name, rule.definition, "ENABLED", rule.resource_id)
    adopted = desired_state(inv, SETTINGS, existing=earlier)
    plan = make_plan(adopted, ActualState(artifacts={"rule": earlier}), SETTINGS.max_deletes)
    assert len(earlier) > SETTINGS.max_deletes
    assert not plan.held_deletions and not [c for c in plan.changes if c.artifact == "rule"]


@pytest.mark.parametrize("kind", [ResourceKind.RESOURCE_ENDPOINT, ResourceKind.SERVICE_NETWORK_ENDPOINT])
def test_lattice_backed_endpoints_get_flow_log_rules_and_no_privatelink_metric_alarm(kind: ResourceKind) -> None:
    state = desired_state(inventory(replace(endpoint(kind=kind), endpoint_type=""), flow_log()), SETTINGS)
    assert {r.kind for r in state.rules.values()} == set(RuleKind)
    flow_log_alarms = {template.kind for template in wanted_templates(SETTINGS) if template.rule_kind}
    assert {a.kind for a in state.alarms.values()} == flow_log_alarms
    assert "PrivateLinkEndpoints" not in "".join(d.body for d in state.dashboards.values())


def test_a_tunnel_endpoint_gets_no_tcp_rule_and_says_why() -> None:
    state = desired_state(inventory(endpoint(kind=ResourceKind.TUNNEL_ENDPOINT), flow_log()), SETTINGS)
    assert {r.kind for r in state.rules.values()} == set(RuleKind) - {RuleKind.TCP_FLOWS}
    assert any("GENEVE" in note for note in state.coverage[0].notes)


def test_an_unknown_endpoint_type_is_reported_with_a_true_reason() -> None:
    state = desired_state(inventory(endpoint(kind=ResourceKind.OTHER_ENDPOINT), flow_log()), SETTINGS)
    assert not state.rules and "does not know" in state.coverage[0].unmonitorable


def test_a_flow_log_to_another_accounts_log_group_is_not_usable_and_says_so() -> None:
    cross = replace(flow_log(), cross_account_role="arn:aws:iam::210987654321:role/deliver")
    assert "another account" in unusable_reason(cross)
    state = desired_state(inventory(endpoint(), cross), SETTINGS)
    assert not state.rules and "another account" in state.coverage[0].unmonitorable


def _observed(spec):
    return ObservedArtifact(spec.name, spec.body, getattr(spec, "resource_id", ""))
