"""Shared rules count exactly what they claim, on published flow-log records in several formats.

For each fixture of tests/fixtures/flowlogs whose format a rule kind can read, the records' ENIs are
given to resources (one ENI to no resource), and the same records are copied once more under an ENI
of no resource in the same log group. The shared rules desired_state renders are then evaluated over
every record (core/inspect/insights_eval.py, CloudWatch's documented semantics) and compared with an
independent evaluation: a plain sum or count over the fields of each record, read here by position.
Each resource's own contributors (what explain, preview and top show of it) are compared too."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from core.desire.state import desired_state
from core.inspect.insights_eval import compile_rule, evaluate
from core.inspect.preview import narrowed
from core.model import Inventory, NetworkInterface, Resource, ResourceKind, RuleKind, RuleSpec
from core.settings import Settings
from tests.builders import flow_log, inventory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flowlogs"
GROUP = "/flow/fixture"
VPC = "vpc-fixture"
STRANGER = "eni-0ffffffffffffffff"  # in the log group, of no resource: never matched, never billed
SYN_WITHOUT_ACK = {"2", "3", "6", "7"}  # tcp-flags of connection attempts (VPC user guide, TCP flag sequence)
EVERYTHING = 10_000  # contributors to ask for: all of them


def fixtures() -> list[tuple[str, str, list[str]]]:
    found = []
    for meta_path in sorted(FIXTURES.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        lines = [line for line in (FIXTURES / meta["records"]).read_text().splitlines() if line.strip()]
        if meta["records"].endswith(".log") and "${interface-id}" in meta["log_format"]:
            found.append((meta_path.stem, meta["log_format"], lines))
    return found


FIXTURE_CASES = fixtures()


def fields_of(log_format: str) -> list[str]:
    return [token[2:-1] for token in log_format.split()]


def records(log_format: str, lines: list[str]) -> list[dict[str, str]]:
    names = fields_of(log_format)
    parsed = [dict(zip(names, line.split(" "), strict=True)) for line in lines]
    return [*parsed, *({**r, "interface-id": STRANGER} for r in parsed)]


def to_line(log_format: str, record: dict[str, str]) -> str:
    return " ".join(record[name] for name in fields_of(log_format))


def world(log_format: str, enis: list[str]) -> Inventory:
    """Two resources over the fixture's ENIs: the first ENI to one, the rest to the other."""
    owners = {"vpce-first": enis[:1], "vpce-rest": enis[1:]}
    resources = [
        Resource(
            resource_id=rid,
            kind=ResourceKind.INTERFACE_ENDPOINT,
            state="available",
            vpc_id=VPC,
            enis=tuple(NetworkInterface(eni, "subnet-x", VPC, "us-east-1a") for eni in owned),
            service_name="com.amazonaws.vpce.us-east-1.vpce-svc-1",
            endpoint_type="Interface",
        )
        for rid, owned in owners.items()
        if owned
    ]
    return inventory(*resources, flow_log(on=VPC, group=GROUP, log_format=log_format))


def expected(kind: RuleKind, rows: list[dict[str, str]], enis: set[str]) -> Counter[tuple[str, ...]]:
    """What each kind claims to count, computed straight from the records."""
    counted: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        if row["interface-id"] not in enis:
            continue
        if kind is RuleKind.BYTES:
            if row.get("log-status", "OK") == "OK" and row["bytes"].isdigit():
                counted[row["interface-id"], row["srcaddr"], row["dstaddr"]] += int(row["bytes"])
        elif kind is RuleKind.TCP_FLOWS:
            if row["protocol"] == "6" and ("tcp-flags" not in row or row["tcp-flags"] in SYN_WITHOUT_ACK):
                counted[row["interface-id"], row["srcaddr"]] += 1
        elif row.get("action") == "REJECT":
            counted[row["interface-id"], row["srcaddr"]] += 1
    return counted


def contributors(rule_definition: str, lines: list[str]) -> Counter[tuple[str, ...]]:
    evaluation = evaluate(compile_rule(rule_definition), lines, top=EVERYTHING)
    return Counter({c.keys: c.value for c in evaluation.contributors})


@pytest.mark.parametrize(("name", "log_format", "lines"), FIXTURE_CASES, ids=[c[0] for c in FIXTURE_CASES])
def test_shared_rules_count_exactly_what_they_claim_on_published_records(
    name: str, log_format: str, lines: list[str]
) -> None:
    rows = records(log_format, lines)
    enis = sorted({r["interface-id"] for r in rows if r["interface-id"] not in (STRANGER, "-")})
    inv = world(log_format, enis)
    desired = desired_state(inv, Settings())
    messages = [to_line(log_format, r) for r in rows]
    rules: list[RuleSpec] = list(desired.rules.values())
    for rule in rules:
        assert STRANGER not in rule.eni_ids
        assert contributors(rule.definition, messages) == expected(rule.kind, rows, set(rule.eni_ids))
        for resource in inv.resources:  # what explain, preview and top show of one resource
            own = [e.eni_id for e in resource.enis if e.eni_id in rule.eni_ids]
            if own:
                assert contributors(narrowed(rule.definition, own), messages) == expected(rule.kind, rows, set(own))


def test_the_fixtures_exercise_every_kind_tcp_flags_and_several_enis() -> None:
    formats = [log_format for _, log_format, _ in FIXTURE_CASES]
    rendered = [
        rule
        for _, log_format, lines in FIXTURE_CASES
        for rule in desired_state(
            world(log_format, sorted({r["interface-id"] for r in records(log_format, lines)} - {STRANGER, "-"})),
            Settings(),
        ).rules.values()
    ]
    assert {rule.kind for rule in rendered} == set(RuleKind)
    assert sum("tcp_flags" in rule.definition for rule in rendered) >= 3
    assert sum("${tcp-flags}" in f for f in formats) >= 2
    assert (
        sum(
            len({line.split(" ")[fields_of(f).index("interface-id")] for line in lines}) > 1
            for _, f, lines in FIXTURE_CASES
        )
        >= 2
    )
