"""Contributor Insights rule kinds and the rendering of their definitions (pure)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.artifacts.canonical import canonical_json
from core.model import RuleKind

MAX_KEYS = 4  # CI rule: Contribution.Keys

MAX_FILTERS = 4  # CI rule: Contribution.Filters

MAX_IN_VALUES = 10  # CI rule: values per In

MAX_DEFINITION_CHARS = 8192  # PutInsightRule: RuleDefinition length

MAX_NAME_CHARS = 128  # PutInsightRule: RuleName length

NAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")  # the console's charset, which also fits alarm names

TCP = 6  # IANA protocol number

# tcp-flags (flow-log field, v3 and later) OR-s the flags seen in the aggregation interval: SYN 2,
# FIN 1, RST 4, ACK 16. A record with SYN and without ACK is a connection attempt: exactly the
# values 2, 3, 6 and 7 (aws-facts F13). CLF fields are text, so `In` takes them as strings (the
# rule syntax gives In an array of strings; UNCONFIRMED that the service compares a numeric-looking
# CLF field as text: tests/unit/inspect/test_insights_eval.py checks our reading of it).
SYN_WITHOUT_ACK = ("2", "3", "6", "7")


@dataclass(frozen=True, slots=True)
class RuleTemplate:
    kind: RuleKind
    title: str
    traffic_types: frozenset[str]  # flow logs of other traffic types would give a wrong or empty rule
    fields: tuple[str, ...]  # flow-log fields the rule cannot do without
    keys: tuple[str, ...]
    aggregate_on: str
    value_of: str = ""
    filters: tuple[Mapping[str, Any], ...] = ()
    ok_records_only: bool = False  # NODATA/SKIPDATA records carry "-" where a number is summed
    tags: Mapping[str, str] = field(default_factory=dict)
    # Flow logs of these traffic types hold every record the rule counts; a rule read from another
    # usable type (ACCEPT for bytes and TCP) misses the rejected records.
    complete_traffic: frozenset[str] = frozenset({"ALL"})
    # (field, filter, title): where a flow log's format has the field, the rule also filters on it
    # and says what it then counts
    sharpened_by: tuple[tuple[str, Mapping[str, Any], str], ...] = ()

    shared_title: str = ""  # the title when a shared rule's keys (the ENI first) change what it names

    def title_for(self, positions: Mapping[str, int], *, shared: bool = False) -> str:
        """What the rule counts over a format with these fields."""
        sharpened = next((title for field_id, _, title in self.sharpened_by if field_id in positions), "")
        return sharpened or (self.shared_title if shared and self.shared_title else self.title)


RULE_TEMPLATES: dict[RuleKind, RuleTemplate] = {
    RuleKind.BYTES: RuleTemplate(
        kind=RuleKind.BYTES,
        title="top talkers by bytes (source, destination)",
        shared_title="top talkers by bytes (ENI, source, destination)",
        traffic_types=frozenset({"ALL", "ACCEPT"}),
        fields=("interface-id", "srcaddr", "dstaddr", "bytes"),
        keys=("srcaddr", "dstaddr"),
        aggregate_on="Sum",
        value_of="bytes",
        ok_records_only=True,
    ),
    RuleKind.TCP_FLOWS: RuleTemplate(
        kind=RuleKind.TCP_FLOWS,
        title="TCP flow records by source",
        traffic_types=frozenset({"ALL", "ACCEPT"}),
        fields=("interface-id", "srcaddr", "protocol"),
        keys=("interface-id", "srcaddr"),
        aggregate_on="Count",
        filters=({"Match": "protocol", "EqualTo": TCP},),
        sharpened_by=(
            ("tcp-flags", {"Match": "tcp-flags", "In": list(SYN_WITHOUT_ACK)}, "TCP connection attempts by source"),
        ),
    ),
    RuleKind.REJECTS: RuleTemplate(
        kind=RuleKind.REJECTS,
        title="rejected flow records by source",
        traffic_types=frozenset({"ALL", "REJECT"}),
        fields=("interface-id", "srcaddr", "action"),
        keys=("interface-id", "srcaddr"),
        aggregate_on="Count",
        filters=({"Match": "action", "In": ["REJECT"]},),
        complete_traffic=frozenset({"ALL", "REJECT"}),
    ),
}


def alias(field_id: str) -> str:
    """The name a flow-log field goes by inside a rule."""
    return field_id.replace("-", "_")


def rule_keys(template: RuleTemplate, shared: bool) -> tuple[str, ...]:
    """A shared rule serves several resources: interface-id leads its keys, so every contributor
    names its ENI and so its resource."""
    if not shared or "interface-id" in template.keys:
        return template.keys
    return ("interface-id", *template.keys)


def render_rule_definition(
    template: RuleTemplate,
    positions: Mapping[str, int],
    log_group: str,
    eni_ids: Sequence[str],
    *,
    shared: bool = False,
) -> str:
    """A CLF rule over one log group whose fields sit at `positions`, limited to `eni_ids`: the
    records of any other ENI are never matched (matched events are billed)."""
    if not 1 <= len(eni_ids) <= MAX_IN_VALUES:
        raise ValueError(f"a rule covers 1 to {MAX_IN_VALUES} ENIs, got {len(eni_ids)}")
    used = list(template.fields)
    filters: list[Mapping[str, Any]] = [{"Match": alias("interface-id"), "In": sorted(eni_ids)}]
    if template.ok_records_only and "log-status" in positions:
        used.append("log-status")
        filters.append({"Match": alias("log-status"), "In": ["OK"]})
    filters += [{**f, "Match": alias(str(f["Match"]))} for f in template.filters]
    for field_id, sharper, _ in template.sharpened_by:
        if field_id in positions:
            used.append(field_id)
            filters.append({**sharper, "Match": alias(field_id)})
    keys = rule_keys(template, shared)
    contribution: dict[str, Any] = {"Keys": [alias(k) for k in keys], "Filters": filters}
    if template.value_of:
        contribution["ValueOf"] = alias(template.value_of)
    definition = {
        "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
        "LogGroupNames": [log_group],
        "LogFormat": "CLF",
        "Fields": {str(positions[f]): alias(f) for f in used},
        "Contribution": contribution,
        "AggregateOn": template.aggregate_on,
    }
    if len(contribution["Keys"]) > MAX_KEYS or len(filters) > MAX_FILTERS:
        raise ValueError(f"{template.kind} rule exceeds {MAX_KEYS} keys or {MAX_FILTERS} filters")
    text = canonical_json(definition)
    if len(text) > MAX_DEFINITION_CHARS:
        raise ValueError(f"{template.kind} rule definition is {len(text)} characters, over {MAX_DEFINITION_CHARS}")
    return text


LOG_GROUP_TOKEN_CHARS = 6  # hex digits of the log group's SHA-256 in a rule name


def log_group_token(log_group: str, layout: str = "") -> str:
    """A short, stable stand-in for the log group a rule reads (log group names run to 512
    characters, too long for a rule name). `layout` is only given when one resource reads one log
    group with two field layouts, which needs two rules."""
    token = hashlib.sha256(log_group.encode()).hexdigest()[:LOG_GROUP_TOKEN_CHARS]
    if layout:
        token += "x" + hashlib.sha256(layout.encode()).hexdigest()[:4]
    return token


def rule_name(prefix: str, short_id: str, kind: RuleKind, log_group: str, chunk: int = 0, layout: str = "") -> str:
    """`<prefix>-<resource>-<kind>-<log group token>[-<chunk>]`: it depends only on the resource,
    the kind, the log group read and, past the first 10 ENIs (the In filter's limit), the chunk
    (2, 3, ...), so a coverage change elsewhere never renames a rule (a new name is a new rule,
    whose history starts empty)."""
    parts = [prefix, re.sub(r"[^A-Za-z0-9_-]", "-", short_id), kind.value, log_group_token(log_group, layout)]
    name = "-".join(parts + ([str(chunk + 1)] if chunk else []))
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"rule name {name!r} is not 1-{MAX_NAME_CHARS} characters from A-Za-z0-9._-")
    return name


def rule_stem(prefix: str, short_id: str, kind: RuleKind) -> str:
    """What every name of this resource's rules of this kind starts with, today's and earlier ones."""
    return "-".join([prefix, re.sub(r"[^A-Za-z0-9_-]", "-", short_id), kind.value])


SHARED = "shared"  # the word that sets shared rules' names apart from a resource's (vpce-..., net-..., gwy-...)


def shared_rule_name(prefix: str, kind: RuleKind, token: str, chunk: int) -> str:
    """`<prefix>-shared-<kind>-<log group token>-<chunk>`, chunk from 1. It depends only on the
    kind, the source read and the chunk's number, never on which resources are in the chunk: a
    resource that joins or leaves rewrites its chunk's In filter, and renames nothing."""
    name = "-".join([prefix, SHARED, kind.value, token, str(chunk)])
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"rule name {name!r} is not 1-{MAX_NAME_CHARS} characters from A-Za-z0-9._-")
    return name


def shared_rule_stem(prefix: str, kind: RuleKind) -> str:
    """What every shared rule of a kind starts with."""
    return "-".join([prefix, SHARED, kind.value])


def in_filter_enis(definition: str) -> list[str]:
    """The ENIs of a rule's interface-id filter; none when the definition cannot be read."""
    try:
        filters = json.loads(definition)["Contribution"].get("Filters") or []
    except (TypeError, ValueError, KeyError, AttributeError):
        return []
    for rule_filter in filters:
        if isinstance(rule_filter, dict) and rule_filter.get("Match") == "interface_id":
            return [str(eni) for eni in rule_filter.get("In") or []]
    return []
