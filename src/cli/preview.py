"""`plinsights preview` and `plinsights top <resource>`: ranked top-contributor tables, or their JSON."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from core.desire.rules import RULE_TEMPLATES
from core.discover.inventory import discover
from core.inspect.preview import DEFAULT_MAX_EVENTS, DEFAULT_MINUTES, RuleReport, number, reports_to_dict, run_preview
from core.inspect.resource_ids import find_resource
from core.inspect.top import run_top
from core.model import RuleKind

if TYPE_CHECKING:
    from core.clients import Clients
    from core.settings import Settings

PLAIN_WIDTH = 120  # columns when the output is not a terminal: wide enough for two IPv4 keys and an ENI id


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser], flags: argparse.ArgumentParser) -> None:
    text = "the top contributors each wanted rule would report, from the flow-log records already logged"
    preview = commands.add_parser("preview", help=text, description=text, parents=[flags])
    preview.add_argument(
        "--minutes", type=positive, default=DEFAULT_MINUTES, help=f"window (default {DEFAULT_MINUTES})"
    )
    preview.add_argument(
        "--max-events",
        type=positive,
        default=DEFAULT_MAX_EVENTS,
        help=f"most log events read per log group (default {DEFAULT_MAX_EVENTS})",
    )
    text = "the top contributors of a resource's live rules, from CloudWatch (GetInsightRuleReport, charged per call)"
    top = commands.add_parser("top", help=text, description=text, parents=[flags])
    top.add_argument(
        "resource", help="an endpoint id, a load balancer name or ARN, a network interface or endpoint service id"
    )
    top.add_argument("--minutes", type=positive, default=DEFAULT_MINUTES, help=f"window (default {DEFAULT_MINUTES})")


def preview_command(args: argparse.Namespace, clients: Clients, settings: Settings) -> int:
    preview = run_preview(clients, settings, now=time.time(), minutes=args.minutes, max_events=args.max_events)
    for note in preview.notes:
        print(f"plinsights: {note}", file=sys.stderr)  # JSON on stdout stays exactly the contract
    if args.output == "json":
        print(json.dumps(reports_to_dict(preview.rules), indent=2))
    elif not preview.rules:
        print("No rule is wanted: nothing is monitorable (plinsights plan says why).")
    else:
        window = f"the last {args.minutes} minutes of flow-log records, evaluated here"
        print_tables(preview.rules, f"Preview: {window}; no rule has to exist", live=False)
    return 0


def top_command(args: argparse.Namespace, clients: Clients, settings: Settings) -> int:
    """The resource is found as explain finds it (an unknown id is an error, exit 2), from a
    discovery of the account's endpoints and load balancers; then its live rules are reported."""
    inventory = discover(clients)
    resource, _ = find_resource(args.resource, inventory.resources, inventory.region)
    top = run_top(clients, settings, resource, now=time.time(), minutes=args.minutes, named=args.resource)
    if args.output == "json":
        print(json.dumps(reports_to_dict(top.reports), indent=2))
    if not top.reports:
        # Said on stderr too with --output json, whose answer is then {"rules": []}.
        print(
            f"plinsights: {args.resource} has no Contributor Insights rules of this deployment (prefix "
            f"{settings.prefix}); plinsights plan shows whether it can be monitored and why not",
            file=sys.stderr if args.output == "json" else sys.stdout,
        )
    elif args.output != "json":
        print_tables(
            top.reports, f"Top: the last {args.minutes} minutes, as CloudWatch reports the live rules", live=True
        )
    return 0


def print_tables(reports: Sequence[RuleReport], title: str, *, live: bool) -> None:
    """One heading per resource and rule kind, over its ranked table: one table, or one per rule
    when the kind takes several (ENIs read from two log groups, or more than ten ENIs). Their
    contributors are not added up: each list holds a rule's top ten only, and a sum of two top
    tens could rank wrongly."""
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else PLAIN_WIDTH)
    console.print(title, highlight=False)
    heading = ("", "")
    for report in reports:  # in resource, then rule kind order (core/inspect/preview.report_order)
        if (report.resource, report.kind) != heading:
            heading = (report.resource, report.kind)
            console.print(f"\n{report.resource}: {kind_title(report.kind)}", highlight=False)
        console.print(report_table(report))
        console.print(report_caption(report, live=live), highlight=False)


def kind_title(kind: str) -> str:
    try:
        return RULE_TEMPLATES[RuleKind(kind)].title
    except ValueError:
        return kind


def report_caption(report: RuleReport, *, live: bool) -> str:
    evaluation = report.evaluation
    read = "" if live else f"{report.records_read} records read, "
    return (
        f"rule {report.name} on {', '.join(report.log_groups)}: {read}{evaluation.matched} matched, "
        f"{evaluation.unique_contributors} contributors"
    )


def report_table(report: RuleReport) -> Table:
    evaluation = report.evaluation
    value_label = {"bytes": "bytes"}.get(report.kind, "records")
    widest = max((len(c.keys) for c in evaluation.contributors), default=1)
    labels = evaluation.key_labels or tuple(f"key {n}" for n in range(1, widest + 1))
    table = Table()
    table.add_column("#", justify="right")
    for label in labels:
        table.add_column(label)
    table.add_column(value_label, justify="right")
    for rank, contributor in enumerate(evaluation.contributors, start=1):
        table.add_row(str(rank), *contributor.keys, f"{number(contributor.value):,}")
    if not evaluation.contributors:
        table.add_row("", "no contributor", *[""] * (len(labels) - 1), "")
    return table
