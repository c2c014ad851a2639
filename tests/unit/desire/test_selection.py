import pytest

from core.desire.state import desired_state
from core.settings import Settings
from tests.builders import VPC, endpoint, flow_log, inventory, load_balancer

DEFAULT = Settings()


def monitored(*items, settings: Settings = DEFAULT, **kwargs) -> dict[str, str]:
    state = desired_state(inventory(*items, **kwargs), settings)
    assert all(c.excluded == bool(c.excluded and not (c.rule_names or c.alarm_names)) for c in state.coverage)
    return {c.resource.resource_id: c.unmonitorable if c.excluded else "yes" for c in state.coverage}


@pytest.mark.parametrize("value", ["true", "yes", "", "anything"])
def test_an_exclude_tag_on_the_endpoint_excludes_it_and_everything_for_it(value: str) -> None:
    state = desired_state(inventory(endpoint(tags={"plinsights:exclude": value}), flow_log()), Settings())
    assert not state.rules and not state.alarms
    assert state.coverage[0].excluded and "excluded by its tag plinsights:exclude" in state.coverage[0].unmonitorable


@pytest.mark.parametrize("value", ["false", "no", "0", "off", "False"])
def test_an_exclude_tag_set_to_false_does_not_exclude(value: str) -> None:
    assert monitored(endpoint(tags={"plinsights:exclude": value}), flow_log()) == {"vpce-1": "yes"}


def test_an_exclude_tag_on_the_vpc_excludes_everything_in_it() -> None:
    found = monitored(endpoint(), load_balancer(), flow_log(), vpc_tags={VPC: {"plinsights:exclude": "true"}})
    assert all("on vpc-1" in reason for reason in found.values())


def test_tagged_mode_monitors_only_resources_tagged_or_in_a_tagged_vpc() -> None:
    settings = Settings(selection="tagged")
    found = monitored(
        endpoint("vpce-1", tags={"plinsights:monitor": "true"}), endpoint("vpce-2"), flow_log(), settings=settings
    )
    assert found["vpce-1"] == "yes" and "not selected" in found["vpce-2"]
    assert monitored(
        endpoint("vpce-2"), flow_log(), settings=settings, vpc_tags={VPC: {"plinsights:monitor": "1"}}
    ) == {"vpce-2": "yes"}


def test_exclusion_wins_over_inclusion() -> None:
    tags = {"plinsights:monitor": "true", "plinsights:exclude": "true"}
    assert "excluded" in monitored(endpoint(tags=tags), flow_log(), settings=Settings(selection="tagged"))["vpce-1"]


def test_the_tag_keys_are_settings() -> None:
    settings = Settings(exclude_tag="monitoring", selection="all")
    assert "excluded" in monitored(endpoint(tags={"monitoring": "on"}), flow_log(), settings=settings)["vpce-1"]
