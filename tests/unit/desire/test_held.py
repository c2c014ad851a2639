"""The deletion limit holds all of a resource: while its deletions are held, its rules, alarms and a
dashboard section of its own stay, the section marked held and saying why and what to run; once
they are let through, the section goes with them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.artifacts import RULES
from core.artifacts.kind import Delete, Plan, Update
from core.desire import dashboards as dashboard_rendering
from core.desire.held import HELD, MAX_SECTION_WIDGETS, held_sections
from core.model import ActualState, DesiredState, Inventory, ObservedArtifact, ObservedRule, RuleKind
from core.reconcile import desire_and_plan
from core.settings import Settings
from tests.builders import endpoint, enis, flow_log, inventory, load_balancer, shared_name_of
from tests.figures import ALARMS_PER_ENDPOINT, RULES_PER_RESOURCE

DASHBOARD = "PrivateLink-us-east-1"
GONE = endpoint("vpce-gone", eni_ids=("eni-g1",), dedicated=True)  # rules of its own, tagged with its id
STAYS = endpoint("vpce-stays", eni_ids=("eni-s1",))
OWN_ARTIFACTS = RULES_PER_RESOURCE + ALARMS_PER_ENDPOINT  # what deleting GONE deletes
TIGHT = Settings(max_deletes=OWN_ARTIFACTS - 1)


def written(desired: DesiredState, before: ActualState | None = None) -> ActualState:
    """The account once a plan that deletes nothing has made `desired` over `before`, as observe reads
    it (tags give the resource and kind): the rules and alarms that were there stay."""
    kept = before.artifacts if before else {}
    rules = {n: ObservedRule(n, r.definition, r.state, r.resource_id, r.kind.value) for n, r in desired.rules.items()}
    alarms = {n: ObservedArtifact(n, a.body, a.resource_id, a.kind.value) for n, a in desired.alarms.items()}
    return ActualState(
        artifacts={
            "rule": {**kept.get("rule", {}), **rules},
            "alarm": {**kept.get("alarm", {}), **alarms},
            "dashboard": {n: ObservedArtifact(n, d.body) for n, d in desired.dashboards.items()},
        },
        quota=desired.quota,
    )


def monitored(*items) -> ActualState:
    desired, _ = desire_and_plan(inventory(*items, flow_log()), ActualState(), Settings())
    return written(desired)


def widgets(desired: DesiredState, name: str = DASHBOARD) -> list[dict]:
    return json.loads(desired.dashboards[name].body)["widgets"]


def held_section(desired: DesiredState, heading: str) -> list[dict]:
    """The widgets of the section whose text starts with `heading`, up to the next section's heading."""
    found: list[dict] = []
    for widget in sorted(widgets(desired), key=lambda w: (w["y"], w["x"])):
        markdown = widget["properties"].get("markdown", "")
        if markdown.startswith("### "):
            if found:
                break
            if markdown.startswith(heading):
                found.append(widget)
        elif found:
            found.append(widget)
    return found


def test_a_resource_whose_deletions_are_held_keeps_a_section_that_says_why_and_what_to_run() -> None:
    before = monitored(GONE, STAYS)
    desired, plan = desire_and_plan(inventory(STAYS, flow_log()), before, TIGHT)
    assert not [c for c in plan.changes if isinstance(c, Delete)]
    assert plan.held_resources == ("vpce-gone",) and plan.held_back == OWN_ARTIFACTS
    section = held_section(desired, f"### vpce-gone (not discovered) · {HELD}")
    text = section[0]["properties"]["markdown"]
    for told in (
        f"{RULES_PER_RESOURCE} rules and {ALARMS_PER_ENDPOINT} alarms stay",
        f"this run would delete {OWN_ARTIFACTS}, more than the deletion limit of {TIGHT.max_deletes} a run",
        "vpce-gone no longer exists",
        f"`plinsights apply --max-deletes {OWN_ARTIFACTS}`",
        "MaxDeletes",
        "PLINSIGHTS_MAX_DELETES",
        "`plinsights explain vpce-gone`",
    ):
        assert told in text, told
    own_rules = {name for name, rule in before.rules.items() if rule.resource_id == "vpce-gone"}
    own_alarms = {name for name, alarm in before.alarms.items() if alarm.resource_id == "vpce-gone"}
    shown_rules = {w["properties"]["insightRule"]["ruleName"] for w in section if w["type"] == "metric"}
    shown_alarms = {arn.rsplit(":", 1)[1] for w in section if w["type"] == "alarm" for arn in w["properties"]["alarms"]}
    assert (shown_rules, shown_alarms) == (own_rules, own_alarms)
    assert all(HELD in w["properties"]["title"] for w in section[1:])
    (firing,) = [w for w in widgets(desired) if w["properties"].get("states") == ["ALARM"]]
    assert own_alarms <= {arn.rsplit(":", 1)[1] for arn in firing["properties"]["alarms"]}  # still watched


def test_the_summary_says_what_is_held_and_how_to_let_it_through() -> None:
    desired, plan = desire_and_plan(inventory(STAYS, flow_log()), monitored(GONE, STAYS), TIGHT)
    summary = widgets(desired)[0]["properties"]["markdown"]
    assert "**Deletions held.**" in summary and "vpce-gone" in summary
    assert f"`plinsights apply --max-deletes {plan.held_back}`" in summary
    assert any(f"{plan.held_back} deletions held back" in note for note in plan.notes)


def test_held_sections_follow_the_others_which_stay_where_they_were() -> None:
    before = monitored(GONE, STAYS)
    desired, _ = desire_and_plan(inventory(STAYS, flow_log()), before, TIGHT)
    released, _ = desire_and_plan(inventory(STAYS, flow_log()), before, Settings())
    headings = [w["properties"]["markdown"].split("\n")[0] for w in widgets(desired) if w["type"] == "text"][1:]
    assert headings == ["### interface endpoint vpce-stays", f"### vpce-gone (not discovered) · {HELD}"]
    stays = "### interface endpoint vpce-stays"
    assert held_section(desired, stays) == held_section(released, stays) != []


def test_a_held_section_is_written_once_and_goes_when_the_deletions_are_let_through() -> None:
    before = monitored(GONE, STAYS)
    world = inventory(STAYS, flow_log())
    desired, plan = desire_and_plan(world, before, TIGHT)
    assert [type(c) for c in plan.changes] == [Update]  # the dashboard, which keeps the section
    held = written(desired, before)
    _, second = desire_and_plan(world, held, TIGHT)
    assert second.changes == () and second.held_deletions == plan.held_deletions  # no rewrite, the same hold
    released, third = desire_and_plan(world, held, replace(TIGHT, max_deletes=plan.held_back))
    deleted = {(c.artifact, c.name) for c in third.changes if isinstance(c, Delete)}
    assert deleted == {(d.artifact, d.name) for d in plan.held_deletions} and third.held_deletions == ()
    assert HELD not in released.dashboards[DASHBOARD].body
    assert released.dashboards == desire_and_plan(world, ActualState(), Settings())[0].dashboards


def test_a_resource_back_in_discovery_gets_its_own_section_again_and_nothing_is_held() -> None:
    before = monitored(GONE, STAYS)
    world = inventory(STAYS, flow_log())
    desired, _ = desire_and_plan(world, before, TIGHT)
    back, plan = desire_and_plan(inventory(GONE, STAYS, flow_log()), written(desired, before), TIGHT)
    assert plan.held_deletions == () and HELD not in back.dashboards[DASHBOARD].body
    assert back.dashboards == desire_and_plan(inventory(GONE, STAYS, flow_log()), ActualState(), TIGHT)[0].dashboards


def test_a_held_section_never_lets_deletions_through_nor_adds_any(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the widget limit the held section keeps a part of the dashboard that the first plan
    deleted: one deletion fewer, within the limit, and still every deletion is held."""
    per_section = 1 + RULES_PER_RESOURCE + 2 + 1  # heading, rules, PrivateLink charts, alarms
    monkeypatch.setattr(dashboard_rendering, "MAX_WIDGETS", 1 + 1 + per_section + 1)  # one resource a part
    before = monitored(STAYS, GONE)
    assert sorted(before.dashboards) == [DASHBOARD, f"{DASHBOARD}-2"]
    first_count = OWN_ARTIFACTS + 1  # its rules and alarms, and the second part
    desired, plan = desire_and_plan(inventory(STAYS, flow_log()), before, replace(TIGHT, max_deletes=OWN_ARTIFACTS))
    assert sorted(desired.dashboards) == [DASHBOARD, f"{DASHBOARD}-2"]  # the held section keeps the second part
    assert not [c for c in plan.changes if isinstance(c, Delete)]
    assert len(plan.held_deletions) == OWN_ARTIFACTS and plan.held_back == first_count
    assert f"`plinsights apply --max-deletes {first_count}`" in desired.dashboards[DASHBOARD].body


def test_shared_rules_held_keep_a_section_of_their_own() -> None:
    """A resource alone in its log group: the shared rules it alone used go with it, and their
    alarms; they belong to no one resource, so they get a section of theirs."""
    alone = replace(endpoint("vpce-alone"), vpc_id="vpc-2", enis=enis("eni-a1", vpc="vpc-2"))
    before = monitored(alone, STAYS, flow_log(on="vpc-2", group="/flow/alone"))
    desired, plan = desire_and_plan(inventory(STAYS, flow_log()), before, Settings(max_deletes=1))
    assert plan.held_resources == ("vpce-alone",)  # its health alarms are its own
    section = held_section(desired, f"### Shared rules and alarms · {HELD}")
    shown = {w["properties"]["insightRule"]["ruleName"] for w in section if w["type"] == "metric"}
    assert shown == {shared_name_of(kind, "/flow/alone") for kind in RuleKind}
    held_alarms = {d.name for d in plan.held_deletions if d.artifact == "alarm" and not d.resource_id}
    shown_alarms = {arn.rsplit(":", 1)[1] for w in section if w["type"] == "alarm" for arn in w["properties"]["alarms"]}
    assert shown_alarms == held_alarms != set()


def test_a_live_resource_whose_rules_are_held_keeps_its_section_and_a_held_one() -> None:
    """Its flow log deleted: its rules go (held), its PrivateLink-metric alarms stay wanted."""
    before = monitored(GONE, STAYS)
    desired, plan = desire_and_plan(inventory(GONE, STAYS, flow_log(on="vpc-other")), before, TIGHT)
    assert "vpce-gone" in plan.held_resources
    assert held_section(desired, "### interface endpoint vpce-gone\n")  # its live section
    section = held_section(desired, f"### interface endpoint vpce-gone · {HELD}")
    rules = {w["properties"]["insightRule"]["ruleName"] for w in section if w["type"] == "metric"}
    assert rules == {n for n, r in before.rules.items() if r.resource_id == "vpce-gone"}


def test_a_load_balancer_no_longer_discovered_is_named_by_its_short_id() -> None:
    lb = load_balancer(dedicated=True)
    before = monitored(lb, STAYS)
    desired, plan = desire_and_plan(inventory(STAYS, flow_log()), before, Settings(max_deletes=1))
    assert plan.held_resources == (lb.resource_id,)
    section = held_section(desired, f"### {lb.resource_id} (not discovered) · {HELD}")
    titles = [w["properties"]["title"] for w in section[1:]]
    assert titles and all(t.startswith(f"{lb.short_id}: ") for t in titles)


def test_nothing_held_renders_no_held_section() -> None:
    before = monitored(GONE, STAYS)
    desired, plan = desire_and_plan(inventory(STAYS, flow_log()), before, Settings())
    assert plan.held_deletions == () and plan.held_resources == () and plan.held_back == 0
    assert HELD not in json.dumps(widgets(desired)) and "Deletions held" not in json.dumps(widgets(desired))


def test_everything_gone_keeps_a_dashboard_of_held_sections() -> None:
    """A discovery glitch: nothing seen, so no dashboard would be wanted; all of it is held."""
    before = monitored(GONE, STAYS)
    desired, plan = desire_and_plan(Inventory(region="us-east-1"), before, TIGHT)
    assert not [c for c in plan.changes if isinstance(c, Delete)]
    assert plan.held_resources == ("vpce-gone", "vpce-stays")
    assert list(desired.dashboards) == [DASHBOARD]
    assert held_section(desired, f"### vpce-stays (not discovered) · {HELD}")


def test_a_long_held_section_goes_on_in_the_next_under_the_same_heading() -> None:
    many = MAX_SECTION_WIDGETS * 2  # shared rules held: more widgets than one section holds
    rules = {
        f"plinsights-shared-bytes-x-{n}": ObservedRule(f"plinsights-shared-bytes-x-{n}", "{}", "ENABLED")
        for n in range(many)
    }
    plan = Plan(held_deletions=tuple(Delete(RULES, name, "no longer needed") for name in rules), held_back=many)
    sections = held_sections(plan, ActualState(artifacts={"rule": rules}), Inventory(region="us-east-1"), TIGHT)
    assert all(len(s.widgets) <= MAX_SECTION_WIDGETS for s in sections) and len(sections) == 3
    assert sum(len(s.widgets) - 1 for s in sections) == many  # each rule once, under a heading each
    headings = [s.widgets[0][0]["properties"]["markdown"] for s in sections]
    assert headings[1] == f"### Shared rules and alarms · {HELD} (continued, 2 of 3)"
