"""What a run announces: each change of a resource's monitoring once, from what its carrier remembers."""

from __future__ import annotations

import json
from dataclasses import replace

from core.announce.changes import MAX_LISTED, Announcement, announcements, message, subject, to_tell, untold
from core.artifacts import ALARMS
from core.artifacts.kind import Create, Plan
from core.desire.monitoring import EXCLUDED, FOR_FLOW_LOGS, FOR_QUOTA, monitoring_line, rule_kinds_of
from core.desire.state import desired_state
from core.model import ActualState, DesiredState, Inventory, ObservedArtifact, RuleKind, RuleQuota
from core.plan.diff import make_plan
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory

SETTINGS = Settings(alarm_topic_arn="arn:aws:sns:us-east-1:123456789012:alarms")
WATCHED = endpoint("vpce-watched", ("eni-w1", "eni-w2"))
OTHER = endpoint("vpce-other", ("eni-o1",))
EVERY_KIND = "rules:bytes+tcpflows+rejects"


def as_made(desired: DesiredState) -> ActualState:
    """The account once the desired state was written and told: each carrier tagged with its line."""
    alarms = {
        name: ObservedArtifact(name, spec.body, spec.resource_id, spec.kind.value, announced=spec.monitoring)
        for name, spec in desired.alarms.items()
    }
    return ActualState(artifacts={"alarm": alarms})


def run(world: Inventory, actual: ActualState, settings: Settings = SETTINGS) -> tuple[Announcement, ...]:
    desired = desired_state(world, settings, actual.quota)
    return announcements(desired, actual, make_plan(desired, actual, settings.max_deletes))


def test_each_judged_resource_has_one_carrier_whose_line_is_a_tag_not_its_body() -> None:
    desired = desired_state(inventory(WATCHED, OTHER, flow_log()), SETTINGS)
    carriers = {spec.resource_id: spec for spec in desired.alarms.values() if spec.monitoring}
    assert set(carriers) == {"vpce-watched", "vpce-other"}
    for rid, carrier in carriers.items():
        assert carrier.name == min(s.name for s in desired.alarms.values() if s.resource_id == rid)
        assert carrier.monitoring == EVERY_KIND
        assert EVERY_KIND not in carrier.body  # a changed line is a tag, never an alarm update


def test_a_monitored_resource_that_loses_its_flow_log_is_announced_once() -> None:
    before = as_made(desired_state(inventory(WATCHED, flow_log()), SETTINGS))
    (lost,) = run(inventory(WATCHED), before)
    assert (lost.before, lost.now, lost.lost, lost.regained) == (
        EVERY_KIND,
        FOR_FLOW_LOGS,
        ("bytes", "tcpflows", "rejects"),
        (),
    )
    assert lost.is_loss and lost.to_tell and lost.carrier_exists
    text = lost.text()
    assert text.startswith(
        "vpce-watched (interface endpoint, vpc-1): lost its flow-log rules (bytes, tcpflows, rejects)"
    )
    assert "Why: no flow log covers its network interfaces" in text and "What to do: give its network" in text
    # The next run reads the carrier's tag as told: nothing more to say.
    told = replace(before, artifacts={"alarm": {
        name: replace(alarm, announced=lost.now) if name == lost.carrier else alarm
        for name, alarm in before.alarms.items()
    }})  # fmt: skip
    assert run(inventory(WATCHED), told) == ()


def test_a_resource_that_gets_its_rules_back_is_announced_as_monitored_again() -> None:
    without = as_made(desired_state(inventory(WATCHED), SETTINGS))
    (back,) = run(inventory(WATCHED, flow_log()), without)
    assert (back.before, back.now, back.regained, back.lost) == (
        FOR_FLOW_LOGS,
        EVERY_KIND,
        ("bytes", "tcpflows", "rejects"),
        (),
    )
    assert back.to_tell and not back.is_loss
    assert (
        back.text()
        == "vpce-watched (interface endpoint, vpc-1): monitored again: flow-log rules bytes, tcpflows, rejects."
    )


def test_a_new_resource_is_told_only_when_it_cannot_have_any_rule() -> None:
    found = run(inventory(WATCHED, flow_log()), ActualState())
    assert [a.to_tell for a in found] == [False] and not found[0].carrier_exists  # created remembering its line
    (unwatched,) = run(inventory(WATCHED), ActualState())
    assert unwatched.to_tell and unwatched.is_loss and unwatched.text().count("cannot have flow-log rules") == 1


def test_the_quota_is_a_reason_of_its_own_with_its_advice() -> None:
    actual = ActualState(quota=RuleQuota(limit=3, source="Service Quotas", others=3))
    (refused,) = run(inventory(WATCHED, flow_log()), actual)
    assert refused.now == FOR_QUOTA and refused.to_tell
    assert "lack of Contributor Insights quota" in refused.text() and "What to do" not in refused.text()
    assert "L-DBD11BCC" in refused.text()  # the quota's own advice, in its reason


def test_an_exclusion_is_told_on_the_alarm_it_still_has_and_never_again_once_gone() -> None:
    made = as_made(desired_state(inventory(WATCHED, flow_log()), SETTINGS))
    excluded = replace(WATCHED, tags=(("plinsights:exclude", "true"),))
    (gone,) = run(inventory(excluded, flow_log()), made)
    assert gone.now == EXCLUDED and gone.lost == ("bytes", "tcpflows", "rejects") and gone.carrier_exists
    assert "no longer monitored: excluded" in gone.text()
    assert (
        run(inventory(excluded, flow_log()), ActualState()) == ()
    )  # its alarms deleted: nothing remembers, nothing to lose


def test_a_resource_being_created_is_not_judged() -> None:
    pending = replace(WATCHED, state="pending")
    assert monitoring_line(desired_state(inventory(pending), SETTINGS).coverage[0], {}) == ""
    assert run(inventory(pending), as_made(desired_state(inventory(WATCHED, flow_log()), SETTINGS))) == ()


def test_held_deletions_are_named_with_the_limit_that_lets_them_through() -> None:
    made = as_made(desired_state(inventory(WATCHED, flow_log()), SETTINGS))
    desired = desired_state(inventory(WATCHED), SETTINGS)
    rules_of = {"rule": {name: ObservedArtifact(name, "{}", "vpce-watched", "bytes") for name in ("r1", "r2", "r3")}}
    actual = replace(made, artifacts={**made.artifacts, **rules_of})
    plan = make_plan(desired, actual, max_deletes=1)
    (held,) = announcements(desired, actual, plan)
    assert held.held == 3 and f"--max-deletes {plan.held_back}" in held.text()


def test_a_rule_kind_lost_alone_is_named_with_what_still_watches() -> None:
    partial = Announcement(
        WATCHED, EVERY_KIND, "rules:bytes+rejects", "its flow log's format lacks tcp-flags", "a", True
    )
    assert partial.lost == ("tcpflows",) and partial.is_loss
    assert "lost its tcpflows rules; still watched: bytes, rejects" in partial.text()
    assert rule_kinds_of("rules:rejects+bytes") == (RuleKind.BYTES, RuleKind.REJECTS)


def test_one_message_for_the_run_within_what_sns_takes() -> None:
    many = [
        Announcement(replace(WATCHED, resource_id=f"vpce-{n:04d}"), EVERY_KIND, FOR_FLOW_LOGS, "gone", "a", True)
        for n in range(MAX_LISTED + 5)
    ]
    title = subject([*many, Announcement(OTHER, FOR_FLOW_LOGS, EVERY_KIND, "", "b", True)], "p" * 24, "ap-southeast-4")
    assert "\n" not in title and len(title) < 100 and "105 lost monitoring, 1 monitored again" in title
    body = message(many, "plinsights", "us-east-1")
    assert body.count("\n- vpce-") == MAX_LISTED and "and 5 more" in body and len(body.encode()) < 256 * 1024


def test_what_could_not_be_told_is_told_by_the_next_run() -> None:
    desired = desired_state(inventory(WATCHED), SETTINGS)
    plan = make_plan(desired, ActualState(), SETTINGS.max_deletes)
    found = announcements(desired, ActualState(), plan)
    (carrier,) = [
        c for c in untold(plan, to_tell(found)).changes if isinstance(c, Create) and c.name == found[0].carrier
    ]
    assert carrier.spec.monitoring == ""  # type: ignore[attr-defined]
    unchanged = [c for c in untold(plan, to_tell(found)).changes if c.kind is ALARMS and c.name != found[0].carrier]
    assert all(c in plan.changes for c in unchanged)
    assert untold(Plan(), found) == Plan()
    assert json.loads(carrier.spec.body)["AlarmName"] == found[0].carrier
