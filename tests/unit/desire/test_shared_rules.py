"""Shared rules: the resources read from one log group with one field layout share its rules, ten ENIs
to a rule, keyed by interface-id; packing is stable; the quota serves many more resources; records of
ENIs of no resource are never matched; resources that need rules of their own get them within a share."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import pytest

from core.desire.rules import MAX_IN_VALUES, in_filter_enis
from core.desire.state import desired_state
from core.model import ActualState, DesiredState, Inventory, ObservedRule, RuleKind, RuleQuota
from core.settings import Settings
from tests.builders import busy_region, endpoint, flow_log, inventory, shared_name_of
from tests.figures import RULES_PER_RESOURCE

SETTINGS = Settings()
DEFAULT_QUOTA = RuleQuota(100, "default")


def applied(desired: DesiredState) -> dict[str, ObservedRule]:
    """Our rules once the desired state is written, as observe reads them back."""
    return {n: ObservedRule(n, r.definition, r.state, r.resource_id, r.kind.value) for n, r in desired.rules.items()}


def endpoints(count: int, enis_each: int = 2, start: int = 0) -> list:
    return [
        endpoint(f"vpce-{n:03d}", eni_ids=tuple(f"eni-{n:03d}{c}" for c in "abcdefghijklmn"[:enis_each]))
        for n in range(start, start + count)
    ]


def kind_rules(desired: DesiredState, kind: RuleKind) -> list:
    return sorted((r for r in desired.rules.values() if r.kind is kind), key=lambda r: r.name)


def test_endpoints_of_one_log_group_share_rules_of_ten_enis_each_every_eni_read_once() -> None:
    desired = desired_state(inventory(*endpoints(12), flow_log()), SETTINGS)
    for kind in RuleKind:
        rules = kind_rules(desired, kind)
        assert [r.name for r in rules] == [shared_name_of(kind, chunk=n) for n in (1, 2, 3)]
        assert [len(r.eni_ids) for r in rules] == [10, 10, 4]
        read = Counter(eni for r in rules for eni in in_filter_enis(r.definition))
        assert set(read.values()) == {1} and len(read) == 24
        assert all(len(r.served) * 2 == len(r.eni_ids) for r in rules)
    assert all(c.monitored and len(c.rule_names) == RULES_PER_RESOURCE for c in desired.coverage)


def test_a_shared_rule_leads_its_keys_with_the_interface_so_each_contributor_names_its_eni() -> None:
    desired = desired_state(inventory(*endpoints(2), flow_log()), SETTINGS)
    keys = {r.kind: json.loads(r.definition)["Contribution"]["Keys"] for r in desired.rules.values()}
    assert keys == {
        RuleKind.BYTES: ["interface_id", "srcaddr", "dstaddr"],
        RuleKind.TCP_FLOWS: ["interface_id", "srcaddr"],
        RuleKind.REJECTS: ["interface_id", "srcaddr"],
    }


def test_a_resource_is_never_split_while_its_enis_fit_one_rule() -> None:
    desired = desired_state(inventory(*endpoints(7, enis_each=3), flow_log()), SETTINGS)
    for rule in desired.rules.values():
        assert len(rule.eni_ids) == 3 * len(rule.served) <= MAX_IN_VALUES
    served = Counter(rid for r in kind_rules(desired, RuleKind.BYTES) for rid in r.served)
    assert set(served.values()) == {1}


def test_a_resource_of_more_than_ten_enis_takes_as_few_rules_as_it_needs() -> None:
    big = endpoint("vpce-big", eni_ids=tuple(f"eni-big{n:02d}" for n in range(12)))
    desired = desired_state(inventory(big, *endpoints(4), flow_log()), SETTINGS)
    rules = [r for r in kind_rules(desired, RuleKind.BYTES) if "vpce-big" in r.served]
    assert sorted(len([e for e in r.eni_ids if e.startswith("eni-big")]) for r in rules) == [2, 10]


def test_a_resource_that_joins_rewrites_one_rule_per_kind_and_renames_nothing() -> None:
    before = desired_state(inventory(*endpoints(9), flow_log()), SETTINGS)
    # vpce-000x sorts among the existing ids: a packing by id alone would move every later one
    joined = inventory(endpoint("vpce-0005x", eni_ids=("eni-new-a", "eni-new-b")), *endpoints(9), flow_log())
    after = desired_state(joined, SETTINGS, existing=applied(before))
    assert set(after.rules) == set(before.rules)
    changed = [name for name in after.rules if after.rules[name].definition != before.rules[name].definition]
    assert len(changed) == RULES_PER_RESOURCE  # one chunk per kind, the one with room
    assert all("vpce-0005x" in after.rules[name].served for name in changed)


def test_a_resource_that_leaves_frees_its_slots_and_the_others_stay_where_they_are() -> None:
    world = endpoints(15)
    before = desired_state(inventory(*world, flow_log()), SETTINGS)
    after = desired_state(inventory(*world[1:], flow_log()), SETTINGS, existing=applied(before))
    assert set(after.rules) == set(before.rules)
    for name, rule in after.rules.items():
        assert set(rule.served) == set(before.rules[name].served) - {"vpce-000"}
    # a newcomer fills the freed slots before any rule opens
    refilled = desired_state(
        inventory(*world[1:], endpoint("vpce-900", eni_ids=("eni-900a", "eni-900b")), flow_log()),
        SETTINGS,
        existing=applied(after),
    )
    assert set(refilled.rules) == set(before.rules)


def test_a_chunk_whose_members_all_left_is_no_longer_wanted() -> None:
    world = endpoints(10)
    before = desired_state(inventory(*world, flow_log()), SETTINGS)
    after = desired_state(inventory(*world[:5], flow_log()), SETTINGS, existing=applied(before))
    assert sorted(after.rules) == sorted(shared_name_of(kind, chunk=1) for kind in RuleKind)


def test_records_of_an_eni_of_no_resource_are_never_matched() -> None:
    stranger = "eni-0000stranger"  # in the same VPC and log group, but no endpoint's or load balancer's
    desired = desired_state(inventory(*endpoints(3), flow_log()), SETTINGS)
    filtered = {eni for r in desired.rules.values() for eni in in_filter_enis(r.definition)}
    assert stranger not in filtered and filtered == {e for n in range(3) for e in (f"eni-{n:03d}a", f"eni-{n:03d}b")}


def test_the_busy_region_at_the_default_quota_covers_most_resources_with_all_three_kinds() -> None:
    region = busy_region()
    desired = desired_state(region, SETTINGS, DEFAULT_QUOTA)
    whole = [c for c in desired.coverage if len({r.split("-")[2] for r in c.rule_names}) == RULES_PER_RESOURCE]
    assert len(region.resources) == 210 and len(whole) >= 150
    assert len(desired.rules) <= DEFAULT_QUOTA.limit
    over = [c for c in desired.coverage if c.over_quota]
    assert len(whole) + len(over) == 210
    assert all("raise the Region's Contributor Insights rule quota" in c.unmonitorable for c in over)
    assert all(c.alarm_names for c in over)  # PrivateLink-metric alarms whatever the quota


def test_without_a_quota_every_resource_is_covered_in_a_fifth_of_the_rules_it_would_take_alone() -> None:
    region = busy_region(endpoints=50, vpcs=1, load_balancers=0)
    desired = desired_state(region, SETTINGS)
    assert all(c.monitored for c in desired.coverage)
    assert len(desired.rules) == RULES_PER_RESOURCE * 50 * 2 // MAX_IN_VALUES


def test_resources_that_need_rules_of_their_own_get_them_within_their_share_of_the_quota() -> None:
    tagged = [endpoint(f"vpce-own{n}", eni_ids=(f"eni-own{n}",), dedicated=True) for n in range(4)]
    desired = desired_state(
        inventory(*tagged, *endpoints(5), flow_log()), Settings(dedicated_rule_share=0.2), RuleQuota(30, "test")
    )
    own = [c for c in desired.coverage if c.dedicated]
    assert len(own) == 2  # 20% of 30 rules: two resources' worth of three rules
    assert all(
        r.resource_id == c.resource.resource_id
        for c in own
        for r in desired.rules.values()
        if r.serves(c.resource.resource_id)
    )
    fell_back = [c for c in desired.coverage if c.resource.resource_id.startswith("vpce-own") and not c.dedicated]
    assert len(fell_back) == 2 and all(c.monitored for c in fell_back)
    assert all("dedicated share of the quota" in " ".join(c.notes) for c in fell_back)


@pytest.mark.parametrize("tag", ["plinsights:bytes-top-threshold", "plinsights:rejects-period"])
def test_a_per_resource_rule_alarm_setting_gives_the_resource_rules_of_its_own(tag: str) -> None:
    value = "600" if tag.endswith("period") else "5000"
    desired = desired_state(inventory(endpoint(tags={tag: value}), flow_log()), SETTINGS)
    (coverage,) = desired.coverage
    assert coverage.dedicated and all(r.resource_id == "vpce-1" for r in desired.rules.values())


def test_a_pending_resource_keeps_its_place_in_the_rules_that_read_it() -> None:
    world = endpoints(3)
    before = desired_state(inventory(*world, flow_log()), SETTINGS)
    modified = [replace(world[0], state="pending"), *world[1:]]
    during = desired_state(inventory(*modified, flow_log()), SETTINGS, existing=applied(before))
    assert {r.name: r.eni_ids for r in during.rules.values()} == {r.name: r.eni_ids for r in before.rules.values()}
    (pending,) = [c for c in during.coverage if c.pending]
    assert pending.resource.resource_id == "vpce-000"


def test_two_layouts_in_one_log_group_name_their_rules_apart() -> None:
    custom = "${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} ${action}"
    desired = desired_state(
        inventory(
            endpoint("vpce-1", eni_ids=("eni-1",)),
            endpoint("vpce-2", eni_ids=("eni-2",)),
            flow_log(on="eni-1", group="/g"),
            flow_log(on="eni-2", group="/g", log_format=custom),
        ),
        SETTINGS,
    )
    bytes_rules = kind_rules(desired, RuleKind.BYTES)
    assert len(bytes_rules) == 2 and len({r.name for r in bytes_rules}) == 2
    assert all(shared_name_of(RuleKind.BYTES, "/g") != r.name for r in bytes_rules)


def inventory_of(items: list) -> Inventory:
    return inventory(*items)


def test_the_quota_serves_resources_in_priority_order_and_packs_the_rest_tightly() -> None:
    world = endpoints(10)
    vip = endpoint("vpce-vip", eni_ids=("eni-vip",), tags={"plinsights:priority": "1"})
    desired = desired_state(inventory(*world, vip, flow_log()), SETTINGS, RuleQuota(RULES_PER_RESOURCE, "test"))
    monitored = {c.resource.resource_id for c in desired.coverage if c.monitored}
    assert "vpce-vip" in monitored and len(monitored) == 5  # one rule per kind: the VIP and four others (9 ENIs)
    assert ActualState().rules == {}
