"""`plinsights plan|apply|destroy|explain|preview|top`: the reconcile, the removal of a deployment, one
resource explained and the traffic its rules see, from a shell with the standard AWS environment."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from botocore.config import Config
from rich.console import Console

from cli.approval import approve_deletions, deletions
from cli.connection import checked_clients, session_for
from cli.errors import (
    EXIT_CHANGES_PENDING,
    EXIT_DELETIONS_HELD,
    EXIT_ERROR,
    EXIT_FAILED_CHANGES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    explain_error,
    fail,
    warn,
)
from cli.explain import explanation_to_dict, render_explanation
from cli.preview import add_commands as add_preview_commands
from cli.preview import preview_command, print_tables, top_command
from cli.progress import WrittenChanges, progress_for
from cli.stack import OVERRIDE_FLAG, STACK_VARIABLE, function_environment, resolve_settings, stack_name
from cli.stdout import tolerating_a_closed_pipe
from cli.topic import warn_when_alarms_reach_nobody
from core.clients import RETRY_CONFIG, Clients
from core.desire.cost import IncomingEvents, deployment_cost
from core.destroy import apply_removal, removal_summary, render_removal, run_destroy
from core.errors import ConfigError
from core.inspect.alarm_contributors import read_alarm_contributors, watched_consumer_alarms
from core.inspect.explain import explain as explain_resource
from core.inspect.explain import find_resource
from core.inspect.incoming_events import read_incoming_events
from core.inspect.preview import preview_resource, reports_to_dict
from core.model import RuleSpec
from core.progress import Progress
from core.reconcile import Outcome, apply_outcome, run_reconcile
from core.report import render_text, summary
from core.settings import Settings

__all__ = [
    "EXIT_CHANGES_PENDING",
    "EXIT_DELETIONS_HELD",
    "EXIT_ERROR",
    "EXIT_FAILED_CHANGES",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "main",
]

INSIGHT_COMMANDS = {"preview": preview_command, "top": top_command}  # read only: Ctrl-C has written nothing
WRITING_COMMANDS = ("apply", "destroy")


def package_version() -> str:
    try:
        return version("privatelink-insights")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def global_flags(suppress: bool) -> argparse.ArgumentParser:
    """The flags accepted before and after the command. The command's copies default to SUPPRESS,
    so a value given after the command wins and one given before it is not overwritten."""
    flags = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    flags.add_argument("--region", default=default(None), help="AWS Region (default: the standard AWS environment)")
    flags.add_argument("--profile", default=default(None), help="AWS profile (default: the standard AWS environment)")
    flags.add_argument(
        "--stack",
        default=default(None),
        help=f"read every setting from this deployed stack's reconcile function (default: {STACK_VARIABLE})",
    )
    flags.add_argument(
        OVERRIDE_FLAG,
        action="store_true",
        default=default(False),
        help="with --stack, let this shell's PLINSIGHTS_* variables and flags win (commands that write nothing)",
    )
    flags.add_argument(
        "--prefix", default=default(None), help="name prefix and owner of the artifacts (default: plinsights)"
    )
    flags.add_argument(
        "--dashboard-prefix", default=default(None), help="dashboards are <prefix>-<Region>[-n] (default: PrivateLink)"
    )
    flags.add_argument("--output", choices=("text", "json"), default=default("text"), help="text (default) or json")
    return flags


def add_auto_approve(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--auto-approve", action="store_true", help="delete without asking (needed off a terminal when it deletes)"
    )


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="plinsights", description=__doc__, parents=[global_flags(suppress=False)])
    main.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    command_flags = global_flags(suppress=True)
    commands = main.add_subparsers(dest="command", required=True)
    for name, text in (
        ("plan", "show what would change; writes nothing"),
        (
            "apply",
            "reconcile, then show what was done; asks before deleting; exits "
            f"{EXIT_DELETIONS_HELD} when the deletion limit held deletions back",
        ),
    ):
        command = commands.add_parser(name, help=text, description=text, parents=[command_flags])
        command.add_argument("--max-deletes", type=int, help="deletion limit: most deletions in one run (default 60)")
        if name == "plan":
            command.add_argument(
                "--detailed-exitcode",
                action="store_true",
                help=f"exit {EXIT_CHANGES_PENDING} when changes are pending, {EXIT_OK} when none",
            )
        else:
            add_auto_approve(command)
    text = "delete every rule, alarm and dashboard this deployment owns (its prefix and owner tag); asks first"
    destroy = commands.add_parser("destroy", help=text, description=text, parents=[command_flags])
    destroy.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    add_auto_approve(destroy)
    text = (
        "explain one resource: its ENIs, flow logs and why each is read or not, rules, alarms, coverage; writes nothing"
    )
    explain_command = commands.add_parser("explain", help=text, description=text, parents=[command_flags])
    explain_command.add_argument(
        "id",
        help="an endpoint id (vpce-...), a load balancer name or ARN, a network interface (eni-...) or endpoint "
        "service (vpce-svc-...) id, or a rule or alarm name of ours",
    )
    add_preview_commands(commands, command_flags)  # preview, top: read only
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    writes = args.command == "apply" or (args.command == "destroy" and not args.dry_run)
    written = WrittenChanges()  # what apply or destroy wrote, for the line Ctrl-C leaves
    with tolerating_a_closed_pipe():
        try:
            return run_command(args, written)
        except KeyboardInterrupt:
            if not writes:
                return fail("interrupted; nothing was written", EXIT_INTERRUPTED)
            message, hint = written.interrupted()
            return fail(message, EXIT_INTERRUPTED, hint)
        except Exception as err:
            explained = explain_error(err)
            if explained is None:
                raise  # a bug of ours: its traceback is what a report needs
            return fail(*explained)


def run_command(args: argparse.Namespace, written: WrittenChanges) -> int:
    if args.command == "explain":
        return explain(args)
    if args.command in INSIGHT_COMMANDS:
        run = connect(args)
        return INSIGHT_COMMANDS[args.command](args, run.clients, run.settings)
    return destroy(args, written) if args.command == "destroy" else reconcile(args, written)


@dataclass(frozen=True, slots=True)
class Run:
    clients: Clients
    settings: Settings


def cli_config(command: str) -> Config:
    """The product's retry configuration, with a user agent that names the command: CloudTrail shows
    which calls `plinsights` made, and which command made them."""
    product = vars(RETRY_CONFIG)["user_agent_extra"]  # botocore sets each option as an attribute; the stubs lack it
    return RETRY_CONFIG.merge(Config(user_agent_extra=f"{product} plinsights/{command}"))


def connect(args: argparse.Namespace, progress: Progress | None = None) -> Run:
    """The session, checked, and the settings: the shell's and the flags', or with --stack the
    deployed function's (cli/stack.py)."""
    if getattr(args, "override_stack", False) and args.command in WRITING_COMMANDS:
        raise ConfigError(
            f"{OVERRIDE_FLAG} is for commands that write nothing (plan, explain, preview, top): "
            f"{args.command} acts on the stack's own settings"
        )
    stack = stack_name(args.stack, os.environ)
    if args.override_stack and not stack:
        raise ConfigError(
            f"{OVERRIDE_FLAG} overrides a stack's settings: name the stack with --stack or {STACK_VARIABLE}"
        )
    session = session_for(args.profile, args.region)
    clients = checked_clients(session, progress, cli_config(args.command))
    function_env = None
    if stack:
        if progress:
            progress.status(f"reading the settings of stack {stack}")
        function_env = function_environment(session, stack, cli_config(args.command))
    flags = {
        "prefix": args.prefix,
        "dashboard_prefix": args.dashboard_prefix,
        "max_deletes": getattr(args, "max_deletes", None),
    }
    settings = resolve_settings(os.environ, flags, stack, function_env, args.override_stack)
    return Run(clients, settings)


def reconcile(args: argparse.Namespace, written: WrittenChanges) -> int:
    dry_run = args.command == "plan"
    with progress_for(args.output, args.command, written) as progress:
        run = connect(args, progress)
        outcome = run_reconcile(run.clients, run.settings, dry_run=True, progress=progress)
    if run.settings.alarm_topic_arn:
        warn_when_alarms_reach_nobody(run.clients, run.settings.alarm_topic_arn)
    if not dry_run:
        if not run.settings.alarm_topic_arn and not stack_name(args.stack, os.environ):
            warn(
                "no alarm topic is set (PLINSIGHTS_ALARM_TOPIC_ARN): the alarms written notify nobody, unlike the "
                "deployed function's; --stack NAME applies the stack's own settings"
            )
        approve_deletions(deletions(outcome.plan), what="apply", auto_approve=args.auto_approve)
        with progress_for(args.output, args.command, written) as progress:
            outcome = apply_outcome(run.clients, run.settings, outcome, progress=progress)
    outcome = with_matched_events(outcome, run.clients, run.settings)
    emit(args, lambda: summary(outcome, dry_run), lambda: render_text(outcome, dry_run))
    if outcome.failed:
        return EXIT_FAILED_CHANGES
    if not dry_run and outcome.plan.held_deletions:
        return EXIT_DELETIONS_HELD  # the rest is done; the deletions wait for a person (the notes say what to run)
    if dry_run and args.detailed_exitcode and outcome.plan.changes:
        return EXIT_CHANGES_PENDING
    return EXIT_OK


def with_matched_events(outcome: Outcome, clients: Clients, settings: Settings) -> Outcome:
    """The cost estimate with the matched log events the rules may cost."""
    incoming = incoming_events_of(clients, outcome.desired.rules.values())
    return replace(outcome, cost=deployment_cost(outcome.desired, settings, incoming))


def incoming_events_of(clients: Clients, rules: Iterable[RuleSpec]) -> IncomingEvents:
    """The incoming events of the log groups the rules read: a read only the CLI makes (the
    function's reconciles keep their calls); no call when the rules read none."""
    return read_incoming_events(clients.cloudwatch, {rule.log_group for rule in rules}, datetime.now(UTC))


def destroy(args: argparse.Namespace, written: WrittenChanges) -> int:
    with progress_for(args.output, args.command, written) as progress:
        run = connect(args, progress)
        removal = run_destroy(run.clients, run.settings, dry_run=True, progress=progress)
    if not args.dry_run:
        what = f"destroy of deployment {run.settings.prefix} in {run.clients.region}"
        approve_deletions(removal.plan.changes, what=what, auto_approve=args.auto_approve)
        with progress_for(args.output, args.command, written) as progress:
            removal = apply_removal(run.clients, run.settings, removal, progress)
    emit(args, lambda: removal_summary(removal, args.dry_run), lambda: render_removal(removal, args.dry_run))
    return EXIT_FAILED_CHANGES if removal.failed else EXIT_OK


def explain(args: argparse.Namespace) -> int:
    """The dry run `plan` makes, read for one resource; an unknown id is an error (exit 2)."""
    run = connect(args)
    outcome = run_reconcile(run.clients, run.settings, dry_run=True)
    resource, _ = find_resource(args.id, outcome)  # an unknown id fails here, before the read below
    rules = [rule for rule in outcome.desired.rules.values() if rule.serves(resource.resource_id)]
    incoming = incoming_events_of(run.clients, rules)
    watched = watched_consumer_alarms(outcome, resource.resource_id)
    contributors = read_alarm_contributors(run.clients.cloudwatch, watched) if watched else None
    explanation = explain_resource(args.id, outcome, run.settings, incoming, contributors)
    # Its own top talkers, from the rules that serve it (shared ones too), over the records logged
    talkers = preview_resource(run.clients, outcome, resource.resource_id, now=time.time())
    if args.output == "json":
        own = {"contributors": reports_to_dict(talkers.rules)["rules"]}
        print(json.dumps(explanation_to_dict(explanation) | own, indent=2))
    else:
        render_explanation(explanation, Console(file=sys.stdout, soft_wrap=True, highlight=False))
        if talkers.rules:
            window = f"Its own top contributors: the last {talkers.minutes} minutes of flow-log records, evaluated here"
            print()
            print_tables(talkers.rules, window, live=False)
    return EXIT_OK


def emit(args: argparse.Namespace, as_json: Callable[[], object], as_text: Callable[[], str]) -> None:
    print(json.dumps(as_json(), indent=2) if args.output == "json" else as_text())


if __name__ == "__main__":
    sys.exit(main())
