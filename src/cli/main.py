"""`plinsights plan|apply|destroy|explain|preview|top`: the reconcile, the removal of a deployment, one
resource explained and the traffic its rules see, from a shell with the standard AWS environment."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, ProfileNotFound
from botocore.parsers import ResponseParserError
from rich.console import Console

from cli.explain import explanation_to_dict, render_explanation
from cli.preview import add_commands as add_preview_commands
from cli.preview import preview_command, top_command
from cli.progress import WrittenChanges, progress_for
from core.clients import RETRY_CONFIG, Clients
from core.desire.cost import IncomingEvents, deployment_cost
from core.destroy import removal_summary, render_removal, run_destroy
from core.errors import PlinsightsError
from core.inspect.explain import explain as explain_resource
from core.inspect.explain import find_resource
from core.inspect.incoming_events import read_incoming_events
from core.model import RuleSpec
from core.progress import Progress
from core.reconcile import Outcome, run_reconcile
from core.report import render_text, summary
from core.settings import Settings

# The documented exit statuses (docs/operations.md). 2 was the error status before `plan
# --detailed-exitcode` existed, so pending changes take 3 (terraform's 2 would break scripts).
EXIT_OK, EXIT_FAILED_CHANGES, EXIT_ERROR, EXIT_CHANGES_PENDING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

# The reachability check before any work: two attempts with a 3 s connect timeout, so an unreachable
# endpoint answers in seconds instead of the ~26 s of the run's ten adaptive attempts.
PREFLIGHT_CONFIG = RETRY_CONFIG.merge(Config(connect_timeout=3, retries={"mode": "standard", "total_max_attempts": 2}))

INSIGHT_COMMANDS = {"preview": preview_command, "top": top_command}  # read only: Ctrl-C has written nothing
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"})
CREDENTIAL_CODES = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "AuthFailure"})


def package_version() -> str:
    try:
        return version("privatelink-insights")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def global_flags(suppress: bool) -> argparse.ArgumentParser:
    """The flags accepted before and after the command. The command's copies default to SUPPRESS,
    so a value given after the command wins and one given before it is not overwritten."""
    flags = argparse.ArgumentParser(add_help=False)

    def default(value: str | None) -> str | None:
        return argparse.SUPPRESS if suppress else value

    flags.add_argument("--region", default=default(None), help="AWS Region (default: the standard AWS environment)")
    flags.add_argument("--profile", default=default(None), help="AWS profile (default: the standard AWS environment)")
    flags.add_argument(
        "--prefix", default=default(None), help="name prefix and owner of the artifacts (default: plinsights)"
    )
    flags.add_argument("--output", choices=("text", "json"), default=default("text"), help="text (default) or json")
    return flags


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="plinsights", description=__doc__, parents=[global_flags(suppress=False)])
    main.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    command_flags = global_flags(suppress=True)
    commands = main.add_subparsers(dest="command", required=True)
    for name, text in (
        ("plan", "show what would change; writes nothing"),
        ("apply", "reconcile, then show what was done"),
    ):
        command = commands.add_parser(name, help=text, description=text, parents=[command_flags])
        command.add_argument("--max-deletes", type=int, help="deletion limit: most deletions in one run (default 60)")
        if name == "plan":
            command.add_argument(
                "--detailed-exitcode",
                action="store_true",
                help=f"exit {EXIT_CHANGES_PENDING} when changes are pending, {EXIT_OK} when none",
            )
    text = "delete every rule, alarm and dashboard this deployment owns (its prefix and owner tag)"
    destroy = commands.add_parser("destroy", help=text, description=text, parents=[command_flags])
    destroy.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    text = (
        "explain one resource: its ENIs, flow logs and why each is read or not, rules, alarms, coverage; writes nothing"
    )
    explain_command = commands.add_parser("explain", help=text, description=text, parents=[command_flags])
    explain_command.add_argument(
        "id", help="an endpoint id (vpce-...), a load balancer name or ARN, or a rule or alarm name of ours"
    )
    add_preview_commands(commands, command_flags)  # preview, top: read only
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    writes = args.command == "apply" or (args.command == "destroy" and not args.dry_run)
    written = WrittenChanges()  # what apply or destroy wrote, for the line Ctrl-C leaves
    try:
        if args.command == "explain":
            return explain(args)
        if args.command in INSIGHT_COMMANDS:
            return INSIGHT_COMMANDS[args.command](args, clients_for(args))
        return destroy(args, written) if args.command == "destroy" else reconcile(args, written)
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


NOT_AWS = "the AWS endpoint answered something that is not an AWS response"
NOT_AWS_HINT = "check AWS_ENDPOINT_URL: it may point at a web page or a proxy"


def explain_error(err: Exception) -> tuple[str, int, str] | None:  # noqa: PLR0911 - one return per documented error
    """The one or two lines (message, status, hint) a documented error gets; None for any other."""
    if isinstance(err, PlinsightsError):
        return str(err), EXIT_ERROR, err.hint
    if isinstance(err, ProfileNotFound):
        return f"{err}; list the profiles with: aws configure list-profiles", EXIT_ERROR, ""
    if isinstance(err, EndpointConnectionError):
        return f"cannot reach the AWS endpoint: {err}", EXIT_ERROR, "check AWS_ENDPOINT_URL, the network and --region"
    if isinstance(err, ResponseParserError):
        first = str(err).strip().splitlines()[0] if str(err).strip() else "unreadable answer"
        return f"{NOT_AWS} ({first[:160]})", EXIT_ERROR, NOT_AWS_HINT
    if isinstance(err, KeyError) and raised_by_botocore_parser(err):
        return f"{NOT_AWS} (no {err} element)", EXIT_ERROR, NOT_AWS_HINT
    if isinstance(err, ClientError):
        return client_error_message(err), EXIT_ERROR, ""
    if isinstance(err, BotoCoreError):
        return str(err), EXIT_ERROR, ""
    if isinstance(err, ValueError) and str(err).startswith("Invalid endpoint"):
        # botocore raises a bare ValueError("Invalid endpoint: ...") for a malformed endpoint URL.
        return str(err), EXIT_ERROR, "AWS_ENDPOINT_URL must look like https://host[:port]"
    return None


def client_error_message(err: ClientError) -> str:
    code = err.response.get("Error", {}).get("Code", "")
    message = err.response.get("Error", {}).get("Message", "")
    operation = err.operation_name
    if code in DENIED_CODES:
        fix = "grant the caller this action, or use a profile that has it"
        return f"access denied to {operation}: {message or code}\n{fix}"
    if code in CREDENTIAL_CODES:
        return f"the credentials were refused ({code}) on {operation}: {message}"
    return f"{operation} failed: {code}: {message}"


def fail(message: str, status: int = EXIT_ERROR, hint: str = "") -> int:
    print(f"plinsights: {message}", file=sys.stderr)
    if hint:
        print(f"plinsights: {hint}", file=sys.stderr)
    return status


def raised_by_botocore_parser(err: BaseException) -> bool:
    """botocore's parsers raise KeyError for an answer that parses as XML but holds none of the
    response's elements (a proxy's or a login page); only a KeyError raised there means that."""
    frame = err.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and Path(frame.tb_frame.f_code.co_filename).match("botocore/parsers.py")


def clients_for(args: argparse.Namespace, progress: Progress | None = None) -> Clients:
    """The run's clients, after one quick identity call: a bad endpoint, bad credentials or an
    unreachable endpoint fail here in seconds, before any read."""
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    clients = Clients(session=session)
    if progress:
        progress.status(f"checking the AWS endpoint and credentials in {clients.region}")
    session.client("sts", config=PREFLIGHT_CONFIG).get_caller_identity()
    return clients


def reconcile(args: argparse.Namespace, written: WrittenChanges) -> int:
    dry_run = args.command == "plan"
    settings = Settings.from_env(prefix=args.prefix, max_deletes=args.max_deletes)
    with progress_for(args.output, args.command, written) as progress:
        clients = clients_for(args, progress)
        outcome = run_reconcile(clients, settings, dry_run=dry_run, progress=progress)
        outcome = with_matched_events(outcome, clients, settings)
    emit(args, lambda: summary(outcome, dry_run), lambda: render_text(outcome, dry_run))
    if outcome.failed:
        return EXIT_FAILED_CHANGES
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
    settings = Settings.from_env(prefix=args.prefix)
    with progress_for(args.output, args.command, written) as progress:
        clients = clients_for(args, progress)
        removal = run_destroy(clients, settings, dry_run=args.dry_run, progress=progress)
    emit(args, lambda: removal_summary(removal, args.dry_run), lambda: render_removal(removal, args.dry_run))
    return EXIT_FAILED_CHANGES if removal.failed else EXIT_OK


def explain(args: argparse.Namespace) -> int:
    """The dry run `plan` makes, read for one resource; an unknown id is an error (exit 2)."""
    settings = Settings.from_env(prefix=args.prefix)
    clients = clients_for(args)
    outcome = run_reconcile(clients, settings, dry_run=True)
    resource, _ = find_resource(args.id, outcome)  # an unknown id fails here, before the read below
    rules = [rule for rule in outcome.desired.rules.values() if rule.serves(resource.resource_id)]
    incoming = incoming_events_of(clients, rules)
    explanation = explain_resource(args.id, outcome, settings, incoming)
    if args.output == "json":
        print(json.dumps(explanation_to_dict(explanation), indent=2))
    else:
        render_explanation(explanation, Console(soft_wrap=True, highlight=False))
    return EXIT_OK


def emit(args: argparse.Namespace, as_json: Callable[[], object], as_text: Callable[[], str]) -> None:
    print(json.dumps(as_json(), indent=2) if args.output == "json" else as_text())


if __name__ == "__main__":
    sys.exit(main())
