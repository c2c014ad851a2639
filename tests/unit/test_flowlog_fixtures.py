"""The published flow-log records under tests/fixtures/flowlogs follow the LogFormat their metadata states.

Each fixture is NAME.log (record lines) with NAME.json (source, licence, LogFormat). The records are read here
by an independent reading of the format, not by the product's code: space-separated fields, one per
${field} token, in order (VPC user guide, "Flow log records"). A line with a field too many or too few, or a
value that cannot belong to its field, fails.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flowlogs"
TOKEN = re.compile(r"\$\{([a-z0-9-]+)\}")
ABSENT = "-"  # a field with no value for this record (NODATA, SKIPDATA, requester-managed ENIs, ...)

# Field ids of the VPC flow log "Available fields" table (v2-v8) and of Transit Gateway flow logs (v6).
VPC_FIELDS = frozenset(
    [
        "version",
        "account-id",
        "interface-id",
        "srcaddr",
        "dstaddr",
        "srcport",
        "dstport",
        "protocol",
        "packets",
        "bytes",
        "start",
        "end",
        "action",
        "log-status",
        "vpc-id",
        "subnet-id",
        "instance-id",
        "tcp-flags",
        "type",
        "pkt-srcaddr",
        "pkt-dstaddr",
        "region",
        "az-id",
        "sublocation-type",
        "sublocation-id",
        "pkt-src-aws-service",
        "pkt-dst-aws-service",
        "flow-direction",
        "traffic-path",
        "ecs-cluster-arn",
        "ecs-cluster-name",
        "ecs-container-instance-arn",
        "ecs-container-instance-id",
        "ecs-container-id",
        "ecs-second-container-id",
        "ecs-service-name",
        "ecs-task-definition-arn",
        "ecs-task-arn",
        "ecs-task-id",
        "reject-reason",
    ]
)
TRANSIT_GATEWAY_FIELDS = frozenset(
    [
        "version",
        "resource-type",
        "account-id",
        "tgw-id",
        "tgw-attachment-id",
        "tgw-src-vpc-account-id",
        "tgw-dst-vpc-account-id",
        "tgw-src-vpc-id",
        "tgw-dst-vpc-id",
        "tgw-src-subnet-id",
        "tgw-dst-subnet-id",
        "tgw-src-eni",
        "tgw-dst-eni",
        "tgw-src-az-id",
        "tgw-dst-az-id",
        "tgw-pair-attachment-id",
        "srcaddr",
        "dstaddr",
        "srcport",
        "dstport",
        "protocol",
        "packets",
        "bytes",
        "start",
        "end",
        "log-status",
        "type",
        "packets-lost-no-route",
        "packets-lost-blackhole",
        "packets-lost-mtu-exceeded",
        "packets-lost-ttl-expired",
        "tcp-flags",
        "region",
        "flow-direction",
        "pkt-src-aws-service",
        "pkt-dst-aws-service",
    ]
)


def _integer(value: str) -> bool:
    return value.isdigit()


def _address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _one_of(*allowed: str) -> Callable[[str], bool]:
    return lambda value: value in allowed


def _prefixed(prefix: str) -> Callable[[str], bool]:
    return lambda value: value.startswith(prefix) and len(value) > len(prefix)


VALUE_CHECKS: dict[str, Callable[[str], bool]] = {
    **dict.fromkeys(
        [
            "version",
            "account-id",
            "srcport",
            "dstport",
            "protocol",
            "packets",
            "bytes",
            "start",
            "end",
            "tcp-flags",
            "traffic-path",
            "packets-lost-no-route",
            "packets-lost-blackhole",
            "packets-lost-mtu-exceeded",
            "packets-lost-ttl-expired",
        ],
        _integer,
    ),
    **dict.fromkeys(["srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"], _address),
    **dict.fromkeys(["interface-id", "tgw-src-eni", "tgw-dst-eni"], _prefixed("eni-")),
    **dict.fromkeys(["vpc-id", "tgw-src-vpc-id", "tgw-dst-vpc-id"], _prefixed("vpc-")),
    **dict.fromkeys(["subnet-id", "tgw-src-subnet-id", "tgw-dst-subnet-id"], _prefixed("subnet-")),
    **dict.fromkeys(["tgw-attachment-id", "tgw-pair-attachment-id"], _prefixed("tgw-attach-")),
    "tgw-id": _prefixed("tgw-"),
    "instance-id": _prefixed("i-"),
    "action": _one_of("ACCEPT", "REJECT"),
    "log-status": _one_of("OK", "NODATA", "SKIPDATA"),
    "type": _one_of("IPv4", "IPv6", "EFA"),
    "flow-direction": _one_of("ingress", "egress"),
}


def _metadata_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(path.read_text())
    return meta


def _field_ids(log_format: str) -> list[str]:
    tokens = log_format.split(" ")
    ids = [match.group(1) for match in map(TOKEN.fullmatch, tokens) if match]
    assert len(ids) == len(tokens), f"LogFormat has a token that is not ${{field}}: {log_format!r}"
    return ids


def _records(meta_path: Path) -> list[str]:
    meta = _load(meta_path)
    text = (FIXTURES / meta["records"]).read_text()
    assert text.endswith("\n") and "\r" not in text, f"{meta['records']}: lines end in a single \\n"
    return text[:-1].split("\n")


FIXTURE_IDS = [path.stem for path in _metadata_files()]


@pytest.mark.parametrize("meta_path", _metadata_files(), ids=FIXTURE_IDS)
def test_every_record_has_one_valid_value_per_field_of_its_log_format(meta_path: Path) -> None:
    fields = _field_ids(_load(meta_path)["log_format"])
    for number, line in enumerate(_records(meta_path), start=1):
        values = line.split(" ")
        assert len(values) == len(fields), f"{meta_path.stem} line {number}: {len(values)} values, {len(fields)} fields"
        for field, value in zip(fields, values, strict=True):
            check = VALUE_CHECKS.get(field, bool)  # other fields: any non-empty value
            assert value == ABSENT or check(value), f"{meta_path.stem} line {number}: {field}={value!r}"


@pytest.mark.parametrize("meta_path", _metadata_files(), ids=FIXTURE_IDS)
def test_metadata_names_its_source_licence_and_known_fields(meta_path: Path) -> None:
    meta = _load(meta_path)
    assert (FIXTURES / meta["records"]).is_file()
    assert meta["records"] == f"{meta_path.stem}.log"
    assert meta["licence"] and meta["title"]
    source = meta["source"]
    assert source.get("url") or {"repository", "commit", "path"} <= source.keys()
    if "commit" in source:
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert meta["max_aggregation_interval"] in (None, 60, 600)  # MaxAggregationInterval takes 60 or 600
    fields = _field_ids(meta["log_format"])
    known = TRANSIT_GATEWAY_FIELDS if "tgw-id" in fields else VPC_FIELDS
    assert set(fields) <= known, sorted(set(fields) - known)
    assert len(set(fields)) == len(fields)


@pytest.mark.parametrize("meta_path", [p for p in _metadata_files() if "s3_header" in _load(p)], ids=str)
def test_an_s3_header_names_the_fields_of_the_log_format_in_order(meta_path: Path) -> None:
    meta = _load(meta_path)
    assert meta["s3_header"].split(" ") == _field_ids(meta["log_format"])


@pytest.mark.parametrize("meta_path", [p for p in _metadata_files() if "edits" in _load(p)], ids=str)
def test_a_stored_line_differs_from_the_published_one_only_as_its_edit_says(meta_path: Path) -> None:
    records = _records(meta_path)
    for edit in _load(meta_path)["edits"]:
        stored, published = records[edit["line"] - 1], edit["published"]
        assert stored != published and edit["why"]
        if edit["kind"] == "whitespace":
            assert " ".join(published.split()) == stored
        else:
            assert edit["kind"] == "annotation"
            assert published.startswith(stored + " #")


def test_the_fixtures_cover_default_and_custom_formats_tcp_flags_and_several_interfaces() -> None:
    metas = [_load(path) for path in _metadata_files()]
    formats = {meta["log_format"] for meta in metas}
    with_tcp_flags = [meta for meta in metas if "${tcp-flags}" in meta["log_format"].split(" ")]
    assert len(formats) >= 5
    assert len({meta["log_format"] for meta in with_tcp_flags}) >= 2
    several_interfaces = []
    for path, meta in zip(_metadata_files(), metas, strict=True):
        fields = _field_ids(meta["log_format"])
        if "interface-id" in fields:
            column = fields.index("interface-id")
            several_interfaces.append(len({line.split(" ")[column] for line in _records(path)}) > 1)
    assert sum(several_interfaces) >= 2
