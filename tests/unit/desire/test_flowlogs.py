from core.desire.flow_logs import (
    DEFAULT_FORMAT,
    field_positions,
    flow_logs_by_attachment,
    flow_logs_covering,
    unusable_reason,
)
from core.model import FlowLog, NetworkInterface
from tests.builders import CUSTOM_FORMAT, flow_log


def test_default_format_positions_match_the_documented_version_2_layout() -> None:
    positions = field_positions(DEFAULT_FORMAT)
    assert positions["interface-id"] == 3
    assert (positions["srcaddr"], positions["dstaddr"]) == (4, 5)
    assert (positions["protocol"], positions["bytes"], positions["action"]) == (8, 10, 13)
    assert positions["log-status"] == 14


def test_custom_format_positions_follow_the_format_order() -> None:
    positions = field_positions(CUSTOM_FORMAT)
    assert positions == {
        "version": 1, "vpc-id": 2, "subnet-id": 3, "interface-id": 4, "srcaddr": 5,
        "dstaddr": 6, "protocol": 7, "bytes": 8, "action": 9,
    }  # fmt: skip


def test_an_empty_format_is_the_default_format() -> None:
    assert field_positions("") == field_positions(DEFAULT_FORMAT)


def test_a_token_that_is_not_a_field_still_takes_a_position() -> None:
    assert field_positions("${version} junk ${srcaddr}") == {"version": 1, "srcaddr": 3}


def covers(flow_log: FlowLog, eni: NetworkInterface) -> bool:
    """The definition, scanned: what the index must find."""
    return flow_log.resource_id in (eni.eni_id, eni.subnet_id, eni.vpc_id)


def test_flow_logs_cover_an_eni_through_the_eni_its_subnet_or_its_vpc() -> None:
    eni = NetworkInterface("eni-1", "subnet-a", "vpc-1")
    for target, found in (("eni-1", 1), ("subnet-a", 1), ("vpc-1", 1), ("subnet-b", 0), ("vpc-2", 0)):
        assert len(flow_logs_covering(eni, flow_logs_by_attachment([flow_log(on=target)]))) == found, target


def test_the_flow_logs_over_an_eni_are_looked_up_by_attachment_in_inventory_order() -> None:
    eni = NetworkInterface("eni-1", "subnet-a", "vpc-1")
    logs = [
        flow_log(on="vpc-1", group="/a"),
        flow_log(on="eni-2"),
        flow_log(on="eni-1"),
        flow_log(on="subnet-b"),
        flow_log(on="subnet-a"),
        flow_log(on="vpc-1", group="/b"),
    ]
    index = flow_logs_by_attachment(logs)
    assert flow_logs_covering(eni, index) == [fl for fl in logs if covers(fl, eni)] == [logs[i] for i in (0, 2, 4, 5)]


def test_unusable_reasons() -> None:
    assert unusable_reason(flow_log()) == ""
    assert "s3" in unusable_reason(flow_log(destination="s3"))
    assert "not CloudWatch Logs" in unusable_reason(flow_log(destination="kinesis-data-firehose"))
    assert "INACTIVE" in unusable_reason(flow_log(status="INACTIVE"))
