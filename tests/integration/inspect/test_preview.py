"""`plinsights preview` on moto: every wanted rule, existing or not, evaluated over the records of
its log group in the window; each log group read once, page by page, up to the cap; the JSON
contract; and the records of generated traffic ranked as a plain sum over them ranks them."""

from __future__ import annotations

import json
import random
import time
from collections import Counter

import pytest

from cli.main import main
from core.desire.flow_logs import DEFAULT_FORMAT
from core.desire.rules import RULE_TEMPLATES
from core.inspect.preview import run_preview
from demo.traffic import Eni, FlowRecord, enis_of, flow_records, write_records
from demo.world import CUSTOM_FORMAT
from tests.integration.conftest import Harness

NOW = int(time.time())
LOG_GROUP = "/vpc/flow-logs/preview"
CLIENTS = ["10.1.0.10", "10.1.0.11", "10.1.0.12", "10.1.0.13"]


def endpoint_with_flow_log(aws: Harness, log_format: str = "") -> tuple[str, list[Eni]]:
    vpc, subnets = aws.world.vpc(subnets=2)
    endpoint = aws.world.interface_endpoint(vpc, subnets, "com.amazonaws.us-east-1.kms")
    aws.world.flow_log(resource_ids=[vpc], log_group=LOG_GROUP, log_format=log_format)
    eni_ids = aws.world.ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["NetworkInterfaceIds"]
    return endpoint, enis_of(aws.world.ec2, eni_ids)


def accepted(eni: Eni, source: str, nbytes: int, minutes_ago: int) -> FlowRecord:
    start = int(time.time()) - minutes_ago * 60  # the CLI's window ends now, not when this module was imported
    return FlowRecord(eni, start, start + 60, source, eni.address, 50000, 443, 6, 10, nbytes, "ACCEPT")


def test_every_wanted_rule_is_previewed_from_records_of_the_window(aws: Harness) -> None:
    endpoint, (eni, _) = endpoint_with_flow_log(aws)
    records = [
        accepted(eni, "10.1.0.10", 5000, minutes_ago=5),
        accepted(eni, "10.1.0.10", 2000, minutes_ago=20),
        accepted(eni, "10.1.0.11", 3000, minutes_ago=10),
        accepted(eni, "10.1.0.12", 9999, minutes_ago=45),  # inside 60 minutes, outside 30
    ]
    write_records(aws.world.logs, LOG_GROUP, DEFAULT_FORMAT, records)

    preview = run_preview(aws.clients, aws.settings, now=time.time(), minutes=30)

    assert [c for c in aws.writes() if c != "logs:FilterLogEvents"] == []  # writes nothing; no rule had to exist
    assert [(r.resource, r.kind) for r in preview.rules] == [(endpoint, kind.value) for kind in RULE_TEMPLATES]
    by_kind = {r.kind: r for r in preview.rules}
    in_window = 3
    assert by_kind["bytes"].records_read == in_window
    assert [(c.keys, c.value) for c in by_kind["bytes"].evaluation.contributors] == [  # a shared rule: ENI first
        ((eni.eni_id, "10.1.0.10", eni.address), 7000),
        ((eni.eni_id, "10.1.0.11", eni.address), 3000),
    ]
    assert by_kind["rejects"].evaluation.contributors == ()
    assert preview.notes == []


def test_each_log_group_is_read_once_page_by_page_up_to_the_cap(aws: Harness) -> None:
    _, (eni, _) = endpoint_with_flow_log(aws)
    written = 30
    write_records(
        aws.world.logs, LOG_GROUP, DEFAULT_FORMAT, [accepted(eni, "10.1.0.10", 100, n % 50 + 1) for n in range(written)]
    )
    cap = 12
    with aws.recording() as calls:
        preview = run_preview(aws.clients, aws.settings, now=time.time(), minutes=60, max_events=cap)
    assert calls.count("logs:FilterLogEvents") >= 1
    assert all(report.records_read == cap for report in preview.rules)
    assert preview.reads[0].capped
    assert preview.notes and f"first {cap} events" in preview.notes[0]

    with aws.recording() as calls:
        whole = run_preview(aws.clients, aws.settings, now=time.time(), minutes=60)
    assert calls.count("logs:FilterLogEvents") == 1  # three rules, one log group, one page
    assert {report.records_read for report in whole.rules} == {written}
    assert not whole.reads[0].capped


def test_a_wanted_rule_whose_log_group_is_gone_reads_nothing_and_says_so(aws: Harness) -> None:
    endpoint_with_flow_log(aws)
    aws.world.logs.delete_log_group(logGroupName=LOG_GROUP)
    preview = run_preview(aws.clients, aws.settings, now=NOW)
    assert {report.records_read for report in preview.rules} == {0}
    assert preview.notes == [f"{LOG_GROUP}: the log group does not exist: no records"]


@pytest.mark.parametrize("log_format", [DEFAULT_FORMAT, CUSTOM_FORMAT], ids=["default", "custom"])
def test_generated_traffic_ranks_as_its_own_sums(aws: Harness, log_format: str) -> None:
    """The expected ranking is summed from the generator's structured records, never from text."""
    _, enis = endpoint_with_flow_log(aws, log_format)
    records = flow_records(enis, CLIENTS, now=NOW, rng=random.Random(7), flows_per_eni=12)
    write_records(aws.world.logs, LOG_GROUP, log_format, records)

    reports = {r.kind: r for r in run_preview(aws.clients, aws.settings, now=NOW).rules}

    bytes_by_pair: Counter[tuple[str, ...]] = Counter()
    rejects: Counter[tuple[str, ...]] = Counter()
    for r in records:
        if r.log_status == "OK":
            bytes_by_pair[(r.eni.eni_id, r.srcaddr, r.dstaddr)] += r.bytes or 0
        if r.action == "REJECT":
            rejects[(r.eni.eni_id, r.srcaddr)] += 1
    top_bytes = sorted(bytes_by_pair.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(c.keys, c.value) for c in reports["bytes"].evaluation.contributors] == top_bytes
    assert dict((c.keys, c.value) for c in reports["rejects"].evaluation.contributors) == dict(rejects)
    assert reports["bytes"].records_read == len(records)


def test_preview_json_is_exactly_the_contract(aws: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    endpoint, (eni, _) = endpoint_with_flow_log(aws)
    write_records(aws.world.logs, LOG_GROUP, DEFAULT_FORMAT, [accepted(eni, "10.1.0.10", 1234, minutes_ago=3)])
    assert main(["preview", "--output", "json", "--minutes", "10"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert list(document) == ["rules"]
    first = document["rules"][0]
    assert list(first) == ["name", "resource", "kind", "log_groups", "records_read", "contributors"]
    assert (first["resource"], first["kind"], first["log_groups"], first["records_read"]) == (
        endpoint,
        "bytes",
        [LOG_GROUP],
        1,
    )
    assert first["contributors"] == [{"keys": [eni.eni_id, "10.1.0.10", eni.address], "value": 1234}]


def test_preview_text_is_one_ranked_table_per_resource_and_kind(
    aws: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint, (eni, _) = endpoint_with_flow_log(aws)
    write_records(
        aws.world.logs,
        LOG_GROUP,
        DEFAULT_FORMAT,
        [accepted(eni, "10.1.0.10", 700, 3), accepted(eni, "10.1.0.11", 900, 4)],
    )
    assert main(["preview", "--minutes", "10"]) == 0
    out = capsys.readouterr().out
    for template in RULE_TEMPLATES.values():
        assert out.count(f"{endpoint}: {template.title}") == 1
    first, second = out.index("10.1.0.11"), out.index("10.1.0.10")
    assert first < second  # 900 bytes rank above 700
    assert "900" in out.splitlines()[next(i for i, line in enumerate(out.splitlines()) if "10.1.0.11" in line)]
