"""The managed rules of endpoint services as a setting: off by default, four per service when on, set
aside from the rule quota before any flow-log rule is allocated."""

import json
from dataclasses import replace

from core.desire.cost import cost_to_dict, deployment_cost
from core.desire.managed_rules import MANAGED_TEMPLATES, pending_name
from core.desire.state import desired_state
from core.model import ManagedRuleState, RuleQuota
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory, load_balancer
from tests.figures import RULES_PER_RESOURCE

ON = Settings(managed_rules=True)
PER_SERVICE = len(MANAGED_TEMPLATES)


def test_off_by_default_no_managed_rule_is_wanted() -> None:
    assert Settings().managed_rules is False
    state = desired_state(inventory(load_balancer(), flow_log()), Settings(), RuleQuota(100, "configured"))
    assert state.managed_rules == {} and state.quota is not None and state.quota.reserved == 0


def test_on_each_endpoint_service_gets_the_four_templates_named_by_aws_once_they_exist() -> None:
    made = ManagedRuleState("vpce-svc-1", MANAGED_TEMPLATES[0], "aws-given-name", "ENABLED")
    world = replace(inventory(load_balancer(endpoint_services=("vpce-svc-1", "vpce-svc-2"))), managed_rules=(made,))
    wanted = desired_state(world, ON).managed_rules
    assert len(wanted) == 2 * PER_SERVICE
    assert "aws-given-name" in wanted and pending_name(MANAGED_TEMPLATES[0], "vpce-svc-2") in wanted
    assert {(r.template, r.service_id) for r in wanted.values()} == {
        (t, s) for t in MANAGED_TEMPLATES for s in ("vpce-svc-1", "vpce-svc-2")
    }
    assert {json.loads(r.body)["State"] for r in wanted.values()} == {"ENABLED"}


def test_endpoints_excluded_and_pending_load_balancers_get_none_and_a_shared_service_gets_them_once() -> None:
    excluded = load_balancer(name="off", tags={"plinsights:exclude": "true"}, endpoint_services=("vpce-svc-x",))
    pending = load_balancer(name="new", state="provisioning", endpoint_services=("vpce-svc-p",))
    first = load_balancer(name="one", tags={"plinsights:priority": "1"})
    second = load_balancer(name="two")  # behind the same vpce-svc-1
    wanted = desired_state(inventory(endpoint(), excluded, pending, first, second), ON).managed_rules
    assert {r.service_id for r in wanted.values()} == {"vpce-svc-1"} and len(wanted) == PER_SERVICE
    assert {r.resource_id for r in wanted.values()} == {first.resource_id}


def test_the_managed_rules_are_set_aside_before_the_flow_log_rules_are_allocated() -> None:
    """A quota of 5: the service's four first, so the endpoint's rules do not fit."""
    world = inventory(load_balancer(eni_ids=()), endpoint(), flow_log())
    quota = RuleQuota(limit=PER_SERVICE + RULES_PER_RESOURCE - 1, source="configured")
    state = desired_state(world, ON, quota)
    assert len(state.managed_rules) == PER_SERVICE and state.rules == {}
    assert state.quota is not None and (state.quota.reserved, state.quota.ours) == (PER_SERVICE, 0)
    assert state.quota.available == RULES_PER_RESOURCE - 1
    (endpoint_coverage,) = [c for c in state.coverage if c.resource.resource_id == "vpce-1"]
    assert endpoint_coverage.over_quota == RULES_PER_RESOURCE
    off = desired_state(world, Settings(), quota)
    assert len(off.rules) == RULES_PER_RESOURCE  # the same quota holds the endpoint's without them


def test_a_service_the_quota_cannot_hold_gets_none_and_says_so() -> None:
    state = desired_state(inventory(load_balancer()), ON, RuleQuota(limit=PER_SERVICE - 1, source="configured"))
    assert state.managed_rules == {}
    (coverage,) = state.coverage
    assert any("no managed Contributor Insights rules for vpce-svc-1" in note for note in coverage.notes)


def test_they_are_priced_as_rules_in_the_estimate_and_its_json() -> None:
    state = desired_state(inventory(load_balancer(eni_ids=())), ON)
    cost = deployment_cost(state, ON)
    assert cost.managed_rules == PER_SERVICE and cost.rules == 0
    assert cost.rules_usd == PER_SERVICE * ON.price_rule_month
    data = cost_to_dict(cost)["rules"]
    assert (data["count"], data["managed"]) == (PER_SERVICE, PER_SERVICE)


def test_the_setting_is_read_from_the_environment_in_words() -> None:
    assert Settings.from_env({"PLINSIGHTS_MANAGED_RULES": "true"}).managed_rules is True
    assert Settings.from_env({"PLINSIGHTS_MANAGED_RULES": "false"}).managed_rules is False
