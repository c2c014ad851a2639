"""Top-contributor alarms on shared rules: one per shared rule of the bytes and reject kinds, saying
whom it serves and measuring exactly what a shared rule can: its top contributor, at one threshold."""

from __future__ import annotations

import json

from core.desire.state import desired_state
from core.model import AlarmKind, RuleKind
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory, shared_name_of

TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"


def shared_alarms(settings: Settings, *items) -> dict[str, dict]:
    desired = desired_state(inventory(*items), settings)
    return {a.name: json.loads(a.body) | {"served": a.served} for a in desired.alarms.values() if not a.resource_id}


def test_each_shared_rule_of_bytes_and_rejects_has_one_top_contributor_alarm_naming_whom_it_serves() -> None:
    found = shared_alarms(
        Settings(alarm_topic_arn=TOPIC), endpoint("vpce-a"), endpoint("vpce-b", eni_ids=("eni-3",)), flow_log()
    )
    assert sorted(found) == [
        shared_name_of(RuleKind.BYTES).replace("-shared-bytes-", f"-shared-{AlarmKind.TOP_BYTES.value}-"),
        shared_name_of(RuleKind.REJECTS).replace("-shared-rejects-", f"-shared-{AlarmKind.TOP_REJECTS.value}-"),
    ]
    for alarm in found.values():
        assert alarm["served"] == ("vpce-a", "vpce-b")
        assert "Shared by 2 resources: vpce-a, vpce-b (3 ENIs in /flow/vpc)" in alarm["AlarmDescription"]
        assert "The threshold is the same for each resource served" in alarm["AlarmDescription"]
        (query,) = alarm["Metrics"]
        assert query["Expression"].endswith('"MaxContributorValue")')
        assert alarm["AlarmActions"] == [TOPIC] == alarm["OKActions"]


def test_a_shared_rule_gets_no_total_alarm_whatever_the_rule_alarms_setting() -> None:
    for mode in ("top", "total", "both"):
        found = shared_alarms(Settings(rule_alarms=mode), endpoint(), flow_log())
        assert {a["Metrics"][0]["Expression"].rsplit(",", 1)[1] for a in found.values()} == {' "MaxContributorValue")'}


def test_the_threshold_and_period_of_a_shared_alarm_are_the_settings_never_a_resources_tag() -> None:
    settings = Settings(bytes_top_threshold=123_456, rejects_top_threshold=9)
    found = shared_alarms(settings, endpoint(), flow_log())
    thresholds = {name.split("-shared-")[1].rsplit("-", 2)[0]: a["Threshold"] for name, a in found.items()}
    assert thresholds == {AlarmKind.TOP_BYTES.value: 123_456, AlarmKind.TOP_REJECTS.value: 9}
    assert all(a["Metrics"][0]["Period"] in (settings.bytes_period, settings.rejects_period) for a in found.values())


def test_many_resources_are_named_up_to_a_dozen_and_then_counted() -> None:
    many = [endpoint(f"vpce-{n:02d}", eni_ids=(f"eni-{n:02d}",)) for n in range(10)]
    found = shared_alarms(Settings(), *many, flow_log())
    description = next(iter(found.values()))["AlarmDescription"]
    assert "Shared by 10 resources: vpce-00, vpce-01" in description and len(description) <= 1024


def test_every_live_resource_keeps_its_own_privatelink_metric_alarm_beside_the_shared_ones() -> None:
    desired = desired_state(
        inventory(endpoint("vpce-a"), endpoint("vpce-b", eni_ids=("eni-3",)), flow_log()), Settings()
    )
    for coverage in desired.coverage:
        own = [n for n in coverage.alarm_names if desired.alarms[n].resource_id == coverage.resource.resource_id]
        shared = [n for n in coverage.alarm_names if not desired.alarms[n].resource_id]
        rid = coverage.resource.resource_id
        assert own == [f"plinsights-{rid}-dropped-packets", f"plinsights-{rid}-resets-received"] and len(shared) == 2
