"""The demo: a PrivateLink world on a local moto server, reconciled by the Lambda handler on the
sample events, then the consumer endpoint deleted and its monitoring removed. No AWS account needed."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from rich.console import Console

from cli.explain import render_explanation
from cli.preview import print_tables
from core.clients import Clients
from core.desire.alarms import figure
from core.inspect.alarm_contributors import read_alarm_contributors, watched_consumer_alarms
from core.inspect.explain import explain
from core.inspect.preview import Preview, preview_resource, run_preview
from core.inspect.top import run_top
from core.reconcile import Outcome, run_reconcile
from core.report import render_text
from core.settings import Settings
from demo.consumers import Consumer, connect_consumers, ranking, ranking_lines, simulate_consumer_metrics
from demo.dashboard_data import evaluated_alarms, read_widget_data, simulate_metrics
from demo.local import REGION, lambda_context, local_aws
from demo.render import Contributor, dashboard_html
from demo.stack import STACK, deploy_stand_in
from demo.traffic import write_demo_traffic
from demo.world import DemoWorld, World, add_neighbours, build_demo_world, quiet_of

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
OUTPUT = ROOT / "demo-output"
# The ids in events/ stand for a real account's; the demo swaps in the ids moto gave its world.
SAMPLE_ENDPOINT = "vpce-0f1e2d3c4b5a69788"
SAMPLE_LOAD_BALANCER = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders-nlb/4f8a1c2e9b7d3a60"
)
SAMPLE_EVENTS = [
    "create-load-balancer.json",
    "create-vpc-endpoint-service-configuration.json",
    "create-flow-logs.json",
    "create-vpc-endpoint.json",
    "modify-vpc-endpoint.json",
    "set-subnets.json",
    "scheduled.json",
    "backfill-dry-run.json",
    "backfill.json",
    "ignored/create-vpc-endpoint-failed.json",
]


def sample_event(name: str, world: DemoWorld) -> Any:
    text = (EVENTS / name).read_text()
    # moto writes app/ into every load balancer ARN; AWS writes net/ for a Network Load Balancer.
    load_balancer = world.load_balancer.replace(":loadbalancer/app/", ":loadbalancer/net/")
    text = text.replace(SAMPLE_ENDPOINT, world.consumer_endpoint).replace(SAMPLE_LOAD_BALANCER, load_balancer)
    return json.loads(text)


def heading(text: str) -> None:
    print(f"\n== {text} ==")


def describe_result(name: str, result: Mapping[str, Any]) -> str:
    if result.get("ignored"):
        return f"ignored: {result['reason']}"
    done = result.get("done", result["plan"])
    verb = "would make" if result["dry_run"] else "made"
    counts = {action: sum(1 for c in done if c["action"] == action) for action in ("create", "update", "delete")}
    changes = ", ".join(f"{n} {a}d" for a, n in counts.items() if n) or "no change"
    totals = f"{result['monitored']} monitored, {result['rules']} rules, {result['alarms']} alarms"
    return f"{result['trigger']}: {totals}; {verb}: {changes}"


def show_preview(session: boto3.Session) -> Preview:
    """`plinsights preview`, bytes and rejects only: what the rules will report, before any exists."""
    heading("plinsights preview: the top contributors, from the records already logged")
    preview = run_preview(Clients(session=session), Settings.from_env(), now=time.time())
    shown = [report for report in preview.rules if report.kind in ("bytes", "rejects")]
    print_tables(shown, f"the last {preview.minutes} minutes (the tcpflows tables: plinsights preview)", live=False)
    return preview


def show_explanation(session: boto3.Session, outcome: Outcome, resource_id: str) -> None:
    """`plinsights explain <id>`: one resource, flow log by flow log, and its own top talkers from the
    rules that serve it (shared with its neighbours: the rule evaluated over its ENIs alone)."""
    heading(f"plinsights explain {resource_id}")
    render_explanation(explain(resource_id, outcome, Settings.from_env()), Console(soft_wrap=True, highlight=False))
    talkers = preview_resource(Clients(session=session), outcome, resource_id, now=time.time())
    shown = [report for report in talkers.rules if report.kind == "bytes"]
    print_tables(shown, f"\nIts own top talkers (the last {talkers.minutes} minutes of records)", live=False)


def show_top(session: boto3.Session, outcome: Outcome, named: str) -> dict[str, list[Contributor]]:
    """`plinsights top <id>` for each monitored resource, the first one shown: the live rules' reports,
    which the local server computes as CloudWatch would, from the rules' definitions and the flow-log
    records logged. Returns every rule's top contributors by its name, for the dashboard pictures."""
    heading(f"plinsights top {named}: the live rules, as GetInsightRuleReport answers (here, the local server)")
    clients, settings = Clients(session=session), Settings.from_env()
    resources = outcome.inventory.resources
    monitored = {c.resource.resource_id for c in outcome.desired.coverage if c.monitored}
    contributors: dict[str, list[Contributor]] = {}
    for resource in sorted((r for r in resources if r.resource_id in monitored), key=lambda r: r.resource_id != named):
        top = run_top(clients, settings, resource, now=time.time(), minutes=60, named=resource.resource_id)
        if resource.resource_id == named:
            shown = [report for report in top.reports if report.kind in ("bytes", "rejects")]
            print_tables(shown, "the last 60 minutes (the tcpflows table: plinsights top)", live=True)
        for report in top.reports:
            # A shared rule's widget shows every resource it serves: their contributors together.
            shown_already = {keys for keys, _ in contributors.get(report.name, [])}
            contributors.setdefault(report.name, []).extend(
                (c.keys, float(c.value)) for c in report.evaluation.contributors if c.keys not in shown_already
            )
    return contributors


def describe_consumer(demo: DemoWorld, neighbours: Sequence[str]) -> None:
    quiet = quiet_of(neighbours)
    busy = [endpoint for endpoint in neighbours if endpoint not in quiet]
    print(f"consumer: interface endpoint {demo.consumer_endpoint} in 2 subnets of {demo.consumer_vpc}, and")
    print(f"          {', '.join(busy)} to AWS services beside it; VPC-level flow log, default format")
    print("          -> /vpc/flow-logs/consumer: they share its rules")
    print(f"          {', '.join(quiet)}, quiet (AWS KMS, a call every few minutes), has rules of its own")


def show_sharing(outcome: Outcome, resource_id: str) -> None:
    """Which resources share the rules that serve this one: a rule reads up to ten ENIs."""
    heading(f"Shared rules: the resources read from {resource_id}'s log group share its rules")
    for rule in sorted(outcome.desired.rules.values(), key=lambda r: r.name):
        if rule.serves(resource_id):
            print(f"{rule.name}: {len(rule.eni_ids)} ENIs of {', '.join(rule.served)} ({rule.title})")


def show_rules(world: World) -> None:
    rules = world.cloudwatch.describe_insight_rules().get("InsightRules", [])
    print(f"{len(rules)} Contributor Insights rules exist:")
    for rule in sorted(rules, key=lambda r: r["Name"]):
        definition = json.loads(rule["Definition"])
        filters = definition["Contribution"]["Filters"]
        enis: list[str] = next((f["In"] for f in filters if f["Match"] == "interface_id"), [])
        print(
            f"  {rule['Name']:<58} {rule['State']:<8} {definition['LogGroupNames'][0]:<26} "
            f"fields {definition['Fields']} ENIs {', '.join(enis)}"
        )


def show_alarms(world: World) -> None:
    alarms = world.cloudwatch.describe_alarms()["MetricAlarms"]
    print(f"{len(alarms)} alarms exist:")
    for alarm in sorted(alarms, key=lambda a: a["AlarmName"]):
        period = alarm["Metrics"][-1].get("Period") or alarm["Metrics"][-1]["MetricStat"]["Period"]
        print(f"  {alarm['AlarmName']:<58} >= {figure(alarm['Threshold'])} per {period} s")


def show_evaluated_alarms(world: World, quiet: Sequence[str]) -> None:
    """Every alarm as the local server evaluates it, over its own window and against its own
    threshold, as CloudWatch does: which fire, on which datapoint, and that the quiet endpoint's do not."""
    heading("Alarms as evaluated: each one's threshold over its own window (the local server, as CloudWatch)")
    found = evaluated_alarms(world.cloudwatch)
    for name, state, reason in sorted(found, key=lambda alarm: (alarm[1] != "ALARM", alarm[0])):
        mark = "  (the quiet endpoint)" if any(endpoint in name for endpoint in quiet) else ""
        print(f"  {state:<17} {name}{mark}")
        if state == "ALARM":
            print(f"{'':<20}{reason}")
    firing = sum(1 for _, state, _ in found if state == "ALARM")
    print(f"{firing} of {len(found)} alarms in ALARM")


def save_dashboards(
    world: World,
    stage: str,
    contributors: Mapping[str, Sequence[Contributor]],
    simulate: bool = False,
    consumers: tuple[str, dict[str, Consumer]] | None = None,
    quiet: Sequence[str] = (),
) -> None:
    folder = OUTPUT / stage
    folder.mkdir(parents=True, exist_ok=True)
    names = [entry["DashboardName"] for entry in world.cloudwatch.list_dashboards()["DashboardEntries"]]
    bodies = {name: world.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"] for name in names}
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    if simulate:
        # moto's server cannot read the gzip bodies botocore sends for a PutMetricData over 10 KB.
        writer = world.session.client("cloudwatch", config=Config(disable_request_compression=True))
        written = simulate_metrics(writer, list(bodies.values()), now, quiet)
        if consumers:
            written += simulate_consumer_metrics(writer, *consumers, now)
        print(f"simulated: {written} PrivateLink metric values of the last 3 hours (PutMetricData)")
        show_evaluated_alarms(world, quiet)
    data = replace(read_widget_data(world.cloudwatch, list(bodies.values()), now), contributors=contributors)
    note = (
        "Local demo: PrivateLink metric values simulated; alarm states evaluated by the local server from those"
        " values and the rules' flow-log records, each alarm over its own window; the top contributors are the"
        " live rules' reports (plinsights top), computed from the flow-log records of the last hour."
    )
    for name, body in bodies.items():
        (folder / f"{name}.json").write_text(json.dumps(json.loads(body), indent=2) + "\n")
        (folder / f"{name}.html").write_text(dashboard_html(name, body, data, note))
        widgets = len(json.loads(body)["widgets"])
        print(f"dashboard {name}: {widgets} widgets; body {folder / name}.json, picture {folder / name}.html")


def show_consumers(session: boto3.Session, service_id: str, endpoints: dict[str, Consumer]) -> None:
    """The provider's view: its consumers ranked with their accounts, as the dashboard draws them, and
    `plinsights explain <service id>` with the consumers its alarms have in ALARM (read live)."""
    clients, settings = Clients(session=session), Settings.from_env()
    now = datetime.now(UTC)
    accounts = {endpoint: consumer.account for endpoint, consumer in endpoints.items()}
    outcome = run_reconcile(clients, settings, dry_run=True)
    accounts |= {c.endpoint_id: c.owner for r in outcome.inventory.resources for c in r.consumers}
    heading(f"The consumers of {service_id}, ranked as the dashboard draws them (the last 3 hours)")
    for title, metric, unit in (("bytes", "BytesProcessed", "bytes"), ("resets sent", "RstPacketsSent", "resets")):
        print(f"by {title} ({metric}, SEARCH under {{Service Id, VPC Endpoint Id}}):")
        print("\n".join(ranking_lines(ranking(clients.cloudwatch, service_id, metric, now, accounts), unit)))
    heading(f"plinsights explain {service_id}: the provider sees its consumers and their accounts")
    watched = watched_consumer_alarms(
        outcome, next(r.resource_id for r in outcome.inventory.resources if service_id in r.endpoint_services)
    )
    contributors = read_alarm_contributors(clients.cloudwatch, watched)
    console = Console(soft_wrap=True, highlight=False)
    render_explanation(explain(service_id, outcome, settings, contributors=contributors), console)


@contextmanager
def demo_environment() -> Iterator[str]:
    with local_aws() as endpoint:
        print(f"Local moto server at {endpoint} (no AWS account is used).")
        yield endpoint


def main(argv: Sequence[str] | None = None) -> int:
    from handlers.reconcile import handler  # noqa: PLC0415 - after the log level is set for the demo

    options = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    options.add_argument(
        "--keep", action="store_true", help="keep the world up until Ctrl-C and say how to point plinsights at it"
    )
    keep = options.parse_args(argv).keep
    with demo_environment() as endpoint:
        session = boto3.Session()
        world = World(session)
        heading("Building a PrivateLink world")
        demo = build_demo_world(world)
        nlb_name = demo.load_balancer.rsplit("/", 2)[-2]
        service_id = demo.endpoint_service.rsplit(".", 1)[1]
        endpoints = connect_consumers(endpoint, service_id)
        print(f"provider: Network Load Balancer {nlb_name} behind {demo.endpoint_service}")
        print(
            f"          consumed from {len(endpoints)} other accounts: "
            + ", ".join(f"{c.account} ({c.team}, {c.state})" for c in endpoints.values())
        )
        print("          subnet-level flow logs, custom format -> /vpc/flow-logs/provider")
        neighbours = add_neighbours(world, demo)
        describe_consumer(demo, neighbours)
        print(f"also:     gateway endpoint {demo.gateway_endpoint}; interface endpoint {demo.unlogged_endpoint}")
        print(f"          without flow logs; interface endpoint {demo.s3_logged_endpoint} logged to S3 only")
        written = write_demo_traffic(world, demo, now=int(time.time()), neighbours=neighbours)
        print("traffic:  " + "; ".join(f"{count} flow-log records in {group}" for group, count in written.items()))

        heading("The Lambda handler on the sample events")
        for name in SAMPLE_EVENTS:
            result = handler(sample_event(name, demo), lambda_context())
            print(f"{name:<50} -> {describe_result(name, result)}")

        heading("What is monitored, what is not, and why")
        outcome = run_reconcile(Clients(session=session), Settings.from_env(), dry_run=True)
        print(render_text(outcome, dry_run=True))
        show_preview(session)
        show_sharing(outcome, demo.consumer_endpoint)
        show_explanation(session, outcome, demo.consumer_endpoint)
        heading("Rules, alarms and dashboards in the account")
        show_rules(world)
        show_alarms(world)
        # A rule reads only the log events that arrive after it is created (the local server too).
        written = write_demo_traffic(world, demo, now=int(time.time()), seed=14, neighbours=neighbours)
        print(f"traffic:  {sum(written.values())} more flow-log records logged, now that the rules exist")
        contributors = show_top(session, outcome, demo.consumer_endpoint)
        save_dashboards(world, "1-monitored", contributors, True, (service_id, endpoints), quiet_of(neighbours))
        show_consumers(session, service_id, endpoints)

        heading(f"Deleting the consumer endpoint {demo.consumer_endpoint}")
        world.delete_endpoint(demo.consumer_endpoint)
        result = handler(sample_event("delete-vpc-endpoints.json", demo), lambda_context())
        print(f"delete-vpc-endpoints.json -> {describe_result('delete-vpc-endpoints.json', result)}")
        for change in result["done"]:
            print(f"  {change['action']} {change['artifact']} {change['name']}  ({change['reason']})")
        show_rules(world)
        show_alarms(world)
        save_dashboards(world, "2-after-delete", contributors)

        stack = deploy_stand_in(session, Settings.from_env())
        if not keep:
            print(f"\nmake demo KEEP=1 keeps this world up and says how to point plinsights at it (stack {STACK}).")
            return 0
        keep_serving(endpoint, demo, stack)
    return 0


def keep_serving(endpoint: str, demo: DemoWorld, function: str) -> None:
    """Until Ctrl-C: the world stays on the local server, with a stand-in of the deployed stack whose
    function carries the settings the handler ran with, so that --stack works as against AWS."""
    nlb = demo.load_balancer.rsplit("/", 2)[-2]
    heading("The world stays up until Ctrl-C")
    print(f"The local server at {endpoint} holds this world, and stack {STACK} (its function {function}).")
    print("In another shell, point plinsights at it:")
    print(f"  export AWS_ENDPOINT_URL={endpoint} AWS_REGION={REGION}")
    print("  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing")
    print(f"  .venv/bin/plinsights --stack {STACK} plan")
    print(f"  .venv/bin/plinsights --stack {STACK} explain {nlb}")
    print(f"  .venv/bin/plinsights --stack {STACK} top {nlb}")
    print(f"  .venv/bin/plinsights --stack {STACK} destroy --dry-run")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping the local server")


if __name__ == "__main__":
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the demo prints its own account of events
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    sys.exit(main())
