"""`plinsights explain <id>`: one resource's monitoring as a sectioned report, or one JSON object."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from core.desire.alarms import figure
from core.desire.cost import cost_to_dict, count, usd
from core.desire.flow_logs import CLOUDWATCH_LOGS, DEFAULT_FORMAT
from core.inspect.alarm_contributors import AlarmContributors
from core.inspect.explain import AlarmFacts, Choice, Explanation, FlowLogRole, PendingChange
from core.report import change_to_dict, coverage_to_dict

DESTINATIONS = {CLOUDWATCH_LOGS: "CloudWatch Logs", "s3": "S3", "kinesis-data-firehose": "Firehose"}


def change_dict(change: PendingChange | None) -> dict[str, str] | None:
    return None if change is None else {"action": change.action, "reason": change.reason}


def flow_log_to_dict(role: FlowLogRole) -> dict[str, Any]:
    fl = role.flow_log
    return {
        "id": fl.flow_log_id,
        "attached_to": {"type": role.attached_to, "id": fl.resource_id},
        "enis": list(role.eni_ids),
        "destination": fl.destination_type,
        "log_group": fl.log_group,
        "traffic_type": fl.traffic_type,
        "log_format": fl.log_format or DEFAULT_FORMAT,
        "default_format": (fl.log_format or DEFAULT_FORMAT) == DEFAULT_FORMAT,
        "status": fl.status,
        "delivery_status": fl.delivery_status,
        "usable": not role.unusable,
        "unusable_reason": role.unusable,
        "rule_kinds": [
            {
                "kind": c.kind.value,
                "chosen": c.chosen,
                "enis": list(c.eni_ids),
                "reason": c.reason,
                "rules": list(c.rules),
            }
            for c in role.choices
        ],
    }


def alarm_to_dict(alarm: AlarmFacts) -> dict[str, Any]:
    return {
        "name": alarm.name,
        "kind": alarm.kind,
        "measures": alarm.measures,
        "statistic": alarm.statistic,
        "threshold": alarm.threshold,
        "period_seconds": alarm.period,
        "evaluation_periods": alarm.evaluation_periods,
        "metrics": alarm.metrics,
        "rules": list(alarm.rules),
        "exists": alarm.exists,
        "change": change_dict(alarm.change),
    }


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """The plan's coverage entry of the resource (same keys, same `monitored`), and the details."""
    resource, coverage = explanation.resource, explanation.coverage
    data = coverage_to_dict(coverage)
    data |= {
        "name": resource.name,
        "region": explanation.region,
        "matched_by": explanation.matched_by,
        "over_quota": coverage.over_quota,
        "network_interfaces": [
            {"id": eni.eni_id, "subnet": eni.subnet_id, "availability_zone": eni.availability_zone}
            for eni in resource.enis
        ],
        "flow_logs": [flow_log_to_dict(role) for role in explanation.flow_logs],
        "rule_details": [
            {
                "name": rule.name,
                "kind": rule.kind.value,
                "log_group": rule.log_group,
                "enis": list(rule.eni_ids),
                "state": rule.state,
                "exists": rule.exists,
                "change": change_dict(rule.change),
            }
            for rule in explanation.rules
        ],
        "alarm_details": [alarm_to_dict(alarm) for alarm in explanation.alarms],
        "managed_rules": [
            {"name": m.name, "template": m.template, "endpoint_service": m.service_id, "exists": m.exists}
            | {"change": change_dict(m.change)}
            for m in explanation.managed_rules
        ],
        "dashboards": [
            {"name": d.name, "exists": d.exists, "change": change_dict(d.change)} for d in explanation.dashboards
        ],
        "changes": [change_to_dict(change) for change in explanation.changes],
    }
    if explanation.contributors is not None:  # its consumer alarms' series in ALARM, read live
        data["alarm_contributors"] = contributors_to_dict(explanation.contributors)
    data["cost"] = cost_to_dict(explanation.cost)  # the plan's "cost" shape, for this resource alone
    return data


def contributors_to_dict(contributors: AlarmContributors) -> dict[str, Any]:
    """By alarm: the series in ALARM (`contributors`), or why they could not be read (`unknown`)."""
    found: dict[str, Any] = {
        name: {
            "contributors": [
                {"id": c.contributor_id, "attributes": dict(c.attributes), "reason": c.reason, "since": c.since}
                for c in items
            ]
        }
        for name, items in contributors.in_alarm.items()
    }
    found |= {name: {"unknown": why} for name, why in contributors.unknown.items()}
    return dict(sorted(found.items()))


def account_state(exists: bool, change: PendingChange | None) -> str:
    """Where the artifact stands, as the dry run found it."""
    if change is None:
        return "exists, unchanged" if exists else "not created (see the plan's notes)"
    if change.action == "create":
        return f"will be created ({change.reason})"
    return f"exists, will be {change.action}d ({change.reason})" if change.action != "switch" else change.reason


class Report:
    """Lines on a rich console: headings in bold, data never read as markup, long lines never cut."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def heading(self, title: str) -> None:
        self.console.print()
        self.console.print(Text(title, style="bold underline"))

    def line(self, text: str, style: str = "", indent: int = 2) -> None:
        self.console.print(Text(" " * indent + text, style=style), soft_wrap=True)


def render_explanation(explanation: Explanation, console: Console) -> None:
    """A sectioned report: what it is, whether it is monitored, its ENIs, its flow logs and why each
    one is read or not, its rules, alarms and dashboard, and what the plan would change."""
    report = Report(console)
    for section in (
        render_identity,
        render_monitoring,
        render_interfaces,
        render_flow_logs,
        render_rules,
        render_managed_rules,
        render_alarms,
        render_consumers,
        render_dashboards,
        render_cost,
        render_changes,
    ):
        section(explanation, report)


def render_identity(explanation: Explanation, report: Report) -> None:
    resource = explanation.resource
    title = Text(resource.short_id, style="bold")
    title.append(f"  {resource.kind.value}, {resource.kind.side} side, {resource.state}", style="")
    report.console.print(title, soft_wrap=True)
    facts = [f"Region {explanation.region}", f"VPC {resource.vpc_id}"]
    if resource.name:
        facts.append(f"name {resource.name}")
    if resource.service_name:
        facts.append(f"service {resource.service_name}")
    if resource.endpoint_services:
        facts.append(f"endpoint services {', '.join(resource.endpoint_services)}")
    report.line(" · ".join(facts))
    if resource.resource_id != resource.short_id:
        report.line(resource.resource_id)
    report.line(f"found by its {explanation.matched_by}", style="dim")


def render_monitoring(explanation: Explanation, report: Report) -> None:
    coverage = explanation.coverage
    report.heading("Monitoring")
    if coverage.monitored:
        rules = f"{len(coverage.rule_names)} rules over {', '.join(coverage.log_groups)}"
        report.line(f"monitored: {rules}", style="green")
    else:
        label = "pending" if coverage.pending else "excluded" if coverage.excluded else "not monitored"
        report.line(f"{label}: {coverage.unmonitorable}", style="yellow")
    for note in coverage.notes:
        report.line(f"note: {note}")


def render_interfaces(explanation: Explanation, report: Report) -> None:
    report.heading("Network interfaces")
    if not explanation.resource.enis:
        report.line("none")
        return
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 2))
    for column in ("ENI", "subnet", "AZ"):
        table.add_column(column, no_wrap=True)
    for eni in explanation.resource.enis:
        table.add_row(eni.eni_id, eni.subnet_id, eni.availability_zone or "-")
    report.console.print(Padding(table, (0, 0, 0, 2), expand=False))


def render_flow_logs(explanation: Explanation, report: Report) -> None:
    report.heading("Flow logs")
    if not explanation.flow_logs:
        report.line("none covers its network interfaces (on the ENI, its subnet or its VPC)")
    for role in explanation.flow_logs:
        fl = role.flow_log
        destination = DESTINATIONS.get(fl.destination_type, fl.destination_type or "unknown destination")
        into = f"{destination} {fl.log_group}" if fl.log_group else destination
        layout = "default format" if (fl.log_format or DEFAULT_FORMAT) == DEFAULT_FORMAT else "custom format"
        report.line(f"{fl.flow_log_id}  on {role.attached_to} {fl.resource_id}", style="bold")
        delivery = f"{fl.status}, delivery {fl.delivery_status}"
        report.line(f"to {into} · {fl.traffic_type} traffic · {layout} · {delivery}", indent=4)
        report.line(f"covers {', '.join(role.eni_ids)}", indent=4)
        if role.unusable:
            report.line(f"feeds no rule: {role.unusable}", style="red", indent=4)
            continue
        for choice in role.choices:
            text = choice_text(choice, explanation.coverage.monitored)
            report.line(text, style="" if choice.chosen else "dim", indent=4)


def choice_text(choice: Choice, monitored: bool) -> str:
    kind, enis = f"{choice.kind.value:<9}", ", ".join(choice.eni_ids)
    if not choice.chosen:
        return f"{kind} not chosen for {enis}: {choice.reason}"
    if choice.rules:
        return f"{kind} chosen for {enis}: {choice.reason}, by {', '.join(choice.rules)}"
    later = " once it is monitored (see Monitoring)" if not monitored else ""
    return f"{kind} chosen for {enis}: {choice.reason}{later}"


def render_rules(explanation: Explanation, report: Report) -> None:
    report.heading("Rules")
    if not explanation.rules:
        report.line("none")
    for rule in explanation.rules:
        report.line(rule.name, style="bold")
        report.line(f"{rule.kind.value}: {rule.title}; reads {rule.log_group} for {', '.join(rule.eni_ids)}", indent=4)
        report.line(f"{rule.state.lower()}; {account_state(rule.exists, rule.change)}", indent=4)


def render_managed_rules(explanation: Explanation, report: Report) -> None:
    if not explanation.managed_rules:
        return
    report.heading("Managed rules of its endpoint services (PLINSIGHTS_MANAGED_RULES)")
    for rule in explanation.managed_rules:
        report.line(f"{rule.template} for {rule.service_id}", style="bold")
        report.line(f"{rule.name}; {account_state(rule.exists, rule.change)}", indent=4)


def render_alarms(explanation: Explanation, report: Report) -> None:
    report.heading("Alarms")
    if not explanation.alarms:
        report.line("none")
    for alarm in explanation.alarms:
        report.line(alarm.name, style="bold")
        window = (
            f"in any {alarm.period}-second period of the last {alarm.evaluation_periods}"
            if alarm.evaluation_periods > 1
            else f"within {alarm.period} seconds"
        )
        report.line(
            f"ALARM at {figure(alarm.threshold)} or more {window}: {alarm.measures} ({alarm.statistic})", indent=4
        )
        metrics = f"{alarm.metrics} metric{'s' if alarm.metrics != 1 else ''}"
        report.line(f"{metrics}; {account_state(alarm.exists, alarm.change)}", indent=4)


def render_consumers(explanation: Explanation, report: Report) -> None:
    """A provider's consumers, per endpoint service: endpoint, account, state, and whether a consumer
    alarm has it in ALARM (read live; said when it could not be)."""
    resource, contributors = explanation.resource, explanation.contributors
    if not resource.endpoint_services:
        return
    report.heading("Consumers (DescribeVpcEndpointConnections)")
    report.line(
        "its flow-log rules never show them: their traffic reaches the targets from the nodes' addresses", style="dim"
    )
    if contributors is not None:
        for name, why in sorted(contributors.unknown.items()):
            report.line(f"contributors of {name} not read: {why}", style="yellow")
    for service_id in resource.endpoint_services:
        consumers = [c for c in resource.consumers if c.service_id == service_id]
        accounts = len({c.owner for c in consumers})
        report.line(f"{service_id}: {len(consumers)} consumer endpoints in {accounts} accounts", style="bold")
        for c in consumers:  # one line each, never cut: ids and accounts are what a person acts on
            alarming = ", ".join(contributors.of(c.endpoint_id)) if contributors else ""
            where = f" in {c.region}" if c.region and c.region != explanation.region else ""
            text = f"{c.endpoint_id}  account {c.owner}  {c.state}{where}"
            report.line(
                text + (f"  in ALARM: {alarming}" if alarming else ""), style="red" if alarming else "", indent=4
            )
    if contributors is not None:
        known = {c.endpoint_id for c in resource.consumers}
        for name, items in sorted(contributors.in_alarm.items()):
            strangers = [item for item in items if not any(item.names(endpoint) for endpoint in known)]
            for stranger in strangers:  # a consumer that connected after this run's discovery, or left
                ids = ", ".join(value for _, value in stranger.attributes)
                report.line(f"{name}: {ids} in ALARM, not among the connections read: {stranger.reason}", indent=4)


def render_dashboards(explanation: Explanation, report: Report) -> None:
    report.heading("Dashboard")
    if not explanation.dashboards:
        report.line("no section: it has no rules or alarms")
    for dashboard in explanation.dashboards:
        report.line(f"{dashboard.name}: {account_state(dashboard.exists, dashboard.change)}")


def render_cost(explanation: Explanation, report: Report) -> None:
    cost = explanation.cost
    report.heading("Estimated cost a month (list prices as set; an estimate, not a bill)")
    rules = count(cost.rules + cost.managed_rules)  # whole, or a resource's share of shared rules
    managed = f" ({cost.managed_rules} managed)" if cost.managed_rules else ""
    report.line(
        f"{usd(cost.monthly_usd)}: {rules} rules{managed} x {usd(cost.price_rule_month)} = {usd(cost.rules_usd)}"
    )
    report.line(
        f"{count(cost.alarm_metrics)} alarm metrics in {count(cost.alarms)} alarms"
        f" x {usd(cost.price_alarm_metric_month)} = {usd(cost.alarms_usd)}",
        indent=4,
    )
    if cost.matched_events is None:
        report.line(f"matched log events: unknown, not in the total ({cost.matched_basis})", indent=4)
    else:
        report.line(
            f"matched log events: at most {cost.matched_events / 1e6:,.2f} million"
            f" = {usd(cost.matched_events_usd or 0.0)} ({cost.matched_basis})",
            indent=4,
        )
    report.line("its dashboard section is part of the Region's dashboard, priced in the plan", indent=4)


def render_changes(explanation: Explanation, report: Report) -> None:
    report.heading("Pending changes (dry run, nothing written)")
    if not explanation.changes:
        report.line("none")
    for change in explanation.changes:
        report.line(f"{change.action.value} {change.artifact} {change.name}  ({change.reason})")
