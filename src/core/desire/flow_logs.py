"""Flow-log facts: field positions from LogFormat, coverage of an ENI, and why a flow log is unusable."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from core.model import FlowLog, NetworkInterface

# DescribeFlowLogs returns LogFormat for every flow log; a default-format one returns exactly this.
DEFAULT_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
)

CLOUDWATCH_LOGS = "cloud-watch-logs"

FIELD_TOKEN = re.compile(r"\$\{([a-z0-9-]+)\}")  # one field of a LogFormat: ${field-id}


def field_positions(log_format: str) -> dict[str, int]:
    """Maps each field id to its 1-based CLF position: records are the fields in format order,
    separated by single spaces. A token that is not ${field} still takes a position."""
    tokens = (log_format or DEFAULT_FORMAT).split()
    positions: dict[str, int] = {}
    for index, token in enumerate(tokens, start=1):
        match = FIELD_TOKEN.fullmatch(token)
        if match and match.group(1) not in positions:
            positions[match.group(1)] = index
    return positions


def unusable_reason(flow_log: FlowLog) -> str:
    """Why this flow log cannot feed any Contributor Insights rule; empty when it can."""
    if flow_log.destination_type != CLOUDWATCH_LOGS or not flow_log.log_group:
        return f"delivers to {flow_log.destination_type or 'an unknown destination'}, not CloudWatch Logs"
    if flow_log.cross_account_role:
        # DeliverCrossAccountRole: the log group is in another account, which a rule here cannot read.
        return (
            f"flow log {flow_log.flow_log_id} delivers to {flow_log.log_group} in another account "
            f"(through {flow_log.cross_account_role}), which a Contributor Insights rule here cannot read"
        )
    if flow_log.status != "ACTIVE":
        return f"flow log {flow_log.flow_log_id} is {flow_log.status or 'not active'}"
    if flow_log.delivery_status == "FAILED":
        return f"flow log {flow_log.flow_log_id} fails to deliver to {flow_log.log_group}"
    return ""


def flow_logs_by_attachment(flow_logs: Iterable[FlowLog]) -> dict[str, list[tuple[int, FlowLog]]]:
    """The flow logs by the VPC, subnet or ENI they are attached to, each with its place in the
    inventory: the flow logs over an ENI are then three lookups, not a scan of all of them (which,
    with a flow log per ENI, made the desired state quadratic in the number of ENIs)."""
    index: dict[str, list[tuple[int, FlowLog]]] = {}
    for place, flow_log in enumerate(flow_logs):
        index.setdefault(flow_log.resource_id, []).append((place, flow_log))
    return index


def flow_logs_covering(eni: NetworkInterface, index: Mapping[str, Sequence[tuple[int, FlowLog]]]) -> list[FlowLog]:
    """The flow logs that cover this ENI, in inventory order: those on the ENI, its subnet or its VPC
    (a flow log on a VPC or subnet covers every ENI in it, including ENIs created later)."""
    found = [entry for key in {eni.eni_id, eni.subnet_id, eni.vpc_id} for entry in index.get(key, ())]
    return [flow_log for _, flow_log in sorted(found, key=lambda entry: entry[0])]


def missing_fields(positions: Mapping[str, int], needed: Iterable[str]) -> list[str]:
    return [name for name in needed if name not in positions]
